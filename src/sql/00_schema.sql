-- src/sql/00_schema.sql: pg_bpm install script, part 0 (guard and comment).
\echo Use "CREATE EXTENSION pg_bpm" to load this file. \quit

COMMENT ON SCHEMA bpm IS 'pg_bpm: business processes, cases and tasks';
