-- 0010: counts kept, not recounted (issue 20 items 0 and 1).
--
-- * carrier_counts: how many numbers point at each carrier
--   (numbers.carrier_id), so that reading a carrier -- which every number
--   add does -- costs the same at 0 and at 1,000,000 numbers.  Before,
--   every carrier select counted the carrier's numbers.
-- * owner_counts: an account's listed numbers (owner_id set, state active or
--   pending: the rows GET Number/ lists) by subaccount (0: the main
--   account's own), type, sub_type, source and state.  The list's
--   total_count, unfiltered or filtered by these alone, is a sum over a
--   handful of rows instead of a count of the account's whole set.
--
-- Both are kept by triggers on numbers, in the writing statement's own
-- transaction, so every write path (purchase, release, add, transfer
-- between subaccounts, aging, close, import, and any added later) keeps
-- them exact without remembering to.  The WHEN clauses keep the
-- triggers off the paths that change none of these columns (an inventory
-- import of unowned numbers evaluates two conditions per row).
-- Zero rows are kept (cheaper than deleting and re-inserting; harmless to
-- a sum).  A carrier's row goes with the carrier.
--
-- If a later migration rebuilds numbers or carriers (CREATE new, copy,
-- DROP, RENAME), it must re-create these triggers and recount.

CREATE TABLE carrier_counts (
  carrier_id  INTEGER PRIMARY KEY,
  n           INTEGER NOT NULL
);

CREATE TABLE owner_counts (
  owner_id    INTEGER NOT NULL,
  sub_id      INTEGER NOT NULL,            -- 0: the main account's own
  type        TEXT    NOT NULL,
  sub_type    TEXT    NOT NULL,
  source      INTEGER NOT NULL,
  state       INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (owner_id, sub_id, type, sub_type, source, state)
) WITHOUT ROWID;

-- A subaccount's page (GET Number/ by a subaccount, or ?subaccount=) in
-- number order from an index of its own: numbers_owner serves it too, but
-- by walking the main account's whole set to find the subaccount's.  Only
-- owned numbers assigned to a subaccount are in it (an import adds
-- nothing to it).
CREATE INDEX numbers_owner_sub ON numbers(owner_id, sub_id, number) WHERE sub_id IS NOT NULL;

INSERT INTO carrier_counts(carrier_id, n)
  SELECT carrier_id, count(*) FROM numbers WHERE carrier_id IS NOT NULL GROUP BY carrier_id;
INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, n)
  SELECT owner_id, coalesce(sub_id, 0), type, sub_type, source, state, count(*) FROM numbers
  WHERE owner_id IS NOT NULL AND state IN (1, 2)
  GROUP BY owner_id, coalesce(sub_id, 0), type, sub_type, source, state;

-- carriers
CREATE TRIGGER cnt_carrier_ins AFTER INSERT ON numbers WHEN NEW.carrier_id IS NOT NULL
BEGIN
  INSERT INTO carrier_counts(carrier_id, n) VALUES (NEW.carrier_id, 1)
    ON CONFLICT(carrier_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cnt_carrier_del AFTER DELETE ON numbers WHEN OLD.carrier_id IS NOT NULL
BEGIN
  UPDATE carrier_counts SET n = n - 1 WHERE carrier_id = OLD.carrier_id;
END;
CREATE TRIGGER cnt_carrier_upd AFTER UPDATE OF carrier_id ON numbers
  WHEN OLD.carrier_id IS NOT NEW.carrier_id
BEGIN
  UPDATE carrier_counts SET n = n - 1 WHERE carrier_id = OLD.carrier_id;
  INSERT INTO carrier_counts(carrier_id, n) SELECT NEW.carrier_id, 1 WHERE NEW.carrier_id IS NOT NULL
    ON CONFLICT(carrier_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cnt_carrier_gone AFTER DELETE ON carriers
BEGIN
  DELETE FROM carrier_counts WHERE carrier_id = OLD.id;
END;

-- owners
CREATE TRIGGER cnt_owner_ins AFTER INSERT ON numbers
  WHEN NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)
BEGIN
  INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, n)
    VALUES (NEW.owner_id, coalesce(NEW.sub_id, 0), NEW.type, NEW.sub_type, NEW.source, NEW.state, 1)
    ON CONFLICT(owner_id, sub_id, type, sub_type, source, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cnt_owner_del AFTER DELETE ON numbers
  WHEN OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2)
BEGIN
  UPDATE owner_counts SET n = n - 1
    WHERE owner_id = OLD.owner_id AND sub_id = coalesce(OLD.sub_id, 0) AND type = OLD.type
      AND sub_type = OLD.sub_type AND source = OLD.source AND state = OLD.state;
END;
CREATE TRIGGER cnt_owner_upd AFTER UPDATE OF owner_id, sub_id, type, sub_type, source, state ON numbers
  WHEN ((OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2))
        OR (NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)))
   AND (OLD.owner_id IS NOT NEW.owner_id OR OLD.sub_id IS NOT NEW.sub_id OR OLD.type IS NOT NEW.type
        OR OLD.sub_type IS NOT NEW.sub_type OR OLD.source IS NOT NEW.source
        OR OLD.state IS NOT NEW.state)
BEGIN
  UPDATE owner_counts SET n = n - 1
    WHERE OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2)
      AND owner_id = OLD.owner_id AND sub_id = coalesce(OLD.sub_id, 0) AND type = OLD.type
      AND sub_type = OLD.sub_type AND source = OLD.source AND state = OLD.state;
  INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, n)
    SELECT NEW.owner_id, coalesce(NEW.sub_id, 0), NEW.type, NEW.sub_type, NEW.source, NEW.state, 1
    WHERE NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)
    ON CONFLICT(owner_id, sub_id, type, sub_type, source, state) DO UPDATE SET n = n + 1;
END;
