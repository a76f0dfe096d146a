-- 40_internal_jobs: jobs the database runs itself (timers, async
-- continuations, service tasks implemented in SQL) and bpm.run_jobs.
--
--   errors     every deploy error of timers (dates need a UTC offset),
--              "async" and SQL service tasks; the 22023 of a timer whose
--              value comes from bad data (not a positive duration, not a
--              timestamp with an offset); the arguments of run_jobs; who
--              may set pg_bpm.mock_now, and a value that is not a
--              timestamp (22007); workers' calls on internal jobs (55000);
--              each with SQLSTATE and exact message, nothing stored
--   timers     a duration counts from the clock, a date is absolute, values
--              from the data are read when the token arrives; the job and
--              its events; an empty mock_now is the transaction start;
--              cancel removes the timer's job
--   async      the token stops before the node on a job due at once; the
--              pass enters the node, which records its arrival only once
--   counts     run_jobs returns how many jobs it ran, failures included,
--              oldest due date first, at most max_jobs; jobs a pass
--              creates that are due at once run in the same pass; a pass
--              rolled back by its caller leaves the jobs due
--   failures   a failed job is rolled back alone (no data_changed, no side
--              effect, data unchanged) but records job_failed; it is due
--              again after 10 s, 20 s, 40 s ... capped at 1 h; with no
--              retries left it is an incident, which retry_incident makes
--              due on the engine's clock and the next pass completes; the
--              backoff of a retried incident goes on from its attempts; the
--              caller's role and actor are intact afterwards
--
-- Not here: a job whose instance another transaction holds is skipped by
-- run_jobs (SKIP LOCKED), and a cancel or timeout ends the pass (pgTAP
-- cannot catch a cancel; see sql/07_internal_jobs.sql); the first takes
-- two sessions.
--
-- Runs in its own database (test/run), in one transaction: the clock is
-- pg_bpm.mock_now, set with SET LOCAL; now() is the transaction start.
BEGIN;
SELECT no_plan();
\ir helpers.psql

CREATE ROLE bpm_tap_clerk NOLOGIN;
SET LOCAL TimeZone = 'UTC';

GRANT SELECT, INSERT ON ids TO PUBLIC;   -- used under SET ROLE too
-- The job an instance waits on.
CREATE FUNCTION pg_temp.job(instance bigint) RETURNS bigint LANGUAGE sql AS
    $$SELECT id FROM bpm.job WHERE instance_id = instance$$;

CREATE FUNCTION pg_temp.with_timer(key text, timer jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.with_node(key, jsonb_build_object('type', 'intermediate_event', 'timer', timer))
$$;

-- The work of the SQL service tasks: records a side effect, then fails for
-- the names in tap_broken.
CREATE TABLE public.tap_effects (name text);
CREATE TABLE public.tap_broken (name text PRIMARY KEY);
CREATE FUNCTION public.tap_work(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.tap_effects VALUES (data->>'name');
    IF EXISTS (SELECT 1 FROM public.tap_broken b WHERE b.name = data->>'name') THEN
        RAISE EXCEPTION 'work for % failed', data->>'name' USING ERRCODE = 'data_exception';
    END IF;
    RETURN jsonb_build_object('worked', data->>'name');
END $$;
CREATE FUNCTION public.tap_text(data jsonb) RETURNS text LANGUAGE sql AS $$SELECT 'x'$$;
CREATE FUNCTION public.tap_stamp(data jsonb) RETURNS jsonb LANGUAGE sql
    AS $$SELECT '{"stamped": true}'::jsonb$$;

CREATE TEMP TABLE counts_before AS
SELECT (SELECT count(*) FROM bpm.definition) AS definitions,
       (SELECT count(*) FROM bpm.instance) AS instances,
       (SELECT count(*) FROM bpm.job) AS jobs,
       (SELECT count(*) FROM bpm.event) AS events;

-- ============================================================ deploy errors
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"cycle": "R3/PT1H"}'),
    'definition "bad": node "n": a timer cycle repeats, which an intermediate event cannot; use "duration" or "date"',
    'deploy: a cycle on an intermediate event');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"duration": "PT1H", "date": "2030-01-01T09:00:00Z"}'),
    'definition "bad": node "n": a timer has exactly one of "duration" and "date"',
    'deploy: a timer with both duration and date');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{}'),
    'definition "bad": node "n": a timer has exactly one of "duration" and "date"',
    'deploy: a timer with neither duration nor date');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '"PT5M"'),
    'definition "bad": node "n": "timer" must be an object such as {"duration": "PT5M"}',
    'deploy: a timer that is not an object');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"duration": "PT5M", "every": 2}'),
    'definition "bad": node "n" timer has unknown property "every"',
    'deploy: an unknown timer property');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"duration": "5 minutes"}'),
    'definition "bad": node "n": "duration" must be an ISO 8601 duration such as "P3D" or "PT4H", not "5 minutes"',
    'deploy: a duration that is not ISO 8601');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"duration": "PT5X"}'),
    'definition "bad": node "n" has an invalid "duration" "PT5X"',
    'deploy: an ISO 8601 duration that does not parse');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"duration": "PT0S"}'),
    'definition "bad": node "n": "duration" must be a positive duration, not "PT0S"',
    'deploy: a zero duration');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"duration": 300}'),
    'definition "bad": node "n": "duration" must be a string, not number',
    'deploy: a duration that is a number');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"date": "next tuesday"}'),
    'definition "bad": node "n": timer date "next tuesday" must be an ISO 8601 timestamp with a UTC offset, such as "2030-01-01T09:00:00Z"',
    'deploy: a date that is not a timestamp');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"date": "2030-01-01 09:00"}'),
    'definition "bad": node "n": timer date "2030-01-01 09:00" must be an ISO 8601 timestamp with a UTC offset, such as "2030-01-01T09:00:00Z"',
    'deploy: a date without a UTC offset (its moment would depend on the session''s time zone)');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"date": "2030-01-01"}'),
    'definition "bad": node "n": timer date "2030-01-01" must be an ISO 8601 timestamp with a UTC offset, such as "2030-01-01T09:00:00Z"',
    'deploy: a date without a time');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"date": "now"}'),
    'definition "bad": node "n": timer date "now" must be an ISO 8601 timestamp with a UTC offset, such as "2030-01-01T09:00:00Z"',
    'deploy: the special input now');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"date": "infinity"}'),
    'definition "bad": node "n": timer date "infinity" must be an ISO 8601 timestamp with a UTC offset, such as "2030-01-01T09:00:00Z"',
    'deploy: the special input infinity (a timer that never fires)');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"date": "2030-13-01T09:00:00Z"}'),
    'definition "bad": node "n" has an invalid timer "date" "2030-13-01T09:00:00Z"',
    'deploy: a date with an offset that does not parse');
