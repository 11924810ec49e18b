-- 0011: what the SBC index needs from issue 17's tables (SIP.md §1, §3, §6).
--
-- carriers.incoming: 1 for a carrier created in the Plivo dialect
-- (IncomingCarrier), which the SBC lookups report as kind "incoming"; a
-- BYOC carrier is 0, an upstream one has no account.  Carriers created
-- before this migration cannot be told apart and stay 0 (kind "byoc").
ALTER TABLE carriers ADD COLUMN incoming INTEGER NOT NULL DEFAULT 0;

-- The index holds, per carrier, its registrar's address as an inbound
-- gateway (a `reg` trunk's calls come from its registrar: SIP.md §3) and
-- which outbound gateways are down (SIP.md §6).  Both are written by the
-- registration client's thread (registrations, gateway_health), so the
-- change log learns of them here, in the writing transaction, exactly like
-- the carrier's own rows: every node's index re-reads the carrier.  Only a
-- change of what the index holds is logged: a refresh that rewrites the
-- same registrar, or a probe that leaves a gateway as it was, logs nothing.
CREATE TRIGGER sbc_registrations_ins AFTER INSERT ON registrations WHEN NEW.registrar_ip <> ''
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', NEW.carrier_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_registrations_upd AFTER UPDATE OF registrar_ip ON registrations
  WHEN NEW.registrar_ip IS NOT OLD.registrar_ip
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', NEW.carrier_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_registrations_del AFTER DELETE ON registrations WHEN OLD.registrar_ip <> ''
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', OLD.carrier_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_health_ins AFTER INSERT ON gateway_health WHEN NEW.state = 2
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', NEW.carrier_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_health_upd AFTER UPDATE OF state ON gateway_health
  WHEN NEW.state IS NOT OLD.state AND (NEW.state = 2 OR OLD.state = 2)
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', NEW.carrier_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- probing switched off or on: a stored `down` stops or starts counting
CREATE TRIGGER sbc_probes_ins AFTER INSERT ON carrier_probes
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', NEW.carrier_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER sbc_probes_del AFTER DELETE ON carrier_probes
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES ('c', OLD.carrier_id, CAST(strftime('%s', 'now') AS INTEGER));
END;

-- A gateway's SIP transport (SIP.md §4-5): 0 udp, 1 tcp.  The registration
-- client registers over it; outbound routes name it (;transport=).
ALTER TABLE carrier_gateways ADD COLUMN transport INTEGER NOT NULL DEFAULT 0;
