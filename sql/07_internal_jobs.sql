-- 07_internal_jobs: jobs the database runs itself.
--
-- Three kinds of node leave a job for the engine rather than for a person
-- or an outside worker:
--   - an intermediate event with a "timer" ({"duration": "PT5M"} or
--     {"date": "..."}, a constant or a jsonpath into the data) waits on a
--     job of kind "timer" that falls due at that time;
--   - a node with "async": true stops before it, on a job of kind "async"
--     that is due at once; running it enters the node;
--   - a service task with "implementation": "sql" waits on a job of kind
--     "service"; running it calls the task's function and merges its
--     result into the data.
-- bpm.run_jobs(max_jobs) is one pass over the jobs that are due, oldest
-- first, each in its own subtransaction. It returns how many it ran,
-- failures included. A failed job is rolled back alone and retried after
-- 10 s, 20 s, 40 s ... (at most 1 h); with no retries left it is an
-- incident, which bpm.retry_incident revives.
--
-- Time is deterministic here: the superuser setting pg_bpm.mock_now is the
-- engine's clock, from which timers are scheduled and at which run_jobs
-- looks for due jobs, and every time the engine writes comes from it
-- (section 14). Times are shown in UTC.
--
-- Not shown here: jobs whose instance another transaction holds are
-- skipped by run_jobs (that takes two sessions).

\i sql/helpers.psql

-- Ids in this file start above 700000, so that the messages naming them do
-- not depend on the files that ran before.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 700000);
    END LOOP;
END $$;
SET bpm.actor = 'ops';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- run_jobs runs every due internal job of the database, whoever created
-- it: the counts below assume the files before this one left none.
SELECT count(*) AS internal_jobs FROM bpm.job WHERE kind <> 'external';

