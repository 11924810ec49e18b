-- 0012: owner_counts also by caps (voice 1 | sms 2 | mms 4), so that an
-- account's list filtered by services has its total_count from the kept
-- counters; SQLite's 0013_owner_counts_caps.sql explains it.  The rules of
-- 0009_counters.sql stand; the table, its function and triggers are
-- re-made with the new key and recounted.

DROP TRIGGER cnt_owner_ins ON numbers;
DROP TRIGGER cnt_owner_del ON numbers;
DROP TRIGGER cnt_owner_upd ON numbers;
DROP FUNCTION cnt_owner_trg();
DROP FUNCTION cnt_owner_add(bigint, bigint, text, text, integer, integer, bigint);
DROP TABLE owner_counts;

CREATE TABLE owner_counts (
  owner_id    BIGINT  NOT NULL,
  sub_id      BIGINT  NOT NULL,            -- 0: the main account's own
  type        TEXT    COLLATE "C" NOT NULL,
  sub_type    TEXT    COLLATE "C" NOT NULL,
  source      INTEGER NOT NULL,
  state       INTEGER NOT NULL,
  caps        INTEGER NOT NULL,
  n           BIGINT  NOT NULL,
  PRIMARY KEY (owner_id, sub_id, type, sub_type, source, state, caps)
);

INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, caps, n)
  SELECT owner_id, coalesce(sub_id, 0), type, sub_type, source, state, caps, count(*) FROM numbers
  WHERE owner_id IS NOT NULL AND state IN (1, 2)
  GROUP BY owner_id, coalesce(sub_id, 0), type, sub_type, source, state, caps;

CREATE FUNCTION cnt_owner_add(o bigint, s bigint, t text, st text, src integer, sta integer,
                              cp integer, d bigint) RETURNS void LANGUAGE sql AS $$
  INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, caps, n)
    VALUES (o, coalesce(s, 0), t, st, src, sta, cp, d)
    ON CONFLICT (owner_id, sub_id, type, sub_type, source, state, caps)
    DO UPDATE SET n = owner_counts.n + d
$$;

-- An update that moves a number between two counter rows (a transfer
-- between a main account and a subaccount, an approval) changes both rows,
-- and the writing transaction holds each row's lock until it commits.  Two
-- such moves in opposite directions, each taking "its" old row first,
-- deadlocked (PostgreSQL aborted one after deadlock_timeout: a 503).  Both
-- rows are therefore taken in key order, whichever is old or new.
CREATE FUNCTION cnt_owner_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2)
     AND NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)
     AND ROW(NEW.owner_id, coalesce(NEW.sub_id, 0), NEW.type COLLATE "C", NEW.sub_type COLLATE "C",
             NEW.source, NEW.state, NEW.caps)
       < ROW(OLD.owner_id, coalesce(OLD.sub_id, 0), OLD.type COLLATE "C", OLD.sub_type COLLATE "C",
             OLD.source, OLD.state, OLD.caps) THEN
    PERFORM cnt_owner_add(NEW.owner_id, NEW.sub_id, NEW.type, NEW.sub_type, NEW.source,
                          NEW.state, NEW.caps, 1);
    PERFORM cnt_owner_add(OLD.owner_id, OLD.sub_id, OLD.type, OLD.sub_type, OLD.source,
                          OLD.state, OLD.caps, -1);
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2) THEN
      PERFORM cnt_owner_add(OLD.owner_id, OLD.sub_id, OLD.type, OLD.sub_type, OLD.source,
                            OLD.state, OLD.caps, -1);
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    IF NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2) THEN
      PERFORM cnt_owner_add(NEW.owner_id, NEW.sub_id, NEW.type, NEW.sub_type, NEW.source,
                            NEW.state, NEW.caps, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER cnt_owner_ins AFTER INSERT ON numbers FOR EACH ROW
  WHEN (NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)) EXECUTE FUNCTION cnt_owner_trg();
CREATE TRIGGER cnt_owner_del AFTER DELETE ON numbers FOR EACH ROW
  WHEN (OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2)) EXECUTE FUNCTION cnt_owner_trg();
CREATE TRIGGER cnt_owner_upd AFTER UPDATE OF owner_id, sub_id, type, sub_type, source, state, caps
  ON numbers FOR EACH ROW
  WHEN (((OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2))
         OR (NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)))
        AND (OLD.owner_id, OLD.sub_id, OLD.type, OLD.sub_type, OLD.source, OLD.state, OLD.caps)
            IS DISTINCT FROM
            (NEW.owner_id, NEW.sub_id, NEW.type, NEW.sub_type, NEW.source, NEW.state, NEW.caps))
  EXECUTE FUNCTION cnt_owner_trg();
