-- 0005: the credential lifecycle (issue 18 item 1).
-- * accounts.status: 0 active, 1 suspended (credentials answer 403, numbers
--   kept), 2 closed (numbers released, credentials refused).  Subaccounts
--   follow their main account's status.
-- * accounts.old_token_hash/old_token_until: the token a rotation replaced,
--   still accepted until old_token_until (the grace period).
-- * api_keys: a label, the key's first characters (to recognise it in a
--   list; keys made before this migration have none), an expiry, when it
--   was last used (at most once a minute) and when it was revoked.  A
--   revoked key is kept, for the record.
-- * cred_epoch: one row, one counter, bumped in the same transaction as
--   every revocation, rotation, suspension or closure.  Every node reads it
--   a few times a second and empties its credential cache when it moved,
--   so that a revoked credential is refused everywhere within a second
--   while authentication stays one cached lookup per request.

ALTER TABLE accounts ADD COLUMN status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN old_token_hash BLOB;
ALTER TABLE accounts ADD COLUMN old_token_until INTEGER NOT NULL DEFAULT 0;

ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN revoked_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_account ON api_keys(account_id, id);

CREATE TABLE cred_epoch (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  epoch  INTEGER NOT NULL
);
INSERT INTO cred_epoch(id, epoch) VALUES (1, 1);
