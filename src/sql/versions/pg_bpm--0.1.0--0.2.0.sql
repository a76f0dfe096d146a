-- src/sql/versions/pg_bpm--0.1.0--0.2.0.sql: upgrade from pg_bpm 0.1.0 to 0.2.0.
--
-- Frozen once 0.2.0 is released. Until then every change to the SQL of the
-- concept files in src/sql/ is repeated here, so that an upgraded database
-- ends with the same catalog as a fresh install (test/t/050_upgrade.pl
-- compares them).
\echo Use "ALTER EXTENSION pg_bpm UPDATE TO '0.2.0'" to load this file. \quit

-- One clock for every timestamp (issue 9, defect 3): the columns that took
-- their time by DEFAULT now() take the engine's clock, as the C code that
-- writes the others does (src/sql/05_clock.sql).
ALTER TABLE bpm.definition ALTER COLUMN deployed_at SET DEFAULT bpm.now();
ALTER TABLE bpm.instance ALTER COLUMN started_at SET DEFAULT bpm.now();
ALTER TABLE bpm.token ALTER COLUMN created_at SET DEFAULT bpm.now();
ALTER TABLE bpm.task_store ALTER COLUMN created_at SET DEFAULT bpm.now();
ALTER TABLE bpm.job ALTER COLUMN due_at SET DEFAULT bpm.now();
ALTER TABLE bpm.job ALTER COLUMN created_at SET DEFAULT bpm.now();
ALTER TABLE bpm.task_board ALTER COLUMN created_at SET DEFAULT bpm.now();
