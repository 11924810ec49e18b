-- 0009: webhooks (issue 18 item 4): endpoints, their deliveries, and the
-- fan-out's cursor in the event log.
-- * webhook_endpoints: owner_id 0 is the operator's (admin API), else the
--   main account that registered it.  account_id NULL: every account's
--   events (operator only); else only that account's.  event_types: a
--   comma-separated list, '' for every type.  secret / old_secret are
--   sealed with the server key (core/secrets.h), never stored in clear: a
--   rotation keeps the old one until old_secret_until (unix seconds) and
--   deliveries are signed with both until then.  fail_count / fail_since:
--   the endpoint's current run of failed attempts (reset by a success),
--   which disables it when persistent.  start_event_id: the id of its own
--   webhook_endpoint.created event, set by the fan-out when it reaches
--   it (0 until then): it hears the events from there on, not the history.
-- * webhook_deliveries: one row per (endpoint, event): state 0 pending,
--   1 delivered, 2 failed (attempts exhausted).  object_key is the event's
--   object ("type:id"): a delivery is not sent while an earlier one of the
--   same object to the same endpoint is pending (order per object).
--   next_at and leased_until are unix MILLISECONDS (backoff starts at
--   seconds and tests shrink it); a lease is the claim of one node while it
--   sends, and one that expires (a node killed mid-delivery) frees the row
--   for another (at-least-once).
-- * webhook_cursor: the last event id fanned out into deliveries, moved in
--   the same transaction as the rows it made.

CREATE TABLE webhook_endpoints (
  id               INTEGER PRIMARY KEY,
  uid              TEXT NOT NULL UNIQUE,
  owner_id         INTEGER NOT NULL DEFAULT 0,
  account_id       INTEGER,
  url              TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  event_types      TEXT NOT NULL DEFAULT '',
  enabled          INTEGER NOT NULL DEFAULT 1,
  disabled_reason  TEXT NOT NULL DEFAULT '',
  secret           BLOB NOT NULL,
  old_secret       BLOB,
  old_secret_until INTEGER NOT NULL DEFAULT 0,
  fail_count       INTEGER NOT NULL DEFAULT 0,
  fail_since       INTEGER NOT NULL DEFAULT 0,
  start_event_id   INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints(owner_id, id);

CREATE TABLE webhook_deliveries (
  id            INTEGER PRIMARY KEY,
  endpoint_id   INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id      INTEGER NOT NULL,
  event_type    TEXT NOT NULL,
  object_key    TEXT NOT NULL,
  state         INTEGER NOT NULL DEFAULT 0,
  attempts      INTEGER NOT NULL DEFAULT 0,
  next_at       INTEGER NOT NULL,
  leased_until  INTEGER NOT NULL DEFAULT 0,
  last_status   INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT NOT NULL DEFAULT '',
  last_at       INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  delivered_at  INTEGER NOT NULL DEFAULT 0,
  UNIQUE (endpoint_id, event_id)
);
-- the claim: due pending rows; the order check: pending rows of an object
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_at) WHERE state = 0;
CREATE INDEX webhook_deliveries_object ON webhook_deliveries(endpoint_id, object_key, event_id)
  WHERE state = 0;
CREATE INDEX webhook_deliveries_log ON webhook_deliveries(endpoint_id, id);

CREATE TABLE webhook_cursor (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  event_id  INTEGER NOT NULL
);
INSERT INTO webhook_cursor(id, event_id) VALUES (1, 0);
