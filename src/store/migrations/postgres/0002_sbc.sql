-- 0002: upstream carriers (SIP.md §1) and the SBC index's change log; the
-- reasoning is in the SQLite migration 0003_sbc.sql.  account_id NULL is an
-- upstream carrier; one unique index on (COALESCE(account_id, 0), name)
-- keeps names unique per account and among upstream carriers, and serves
-- the scoped lookups.
ALTER TABLE carriers ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE carriers DROP CONSTRAINT carriers_account_id_name_key;
CREATE UNIQUE INDEX carriers_scope_name ON carriers ((COALESCE(account_id, 0)), name);
ALTER TABLE carriers ADD COLUMN out_username TEXT COLLATE "C";
ALTER TABLE carriers ADD COLUMN out_password BYTEA;
ALTER TABLE carriers ADD COLUMN out_realm TEXT COLLATE "C";

CREATE TABLE sbc_changes (
  seq   BIGSERIAL PRIMARY KEY,
  kind  TEXT COLLATE "C" NOT NULL,
  key   TEXT COLLATE "C" NOT NULL,
  at    BIGINT NOT NULL
);
