-- 0017: a counter slot of its own for each node's batch writer (issue 20
-- item 7, session 29).
--
-- Since this release the HTTP writer of a PostgreSQL node answers writes
-- in batches: one transaction for the writes that arrive together, each a
-- savepoint (store/postgres/tx.c).  A batch holds the rows its writes
-- locked until its COMMIT -- among them the counter rows of owner_counts
-- (0013) and carrier_count_slots (0016), one per key and slot, the slot
-- being the connection's backend pid mod 16.  Two nodes' writers whose
-- pids met on a slot (1 in 16) would then lock the same counter rows in
-- the order of their requests -- two accounts', a local and a toll-free
-- number's -- and deadlock, batch against batch (PostgreSQL breaks it
-- after deadlock_timeout, a second).
--
-- So a batch writer claims a slot no other session uses: one of 16..31,
-- by a session-level advisory lock (namespace 'nslt'), held as long as
-- its session lives, and says so in numberd.slot.  Every other session
-- (HTTP threads' transactions with --write-threads 0, the SIP registrar,
-- the CLI, an older node during a rolling upgrade) keeps pid mod 16, in
-- 0..15.  Past 16 batch writers in the cluster the 17th keeps pid mod 16
-- too (shared, as before).  The counts stay sums over every slot.

CREATE FUNCTION numberd_claim_slot() RETURNS smallint LANGUAGE plpgsql AS $$
DECLARE
  k integer;
BEGIN
  FOR k IN 16..31 LOOP
    IF pg_try_advisory_lock(1853058164, k) THEN
      PERFORM set_config('numberd.slot', k::text, false);
      RETURN k;
    END IF;
  END LOOP;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION cnt_owner_add(o bigint, s bigint, t text, st text, src integer,
                                         sta integer, cp integer, d bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, caps, slot, n)
    VALUES (o, coalesce(s, 0), t, st, src, sta, cp,
            coalesce(nullif(current_setting('numberd.slot', true), '')::smallint,
                     (pg_backend_pid() % 16)::smallint), d)
    ON CONFLICT (owner_id, sub_id, type, sub_type, source, state, caps, slot)
    DO UPDATE SET n = owner_counts.n + d;
END $$;

CREATE OR REPLACE FUNCTION cnt_carrier_add(c bigint, d bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO carrier_count_slots(carrier_id, slot, n)
    VALUES (c, coalesce(nullif(current_setting('numberd.slot', true), '')::smallint,
                        (pg_backend_pid() % 16)::smallint), d)
    ON CONFLICT (carrier_id, slot) DO UPDATE SET n = carrier_count_slots.n + d;
END $$;
