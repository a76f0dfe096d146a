-- 71_deployer_code: a deployer's code leaves no setting behind, and does
-- not run once its deployer is gone.
--
-- A script task or an SQL service task runs a function the deployer
-- wrote, with the deployer's rights, inside someone else's call: the
-- caller may be a superuser who merely starts a process or completes a
-- task. Every setting that code changes (set_config, session-wide or
-- local: search_path, bpm.actor, statement_timeout, application_name)
-- ends with its step, as the settings of a function's SET clauses do.
-- Were it not so, the caller's next statement would resolve names in the
-- deployer's schema with the caller's rights, and be recorded under the
-- actor the code chose (issue 10, hole 2).
--
--   script      a script task that changes four settings, run by
--               bpm.start as the superuser: afterwards each setting is
--               the caller's, and the caller's now() is pg_catalog's
--   service     the same from an SQL service task run by bpm.run_jobs
--   in the code the code itself sees what it set while it runs (so the
--               settings were really changed, then undone)
--   caught      code that changes a setting and then raises a BPMN error
--               caught by a boundary: the setting is the caller's
--   outer       a caller's own SET LOCAL made before the step is kept
--   dropped     after DROP ROLE of the deployer (its objects reassigned),
--               a script task is refused with 42704 naming the role's OID,
--               and nothing changes; an SQL service task's job fails with
--               the same error each attempt and ends as an incident that
--               names it (issue 10, hole 5)
--
-- Runs in its own database (test/run), in one transaction.
BEGIN;
SELECT no_plan();

CREATE ROLE bpm_tap_deployer NOLOGIN;
CREATE SCHEMA mal AUTHORIZATION bpm_tap_deployer;
SET LOCAL search_path = public, pg_catalog;
SET LOCAL application_name = 'caller';
SET LOCAL statement_timeout = 0;

-- what the code saw of its own changes, as the deployer wrote it down
CREATE TABLE mal.seen (step text, search_path text, actor text, timeout text);
GRANT ALL ON mal.seen TO bpm_tap_deployer;

SET LOCAL ROLE bpm_tap_deployer;
-- a now() of the deployer's, which a caller's unqualified now() would find
-- first if the deployer's search_path outlived the step
CREATE FUNCTION mal.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT 'epoch'::timestamptz $$;
CREATE FUNCTION mal.change_settings(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('search_path', 'mal, pg_catalog, public', false);
    PERFORM set_config('statement_timeout', '1234', false);
    PERFORM set_config('application_name', 'mal', false);
    PERFORM set_config('bpm.actor', 'mallory', true);
    INSERT INTO mal.seen VALUES (data->>'step', current_setting('search_path'),
                                 current_setting('bpm.actor'), current_setting('statement_timeout'));
    IF data ? 'fail' THEN
        PERFORM bpm.bpmn_error('stop', 'the code stops here');
    END IF;
    RETURN '{"changed": true}';
END $$;
SELECT bpm.deploy('{"key": "settings_script",
  "nodes": [{"id": "s", "type": "start_event"},
            {"id": "change", "type": "script_task", "function": "mal.change_settings"},
            {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "change"}, {"from": "change", "to": "e"}]}');
SELECT bpm.deploy('{"key": "settings_service",
  "nodes": [{"id": "s", "type": "start_event"},
            {"id": "change", "type": "service_task", "implementation": "sql",
             "function": "mal.change_settings", "retries": 1},
            {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "change"}, {"from": "change", "to": "e"}]}');
RESET ROLE;

CREATE FUNCTION pg_temp.settings() RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' | ', current_setting('search_path'), current_setting('application_name'),
                     current_setting('statement_timeout'), current_setting('bpm.actor'),
                     current_user)
$$;
CREATE TEMP TABLE before AS SELECT pg_temp.settings() AS settings;

-- script: bpm.start runs the script task in the caller's statement
SELECT bpm.start('settings_script', '{"step": "script"}') AS script_id \gset
SELECT is((SELECT state FROM bpm.instance WHERE id = :script_id),
          'completed', 'script: the process ran its script task and completed');
SELECT is(pg_temp.settings(), (SELECT settings FROM before),
          'script: search_path, application_name, statement_timeout, bpm.actor and the role are the caller''s');
SELECT is(now(), pg_catalog.now(), 'script: the caller''s now() is pg_catalog''s, not the deployer''s');

-- in the code: the changes were real while it ran
SELECT results_eq($$ SELECT search_path, timeout FROM mal.seen WHERE step = 'script' $$,
                  $$ VALUES ('mal, pg_catalog, public', '1234ms') $$,
                  'in the code: the code saw the settings it made while it ran');

-- service: an SQL service task run by bpm.run_jobs in the caller's transaction
SELECT bpm.start('settings_service', '{"step": "service"}');
SELECT is(bpm.run_jobs(), 1, 'service: one job ran');
SELECT is((SELECT state FROM bpm.instance i JOIN bpm.definition d ON d.id = i.definition_id
            WHERE d.key = 'settings_service'), 'completed', 'service: the process completed');
