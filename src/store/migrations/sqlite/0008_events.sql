-- 0008: the event log (issue 18 items 2-3), a transactional outbox: every
-- change of state writes one row here in the transaction that makes the
-- change, so an event exists if and only if its change committed.
-- * id: AUTOINCREMENT, so an id is never used twice even after the
--   retention purge emptied the table (a reader's cursor is an id: a reused
--   one would hide new events behind it).  SQLite has one writer at a
--   time, so rowid order is commit order.
-- * account_id: the main account the object belongs to; NULL for
--   operator-level objects (upstream carriers, inventory imports).  No
--   foreign key: the log outlives what it describes.
-- * data: JSON text {"before":{...},"after":{...}} of the changed fields,
--   never a secret.
CREATE TABLE events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  ts          INTEGER NOT NULL,
  type        TEXT NOT NULL,
  account_id  INTEGER,
  object_type TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  actor_kind  TEXT NOT NULL,
  actor_id    TEXT NOT NULL DEFAULT '',
  request_id  TEXT NOT NULL DEFAULT '',
  data        TEXT NOT NULL DEFAULT '{}'
);
-- "what happened to this object" and "this account's events", both in id
-- order; the purge walks ts.
CREATE INDEX events_object ON events(object_type, object_id, id);
CREATE INDEX events_account ON events(account_id, id);
CREATE INDEX events_ts ON events(ts);
