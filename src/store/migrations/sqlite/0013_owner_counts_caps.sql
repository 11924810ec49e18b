-- 0013: owner_counts also by caps (voice 1 | sms 2 | mms 4), so that an
-- account's list filtered by services (GET Number/?services=sms) has its
-- total_count from the kept counters too: before, it counted every
-- matching entry of the owner index -- at 1,000,000 numbers ~0.1 s of CPU
-- a request (issue 20 item 1).  A services filter sums the rows whose caps
-- hold those bits: at most eight per other key.
--
-- The rules of 0010_counters.sql stand (triggers in the writing
-- statement's transaction; zero rows kept); the table and its three
-- triggers are re-made with the new key and recounted.

DROP TRIGGER cnt_owner_ins;
DROP TRIGGER cnt_owner_del;
DROP TRIGGER cnt_owner_upd;
DROP TABLE owner_counts;

CREATE TABLE owner_counts (
  owner_id    INTEGER NOT NULL,
  sub_id      INTEGER NOT NULL,            -- 0: the main account's own
  type        TEXT    NOT NULL,
  sub_type    TEXT    NOT NULL,
  source      INTEGER NOT NULL,
  state       INTEGER NOT NULL,
  caps        INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (owner_id, sub_id, type, sub_type, source, state, caps)
) WITHOUT ROWID;

INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, caps, n)
  SELECT owner_id, coalesce(sub_id, 0), type, sub_type, source, state, caps, count(*) FROM numbers
  WHERE owner_id IS NOT NULL AND state IN (1, 2)
  GROUP BY owner_id, coalesce(sub_id, 0), type, sub_type, source, state, caps;

CREATE TRIGGER cnt_owner_ins AFTER INSERT ON numbers
  WHEN NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)
BEGIN
  INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, caps, n)
    VALUES (NEW.owner_id, coalesce(NEW.sub_id, 0), NEW.type, NEW.sub_type, NEW.source, NEW.state,
            NEW.caps, 1)
    ON CONFLICT(owner_id, sub_id, type, sub_type, source, state, caps) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cnt_owner_del AFTER DELETE ON numbers
  WHEN OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2)
BEGIN
  UPDATE owner_counts SET n = n - 1
    WHERE owner_id = OLD.owner_id AND sub_id = coalesce(OLD.sub_id, 0) AND type = OLD.type
      AND sub_type = OLD.sub_type AND source = OLD.source AND state = OLD.state
      AND caps = OLD.caps;
END;
CREATE TRIGGER cnt_owner_upd AFTER UPDATE OF owner_id, sub_id, type, sub_type, source, state, caps
  ON numbers
  WHEN ((OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2))
        OR (NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)))
   AND (OLD.owner_id IS NOT NEW.owner_id OR OLD.sub_id IS NOT NEW.sub_id OR OLD.type IS NOT NEW.type
        OR OLD.sub_type IS NOT NEW.sub_type OR OLD.source IS NOT NEW.source
        OR OLD.state IS NOT NEW.state OR OLD.caps IS NOT NEW.caps)
BEGIN
  UPDATE owner_counts SET n = n - 1
    WHERE OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2)
      AND owner_id = OLD.owner_id AND sub_id = coalesce(OLD.sub_id, 0) AND type = OLD.type
      AND sub_type = OLD.sub_type AND source = OLD.source AND state = OLD.state
      AND caps = OLD.caps;
  INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, caps, n)
    SELECT NEW.owner_id, coalesce(NEW.sub_id, 0), NEW.type, NEW.sub_type, NEW.source, NEW.state,
           NEW.caps, 1
    WHERE NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)
    ON CONFLICT(owner_id, sub_id, type, sub_type, source, state, caps) DO UPDATE SET n = n + 1;
END;