SELECT pg_temp.deploy_fails(pg_temp.with_timer('bad', '{"date": "$.("}'),
    'definition "bad": node "n" timer has an invalid jsonpath "$.("',
    'deploy: a timer jsonpath that does not parse');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "implementation": "lambda", "function": "public.tap_work"}'),
    'definition "bad": node "n": "implementation" must be "external" or "sql", not "lambda"',
    'deploy: an implementation other than external or sql');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "implementation": 1, "topic": "t"}'),
    'definition "bad": node "n": "implementation" must be a string, not number',
    'deploy: an implementation that is not a string');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "implementation": "sql", "function": "public.tap_work", "topic": "t"}'),
    'definition "bad": node "n": a service task implemented in SQL has a "function", not a "topic"',
    'deploy: a SQL service task with a topic');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "implementation": "sql"}'),
    'definition "bad": node "n" has no "function"',
    'deploy: a SQL service task without a function');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "topic": "t", "function": "public.tap_work"}'),
    'definition "bad": node "n": an external service task has a "topic"; a "function" needs "implementation": "sql"',
    'deploy: an external service task (by default) with a function');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "implementation": "external", "topic": "t", "function": "public.tap_work"}'),
    'definition "bad": node "n": an external service task has a "topic"; a "function" needs "implementation": "sql"',
    'deploy: an explicitly external service task with a function');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "implementation": "external"}'),
    'definition "bad": node "n" has no "topic"',
    'deploy: an external service task without a topic');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "implementation": "sql", "function": "tap_work"}'),
    'definition "bad": node "n": function "tap_work" must be schema-qualified (schema.function)',
    'deploy: a SQL service function that is not schema-qualified');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "implementation": "sql", "function": "public.tap_nothing"}'),
    'definition "bad": node "n": function public.tap_nothing(jsonb) does not exist',
    'deploy: a SQL service function that does not exist is 42883',
    '42883');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "implementation": "sql", "function": "public.tap_text"}'),
    'definition "bad": node "n": function public.tap_text(jsonb) must return jsonb',
    'deploy: a SQL service function that does not return jsonb');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "service_task", "implementation": "sql", "function": "public.tap_work", "retries": 0}'),
    'definition "bad": node "n": "retries" must be at least 1',
    'deploy: a SQL service task without any attempt');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "user_task", "async": "yes"}'),
    'definition "bad": node "n": "async" must be true or false, not string',
    'deploy: async that is a string');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "script_task", "function": "public.tap_stamp", "async": 1}'),
    'definition "bad": node "n": "async" must be true or false, not number',
    'deploy: async that is a number');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "intermediate_event", "async": true}'),
    'definition "bad": node "n" has unknown property "async"',
    'deploy: async on an intermediate event');
SELECT pg_temp.deploy_fails(pg_temp.with_node('bad', '{"type": "exclusive_gateway", "async": true}'),
    'definition "bad": node "n" has unknown property "async"',
    'deploy: async on a gateway');
SELECT results_eq(
    $$SELECT (SELECT count(*) FROM bpm.definition), (SELECT count(*) FROM bpm.event)$$,
    $$SELECT definitions, events FROM counts_before$$,
    'the refused definitions stored nothing');

-- ================================================= run_jobs and the clock
SELECT throws_ok($$SELECT bpm.run_jobs(0)$$, '22023', 'max_jobs must be at least 1, not 0',
    'run_jobs(0) is 22023');
SELECT throws_ok($$SELECT bpm.run_jobs(-3)$$, '22023', 'max_jobs must be at least 1, not -3',
    'run_jobs(-3) is 22023');
SELECT throws_ok($$SELECT bpm.run_jobs(NULL)$$, '22004', 'max_jobs must not be null',
    'run_jobs(NULL) is 22004');
SET LOCAL pg_bpm.mock_now = '2030-01-01 00:00:00+00';
SET LOCAL ROLE bpm_tap_clerk;
SELECT throws_ok($$SET pg_bpm.mock_now = '2031-01-01 00:00:00+00'$$, '42501',
    'permission denied to set parameter "pg_bpm.mock_now"',
    'a role that is not a superuser may not set pg_bpm.mock_now');
SELECT is(current_setting('pg_bpm.mock_now'), '2030-01-01 00:00:00+00',
    '... and the clock is unchanged');
SELECT is(bpm.run_jobs(), 0, 'a plain role may run the jobs (none is due here)');
RESET ROLE;

-- ================================================================== timers
INSERT INTO ids VALUES ('d_minutes', bpm.deploy(pg_temp.with_timer('minutes', '{"duration": "PT5M"}')::jsonb));
INSERT INTO ids VALUES ('m1', bpm.start('minutes', '{}', 'm1'));
SELECT results_eq(
    format($$SELECT node_id, kind, topic, retries, attempts, locked_by, due_at, last_error
               FROM bpm.job WHERE instance_id = %s$$, pg_temp.id('m1')),
    $$VALUES ('n', 'timer', NULL::text, 3, 0, NULL::text, '2030-01-01 00:05:00+00'::timestamptz, NULL::text)$$,
    'a duration timer: a job of kind timer, no topic, 3 retries, due the duration after the clock');
SELECT results_eq(
    format($$SELECT kind, node_id, data FROM pg_temp.story(%s) WHERE kind = 'job_created'$$, pg_temp.id('m1')),
    $$VALUES ('job_created', 'n', '{"kind": "timer", "due_at": "2030-01-01T00:05:00+00:00"}'::jsonb)$$,
    'job_created records the kind and the due date, in ISO 8601 UTC');
SELECT is((SELECT waiting_at FROM bpm.processes WHERE id = pg_temp.id('m1')), '{n}'::text[],
    'the instance waits at the timer');
