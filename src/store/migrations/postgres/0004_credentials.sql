-- 0004: the credential lifecycle (issue 18 item 1); SQLite's 0005 in
-- PostgreSQL terms (see there for what each column means).  cred_epoch is
-- the one row every node polls: a revocation made on one node bumps it in
-- its own transaction, and the others empty their credential caches when
-- they see it move (within a second).

ALTER TABLE accounts ADD COLUMN status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN old_token_hash BYTEA;
ALTER TABLE accounts ADD COLUMN old_token_until BIGINT NOT NULL DEFAULT 0;

ALTER TABLE api_keys ADD COLUMN prefix TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN label TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX api_keys_account ON api_keys(account_id, id);

CREATE TABLE cred_epoch (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  epoch  BIGINT  NOT NULL
);
INSERT INTO cred_epoch(id, epoch) VALUES (1, 1);
