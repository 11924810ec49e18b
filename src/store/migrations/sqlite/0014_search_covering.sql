-- 0014: the search indexes made covering for SQLite (issue 20 item 2).
--
-- 0001's partial indexes (WHERE state = 0 ...) end in (number, caps) so
-- that a search's count and its services filter are answered from the
-- index alone.  SQLite 3.40 does not count a column that appears only in
-- the index's WHERE clause as held by the index: a query that names
-- state (every search does: state = 0) or type / sub_type (a type
-- search) did not use them as covering, and every entry counted -- up to
-- a thousand a search -- also read its table row (a b-tree seek each:
-- ~15 % of a search's CPU in perf, sqlite3BtreeTableMoveto).  With those
-- columns in the index (state is 0 in every entry: one header byte),
-- EXPLAIN QUERY PLAN says COVERING INDEX and the row is read only for the
-- page's twenty rows.  PostgreSQL plans index-only scans of such partial
-- indexes already (its 0001 is unchanged).

DROP INDEX numbers_avail;
CREATE INDEX numbers_avail ON numbers(country_iso, number, caps, state) WHERE state = 0;
DROP INDEX numbers_avail_city;
CREATE INDEX numbers_avail_city ON numbers(country_iso, city, number, caps, state) WHERE state = 0;
DROP INDEX numbers_avail_region;
CREATE INDEX numbers_avail_region ON numbers(country_iso, region, number, caps, state) WHERE state = 0;
DROP INDEX numbers_avail_rate_center;
CREATE INDEX numbers_avail_rate_center ON numbers(country_iso, rate_center, number, caps, state) WHERE state = 0;
DROP INDEX numbers_avail_lata;
CREATE INDEX numbers_avail_lata ON numbers(country_iso, lata, number, caps, state) WHERE state = 0;
DROP INDEX numbers_avail_t_local;
CREATE INDEX numbers_avail_t_local ON numbers(country_iso, number, caps, state, type, sub_type)
  WHERE state = 0 AND (type = 'local' OR sub_type = 'local');
DROP INDEX numbers_avail_t_national;
CREATE INDEX numbers_avail_t_national ON numbers(country_iso, number, caps, state, type, sub_type)
  WHERE state = 0 AND (type = 'national' OR sub_type = 'national');
DROP INDEX numbers_avail_t_mobile;
CREATE INDEX numbers_avail_t_mobile ON numbers(country_iso, number, caps, state, type, sub_type)
  WHERE state = 0 AND (type = 'mobile' OR sub_type = 'mobile');
DROP INDEX numbers_avail_t_tollfree;
CREATE INDEX numbers_avail_t_tollfree ON numbers(country_iso, number, caps, state, type, sub_type)
  WHERE state = 0 AND (type = 'tollfree' OR sub_type = 'tollfree');
DROP INDEX numbers_avail_t_fixed;
CREATE INDEX numbers_avail_t_fixed ON numbers(country_iso, number, caps, state, type, sub_type)
  WHERE state = 0 AND (type = 'fixed' OR sub_type = 'fixed');
