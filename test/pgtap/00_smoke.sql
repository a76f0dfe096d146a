-- 00_smoke: proves the pgTAP harness works (test/run pgtap).
--
-- test/run runs each test/pgtap/*.sql file with pg_prove in its own fresh
-- database that already has the pgtap and pg_bpm extensions, so a file needs
-- no setup of its own.  Wrapping it in BEGIN/ROLLBACK is still good manners.
BEGIN;
SELECT no_plan();

SELECT has_extension('pgtap');
SELECT has_extension('pg_bpm');
SELECT has_schema('bpm');
SELECT is(
    (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_bpm'),
    'bpm',
    'pg_bpm is installed in schema bpm'
);
SELECT ok(
    'pg_bpm' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')),
    'pg_bpm is in shared_preload_libraries'
);

SELECT * FROM finish();
ROLLBACK;
