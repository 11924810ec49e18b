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
  registrar_ip    TEXT    NOT NULL DEFAULT '',  -- as resolved (SIP.md §3: an inbound gateway)
  updated_at      INTEGER NOT NULL
);
CREATE INDEX registrations_state ON registrations(state);
CREATE INDEX carriers_reg ON carriers(id) WHERE trunk_type = 2;

-- Gateway health (SIP.md §6): carriers whose outbound gateways are probed
-- with OPTIONS (opt-in, per carrier), and each probed gateway's state as
-- the probing node saw it.  1 up, 2 down.
CREATE TABLE carrier_probes (
  carrier_id  INTEGER PRIMARY KEY REFERENCES carriers(id) ON DELETE CASCADE,
  interval_s  INTEGER NOT NULL
);
CREATE TABLE gateway_health (
  sid           TEXT    PRIMARY KEY,          -- carrier_gateways.sid
  carrier_id    INTEGER NOT NULL REFERENCES carriers(id) ON DELETE CASCADE,
  state         INTEGER NOT NULL,
  misses        INTEGER NOT NULL DEFAULT 0,
  last_code     INTEGER NOT NULL DEFAULT 0,
  last_probe_at INTEGER NOT NULL DEFAULT 0,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX gateway_health_carrier ON gateway_health(carrier_id);
