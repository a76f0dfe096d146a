-- 90_security: what an ordinary role with no grants may do, tried on
-- everything: every function of schema bpm, every relation, sequence and
-- setting, each on objects that belong to others (issue 10, section 4).
--
-- The attacker is sec_stranger: a role granted nothing (it has what
-- PUBLIC has) and with no part in any process, case, task, job or board
-- of the fixture. Each attempt runs as that role in a subtransaction,
-- which is then rolled back, so that attempts do not see each other; a
-- checksum of every table of schema bpm (md5 of its rows in primary key
-- order; the tables are read from pg_class, so none is left out) is
-- taken before and after, as the superuser that sees every row.
--
--   tables      every table of schema bpm has a primary key to order its
--               checksum by
--   functions   every function of schema bpm has at least one row in
--               expected (a new function without one fails the file), and
--               each row calls its function; the stranger gets the
--               expected SQLSTATE; a refusal changed no table, an allowed
--               call changed exactly the tables it lists and left every
--               setting of the session as it was
--   controls    a refused call whose row names who may make it works for
--               that role (the fixture is in the state the call needs;
--               what is refused is the stranger)
--   act as      every call again, with bpm.actor naming sec_assignee (who
--               may do most of them): a function that uses the actor
--               refuses with 42501 "may not act as" and changes nothing;
--               the others answer as before
--   relations   PUBLIC's write privileges are the documented ones (UPDATE
--               of seven columns of bpm.task and of bpm.cases.data); for
--               every table and view, INSERT, UPDATE, DELETE, a row lock
--               and (tables) TRUNCATE are refused; UPDATEs of bpm.task's
--               columns on someone else's task are refused by the task
--               rules, and on a case a stranger may not see find no row;
--               every sequence refuses nextval and setval; DDL on schema
--               bpm is refused
--   planted     code the stranger deployed, run by the superuser (bpm.start,
--               bpm.run_jobs): it runs as the stranger, and cannot become
--               the session's role (SET ROLE, SET SESSION AUTHORIZATION,
--               RESET ROLE), act for others or take a case; the step
--               fails and nothing of it remains
--   settings    every setting of pg_bpm (pg_settings, so none is left
--               out) has an expectation: a stranger may set bpm.actor,
--               and no other
--   holes       the holes of issue 10, section 1, are rows of expected
--               (their "why" names the hole): a stranger's UPDATE of a
--               task's output (hole 3), a deployer's code that changes
--               settings run by a stranger's bpm.start (hole 2), a script
--               whose deployer was dropped (hole 5), a new version of
--               someone else's key (hole 4). A row with a "todo" is a
--               hole still open (those this file found: the job
--               functions and bpm.verify_events on what belongs to a case
--               the caller may not see, a draft output that is not a
--               JSON object, trigger functions that fail with XX000 when
--               called directly): its test is a pgTAP TODO
--               test, listed as "# TODO" while the file passes; when the
--               hole is closed, pg_prove reports "TODO passed", and the
--               todo comes off.
--
-- What a stranger may see is test/pgtap/63_case_visibility.sql; this file
-- does not repeat it. Rights beyond "no grants" (deploying, starting,
-- operating, per-topic work) are the next issue: it adds its roles and
-- rows here. Runs in its own database (test/run), in one transaction.
BEGIN;
SELECT no_plan();
\ir helpers.psql
SET LOCAL TimeZone = 'UTC';
SET LOCAL pg_bpm.mock_now = '2030-01-01 09:00:00+00';
RESET bpm.actor;

-- ============================================================== the fixture
CREATE ROLE sec_deployer NOLOGIN;   -- deploys the definitions: their keys are its
CREATE ROLE sec_owner NOLOGIN;      -- starts the processes, opens the cases, creates the free tasks and the board
CREATE ROLE sec_assignee NOLOGIN;   -- assigned the tasks, in group sec_grp, holds the role "helper" in the case
CREATE ROLE sec_operator NOLOGIN;   -- a member of the owner of schema bpm
CREATE ROLE sec_gone NOLOGIN;       -- deploys a script, then is dropped
CREATE ROLE sec_stranger NOLOGIN;   -- granted nothing, part of nothing
INSERT INTO bpm.actor_group VALUES ('sec_assignee', 'sec_grp');
DO $$
BEGIN
    EXECUTE format('GRANT %I TO sec_operator',
                   (SELECT r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'bpm'));
END $$;
GRANT SELECT, INSERT ON ids TO PUBLIC;

-- sec.settle changes four settings, as hole 2's code did.
CREATE SCHEMA sec AUTHORIZATION sec_deployer;
GRANT USAGE, CREATE ON SCHEMA sec TO sec_gone;
SET ROLE sec_deployer;
CREATE FUNCTION sec.settle(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('search_path', 'sec, pg_catalog', false);
    PERFORM set_config('bpm.actor', 'sec_deployer', false);
    PERFORM set_config('statement_timeout', '4321', false);
    PERFORM set_config('application_name', 'sec', true);
    RETURN '{"settled": true}';
END $$;
-- sec_flow waits at once in a task for the assignee, one for the group,
-- one for anyone, an external job and a timer.
SELECT bpm.deploy('{"key": "sec_flow", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "fork", "type": "parallel_gateway"},
  {"id": "review", "type": "user_task", "assignee": "sec_assignee", "due": "P2D"},
  {"id": "pick", "type": "user_task", "candidate_groups": ["sec_grp"]},
  {"id": "open", "type": "user_task"},
  {"id": "call", "type": "service_task", "topic": "sec_topic"},
  {"id": "wait", "type": "intermediate_event", "timer": {"duration": "P1D"}},
  {"id": "join", "type": "parallel_gateway"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "fork"},
            {"from": "fork", "to": "review"}, {"from": "fork", "to": "pick"}, {"from": "fork", "to": "open"},
            {"from": "fork", "to": "call"}, {"from": "fork", "to": "wait"},
            {"from": "review", "to": "join"}, {"from": "pick", "to": "join"}, {"from": "open", "to": "join"},
            {"from": "call", "to": "join"}, {"from": "wait", "to": "join"}, {"from": "join", "to": "e"}]}') > 0 AS deployed;
