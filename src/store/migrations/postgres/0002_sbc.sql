-- 0002: upstream carriers (SIP.md §1) and the SBC index's change log; the
-- reasoning is in the SQLite migration 0003_sbc.sql.  account_id NULL is an
-- upstream carrier; one unique index on (COALESCE(account_id, 0), name)
-- keeps names unique per account and among upstream carriers, and serves
-- the scoped lookups.
ALTER TABLE carriers ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE carriers DROP CONSTRAINT carriers_account_id_name_key;
CREATE UNIQUE INDEX carriers_scope_name ON carriers ((COALESCE(account_id, 0)), name);
ALTER TABLE carriers ADD COLUMN out_username TEXT COLLATE "C";
ALTER TABLE carriers ADD COLUMN out_password BYTEA;
ALTER TABLE carriers ADD COLUMN out_realm TEXT COLLATE "C";

-- seq is given at COMMIT, under a transaction-level advisory lock (a
-- deferred constraint trigger, below), so that seq order is commit order
-- across nodes: a reader that applied everything up to seq s can never
-- later see a row below s commit (with plain bigserial values, drawn at
-- INSERT, a long transaction could commit a lower seq after a reader moved
-- past it, and that change would be lost).  The lock is held only from the
-- moment the transaction commits until it has committed.
CREATE SEQUENCE sbc_seq;
CREATE TABLE sbc_changes (
  id    BIGSERIAL PRIMARY KEY,
  seq   BIGINT UNIQUE,                 -- NULL until its transaction commits
  kind  TEXT COLLATE "C" NOT NULL,
  key   TEXT COLLATE "C" NOT NULL,
  at    BIGINT NOT NULL
);

-- Written by triggers (the reasoning is in the SQLite migration), and each
-- transaction that logs anything sends one NOTIFY numberd_sbc at commit
-- (identical notifications of one transaction are folded into one), which
-- every node's listener turns into "apply the log past my mark".
CREATE FUNCTION sbc_log(k text, v text) RETURNS void LANGUAGE sql AS
  $$ INSERT INTO sbc_changes(kind, key, at) VALUES (k, v, extract(epoch FROM now())::bigint) $$;

CREATE FUNCTION sbc_numbers_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM sbc_log('n', NEW.number);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM sbc_log('n', OLD.number);
  ELSE
    PERFORM sbc_log('n', OLD.number);
    IF NEW.number IS DISTINCT FROM OLD.number THEN PERFORM sbc_log('n', NEW.number); END IF;
  END IF;
  RETURN NULL;
END $$;
-- WHEN clauses are evaluated without calling the function: an import's
-- rows (never active) cost a comparison, not a PL/pgSQL call.
CREATE TRIGGER sbc_numbers_ins AFTER INSERT ON numbers FOR EACH ROW WHEN (NEW.state = 1)
  EXECUTE FUNCTION sbc_numbers_trg();
CREATE TRIGGER sbc_numbers_upd AFTER UPDATE ON numbers FOR EACH ROW
  WHEN ((OLD.state = 1 OR NEW.state = 1) AND
        (OLD.state, OLD.owner_id, OLD.sub_id, OLD.carrier_id, OLD.carrier, OLD.app_id, OLD.byoc_id, OLD.number)
        IS DISTINCT FROM
        (NEW.state, NEW.owner_id, NEW.sub_id, NEW.carrier_id, NEW.carrier, NEW.app_id, NEW.byoc_id, NEW.number))
  EXECUTE FUNCTION sbc_numbers_trg();
CREATE TRIGGER sbc_numbers_del AFTER DELETE ON numbers FOR EACH ROW WHEN (OLD.state = 1)
  EXECUTE FUNCTION sbc_numbers_trg();

CREATE FUNCTION sbc_carriers_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM sbc_log('c', OLD.id::text);
  ELSE
    PERFORM sbc_log('c', NEW.id::text);
    IF NEW.account_id IS NULL AND (TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name) THEN
      PERFORM sbc_log('u', NEW.name);
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sbc_carriers AFTER INSERT OR UPDATE OR DELETE ON carriers FOR EACH ROW
  EXECUTE FUNCTION sbc_carriers_trg();

CREATE FUNCTION sbc_gateways_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN PERFORM sbc_log('c', OLD.carrier::text);
  ELSE PERFORM sbc_log('c', NEW.carrier::text); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sbc_gateways AFTER INSERT OR UPDATE OR DELETE ON carrier_gateways FOR EACH ROW
  EXECUTE FUNCTION sbc_gateways_trg();

CREATE FUNCTION sbc_accounts_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN PERFORM sbc_log('a', OLD.id::text);
  ELSE PERFORM sbc_log('a', NEW.id::text); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sbc_accounts AFTER INSERT OR UPDATE OR DELETE ON accounts FOR EACH ROW
  EXECUTE FUNCTION sbc_accounts_trg();

CREATE FUNCTION sbc_apps_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN PERFORM sbc_log('p', OLD.app_id);
  ELSE PERFORM sbc_log('p', NEW.app_id); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sbc_apps AFTER INSERT OR UPDATE OR DELETE ON applications FOR EACH ROW
  EXECUTE FUNCTION sbc_apps_trg();

CREATE FUNCTION sbc_seq_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1853189474, 4);
  UPDATE sbc_changes SET seq = nextval('sbc_seq') WHERE id = NEW.id;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER sbc_changes_seq AFTER INSERT ON sbc_changes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sbc_seq_trg();

CREATE FUNCTION sbc_notify_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('numberd_sbc', '');
  RETURN NULL;
END $$;
CREATE TRIGGER sbc_changes_notify AFTER INSERT ON sbc_changes FOR EACH STATEMENT
  EXECUTE FUNCTION sbc_notify_trg();
