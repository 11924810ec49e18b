-- 0001: accounts, API keys, applications, the number table, compliance,
-- idempotency keys.  One table holds every phone number, whatever its
-- state: inventory for sale, sold, pending, aging, or brought by the
-- customer.  One row per number is what makes "never sold twice" a single
-- conditional UPDATE.

CREATE TABLE accounts (
  id           INTEGER PRIMARY KEY,
  auth_id      TEXT    NOT NULL UNIQUE,
  parent_id    INTEGER REFERENCES accounts(id),
  name         TEXT    NOT NULL,
  token_hash   BLOB    NOT NULL,
  enabled      INTEGER NOT NULL DEFAULT 1,
  created_at   INTEGER NOT NULL,
  modified_at  INTEGER NOT NULL
);
CREATE INDEX accounts_parent ON accounts(parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE api_keys (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES accounts(id),
  key_hash    BLOB    NOT NULL UNIQUE,
  scopes      INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE applications (
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
  modified_at          INTEGER NOT NULL,
  UNIQUE (account_id, app_name)
);
CREATE UNIQUE INDEX applications_default ON applications(account_id) WHERE default_number_app = 1;

CREATE TABLE numbers (
  id                  INTEGER PRIMARY KEY,
  number              TEXT    NOT NULL UNIQUE,   -- E.164 digits, no '+'
  country_iso         TEXT    NOT NULL,
  type                TEXT    NOT NULL,
  sub_type            TEXT    NOT NULL,
  prefix              TEXT    NOT NULL DEFAULT '',
  city                TEXT    NOT NULL DEFAULT '' COLLATE NOCASE,
  region              TEXT    NOT NULL DEFAULT '' COLLATE NOCASE,
  rate_center         TEXT    NOT NULL DEFAULT '' COLLATE NOCASE,
  lata                INTEGER,
  voice_enabled       INTEGER NOT NULL DEFAULT 1,
  sms_enabled         INTEGER NOT NULL DEFAULT 0,
  mms_enabled         INTEGER NOT NULL DEFAULT 0,
  caps                INTEGER NOT NULL DEFAULT 1,  -- voice 1 | sms 2 | mms 4, for search
  setup_rate          INTEGER,
  monthly_rental_rate INTEGER,
  voice_rate          INTEGER,
  sms_rate            INTEGER,
  mms_rate            INTEGER,
  restriction         TEXT    NOT NULL DEFAULT '',
  restriction_text    TEXT    NOT NULL DEFAULT '',
  carrier             TEXT    NOT NULL DEFAULT 'numberd',
  source              INTEGER NOT NULL DEFAULT 0,  -- num_source_t
  state               INTEGER NOT NULL DEFAULT 0,  -- num_state_t
  -- ownership (NULL while available)
  owner_id            INTEGER REFERENCES accounts(id),
  sub_id              INTEGER REFERENCES accounts(id),
  app_id              TEXT,
  alias               TEXT,
  added_on            TEXT,
  renewal_date        TEXT,
  released_at         INTEGER,                     -- entered 'aging'
  compliance_id       TEXT,
  cnam_lookup         TEXT,
  cnam                TEXT,
  cnam_callback_url   TEXT,
  cnam_callback_method TEXT,
  caller_reputation_status TEXT,
  profile_uuid        TEXT,
  cr_callback_url     TEXT,
  cr_callback_method  TEXT,
  tendlc_registration_status TEXT,
  tendlc_campaign_id  TEXT,
  toll_free_sms_verification TEXT,
  carrier_id          INTEGER,                     -- the customer's carrier (BYOC)
  byoc_id             TEXT,                        -- BYOC dialect id (UUID)
  label               TEXT,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);
-- Search (§2.2) reads only available numbers, in number order, with an
-- exact count.  Partial indexes WHERE state = 0: a sold number costs
-- nothing in them.  One index per equality filter, each ending in
-- (number, caps): rows come out in order so LIMIT stops early, and the
-- services filter (caps) and the count are answered from the index alone,
-- without touching the table.  The type filter matches type OR sub_type,
-- which no single index orders, so each type value has a partial index of
-- its own (the query names the value as a literal from a fixed list, so
-- the planner can use it).
CREATE INDEX numbers_avail ON numbers(country_iso, number, caps) WHERE state = 0;
CREATE INDEX numbers_avail_city ON numbers(country_iso, city, number, caps) WHERE state = 0;
CREATE INDEX numbers_avail_region ON numbers(country_iso, region, number, caps) WHERE state = 0;
CREATE INDEX numbers_avail_rate_center ON numbers(country_iso, rate_center, number, caps) WHERE state = 0;
CREATE INDEX numbers_avail_lata ON numbers(country_iso, lata, number, caps) WHERE state = 0;
CREATE INDEX numbers_avail_t_local ON numbers(country_iso, number, caps)
  WHERE state = 0 AND (type = 'local' OR sub_type = 'local');
CREATE INDEX numbers_avail_t_national ON numbers(country_iso, number, caps)
  WHERE state = 0 AND (type = 'national' OR sub_type = 'national');
CREATE INDEX numbers_avail_t_mobile ON numbers(country_iso, number, caps)
  WHERE state = 0 AND (type = 'mobile' OR sub_type = 'mobile');
CREATE INDEX numbers_avail_t_tollfree ON numbers(country_iso, number, caps)
  WHERE state = 0 AND (type = 'tollfree' OR sub_type = 'tollfree');
CREATE INDEX numbers_avail_t_fixed ON numbers(country_iso, number, caps)
  WHERE state = 0 AND (type = 'fixed' OR sub_type = 'fixed');
CREATE INDEX numbers_owner ON numbers(owner_id, number) WHERE owner_id IS NOT NULL;
CREATE INDEX numbers_aging ON numbers(released_at) WHERE state = 3;

CREATE TABLE compliance (
  id           TEXT    PRIMARY KEY,
  seq          INTEGER NOT NULL UNIQUE,   -- creation order, for "most recent"
  account_id   INTEGER NOT NULL REFERENCES accounts(id),
  country_iso  TEXT    NOT NULL,
  number_type  TEXT    NOT NULL,
  approved     INTEGER NOT NULL DEFAULT 1,
  created_at   INTEGER NOT NULL
);
CREATE INDEX compliance_lookup ON compliance(account_id, country_iso, number_type, seq);

CREATE TABLE idempotency (
  account_id  INTEGER NOT NULL,
  key         TEXT    NOT NULL,
  req_hash    BLOB    NOT NULL,
  status      INTEGER NOT NULL,
  body        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_age ON idempotency(created_at);