INSERT INTO ids VALUES ('m1_job', pg_temp.job(pg_temp.id('m1')));
SET LOCAL pg_bpm.mock_now = '2030-01-01 00:04:59.999999+00';
SELECT is(bpm.run_jobs(), 0, 'a timer is not run a microsecond before it is due');
SET LOCAL pg_bpm.mock_now = '2030-01-01 00:05:00+00';
SELECT is(bpm.run_jobs(), 1, 'a timer that is due is run: run_jobs returns 1');
SELECT results_eq(
    format($$SELECT kind, node_id, data FROM pg_temp.story(%s) WHERE kind NOT IN ('instance_started')$$, pg_temp.id('m1')),
    $$VALUES ('token_moved', 's', NULL::jsonb), ('token_moved', 'n', '{"flow": "s->n"}'),
             ('job_created', 'n', '{"kind": "timer", "due_at": "2030-01-01T00:05:00+00:00"}'),
             ('timer_fired', 'n', NULL), ('token_moved', 'e', '{"flow": "n->e"}'),
             ('instance_completed', NULL, NULL)$$,
    'the timer fires and the instance moves on');
SELECT results_eq(
    format($$SELECT kind, job_id FROM bpm.event WHERE instance_id = %s AND job_id IS NOT NULL ORDER BY id$$,
           pg_temp.id('m1')),
    format($$VALUES ('job_created', %s::bigint), ('timer_fired', %s)$$, pg_temp.id('m1_job'), pg_temp.id('m1_job')),
    'job_created and timer_fired name the timer''s job');
SELECT is((SELECT count(*) FROM bpm.job WHERE instance_id = pg_temp.id('m1')), 0::bigint,
    'the fired timer''s job is gone');
SELECT is(bpm.run_jobs(), 0, 'nothing is left to run');

-- an empty mock_now is the start of the transaction
SET LOCAL pg_bpm.mock_now = '';
INSERT INTO ids VALUES ('m_now', bpm.start('minutes', '{}'));
SELECT is((SELECT due_at FROM bpm.job WHERE instance_id = pg_temp.id('m_now')), now() + interval '5 minutes',
    'with an empty pg_bpm.mock_now, a timer counts from the start of the transaction');
SELECT bpm.cancel(pg_temp.id('m_now'));
SET LOCAL pg_bpm.mock_now = '2030-01-01 00:05:00+00';

-- dates
INSERT INTO ids VALUES ('d_date', bpm.deploy(pg_temp.with_timer('at_nine', '{"date": "2030-01-01T09:00:00Z"}')::jsonb));
INSERT INTO ids VALUES ('t9', bpm.start('at_nine'));
SELECT is((SELECT due_at FROM bpm.job WHERE instance_id = pg_temp.id('t9')), '2030-01-01 09:00:00+00'::timestamptz,
    'a date timer is due at its date');
SET LOCAL pg_bpm.mock_now = '2030-01-01 08:59:59+00';
SELECT is(bpm.run_jobs(), 0, 'not before');
SET LOCAL pg_bpm.mock_now = '2030-01-01 12:00:00+00';
INSERT INTO ids VALUES ('t9_late', bpm.start('at_nine'));
SELECT is((SELECT due_at FROM bpm.job WHERE instance_id = pg_temp.id('t9_late')), '2030-01-01 09:00:00+00'::timestamptz,
    'a token that arrives after the date waits on a job that is already due');
SELECT is(bpm.run_jobs(), 2, 'both date timers run in one pass');
SELECT results_eq(
    format($$SELECT state FROM bpm.instance WHERE id IN (%s, %s)$$, pg_temp.id('t9'), pg_temp.id('t9_late')),
    $$VALUES ('completed'), ('completed')$$,
    'both instances moved on');

-- values from the data
INSERT INTO ids VALUES ('d_data', bpm.deploy('{"key": "from_data", "nodes": [
    {"id": "s", "type": "start_event"},
    {"id": "pause", "type": "intermediate_event", "timer": {"duration": "$.wait"}},
    {"id": "until", "type": "intermediate_event", "timer": {"date": "$.when"}},
    {"id": "call", "type": "user_task"},
    {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "pause"}, {"from": "pause", "to": "until"},
            {"from": "until", "to": "call"}, {"from": "call", "to": "e"}]}'));
INSERT INTO ids VALUES ('d_when', bpm.deploy(pg_temp.with_timer('when_first', '{"date": "$.when"}')::jsonb));
SET LOCAL pg_bpm.mock_now = '2030-01-01 00:00:00+00';
INSERT INTO ids VALUES ('fd', bpm.start('from_data', '{"wait": "P1DT2H", "when": "2030-01-05T12:00:00+02:00"}'));
SELECT results_eq(
    format($$SELECT node_id, due_at FROM bpm.job WHERE instance_id = %s$$, pg_temp.id('fd')),
    $$VALUES ('pause', '2030-01-02 02:00:00+00'::timestamptz)$$,
    'a duration from the data counts from the clock when the token arrives');
SET LOCAL pg_bpm.mock_now = '2030-01-02 02:00:00+00';
SELECT is(bpm.run_jobs(), 1, 'the duration timer fires');
SELECT results_eq(
    format($$SELECT node_id, due_at FROM bpm.job WHERE instance_id = %s$$, pg_temp.id('fd')),
    $$VALUES ('until', '2030-01-05 10:00:00+00'::timestamptz)$$,
    'a date from the data, with its offset, is read when the token arrives');
SET LOCAL pg_bpm.mock_now = '2030-01-05 10:00:00+00';
SELECT is(bpm.run_jobs(), 1, 'the date timer fires');
SELECT is((SELECT waiting_at FROM bpm.processes WHERE id = pg_temp.id('fd')), '{call}'::text[],
    'the instance waits at its task');

-- bad values from the data: 22023, nothing changes
CREATE TEMP TABLE before_bad AS
SELECT (SELECT count(*) FROM bpm.instance) AS instances, (SELECT count(*) FROM bpm.event) AS events,
       (SELECT count(*) FROM bpm.job) AS jobs;
SELECT throws_ok($$SELECT bpm.start('from_data', '{"wait": "2 hours"}')$$, '22023',
    'timer of "pause" in process "from_data": $.wait does not select a positive ISO 8601 duration',
    'start: a duration from the data that is not ISO 8601 is 22023');
SELECT throws_ok($$SELECT bpm.start('from_data', '{"wait": "PT5X"}')$$, '22023',
    'timer of "pause" in process "from_data": $.wait does not select a positive ISO 8601 duration',
    'start: an ISO 8601 duration from the data that does not parse is 22023');
