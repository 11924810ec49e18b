-- The SBC index's full load reads every active number (state 1) at start
-- and on every reconnect: without an index of its own that is a scan of
-- the whole numbers table (about 0.35 s at 1,000,000 inventory rows, most
-- of them available), paid on every start.  A partial index keeps it
-- proportional to the active numbers.
CREATE INDEX IF NOT EXISTS numbers_active ON numbers(number) WHERE state = 1;
