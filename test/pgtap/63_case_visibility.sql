-- 63_case_visibility: who may see a case, as contract (src/security/visibility.c,
-- src/sql/95_row_security.sql).
--
--   rule        a case and what belongs to it is seen by its participants,
--               each for a reason of their own: the opener (an owner), the
--               holder of another role, a member of a candidate group of
--               an open task (no longer once someone else completed it),
--               the assignee, the completer (still after), the owner of a
--               delegated task (and the delegate); a stranger sees none of
--               it, and bpm.may_see says the same
--   stranger    zero rows of the case (and of what it started) in every
--               table with a policy and in every view and bpm.history,
--               where the owner sees some
--   refusals    every API function that acts on a case, on a task of one
--               or on an instance below one refuses a stranger with 42501
--               and the exact message; UPDATE bpm.cases and UPDATE bpm.task
--               update nothing; nothing changed
--   below       a process or case that a case started is seen by the
--               case's participants; who works only in the child sees the
--               child, not the case (its history shows them the child's
--               events only); a case opened by escalation from a process:
--               the process stays visible to all, the case not, nor its
--               events in the process's history
--   open        free tasks and processes with no case above them are seen
--               by every role
--   operators   the superuser and a member of the owner of schema bpm see
--               everything and may act on any case
--   changes     the answer follows roles granted and revoked between the
--               statements of one transaction, in a savepoint rolled back,
--               and between the statements of one function (bpm.may_see
--               keeps its answers for one snapshot; the race with another
--               session is test/isolation/specs/case_visibility_race.spec)
--   links       link_cases refuses when either end is not visible; the
--               row of a link is in bpm.case_link for who sees one end,
--               but bpm.case_links shows the link only to who sees both
--   many        a query over 150 cases (past the point where bpm.may_see
--               reads the actor's participation as one set) sees, for a
--               role holder, a candidate, a completer, the owner of a
--               delegated task and a stranger, exactly what bpm.may_see
--               answers for each case alone and what the rule says
--
-- The superuser that runs this file is an operator: row-level security
-- does not apply to it (it owns the tables) and bpm.may_see is true for it.
-- Everything else runs as plain roles named after the actors they play,
-- with bpm.actor unset, so that the actor is the role. Runs in its own
-- database (test/run), in one transaction; ids are kept by name in ids.
BEGIN;
SELECT no_plan();
\ir helpers.psql
SET LOCAL TimeZone = 'UTC';
SET LOCAL pg_bpm.mock_now = '2030-01-01 09:00:00+00';
RESET bpm.actor;

CREATE ROLE vis_owner NOLOGIN;          -- opens the cases
CREATE ROLE vis_member NOLOGIN;         -- holds the role "helper"
CREATE ROLE vis_candidate NOLOGIN;      -- in group vis_grp of task t
CREATE ROLE vis_completer NOLOGIN;      -- in group vis_grp2 of task t, completes it
CREATE ROLE vis_assignee NOLOGIN;       -- assigned an ad-hoc task
CREATE ROLE vis_delegator NOLOGIN;      -- delegates the ad-hoc task assigned to them
CREATE ROLE vis_delegate NOLOGIN;       -- ... to this one
CREATE ROLE vis_child_worker NOLOGIN;   -- assigned the task of the child process
CREATE ROLE vis_stranger NOLOGIN;       -- no part in the case
CREATE ROLE vis_late NOLOGIN;           -- gets a role and loses it again
CREATE ROLE vis_op NOLOGIN;             -- made a member of the owner of schema bpm
INSERT INTO bpm.actor_group VALUES ('vis_candidate', 'vis_grp'), ('vis_completer', 'vis_grp2'),
                                   ('vis_owner', 'vis_owners');

GRANT SELECT, INSERT ON ids TO PUBLIC;
-- What the current role sees of an instance.
CREATE FUNCTION pg_temp.sees(c bigint) RETURNS text LANGUAGE sql AS $$
    SELECT format('may_see=%s instance=%s cases=%s processes=%s plan=%s case_plan=%s task_store=%s tasks=%s '
                  'roles=%s events=%s history=%s comments=%s documents=%s jobs=%s tokens=%s',
        bpm.may_see(c),
        (SELECT count(*) FROM bpm.instance WHERE id = c),
        (SELECT count(*) FROM bpm.cases WHERE id = c),
        (SELECT count(*) FROM bpm.processes WHERE id = c),
        (SELECT count(*) FROM bpm.plan_item WHERE case_id = c),
        (SELECT count(*) FROM bpm.case_plan WHERE case_id = c),
        (SELECT count(*) FROM bpm.task_store WHERE instance_id = c),
        (SELECT count(*) FROM bpm.tasks WHERE instance_id = c),
        (SELECT count(*) FROM bpm.case_role WHERE case_id = c),
        (SELECT count(*) FROM bpm.event WHERE instance_id = c),
        (SELECT count(*) FROM bpm.history(c)),
        (SELECT count(*) FROM bpm.comment WHERE instance_id = c),
        (SELECT count(*) FROM bpm.document WHERE case_id = c),
        (SELECT count(*) FROM bpm.job WHERE instance_id = c),
        (SELECT count(*) FROM bpm.token WHERE instance_id = c))
$$;
-- What a role sees of an instance (called by the superuser).
CREATE FUNCTION pg_temp.sees_as(who text, c bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE seen text;
BEGIN
    PERFORM set_config('role', who, true);
    seen := pg_temp.sees(c);
    PERFORM set_config('role', 'none', true);
    RETURN seen;
END $$;
-- What a role that may not see it sees.
CREATE FUNCTION pg_temp.nothing() RETURNS text LANGUAGE sql AS $$
    SELECT 'may_see=f instance=0 cases=0 processes=0 plan=0 case_plan=0 task_store=0 tasks=0 '
           'roles=0 events=0 history=0 comments=0 documents=0 jobs=0 tokens=0'
$$;
-- A refusal of the current actor: 42501, "<actor>" may not see <what>.
CREATE FUNCTION pg_temp.refused(stmt text, what text, description text) RETURNS text LANGUAGE sql AS $$
    SELECT throws_ok(stmt, '42501', format('"%s" may not see %s', bpm.current_actor(), what), description)
$$;
-- The rows a statement changed.
CREATE FUNCTION pg_temp.changed(stmt text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE stmt;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- ============================================================== the fixture
-- vis_case has a task for two groups, manual items (one to be disabled),
-- a discretionary item, a user listener, two human tasks (one to be
-- suspended), a stage, a timer listener (a case_timer job), and a process
-- task, a process task whose service call fails (an incident) and a case
-- task, all three started by hand.
SELECT bpm.deploy('{"key": "vis_proc", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "w", "type": "user_task", "assignee": "vis_child_worker"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "w"}, {"from": "w", "to": "e"}]}') > 0 AS deployed;
SELECT bpm.deploy('{"key": "vis_svc", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "call", "type": "service_task", "topic": "vis_topic", "retries": 1}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "call"}, {"from": "call", "to": "e"}]}') > 0 AS deployed;
SELECT bpm.deploy('{"key": "vis_plain", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "u", "type": "user_task"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "u"}, {"from": "u", "to": "e"}]}') > 0 AS deployed;
SELECT bpm.deploy('{"key": "vis_simple", "kind": "case", "roles": ["helper"],
  "plan": [{"id": "x", "type": "human_task"}]}') > 0 AS deployed;
SELECT bpm.deploy('{"key": "vis_case", "kind": "case", "roles": ["helper"], "plan": [
  {"id": "t", "type": "human_task", "candidate_groups": ["vis_grp", "vis_grp2"]},
  {"id": "man", "type": "human_task", "manual": true},
  {"id": "man2", "type": "human_task", "manual": true},
  {"id": "d", "type": "human_task", "discretionary": true},
  {"id": "ul", "type": "user_listener"},
  {"id": "h", "type": "human_task"},
  {"id": "hs", "type": "human_task"},
  {"id": "s", "type": "stage", "items": [{"id": "in", "type": "human_task", "manual": true}]},
  {"id": "tick", "type": "timer_listener", "timer": {"duration": "P1D"}},
  {"id": "sub", "type": "process_task", "process": "vis_proc", "manual": true},
  {"id": "svc", "type": "process_task", "process": "vis_svc", "manual": true},
  {"id": "subcase", "type": "case_task", "case": "vis_simple", "manual": true}]}') > 0 AS deployed;
SELECT bpm.create_board('vis_board', ARRAY['todo', 'done']) > 0 AS created;

SET ROLE vis_owner;
INSERT INTO ids VALUES ('c1', bpm.open_case('vis_case', '{"secret": "s1"}', 'VIS-1'));
INSERT INTO ids VALUES ('c3', bpm.open_case('vis_simple'));
INSERT INTO ids VALUES ('closed', bpm.open_case('vis_simple'));
INSERT INTO ids VALUES ('anyone', bpm.add_task(pg_temp.id('c1'), 'Anyone may work it', due => '1 hour'));
INSERT INTO ids VALUES ('assigned', bpm.add_task(pg_temp.id('c1'), 'For the assignee', 'vis_assignee'));
INSERT INTO ids VALUES ('delegated', bpm.add_task(pg_temp.id('c1'), 'To delegate', 'vis_delegator'));
INSERT INTO ids VALUES ('mine', bpm.add_task(pg_temp.id('c1'), 'The owner''s own', 'vis_owner'));
INSERT INTO ids VALUES ('ours', bpm.add_task(pg_temp.id('c1'), 'For the owners', candidate_groups => '{vis_owners}'));
INSERT INTO ids VALUES ('free', bpm.create_task('A free task'));
INSERT INTO ids VALUES ('plain', bpm.start('vis_plain'));
DO $$
BEGIN
    PERFORM bpm.close_case(pg_temp.id('closed'), 'done');
    PERFORM bpm.grant_case_role(pg_temp.id('c1'), 'helper', 'vis_member');
    PERFORM bpm.start_item(pg_temp.id('c1'), item) FROM unnest(ARRAY['sub', 'svc', 'subcase']) item;
    PERFORM bpm.disable_item(pg_temp.id('c1'), 'man2');
    PERFORM bpm.suspend_item(pg_temp.id('c1'), 'hs');
    PERFORM bpm.comment_case(pg_temp.id('c1'), 'on the case');
    PERFORM bpm.comment(pg_temp.id('anyone'), 'on its task');
    PERFORM bpm.attach(pg_temp.id('c1'), 'scan', 'x');
    PERFORM bpm.link_cases(pg_temp.id('c1'), pg_temp.id('c3'));
END $$;
SET ROLE vis_delegator;
SELECT bpm.delegate(pg_temp.id('delegated'), 'vis_delegate');
RESET ROLE;
INSERT INTO ids SELECT item_id, child_id FROM bpm.plan_item
 WHERE case_id = pg_temp.id('c1') AND item_id IN ('sub', 'svc', 'subcase');
INSERT INTO ids SELECT 't', id FROM bpm.task WHERE instance_id = pg_temp.id('c1') AND node_id = 't';
INSERT INTO ids SELECT 'w', id FROM bpm.task WHERE instance_id = pg_temp.id('sub');
-- The operator puts a case task and the free task on a board, and the
-- service call of the svc child fails for good: an incident.
DO $$
DECLARE job bigint;
BEGIN
    PERFORM bpm.move_task(pg_temp.id('anyone'), 'todo', board => 'vis_board');
    PERFORM bpm.move_task(pg_temp.id('free'), 'todo', board => 'vis_board');
    SELECT id INTO job FROM bpm.fetch_and_lock('vis_topic', 'vis_worker');
    PERFORM bpm.fail_job(job, 'vis_worker', 'the service is down');
END $$;
-- Three hours later the task due in one hour is overdue.
SET LOCAL pg_bpm.mock_now = '2030-01-01 12:00:00+00';

SELECT results_eq(
    $$SELECT i.kind, i.parent_id FROM bpm.instance i, ids WHERE i.id = ids.id AND ids.name IN ('sub', 'svc', 'subcase')
       ORDER BY i.id$$,
    format($$VALUES ('process', %1$s::bigint), ('process', %1$s), ('case', %1$s)$$, pg_temp.id('c1')),
    'fixture: the case started two processes and a case below it');
SELECT results_eq(
    format($$SELECT status, assignee, owner FROM bpm.task WHERE id = %s$$, pg_temp.id('delegated')),
    $$VALUES ('open', 'vis_delegate', 'vis_delegator')$$,
    'fixture: the delegated task is the delegate''s, and the delegator owns it');
SELECT is((SELECT count(*) FROM bpm.incidents WHERE instance_id = pg_temp.id('svc')), 1::bigint,
    'fixture: the failed job of the svc child is an incident');

-- ============================================================== the rule
SELECT pg_temp.sees(pg_temp.id('c1')) AS full \gset
SELECT isnt(:'full', pg_temp.nothing(), 'the operator sees the case');
SELECT doesnt_match(regexp_replace(:'full', ' (processes|tokens)=0', '', 'g'), '=0( |$)',
    '... something of it in each table read (a case has no tokens and is not in bpm.processes)');

SELECT is(pg_temp.sees_as(who, pg_temp.id('c1')), CASE WHEN sees THEN :'full' ELSE pg_temp.nothing() END, what)
  FROM (VALUES ('vis_owner', true, 'the opener (an owner) sees all of the case'),
               ('vis_member', true, 'the holder of another role sees all of it'),
               ('vis_candidate', true, 'a member of a candidate group of an open task sees all of it'),
               ('vis_completer', true, '... so does a member of its other group'),
               ('vis_assignee', true, 'the assignee of a task sees all of it'),
               ('vis_delegator', true, 'the owner of a delegated task sees all of it'),
               ('vis_delegate', true, 'the delegate sees all of it'),
               ('vis_stranger', false, 'a stranger sees nothing of it')) v(who, sees, what);
SELECT is(pg_temp.sees_as('vis_stranger', pg_temp.id('c3')), pg_temp.nothing(), '... nor of the owner''s other case');

-- The member of vis_grp2 completes t (no claim: it is for the group).
SET ROLE vis_completer;
SELECT lives_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('t')), 'the completer completes t');
RESET ROLE;
SELECT results_eq(format($$SELECT status, assignee, completed_by FROM bpm.task WHERE id = %s$$, pg_temp.id('t')),
    $$VALUES ('completed', NULL::text, 'vis_completer')$$,
    't is completed, unassigned, by the completer');
