-- 010: score figures compressed with lz4
--
-- A full rescore writes every score's figures (~3.8 kB of JSON each), and
-- compressing them with PostgreSQL's default pglz was about half of the
-- server's time writing them. lz4 takes a fraction of that, and less to read
-- back. It applies to figures written from now on; a server built without
-- lz4 support keeps pglz.
DO $$
BEGIN
    ALTER TABLE scores ALTER COLUMN figures SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END
$$;
