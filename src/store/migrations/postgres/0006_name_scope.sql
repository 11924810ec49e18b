-- 0006: names are unique per owner that sees them (issue 15); the
-- reasoning is in the SQLite migration 0007_name_scope.sql.  An expression
-- index: coalesce(sub_id, 0) makes the main account's own objects (sub_id
-- NULL) one owner (NULLs are distinct in a plain unique constraint).
-- Inserts use ON CONFLICT DO NOTHING, which any unique index satisfies.

ALTER TABLE applications DROP CONSTRAINT applications_account_id_app_name_key;
CREATE UNIQUE INDEX applications_name ON applications(account_id, coalesce(sub_id, 0), app_name);
-- (0002_sbc already replaced the carriers' constraint by carriers_scope_name,
-- per account with upstream carriers, account_id NULL, as account 0: now
-- per owner, upstream carriers still one owner)
ALTER TABLE carriers DROP CONSTRAINT IF EXISTS carriers_account_id_name_key;
DROP INDEX IF EXISTS carriers_scope_name;
CREATE UNIQUE INDEX carriers_name ON carriers ((coalesce(account_id, 0)), (coalesce(sub_id, 0)), name);
