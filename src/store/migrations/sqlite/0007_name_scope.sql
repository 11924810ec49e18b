-- 0007: names are unique per owner that sees them (issue 15).
--
-- Application and carrier names were unique per main account, and the 409
-- named the clash: a subaccount creating "x" learned that its parent or a
-- sibling had an "x".  A name is now unique among the objects of one owner
-- -- the main account's own (sub_id NULL), or one subaccount's -- which are
-- exactly the objects that owner sees by name (a main account also sees
-- its subaccounts' objects, but may not be refused a name because of them
-- either: nothing refers to a carrier or an application by name).
--
-- SQLite cannot drop a table's UNIQUE constraint: both tables are rebuilt
-- (the procedure of https://www.sqlite.org/lang_altertable.html), the rows
-- copied as they are, with foreign keys off for the migration (the runner,
-- sqlite/settings.c, turns them off around every migration and checks them
-- before the commit), so that dropping carriers does not cascade to their
-- gateways.  The column lists are those of 0001, 0002 and 0003_sbc (which
-- made account_id nullable for upstream carriers and added out_*): a
-- migration that adds a column to either table must come after this one, or
-- be added here.  Dropping the tables drops their triggers: 0003_sbc's
-- change-log triggers on both are made again at the end.

CREATE TABLE applications_new (
  app_id               TEXT    PRIMARY KEY,
  account_id           INTEGER NOT NULL REFERENCES accounts(id),
  sub_id               INTEGER REFERENCES accounts(id),
  app_name             TEXT    NOT NULL,
  answer_url           TEXT    NOT NULL,
  answer_method        TEXT    NOT NULL DEFAULT 'POST',
  hangup_url           TEXT,
  hangup_method        TEXT    NOT NULL DEFAULT 'POST',
  fallback_answer_url  TEXT,
  fallback_method      TEXT    NOT NULL DEFAULT 'POST',
  message_url          TEXT,
  message_method       TEXT    NOT NULL DEFAULT 'POST',
  default_number_app   INTEGER NOT NULL DEFAULT 0,
  default_endpoint_app INTEGER NOT NULL DEFAULT 0,
  public_uri           INTEGER NOT NULL DEFAULT 0,
  log_incoming_messages INTEGER NOT NULL DEFAULT 1,
  is_voice_request     INTEGER NOT NULL DEFAULT 0,
  created_at           INTEGER NOT NULL,
  modified_at          INTEGER NOT NULL
);
INSERT INTO applications_new SELECT * FROM applications;
DROP TABLE applications;
ALTER TABLE applications_new RENAME TO applications;
CREATE UNIQUE INDEX applications_default ON applications(account_id) WHERE default_number_app = 1;
CREATE UNIQUE INDEX applications_name ON applications(account_id, coalesce(sub_id, 0), app_name);

CREATE TABLE carriers_new (
  id              INTEGER PRIMARY KEY,
  uuid            TEXT    NOT NULL UNIQUE,
  voip_sid        TEXT    NOT NULL UNIQUE,
  carrier_id      TEXT    NOT NULL UNIQUE,
  account_id      INTEGER REFERENCES accounts(id),   -- NULL: upstream carrier (0003_sbc)
  sub_id          INTEGER REFERENCES accounts(id),
  name            TEXT    NOT NULL,
  trunk_type      INTEGER NOT NULL DEFAULT 0,   -- trunk_type_t
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
INSERT INTO carriers_new SELECT * FROM carriers;
DROP TABLE carriers;
ALTER TABLE carriers_new RENAME TO carriers;
CREATE INDEX carriers_sub ON carriers(sub_id) WHERE sub_id IS NOT NULL;
-- upstream carriers (account_id NULL) are one owner too (0003_sbc): the
-- scoped lookups compare coalesce(account_id, 0), which this index serves
CREATE UNIQUE INDEX carriers_name ON carriers(coalesce(account_id, 0), coalesce(sub_id, 0), name);

-- 0003_sbc's change-log triggers, dropped with the tables above
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
