-- 0004: the registration client's state per `reg` carrier (SIP.md §5),
-- stored so that every node (and the operator) sees it.  One row per
-- carrier, gone with the carrier.  (0003 is left to the SBC change log of
-- issue 16.)
CREATE TABLE registrations (
  carrier_id      INTEGER PRIMARY KEY REFERENCES carriers(id) ON DELETE CASCADE,
  state           INTEGER NOT NULL,            -- reg_state_t
  last_code       INTEGER NOT NULL DEFAULT 0,
  reason          TEXT    NOT NULL DEFAULT '',
  expires_at      INTEGER NOT NULL DEFAULT 0,
  last_attempt_at INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  failures        INTEGER NOT NULL DEFAULT 0,
  node            TEXT    NOT NULL DEFAULT '',
  updated_at      INTEGER NOT NULL
);
CREATE INDEX registrations_state ON registrations(state);
CREATE INDEX carriers_reg ON carriers(id) WHERE trunk_type = 2;
