-- 0002: carriers (one model for both dialects, API.md §2.4 and §3.1) and
-- server settings.
--
-- A carrier belongs to a main account and optionally to one of its
-- subaccounts.  It has three identities: the Plivo dialect's 14-digit
-- carrier_id, and the BYOC dialect's record id and voip_carrier_sid (two
-- UUIDs, as in seed 002).  Its gateways live in their own table: a Plivo
-- incoming carrier has one inbound gateway per ip_set entry, a BYOC carrier
-- one gateway that may be inbound, outbound or both.  SIP passwords are
-- stored only as secretbox boxes (nonce || MAC || ciphertext) under the
-- server key; the key never enters the database, only its fingerprint.

CREATE TABLE carriers (
  id              INTEGER PRIMARY KEY,
  uuid            TEXT    NOT NULL UNIQUE,
  voip_sid        TEXT    NOT NULL UNIQUE,
  carrier_id      TEXT    NOT NULL UNIQUE,
  account_id      INTEGER NOT NULL REFERENCES accounts(id),
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
  UNIQUE (account_id, name)
);
CREATE INDEX carriers_sub ON carriers(sub_id) WHERE sub_id IS NOT NULL;

CREATE TABLE carrier_gateways (
  carrier     INTEGER NOT NULL REFERENCES carriers(id) ON DELETE CASCADE,
  pos         INTEGER NOT NULL,                 -- order as given
  sid         TEXT    NOT NULL UNIQUE,          -- BYOC sip_gateway_sid
  address     TEXT    NOT NULL,                 -- canonical IP text or host name
  port        INTEGER NOT NULL DEFAULT 5060,
  netmask     INTEGER NOT NULL,
  inbound     INTEGER NOT NULL DEFAULT 1,
  outbound    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (carrier, pos)
) WITHOUT ROWID;

-- numbers.carrier_id points at carriers.id: "is this carrier in use" and
-- "rename the carrier on its numbers" must not scan the number table.
CREATE INDEX numbers_carrier ON numbers(carrier_id) WHERE carrier_id IS NOT NULL;
CREATE UNIQUE INDEX numbers_byoc_id ON numbers(byoc_id) WHERE byoc_id IS NOT NULL;

-- Every owned number gets its BYOC id (a UUID v4) at purchase; numbers
-- bought before this migration get one here.
UPDATE numbers SET byoc_id =
  lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
  substr(lower(hex(randomblob(2))), 2) || '-' ||
  substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
  lower(hex(randomblob(6)))
WHERE owner_id IS NOT NULL AND byoc_id IS NULL;

CREATE TABLE settings (
  name   TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) WITHOUT ROWID;

-- An account's list (§2.3) counts every match of its filters: with the
-- commonest ones (state, type, services, subaccount) in the owner index,
-- the count reads the index alone, never the table.
DROP INDEX numbers_owner;
CREATE INDEX numbers_owner ON numbers(owner_id, number, state, type, sub_type, caps, sub_id)
  WHERE owner_id IS NOT NULL;
