-- 0016: searches are the search index's (src/avail, migration 0015): the
-- partial indexes that served one filter each are dropped.  Every import
-- row and every purchase wrote all of them (1,000,000 rows imported:
-- 13.3 s with them, 8.8 s without).  Kept: numbers_avail (country, number:
-- a prefix, and the order of every SQL search) and numbers_avail_rate_center
-- (the commonest filter without a prefix): SQL still searches when the
-- index is not current (its first load, a reload after another process's
-- writes, NUMBERD_NO_SEARCH_INDEX, a pattern with wildcards), and a search
-- by rate center alone would otherwise read the whole inventory.
DROP INDEX IF EXISTS numbers_avail_city;
DROP INDEX IF EXISTS numbers_avail_region;
DROP INDEX IF EXISTS numbers_avail_lata;
DROP INDEX IF EXISTS numbers_avail_t_local;
DROP INDEX IF EXISTS numbers_avail_t_national;
DROP INDEX IF EXISTS numbers_avail_t_mobile;
DROP INDEX IF EXISTS numbers_avail_t_tollfree;
DROP INDEX IF EXISTS numbers_avail_t_fixed;