SELECT pg_temp.sees(pg_temp.id('c1')) AS full \gset
SET ROLE vis_completer;
SELECT is(pg_temp.sees(pg_temp.id('c1')), :'full', 'the completer still sees all of the case');
SET ROLE vis_candidate;
SELECT is(pg_temp.sees(pg_temp.id('c1')), pg_temp.nothing(),
    'the other candidate group''s member no longer sees it: the task is not open');
SELECT is(bpm.may_see(pg_temp.id('c1')), false, '... bpm.may_see says so');
RESET ROLE;

-- ============================================================== a stranger sees nothing
-- Every table with a policy, every view, and bpm.history: the rows that
-- belong to the case or to what it started ($1: their ids).
CREATE TEMP TABLE secured (name text PRIMARY KEY, query text NOT NULL);
GRANT SELECT ON secured TO PUBLIC;
INSERT INTO secured
SELECT v.name, format('SELECT count(*) FROM bpm.%I WHERE %I = ANY ($1)', v.name, v.col)
  FROM (VALUES ('instance', 'id'), ('task_store', 'instance_id'), ('token', 'instance_id'),
               ('job', 'instance_id'), ('event', 'instance_id'), ('comment', 'instance_id'),
               ('plan_item', 'case_id'), ('case_role', 'case_id'), ('document', 'case_id'),
               ('cases', 'id'), ('my_cases', 'id'), ('processes', 'id'), ('case_plan', 'case_id'),
               ('task', 'instance_id'), ('tasks', 'instance_id'), ('worklist', 'instance_id'),
               ('my_tasks', 'instance_id'), ('group_tasks', 'instance_id'),
               ('overdue_tasks', 'instance_id'), ('tasks_by_case', 'instance_id'),
               ('sla_breaches', 'instance_id'), ('comments', 'instance_id'),
               ('incidents', 'instance_id'), ('board', 'instance_id')) v(name, col)
