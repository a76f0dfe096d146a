-- 09_start_timers: processes that start themselves.
--
-- A start event with a "timer" starts instances on a schedule: a "date"
-- (once), a "duration" (once, that long after deployment), a "cycle" (an
-- ISO 8601 repeating interval, "R/P1D" or "R5/2030-01-01T09:00:00Z/PT1H")
-- or a "cron" expression with an optional "timezone". Deploying a version
-- arms its timer as a job of kind start_timer, which belongs to the
-- definition (no instance yet); deploying the next version replaces it.
-- When it falls due, bpm.run_jobs (or a background runner) starts an
-- instance of that version, records timer_fired as its first step, and
-- re-arms the timer for the next occurrence after now.
--
-- Time is pg_bpm.mock_now, the engine's clock; times print in UTC.

\i sql/helpers.psql

-- Ids in this file start above 900000, so that messages naming them do
-- not depend on the files that ran before.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 900000);
    END LOOP;
END $$;
SET bpm.actor = 'ops';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- The start timers: one row per armed timer.
CREATE VIEW start_timers AS
    SELECT d.key, d.version, j.node_id, j.due_at, j.occurrence
      FROM bpm.job j JOIN bpm.definition d ON d.id = j.definition_id
     WHERE j.kind = 'start_timer' ORDER BY d.key;

--
-- 1. Cron, in a time zone: a stand-up list every weekday at 09:00 in
-- Berlin. 2030-01-01 is a Tuesday; 09:00 in Berlin is 08:00 UTC in winter.
--
SET pg_bpm.mock_now = '2030-01-01 08:30:00+00';
SELECT bpm.deploy('{"key": "standup9", "nodes": [
    {"id": "start", "type": "start_event",
     "timer": {"cron": "0 9 * * MON-FRI", "timezone": "Europe/Berlin"}},
    {"id": "notes", "type": "user_task", "name": "Write the stand-up notes"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "notes"}, {"from": "notes", "to": "end"}]}') AS v1 \gset
-- 09:30 in Berlin already: the first start is tomorrow.
SELECT * FROM start_timers;
-- Nothing is due yet.
SELECT bpm.run_jobs();
-- Wednesday, 08:00 UTC: one instance starts, and the timer moves to Thursday.
SET pg_bpm.mock_now = '2030-01-02 08:00:00+00';
SELECT bpm.run_jobs();
SELECT * FROM start_timers;
SELECT i.business_key, i.state, i.started_by, i.data, t.node_id AS waiting_at
  FROM bpm.instance i JOIN bpm.task t ON t.instance_id = i.id
 WHERE i.definition_id = :v1;
-- Its history begins with the timer that started it.
SELECT kind, node_id, data FROM bpm.history(
    (SELECT id FROM bpm.instance WHERE definition_id = :v1)) ORDER BY event_id;
-- Saturday noon: nothing ran jobs on Thursday or Friday. The missed
-- starts are not made up: one start for the overdue occurrence, then the
-- schedule goes on from now (Monday 09:00 Berlin, 2030-01-07).
SET pg_bpm.mock_now = '2030-01-05 12:00:00+00';
SELECT bpm.run_jobs();
SELECT * FROM start_timers;
SELECT count(*) AS instances FROM bpm.instance WHERE definition_id = :v1;

--
-- 2. A new version takes over the schedule: a cycle every six hours from
-- a fixed start, four times.
--
SELECT bpm.deploy('{"key": "standup9", "nodes": [
    {"id": "start", "type": "start_event", "timer": {"cycle": "R4/2030-01-05T00:00:00Z/PT6H"}},
    {"id": "notes", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "notes"}, {"from": "notes", "to": "end"}]}') AS v2 \gset
-- One timer for the key: version 1's is gone. Occurrences 1 and 2 (00:00
-- and 06:00) lie in the past at 12:00; the third is now.
SELECT * FROM start_timers;
SELECT bpm.run_jobs();
SET pg_bpm.mock_now = '2030-01-05 18:00:00+00';
SELECT bpm.run_jobs();
-- The fourth was the last: the timer is gone.
SELECT * FROM start_timers;
SELECT count(*) AS instances_of_v2 FROM bpm.instance WHERE definition_id = :v2;
-- A process with a timer start can still be started by hand.
SELECT bpm.start('standup9', '{"by": "hand"}', 'manual-9') IS NOT NULL AS started;