SELECT throws_ok($$SELECT bpm.start('from_data', '{"wait": "PT0S"}')$$, '22023',
    'timer of "pause" in process "from_data": $.wait does not select a positive ISO 8601 duration',
    'start: a zero duration from the data is 22023');
SELECT throws_ok($$SELECT bpm.start('from_data', '{"wait": "P-1D"}')$$, '22023',
    'timer of "pause" in process "from_data": $.wait does not select a positive ISO 8601 duration',
    'start: a negative duration from the data is 22023');
SELECT throws_ok($$SELECT bpm.start('from_data', '{"wait": 7200}')$$, '22023',
    'timer of "pause" in process "from_data": $.wait does not select a positive ISO 8601 duration',
    'start: a duration from the data that is a number is 22023');
SELECT throws_ok($$SELECT bpm.start('from_data', '{"wait": ["PT1H"]}')$$, '22023',
    'timer of "pause" in process "from_data": $.wait does not select a positive ISO 8601 duration',
    'start: a duration from the data that is an array is 22023');
SELECT throws_ok($$SELECT bpm.start('from_data', '{}')$$, '22023',
    'timer of "pause" in process "from_data": $.wait does not select a positive ISO 8601 duration',
    'start: a duration the data does not have is 22023');
SELECT throws_ok($$SELECT bpm.start('when_first', '{"when": "soon"}')$$, '22023',
    'timer of "n" in process "when_first": $.when does not select an ISO 8601 timestamp with a UTC offset',
    'start: a date from the data that is not a timestamp is 22023');
SELECT throws_ok($$SELECT bpm.start('when_first', '{"when": "2030-01-02 12:00"}')$$, '22023',
    'timer of "n" in process "when_first": $.when does not select an ISO 8601 timestamp with a UTC offset',
    'start: a date from the data without a UTC offset is 22023');
SELECT throws_ok($$SELECT bpm.start('when_first', '{"when": "infinity"}')$$, '22023',
    'timer of "n" in process "when_first": $.when does not select an ISO 8601 timestamp with a UTC offset',
    'start: infinity from the data is 22023');
SELECT throws_ok($$SELECT bpm.start('when_first', '{"when": "2030-02-30T00:00:00Z"}')$$, '22023',
    'timer of "n" in process "when_first": $.when does not select an ISO 8601 timestamp with a UTC offset',
    'start: a date from the data with an offset that does not parse is 22023');
SELECT throws_ok($$SELECT bpm.start('when_first', '{"when": "PT1H"}')$$, '22023',
    'timer of "n" in process "when_first": $.when does not select an ISO 8601 timestamp with a UTC offset',
    'start: a duration where a date belongs is 22023');
SELECT results_eq(
    $$SELECT (SELECT count(*) FROM bpm.instance), (SELECT count(*) FROM bpm.event), (SELECT count(*) FROM bpm.job)$$,
    $$SELECT instances, events, jobs FROM before_bad$$,
    'a start refused for its timer data created nothing');

-- a bad value met during a run: the job that moved the token fails
SET LOCAL pg_bpm.mock_now = '2030-01-06 00:00:00+00';
INSERT INTO ids VALUES ('fd_bad', bpm.start('from_data', '{"wait": "PT1H", "when": "after lunch"}'));
SET LOCAL pg_bpm.mock_now = '2030-01-06 01:00:00+00';
SELECT is(bpm.run_jobs(), 1, 'the pause timer is run (and fails)');
SELECT results_eq(
    format($$SELECT node_id, kind, retries, attempts, due_at, last_error FROM bpm.job WHERE instance_id = %s$$,
           pg_temp.id('fd_bad')),
    $$VALUES ('pause', 'timer', 2, 1, '2030-01-06 01:00:10+00'::timestamptz,
              'timer of "until" in process "from_data": $.when does not select an ISO 8601 timestamp with a UTC offset')$$,
    'the timer job failed: one retry less, due again in 10 s, with the error');
SELECT results_eq(
    format($$SELECT kind, node_id, data FROM pg_temp.story(%s) WHERE kind IN ('job_failed', 'timer_fired', 'token_moved')$$,
           pg_temp.id('fd_bad')),
    $$VALUES ('token_moved', 's', NULL::jsonb), ('token_moved', 'pause', '{"flow": "s->pause"}'),
             ('job_failed', 'pause', '{"error": "timer of \"until\" in process \"from_data\": $.when does not select an ISO 8601 timestamp with a UTC offset", "sqlstate": "22023", "retries": 2}')$$,
    'the failed attempt left only its job_failed event');

-- cancel removes the timer's job
SELECT bpm.cancel(pg_temp.id('fd_bad'), 'bad data');
SELECT is((SELECT count(*) FROM bpm.job WHERE instance_id = pg_temp.id('fd_bad')), 0::bigint,
    'cancel removes the job of the timer the instance waits at');
SELECT results_eq(
    format($$SELECT e.kind, e.node_id, e.job_id FROM bpm.event e
              WHERE e.instance_id = %s AND e.kind IN ('job_cancelled', 'instance_terminated') ORDER BY e.id$$,
           pg_temp.id('fd_bad')),
    format($$VALUES ('job_cancelled', 'pause', %s::bigint), ('instance_terminated', NULL, NULL)$$,
           (SELECT job_id FROM bpm.event WHERE instance_id = pg_temp.id('fd_bad') AND kind = 'job_created')),
    'job_cancelled names the timer''s job');
SET LOCAL pg_bpm.mock_now = '2030-01-07 00:00:00+00';
SELECT is(bpm.run_jobs(), 0, 'later passes find nothing of it');

-- internal jobs are not for workers
INSERT INTO ids VALUES ('m2', bpm.start('minutes'));
SELECT is((SELECT count(*) FROM bpm.fetch_and_lock('n', 'w1', 10)), 0::bigint,
    'fetch_and_lock never returns an internal job');
SELECT throws_ok(format($$SELECT bpm.complete_job(%s, 'w1')$$, pg_temp.job(pg_temp.id('m2'))), '55000',
    format('job %s is a timer job, run by the engine, not by workers', pg_temp.job(pg_temp.id('m2'))),
    'a worker cannot complete a timer''s job');
SELECT throws_ok(format($$SELECT bpm.fail_job(%s, 'w1', 'no')$$, pg_temp.job(pg_temp.id('m2'))), '55000',
    format('job %s is a timer job, run by the engine, not by workers', pg_temp.job(pg_temp.id('m2'))),
    'nor fail it');
