-- 0020: an endpoint's filter as of the fan-out's cursor (session 37).
--
-- The fan-out judged every event by the endpoint's enabled flag, event
-- types and account as they were when it ran, not when the event was
-- made: an event made while an endpoint was enabled was lost if it was
-- disabled before the fan-out reached the event (and one made while it
-- was disabled was sent if it was enabled again by then).  These columns
-- hold the filter as of the cursor: a new endpoint's are its own, and the
-- fan-out moves them as it passes the endpoint's own change events
-- (webhook_endpoint.updated, .disabled: their data's "after" side), in
-- the transaction that moves the cursor.  fan_account is the account
-- filter's auth_id ('' for every account), as events name their account.
-- NULL (the rows from before, and those a node of the previous release
-- makes) reads as the present filter (SQLS_WH_FAN_COLS).
ALTER TABLE webhook_endpoints ADD COLUMN fan_enabled INTEGER;
ALTER TABLE webhook_endpoints ADD COLUMN fan_types TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN fan_account TEXT;