SELECT bpm.deploy('{"key": "sec_fail", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "call", "type": "service_task", "topic": "sec_fail", "retries": 1}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "call"}, {"from": "call", "to": "e"}]}') > 0 AS deployed;
SELECT bpm.deploy('{"key": "sec_script", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "settle", "type": "script_task", "function": "sec.settle"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "settle"}, {"from": "settle", "to": "e"}]}') > 0 AS deployed;
SELECT bpm.deploy('{"key": "sec_ext", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "call", "type": "service_task", "topic": "sec_case_topic"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "call"}, {"from": "call", "to": "e"}]}') > 0 AS deployed;
SELECT bpm.deploy('{"key": "sec_simple", "kind": "case", "plan": [{"id": "x", "type": "human_task"}]}') > 0 AS deployed;
SELECT bpm.deploy('{"key": "sec_case", "kind": "case", "roles": ["helper"], "plan": [
  {"id": "h", "type": "human_task", "assignee": "sec_assignee"},
  {"id": "hs", "type": "human_task"},
  {"id": "man", "type": "human_task", "manual": true},
  {"id": "man2", "type": "human_task", "manual": true},
  {"id": "d", "type": "human_task", "discretionary": true},
  {"id": "ul", "type": "user_listener"},
  {"id": "st", "type": "stage", "items": [{"id": "in", "type": "human_task", "manual": true}]},
  {"id": "sub", "type": "process_task", "process": "sec_ext", "manual": true},
  {"id": "sub2", "type": "process_task", "process": "sec_ext", "manual": true}]}') > 0 AS deployed;
RESET ROLE;

