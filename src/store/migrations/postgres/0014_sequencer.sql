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
-- Right after its COMMIT (before it answers), the writer calls
-- numberd_sequence(), its own transaction: under the same advisory lock,
-- it gives every committed row still without an id the next ids, in the
-- order of the rows' insertion, and (if it gave any SBC change a seq)
-- sends NOTIFY numberd_sbc.  Rounds take turns on the lock, so each
-- round's ids are above every earlier round's and become visible at once,
-- at its commit: a reader that saw every id up to n never later sees a
-- lower one commit, as before (readers use id and seq only; rid and id are
-- the rows' keys).  nextval is called only under the lock.  One round
-- gives ids to every row committed before it, so writers that commit
-- together share one round, and one flush for it (store/postgres/tx.c
-- runs one round at a time per process, for every writer waiting); a
-- round that finds nothing takes no lock and no transaction id.
--
-- The order within a round is the rows' insertion (rid): a write that
-- began after another was answered, or that waited for another's row
-- lock, inserts its rows after the other's and gets higher ids; writes
-- that overlapped without meeting may be in either order.
--
-- During a rolling upgrade a node older than this migration still inserts
-- rows without ids (its triggers are gone) and runs no rounds: its rows
-- get ids from the newer nodes' rounds.
--
-- A row whose writer could not run its round (its connection lost right
-- after COMMIT) waits for the next round: any later write on any node, the
-- SBC feed's pruning (every minute on every serving node) or a start.
-- NOTIFY numberd_events had no listener (the deliverer and `events
-- --follow` poll): it is gone.

DROP TRIGGER events_id ON events;
DROP TRIGGER events_notify ON events;
DROP FUNCTION events_id_trg();
DROP FUNCTION events_notify_trg();
DROP TRIGGER sbc_changes_seq ON sbc_changes;
DROP TRIGGER sbc_changes_notify ON sbc_changes;
DROP FUNCTION sbc_seq_trg();
DROP FUNCTION sbc_notify_trg();

-- the rows a round looks for (few at any moment: those committed since
-- the last round)
CREATE INDEX events_unsequenced ON events(rid) WHERE id IS NULL;
CREATE INDEX sbc_changes_unsequenced ON sbc_changes(id) WHERE seq IS NULL;

CREATE FUNCTION numberd_sequence() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r record;
  ne bigint := 0;
  ns bigint := 0;
BEGIN
  -- nothing committed and unsequenced: no lock, no transaction id
  IF NOT EXISTS (SELECT 1 FROM events WHERE id IS NULL)
     AND NOT EXISTS (SELECT 1 FROM sbc_changes WHERE seq IS NULL) THEN
    RETURN 0;
  END IF;
  PERFORM pg_advisory_xact_lock(1853189474, 4);
  -- each loop's query sees what committed before it began (READ
  -- COMMITTED), rows committed while this round waited for the lock
  -- among them; a row by row UPDATE with a cached plan costs less than
  -- one UPDATE joined to a numbered list for the few rows of a round
  FOR r IN SELECT rid FROM events WHERE id IS NULL ORDER BY rid LOOP
    UPDATE events SET id = nextval('events_seq') WHERE rid = r.rid;
    ne := ne + 1;
  END LOOP;
  FOR r IN SELECT id FROM sbc_changes WHERE seq IS NULL ORDER BY id LOOP
    UPDATE sbc_changes SET seq = nextval('sbc_seq') WHERE id = r.id;
    ns := ns + 1;
  END LOOP;
  IF ns > 0 THEN PERFORM pg_notify('numberd_sbc', ''); END IF;
  RETURN ne + ns;
END $$;

-- what was committed unsequenced before this migration (none unless a
-- writer of the old schema was cut off between its rows and its COMMIT)
SELECT numberd_sequence();
