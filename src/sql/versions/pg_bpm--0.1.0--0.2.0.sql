-- src/sql/versions/pg_bpm--0.1.0--0.2.0.sql: upgrade from pg_bpm 0.1.0 to 0.2.0.
--
-- Frozen once 0.2.0 is released. Until then every change to the SQL of the
-- concept files in src/sql/ is repeated here, so that an upgraded database
-- ends with the same catalog as a fresh install (test/t/050_upgrade.pl
-- compares them).
\echo Use "ALTER EXTENSION pg_bpm UPDATE TO '0.2.0'" to load this file. \quit