SELECT is(pg_temp.settings(), (SELECT settings FROM before),
          'service: every setting is the caller''s after bpm.run_jobs');
SELECT is((SELECT count(*) FROM mal.seen WHERE step = 'service')::int, 1,
          'service: the code ran once');

-- caught: the code changes a setting, then raises a BPMN error a boundary catches
SET LOCAL ROLE bpm_tap_deployer;
SELECT bpm.deploy('{"key": "settings_caught",
  "nodes": [{"id": "s", "type": "start_event"},
            {"id": "work", "type": "subprocess", "nodes": [
                {"id": "ws", "type": "start_event"},
                {"id": "change", "type": "script_task", "function": "mal.change_settings"},
                {"id": "we", "type": "end_event"}],
              "flows": [{"from": "ws", "to": "change"}, {"from": "change", "to": "we"}]},
            {"id": "caught", "type": "boundary_event", "attached_to": "work", "error": "stop"},
            {"id": "ok", "type": "end_event"}, {"id": "handled", "type": "end_event"}],
  "flows": [{"from": "s", "to": "work"}, {"from": "work", "to": "ok"},
            {"from": "caught", "to": "handled"}]}');
RESET ROLE;
SELECT bpm.start('settings_caught', '{"step": "caught", "fail": true}') AS caught_id \gset
SELECT is((SELECT count(*) FROM bpm.event e
            WHERE e.instance_id = :caught_id AND e.kind = 'boundary_fired')::int, 1,
          'caught: the BPMN error was caught by the boundary');
SELECT is(pg_temp.settings(), (SELECT settings FROM before),
          'caught: the settings made before the error are undone');

-- outer: the caller's own settings made before a step are kept by it
SET LOCAL application_name = 'caller, later';
SELECT bpm.start('settings_script', '{"step": "outer"}');
SELECT is(current_setting('application_name'), 'caller, later',
          'outer: a setting the caller made before the step is the caller''s after it');

-- dropped
CREATE ROLE bpm_tap_gone NOLOGIN;
GRANT USAGE, CREATE ON SCHEMA mal TO bpm_tap_gone;
GRANT INSERT ON mal.seen TO bpm_tap_gone;
SET LOCAL ROLE bpm_tap_gone;
CREATE FUNCTION mal.gone_step(data jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"ran": true}'::jsonb $$;
SELECT bpm.deploy('{"key": "gone_script",
  "nodes": [{"id": "s", "type": "start_event"}, {"id": "w", "type": "user_task"},
            {"id": "calc", "type": "script_task", "function": "mal.gone_step"},
            {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "w"}, {"from": "w", "to": "calc"}, {"from": "calc", "to": "e"}]}');
SELECT bpm.deploy('{"key": "gone_service",
  "nodes": [{"id": "s", "type": "start_event"}, {"id": "w", "type": "user_task"},
            {"id": "call", "type": "service_task", "implementation": "sql",
             "function": "mal.gone_step", "retries": 2},
            {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "w"}, {"from": "w", "to": "call"}, {"from": "call", "to": "e"}]}');
RESET ROLE;
SELECT oid AS gone_oid FROM pg_roles WHERE rolname = 'bpm_tap_gone' \gset
SELECT bpm.start('gone_script') AS gone_script \gset
SELECT bpm.start('gone_service') AS gone_service \gset
REASSIGN OWNED BY bpm_tap_gone TO bpm_tap_deployer;
DROP OWNED BY bpm_tap_gone;
DROP ROLE bpm_tap_gone;
CREATE TEMP TABLE gone_events AS SELECT count(*) AS n FROM bpm.event WHERE instance_id = :gone_script;
SELECT throws_ok(format('SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = %s', :gone_script),
                 '42704', format('script_task "calc" of process "gone_script": the role that deployed it (OID %s) no longer exists', :gone_oid),
                 'dropped: a script task whose deployer is gone is refused, naming the role');
SELECT results_eq(format($$SELECT t.status, (SELECT count(*) FROM bpm.event WHERE instance_id = %s)
                             FROM bpm.task t WHERE t.instance_id = %s$$, :gone_script, :gone_script),
                  $$SELECT 'open'::text, n FROM gone_events$$, 'dropped: and nothing changed');
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :gone_service;
SELECT set_config('pg_bpm.mock_now', '2100-01-01 00:00+00', true);
SELECT bpm.run_jobs() AS first_pass \gset
SELECT set_config('pg_bpm.mock_now', '2100-01-02 00:00+00', true);
SELECT is(:first_pass + bpm.run_jobs(), 2, 'dropped: the service task''s job was attempted twice (after its backoff)');
SELECT results_eq(format($$SELECT retries, last_error FROM bpm.job WHERE instance_id = %s$$, :gone_service),
                  format($$VALUES (0, 'service_task "call" of process "gone_service": the role that deployed it (OID %s) no longer exists')$$, :gone_oid),
                  'dropped: its job is an incident whose error names the missing role');

SELECT * FROM finish();
ROLLBACK;
