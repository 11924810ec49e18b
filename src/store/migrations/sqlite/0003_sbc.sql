-- 0003: upstream carriers (SIP.md §1) and the SBC index's change log.
--
-- An upstream carrier is the operator's: it belongs to no account, so
-- carriers.account_id becomes nullable (NULL = upstream).  Its name is the
-- inventory CSV's `carrier` column and is unique among upstream carriers;
-- customers' carrier names stay unique per account.  Both rules are one
-- unique index on (coalesce(account_id, 0), name), which also serves every
-- lookup scoped by account (the queries compare coalesce(account_id, 0)).
-- Outbound credentials (out_*) are for sending calls to the carrier; the
-- password is a secretbox under the server key like the others.
--
-- SQLite cannot drop NOT NULL in place: the table is rebuilt.  The gateways
-- table is rebuilt first so that dropping the old carriers table (an
-- implicit DELETE under foreign_keys=ON) cascades into nothing; RENAME then
-- rewrites carrier_gateways' reference to the new carriers table.
CREATE TABLE carriers_v3 (
  id              INTEGER PRIMARY KEY,
  uuid            TEXT    NOT NULL UNIQUE,
  voip_sid        TEXT    NOT NULL UNIQUE,
  carrier_id      TEXT    NOT NULL UNIQUE,
  account_id      INTEGER REFERENCES accounts(id),   -- NULL: upstream carrier
  sub_id          INTEGER REFERENCES accounts(id),
  name            TEXT    NOT NULL,
  trunk_type      INTEGER NOT NULL DEFAULT 0,
  voice           INTEGER NOT NULL DEFAULT 1,
  sms             INTEGER NOT NULL DEFAULT 1,
  in_username     TEXT,
  in_password     BLOB,
  reg_username    TEXT,
  reg_password    BLOB,
  reg_realm       TEXT,
  reg_from_user   TEXT,
  reg_from_domain TEXT,
  reg_expires     INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  out_username    TEXT,
  out_password    BLOB,
  out_realm       TEXT
);
INSERT INTO carriers_v3(id, uuid, voip_sid, carrier_id, account_id, sub_id, name, trunk_type,
  voice, sms, in_username, in_password, reg_username, reg_password, reg_realm, reg_from_user,
  reg_from_domain, reg_expires, created_at, updated_at)
SELECT id, uuid, voip_sid, carrier_id, account_id, sub_id, name, trunk_type, voice, sms,
  in_username, in_password, reg_username, reg_password, reg_realm, reg_from_user,
  reg_from_domain, reg_expires, created_at, updated_at FROM carriers;

CREATE TABLE carrier_gateways_v3 (
  carrier     INTEGER NOT NULL REFERENCES carriers_v3(id) ON DELETE CASCADE,
  pos         INTEGER NOT NULL,
  sid         TEXT    NOT NULL UNIQUE,
  address     TEXT    NOT NULL,
  port        INTEGER NOT NULL DEFAULT 5060,
  netmask     INTEGER NOT NULL,
  inbound     INTEGER NOT NULL DEFAULT 1,
  outbound    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (carrier, pos)
) WITHOUT ROWID;
INSERT INTO carrier_gateways_v3 SELECT carrier, pos, sid, address, port, netmask, inbound, outbound
  FROM carrier_gateways;

DROP TABLE carrier_gateways;
DROP TABLE carriers;
ALTER TABLE carriers_v3 RENAME TO carriers;
ALTER TABLE carrier_gateways_v3 RENAME TO carrier_gateways;
CREATE INDEX carriers_sub ON carriers(sub_id) WHERE sub_id IS NOT NULL;
CREATE UNIQUE INDEX carriers_scope_name ON carriers(coalesce(account_id, 0), name);

-- The SBC index's change log (src/sbc): every write that changes what the
-- index holds adds a row in its own transaction; other processes on this
-- file apply the rows past the last seq they saw.  kind: 'n' number (key:
-- E.164 digits), 'c' carrier (key: carriers.id), 'a' account (key:
-- accounts.id), 'p' application (key: app_id), '*' full reload.
CREATE TABLE sbc_changes (
  seq   INTEGER PRIMARY KEY AUTOINCREMENT,
  kind  TEXT    NOT NULL,
  key   TEXT    NOT NULL,
  at    INTEGER NOT NULL
);
