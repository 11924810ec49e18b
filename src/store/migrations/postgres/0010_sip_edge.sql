-- 0010: what the SBC index needs from issue 17's tables (SIP.md §1, §3, §6);
-- the reasoning is in the SQLite migration 0011_sip_edge.
ALTER TABLE carriers ADD COLUMN incoming BOOLEAN NOT NULL DEFAULT false;

CREATE FUNCTION sbc_carrier_of_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN PERFORM sbc_log('c', OLD.carrier_id::text);
  ELSE PERFORM sbc_log('c', NEW.carrier_id::text); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sbc_registrations_ins AFTER INSERT ON registrations FOR EACH ROW
  WHEN (NEW.registrar_ip <> '') EXECUTE FUNCTION sbc_carrier_of_trg();
CREATE TRIGGER sbc_registrations_upd AFTER UPDATE OF registrar_ip ON registrations FOR EACH ROW
  WHEN (NEW.registrar_ip IS DISTINCT FROM OLD.registrar_ip) EXECUTE FUNCTION sbc_carrier_of_trg();
CREATE TRIGGER sbc_registrations_del AFTER DELETE ON registrations FOR EACH ROW
  WHEN (OLD.registrar_ip <> '') EXECUTE FUNCTION sbc_carrier_of_trg();
CREATE TRIGGER sbc_health_ins AFTER INSERT ON gateway_health FOR EACH ROW
  WHEN (NEW.state = 2) EXECUTE FUNCTION sbc_carrier_of_trg();
CREATE TRIGGER sbc_health_upd AFTER UPDATE OF state ON gateway_health FOR EACH ROW
  WHEN (NEW.state IS DISTINCT FROM OLD.state AND (NEW.state = 2 OR OLD.state = 2))
  EXECUTE FUNCTION sbc_carrier_of_trg();
CREATE TRIGGER sbc_probes AFTER INSERT OR DELETE ON carrier_probes FOR EACH ROW
  EXECUTE FUNCTION sbc_carrier_of_trg();

-- A gateway's SIP transport (SIP.md §4-5): 0 udp, 1 tcp.  The registration
-- client registers over it; outbound routes name it (;transport=).
ALTER TABLE carrier_gateways ADD COLUMN transport SMALLINT NOT NULL DEFAULT 0;
