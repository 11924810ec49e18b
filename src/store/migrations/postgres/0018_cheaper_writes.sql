-- 0018: cheaper writes.  The UPDATE triggers of numbers test most of
-- their condition in their function, not in WHEN; numberd_sequence gives
-- its ids in one UPDATE a table (below).
--
-- Why the triggers: PostgreSQL keeps a trigger's WHEN as the text of its expression
-- tree and reads it back (stringToNode) in every statement that fires the
-- trigger.  The WHENs of sbc_numbers_upd and cnt_owner_upd compared two
-- rows of eight and seven columns: 4,169 and 4,730 characters, read back
-- at every purchase -- 8 % of PostgreSQL's time per purchase on the rig
-- (perf, session 30).  A PL/pgSQL function's expressions are planned once
-- a session.  Each keeps a short WHEN on the state, so that an import's
-- updates of available rows (state 0 before and after) still call no
-- function at all; the column-by-column comparison moves inside.
--
-- What each fires for is unchanged; the previous release runs on this
-- schema as before (it names neither the triggers nor the functions).

CREATE OR REPLACE FUNCTION sbc_numbers_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM sbc_log('n', NEW.number);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM sbc_log('n', OLD.number);
  ELSE
    -- the rest of sbc_numbers_upd's condition: a column the index holds changed
    IF (OLD.state, OLD.owner_id, OLD.sub_id, OLD.carrier_id, OLD.carrier, OLD.app_id,
        OLD.byoc_id, OLD.number)
       IS NOT DISTINCT FROM
       (NEW.state, NEW.owner_id, NEW.sub_id, NEW.carrier_id, NEW.carrier, NEW.app_id,
        NEW.byoc_id, NEW.number) THEN
      RETURN NULL;
    END IF;
    PERFORM sbc_log('n', OLD.number);
    IF NEW.number IS DISTINCT FROM OLD.number THEN PERFORM sbc_log('n', NEW.number); END IF;
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER sbc_numbers_upd ON numbers;
CREATE TRIGGER sbc_numbers_upd AFTER UPDATE ON numbers FOR EACH ROW
  WHEN (OLD.state = 1 OR NEW.state = 1)
  EXECUTE FUNCTION sbc_numbers_trg();

-- cnt_owner_trg as 0012 made it, with the rest of cnt_owner_upd's
-- condition first: nothing counted changed (an owner counted on neither
-- side is skipped by the tests below, as before)
CREATE OR REPLACE FUNCTION cnt_owner_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND (OLD.owner_id, OLD.sub_id, OLD.type, OLD.sub_type, OLD.source, OLD.state, OLD.caps)
         IS NOT DISTINCT FROM
         (NEW.owner_id, NEW.sub_id, NEW.type, NEW.sub_type, NEW.source, NEW.state, NEW.caps) THEN
    RETURN NULL;
  END IF;
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

DROP TRIGGER cnt_owner_upd ON numbers;
CREATE TRIGGER cnt_owner_upd AFTER UPDATE OF owner_id, sub_id, type, sub_type, source, state, caps
  ON numbers FOR EACH ROW
  WHEN (OLD.state IN (1, 2) OR NEW.state IN (1, 2))
  EXECUTE FUNCTION cnt_owner_trg();

-- numberd_sequence (0014) gives its ids with one UPDATE a table, not one
-- a row: each row's UPDATE started an executor and opened the table's
-- indexes (events has six) -- 18 and 8 us a row, against the 30 us of
-- the event's own INSERT (pg_stat_statements, session 30).  The ids are
-- still given in rid / id order: nextval runs as the ordered subquery's
-- rows come out, in a CTE that PostgreSQL runs once (a volatile function
-- keeps it from being folded into the UPDATE).  The rest is 0014's.
CREATE OR REPLACE FUNCTION numberd_sequence(xids xid8[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint := 0;
  ns bigint := 0;
BEGIN
  IF xids IS NOT NULL THEN
    -- nothing of theirs without an id: no lock, no transaction id
    IF NOT EXISTS (SELECT 1 FROM events WHERE xid = ANY(xids) AND id IS NULL)
       AND NOT EXISTS (SELECT 1 FROM sbc_changes WHERE xid = ANY(xids) AND seq IS NULL) THEN
      RETURN 0;
    END IF;
  END IF;
  PERFORM pg_advisory_xact_lock(1853189474, 4);
  -- each query below sees what committed before it began (READ
  -- COMMITTED): what another round gave ids meanwhile is not taken again.
  -- Two forms, so that a writer's round is planned as lookups by xid.
  IF xids IS NOT NULL THEN
    -- with their rows, the rows of the same objects committed before them
    -- and still without ids (another node's round not run yet): an
    -- object's events keep the order of its changes, which its row lock
    -- made (a change that waited for another inserts its event after the
    -- other's COMMIT, so with a higher rid)
    WITH s AS (
      SELECT rid, nextval('events_seq') AS nid FROM (
        SELECT rid FROM (
          SELECT rid FROM events WHERE xid = ANY(xids) AND id IS NULL
          UNION
          SELECT e.rid FROM events o JOIN events e
            ON e.object_type = o.object_type AND e.object_id = o.object_id AND e.id IS NULL
            WHERE o.xid = ANY(xids) AND o.id IS NULL) u
        ORDER BY rid LIMIT 10000) q)
    UPDATE events e SET id = s.nid FROM s WHERE e.rid = s.rid;
    GET DIAGNOSTICS n = ROW_COUNT;
    WITH s AS (
      SELECT id, nextval('sbc_seq') AS nseq FROM (
        SELECT id FROM sbc_changes WHERE xid = ANY(xids) AND seq IS NULL
        ORDER BY id LIMIT 10000 - n) q)
    UPDATE sbc_changes c SET seq = s.nseq FROM s WHERE c.id = s.id;
    GET DIAGNOSTICS ns = ROW_COUNT;
  ELSE
    WITH s AS (
      SELECT rid, nextval('events_seq') AS nid FROM (
        SELECT rid FROM events WHERE id IS NULL ORDER BY rid LIMIT 10000) q)
    UPDATE events e SET id = s.nid FROM s WHERE e.rid = s.rid;
    GET DIAGNOSTICS n = ROW_COUNT;
    WITH s AS (
      SELECT id, nextval('sbc_seq') AS nseq FROM (
        SELECT id FROM sbc_changes WHERE seq IS NULL ORDER BY id LIMIT 10000 - n) q)
    UPDATE sbc_changes c SET seq = s.nseq FROM s WHERE c.id = s.id;
    GET DIAGNOSTICS ns = ROW_COUNT;
  END IF;
  IF ns > 0 THEN PERFORM pg_notify('numberd_sbc', ''); END IF;
  RETURN n + ns;
END $$;