SELECT bpm.cancel(pg_temp.id('m2'));

-- =================================================================== async
INSERT INTO ids VALUES ('d_async', bpm.deploy('{"key": "async", "nodes": [
    {"id": "s", "type": "start_event"},
    {"id": "review", "type": "user_task", "async": true},
    {"id": "stamp", "type": "script_task", "function": "public.tap_stamp", "async": true},
    {"id": "gate", "type": "user_task"},
    {"id": "sub", "type": "subprocess", "async": true, "nodes": [
        {"id": "sub_s", "type": "start_event"}, {"id": "inner", "type": "user_task"},
        {"id": "sub_e", "type": "end_event"}],
     "flows": [{"from": "sub_s", "to": "inner"}, {"from": "inner", "to": "sub_e"}]},
    {"id": "mail", "type": "service_task", "topic": "tap_mail", "async": true},
    {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "review"}, {"from": "review", "to": "stamp"},
            {"from": "stamp", "to": "gate"}, {"from": "gate", "to": "sub"}, {"from": "sub", "to": "mail"},
            {"from": "mail", "to": "e"}]}'));
SET LOCAL pg_bpm.mock_now = '2030-01-08 00:00:00+00';
INSERT INTO ids VALUES ('a', bpm.start('async'));
SELECT results_eq(
    format($$SELECT node_id, kind, topic, retries, due_at FROM bpm.job WHERE instance_id = %s$$, pg_temp.id('a')),
    $$VALUES ('review', 'async', NULL::text, 3, '2030-01-08 00:00:00+00'::timestamptz)$$,
    'an async user task: the token stops before it, on an async job due now');
SELECT is((SELECT count(*) FROM bpm.task WHERE instance_id = pg_temp.id('a')), 0::bigint,
    '... and there is no task yet');
SELECT is(bpm.run_jobs(), 1, 'the pass runs the async job');
SELECT results_eq(
    format($$SELECT node_id, status FROM bpm.task WHERE instance_id = %s$$, pg_temp.id('a')),
    $$VALUES ('review', 'open')$$,
    'the task exists after the pass');
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = pg_temp.id('a') AND node_id = 'review';
SELECT is((SELECT data FROM bpm.instance WHERE id = pg_temp.id('a')), '{}'::jsonb,
    'an async script task has not run before the pass');
SELECT is(bpm.run_jobs(), 1, 'the pass runs it');
SELECT results_eq(
    format($$SELECT data, waiting_at FROM bpm.processes WHERE id = %s$$, pg_temp.id('a')),
    $$VALUES ('{"stamped": true}'::jsonb, '{gate}'::text[])$$,
    'the script ran and the instance moved on');
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = pg_temp.id('a') AND node_id = 'gate';
SELECT is((SELECT waiting_at FROM bpm.processes WHERE id = pg_temp.id('a')), '{sub}'::text[],
    'the token stops before the async sub-process');
SELECT is(bpm.run_jobs(), 1, 'the pass enters the sub-process');
SELECT is((SELECT waiting_at FROM bpm.processes WHERE id = pg_temp.id('a')), '{inner}'::text[],
    'the sub-process started');
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = pg_temp.id('a') AND node_id = 'inner';
SELECT is(bpm.run_jobs(), 1, 'the pass enters the async external service task');
SELECT results_eq(
    format($$SELECT node_id, kind, topic FROM bpm.job WHERE instance_id = %s$$, pg_temp.id('a')),
    $$VALUES ('mail', 'external', 'tap_mail')$$,
    'which now waits on an external job for workers');
SELECT results_eq(
    format($$SELECT node_id, count(*) FROM pg_temp.story(%s) WHERE kind = 'token_moved'
              AND node_id IN ('review', 'stamp', 'sub', 'mail') GROUP BY node_id ORDER BY node_id$$, pg_temp.id('a')),
    $$VALUES ('mail', 1::bigint), ('review', 1), ('stamp', 1), ('sub', 1)$$,
    'each async node records its arrival once');
SELECT results_eq(
    format($$SELECT kind, node_id FROM pg_temp.story(%s) WHERE node_id = 'stamp'$$, pg_temp.id('a')),
    $$VALUES ('token_moved', 'stamp'), ('job_created', 'stamp'), ('job_completed', 'stamp'),
             ('data_changed', 'stamp')$$,
    'an async node: arrival, job created, job completed, then the node''s own work');
SELECT bpm.cancel(pg_temp.id('a'));

-- ========================================== SQL service tasks: counts, order
INSERT INTO ids VALUES ('d_svc', bpm.deploy('{"key": "svc", "nodes": [
    {"id": "s", "type": "start_event"},
    {"id": "work", "type": "service_task", "implementation": "sql", "function": "public.tap_work"},
    {"id": "after", "type": "user_task"},
    {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "work"}, {"from": "work", "to": "after"}, {"from": "after", "to": "e"}]}'));
SET LOCAL pg_bpm.mock_now = '2030-01-09 00:00:00+00';
INSERT INTO ids VALUES ('ok', bpm.start('svc', '{"name": "ok"}'));
SELECT results_eq(
    format($$SELECT node_id, kind, topic, retries, attempts, due_at FROM bpm.job WHERE instance_id = %s$$, pg_temp.id('ok')),
    $$VALUES ('work', 'service', NULL::text, 3, 0, '2030-01-09 00:00:00+00'::timestamptz)$$,
    'a SQL service task waits on a service job, due now, 3 retries by default');
SELECT is(bpm.run_jobs(), 1, 'the pass runs it');
SELECT results_eq(
    format($$SELECT data, waiting_at FROM bpm.processes WHERE id = %s$$, pg_temp.id('ok')),
    $$VALUES ('{"name": "ok", "worked": "ok"}'::jsonb, '{after}'::text[])$$,
    'the function''s result is merged and the instance moves on');
SELECT results_eq(
    format($$SELECT kind, node_id, data FROM pg_temp.story(%s) WHERE kind IN ('data_changed', 'job_completed')$$, pg_temp.id('ok')),
    $$VALUES ('job_completed', 'work', NULL::jsonb),
             ('data_changed', 'work', '{"patch": {"worked": "ok"}, "replaced": {}}'::jsonb)$$,
    'the completion and the merge are events');