--
-- 3. Once: a date, and a duration after deployment. A date already past
-- fires at once.
--
SELECT bpm.deploy('{"key": "launch9", "nodes": [
    {"id": "start", "type": "start_event", "timer": {"date": "2030-01-05T17:00:00+01:00"}},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.deploy('{"key": "reminder9", "nodes": [
    {"id": "start", "type": "start_event", "timer": {"duration": "PT30M"}},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT * FROM start_timers;
SELECT bpm.run_jobs();
SET pg_bpm.mock_now = '2030-01-05 18:30:00+00';
SELECT bpm.run_jobs();
SELECT d.key, i.state FROM bpm.instance i JOIN bpm.definition d ON d.id = i.definition_id
 WHERE d.key IN ('launch9', 'reminder9') ORDER BY d.key;
SELECT * FROM start_timers;

--
-- 4. A start whose first step fails is rolled back alone and recorded on
-- the definition; the schedule goes on.
--
CREATE FUNCTION boom9(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'the report source is down'; END$$;
SELECT bpm.deploy('{"key": "report9", "nodes": [
    {"id": "start", "type": "start_event", "timer": {"cycle": "R/PT1H"}},
    {"id": "collect", "type": "script_task", "function": "public.boom9"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "collect"}, {"from": "collect", "to": "end"}]}') AS r9 \gset
SET pg_bpm.mock_now = '2030-01-05 19:30:00+00';
SELECT bpm.run_jobs();
SELECT kind, node_id, data FROM bpm.event WHERE definition_id = :r9 ORDER BY id;
SELECT count(*) AS instances FROM bpm.instance WHERE definition_id = :r9;
SELECT * FROM start_timers WHERE key = 'report9';

--
-- 5. A version without a timer stops the schedule.
--
SELECT bpm.deploy('{"key": "report9", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT * FROM start_timers;

--
-- 5b. The other forms of cron: lists, ranges with steps, month names and
-- the @ shorthands. The clock is 2030-01-05 19:30 UTC, a Saturday.
--
SELECT bpm.deploy('{"key": "cron9", "nodes": [
    {"id": "start", "type": "start_event", "timer": {"cron": "15,45 8-20/6 * JAN,MAR *"}},
    {"id": "end", "type": "end_event"}], "flows": [{"from": "start", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.deploy('{"key": "weekly9", "nodes": [
    {"id": "start", "type": "start_event", "timer": {"cron": "@weekly"}},
    {"id": "end", "type": "end_event"}], "flows": [{"from": "start", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT key, due_at FROM start_timers WHERE key IN ('cron9', 'weekly9');
-- Both day fields restricted: a day matches if either does (the 1st of a
-- month, or a Monday); the first after Saturday the 5th is Monday the 7th.
SELECT bpm.deploy('{"key": "either9", "nodes": [
    {"id": "start", "type": "start_event", "timer": {"cron": "0 12 1 * MON"}},
    {"id": "end", "type": "end_event"}], "flows": [{"from": "start", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT key, due_at FROM start_timers WHERE key = 'either9';
-- Stop them again: versions without timers.
SELECT count(bpm.deploy(jsonb_build_object('key', k, 'nodes', '[{"id": "start", "type": "start_event"},
    {"id": "end", "type": "end_event"}]'::jsonb, 'flows', '[{"from": "start", "to": "end"}]'::jsonb)))
  FROM unnest(array['cron9', 'weekly9', 'either9']) k;

--
-- 6. Timers that are refused (42P17), and nothing is stored.
--
\set VERBOSITY default
-- A start timer cannot read instance data (there is none yet); a cron
-- expression has five valid fields; a time zone must exist, and is for
-- cron only; a schedule must fall due again; only the process's own start
-- event has a timer, and cron is for start events only.
-- Most rows are only the timer, of a process that starts and ends.
CREATE FUNCTION pg_temp.timed_start(key text, timer text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('key', key,
        'nodes', jsonb_build_array(jsonb_build_object('id', 'start', 'type', 'start_event', 'timer', timer::jsonb),
                                   '{"id": "end", "type": "end_event"}'::jsonb),
        'flows', '[{"from": "start", "to": "end"}]'::jsonb)
$$;
SELECT c.wrong, e.* FROM (VALUES
  ('a start timer that reads the data',  '{"date": "$.when"}'),
  ('a cron hour of 25',                  '{"cron": "0 25 * * *"}'),
  ('a cron range backwards',             '{"cron": "0 9 * * FRI-MON"}'),
  ('a cron step of zero',                '{"cron": "*/0 * * * *"}'),
  ('a time zone that does not exist',    '{"cron": "@daily", "timezone": "Mars/Olympus"}'),
  ('a time zone on a cycle',             '{"cycle": "R/P1D", "timezone": "UTC"}'),
  ('a cron date that never comes',       '{"cron": "0 0 30 2 *"}'),
  ('a cycle that has ended',             '{"cycle": "R2/2020-01-01T00:00:00Z/P1D"}')
) AS c(wrong, timer), pg_temp.error_of(format('SELECT bpm.deploy(%L)', pg_temp.timed_start('bad9', c.timer))) AS e;
SELECT c.wrong, e.* FROM (VALUES
  ('a timer on a sub-process''s start', '{"key": "bad9", "nodes": [
      {"id": "start", "type": "start_event"},
      {"id": "sub", "type": "subprocess", "nodes": [
          {"id": "inner", "type": "start_event", "timer": {"duration": "PT1H"}},
          {"id": "done", "type": "end_event"}],
       "flows": [{"from": "inner", "to": "done"}]},
      {"id": "end", "type": "end_event"}],
    "flows": [{"from": "start", "to": "sub"}, {"from": "sub", "to": "end"}]}'),
  ('cron on an intermediate event', '{"key": "bad9", "nodes": [
      {"id": "start", "type": "start_event"},
      {"id": "wait", "type": "intermediate_event", "timer": {"cron": "@hourly"}},
      {"id": "end", "type": "end_event"}],
    "flows": [{"from": "start", "to": "wait"}, {"from": "wait", "to": "end"}]}')
) AS c(wrong, definition), pg_temp.error_of(format('SELECT bpm.deploy(%L)', c.definition)) AS e;
SELECT count(*) AS stored FROM bpm.definition WHERE key = 'bad9';
RESET pg_bpm.mock_now;
