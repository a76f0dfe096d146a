-- 10_instance_sla: a due date for the whole instance.
--
-- A definition's "due" (an ISO 8601 duration) gives each instance a
-- due_at: the engine's clock at the start plus the duration.
-- bpm.sla_breaches lists the instances past it, running and overdue now
-- or ended late, beside the tasks past theirs (column kind).
--
-- Time is pg_bpm.mock_now, the engine's clock; times print in UTC.

\i sql/helpers.psql

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 1000000);
    END LOOP;
END $$;
SET bpm.actor = 'ops';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

SET pg_bpm.mock_now = '2030-03-01 09:00:00+00';
SELECT bpm.deploy('{"key": "claim10", "name": "Insurance claim", "due": "P5D", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "assess", "type": "user_task", "due": "P2D"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "assess"}, {"from": "assess", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('claim10', '{}', 'fast') AS fast \gset
SELECT bpm.start('claim10', '{}', 'slow') AS slow \gset
SELECT bpm.start('claim10', '{}', 'forgotten') AS forgotten \gset
SELECT business_key, started_at, due_at FROM bpm.processes WHERE key = 'claim10' ORDER BY id;
-- The fast claim is done the next day.
SET pg_bpm.mock_now = '2030-03-02 09:00:00+00';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :fast;
-- Six days later: the slow claim's task was late, and so is the claim,
-- completed now; the forgotten one runs on, overdue.
SET pg_bpm.mock_now = '2030-03-07 09:00:00+00';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :slow;
SELECT kind, business_key, node_id, title, status, due_at, completed_at, overdue_by
  FROM bpm.sla_breaches WHERE process_key = 'claim10' ORDER BY kind, business_key;
-- A cancelled instance is not a breach: it did not complete late, it stopped.
SELECT bpm.cancel(:forgotten, 'withdrawn');
SELECT kind, business_key, status FROM bpm.sla_breaches
 WHERE process_key = 'claim10' AND kind = 'instance' ORDER BY business_key;

-- "due" must be a positive ISO 8601 duration (42P17).
\set VERBOSITY terse
SELECT bpm.deploy('{"key": "bad10", "due": "five days", "nodes": [
    {"id": "start", "type": "start_event"}, {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "end"}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.deploy('{"key": "bad10", "due": "-P1D", "nodes": [
    {"id": "start", "type": "start_event"}, {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "end"}]}');
\echo :LAST_ERROR_SQLSTATE
RESET pg_bpm.mock_now;