-- oldest due date first, max_jobs at most
INSERT INTO ids VALUES ('d_nap', bpm.deploy(pg_temp.with_timer('nap', '{"duration": "$.nap"}')::jsonb));
SET LOCAL pg_bpm.mock_now = '2030-01-10 00:00:00+00';
INSERT INTO ids VALUES ('nap30', bpm.start('nap', '{"nap": "PT30M"}'));
INSERT INTO ids VALUES ('nap10', bpm.start('nap', '{"nap": "PT10M"}'));
INSERT INTO ids VALUES ('nap20', bpm.start('nap', '{"nap": "PT20M"}'));
SET LOCAL pg_bpm.mock_now = '2030-01-10 01:00:00+00';
SELECT is(bpm.run_jobs(1), 1, 'run_jobs(1) runs one job of three due');
SELECT results_eq(
    format($$SELECT id, state FROM bpm.instance WHERE id IN (%s, %s, %s) ORDER BY id$$,
           pg_temp.id('nap30'), pg_temp.id('nap10'), pg_temp.id('nap20')),
    format($$VALUES (%s::bigint, 'running'), (%s, 'completed'), (%s, 'running')$$,
           pg_temp.id('nap30'), pg_temp.id('nap10'), pg_temp.id('nap20')),
    '... the one with the oldest due date, not the oldest job');
SELECT is(bpm.run_jobs(5), 2, 'run_jobs(5) runs the two left');
SELECT is(bpm.run_jobs(), 0, 'and then none');

-- ================================================================ failures
-- One pass, one failing job and one good one: both count, only the
-- failure is undone.
INSERT INTO public.tap_broken VALUES ('bad');
SET LOCAL pg_bpm.mock_now = '2030-01-11 00:00:00+00';
INSERT INTO ids VALUES ('bad', bpm.start('svc', '{"name": "bad"}'));
INSERT INTO ids VALUES ('good', bpm.start('svc', '{"name": "good"}'));
CREATE TEMP TABLE bad_before AS
SELECT (SELECT max(id) FROM bpm.event WHERE instance_id = pg_temp.id('bad')) AS last_event,
       (SELECT data FROM bpm.instance WHERE id = pg_temp.id('bad')) AS data;
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO bpm_tap_clerk;   -- it may act for "cron"
SET LOCAL ROLE bpm_tap_clerk;
SET LOCAL bpm.actor = 'cron';
SELECT is(bpm.run_jobs(), 2, 'a pass with a failing and a succeeding job returns 2');
SELECT results_eq(
    $$SELECT current_user::text COLLATE "default", bpm.current_actor()$$,
    $$VALUES ('bpm_tap_clerk', 'cron')$$,
    'after a failed job the caller''s role and actor are intact');
RESET ROLE;
RESET bpm.actor;
SELECT results_eq(
    format($$SELECT data, waiting_at FROM bpm.processes WHERE id = %s$$, pg_temp.id('good')),
    $$VALUES ('{"name": "good", "worked": "good"}'::jsonb, '{after}'::text[])$$,
    'the good job''s effects are kept');
SELECT results_eq(
    $$SELECT name, count(*) FROM public.tap_effects WHERE name IN ('bad', 'good') GROUP BY name$$,
    $$VALUES ('good', 1::bigint)$$,
    'the failed attempt left no side effect of its function');
SELECT results_eq(
    format($$SELECT data, waiting_at FROM bpm.processes WHERE id = %s$$, pg_temp.id('bad')),
    format($$SELECT data, '{work}'::text[] FROM bad_before$$),
    'the failed job''s instance is unchanged: same data, same place');
SELECT results_eq(
    format($$SELECT kind, node_id, actor, data FROM bpm.history(%s)
              WHERE event_id > (SELECT last_event FROM bad_before) ORDER BY event_id$$,
           pg_temp.id('bad')),
    $$VALUES ('job_failed', 'work', 'cron', '{"error": "work for bad failed", "sqlstate": "22000", "retries": 2}'::jsonb)$$,
    'the failed attempt wrote exactly one event, job_failed (no data_changed), by the caller''s actor');
SELECT results_eq(
    format($$SELECT retries, attempts, due_at, last_error FROM bpm.job WHERE instance_id = %s$$, pg_temp.id('bad')),
    $$VALUES (2, 1, '2030-01-11 00:00:10+00'::timestamptz, 'work for bad failed')$$,
    'the failed job: one retry less, one attempt more, the error, due 10 s later');
SELECT bpm.cancel(pg_temp.id('bad'));

-- The backoff: 10 s after the first failure, doubling, at most 1 h; the
-- last failure makes an incident and leaves due_at alone. Each pass runs
-- at the job's due date, after a pass a microsecond earlier ran nothing.
INSERT INTO ids VALUES ('d_svc12', bpm.deploy('{"key": "svc12", "nodes": [
    {"id": "s", "type": "start_event"},
    {"id": "work", "type": "service_task", "implementation": "sql", "function": "public.tap_work", "retries": 12},
    {"id": "after", "type": "user_task"},
    {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "work"}, {"from": "work", "to": "after"}, {"from": "after", "to": "e"}]}'));
INSERT INTO public.tap_broken VALUES ('flaky');
SET LOCAL pg_bpm.mock_now = '2030-02-01 00:00:00+00';
INSERT INTO ids VALUES ('flaky', bpm.start('svc12', '{"name": "flaky"}'));
CREATE TEMP TABLE backoff (pass int, early int, ran int, retries int, attempts int, wait interval);
DO $$
DECLARE
    clock timestamptz := '2030-02-01 00:00:00+00';
    early int;
    ran int;
    j bpm.job;
BEGIN
    FOR pass IN 1..12 LOOP
        PERFORM set_config('pg_bpm.mock_now', (clock - interval '1 microsecond')::text, true);
        early := bpm.run_jobs();
        PERFORM set_config('pg_bpm.mock_now', clock::text, true);
        ran := bpm.run_jobs();
        SELECT * INTO j FROM bpm.job WHERE instance_id = pg_temp.id('flaky');
        INSERT INTO backoff VALUES (pass, early, ran, j.retries, j.attempts, j.due_at - clock);
        clock := j.due_at;
    END LOOP;
