-- 0007: the event log (issue 18 items 2-3); SQLite's 0008 in PostgreSQL
-- terms (see there for what each column means).
--
-- id is given at COMMIT, as sbc_changes.seq is (0002_sbc): a deferred
-- constraint trigger takes the transaction-level advisory lock
-- (1853189474, 4) -- the SAME key as the SBC log's, so a transaction that
-- writes both takes one lock and two such transactions can never wait on
-- each other in opposite orders -- and draws nextval under it.  The lock
-- is held from the moment the transaction commits until it has committed,
-- so id order is commit order across nodes: a reader that saw every event
-- up to id n never later sees an event below n commit (plain bigserial
-- values, drawn at INSERT, would let a long transaction commit a lower id
-- after a reader polling "after_id" moved past it, and that event would
-- be skipped).  rid is the row's key until then; readers use id only.
CREATE SEQUENCE events_seq;
CREATE TABLE events (
  rid         BIGSERIAL PRIMARY KEY,
  id          BIGINT UNIQUE,                 -- NULL until its transaction commits
  ts          BIGINT NOT NULL,
  type        TEXT COLLATE "C" NOT NULL,
  account_id  BIGINT,
  object_type TEXT COLLATE "C" NOT NULL,
  object_id   TEXT COLLATE "C" NOT NULL,
  actor_kind  TEXT COLLATE "C" NOT NULL,
  actor_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
  request_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
  data        TEXT COLLATE "C" NOT NULL DEFAULT '{}'
);
CREATE INDEX events_object ON events(object_type, object_id, id);
CREATE INDEX events_account ON events(account_id, id);
CREATE INDEX events_ts ON events(ts);

CREATE FUNCTION events_id_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1853189474, 4);
  UPDATE events SET id = nextval('events_seq') WHERE rid = NEW.rid;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER events_id AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION events_id_trg();

-- Each transaction that logs an event sends one NOTIFY numberd_events at
-- commit (folded into one per transaction): a follower (the webhooks'
-- deliverer, `numberd events --follow`) may wait on it instead of polling.
CREATE FUNCTION events_notify_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('numberd_events', '');
  RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT
  EXECUTE FUNCTION events_notify_trg();