UNION ALL
SELECT v.name, format('SELECT count(*) FROM bpm.%I WHERE case_id = ANY ($1) OR linked_case_id = ANY ($1)', v.name)
  FROM (VALUES ('case_link'), ('case_links')) v(name)
UNION ALL
SELECT 'actor_group', $q$SELECT count(*) FROM bpm.actor_group
                         WHERE substring(group_name FROM '^case:([0-9]+):')::bigint = ANY ($1)$q$
UNION ALL
SELECT 'history()', 'SELECT count(*) FROM unnest($1) f(id), bpm.history(f.id)';
SELECT set_eq($$SELECT name FROM secured WHERE name <> 'history()'$$,
    $$SELECT relname::text FROM pg_class
       WHERE relnamespace = 'bpm'::regnamespace AND (relrowsecurity OR relkind = 'v') AND relname <> 'definitions'$$,
    'the list holds every table with row-level security and every view but bpm.definitions');

CREATE FUNCTION pg_temp.family() RETURNS bigint[] LANGUAGE sql AS $$
    SELECT ARRAY[pg_temp.id('c1'), pg_temp.id('sub'), pg_temp.id('svc'), pg_temp.id('subcase')]
$$;
CREATE FUNCTION pg_temp.rows_in(name text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE (SELECT query FROM secured s WHERE s.name = rows_in.name) INTO n USING pg_temp.family();
    RETURN n;
END $$;
-- One test per relation of secured, for the current role: it sees some
-- rows ('some'), none ('none'), or as many as the superuser ('all',
-- against op_rows).
CREATE TEMP TABLE op_rows (name text PRIMARY KEY, n bigint NOT NULL);
GRANT SELECT ON op_rows TO PUBLIC;
CREATE FUNCTION pg_temp.sweep(expect text, who text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
    FOR r IN SELECT s.name, o.n FROM secured s LEFT JOIN op_rows o USING (name) ORDER BY s.name LOOP
        RETURN NEXT CASE expect
            WHEN 'some' THEN cmp_ok(pg_temp.rows_in(r.name), '>', 0::bigint,
                                    format('%s sees the case in bpm.%s', who, r.name))
            WHEN 'none' THEN is(pg_temp.rows_in(r.name), 0::bigint,
                                format('%s sees nothing of the case in bpm.%s', who, r.name))
            ELSE is(pg_temp.rows_in(r.name), r.n, format('%s sees all of the case in bpm.%s', who, r.name))
        END;
    END LOOP;
END $$;

SET ROLE vis_owner;
SELECT * FROM pg_temp.sweep('some', 'the owner');
SET ROLE vis_stranger;
SELECT * FROM pg_temp.sweep('none', 'a stranger');
RESET ROLE;

-- ============================================================== a stranger may not act
-- Each call would work for a participant: the items are in the state the
-- call needs, and "anyone" is a task that anyone who may see it may work.
CREATE FUNCTION pg_temp.refused_on(kind text, name text, call text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.refused(format(call, pg_temp.id(name)), format('%s %s', kind, pg_temp.id(name)),
                           format('%s of %s %s it may not see: 42501',
                                  regexp_replace(call, '^SELECT bpm\.(\w+).*$', '\1'),
                                  CASE kind WHEN 'instance' THEN 'an' ELSE 'a' END, kind))
$$;
-- Everything the refused calls could have changed.
CREATE FUNCTION pg_temp.everything() RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' | ',
        (SELECT md5(string_agg(x::text, ',' ORDER BY x.id)) FROM bpm.instance x),
        (SELECT md5(string_agg(x::text, ',' ORDER BY x.id)) FROM bpm.plan_item x),
        (SELECT md5(string_agg(x::text, ',' ORDER BY x.id)) FROM bpm.task_store x),
        (SELECT md5(string_agg(x::text, ',' ORDER BY x.id)) FROM bpm.job x),
        (SELECT md5(string_agg(x::text, ',' ORDER BY x.task_id)) FROM bpm.board_card x),
        (SELECT md5(string_agg(x::text, ',' ORDER BY x.case_id, x.role, x.actor)) FROM bpm.case_role x),
        (SELECT count(*) FROM bpm.event), (SELECT count(*) FROM bpm.comment),
        (SELECT count(*) FROM bpm.document), (SELECT count(*) FROM bpm.case_link),
        (SELECT count(*) FROM bpm.actor_group))
$$;
SELECT pg_temp.everything() AS before \gset
SELECT data::text AS file FROM bpm.instance WHERE id = pg_temp.id('c1') \gset
SELECT job_id AS svc_job FROM bpm.incidents WHERE instance_id = pg_temp.id('svc') \gset

SET ROLE vis_stranger;
SELECT pg_temp.refused_on(kind, name, call)
  FROM (VALUES ('case', 'c1', $$SELECT bpm.update_case(%s, '{"x": 1}')$$),
               ('case', 'c1', $$SELECT bpm.start_item(%s, 'man')$$),
               ('case', 'c1', $$SELECT bpm.plan_item(%s, 'd')$$),
               ('case', 'c1', $$SELECT bpm.trigger_listener(%s, 'ul')$$),
               ('case', 'c1', $$SELECT bpm.disable_item(%s, 'man')$$),
               ('case', 'c1', $$SELECT bpm.reenable_item(%s, 'man2')$$),
               ('case', 'c1', $$SELECT bpm.suspend_item(%s, 'h')$$),
               ('case', 'c1', $$SELECT bpm.resume_item(%s, 'hs')$$),
               ('case', 'c1', $$SELECT bpm.complete_stage(%s, 's')$$),
               ('case', 'c1', $$SELECT bpm.close_case(%s, 'closed by a stranger')$$),
               ('case', 'closed', $$SELECT bpm.reopen_case(%s, 'reopened by a stranger')$$),
               ('case', 'c1', $$SELECT bpm.cancel(%s, 'cancelled by a stranger')$$),
               ('case', 'c1', $$SELECT bpm.add_task(%s, 'Work for the stranger')$$),
               ('case', 'c1', $$SELECT bpm.attach(%s, 'from a stranger', 'x')$$),
               ('case', 'c1', $$SELECT bpm.attach_url(%s, 'from a stranger', 'https://example.com/x')$$),
               ('case', 'c1', $$SELECT bpm.comment_case(%s, 'from a stranger')$$),
               ('case', 'c1', $$SELECT bpm.grant_case_role(%s, 'helper', 'vis_stranger')$$),
               ('case', 'c1', $$SELECT bpm.revoke_case_role(%s, 'helper', 'vis_member')$$),
               ('case', 'c1', format($$SELECT bpm.link_cases(%%s, %s, 'duplicate_of')$$, pg_temp.id('closed'))),
               ('case', 'c1', format($$SELECT bpm.unlink_cases(%%s, %s)$$, pg_temp.id('c3'))),
               ('task', 'anyone', $$SELECT bpm.claim(%s)$$),
               ('task', 'assigned', $$SELECT bpm.unclaim(%s)$$),
               ('task', 'anyone', $$SELECT bpm.assign(%s, 'vis_stranger')$$),
               ('task', 'anyone', $$SELECT bpm.complete_task(%s)$$),
               ('task', 'assigned', $$SELECT bpm.delegate(%s, 'vis_stranger')$$),
               ('task', 'anyone', $$SELECT bpm.comment(%s, 'from a stranger')$$),
               ('task', 'anyone', $$SELECT bpm.move_task(%s, 'done')$$),
               ('task', 'anyone', $$SELECT bpm.create_task('A subtask', parent_task_id => %s)$$),
               -- below the case: its child process, and the task in it
               ('instance', 'sub', $$SELECT bpm.cancel(%s)$$),
               ('instance', 'sub', $$SELECT bpm.escalate_to_case(%s, 'vis_simple', 'by a stranger')$$),
               ('task', 'w', $$SELECT bpm.complete_task(%s)$$)) v(kind, name, call);
SELECT pg_temp.refused(
    format('SELECT bpm.retry_incident(%s)', :svc_job),
    format('instance %s', pg_temp.id('svc')),
    'retry_incident of an incident below a case it may not see: 42501');
-- Row-level security hides the rows from the UPDATEs of the views.
SELECT is(pg_temp.changed(format($$UPDATE bpm.cases SET data = data || '{"x": 1}' WHERE id = %s$$, pg_temp.id('c1'))),
    0::bigint, 'UPDATE bpm.cases: a stranger''s UPDATE finds no row of the case');
SELECT is(pg_temp.changed(format($$UPDATE bpm.task SET status = 'completed' WHERE id = %s$$, pg_temp.id('anyone'))),
    0::bigint, 'UPDATE bpm.task: a stranger''s UPDATE finds no task of the case');
RESET ROLE;
SELECT is(pg_temp.everything(), :'before', 'the refused calls changed nothing: instances, items, tasks, jobs, events, ...');
SELECT is((SELECT data::text FROM bpm.instance WHERE id = pg_temp.id('c1')), :'file', '... the case file neither');

-- The same calls work for a participant (two of them, as a control).
SET ROLE vis_member;
SELECT is(pg_temp.changed(format($$UPDATE bpm.cases SET data = data || '{"x": 1}' WHERE id = %s$$, pg_temp.id('c1'))),
    1::bigint, 'UPDATE bpm.cases: the holder of a role updates the case file');
SELECT lives_ok(format('SELECT bpm.comment(%s, %L)', pg_temp.id('anyone'), 'from a member'),
    'bpm.comment: the holder of a role comments on a task of the case');
RESET ROLE;

-- ============================================================== below a case
-- What the case started is seen by the case's participants; the child
-- process's worker sees the child and its task, not the case above it.
SELECT pg_temp.sees(pg_temp.id('sub')) AS sub_full \gset
SELECT pg_temp.sees(pg_temp.id('svc')) AS svc_full \gset
SELECT pg_temp.sees(pg_temp.id('subcase')) AS subcase_full \gset
SET ROLE vis_member;
SELECT is(pg_temp.sees(pg_temp.id('sub')), :'sub_full', 'the holder of a role in the case sees the process it started');
SELECT is(pg_temp.sees(pg_temp.id('svc')), :'svc_full', '... and the other one, with its job');
SELECT is(pg_temp.sees(pg_temp.id('subcase')), :'subcase_full', '... and the case it started, where it holds no role');
SET ROLE vis_child_worker;
SELECT is(pg_temp.sees(pg_temp.id('sub')), :'sub_full', 'the child process''s worker sees the child process');
SELECT results_eq('SELECT id, instance_id FROM bpm.my_tasks',
    format('VALUES (%s::bigint, %s::bigint)', pg_temp.id('w'), pg_temp.id('sub')),
    '... and its task, in my_tasks');
SELECT is(regexp_replace(pg_temp.sees(pg_temp.id('c1')), 'history=\d+', 'history=0'), pg_temp.nothing(),
    '... but nothing of the case above it');
SELECT results_eq(format('SELECT DISTINCT of_instance FROM bpm.history(%s)', pg_temp.id('c1')),
    format('VALUES (%s::bigint)', pg_temp.id('sub')),
    '... in the history of the case, only the events of their child process');
SELECT is(pg_temp.sees(pg_temp.id('svc')), pg_temp.nothing(), '... nor of the other process the case started');
SELECT is(pg_temp.sees(pg_temp.id('subcase')), pg_temp.nothing(), '... nor of the case it started');
SELECT pg_temp.refused_on('case', 'c1', $$SELECT bpm.comment_case(%s, 'from the child worker')$$);
SELECT lives_ok(format('SELECT bpm.comment(%s, %L)', pg_temp.id('w'), 'from the child worker'),
    '... but comments on their own task in the child');
SET ROLE vis_stranger;
SELECT is(pg_temp.sees(pg_temp.id('sub')), pg_temp.nothing(), 'a stranger sees nothing of the child process');
SELECT is(pg_temp.sees(pg_temp.id('subcase')), pg_temp.nothing(), '... nor of the child case');

-- A case opened by escalation from a process: the process has no case
-- above it and stays visible to everybody; the case is its opener's.
SET ROLE vis_owner;
INSERT INTO ids VALUES ('esc', bpm.start('vis_plain'));
INSERT INTO ids VALUES ('esccase', bpm.escalate_to_case(pg_temp.id('esc'), 'vis_simple', 'too hard'));
RESET ROLE;
SELECT is((SELECT parent_id FROM bpm.instance WHERE id = pg_temp.id('esccase')), pg_temp.id('esc'),
    'escalate_to_case: the case is a child of the process');
SELECT pg_temp.sees(pg_temp.id('esccase')) AS esccase_full \gset
SELECT count(*) AS esc_events FROM bpm.event WHERE instance_id = pg_temp.id('esc') \gset
SELECT count(*) AS esc_history FROM bpm.history(pg_temp.id('esc')) \gset
SELECT cmp_ok(:esc_history::bigint, '>', :esc_events::bigint,
    'the history of the process shows the events of the case it escalated to');
SET ROLE vis_stranger;
SELECT is(bpm.may_see(pg_temp.id('esc')), true, 'a stranger may see the process that escalated');
SELECT results_eq(format('SELECT state, end_reason FROM bpm.processes WHERE id = %s', pg_temp.id('esc')),
    format($$VALUES ('terminated', 'escalated to case %s: too hard')$$, pg_temp.id('esccase')),
    '... it is in bpm.processes');
SELECT is((SELECT count(*) FROM bpm.history(pg_temp.id('esc'))), :esc_events::bigint,
    '... its history, without the events of the case');
SELECT is(pg_temp.sees(pg_temp.id('esccase')), pg_temp.nothing(), '... and nothing of the case');
SET ROLE vis_owner;
SELECT is(pg_temp.sees(pg_temp.id('esccase')), :'esccase_full', 'the opener sees the escalated case');
SELECT is((SELECT count(*) FROM bpm.history(pg_temp.id('esc'))), :esc_history::bigint,
    '... and the history of the process with the case''s events');
RESET ROLE;

-- ============================================================== open to all
-- Free tasks and processes with no case above them.
SELECT pg_temp.sees(pg_temp.id('plain')) AS plain_full \gset
SET ROLE vis_stranger;
SELECT is(pg_temp.sees(pg_temp.id('plain')), :'plain_full', 'a stranger sees all of a process with no case above it');
SELECT is(ARRAY(SELECT id FROM bpm.task WHERE instance_id IS NULL),
    ARRAY[pg_temp.id('free')], 'a stranger sees the free task in bpm.task');
SELECT is(ARRAY(SELECT id FROM bpm.worklist WHERE instance_id IS NULL),
    ARRAY[pg_temp.id('free')], '... in its worklist');
SELECT is(ARRAY(SELECT task_id FROM bpm.board), ARRAY[pg_temp.id('free')],
    '... and on the board, without the case task next to it');
SELECT lives_ok(format('SELECT bpm.comment(%s, %L)', pg_temp.id('free'), 'from a stranger'),
    'a stranger comments on a free task');
SELECT lives_ok(format('SELECT bpm.claim(id) FROM bpm.task WHERE instance_id = %s', pg_temp.id('plain')),
    '... and claims the task of a process with no case above it');
SELECT lives_ok(format('SELECT bpm.create_task(%L, parent_task_id => %s)', 'A subtask', pg_temp.id('free')),
    '... and splits the free task');
RESET ROLE;

-- ============================================================== operators
-- The superuser running this file: its actor has no part in any case.
SELECT is((SELECT count(*) FROM bpm.case_role WHERE actor = bpm.current_actor()), 0::bigint,
    'the superuser''s actor holds no role');
SELECT is((SELECT array_agg(id ORDER BY id) FILTER (WHERE NOT bpm.may_see(id)) FROM bpm.instance), NULL,
    'bpm.may_see is true for the superuser, for every instance');
-- A plain role becomes an operator as a member of the owner of schema bpm
-- (here a superuser, whose membership a superuser may grant).
SET ROLE vis_op;
SELECT is(bpm.may_see(pg_temp.id('c1')), false, 'vis_op, not yet a member of the owner, may not see the case');
RESET ROLE;
DO $$
BEGIN
    EXECUTE format('GRANT %I TO vis_op',
                   (SELECT r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'bpm'));
END $$;
INSERT INTO op_rows SELECT name, pg_temp.rows_in(name) FROM secured;
SET ROLE vis_op;
SELECT is((SELECT array_agg(id ORDER BY id) FILTER (WHERE NOT bpm.may_see(id)) FROM bpm.instance), NULL,
    'a member of the owner of schema bpm may see every instance');
SELECT * FROM pg_temp.sweep('all', 'a member of the owner');
SELECT lives_ok(format('SELECT bpm.comment_case(%s, %L)', pg_temp.id('c1'), 'from an operator'),
    'a member of the owner comments on a case in which it has no part');
SELECT lives_ok(format('SELECT bpm.grant_case_role(%s, %L, %L)', pg_temp.id('esccase'), 'helper', 'vis_member'),
    '... and grants a role in a case in which it has no part');
RESET ROLE;
SELECT results_eq(format($$SELECT actor FROM bpm.comment WHERE instance_id = %s AND body = 'from an operator'$$,
                         pg_temp.id('c1')),
    $$VALUES ('vis_op')$$, '... as itself');

-- ============================================================== the answer follows the roles
-- c7: vis_late's only part in it is the role given and taken below, each
-- time between two statements of this one transaction.
SET ROLE vis_owner;
INSERT INTO ids VALUES ('c7', bpm.open_case('vis_simple'));
RESET ROLE;
CREATE FUNCTION pg_temp.sees_c7() RETURNS text LANGUAGE sql AS $$
    SELECT format('%s %s %s', bpm.may_see(pg_temp.id('c7')),
                  (SELECT count(*) FROM bpm.cases WHERE id = pg_temp.id('c7')),
                  (SELECT count(*) FROM bpm.task WHERE instance_id = pg_temp.id('c7')))
$$;
SET ROLE vis_late;
SELECT is(pg_temp.sees_c7(), 'f 0 0', 'vis_late has no part in c7: it sees nothing of it');
SET ROLE vis_owner;
SELECT bpm.grant_case_role(pg_temp.id('c7'), 'helper', 'vis_late');
SET ROLE vis_late;
SELECT is(pg_temp.sees_c7(), 't 1 1', 'granted a role, vis_late sees c7 in the next statement');
SET ROLE vis_owner;
SELECT bpm.revoke_case_role(pg_temp.id('c7'), 'helper', 'vis_late');
SET ROLE vis_late;
SELECT is(pg_temp.sees_c7(), 'f 0 0', 'the role revoked, it sees nothing of c7 in the next statement');
SELECT pg_temp.refused_on('case', 'c7', $$SELECT bpm.comment_case(%s, 'too late')$$);
RESET ROLE;
-- A role granted in a savepoint that is rolled back.
SAVEPOINT granted;
SELECT bpm.grant_case_role(pg_temp.id('c7'), 'helper', 'vis_late');
SET ROLE vis_late;
SELECT is(pg_temp.sees_c7(), 't 1 1', 'granted in a savepoint, vis_late sees c7');
ROLLBACK TO SAVEPOINT granted;
SET ROLE vis_late;
SELECT is(pg_temp.sees_c7(), 'f 0 0', 'the savepoint rolled back, it sees nothing of c7');
RESET ROLE;
-- Between the statements of one function: the owner hands the case to
-- vis_late and gives up its own role.
CREATE FUNCTION pg_temp.hand_over(c bigint) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE seen text[];
BEGIN
    seen := seen || pg_temp.sees_c7();
    PERFORM bpm.grant_case_role(c, 'owner', 'vis_late');
    seen := seen || pg_temp.sees_c7();
    PERFORM bpm.revoke_case_role(c, 'owner', bpm.current_actor());
    seen := seen || pg_temp.sees_c7();
    RETURN seen;
END $$;
SET ROLE vis_owner;
SELECT is(pg_temp.hand_over(pg_temp.id('c7')), ARRAY['t 1 1', 't 1 1', 'f 0 0'],
    'in one function, the owner sees c7 until it gives up its role, then no more');
SET ROLE vis_late;
SELECT is(pg_temp.sees_c7(), 't 1 1', '... and the new owner sees it');
RESET ROLE;

-- ============================================================== links
-- cs is the stranger's own case. A link is shown by bpm.case_links to who
-- sees both ends; link_cases refuses whoever may not see either end.
SET ROLE vis_stranger;
INSERT INTO ids VALUES ('cs', bpm.open_case('vis_simple'));
SELECT pg_temp.refused_on('case', 'c1', format($$SELECT bpm.link_cases(%s, %%s, 'child_of')$$, pg_temp.id('cs')));
SET ROLE vis_owner;
SELECT pg_temp.refused_on('case', 'cs', format($$SELECT bpm.link_cases(%s, %%s, 'parent_of')$$, pg_temp.id('c1')));
RESET ROLE;
SELECT bpm.link_cases(pg_temp.id('cs'), pg_temp.id('c1'), 'child_of');
SELECT is((SELECT count(*) FROM bpm.case_links WHERE pg_temp.id('cs') IN (case_id, linked_case_id)), 2::bigint,
    'the operator sees the link from both ends');
SET ROLE vis_stranger;
SELECT results_eq(format('SELECT case_id, linked_case_id, kind FROM bpm.case_link WHERE %s IN (case_id, linked_case_id)',
                         pg_temp.id('cs')),
    format($$VALUES (%s::bigint, %s::bigint, 'parent')$$, pg_temp.id('c1'), pg_temp.id('cs')),
    'bpm.case_link: a stranger sees the row of the link to its own case');
SELECT is((SELECT count(*) FROM bpm.case_links WHERE pg_temp.id('cs') IN (case_id, linked_case_id)), 0::bigint,
    'bpm.case_links: ... but not the link, from either end: the other end is a case it may not see');
SELECT pg_temp.refused_on('case', 'c1', format($$SELECT bpm.unlink_cases(%s, %%s)$$, pg_temp.id('cs')));
SET ROLE vis_owner;
SELECT is((SELECT count(*) FROM bpm.case_links WHERE pg_temp.id('cs') IN (case_id, linked_case_id)), 0::bigint,
    'bpm.case_links: nor does the owner of the other end');
RESET ROLE;
SELECT is((SELECT count(*) FROM bpm.case_link WHERE pg_temp.id('cs') IN (case_id, linked_case_id)), 1::bigint,
    'the refused unlink left the link');

-- ============================================================== many cases: the set
-- A query over more cases than src/security/visibility.c's DIRECT_SET_AFTER (64)
-- answers the first of them one participation query each, then reads the
-- actor's direct participation as one set. 150 cases m1..m150 opened by
-- vis_owner, with a part in some of them for
--   vis_many_role    the role helper in every 3rd
--   vis_many_cand    group vis_many_grp of an open task in every 4th, but
--                    not in every 8th, where vis_many_done completed it
--   vis_many_done    also in vis_many_grp: the completer in every 8th
--                    (and a candidate in the other 4th)
--   vis_many_deleg   the owner of a task it delegated in every 7th
-- and none for vis_stranger. Each reads the 150 in one statement (the set
-- path), and must see what bpm.may_see answers for each case alone (a
-- fresh cache each time, so one participation query each: the reader
-- alternates with another role, which empties it) and what the rule says
-- when the superuser computes it.
CREATE ROLE vis_many_role NOLOGIN;
CREATE ROLE vis_many_cand NOLOGIN;
CREATE ROLE vis_many_done NOLOGIN;
CREATE ROLE vis_many_deleg NOLOGIN;
INSERT INTO bpm.actor_group VALUES ('vis_many_cand', 'vis_many_grp'), ('vis_many_done', 'vis_many_grp');
SET ROLE vis_owner;
INSERT INTO ids SELECT 'm' || i, bpm.open_case('vis_simple') FROM generate_series(1, 150) i;
DO $$
BEGIN
    PERFORM bpm.grant_case_role(pg_temp.id('m' || i), 'helper', 'vis_many_role')
       FROM generate_series(3, 150, 3) i;
    INSERT INTO ids SELECT 'mg' || i, bpm.add_task(pg_temp.id('m' || i), 'For the group',
                                                   candidate_groups => '{vis_many_grp}')
      FROM generate_series(4, 150, 4) i;
    INSERT INTO ids SELECT 'md' || i, bpm.add_task(pg_temp.id('m' || i), 'To delegate', 'vis_many_deleg')
      FROM generate_series(7, 150, 7) i;
END $$;
SET ROLE vis_many_done;
SELECT count(bpm.complete_task(pg_temp.id('mg' || i))) FROM generate_series(8, 150, 8) i;
SET ROLE vis_many_deleg;
SELECT count(bpm.delegate(pg_temp.id('md' || i), 'vis_many_role')) FROM generate_series(7, 150, 7) i;
RESET ROLE;
CREATE TEMP TABLE many AS SELECT array_agg(id ORDER BY id) AS ids FROM ids WHERE name ~ '^m[0-9]+$';
GRANT SELECT ON many TO PUBLIC;
-- The cases of many a role sees in one statement.
CREATE FUNCTION pg_temp.many_seen_as(who text) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE seen bigint[];
BEGIN
    PERFORM set_config('role', who, true);
    SELECT array_agg(i.id ORDER BY i.id) INTO seen FROM bpm.instance i, many WHERE i.id = ANY (many.ids);
    PERFORM set_config('role', 'none', true);
    RETURN coalesce(seen, '{}');
END $$;
-- ... asking bpm.may_see for each case alone: before each, bpm.may_see
-- answers another role (alt), which empties the answers of this snapshot.
CREATE FUNCTION pg_temp.many_one_by_one(who text, alt text) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE seen bigint[] := '{}'; c bigint;
BEGIN
    FOREACH c IN ARRAY (SELECT ids FROM many) LOOP
        PERFORM set_config('role', alt, true);
        PERFORM bpm.may_see(c);
        PERFORM set_config('role', who, true);
        IF bpm.may_see(c) THEN
            seen := seen || c;
        END IF;
    END LOOP;
    PERFORM set_config('role', 'none', true);
    RETURN seen;
END $$;
-- ... by the rule, computed by the superuser (the cases of many have no case above them).
CREATE FUNCTION pg_temp.many_by_rule(who text) RETURNS bigint[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM unnest((SELECT ids FROM many)) c
     WHERE EXISTS (SELECT FROM bpm.case_role r WHERE r.case_id = c AND r.actor = who)
        OR EXISTS (SELECT FROM bpm.task_store t WHERE t.instance_id = c
                     AND (who IN (t.assignee, t.owner, t.completed_by)
                          OR (t.status = 'open' AND EXISTS (SELECT FROM bpm.actor_group g
                                                             WHERE g.actor = who
                                                               AND g.group_name = ANY (t.candidate_groups)))))
$$;
-- Which of m1..m150 these are.
CREATE FUNCTION pg_temp.many_numbers(cases bigint[]) RETURNS int[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(substr(name, 2)::int ORDER BY substr(name, 2)::int), '{}')
      FROM ids WHERE name ~ '^m[0-9]+$' AND id = ANY (cases)
$$;

SELECT cmp_ok((SELECT cardinality(ids) FROM many), '>', 2 * 64,
    'many cases: more than twice DIRECT_SET_AFTER, so that most are answered by the set');
CREATE TEMP TABLE many_seen AS
SELECT who, alt, expected, what, pg_temp.many_seen_as(who) AS seen
  FROM (VALUES ('vis_many_role', 'vis_stranger',
                ARRAY(SELECT i FROM generate_series(1, 150) i WHERE i % 3 = 0 OR i % 7 = 0),
                'the holder of a role (and delegate) sees in one statement the cases of its roles and tasks'),
               ('vis_many_cand', 'vis_stranger', ARRAY(SELECT i FROM generate_series(4, 150, 4) i WHERE i % 8 <> 0),
                'a candidate sees those of the open tasks of its group, not those completed'),
               ('vis_many_done', 'vis_stranger', ARRAY(SELECT i FROM generate_series(4, 150, 4) i),
                'the completer sees those it completed and those open for its group'),
               ('vis_many_deleg', 'vis_stranger', ARRAY(SELECT i FROM generate_series(7, 150, 7) i),
                'the owner of a delegated task sees those of its tasks'),
               ('vis_stranger', 'vis_many_role', '{}'::int[], 'a stranger sees none')) v(who, alt, expected, what);
SELECT is(pg_temp.many_numbers(seen), expected, 'many cases: ' || what) FROM many_seen ORDER BY who;
SELECT is(seen, pg_temp.many_one_by_one(who, alt), format('... %s: as bpm.may_see answers for each case alone', who))
  FROM many_seen ORDER BY who;
SELECT is(seen, pg_temp.many_by_rule(who), format('... %s: as the rule says', who)) FROM many_seen ORDER BY who;

-- ============================================================== a new extension, the same ids
-- The scope of an instance is remembered for the backend's life; after
-- DROP and CREATE EXTENSION the same id names another instance. Here the
-- lowest case id becomes a plain process, which a stranger sees.
SELECT min(id) AS reused FROM bpm.instance WHERE kind = 'case' \gset
SET ROLE vis_stranger;
SELECT is(bpm.may_see(:reused), false, 'before: a stranger may not see the case with the lowest id');
RESET ROLE;
DROP EXTENSION pg_bpm CASCADE;
CREATE EXTENSION pg_bpm;
SELECT setval(pg_get_serial_sequence('bpm.instance', 'id'), :reused, false) IS NOT NULL AS sequence_set \gset
SELECT bpm.deploy('{"key": "vis_again", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}') IS NOT NULL AS deployed \gset
SELECT is(bpm.start('vis_again'), :reused::bigint, 'after DROP and CREATE EXTENSION a process gets that id');
SET ROLE vis_stranger;
SELECT is(bpm.may_see(:reused), true, '... and the stranger sees it: the scopes of the old extension are gone');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
