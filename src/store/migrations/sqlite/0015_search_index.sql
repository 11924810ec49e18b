-- 0015: the search index's generation (src/store/sqlite/avail.c).
--
-- serve keeps the available numbers in memory for searches' counts and
-- applies its own writes as it commits them; another process's writes
-- (the CLI on the same file, a second serve) it learns of here: every
-- change that makes a number available or not, or edits one that is,
-- adds one to avail_gen.n in its own transaction.  An UPDATE of one row
-- per changed row: the same page, already dirty, for the whole transaction.
CREATE TABLE avail_gen (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n  INTEGER NOT NULL
);
INSERT INTO avail_gen(id, n) VALUES (1, 0);

CREATE TRIGGER avail_gen_ins AFTER INSERT ON numbers WHEN NEW.state = 0
BEGIN
  UPDATE avail_gen SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER avail_gen_upd AFTER UPDATE ON numbers WHEN OLD.state = 0 OR NEW.state = 0
BEGIN
  UPDATE avail_gen SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER avail_gen_del AFTER DELETE ON numbers WHEN OLD.state = 0
BEGIN
  UPDATE avail_gen SET n = n + 1 WHERE id = 1;
END;
