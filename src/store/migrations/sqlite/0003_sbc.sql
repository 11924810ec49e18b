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

-- The log is written by triggers, so every write path (today's and any
-- added later) logs what it changes in its own transaction, and nothing
-- above the store has to remember to.  Numbers: only rows that are or were
-- active matter (the index holds active numbers), and only the columns the
-- index keeps; an import that rewrites available rows logs nothing.
CREATE TRIGGER sbc_numbers_ins AFTER INSERT ON numbers WHEN NEW.state = 1
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('n', NEW.number, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_numbers_upd AFTER UPDATE ON numbers
WHEN (OLD.state = 1 OR NEW.state = 1) AND (OLD.state IS NOT NEW.state OR
  OLD.owner_id IS NOT NEW.owner_id OR OLD.sub_id IS NOT NEW.sub_id OR
  OLD.carrier_id IS NOT NEW.carrier_id OR OLD.carrier IS NOT NEW.carrier OR
  OLD.app_id IS NOT NEW.app_id OR OLD.byoc_id IS NOT NEW.byoc_id OR OLD.number IS NOT NEW.number)
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('n', OLD.number, CAST(strftime('%s', 'now') AS INTEGER));
  INSERT INTO sbc_changes(kind, key, at) SELECT 'n', NEW.number, CAST(strftime('%s', 'now') AS INTEGER)
    WHERE NEW.number IS NOT OLD.number;
END;
CREATE TRIGGER sbc_numbers_del AFTER DELETE ON numbers WHEN OLD.state = 1
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('n', OLD.number, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- A carrier and its gateways: 'c' re-reads the whole carrier.  A new
-- upstream carrier also gets 'u' (its name): active inventory numbers that
-- already name it now route through it.
CREATE TRIGGER sbc_carriers_ins AFTER INSERT ON carriers
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
  INSERT INTO sbc_changes(kind, key, at) SELECT 'u', NEW.name, CAST(strftime('%s', 'now') AS INTEGER)
    WHERE NEW.account_id IS NULL;
END;
CREATE TRIGGER sbc_carriers_upd AFTER UPDATE ON carriers
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
  INSERT INTO sbc_changes(kind, key, at) SELECT 'u', NEW.name, CAST(strftime('%s', 'now') AS INTEGER)
    WHERE NEW.account_id IS NULL AND NEW.name IS NOT OLD.name;
END;
CREATE TRIGGER sbc_carriers_del AFTER DELETE ON carriers
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', OLD.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_gateways_ins AFTER INSERT ON carrier_gateways
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', NEW.carrier, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_gateways_del AFTER DELETE ON carrier_gateways
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', OLD.carrier, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_accounts_ins AFTER INSERT ON accounts
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('a', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_accounts_upd AFTER UPDATE ON accounts
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('a', NEW.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_accounts_del AFTER DELETE ON accounts
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('a', OLD.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_apps_ins AFTER INSERT ON applications
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('p', NEW.app_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_apps_upd AFTER UPDATE ON applications
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('p', NEW.app_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_apps_del AFTER DELETE ON applications
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('p', OLD.app_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