END $$;
SELECT results_eq(
    $$SELECT pass, early, ran, retries, attempts, wait FROM backoff ORDER BY pass$$,
    $$VALUES (1, 0, 1, 11, 1, interval '10 s'), (2, 0, 1, 10, 2, '20 s'), (3, 0, 1, 9, 3, '40 s'),
             (4, 0, 1, 8, 4, '80 s'), (5, 0, 1, 7, 5, '160 s'), (6, 0, 1, 6, 6, '320 s'),
             (7, 0, 1, 5, 7, '640 s'), (8, 0, 1, 4, 8, '1280 s'), (9, 0, 1, 3, 9, '2560 s'),
             (10, 0, 1, 2, 10, '1 hour'), (11, 0, 1, 1, 11, '1 hour'), (12, 0, 1, 0, 12, '0')$$,
    'backoff: 10 s, 20 s, 40 s ... doubling, capped at 1 h; the twelfth failure is an incident');
SELECT results_eq(
    format($$SELECT kind, data->'retries' FROM pg_temp.story(%s) WHERE kind IN ('job_failed', 'incident')$$, pg_temp.id('flaky')),
    $$VALUES ('job_failed', '11'::jsonb), ('job_failed', '10'), ('job_failed', '9'), ('job_failed', '8'),
             ('job_failed', '7'), ('job_failed', '6'), ('job_failed', '5'), ('job_failed', '4'),
             ('job_failed', '3'), ('job_failed', '2'), ('job_failed', '1'), ('incident', '0')$$,
    'eleven job_failed events, then an incident');
SELECT results_eq(
    format($$SELECT node_id, kind, topic, error, attempts FROM bpm.incidents WHERE instance_id = %s$$, pg_temp.id('flaky')),
    $$VALUES ('work', 'service', NULL::text, 'work for flaky failed', 12)$$,
    'the job is in bpm.incidents');
SET LOCAL pg_bpm.mock_now = '2030-03-01 00:00:00+00';
SELECT is(bpm.run_jobs(), 0, 'an incident is never run by a pass');
SELECT is((SELECT count(*) FROM public.tap_effects WHERE name = 'flaky'), 0::bigint,
    'none of the twelve failed attempts left a side effect');

-- The operator repairs the cause and retries the incident: the next pass
-- completes it.
DELETE FROM public.tap_broken WHERE name = 'flaky';
SELECT lives_ok(format('SELECT bpm.retry_incident(%s)', pg_temp.job(pg_temp.id('flaky'))),
    'retry_incident revives an internal job''s incident');
SELECT results_eq(
    format($$SELECT retries, attempts, due_at FROM bpm.job WHERE instance_id = %s$$, pg_temp.id('flaky')),
    $$VALUES (1, 12, '2030-03-01 00:00:00+00'::timestamptz)$$,
    'the job has a retry again, due at once on the engine''s clock');
SELECT is(bpm.run_jobs(), 1, 'the next pass runs it');
SELECT results_eq(
    format($$SELECT data, waiting_at FROM bpm.processes WHERE id = %s$$, pg_temp.id('flaky')),
    $$VALUES ('{"name": "flaky", "worked": "flaky"}'::jsonb, '{after}'::text[])$$,
    'and it succeeds: data merged, the instance moved on');
SELECT is((SELECT count(*) FROM bpm.job WHERE instance_id = pg_temp.id('flaky')), 0::bigint,
    'the job is gone');
SELECT results_eq(
    format($$SELECT kind, node_id, data FROM bpm.history(%s)
              WHERE event_id >= (SELECT id FROM bpm.event WHERE instance_id = %s AND kind = 'incident_retried')
              ORDER BY event_id$$,
           pg_temp.id('flaky'), pg_temp.id('flaky')),
    $$VALUES ('incident_retried', 'work', '{"retries": 1}'::jsonb),
             ('job_completed', 'work', NULL),
             ('data_changed', 'work', '{"patch": {"worked": "flaky"}, "replaced": {}}'),
             ('token_moved', 'after', '{"flow": "work->after"}'),
             ('task_created', 'after', '{"assignee": null, "candidate_groups": [], "priority": 50}')$$,
    'the events after the incident: retried, completed, data merged, moved on');
SELECT is((SELECT count(*) FROM public.tap_effects WHERE name = 'flaky'), 1::bigint,
    'exactly one side effect: that of the successful attempt');

-- A retried incident that fails again: the backoff goes on from the
-- attempts so far (the fourth failure waits 80 s).
INSERT INTO public.tap_broken VALUES ('relapse');
SET LOCAL pg_bpm.mock_now = '2030-04-01 00:00:00+00';
INSERT INTO ids VALUES ('relapse', bpm.start('svc', '{"name": "relapse"}'));
SELECT is(bpm.run_jobs(), 1, 'relapse: first failure');
SET LOCAL pg_bpm.mock_now = '2030-04-01 00:00:10+00';
SELECT is(bpm.run_jobs(), 1, 'relapse: second failure');
SET LOCAL pg_bpm.mock_now = '2030-04-01 00:00:30+00';
SELECT is(bpm.run_jobs(), 1, 'relapse: third failure, an incident');
SET LOCAL pg_bpm.mock_now = '2030-04-01 01:00:00+00';
SELECT bpm.retry_incident(pg_temp.job(pg_temp.id('relapse')), 2);
SELECT is(bpm.run_jobs(), 1, 'relapse: the retried job fails again');
SELECT results_eq(
    format($$SELECT retries, attempts, due_at FROM bpm.job WHERE instance_id = %s$$, pg_temp.id('relapse')),
    $$VALUES (1, 4, '2030-04-01 01:01:20+00'::timestamptz)$$,
    'after a retried incident the backoff goes on from the attempts so far: 80 s');
SELECT bpm.cancel(pg_temp.id('relapse'));

-- ======================================================== passes, the clock
-- Jobs that a pass creates and that are due at once (the next async node,
-- a timer whose date is past) are run by the same pass.
INSERT INTO ids VALUES ('d_chain', bpm.deploy('{"key": "chain", "nodes": [
    {"id": "s", "type": "start_event"},
    {"id": "stamp", "type": "script_task", "function": "public.tap_stamp", "async": true},
    {"id": "past", "type": "intermediate_event", "timer": {"date": "$.when"}},
    {"id": "review", "type": "user_task", "async": true},
    {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "stamp"}, {"from": "stamp", "to": "past"},
            {"from": "past", "to": "review"}, {"from": "review", "to": "e"}]}'));
