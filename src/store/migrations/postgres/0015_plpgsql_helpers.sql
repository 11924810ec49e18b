-- 0015: the helpers every purchase's and every add's triggers call --
-- cnt_owner_add, cnt_carrier_add, sbc_log -- in PL/pgSQL instead of SQL.
--
-- Why.  A LANGUAGE sql function that is not inlined (these INSERTs never
-- are) is parsed, analysed and planned again on every call: its plan
-- lives only as long as the query that called it, and a trigger's
-- PERFORM is a new query each time.  A PL/pgSQL function keeps its
-- statements' plans for the session.  In a profile of PostgreSQL under
-- purchases (perf, session 27) the SQL functions' parse, analysis and
-- planning were ~10 % of the core.  Same statements, same results.

CREATE OR REPLACE FUNCTION cnt_owner_add(o bigint, s bigint, t text, st text, src integer,
                                         sta integer, cp integer, d bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO owner_counts(owner_id, sub_id, type, sub_type, source, state, caps, slot, n)
    VALUES (o, coalesce(s, 0), t, st, src, sta, cp, (pg_backend_pid() % 16)::smallint, d)
    ON CONFLICT (owner_id, sub_id, type, sub_type, source, state, caps, slot)
    DO UPDATE SET n = owner_counts.n + d;
END $$;

CREATE OR REPLACE FUNCTION cnt_carrier_add(c bigint, d bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO carrier_counts(carrier_id, n) VALUES (c, d)
    ON CONFLICT (carrier_id) DO UPDATE SET n = carrier_counts.n + d;
END $$;

CREATE OR REPLACE FUNCTION sbc_log(k text, v text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sbc_changes(kind, key, at) VALUES (k, v, extract(epoch FROM now())::bigint);
END $$;