-- sec_gone deploys a script task, and is dropped (its objects reassigned).
SET ROLE sec_gone;
CREATE FUNCTION sec.gone(data jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
SELECT bpm.deploy('{"key": "sec_gone", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "calc", "type": "script_task", "function": "sec.gone"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "calc"}, {"from": "calc", "to": "e"}]}') > 0 AS deployed;
RESET ROLE;
REASSIGN OWNED BY sec_gone TO sec_deployer;
DROP OWNED BY sec_gone;
DROP ROLE sec_gone;

-- The stranger's own code, in a schema of its own (the one thing it was
-- given, and only by this fixture's superuser): it runs the statement its
-- data names (with %I the session's role), then writes a table only the
-- owner of schema bpm may write. The statements try to take the rights of
-- whoever runs the step: become the session's role (a superuser's, when
-- the superuser starts the process or runs the jobs), act for another
-- user, give itself a case.
CREATE SCHEMA mal AUTHORIZATION sec_stranger;
SET ROLE sec_stranger;
CREATE FUNCTION mal.escape(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(data->>'statement', session_user);
    INSERT INTO bpm.actor_group VALUES ('sec_stranger', 'sec_grp');
    RETURN '{}';
END $$;
SELECT bpm.deploy('{"key": "mal_script", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "x", "type": "script_task", "function": "mal.escape"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "x"}, {"from": "x", "to": "e"}]}') > 0 AS deployed;
SELECT bpm.deploy('{"key": "mal_service", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "x", "type": "service_task", "implementation": "sql", "function": "mal.escape"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "x"}, {"from": "x", "to": "e"}]}') > 0 AS deployed;
RESET ROLE;

-- sec_owner's work: the process p, an incident in pf, the case c (with a
-- role for the assignee, a disabled, a suspended and a running item, its
-- child processes sub and sub2 waiting in external jobs, sub's locked by
-- a worker), two more cases, free tasks (one delegated to the assignee)
-- and a board.
SET ROLE sec_owner;
INSERT INTO ids VALUES ('p', bpm.start('sec_flow', '{"amount": 10}', 'SEC-1'));
INSERT INTO ids VALUES ('pf', bpm.start('sec_fail'));
INSERT INTO ids VALUES ('c', bpm.open_case('sec_case', '{"secret": "s"}', 'SEC-C'));
INSERT INTO ids VALUES ('c2', bpm.open_case('sec_simple'));
INSERT INTO ids VALUES ('closed', bpm.open_case('sec_simple'));
INSERT INTO ids VALUES ('free', bpm.create_task('Free, for the assignee', assignee => 'sec_assignee'));
INSERT INTO ids VALUES ('free_deleg', bpm.create_task('Free, delegated', assignee => 'sec_owner'));
INSERT INTO ids VALUES ('board', bpm.create_board('sec_board', ARRAY['todo', 'done']));
DO $$
BEGIN
    PERFORM bpm.close_case(pg_temp.id('closed'), 'done');
    PERFORM bpm.grant_case_role(pg_temp.id('c'), 'helper', 'sec_assignee');
    PERFORM bpm.disable_item(pg_temp.id('c'), 'man2');
    PERFORM bpm.suspend_item(pg_temp.id('c'), 'hs');
    PERFORM bpm.start_item(pg_temp.id('c'), 'sub');
    PERFORM bpm.link_cases(pg_temp.id('c'), pg_temp.id('c2'));
    PERFORM bpm.move_task(pg_temp.id('free'), 'todo', board => 'sec_board');
    PERFORM bpm.delegate(pg_temp.id('free_deleg'), 'sec_assignee');
    PERFORM id FROM bpm.fetch_and_lock('sec_topic', 'sec_runner');
    PERFORM id FROM bpm.fetch_and_lock('sec_case_topic', 'sec_runner');
    PERFORM bpm.start_item(pg_temp.id('c'), 'sub2');
    PERFORM bpm.fail_job(id, 'sec_runner', 'down') FROM bpm.fetch_and_lock('sec_fail', 'sec_runner');
END $$;
RESET ROLE;
INSERT INTO ids SELECT node_id, id FROM bpm.task WHERE instance_id = pg_temp.id('p');
INSERT INTO ids SELECT 'h', id FROM bpm.task WHERE instance_id = pg_temp.id('c') AND node_id = 'h';
INSERT INTO ids SELECT item_id, child_id FROM bpm.plan_item WHERE case_id = pg_temp.id('c') AND item_id IN ('sub', 'sub2');
INSERT INTO ids SELECT 'job', id FROM bpm.job WHERE instance_id = pg_temp.id('p') AND kind = 'external';
INSERT INTO ids SELECT 'case_job', id FROM bpm.job WHERE instance_id = pg_temp.id('sub');
INSERT INTO ids SELECT 'incident', job_id FROM bpm.incidents WHERE instance_id = pg_temp.id('pf');

SELECT results_eq(
    format($$SELECT node_id, assignee, candidate_groups FROM bpm.task WHERE instance_id = %s AND status = 'open'
              ORDER BY node_id$$, pg_temp.id('p')),
    $$VALUES ('open', NULL::text, '{}'::text[]), ('pick', NULL, '{sec_grp}'), ('review', 'sec_assignee', '{}')$$,
    'fixture: p waits in a task for the assignee, one for the group and one for anyone');
SELECT results_eq(
    $$SELECT ids.name, j.kind, j.locked_by, j.retries > 0, j.due_at <= bpm.now()
        FROM bpm.job j JOIN ids ON ids.id = j.instance_id AND ids.name IN ('p', 'pf', 'sub', 'sub2')
       ORDER BY ids.name, j.kind$$,
    $$VALUES ('p', 'external', 'sec_runner', true, true), ('p', 'timer', NULL, true, false),
             ('pf', 'external', NULL, false, false), ('sub', 'external', 'sec_runner', true, true),
             ('sub2', 'external', NULL, true, true)$$,
    'fixture: the jobs: p''s locked by sec_runner, its timer not due, pf''s an incident, the case''s children''s locked and free');
SELECT results_eq(
    format($$SELECT item_id, state FROM bpm.plan_item WHERE case_id = %s AND item_id IN ('h', 'hs', 'man', 'man2', 'd', 'ul', 'st')
              ORDER BY item_id$$, pg_temp.id('c')),
    $$VALUES ('h', 'active'), ('hs', 'suspended'), ('man', 'enabled'), ('man2', 'disabled'), ('st', 'active'),
             ('ul', 'available')$$,
    'fixture: the items of c are in the states the case functions need (d, discretionary, is no item until planned)');
SELECT results_eq(
    format($$SELECT assignee, owner, delegation_state FROM bpm.task WHERE id = %s$$, pg_temp.id('free_deleg')),
    $$VALUES ('sec_assignee', 'sec_owner', 'pending')$$,
    'fixture: free_deleg is the owner''s, delegated to the assignee');
SELECT is((SELECT count(*) FROM bpm.job WHERE kind <> 'external' AND due_at <= bpm.now() AND retries > 0), 0::bigint,
    'fixture: no job is due that a run of the jobs could take');

-- ============================================================== the machinery
-- The checksum query of every table of schema bpm, in primary key order.
CREATE TEMP TABLE sec_tables AS
SELECT c.relname::text AS name,
       format('SELECT md5(coalesce(string_agg(x::text, %L ORDER BY %s), %L)) FROM %s x', E'\n',
              (SELECT string_agg(format('x.%I', a.attname), ', ' ORDER BY k.n)
                 FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(attnum, n), pg_attribute a
                WHERE i.indrelid = c.oid AND i.indisprimary AND a.attrelid = c.oid AND a.attnum = k.attnum),
              '', c.oid::regclass) AS query
  FROM pg_class c WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind IN ('r', 'p');
SELECT is(ARRAY(SELECT name FROM sec_tables WHERE query IS NULL), '{}',
    'tables: every table of schema bpm has a primary key to order its checksum by');

CREATE FUNCTION pg_temp.checksums() RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE t record; sums jsonb := '{}'; sum text;
BEGIN
    FOR t IN SELECT * FROM sec_tables LOOP
        EXECUTE t.query INTO sum;
        sums := sums || jsonb_build_object(t.name, sum);
    END LOOP;
    RETURN sums;
END $$;
-- Every setting of the session, as the current role sees them.
CREATE FUNCTION pg_temp.settings() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings
$$;
-- A statement with its {{names}} replaced by the ids of the fixture.
CREATE FUNCTION pg_temp.bind(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
    FOR r IN SELECT * FROM ids LOOP
        stmt := replace(stmt, '{{' || r.name || '}}', r.id::text);
    END LOOP;
    IF stmt ~ '\{\{' THEN
        RAISE EXCEPTION 'no fixture object is named in %', stmt;
    END IF;
    RETURN stmt;
END $$;
-- Run a statement as a role (with bpm.actor naming actor, if given) and
-- undo it: its SQLSTATE (00000 if it worked) and error, the tables whose
-- checksum it changed, and whether it left the session's settings as it
-- found them.
CREATE FUNCTION pg_temp.attempt(stmt text, who text, actor text DEFAULT NULL,
                                OUT state text, OUT message text, OUT changed text[], OUT settings_kept boolean)
LANGUAGE plpgsql AS $$
DECLARE before jsonb := pg_temp.checksums(); settings text;
BEGIN
    BEGIN
        PERFORM set_config('role', who, true);
        PERFORM set_config('bpm.actor', coalesce(actor, ''), true);
        settings := pg_temp.settings();
        BEGIN
            EXECUTE pg_temp.bind(stmt);
            state := '00000';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
        END;
        settings_kept := pg_temp.settings() IS NOT DISTINCT FROM settings;
        PERFORM set_config('role', 'none', true);
        PERFORM set_config('bpm.actor', '', true);
        SELECT coalesce(array_agg(b.key ORDER BY b.key), '{}') INTO changed
          FROM jsonb_each_text(before) b JOIN jsonb_each_text(pg_temp.checksums()) a USING (key)
         WHERE a.value IS DISTINCT FROM b.value;
        RAISE EXCEPTION USING ERRCODE = 'UNDO0';
    EXCEPTION WHEN SQLSTATE 'UNDO0' THEN
        NULL;
    END;
END $$;

-- What each statement does for the stranger.
--   who         who makes it: sec_stranger, or NULL for the superuser that
--               runs this file (running code that the stranger planted)
--   fn          the function it is for (NULL: a statement on a relation)
--   stmt        {{name}}: the id of a fixture object
--   outcome     the SQLSTATE the stranger gets, 00000 if allowed
--   changes     the tables an allowed statement changes
--   why         why it is refused or allowed (where it is documented)
--   control     who may make the same statement: it works for them
--   uses_actor  naming another user in bpm.actor makes it fail with 42501
--   todo        a hole not closed yet: its test is a TODO test
CREATE TEMP TABLE expected (
    n serial PRIMARY KEY,
    who text DEFAULT 'sec_stranger',
    fn regprocedure,
    stmt text NOT NULL,
    outcome text NOT NULL,
    changes text[] NOT NULL DEFAULT '{}',
    why text NOT NULL,
    control text,
    uses_actor boolean NOT NULL DEFAULT true,
    todo text
);

-- ============================================================== functions
INSERT INTO expected (fn, stmt, outcome, changes, why, control, uses_actor, todo) VALUES
-- harmless, documented so: they read, or act on what is the caller's own
('bpm.now()', 'SELECT bpm.now()', '00000', '{}', 'the engine''s clock: reads nothing', NULL, false, NULL),
('bpm.current_actor()', 'SELECT bpm.current_actor()', '00000', '{}', 'the caller''s own actor', NULL, true, NULL),
('bpm.may_see(bigint)', 'SELECT bpm.may_see({{c}})', '00000', '{}', 'answers false for a case it may not see', NULL, true, NULL),
('bpm.history(bigint)', 'SELECT bpm.history({{c}})', '00000', '{}',
 'no rows of a case it may not see (63_case_visibility)', NULL, true, NULL),
('bpm.history(bigint)', 'SELECT bpm.history({{p}})', '00000', '{}', 'a process with no case above it is readable by all', NULL, true, NULL),
('bpm.verify_events(bigint)', 'SELECT bpm.verify_events({{p}})', '00000', '{}',
 'a process with no case above it is readable by all', NULL, true, NULL),
('bpm.verify_events(bigint)', 'SELECT bpm.verify_events({{c}})', '42501', '{}',
 'a case and its events are seen by its participants only (README, Security model)', 'sec_owner', true, NULL),
('bpm.verify_state(bigint)', 'SELECT bpm.verify_state({{p}})', '00000', '{}',
 'a process with no case above it is readable by all', NULL, true, NULL),
('bpm.verify_state(bigint)', 'SELECT bpm.verify_state({{c}})', '42501', '{}',
 'a case and its state are seen by its participants only (README, Security model)', 'sec_owner', true, NULL),
('bpm.bpmn_error(text,text)', 'SELECT bpm.bpmn_error(''X'', ''from a stranger'')', 'BPMNE', '{}',
 'raises the BPMN error, always (docs/sql-reference.md)', NULL, false, NULL),
('bpm.deploy(jsonb)', $$SELECT bpm.deploy('{"key": "sec_new", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "e", "type": "end_event"}], "flows": [{"from": "s", "to": "e"}]}')$$, '00000', '{definition,event,flow,node}',
 'a new key: any role may deploy (README, Security model); the key is then the caller''s', NULL, true, NULL),
('bpm.deploy(jsonb)', $$SELECT bpm.deploy(source::jsonb) FROM bpm.definition WHERE key = 'sec_flow'$$, '00000', '{}',
 'identical content returns the existing version and writes nothing', NULL, true, NULL),
('bpm.create_task(text,text,text,text[],integer,timestamp with time zone,bigint,text[],timestamp with time zone,text)',
 'SELECT bpm.create_task(''The stranger''''s own'')', '00000', '{event,task_store}', 'a free task of one''s own', NULL, true, NULL),
('bpm.create_board(text,text[])', 'SELECT bpm.create_board(''sec_mine'', ARRAY[''a'', ''b''])', '00000',
 '{board_column,event,task_board}', 'a board of one''s own', NULL, true, NULL),
('bpm.open_case(text,jsonb,text)', 'SELECT bpm.open_case(''sec_simple'')', '00000',
 '{actor_group,case_role,event,instance,plan_item,task_store}', 'a case of one''s own: its opener is its owner', NULL, true, NULL),
('bpm.run_jobs(integer)', 'SELECT bpm.run_jobs()', '00000', '{}',
 'runs only what is due, as the engine would (README, Security model); nothing is due', NULL, true, NULL),
('bpm.fetch_and_lock(text,text,integer,interval)', 'SELECT bpm.fetch_and_lock(''sec_topic'', ''sec_stranger'')', '00000', '{}',
 'any role may fetch jobs (README, Security model); the only job of the topic is locked by another worker', NULL, true, NULL),
-- open to every role until the rights model of the next issue (README,
-- Security model: "any role may deploy, start, cancel, complete, fetch
-- jobs and retry incidents"); the tasks for anyone are anyone's
('bpm.start(text,jsonb,text)', 'SELECT bpm.start(''sec_flow'')', '00000', '{event,instance,job,task_store,token}',
 'any role may start (README, Security model)', NULL, true, NULL),
('bpm.cancel(bigint,text)', 'SELECT bpm.cancel({{p}}, ''by a stranger'')', '00000', '{event,instance,job,task_store,token}',
 'any role may cancel a process with no case above it (README, Security model)', NULL, true, NULL),
('bpm.escalate_to_case(bigint,text,text)', 'SELECT bpm.escalate_to_case({{p}}, ''sec_simple'', ''by a stranger'')', '00000',
 '{actor_group,case_role,event,instance,job,plan_item,task_store,token}',
 'as bpm.cancel: any role may end a process with no case above it (README, Security model)', NULL, true, NULL),
('bpm.retry_incident(bigint,integer)', 'SELECT bpm.retry_incident({{incident}})', '00000', '{event,instance,job}',
 'any role may retry an incident of a process with no case above it (README, Security model)', NULL, true, NULL),
('bpm.complete_job(bigint,text,jsonb)', 'SELECT bpm.complete_job({{job}}, ''sec_runner'')', '00000', '{event,instance,job,token}',
 'a worker is a name, not a role: any role may report as the worker that locked the job (README, Security model: per-topic rights come later)',
 NULL, true, NULL),
('bpm.fail_job(bigint,text,text,interval)', 'SELECT bpm.fail_job({{job}}, ''sec_runner'', ''from a stranger'')', '00000',
 '{event,instance,job}', 'as bpm.complete_job: the worker is a name', NULL, true, NULL),
('bpm.throw_error(bigint,text,text,text)', 'SELECT bpm.throw_error({{job}}, ''sec_runner'', ''X'')', '00000',
 '{event,instance,job}', 'as bpm.complete_job: the worker is a name', NULL, true, NULL),
('bpm.claim(bigint)', 'SELECT bpm.claim({{open}})', '00000', '{event,instance,task_store}',
 'a task with no assignee and no candidate groups is anyone''s (docs/concepts.md, Tasks)', NULL, true, NULL),
('bpm.assign(bigint,text)', 'SELECT bpm.assign({{open}}, ''sec_stranger'')', '00000', '{event,instance,task_store}',
 'to claim a task that is anyone''s', NULL, true, NULL),
('bpm.complete_task(bigint,jsonb)', 'SELECT bpm.complete_task({{open}})', '00000', '{event,instance,task_store,token}',
 'a task that is anyone''s', NULL, true, NULL),
('bpm.comment(bigint,text)', 'SELECT bpm.comment({{review}}, ''from a stranger'')', '00000', '{comment,event,instance}',
 'whoever may see a task may comment on it (docs/concepts.md, Comments)', NULL, true, NULL),
('bpm.create_task(text,text,text,text[],integer,timestamp with time zone,bigint,text[],timestamp with time zone,text)',
 'SELECT bpm.create_task(''A subtask'', parent_task_id => {{open}})', '00000', '{event,task_store}',
 'who may work a task may add a subtask to it, and anyone may work this one', NULL, true, NULL),
('bpm.create_task(text,text,text,text[],integer,timestamp with time zone,bigint,text[],timestamp with time zone,text)',
 'SELECT bpm.create_task(''On their board'', assignee => ''sec_assignee'', board => ''sec_board'')', '00000',
 '{board_card,event,task_store}', 'a free task for anyone, on any board: boards and worklists belong to no one', NULL, true, NULL),
('bpm.move_task(bigint,text,integer,text,jsonb)', 'SELECT bpm.move_task({{open}}, ''todo'', board => ''sec_board'')', '00000',
 '{board_card,event,instance}', 'who may work a task may move its card', NULL, true, NULL),
-- refused: what belongs to someone else
('bpm.act_as(text)', 'SELECT bpm.act_as(''sec_assignee'')', '42501', '{}',
 'EXECUTE is revoked from PUBLIC: the right to act for others', 'sec_operator', false, NULL),
('bpm.act_as(text)', 'SELECT bpm.act_as(''sec_stranger'')', '42501', '{}',
 'even naming oneself: EXECUTE is revoked from PUBLIC', 'sec_operator', false, NULL),
('bpm.complete_task(bigint,jsonb)', 'SELECT bpm.complete_task({{review}}, ''{"approved": true}'')', '42501', '{}',
 'an assigned task is its assignee''s', 'sec_assignee', true, NULL),
('bpm.complete_task(bigint,jsonb)', 'SELECT bpm.complete_task({{pick}})', '42501', '{}',
 'an unassigned task with candidate groups is their members''', 'sec_assignee', true, NULL),
('bpm.complete_task(bigint,jsonb)', 'SELECT bpm.complete_task({{free_deleg}})', '42501', '{}',
 'a delegated task is its delegate''s', 'sec_assignee', true, NULL),
('bpm.claim(bigint)', 'SELECT bpm.claim({{pick}})', '42501', '{}', 'not in its candidate groups', 'sec_assignee', true, NULL),
('bpm.claim(bigint)', 'SELECT bpm.claim({{review}})', '55000', '{}', 'claimed by someone else', NULL, true, NULL),
('bpm.unclaim(bigint)', 'SELECT bpm.unclaim({{review}})', '42501', '{}', 'only the assignee unclaims', 'sec_assignee', true, NULL),
('bpm.assign(bigint,text)', 'SELECT bpm.assign({{review}}, ''sec_stranger'')', '42501', '{}',
 'only the assignee or an operator hands a task on', 'sec_assignee', true, NULL),
('bpm.assign(bigint,text)', 'SELECT bpm.assign({{open}}, ''sec_assignee'')', '42501', '{}',
 'assigning a task to someone else is for operators', 'sec_operator', true, NULL),
('bpm.delegate(bigint,text)', 'SELECT bpm.delegate({{review}}, ''sec_stranger'')', '42501', '{}',
 'only the assignee or an operator delegates', 'sec_assignee', true, NULL),
('bpm.create_task(text,text,text,text[],integer,timestamp with time zone,bigint,text[],timestamp with time zone,text)',
 'SELECT bpm.create_task(''A subtask'', parent_task_id => {{review}})', '42501', '{}',
 'a subtask holds up its parent: only who may work the parent adds one', 'sec_assignee', true, NULL),
('bpm.create_task(text,text,text,text[],integer,timestamp with time zone,bigint,text[],timestamp with time zone,text)',
 'SELECT bpm.create_task(''A subtask'', parent_task_id => {{free}})', '42501', '{}',
 '... nor of a free task', 'sec_owner', true, NULL),
('bpm.move_task(bigint,text,integer,text,jsonb)', 'SELECT bpm.move_task({{free}}, ''done'')', '42501', '{}',
 'who may not work a task may not move its card (to the final column: complete it)', 'sec_assignee', true, NULL),
('bpm.move_task(bigint,text,integer,text,jsonb)', 'SELECT bpm.move_task({{review}}, ''todo'', board => ''sec_board'')', '42501', '{}',
 '... nor put it on a board', 'sec_assignee', true, NULL),
('bpm.create_board(text,text[])', 'SELECT bpm.create_board(''sec_board'', ARRAY[''a'', ''b''])', '42710', '{}',
 'the name is taken', NULL, true, NULL),
('bpm.complete_job(bigint,text,jsonb)', 'SELECT bpm.complete_job({{job}}, ''sec_stranger'')', '42501', '{}',
 'locked by another worker', NULL, true, NULL),
('bpm.fail_job(bigint,text,text,interval)', 'SELECT bpm.fail_job({{job}}, ''sec_stranger'', ''x'')', '42501', '{}',
 'locked by another worker', NULL, true, NULL),
('bpm.throw_error(bigint,text,text,text)', 'SELECT bpm.throw_error({{job}}, ''sec_stranger'', ''X'')', '42501', '{}',
 'locked by another worker', NULL, true, NULL),
-- what belongs to a case the stranger may not see: every function that
-- acts on one refuses (63_case_visibility checks the messages)
('bpm.update_case(bigint,jsonb)', 'SELECT bpm.update_case({{c}}, ''{"x": 1}'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.start_item(bigint,text)', 'SELECT bpm.start_item({{c}}, ''man'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.plan_item(bigint,text)', 'SELECT bpm.plan_item({{c}}, ''d'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.trigger_listener(bigint,text)', 'SELECT bpm.trigger_listener({{c}}, ''ul'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.disable_item(bigint,text)', 'SELECT bpm.disable_item({{c}}, ''man'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.reenable_item(bigint,text)', 'SELECT bpm.reenable_item({{c}}, ''man2'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.suspend_item(bigint,text)', 'SELECT bpm.suspend_item({{c}}, ''h'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.resume_item(bigint,text)', 'SELECT bpm.resume_item({{c}}, ''hs'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.complete_stage(bigint,text)', 'SELECT bpm.complete_stage({{c}}, ''st'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.close_case(bigint,text)', 'SELECT bpm.close_case({{c}}, ''by a stranger'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.reopen_case(bigint,text)', 'SELECT bpm.reopen_case({{closed}}, ''by a stranger'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.cancel(bigint,text)', 'SELECT bpm.cancel({{c}}, ''by a stranger'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.cancel(bigint,text)', 'SELECT bpm.cancel({{sub}}, ''by a stranger'')', '42501', '{}', 'a process below a case it may not see', 'sec_owner', true, NULL),
('bpm.add_task(bigint,text,text,text[],integer,interval)', 'SELECT bpm.add_task({{c}}, ''For the stranger'')', '42501', '{}',
 'a case it may not see', 'sec_owner', true, NULL),
('bpm.comment_case(bigint,text)', 'SELECT bpm.comment_case({{c}}, ''from a stranger'')', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.comment(bigint,text)', 'SELECT bpm.comment({{h}}, ''from a stranger'')', '42501', '{}', 'a task of a case it may not see', 'sec_owner', true, NULL),
('bpm.grant_case_role(bigint,text,text)', 'SELECT bpm.grant_case_role({{c}}, ''helper'', ''sec_stranger'')', '42501', '{}',
 'a case it may not see', 'sec_owner', true, NULL),
('bpm.revoke_case_role(bigint,text,text)', 'SELECT bpm.revoke_case_role({{c}}, ''helper'', ''sec_assignee'')', '42501', '{}',
 'a case it may not see', 'sec_owner', true, NULL),
('bpm.attach(bigint,text,bytea,text)', 'SELECT bpm.attach({{c}}, ''from a stranger'', ''x'')', '42501', '{}',
 'a case it may not see', 'sec_owner', true, NULL),
('bpm.attach_url(bigint,text,text,text)', 'SELECT bpm.attach_url({{c}}, ''from a stranger'', ''https://example.com/x'')', '42501', '{}',
 'a case it may not see', 'sec_owner', true, NULL),
('bpm.link_cases(bigint,bigint,text)', 'SELECT bpm.link_cases({{c}}, {{closed}})', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.unlink_cases(bigint,bigint)', 'SELECT bpm.unlink_cases({{c}}, {{c2}})', '42501', '{}', 'a case it may not see', 'sec_owner', true, NULL),
('bpm.fetch_and_lock(text,text,integer,interval)', 'SELECT bpm.fetch_and_lock(''sec_case_topic'', ''sec_stranger'')',
 '00000', '{}', 'a job below a case it may not see is not fetched for it (README, Security model: jobs belong to their case)', 'sec_owner', true,
 'fetch_and_lock locks and returns a job below a case the caller may not see'),
('bpm.complete_job(bigint,text,jsonb)', 'SELECT bpm.complete_job({{case_job}}, ''sec_runner'', ''{"from": "a stranger"}'')', '42501', '{}',
 'a job below a case it may not see (README, Security model: jobs belong to their case)', 'sec_owner', true,
 'complete_job completes a job below a case the caller may not see, merges its data and moves the case on'),
('bpm.fail_job(bigint,text,text,interval)', 'SELECT bpm.fail_job({{case_job}}, ''sec_runner'', ''from a stranger'')', '42501', '{}',
 'a job below a case it may not see', 'sec_owner', true, 'fail_job fails a job below a case the caller may not see'),
('bpm.throw_error(bigint,text,text,text)', 'SELECT bpm.throw_error({{case_job}}, ''sec_runner'', ''X'')', '42501', '{}',
 'a job below a case it may not see', 'sec_owner', true, 'throw_error reports on a job below a case the caller may not see'),
-- trigger functions, called directly
('bpm.task_update()', 'SELECT bpm.task_update()', '39P01', '{}', 'a trigger function, called directly', NULL, false,
 NULL),
('bpm.task_refuse_write()', 'SELECT bpm.task_refuse_write()', '39P01', '{}', 'a trigger function, called directly', NULL, false,
 NULL),
('bpm.case_update()', 'SELECT bpm.case_update()', '39P01', '{}', 'a trigger function, called directly', NULL, false,
 NULL),
('bpm.event_guard()', 'SELECT bpm.event_guard()', '39P01', '{}', 'a trigger function, called directly', NULL, false,
 NULL),
('bpm.job_wake_scheduler()', 'SELECT bpm.job_wake_scheduler()', '39P01', '{}', 'a trigger function, called directly', NULL, false,
 NULL),
('bpm.runtime_guard()', 'SELECT bpm.runtime_guard()', '39P01', '{}', 'a trigger function, called directly', NULL, false,
 NULL),
('bpm.instance_refuse_new_family()', 'SELECT bpm.instance_refuse_new_family()', '0A000', '{}',
 'a trigger function (PL/pgSQL), called directly', NULL, false, NULL),
-- the holes of issue 10, section 1
('bpm.start(text,jsonb,text)', 'SELECT bpm.start(''sec_script'')', '00000', '{event,instance}',
 'hole 2: the deployer''s script changes four settings; they end with its step, and the stranger''s session keeps its own', NULL, true, NULL),
('bpm.start(text,jsonb,text)', 'SELECT bpm.start(''sec_gone'')', '42704', '{}',
 'hole 5: the role that deployed the script was dropped: its code does not run', NULL, true, NULL),
('bpm.deploy(jsonb)', $$SELECT bpm.deploy('{"key": "sec_flow", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "e", "type": "end_event"}], "flows": [{"from": "s", "to": "e"}]}')$$, '42501', '{}',
 'hole 4: a new version of a key is for the role that deployed its first version, its members and operators',
 'sec_deployer', true, NULL),
('bpm.deploy(jsonb)', $$SELECT bpm.deploy('{"key": "sec_ext", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "e", "type": "end_event"}], "flows": [{"from": "s", "to": "e"}]}')$$, '42501', '{}',
 'hole 4: ... such as the process a case''s process task names', 'sec_deployer', true, NULL),
('bpm.deploy(jsonb)', $$SELECT bpm.deploy('{"key": "sec_simple", "kind": "case", "plan": [{"id": "y", "type": "human_task"}]}')$$,
 '42501', '{}', 'hole 4: ... or a case definition', 'sec_deployer', true, NULL);

-- The stranger's code, run by the superuser: the step fails and nothing
-- of it remains; an SQL service task's job fails (and is retried).
INSERT INTO expected (who, fn, stmt, outcome, changes, why) VALUES
(NULL, 'bpm.start(text,jsonb,text)', $$SELECT bpm.start('mal_script', '{"statement": "SET LOCAL ROLE %I"}')$$, '42501', '{}',
 'planted: code may not SET ROLE to the session''s role: it runs as its deployer (as a SECURITY DEFINER function)'),
(NULL, 'bpm.start(text,jsonb,text)', $$SELECT bpm.start('mal_script', '{"statement": "SET SESSION AUTHORIZATION %I"}')$$,
 '42501', '{}', 'planted: ... nor SET SESSION AUTHORIZATION'),
(NULL, 'bpm.start(text,jsonb,text)', $$SELECT bpm.start('mal_script', '{"statement": "RESET ROLE"}')$$, '42501', '{}',
 'planted: ... nor RESET ROLE'),
(NULL, 'bpm.start(text,jsonb,text)',
 $$SELECT bpm.start('mal_script', jsonb_build_object('statement', 'SELECT bpm.act_as(''sec_owner'')'))$$, '42501', '{}',
 'planted: code may act for others only if its deployer may'),
(NULL, 'bpm.start(text,jsonb,text)',
 $$SELECT bpm.start('mal_script', jsonb_build_object('statement',
                                                    'SELECT bpm.grant_case_role({{c}}, ''owner'', ''sec_stranger'')'))$$,
 '42501', '{}', 'planted: code acts as its deployer, who may not see the case, whoever runs it'),
(NULL, 'bpm.run_jobs(integer)', $$SELECT bpm.start('mal_service', '{"statement": "SET LOCAL ROLE %I"}'), bpm.run_jobs()$$,
 '00000', '{event,instance,job,token}',
 'planted: an SQL service task that tries SET ROLE: its job fails, and only the start and the failure are written');

SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'bpm'::regnamespace
                EXCEPT SELECT fn::text FROM expected ORDER BY 1), '{}',
    'functions: every function of schema bpm has a row in expected (add one for a new function)');
SELECT is(ARRAY(SELECT stmt FROM expected e WHERE fn IS NOT NULL
                   AND stmt !~ ('bpm\.' || (SELECT proname FROM pg_proc WHERE oid = e.fn) || '\(')), '{}',
    'functions: each row calls its function');

-- ============================================================== relations
-- PUBLIC's write privileges, as a role granted nothing has them.
SELECT set_eq(
    $$SELECT c.relname::text, p.priv, a.attname::text
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'REFERENCES']) p(priv)
       WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind IN ('r', 'p', 'v')
         AND has_column_privilege('sec_stranger', c.oid, a.attnum, p.priv)
      UNION ALL
      SELECT c.relname::text, p.priv, NULL
        FROM pg_class c CROSS JOIN unnest(ARRAY['DELETE', 'TRUNCATE', 'TRIGGER']) p(priv)
       WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind IN ('r', 'p', 'v')
         AND has_table_privilege('sec_stranger', c.oid, p.priv)
      UNION ALL
      SELECT c.relname::text, p.priv, NULL
        FROM pg_class c CROSS JOIN unnest(ARRAY['USAGE', 'UPDATE']) p(priv)
       WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind = 'S'
         AND has_sequence_privilege('sec_stranger', c.oid, p.priv)
      UNION ALL
      SELECT 'schema bpm', 'CREATE', NULL WHERE has_schema_privilege('sec_stranger', 'bpm', 'CREATE')$$,
    $$VALUES ('task', 'UPDATE', 'status'), ('task', 'UPDATE', 'output'), ('task', 'UPDATE', 'assignee'),
             ('task', 'UPDATE', 'priority'), ('task', 'UPDATE', 'due_at'), ('task', 'UPDATE', 'labels'),
             ('task', 'UPDATE', 'follow_up_at'), ('cases', 'UPDATE', 'data')$$,
    'relations: a role granted nothing may write the documented columns only: seven of bpm.task, bpm.cases.data');

-- Every table and view: each kind of write, and a row lock, refused
-- (by PostgreSQL's privileges, or before them for a view that cannot be
-- written, or a column that only the identity writes); every sequence.
INSERT INTO expected (stmt, outcome, why, uses_actor)
SELECT format(w.stmt, c.oid::regclass,
              (SELECT attname FROM pg_attribute
                WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped AND attidentity = '' AND attgenerated = ''
                ORDER BY attnum LIMIT 1)),
       CASE WHEN c.relkind = 'v' AND w.event IS NOT NULL AND NOT pg_relation_is_updatable(c.oid, true) & w.event > 0
            THEN '55000' ELSE '42501' END,
       CASE WHEN c.relkind = 'v' AND w.event IS NOT NULL AND NOT pg_relation_is_updatable(c.oid, true) & w.event > 0
            THEN 'a view that cannot be written' ELSE w.why END,
       false
  FROM pg_class c
  JOIN (VALUES ('INSERT INTO %s DEFAULT VALUES', 8, 'no INSERT privilege', '{r,p,v}'),
               ('UPDATE %s SET %2$I = %2$I', 4, 'no UPDATE privilege on this column', '{r,p,v}'),
               ('DELETE FROM %s', 16, 'no DELETE privilege', '{r,p,v}'),
               ('SELECT FROM %s FOR KEY SHARE', NULL, 'a row lock needs UPDATE privilege on the tables below', '{r,p,v}'),
               ('TRUNCATE %s', NULL, 'no TRUNCATE privilege', '{r,p}'),
               ('SELECT nextval(%L)', NULL, 'no USAGE privilege on the sequence', '{S}'),
               ('SELECT setval(%L, 1)', NULL, 'no UPDATE privilege on the sequence', '{S}')) w(stmt, event, why, kinds)
    ON c.relkind::text = ANY (w.kinds::text[])
 WHERE c.relnamespace = 'bpm'::regnamespace
 ORDER BY c.relname, w.stmt;

-- The columns PUBLIC may update, on rows that are someone else's.
INSERT INTO expected (stmt, outcome, why, control, uses_actor, todo) VALUES
('UPDATE bpm.task SET output = ''{"approved": true}'' WHERE id = {{review}}', '42501',
 'hole 3: the output of a task is written by who may complete it, or an operator', 'sec_assignee', true, NULL),
('UPDATE bpm.task SET output = ''{"approved": true}'' WHERE id = {{free_deleg}}', '42501',
 'hole 3: ... a delegated task''s by its delegate', 'sec_assignee', true, NULL),
('UPDATE bpm.task SET status = ''completed'' WHERE id = {{review}}', '42501', 'an assigned task is its assignee''s', 'sec_assignee', true, NULL),
('UPDATE bpm.task SET status = ''cancelled'' WHERE id = {{review}}', '42501', 'a process task is cancelled with its instance', NULL, true, NULL),
('UPDATE bpm.task SET assignee = ''sec_stranger'' WHERE id = {{review}}', '42501', 'only the assignee or an operator hands it on', 'sec_assignee', true, NULL),
('UPDATE bpm.task SET priority = 99 WHERE id = {{review}}', '42501', 'only the assignee or an operator reschedules', 'sec_assignee', true, NULL),
('UPDATE bpm.task SET due_at = NULL WHERE id = {{review}}', '42501', 'only the assignee or an operator reschedules', 'sec_assignee', true, NULL),
('UPDATE bpm.task SET labels = ''{urgent}'' WHERE id = {{review}}', '42501', 'only the assignee or an operator relabels', 'sec_assignee', true, NULL),
('UPDATE bpm.task SET follow_up_at = ''2030-02-01'' WHERE id = {{review}}', '42501', 'only the assignee or an operator reschedules', 'sec_assignee', true, NULL),
('UPDATE bpm.task SET assignee = ''sec_stranger'', status = ''completed'' WHERE id = {{pick}}', '42501',
 'claiming and completing in one statement: the claim is refused', NULL, true, NULL),
('UPDATE bpm.task SET output = ''{"x": 1}''', '42501', 'every task at once: refused at the first that is not its', NULL, true, NULL),
('UPDATE bpm.task SET status = status, output = output, assignee = assignee, priority = priority WHERE id = {{review}}', '00000',
 'changing nothing: no event, nothing written', NULL, true, NULL),
('UPDATE bpm.task SET status = NULL WHERE id = {{review}}', '23502',
 'a NULL status is refused, before anything (it crashed the server, any role could send it: 55_task_update_edges)', NULL, true, NULL),
('UPDATE bpm.task SET output = ''[1]'' WHERE id = {{open}}', '22023',
 'an output is a JSON object (docs/concepts.md, Tasks: the rules checked on completion)', NULL, true, NULL),
('UPDATE bpm.task SET priority = 99 WHERE id = {{open}}', '42501', 'rescheduling a task that is not one''s own is for operators', 'sec_operator', true, NULL),
('UPDATE bpm.task SET status = ''completed'' WHERE id = {{h}}', '00000',
 'row-level security: the UPDATE finds no task of a case it may not see, and changes nothing', 'sec_assignee', true, NULL),
('UPDATE bpm.cases SET data = data || ''{"x": 1}'' WHERE id = {{c}}', '00000',
 'row-level security: the UPDATE finds no case it may not see, and changes nothing', 'sec_owner', true, NULL),
-- DDL on schema bpm
('CREATE TABLE bpm.sec_x ()', '42501', 'no CREATE on schema bpm', NULL, false, NULL),
('CREATE OR REPLACE FUNCTION bpm.now() RETURNS timestamptz LANGUAGE sql AS ''SELECT now()''', '42501',
 'replacing a function of the engine: no CREATE on schema bpm', NULL, false, NULL),
('ALTER TABLE bpm.instance DISABLE ROW LEVEL SECURITY', '42501', 'not the owner', NULL, false, NULL),
('CREATE POLICY sec_all ON bpm.instance USING (true)', '42501', 'not the owner', NULL, false, NULL),
('DROP TRIGGER task_update ON bpm.task', '42501', 'not the owner', NULL, false, NULL),
('CREATE TRIGGER sec_t BEFORE INSERT ON bpm.job FOR EACH ROW EXECUTE FUNCTION bpm.job_wake_scheduler()', '42501',
 'no TRIGGER privilege', NULL, false, NULL),
('ALTER FUNCTION bpm.now() SET search_path = sec', '42501', 'not the owner', NULL, false, NULL),
('COMMENT ON TABLE bpm.instance IS ''mine''', '42501', 'not the owner', NULL, false, NULL);
INSERT INTO expected (stmt, outcome, changes, why) VALUES
('UPDATE bpm.task SET output = ''{"draft": true}'' WHERE id = {{open}}', '00000', '{event,instance,task_store}',
 'a task that is anyone''s: anyone may save its output as a draft (docs/concepts.md, Tasks)');

-- ============================================================== settings
-- Every setting of pg_bpm, set by the stranger to the value it has.
CREATE TEMP TABLE setting_rules (name text PRIMARY KEY, outcome text NOT NULL, why text NOT NULL);
INSERT INTO setting_rules VALUES
('bpm.actor', '00000', 'any session may set it; naming another user is refused where the actor is used (act as, below)'),
('pg_bpm.mock_now', '42501', 'the engine''s clock: superusers only (or GRANT SET)'),
('pg_bpm.max_job_workers', '55P02', 'server-wide (sighup)'),
('pg_bpm.naptime', '55P02', 'server-wide (sighup)'),
('pg_bpm.scheduler', '55P02', 'server-wide (sighup)');
SELECT set_eq($$SELECT name FROM pg_settings WHERE name ~ '^(pg_)?bpm\.'$$, 'SELECT name FROM setting_rules',
    'settings: every setting of pg_bpm has an expectation');
INSERT INTO expected (stmt, outcome, why, uses_actor)
SELECT format('SELECT set_config(%L, %L, false)', r.name, s.setting), r.outcome, r.why, false
  FROM setting_rules r JOIN pg_settings s USING (name) ORDER BY r.name;
SELECT throws_ok('SET pg_bpm.sec_invented = 1', '42602', NULL, 'settings: the prefix pg_bpm is reserved: no invented setting');

-- ============================================================== the attempts
-- One line per statement, for the descriptions.
CREATE FUNCTION pg_temp.line(stmt text) RETURNS text LANGUAGE sql AS $$
    SELECT regexp_replace(stmt, '\s+', ' ', 'g')
$$;
-- What an attempt did, or should have done: "<SQLSTATE>, changed <tables>".
CREATE FUNCTION pg_temp.outcome(state text, changed text[]) RETURNS text LANGUAGE sql AS $$
    SELECT format('%s, changed %s', state, changed)
$$;
-- One test of an attempt: a TODO test for a hole still open, and the
-- error when it is not the one expected.
CREATE FUNCTION pg_temp.judged(have text, want text, message text, hole text, description text)
RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    IF hole IS NOT NULL THEN
        PERFORM todo(hole, 1);
    END IF;
    RETURN NEXT is(have, want, description);
    IF have IS DISTINCT FROM want AND message IS NOT NULL THEN
        RETURN NEXT diag(message);
    END IF;
END $$;
-- Each statement, three times:
--   the stranger   its SQLSTATE and the tables it changed, as expected;
--                  an allowed one leaves the session's settings as they
--                  were (a row with who NULL is run by the superuser)
--   control        a refusal proves something only if the same
--                  statement works for who may make it (and, for one
--                  that finds no row, finds one for them)
--   act as         the stranger names sec_assignee in bpm.actor: what
--                  uses the actor refuses, and changes nothing; the rest
--                  answers as it did
CREATE FUNCTION pg_temp.try_all() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE e expected; a record;
BEGIN
    FOR e IN SELECT * FROM expected ORDER BY n LOOP
        a := pg_temp.attempt(e.stmt, coalesce(e.who, session_user));
        RETURN QUERY SELECT pg_temp.judged(
            pg_temp.outcome(a.state, a.changed), pg_temp.outcome(e.outcome, e.changes), a.message, e.todo,
            format('%s%s: %s (%s)', CASE WHEN e.who IS NULL THEN 'by the superuser: ' END, pg_temp.line(e.stmt),
                   CASE WHEN e.outcome <> '00000' THEN format('refused, %s, nothing changed', e.outcome)
                        WHEN e.changes = '{}' THEN 'allowed, nothing changed'
                        ELSE format('allowed, changes %s only', array_to_string(e.changes, ', ')) END,
                   e.why));
        IF e.outcome = '00000' THEN
            RETURN NEXT ok(a.settings_kept, '... and left the session''s settings as they were');
        END IF;

        IF e.control IS NOT NULL THEN
            a := pg_temp.attempt(e.stmt, e.control);
            RETURN QUERY SELECT pg_temp.judged(a.state, '00000', a.message, NULL,
                                               format('... control: it works for %s', e.control));
            IF e.outcome = '00000' THEN
                RETURN NEXT isnt(a.changed, '{}'::text[], '... control: and changes something');
            END IF;
        END IF;

        CONTINUE WHEN e.who IS DISTINCT FROM 'sec_stranger';
        a := pg_temp.attempt(e.stmt, 'sec_stranger', 'sec_assignee');
        IF e.uses_actor THEN
            RETURN QUERY SELECT pg_temp.judged(
                pg_temp.outcome(a.state, a.changed) || ': ' || coalesce(a.message, ''),
                '42501, changed {}: role "sec_stranger" may not act as "sec_assignee"', NULL, NULL,
                '... act as: naming sec_assignee in bpm.actor, refused, nothing changed');
        ELSE
            RETURN QUERY SELECT pg_temp.judged(
                pg_temp.outcome(a.state, a.changed), pg_temp.outcome(e.outcome, e.changes), a.message, e.todo,
                '... act as: naming sec_assignee in bpm.actor, as without (it does not use the actor)');
        END IF;
    END LOOP;
END $$;
SELECT * FROM pg_temp.try_all();

SELECT * FROM finish();
ROLLBACK;