SET LOCAL pg_bpm.mock_now = '2030-05-01 00:00:00+00';
INSERT INTO ids VALUES ('chain', bpm.start('chain', '{"when": "2030-04-30T00:00:00Z"}'));
-- If the caller rolls back, the whole pass is undone and the job stays due.
SAVEPOINT before_pass;
SELECT is(bpm.run_jobs(), 3, 'one pass runs the async job and the jobs it leads to that are due at once');
SELECT results_eq(
    format($$SELECT data, waiting_at FROM bpm.processes WHERE id = %s$$, pg_temp.id('chain')),
    $$VALUES ('{"when": "2030-04-30T00:00:00Z", "stamped": true}'::jsonb, '{review}'::text[])$$,
    'the instance went through the script, the timer and into the task');
ROLLBACK TO SAVEPOINT before_pass;
SELECT results_eq(
    format($$SELECT node_id, kind, due_at FROM bpm.job WHERE instance_id = %s$$, pg_temp.id('chain')),
    $$VALUES ('stamp', 'async', '2030-05-01 00:00:00+00'::timestamptz)$$,
    'a pass rolled back by its caller leaves the job as it was, still due');
SELECT is(bpm.run_jobs(1), 1, 'max_jobs also bounds the jobs a pass creates: run_jobs(1) runs one');
SELECT is((SELECT waiting_at FROM bpm.processes WHERE id = pg_temp.id('chain')), '{past}'::text[],
    '... the async one; the timer due at once waits for the next pass');
SELECT is(bpm.run_jobs(), 2, 'the next pass runs the timer and the async task');
SELECT bpm.cancel(pg_temp.id('chain'));

-- A mock_now that is not a timestamp: every use of the clock is 22007.
SET LOCAL pg_bpm.mock_now = 'next week';
SELECT throws_ok($$SELECT bpm.run_jobs()$$, '22007',
    'invalid input syntax for type timestamp with time zone: "next week"',
    'run_jobs with a mock_now that is not a timestamp is 22007');
SELECT throws_ok($$SELECT bpm.start('minutes')$$, '22007',
    'invalid input syntax for type timestamp with time zone: "next week"',
    'so is a start that reaches a timer');
SET LOCAL pg_bpm.mock_now = '2030-05-02 00:00:00+00';

-- A role granted SET on the parameter may move the clock.
GRANT SET ON PARAMETER pg_bpm.mock_now TO bpm_tap_clerk;
SET LOCAL ROLE bpm_tap_clerk;
SELECT lives_ok($$SET LOCAL pg_bpm.mock_now = '2030-05-03 00:00:00+00'$$,
    'a role granted SET ON PARAMETER pg_bpm.mock_now may set it');
SELECT is(current_setting('pg_bpm.mock_now'), '2030-05-03 00:00:00+00', '... and the clock moved');
RESET ROLE;

-- ============================================================= escalation
SELECT throws_ok($$SELECT bpm.deploy('{"key": "esc_bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task", "escalation": {"priority": 90}}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}')$$, '42P17',
    'definition "esc_bad": node "t": an "escalation" needs a "due" duration to escalate after',
    'deploy: an escalation without a due date');
SELECT throws_ok($$SELECT bpm.deploy('{"key": "esc_bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task", "due": "PT1H", "escalation": {}}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}')$$, '42P17',
    'definition "esc_bad": node "t": "escalation" needs an "assignee", "candidate_groups", "priority" or "task"',
    'deploy: an escalation that changes nothing');
SELECT throws_ok($$SELECT bpm.deploy('{"key": "esc_bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task", "due": "PT1H", "escalation": "boss"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}')$$, '42P17',
    'definition "esc_bad": node "t": "escalation" must be an object such as {"priority": 90}',
    'deploy: an escalation that is not an object');

SET LOCAL pg_bpm.mock_now = '2030-06-01 00:00:00+00';
SELECT lives_ok($$SELECT bpm.deploy('{"key": "esc_ok", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task", "due": "PT1H", "escalation": {"assignee": "$.boss", "priority": 99}},
    {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}')$$,
    'deploy: an escalation to an assignee taken from the data');
SELECT lives_ok($$SELECT bpm.start('esc_ok', '{"boss": "olga"}', 'esc-late')$$, 'start a task that will be late');
SELECT lives_ok($$SELECT bpm.start('esc_ok', '{"boss": "olga"}', 'esc-done')$$, 'start a task done in time');
SELECT lives_ok($$SELECT bpm.complete_task(t.id) FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
                   WHERE i.business_key = 'esc-done'$$, 'complete one before its deadline');
SELECT is((SELECT count(*) FROM bpm.job j JOIN bpm.instance i ON i.id = j.instance_id
            WHERE i.business_key = 'esc-done'), 0::bigint,
    'completing in time removes the escalation job');
SET LOCAL pg_bpm.mock_now = '2030-06-01 00:59:59+00';
SELECT is(bpm.run_jobs(), 0, 'nothing escalates before the deadline');
SET LOCAL pg_bpm.mock_now = '2030-06-01 01:00:00+00';
SELECT is(bpm.run_jobs(), 1, 'the escalation runs at the deadline');
SELECT results_eq(
    $$SELECT t.assignee, t.priority, t.status FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
       WHERE i.business_key = 'esc-late'$$,
    $$VALUES ('olga'::text, 99, 'open'::text)$$,
    'the late task is assigned to the boss from the data, at priority 99, still open');
SET LOCAL pg_bpm.mock_now = '2030-06-01 01:30:00+00';
SELECT results_eq(
    $$SELECT business_key, status, overdue_by FROM bpm.sla_breaches WHERE process_key = 'esc_ok'$$,
    $$VALUES ('esc-late'::text, 'open'::text, interval '30 minutes')$$,
    'bpm.sla_breaches lists the open overdue task, on the engine clock');
SELECT is(bpm.now(), '2030-06-01 01:30:00+00'::timestamptz, 'bpm.now() is the engine clock');

-- ================================================================== chains
SELECT is(
    (SELECT count(*) FROM bpm.instance i, bpm.verify_events(i.id) v WHERE NOT v.ok),
    0::bigint,
    'every instance of this file verifies');
SELECT is(
    (SELECT count(*) FROM bpm.job j WHERE j.kind <> 'external'),
    0::bigint,
    'no internal job is left over');

SELECT * FROM finish();
ROLLBACK;
