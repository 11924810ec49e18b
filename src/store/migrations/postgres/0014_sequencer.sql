-- 0014: the event log's ids and the SBC change log's seqs given after
-- COMMIT, in rounds, instead of at COMMIT under a lock (issue 20 item 7).
--
-- Why.  Until now every transaction that logged an event or an SBC change
-- ran, at COMMIT, a deferred trigger that took the advisory lock
-- (1853189474, 4) and a statement trigger that sent a NOTIFY.  Both are
-- held until the transaction has committed, WAL flush included: the
-- advisory lock by design (0002_sbc, 0007_events) and PostgreSQL's lock
-- on the notification queue (PreCommit_Notify) by PostgreSQL's.  So every
-- purchase of every node committed one flush at a time, after the one
-- before it: with a 2 ms fsync 338-390 purchases/s whatever the number of
-- connections (16 buyers, 2 to 64 threads), the core 40 % busy; with both
-- taken out (an experiment), 1,265-1,304/s; with this migration and 16
-- writer threads, 960-985/s (docs/PERFORMANCE.md, session 27).
--
-- Now a writer inserts its rows with id (seq) NULL and takes no lock; its
-- transaction commits alone and shares WAL flushes with every other.
-- Each row keeps the id of the transaction that wrote it (xid).  Right
-- after its COMMIT (before it answers), the writer calls
-- numberd_sequence(xids), its own transaction: under the same advisory
-- lock, it gives the rows of those (committed) transactions the next ids,
-- in the order of the rows' insertion, and (if it gave any SBC change a
-- seq) sends NOTIFY numberd_sbc.  The rows are found by their xid in a
-- partial index of the rows without an id, never by a scan of it: while
-- an old snapshot (a backup's) keeps its dead entries, a scan would grow
-- with every write made meanwhile.  Rounds take turns on the lock, so each
-- round's ids are above every earlier round's and become visible at once,
-- at its commit: a reader that saw every id up to n never later sees a
-- lower one commit, as before (readers use id and seq only; rid and id are
-- the rows' keys).  nextval is called only under the lock.  Writers that
-- commit together share one round, and one flush for it
-- (store/postgres/tx.c runs one round at a time per process, for the
-- xids of every writer waiting); a round that finds nothing takes no lock
-- and no transaction id.
--
-- The order within a round is the rows' insertion (rid).  A write that
-- began after another was answered gets higher ids.  An object's events
-- keep the order of its changes: a round also takes the committed rows
-- of the same objects still without ids, and a change that waited for
-- another's row lock inserted its event after the other's COMMIT.  Writes
-- to different objects that overlapped may be in either order.
--
-- The old triggers stay, skipped by a session that says it runs rounds
-- (SET numberd.rounds = on: every numberd connection from this release
-- on).  So a node older than this migration (a rolling upgrade, or a
-- rollback) and any other writer (psql) still get ids at COMMIT, under the
-- same lock as the rounds: every id is still drawn under it and visible
-- before it is released.  A transaction that takes turns through its
-- COMMIT anyway (adding numbers: store/postgres/owned.c) turns rounds off
-- for itself (set_config(..., true)) and takes the triggers' ids, rather
-- than one more WAL flush for a round of its own rows.
--
-- Building the partial indexes reads each table once (seconds per
-- million events), with the tables' writes held meanwhile.
--
-- A row whose writer could not run its round (its connection lost right
-- after COMMIT) waits for a sweep, numberd_sequence(NULL): every row
-- without an id, 10,000 at a time (every minute on every serving node,
-- with the SBC log's pruning, and at every start).  A round gives at most
-- 10,000 ids too (within the statement timeout); the caller repeats it
-- while it gave that many.  numberd's sessions send no NOTIFY
-- numberd_events any more (no one listened: the deliverer and `events
-- --follow` poll).

-- the old triggers, skipped by sessions that run rounds (the WHEN is
-- evaluated as the row is written: no deferred call is queued)
DROP TRIGGER events_id ON events;
DROP TRIGGER events_notify ON events;
DROP TRIGGER sbc_changes_seq ON sbc_changes;
DROP TRIGGER sbc_changes_notify ON sbc_changes;
CREATE CONSTRAINT TRIGGER events_id AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (current_setting('numberd.rounds', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION events_id_trg();
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT
  WHEN (current_setting('numberd.rounds', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION events_notify_trg();
CREATE CONSTRAINT TRIGGER sbc_changes_seq AFTER INSERT ON sbc_changes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (current_setting('numberd.rounds', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION sbc_seq_trg();
CREATE TRIGGER sbc_changes_notify AFTER INSERT ON sbc_changes FOR EACH STATEMENT
  WHEN (current_setting('numberd.rounds', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION sbc_notify_trg();

-- the writing transaction of each row (rows before this migration: NULL,
-- and they have their ids); a default, not a rewrite of the table
ALTER TABLE events ADD COLUMN xid xid8;
ALTER TABLE events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
ALTER TABLE sbc_changes ADD COLUMN xid xid8;
ALTER TABLE sbc_changes ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX events_unsequenced ON events(xid) WHERE id IS NULL;
CREATE INDEX sbc_changes_unsequenced ON sbc_changes(xid) WHERE seq IS NULL;

-- xids: the committed transactions whose rows get ids (a writer's round),
-- or NULL (a sweep: every row without one).  At most 10,000 ids a call;
-- returns how many it gave.
CREATE FUNCTION numberd_sequence(xids xid8[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r record;
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
    FOR r IN SELECT rid FROM (
               SELECT rid FROM events WHERE xid = ANY(xids) AND id IS NULL
               UNION
               SELECT e.rid FROM events o JOIN events e
                 ON e.object_type = o.object_type AND e.object_id = o.object_id AND e.id IS NULL
                 WHERE o.xid = ANY(xids) AND o.id IS NULL) s
             ORDER BY rid LIMIT 10000 LOOP
      UPDATE events SET id = nextval('events_seq') WHERE rid = r.rid;
      n := n + 1;
    END LOOP;
    FOR r IN SELECT id FROM sbc_changes WHERE xid = ANY(xids) AND seq IS NULL
             ORDER BY id LIMIT 10000 - n LOOP
      UPDATE sbc_changes SET seq = nextval('sbc_seq') WHERE id = r.id;
      ns := ns + 1;
    END LOOP;
  ELSE
    FOR r IN SELECT rid FROM events WHERE id IS NULL ORDER BY rid LIMIT 10000 LOOP
      UPDATE events SET id = nextval('events_seq') WHERE rid = r.rid;
      n := n + 1;
    END LOOP;
    FOR r IN SELECT id FROM sbc_changes WHERE seq IS NULL ORDER BY id LIMIT 10000 - n LOOP
      UPDATE sbc_changes SET seq = nextval('sbc_seq') WHERE id = r.id;
      ns := ns + 1;
    END LOOP;
  END IF;
  IF ns > 0 THEN PERFORM pg_notify('numberd_sbc', ''); END IF;
  RETURN n + ns;
END $$;
