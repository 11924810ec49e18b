-- 0009: counts kept, not recounted (issue 20 items 0 and 1); the same
-- tables and rules as SQLite's 0010_counters.sql, which explains them.
--
-- * carrier_counts: numbers per carrier (numbers.carrier_id);
-- * owner_counts: an account's listed numbers (owner_id set, state 1 or 2)
--   by subaccount (0: the main account's own), type, sub_type, source,
--   state.
--
-- Kept by row triggers on numbers in the writing transaction.  Under READ
-- COMMITTED the increments are exact: INSERT ... ON CONFLICT DO UPDATE and
-- UPDATE ... SET n = n + d both lock the counter row and apply to its
-- latest committed version.  The cost: writers that change the same
-- counter row (two purchases by the same account of the same type) queue
-- on it until the first commits; every write of active numbers already
-- queues at commit on the change log's lock (0002_sbc's sbc_seq), so this
-- adds no new serialisation point.  Lock order is fixed (triggers fire in
-- name order: cnt_carrier_* before cnt_owner_*), so two single-number
-- writes never deadlock on counters.
-- WHEN clauses are evaluated without calling the function: an import's
-- unowned rows cost two comparisons, not a PL/pgSQL call.

CREATE TABLE carrier_counts (
  carrier_id  BIGINT PRIMARY KEY,
  n           BIGINT NOT NULL
);

CREATE TABLE owner_counts (
  owner_id    BIGINT  NOT NULL,
  sub_id      BIGINT  NOT NULL,            -- 0: the main account's own
  type        TEXT    COLLATE "C" NOT NULL,
  sub_type    TEXT    COLLATE "C" NOT NULL,
  source      INTEGER NOT NULL,
  state       INTEGER NOT NULL,
  n           BIGINT  NOT NULL,
  PRIMARY KEY (owner_id, sub_id, type, sub_type, source, state)
);

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

CREATE FUNCTION cnt_carrier_add(c bigint, d bigint) RETURNS void LANGUAGE sql AS $$
  INSERT INTO carrier_counts(carrier_id, n) VALUES (c, d)
    ON CONFLICT (carrier_id) DO UPDATE SET n = carrier_counts.n + d
$$;

CREATE FUNCTION cnt_owner_add(o bigint, s bigint, t text, st text, src integer, sta integer,
                              d bigint) RETURNS void LANGUAGE sql AS $$
  INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, n)
    VALUES (o, coalesce(s, 0), t, st, src, sta, d)
    ON CONFLICT (owner_id, sub_id, type, sub_type, source, state)
    DO UPDATE SET n = owner_counts.n + d
$$;

CREATE FUNCTION cnt_carrier_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF OLD.carrier_id IS NOT NULL THEN PERFORM cnt_carrier_add(OLD.carrier_id, -1); END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    IF NEW.carrier_id IS NOT NULL THEN PERFORM cnt_carrier_add(NEW.carrier_id, 1); END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION cnt_owner_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2) THEN
      PERFORM cnt_owner_add(OLD.owner_id, OLD.sub_id, OLD.type, OLD.sub_type, OLD.source,
                            OLD.state, -1);
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    IF NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2) THEN
      PERFORM cnt_owner_add(NEW.owner_id, NEW.sub_id, NEW.type, NEW.sub_type, NEW.source,
                            NEW.state, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER cnt_carrier_ins AFTER INSERT ON numbers FOR EACH ROW
  WHEN (NEW.carrier_id IS NOT NULL) EXECUTE FUNCTION cnt_carrier_trg();
CREATE TRIGGER cnt_carrier_del AFTER DELETE ON numbers FOR EACH ROW
  WHEN (OLD.carrier_id IS NOT NULL) EXECUTE FUNCTION cnt_carrier_trg();
CREATE TRIGGER cnt_carrier_upd AFTER UPDATE OF carrier_id ON numbers FOR EACH ROW
  WHEN (OLD.carrier_id IS DISTINCT FROM NEW.carrier_id) EXECUTE FUNCTION cnt_carrier_trg();

CREATE TRIGGER cnt_owner_ins AFTER INSERT ON numbers FOR EACH ROW
  WHEN (NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)) EXECUTE FUNCTION cnt_owner_trg();
CREATE TRIGGER cnt_owner_del AFTER DELETE ON numbers FOR EACH ROW
  WHEN (OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2)) EXECUTE FUNCTION cnt_owner_trg();
CREATE TRIGGER cnt_owner_upd AFTER UPDATE OF owner_id, sub_id, type, sub_type, source, state
  ON numbers FOR EACH ROW
  WHEN (((OLD.owner_id IS NOT NULL AND OLD.state IN (1, 2))
         OR (NEW.owner_id IS NOT NULL AND NEW.state IN (1, 2)))
        AND (OLD.owner_id, OLD.sub_id, OLD.type, OLD.sub_type, OLD.source, OLD.state)
            IS DISTINCT FROM
            (NEW.owner_id, NEW.sub_id, NEW.type, NEW.sub_type, NEW.source, NEW.state))
  EXECUTE FUNCTION cnt_owner_trg();

CREATE FUNCTION cnt_carrier_gone_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM carrier_counts WHERE carrier_id = OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER cnt_carrier_gone AFTER DELETE ON carriers FOR EACH ROW
  EXECUTE FUNCTION cnt_carrier_gone_trg();