--
-- 1. A timer with a duration. The clock stands at midnight.
--
SET pg_bpm.mock_now = '2030-01-01 00:00:00+00';
SELECT bpm.deploy('{"key": "reminder7", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "wait", "type": "intermediate_event", "name": "Five minutes", "timer": {"duration": "PT5M"}},
    {"id": "remind", "type": "user_task", "name": "Remind the customer"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "wait"}, {"from": "wait", "to": "remind"},
            {"from": "remind", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('reminder7', '{}', 'rem-1') AS r1 \gset
-- The instance waits at the timer, on a job due five minutes from the
-- clock: no topic (no worker fetches it), the default retries.
SELECT waiting_at FROM bpm.processes WHERE id = :r1;
SELECT node_id, kind, topic, retries, attempts, locked_by, due_at, last_error
  FROM bpm.job WHERE instance_id = :r1;
-- Not due yet: nothing runs, at midnight or a second before it is due.
SELECT bpm.run_jobs();
SET pg_bpm.mock_now = '2030-01-01 00:04:59+00';
SELECT bpm.run_jobs();
-- At 00:05 it fires and the instance moves on to its task.
SET pg_bpm.mock_now = '2030-01-01 00:05:00+00';
SELECT bpm.run_jobs();
SELECT waiting_at FROM bpm.processes WHERE id = :r1;
SELECT count(*) AS jobs FROM bpm.job WHERE instance_id = :r1;
SELECT node_id, status FROM bpm.task WHERE instance_id = :r1;
SELECT actor, kind, node_id, data FROM bpm.history(:r1) WHERE kind <> 'instance_started';
-- Nothing is left to run.
SELECT bpm.run_jobs();

-- Workers never see internal jobs, and cannot report on them (55000).
SELECT bpm.start('reminder7', '{}', 'rem-2') AS r2 \gset
SELECT count(*) AS fetched FROM bpm.fetch_and_lock('wait', 'w7', 10);
SELECT bpm.complete_job(id, 'w7', '{}') FROM bpm.job WHERE instance_id = :r2;
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.cancel(:r2, 'shown enough');

-- With an empty pg_bpm.mock_now the clock is the start of the transaction
-- (as now()).
RESET pg_bpm.mock_now;
SELECT bpm.start('reminder7', '{}', 'rem-3') AS r3 \gset
SELECT due_at - created_at AS due_in FROM bpm.job WHERE instance_id = :r3;
SELECT bpm.cancel(:r3, 'shown enough');
SET pg_bpm.mock_now = '2030-01-01 00:05:00+00';

--
-- 2. A timer with a date falls due at that moment, whenever the token
-- arrives; a token that arrives later finds it due at once.
--
SELECT bpm.deploy('{"key": "launch7", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "at_nine", "type": "intermediate_event", "timer": {"date": "2030-01-01T09:00:00Z"}},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "at_nine"}, {"from": "at_nine", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('launch7', '{}', 'launch-1') AS l1 \gset
SELECT node_id, kind, due_at FROM bpm.job WHERE instance_id = :l1;
SET pg_bpm.mock_now = '2030-01-01 08:59:59+00';
SELECT bpm.run_jobs();
SET pg_bpm.mock_now = '2030-01-01 09:00:00+00';
SELECT bpm.run_jobs();
SELECT state FROM bpm.processes WHERE id = :l1;
SET pg_bpm.mock_now = '2030-01-01 10:00:00+00';
SELECT bpm.start('launch7', '{}', 'launch-2') AS l2 \gset
SELECT node_id, due_at FROM bpm.job WHERE instance_id = :l2;
SELECT bpm.run_jobs();
SELECT state FROM bpm.processes WHERE id = :l2;

--
-- 3. Timers from the data: "$.wait" (a duration) and "$.when" (a
-- timestamp) are read when the token arrives.
--
SET pg_bpm.mock_now = '2030-01-01 00:00:00+00';
SELECT bpm.deploy('{"key": "followup7", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "pause", "type": "intermediate_event", "timer": {"duration": "$.wait"}},
    {"id": "until", "type": "intermediate_event", "timer": {"date": "$.when"}},
    {"id": "call", "type": "user_task", "name": "Call back"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "pause"}, {"from": "pause", "to": "until"},
            {"from": "until", "to": "call"}, {"from": "call", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('followup7', '{"wait": "PT2H", "when": "2030-01-02T12:00:00+01:00"}', 'fu-1') AS f1 \gset
SELECT node_id, due_at FROM bpm.job WHERE instance_id = :f1;
SET pg_bpm.mock_now = '2030-01-01 02:00:00+00';
SELECT bpm.run_jobs();
SELECT node_id, due_at FROM bpm.job WHERE instance_id = :f1;
SET pg_bpm.mock_now = '2030-01-02 11:00:00+00';
SELECT bpm.run_jobs();
SELECT waiting_at FROM bpm.processes WHERE id = :f1;

-- A value that is not a positive ISO 8601 duration (or a timestamp with a
-- UTC offset) is 22023, naming the node and the process; nothing is
-- created.
SELECT count(*) AS instances_before FROM bpm.instance \gset
SELECT c.data, e.* FROM (VALUES
  ('{"wait": "2 hours"}'), ('{"wait": 120}'), ('{"wait": "PT0S"}'), ('{}')
) AS c(data), pg_temp.error_of(format($$SELECT bpm.start('followup7', %L, 'fu-bad')$$, c.data)) AS e;
SELECT count(*) - :instances_before AS instances_created FROM bpm.instance;
-- When a job moves the token to such a timer, the job fails: the instance
-- stays where it was, and the job is retried later.
SET pg_bpm.mock_now = '2030-01-01 00:00:00+00';
SELECT bpm.start('followup7', '{"wait": "PT1H", "when": "after lunch"}', 'fu-2') AS f2 \gset
SET pg_bpm.mock_now = '2030-01-01 01:00:00+00';
SELECT bpm.run_jobs();
SELECT waiting_at FROM bpm.processes WHERE id = :f2;
SELECT node_id, kind, retries, attempts, due_at, last_error FROM bpm.job WHERE instance_id = :f2;
SELECT kind, node_id, data FROM bpm.history(:f2) WHERE kind IN ('job_failed', 'timer_fired');

--
-- 4. Cancelling an instance that waits at a timer removes the timer's job.
--
SELECT bpm.cancel(:f2, 'customer called first');
SELECT count(*) AS jobs FROM bpm.job WHERE instance_id = :f2;
SELECT kind, node_id, data FROM bpm.history(:f2) WHERE kind IN ('job_cancelled', 'instance_terminated');
-- Later passes find nothing of it.
SET pg_bpm.mock_now = '2030-01-01 05:00:00+00';
SELECT bpm.run_jobs();

--
-- 5. Async continuations: the token stops before an async node, and a
-- run_jobs pass enters it. Here a user task and a script task.
--
SET pg_bpm.mock_now = '2030-01-01 00:00:00+00';
CREATE FUNCTION public.stamp7(data jsonb) RETURNS jsonb LANGUAGE sql
    AS $$ SELECT jsonb_build_object('stamped', true) $$;
SELECT bpm.deploy('{"key": "intake7", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "review", "type": "user_task", "name": "Review the form", "async": true},
    {"id": "stamp", "type": "script_task", "function": "public.stamp7", "async": true},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "review"}, {"from": "review", "to": "stamp"},
            {"from": "stamp", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('intake7', '{}', 'intake-1') AS a1 \gset
-- The token waits before "review": a job, due now, but no task yet.
SELECT waiting_at FROM bpm.processes WHERE id = :a1;
SELECT node_id, kind, topic, retries, due_at FROM bpm.job WHERE instance_id = :a1;
SELECT count(*) AS tasks FROM bpm.task WHERE instance_id = :a1;
SELECT bpm.run_jobs();
SELECT count(*) AS jobs FROM bpm.job WHERE instance_id = :a1;
SELECT node_id, status FROM bpm.task WHERE instance_id = :a1;
-- Completing the task leads to the async script task: not run yet.
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :a1;
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :a1;
SELECT bpm.run_jobs();
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :a1;
-- Each node is entered once (one token_moved), before its job.
SELECT kind, node_id, data FROM bpm.history(:a1) WHERE kind <> 'instance_started';

--
-- 6. Service tasks implemented in SQL. charge7 records the charge, then
-- fails if the card gateway is down or the card is stolen.
--
CREATE TABLE public.gateway7 (up boolean NOT NULL);
INSERT INTO public.gateway7 VALUES (true);
CREATE TABLE public.charges7 (order_no text, amount integer);
CREATE FUNCTION public.charge7(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.charges7 VALUES (data->>'order', (data->>'amount')::integer);
    IF NOT (SELECT up FROM public.gateway7) THEN
        RAISE EXCEPTION 'card gateway down';
    END IF;
    IF data->>'card' = 'stolen' THEN
        RAISE EXCEPTION 'card % declined', data->>'order' USING ERRCODE = 'check_violation';
    END IF;
    RETURN jsonb_build_object('charged', data->'amount');
END $$;
SELECT bpm.deploy('{"key": "order7", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "charge", "type": "service_task", "name": "Charge the card",
     "implementation": "sql", "function": "public.charge7"},
    {"id": "ship", "type": "user_task", "name": "Ship the order"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "charge"}, {"from": "charge", "to": "ship"},
            {"from": "ship", "to": "end"}]}') IS NOT NULL AS deployed;

-- Success: the function runs in the pass, its result is merged, the
-- instance moves on.
SET pg_bpm.mock_now = '2030-01-01 01:00:00+00';
SELECT bpm.start('order7', '{"order": "o-1", "amount": 30}', 'o-1') AS o1 \gset
SELECT node_id, kind, topic, retries, attempts, due_at FROM bpm.job WHERE instance_id = :o1;
SELECT * FROM public.charges7;
SELECT bpm.run_jobs();
SELECT data, waiting_at FROM bpm.processes WHERE id = :o1;
SELECT * FROM public.charges7;
SELECT kind, node_id, data FROM bpm.history(:o1) WHERE kind IN ('data_changed', 'job_completed');

-- Failure: the gateway is down. The attempt is rolled back (no charge
-- recorded, data unchanged), the job loses a retry and is due again 10 s
-- later.
UPDATE public.gateway7 SET up = false;
SELECT bpm.start('order7', '{"order": "o-2", "amount": 40}', 'o-2') AS o2 \gset
SELECT id AS o2_job FROM bpm.job WHERE instance_id = :o2 \gset
SELECT bpm.run_jobs();
SELECT retries, attempts, due_at, last_error FROM bpm.job WHERE id = :o2_job;
SELECT data, waiting_at FROM bpm.processes WHERE id = :o2;
SELECT count(*) AS charges FROM public.charges7 WHERE order_no = 'o-2';
-- Not due a second early; at 01:00:10 it fails again and waits 20 s.
SET pg_bpm.mock_now = '2030-01-01 01:00:09+00';
SELECT bpm.run_jobs();
SET pg_bpm.mock_now = '2030-01-01 01:00:10+00';
SELECT bpm.run_jobs();
SELECT retries, attempts, due_at, last_error FROM bpm.job WHERE id = :o2_job;
-- At 01:00:30 the third attempt fails: no retries left, an incident. An
-- incident is never run again by itself.
SET pg_bpm.mock_now = '2030-01-01 01:00:29+00';
SELECT bpm.run_jobs();
SET pg_bpm.mock_now = '2030-01-01 01:00:30+00';
SELECT bpm.run_jobs();
SELECT retries, attempts, due_at, last_error FROM bpm.job WHERE id = :o2_job;
SELECT business_key, node_id, kind, topic, error, attempts FROM bpm.incidents WHERE job_id = :o2_job;
SET pg_bpm.mock_now = '2030-01-02 00:00:00+00';
SELECT bpm.run_jobs();
-- The gateway is back; an operator retries the incident: it is due at
-- once (on the engine's clock), and the next pass charges the card.
UPDATE public.gateway7 SET up = true;
SELECT bpm.retry_incident(:o2_job);
SELECT retries, attempts, due_at FROM bpm.job WHERE id = :o2_job;
SELECT bpm.run_jobs();
SELECT count(*) AS jobs FROM bpm.job WHERE instance_id = :o2;
SELECT data, waiting_at FROM bpm.processes WHERE id = :o2;
SELECT order_no, amount FROM public.charges7 WHERE order_no = 'o-2';
-- The whole story of the job, in the history of the instance.
SELECT actor, kind, node_id, data FROM bpm.history(:o2) WHERE kind <> 'instance_started';

-- One pass, two jobs: the stolen card fails, the other is charged. Both
-- count; the failure undoes only its own attempt.
SET pg_bpm.mock_now = '2030-01-03 00:00:00+00';
SELECT bpm.start('order7', '{"order": "o-3", "amount": 50, "card": "stolen"}', 'o-3') AS o3 \gset
SELECT bpm.start('order7', '{"order": "o-4", "amount": 60}', 'o-4') AS o4 \gset
SELECT bpm.run_jobs();
SELECT p.business_key, p.data, p.waiting_at, j.retries, j.last_error
  FROM bpm.processes p LEFT JOIN bpm.job j ON j.instance_id = p.id
 WHERE p.id IN (:o3, :o4) ORDER BY p.business_key;
SELECT order_no, amount FROM public.charges7 WHERE order_no IN ('o-3', 'o-4');
SELECT kind, data FROM bpm.history(:o3) WHERE kind = 'job_failed';
SELECT bpm.cancel(:o3, 'stolen card');

--
-- 7. max_jobs limits a pass. Three naps fall due in an order that is not
-- the order they were started in; a pass of two runs the two oldest due
-- dates, the next pass the third.
--
SET pg_bpm.mock_now = '2030-01-04 10:00:00+00';
SELECT bpm.deploy('{"key": "nap7", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "nap", "type": "intermediate_event", "timer": {"duration": "$.nap"}},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "nap"}, {"from": "nap", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('nap7', '{"nap": "PT30M"}', 'nap-30') AS n1 \gset
SELECT bpm.start('nap7', '{"nap": "PT10M"}', 'nap-10') AS n2 \gset
SELECT bpm.start('nap7', '{"nap": "PT20M"}', 'nap-20') AS n3 \gset
SET pg_bpm.mock_now = '2030-01-04 11:00:00+00';
SELECT bpm.run_jobs(2);
SELECT business_key, state FROM bpm.processes WHERE key = 'nap7' ORDER BY business_key;
SELECT bpm.run_jobs(1);
SELECT bpm.run_jobs();
SELECT business_key, state FROM bpm.processes WHERE key = 'nap7' ORDER BY business_key;

--
-- 8. A cancel or a timeout is not the job's failure: it ends the pass, and
-- the statement's error undoes all of it; no retry is used. (Terse: the
-- context of the error names where the pass was interrupted, which
-- depends on timing.)
--
SET pg_bpm.mock_now = '2030-01-05 00:00:00+00';
CREATE FUNCTION public.slow7(data jsonb) RETURNS jsonb LANGUAGE sql
    AS $$ SELECT pg_sleep(5); SELECT '{"slept": true}'::jsonb $$;
SELECT bpm.deploy('{"key": "slow7", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "sleep", "type": "service_task", "implementation": "sql", "function": "public.slow7"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "sleep"}, {"from": "sleep", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('order7', '{"order": "o-5", "amount": 70}', 'o-5') AS o5 \gset
SELECT bpm.start('slow7', '{}', 'slow-1') AS sl1 \gset
SET statement_timeout = '500ms';
\set VERBOSITY terse
SELECT bpm.run_jobs();
\set VERBOSITY default
RESET statement_timeout;
\echo :LAST_ERROR_SQLSTATE
-- Both jobs are as they were, the one that ran before the timeout too.
SELECT p.business_key, p.data, p.waiting_at, j.kind, j.retries, j.attempts, j.last_error
  FROM bpm.processes p JOIN bpm.job j ON j.instance_id = p.id
 WHERE p.id IN (:o5, :sl1) ORDER BY p.business_key;
SELECT count(*) AS charges FROM public.charges7 WHERE order_no = 'o-5';
-- Without the sleeper, the pass goes through.
SELECT bpm.cancel(:sl1, 'too slow');
SELECT bpm.run_jobs();
SELECT data, waiting_at FROM bpm.processes WHERE id = :o5;

--
-- 9. Deployment refuses timers and jobs it cannot run (42P17, 42883 for a
-- missing function); nothing is stored. One row per refused definition:
-- the node that is wrong, deployed between a start and an end event
-- (pg_temp.one_node).
--
SELECT count(*) AS definitions_before FROM bpm.definition \gset
-- An intermediate event waits once (no cycle), for exactly one of a
-- duration and a date, given in an object. A duration is a positive ISO
-- 8601 duration; a date an ISO 8601 timestamp with a UTC offset, so that
-- it is the same moment in every session; a jsonpath must parse. A service
-- task is "external" (a topic) or "sql" (a function that is
-- schema-qualified and exists), nothing else. "async" is true or false,
-- and only activities have it.
SELECT c.wrong, e.* FROM (VALUES
  ('a cycle on an intermediate event',  '{"id": "w", "type": "intermediate_event", "timer": {"cycle": "R3/PT1H"}}'),
  ('both a duration and a date',        '{"id": "w", "type": "intermediate_event", "timer": {"duration": "PT1H", "date": "2030-01-01T09:00:00Z"}}'),
  ('neither',                           '{"id": "w", "type": "intermediate_event", "timer": {}}'),
  ('a timer that is a string',          '{"id": "w", "type": "intermediate_event", "timer": "PT5M"}'),
  ('a duration in words',               '{"id": "w", "type": "intermediate_event", "timer": {"duration": "5 minutes"}}'),
  ('a duration that does not parse',    '{"id": "w", "type": "intermediate_event", "timer": {"duration": "PT5X"}}'),
  ('a duration of zero',                '{"id": "w", "type": "intermediate_event", "timer": {"duration": "PT0S"}}'),
  ('a date in words',                   '{"id": "w", "type": "intermediate_event", "timer": {"date": "next tuesday"}}'),
  ('a date without a UTC offset',       '{"id": "w", "type": "intermediate_event", "timer": {"date": "2030-01-01 09:00"}}'),
  ('a date that does not exist',        '{"id": "w", "type": "intermediate_event", "timer": {"date": "2030-02-30T09:00:00Z"}}'),
  ('a jsonpath that does not parse',    '{"id": "w", "type": "intermediate_event", "timer": {"date": "$.("}}'),
  ('an implementation "lambda"',        '{"id": "t", "type": "service_task", "implementation": "lambda", "function": "public.charge7"}'),
  ('a SQL service task with a topic',   '{"id": "t", "type": "service_task", "implementation": "sql", "function": "public.charge7", "topic": "cards"}'),
  ('an external task with a function',  '{"id": "t", "type": "service_task", "topic": "cards", "function": "public.charge7"}'),
  ('a function without its schema',     '{"id": "t", "type": "service_task", "implementation": "sql", "function": "charge7"}'),
  ('a function that does not exist',    '{"id": "t", "type": "service_task", "implementation": "sql", "function": "public.no_such_charge7"}'),
  ('"async" that is no boolean',        '{"id": "t", "type": "user_task", "async": "yes"}'),
  ('"async" on an event',               '{"id": "w", "type": "intermediate_event", "async": true}')
) AS c(wrong, node), pg_temp.error_of(format('SELECT bpm.deploy(%L)', pg_temp.one_node('bad7', c.node))) AS e;
SELECT count(*) - :definitions_before AS stored FROM bpm.definition;

--
-- 10. Arguments and the clock setting: max_jobs is at least 1 (22023) and
-- not NULL (22004); only a superuser may set pg_bpm.mock_now (42501), but
-- a role without privileges may run the jobs, and is their actor.
--
SELECT bpm.run_jobs(0);
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.run_jobs(NULL);
\echo :LAST_ERROR_SQLSTATE
SET pg_bpm.mock_now = '2030-01-06 00:00:00+00';
SELECT bpm.start('reminder7', '{}', 'rem-4') AS r4 \gset
SET pg_bpm.mock_now = '2030-01-06 00:05:00+00';
CREATE ROLE regress_bpm_runner;
SET ROLE regress_bpm_runner;
RESET bpm.actor;
SET pg_bpm.mock_now = '2031-01-01 00:00:00+00';
\echo :LAST_ERROR_SQLSTATE
SELECT current_setting('pg_bpm.mock_now') AS mock_now;
SELECT bpm.run_jobs();
RESET ROLE;
SET bpm.actor = 'ops';
SELECT actor, kind, node_id FROM bpm.history(:r4) WHERE kind IN ('job_created', 'timer_fired');
SELECT waiting_at FROM bpm.processes WHERE id = :r4;

--
-- 11. A job whose own code keeps failing with a serialization failure (or
-- a deadlock) is the job's failure like any other: it is retried and ends
-- as an incident, and the jobs behind it still run. (Only a cancel,
-- timeout or shutdown ends a pass.)
--
CREATE FUNCTION public.always_conflicts(d jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'could not serialize' USING ERRCODE = 'serialization_failure';
END $$;
SELECT bpm.deploy('{"key": "conflict7", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "work", "type": "service_task", "implementation": "sql",
     "function": "public.always_conflicts", "retries": 2},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "work"}, {"from": "work", "to": "end"}]}') IS NOT NULL AS deployed;
SET pg_bpm.mock_now = '2032-01-01 00:00:00+00';
SELECT bpm.start('conflict7', '{}', 'conflict-1') AS c1 \gset
SELECT bpm.start('reminder7', '{}', 'behind-1') AS b1 \gset
SET pg_bpm.mock_now = '2032-01-01 00:05:00+00';
SELECT bpm.run_jobs() AS ran;
SELECT kind, retries, attempts, due_at, last_error FROM bpm.job WHERE instance_id = :c1;
SELECT waiting_at FROM bpm.processes WHERE id = :b1;
SET pg_bpm.mock_now = '2032-01-01 00:06:00+00';
SELECT bpm.run_jobs() AS ran;
SELECT job_id IS NOT NULL AS incident, kind, error FROM bpm.incidents WHERE instance_id = :c1;

--
-- 12. Timer dates must be ISO 8601 with a UTC offset, in the definition and
-- in the data: other forms would be read by the session's DateStyle.
--
SELECT count(*) AS definitions_before FROM bpm.definition \gset
SELECT bpm.deploy('{"key": "bad7", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "w", "type": "intermediate_event", "timer": {"date": "01/02/2030 09:00+00"}},
  {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "w"}, {"from": "w", "to": "e"}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) - :definitions_before AS stored FROM bpm.definition;
SELECT bpm.deploy('{"key": "when7", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "w", "type": "intermediate_event", "timer": {"date": "$.when"}},
  {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "w"}, {"from": "w", "to": "e"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('when7', '{"when": "01/02/2030 09:00+00"}');
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.start('when7', '{"when": "2030-02-01T09:00:00+00"}', 'when-1') AS w1 \gset
SELECT due_at FROM bpm.job WHERE instance_id = :w1;
SET pg_bpm.mock_now = '2030-02-01 09:00:00+00';
SELECT bpm.run_jobs() AS ran;
SELECT state FROM bpm.processes WHERE id = :w1;

--
-- 13. Deadlines: a user task with a "due" and an "escalation" gets, when
-- the deadline passes while it is open, the escalation's candidate groups,
-- assignee and priority (those it names), run by bpm.run_jobs. A task
-- completed in time takes its escalation job with it. bpm.sla_breaches
-- lists tasks past due on the engine's clock (bpm.now()).
--
INSERT INTO bpm.actor_group (actor, group_name) VALUES ('sam7', 'support7'), ('lee7', 'leads7');
SELECT bpm.deploy('{"key": "ticket7", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "answer", "type": "user_task", "candidate_groups": ["support7"], "due": "PT4H",
     "escalation": {"candidate_groups": ["leads7"], "priority": 90}},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "answer"}, {"from": "answer", "to": "end"}]}') IS NOT NULL AS deployed;
SET pg_bpm.mock_now = '2033-01-01 00:00:00+00';
SELECT bpm.start('ticket7', '{}', 'late-1') AS t1 \gset
SELECT bpm.start('ticket7', '{}', 'ontime-1') AS t2 \gset
SELECT i.business_key, j.kind, j.due_at FROM bpm.job j JOIN bpm.instance i ON i.id = j.instance_id
 WHERE j.instance_id IN (:t1, :t2) ORDER BY j.id;
SET bpm.actor = 'sam7';
SELECT bpm.complete_task((SELECT id FROM bpm.task WHERE instance_id = :t2));
SELECT count(*) AS jobs_left FROM bpm.job WHERE instance_id = :t2;
SET bpm.actor = 'ops';
SET pg_bpm.mock_now = '2033-01-01 03:59:59+00';
SELECT bpm.run_jobs() AS ran;  -- nothing is due yet
SELECT business_key FROM bpm.sla_breaches WHERE instance_id IN (:t1, :t2);
SET pg_bpm.mock_now = '2033-01-01 04:30:00+00';
SELECT business_key, status, overdue_by FROM bpm.sla_breaches WHERE instance_id IN (:t1, :t2);
SELECT bpm.run_jobs() AS ran;
SELECT node_id, candidate_groups, priority FROM bpm.task WHERE instance_id = :t1;
SELECT kind, data FROM bpm.history(:t1) WHERE kind IN ('job_created', 'task_escalated');
-- The leads may now claim it; the support group no longer may.
SET bpm.actor = 'sam7';
SELECT bpm.claim((SELECT id FROM bpm.task WHERE instance_id = :t1));
\echo :LAST_ERROR_SQLSTATE
SET bpm.actor = 'lee7';
SELECT bpm.complete_task((SELECT id FROM bpm.task WHERE instance_id = :t1));
SELECT business_key, status, overdue_by FROM bpm.sla_breaches WHERE instance_id IN (:t1, :t2);
SET bpm.actor = 'ops';
-- Escalation fails closed: a target the data does not provide is the
-- job's failure (23502, retried, then an incident), never a task open to
-- everyone. Escalating to groups releases a claimed task to them. A
-- rescheduled task takes its escalation along; no due date, no escalation.
SELECT bpm.deploy('{"key": "desk7", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "answer", "type": "user_task", "candidate_groups": ["support7"], "due": "PT4H",
     "escalation": {"candidate_groups": "$.leads", "priority": 90}},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "answer"}, {"from": "answer", "to": "end"}]}') IS NOT NULL AS deployed;
SET pg_bpm.mock_now = '2034-01-01 00:00:00+00';
SELECT bpm.start('desk7', '{"leads": ["leads7"]}', 'desk-claimed') AS d1 \gset
SELECT bpm.start('desk7', '{}', 'desk-nodata') AS d2 \gset
SELECT bpm.start('desk7', '{"leads": ["leads7"]}', 'desk-moved') AS d3 \gset
SELECT bpm.start('desk7', '{"leads": ["leads7"]}', 'desk-undated') AS d4 \gset
SET bpm.actor = 'sam7';
SELECT bpm.claim((SELECT id FROM bpm.task WHERE instance_id = :d1));
SET bpm.actor = 'ops';
UPDATE bpm.task SET due_at = '2034-01-02 00:00:00+00' WHERE instance_id = :d3;
UPDATE bpm.task SET due_at = NULL WHERE instance_id = :d4;
SELECT i.business_key, j.due_at FROM bpm.job j JOIN bpm.instance i ON i.id = j.instance_id
 WHERE j.instance_id IN (:d1, :d2, :d3, :d4) ORDER BY 1;
SET pg_bpm.mock_now = '2034-01-01 04:00:00+00';
SELECT bpm.run_jobs() AS ran;
SELECT i.business_key, t.assignee, t.candidate_groups, t.priority
  FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
 WHERE t.instance_id IN (:d1, :d2, :d3, :d4) ORDER BY 1;
SELECT i.business_key, j.retries, j.last_error FROM bpm.job j JOIN bpm.instance i ON i.id = j.instance_id
 WHERE j.instance_id IN (:d1, :d2, :d3, :d4) ORDER BY 1;
SELECT bpm.cancel(id, 'done with the example') FROM bpm.processes WHERE key = 'desk7' AND state = 'running';

-- An escalation needs a due date, and something to change.
SELECT count(*) AS definitions_before FROM bpm.definition \gset
SELECT c.wrong, e.* FROM (VALUES
  ('an escalation without a due date',        '{"id": "t", "type": "user_task", "escalation": {"priority": 90}}'),
  ('an escalation that changes nothing',      '{"id": "t", "type": "user_task", "due": "PT1H", "escalation": {}}'),
  ('an escalation with an unknown property',  '{"id": "t", "type": "user_task", "due": "PT1H", "escalation": {"reassign": "lee"}}')
) AS c(wrong, node), pg_temp.error_of(format('SELECT bpm.deploy(%L)', pg_temp.one_node('bad7', c.node))) AS e;
SELECT count(*) - :definitions_before AS stored FROM bpm.definition;

--
-- 14. One clock: every time the engine writes comes from it. Under
-- pg_bpm.mock_now the definition, the instance, its token, task, job and
-- events, a free task and a board all carry the mock time, and the
-- durations between them are what the clock moved.
--
SET pg_bpm.mock_now = '2035-01-01 08:00:00+00';
SELECT bpm.deploy('{"key": "clock7", "due": "P1D", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "answer", "type": "user_task", "due": "PT4H", "escalation": {"priority": 90}},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "answer"}, {"from": "answer", "to": "end"}]}') AS clock_def \gset
SELECT bpm.start('clock7', '{}', 'clock-1') AS k1 \gset
SELECT bpm.create_task('Water the plants') AS free7 \gset
SELECT bpm.create_board('clock7', '{todo,done}') IS NOT NULL AS board;
SELECT what, at FROM (
          SELECT 1 AS n, 0::bigint AS id, 'definition.deployed_at' AS what, deployed_at AS at
            FROM bpm.definition WHERE id = :clock_def
UNION ALL SELECT 2, 0, 'instance.started_at', started_at FROM bpm.instance WHERE id = :k1
UNION ALL SELECT 3, id, 'token.created_at', created_at FROM bpm.token WHERE instance_id = :k1
UNION ALL SELECT 4, id, 'task.created_at', created_at FROM bpm.task WHERE instance_id = :k1
UNION ALL SELECT 5, id, 'job.created_at (' || kind || ')', created_at FROM bpm.job WHERE instance_id = :k1
UNION ALL SELECT 6, id, 'event.at (' || kind || ')', at FROM bpm.event WHERE instance_id = :k1
UNION ALL SELECT 7, id, 'free task.created_at', created_at FROM bpm.task WHERE id = :free7
UNION ALL SELECT 8, id, 'board.created_at', created_at FROM bpm.task_board WHERE name = 'clock7') t
 ORDER BY n, id;
-- Two hours later the task is completed and the instance ends.
SET pg_bpm.mock_now = '2035-01-01 10:00:00+00';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :k1;
SELECT t.due_at - t.created_at AS task_due_in, t.completed_at - t.created_at AS task_took,
       i.due_at - i.started_at AS instance_due_in, i.ended_at - i.started_at AS instance_took
  FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id WHERE i.id = :k1;
SELECT kind, at FROM bpm.event WHERE instance_id = :k1 AND at > '2035-01-01 08:00:00+00' ORDER BY id;
SELECT bpm.complete_task(:free7);
SELECT completed_at - created_at AS free_task_took FROM bpm.task WHERE id = :free7;

--
-- 15. Every instance of this file has an intact event chain.
--
SELECT d.key, count(*) AS instances, bool_and(v.ok) AS all_ok
  FROM bpm.instance i JOIN bpm.definition d ON d.id = i.definition_id,
       bpm.verify_events(i.id) v
 WHERE d.key IN ('reminder7', 'launch7', 'followup7', 'intake7', 'order7', 'nap7', 'slow7', 'conflict7', 'when7', 'ticket7', 'desk7', 'clock7')
 GROUP BY d.key ORDER BY d.key;

DROP ROLE regress_bpm_runner;
RESET pg_bpm.mock_now;
RESET DateStyle;
RESET TimeZone;
RESET bpm.actor;
