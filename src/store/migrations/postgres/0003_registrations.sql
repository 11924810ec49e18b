-- 0003: the registration client's state per `reg` carrier (SIP.md §5),
-- stored so that every node shows it; gone with the carrier.  Which node
-- registers a carrier is decided by a session advisory lock, not here.
CREATE TABLE registrations (
  carrier_id      BIGINT PRIMARY KEY REFERENCES carriers(id) ON DELETE CASCADE,
  state           INTEGER NOT NULL,
  last_code       INTEGER NOT NULL DEFAULT 0,
  reason          TEXT COLLATE "C" NOT NULL DEFAULT '',
  expires_at      BIGINT NOT NULL DEFAULT 0,
  last_attempt_at BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  failures        INTEGER NOT NULL DEFAULT 0,
  node            TEXT COLLATE "C" NOT NULL DEFAULT '',
  registrar_ip    TEXT COLLATE "C" NOT NULL DEFAULT '',
  updated_at      BIGINT NOT NULL
);
CREATE INDEX registrations_state ON registrations(state);
CREATE INDEX carriers_reg ON carriers(id) WHERE trunk_type = 2;

-- Gateway health (SIP.md §6): opt-in OPTIONS probing per carrier, and each
-- probed gateway's state (1 up, 2 down).
CREATE TABLE carrier_probes (
  carrier_id  BIGINT PRIMARY KEY REFERENCES carriers(id) ON DELETE CASCADE,
  interval_s  INTEGER NOT NULL
);
CREATE TABLE gateway_health (
  sid           TEXT COLLATE "C" PRIMARY KEY,
  carrier_id    BIGINT NOT NULL REFERENCES carriers(id) ON DELETE CASCADE,
  state         INTEGER NOT NULL,
  misses        INTEGER NOT NULL DEFAULT 0,
  last_code     INTEGER NOT NULL DEFAULT 0,
  last_probe_at BIGINT NOT NULL DEFAULT 0,
  updated_at    BIGINT NOT NULL
);
CREATE INDEX gateway_health_carrier ON gateway_health(carrier_id);
