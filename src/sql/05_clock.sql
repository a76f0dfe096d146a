-- src/sql/05_clock.sql: the engine's clock (src/time/clock.c).
--
-- Every time the engine writes comes from this one clock: the C code asks
-- bpm_clock_now(), and the columns that take the time by DEFAULT call
-- bpm.now(), so a row inserted without it agrees with the rest (under
-- pg_bpm.mock_now too). It comes first because the tables' defaults use it.
-- It reads no table and resolves no name, so it needs no pinned
-- search_path (as the other C functions); EXECUTE is PUBLIC's, as reading
-- the clock gives nothing away.

CREATE FUNCTION bpm.now() RETURNS timestamptz
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'bpm_now';
COMMENT ON FUNCTION bpm.now() IS
    'The engine''s clock: pg_bpm.mock_now when set, else the start of the transaction';
