-- 0016: a carrier's count in slots, one per connection (issue 20 item 7).
--
-- Numbers added through one carrier used to take turns: an advisory lock
-- from the first insert to the COMMIT, the carrier's row FOR UPDATE, and
-- its one counter row, which each add's increment locked until its COMMIT
-- (and the commit waits for its WAL flush).  Session 28 lets them run at
-- once (store/postgres/owned.c and carriers.c); the counter is the last
-- of the three.  As owner_counts in 0013: each carrier has up to 16 rows,
-- one per slot, and a writer adds to the slot of its connection (its
-- backend pid mod 16).  Exactness is unchanged (each slot row is kept
-- exactly as the one row was); a slot may go below zero, the sum never
-- does.
--
-- The rows move to carrier_count_slots; carrier_counts becomes a view of
-- one row a carrier, their sum, so that a node of the previous release,
-- whose carrier reads take carrier_counts' n for one carrier_id, reads
-- the same answer (the rolling upgrade, docs/DEPLOYMENT.md).  A read by
-- carrier_id is pushed below the view's GROUP BY: it reads that carrier's
-- rows by the primary key, not the table.

ALTER TABLE carrier_counts RENAME TO carrier_count_slots;
ALTER TABLE carrier_count_slots ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE carrier_count_slots DROP CONSTRAINT carrier_counts_pkey;
ALTER TABLE carrier_count_slots ADD PRIMARY KEY (carrier_id, slot);

CREATE VIEW carrier_counts AS
  SELECT carrier_id, sum(n)::bigint AS n FROM carrier_count_slots GROUP BY carrier_id;

CREATE OR REPLACE FUNCTION cnt_carrier_add(c bigint, d bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO carrier_count_slots(carrier_id, slot, n)
    VALUES (c, (pg_backend_pid() % 16)::smallint, d)
    ON CONFLICT (carrier_id, slot) DO UPDATE SET n = carrier_count_slots.n + d;
END $$;

CREATE OR REPLACE FUNCTION cnt_carrier_gone_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM carrier_count_slots WHERE carrier_id = OLD.id;
  RETURN NULL;
END $$;
