-- 30_contracts: what the API promises when it succeeds.
--
--   deploy     identical content returns the existing id (whatever the key
--              order or spacing); different content is the next version;
--              running instances stay on the version they started with
--   start      returns the id of the instance it created, on the latest
--              version, with the given data and business key
--   complete   merges the output into the instance data (top-level keys
--              replace) and records what it replaced; the plain UPDATE
--              path writes exactly the same events as bpm.complete_task
--   jobs       fetch_and_lock never returns a locked job, does return one
--              whose lock expired, and hands it to the new worker only;
--              fail_job's retry_in decides when it is fetchable again
--   cancel     cancels open tasks, removes jobs and tokens, records why
--   worklist   shows each actor exactly the open tasks they may work
--   roles      a role with no table privileges can do all of the above
--              through the API and the task columns PUBLIC may update,
--              and the events name it as the actor (or, as it may act for
--              others, the user it names in bpm.actor)
--   events     every instance's chain verifies, and verify_events does
--              notice a changed or removed event
BEGIN;
SELECT no_plan();
\ir helpers.psql

CREATE ROLE bpm_tap_clerk NOLOGIN;
-- an application's role: no operator, but allowed to act for others
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO bpm_tap_clerk;

GRANT SELECT, INSERT ON ids TO PUBLIC;   -- used under SET ROLE too

-- ============================================= deploy: idempotence, versions
INSERT INTO ids VALUES ('v1', bpm.deploy('{"key": "doc", "name": "Document",
    "nodes": [{"id": "s", "type": "start_event"}, {"id": "write", "type": "user_task"},
              {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "write"}, {"from": "write", "to": "e"}]}'));
INSERT INTO ids VALUES ('v1_again', bpm.deploy('{"key": "doc", "name": "Document",
    "nodes": [{"id": "s", "type": "start_event"}, {"id": "write", "type": "user_task"},
              {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "write"}, {"from": "write", "to": "e"}]}'));
INSERT INTO ids VALUES ('v1_reordered', bpm.deploy('{"flows": [{"to": "write", "from": "s"},
    {"to": "e", "from": "write"}], "nodes": [{"type": "start_event", "id": "s"},
    {"type": "user_task", "id": "write"}, {"type": "end_event", "id": "e"}],
    "name": "Document",    "key": "doc"}'));
SELECT is(pg_temp.id('v1_again'), pg_temp.id('v1'),
    'deploying identical content again returns the existing id');
SELECT is(pg_temp.id('v1_reordered'), pg_temp.id('v1'),
    'key order and spacing do not make content different');
SELECT results_eq(
    $$SELECT version, is_latest, nodes FROM bpm.definitions WHERE key = 'doc'$$,
    $$VALUES (1, true, 3::bigint)$$,
    'one version exists, the latest, with its three nodes');
SELECT is((SELECT count(*) FROM bpm.event WHERE kind = 'definition_deployed' AND definition_id = pg_temp.id('v1')),
    1::bigint,
    'an idempotent deploy records no second definition_deployed event');
SELECT results_eq(
    format($$SELECT id, source, target, condition::text, is_default, position FROM bpm.flow
              WHERE definition_id = %s ORDER BY position$$, pg_temp.id('v1')),
    $$VALUES ('s->write', 's', 'write', NULL, false, 1), ('write->e', 'write', 'e', NULL, false, 2)$$,
    'flows are stored in definition order, with "<from>-><to>" ids by default');

-- an instance on version 1, before version 2 exists
INSERT INTO ids VALUES ('old', bpm.start('doc'));

SET LOCAL bpm.actor = 'deployer';
INSERT INTO ids VALUES ('v2', bpm.deploy('{"key": "doc", "name": "Document",
    "nodes": [{"id": "s", "type": "start_event"}, {"id": "write", "type": "user_task"},
              {"id": "review", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "write"}, {"from": "write", "to": "review"},
              {"from": "review", "to": "e"}]}'));
RESET bpm.actor;
INSERT INTO ids VALUES ('v3', bpm.deploy('{"key": "doc", "name": "Document",
    "nodes": [{"id": "s", "type": "start_event"}, {"id": "write", "type": "user_task"},
              {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "write"}, {"from": "write", "to": "e"}]}'));
SELECT results_eq(
    $$SELECT id, version, is_latest FROM bpm.definitions WHERE key = 'doc' ORDER BY version$$,
    format($$VALUES (%s::bigint, 1, false), (%s, 2, false), (%s, 3, true)$$,
           pg_temp.id('v1'), pg_temp.id('v2'), pg_temp.id('v3')),
    'changed content is the next version; content equal to an older (not the latest) version is a new version too');
SELECT is((SELECT deployed_by FROM bpm.definition WHERE id = pg_temp.id('v2')), 'deployer',
    'deployed_by is the acting user');

-- ======================================================= start returns id
INSERT INTO ids VALUES ('new', bpm.start('doc', '{"title": "Q3 report", "pages": 12}', 'DOC-7'));
SELECT results_eq(
    $$SELECT id, definition_id, business_key, data, state, started_by FROM bpm.instance
       WHERE business_key = 'DOC-7'$$,
    format($$VALUES (%s::bigint, %s::bigint, 'DOC-7', '{"title": "Q3 report", "pages": 12}'::jsonb, 'running', current_user::text COLLATE "default")$$,
           pg_temp.id('new'), pg_temp.id('v3')),
    'start returns the id of the instance it created, on the latest version, with data and business key');
SELECT results_eq(
    format($$SELECT key, version, waiting_at FROM bpm.processes WHERE id = %s$$, pg_temp.id('new')),
    $$VALUES ('doc', 3, '{write}'::text[])$$,
    'bpm.processes shows where the new instance waits');
INSERT INTO ids VALUES ('nodata', bpm.start('doc', NULL));
SELECT is((SELECT data FROM bpm.instance WHERE id = pg_temp.id('nodata')), '{}'::jsonb,
    'start with NULL data starts with an empty object');
SELECT results_eq(
    format($$SELECT kind, node_id, data FROM pg_temp.story(%s)$$, pg_temp.id('new')),
    $$VALUES ('instance_started', NULL, '{"definition": "doc", "data": {"title": "Q3 report", "pages": 12}}'::jsonb),
             ('token_moved', 's', NULL),
             ('token_moved', 'write', '{"flow": "s->write"}'),
             ('task_created', 'write', '{"assignee": null, "candidate_groups": [], "priority": 50}')$$,
    'a start records the start, each node entered with its flow, and the task');

-- the old instance stays on version 1: completing "write" ends it
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('old'), 'write'));
SELECT results_eq(
    format($$SELECT definition_id, state FROM bpm.instance WHERE id = %s$$, pg_temp.id('old')),
    format($$VALUES (%s::bigint, 'completed')$$, pg_temp.id('v1')),
    'an instance started on version 1 finishes on version 1 after version 2 is deployed');

-- ================================================== complete_task merges
INSERT INTO ids VALUES ('m', bpm.start('doc', '{"a": 1, "b": {"x": 1}}'));
SET LOCAL bpm.actor = 'writer';
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('m'), 'write'), '{"b": {"y": 2}, "c": [3]}');
RESET bpm.actor;
SELECT results_eq(
    format($$SELECT i.data, i.state, t.status, t.output, t.completed_by, t.completed_at IS NOT NULL
               FROM bpm.instance i JOIN bpm.task t ON t.instance_id = i.id WHERE i.id = %s$$, pg_temp.id('m')),
    $$VALUES ('{"a": 1, "b": {"y": 2}, "c": [3]}'::jsonb, 'completed', 'completed',
              '{"b": {"y": 2}, "c": [3]}'::jsonb, 'writer', true)$$,
    'complete_task merges the output into the data (top-level keys replace) and stores it on the task');
SELECT results_eq(
    format($$SELECT kind, node_id, actor, data FROM pg_temp.story(%s) OFFSET 4$$, pg_temp.id('m')),
    $$VALUES ('task_completed', 'write', 'writer', NULL::jsonb),
             ('data_changed', 'write', 'writer', '{"patch": {"b": {"y": 2}, "c": [3]}, "replaced": {"b": {"x": 1}}}'),
             ('token_moved', 'e', 'writer', '{"flow": "write->e"}'),
             ('instance_completed', NULL, 'writer', NULL)$$,
    'the completion records the patch and the values it replaced, then the way to the end');
INSERT INTO ids VALUES ('m0', bpm.start('doc', '{"a": 1}'));
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('m0'), 'write'));
SELECT results_eq(
    format($$SELECT (SELECT data FROM bpm.instance WHERE id = %1$s),
                    (SELECT count(*) FROM bpm.event WHERE instance_id = %1$s AND kind = 'data_changed')$$,
           pg_temp.id('m0')),
    $$VALUES ('{"a": 1}'::jsonb, 0::bigint)$$,
    'completing with no data changes no data and records no data_changed');

-- ===================== the plain UPDATE path is the same as complete_task
INSERT INTO ids VALUES ('def:twins', bpm.deploy('{"key": "twins", "nodes": [
    {"id": "s", "type": "start_event"},
    {"id": "check", "type": "user_task", "required": ["ok"], "candidate_groups": ["checkers"], "priority": 7},
    {"id": "g", "type": "exclusive_gateway"},
    {"id": "fix", "type": "user_task"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "check"}, {"from": "check", "to": "g"},
    {"from": "g", "to": "e", "when": "$.ok == true"}, {"from": "g", "to": "fix", "default": true},
    {"from": "fix", "to": "e"}]}'));
INSERT INTO bpm.actor_group VALUES ('checker', 'checkers');
INSERT INTO ids VALUES ('via_function', bpm.start('twins', '{"n": 1}'));
INSERT INTO ids VALUES ('via_update', bpm.start('twins', '{"n": 1}'));
SET LOCAL bpm.actor = 'checker';
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('via_function'), 'check'), '{"ok": false, "note": "typo"}');
UPDATE bpm.task SET status = 'completed', output = '{"ok": false, "note": "typo"}'
 WHERE id = pg_temp.task(pg_temp.id('via_update'), 'check');
RESET bpm.actor;
SELECT results_eq(
    format('SELECT * FROM pg_temp.story(%s)', pg_temp.id('via_update')),
    format('SELECT * FROM pg_temp.story(%s)', pg_temp.id('via_function')),
    'UPDATE bpm.task SET status = ''completed'' records exactly the events bpm.complete_task does');
SELECT is(
    (SELECT count(*) FROM pg_temp.story(pg_temp.id('via_update'))), 9::bigint,
    'both paths went all the way (start, s, check, created, completed, data, g, fix, created)');
SELECT results_eq(
    format($$SELECT t.node_id, t.status, t.output, t.completed_by, i.data, i.state
               FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
              WHERE i.id = %s ORDER BY t.id$$, pg_temp.id('via_update')),
    format($$SELECT t.node_id, t.status, t.output, t.completed_by, i.data, i.state
               FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
              WHERE i.id = %s ORDER BY t.id$$, pg_temp.id('via_function')),
    'and leave the same tasks, data and state');

-- ================================================================= jobs
INSERT INTO ids VALUES ('def:svc', bpm.deploy('{"key": "svc", "nodes": [
    {"id": "s", "type": "start_event"}, {"id": "call", "type": "service_task", "topic": "c_topic", "retries": 3},
    {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "call"}, {"from": "call", "to": "e"}]}'));
INSERT INTO ids VALUES ('j1_inst', bpm.start('svc', '{"n": 1}'));
INSERT INTO ids VALUES ('j2_inst', bpm.start('svc', '{"n": 2}'));
INSERT INTO ids SELECT 'j1', id FROM bpm.job WHERE instance_id = pg_temp.id('j1_inst');
INSERT INTO ids SELECT 'j2', id FROM bpm.job WHERE instance_id = pg_temp.id('j2_inst');
SELECT results_eq(
    $$SELECT id, locked_by, attempts, lock_expires_at = now() + interval '1 hour'
        FROM bpm.fetch_and_lock('c_topic', 'w1', 10, '1 hour') ORDER BY id$$,
    format($$VALUES (%s::bigint, 'w1', 1, true), (%s, 'w1', 1, true)$$, pg_temp.id('j1'), pg_temp.id('j2')),
    'fetch_and_lock returns the due jobs, locked for the worker for lock_for');
SELECT is_empty($$SELECT * FROM bpm.fetch_and_lock('c_topic', 'w2', 10)$$,
    'a job whose lock has not expired is never returned');
-- the clock passes job 1's lock
UPDATE bpm.job SET lock_expires_at = now() - interval '1 second' WHERE id = pg_temp.id('j1');
SELECT results_eq(
    $$SELECT id, locked_by, attempts FROM bpm.fetch_and_lock('c_topic', 'w2', 10)$$,
    format($$VALUES (%s::bigint, 'w2', 2)$$, pg_temp.id('j1')),
    'a job whose lock expired is returned to the next worker, and only that one');
SELECT results_eq(
    format($$SELECT kind, data FROM pg_temp.story(%s) WHERE kind LIKE 'job%%'$$, pg_temp.id('j1_inst')),
    $$VALUES ('job_created', '{"topic": "c_topic"}'::jsonb), ('job_locked', '{"worker": "w1"}'),
             ('job_locked', '{"worker": "w2"}')$$,
    'each fetch is recorded with its worker');
SELECT throws_ok(format($$SELECT bpm.complete_job(%s, 'w1')$$, pg_temp.id('j1')), '42501', NULL,
    'the worker whose lock expired can no longer complete the job');
SELECT lives_ok(format($$SELECT bpm.complete_job(%s, 'w2', '{"result": "done", "n": 10}')$$, pg_temp.id('j1')),
    'the worker holding the lock completes it');
SELECT results_eq(
    format($$SELECT state, data, (SELECT count(*) FROM bpm.job WHERE instance_id = i.id)
               FROM bpm.instance i WHERE id = %s$$, pg_temp.id('j1_inst')),
    $$VALUES ('completed', '{"n": 10, "result": "done"}'::jsonb, 0::bigint)$$,
    'complete_job merges its data, removes the job and moves the instance on');
-- fail_job: retry_in decides when the job is fetchable again
SELECT bpm.fail_job(pg_temp.id('j2'), 'w1', 'timeout', '1 hour');
SELECT results_eq(
    format($$SELECT retries, locked_by, last_error, due_at = now() + interval '1 hour' FROM bpm.job WHERE id = %s$$, pg_temp.id('j2')),
    $$VALUES (2, NULL::text, 'timeout', true)$$,
    'fail_job takes a retry, unlocks the job and makes it due after retry_in');
SELECT is_empty($$SELECT * FROM bpm.fetch_and_lock('c_topic', 'w3', 10)$$,
    'a failed job is not fetchable before retry_in has passed');
UPDATE bpm.job SET due_at = now() - interval '1 second' WHERE id = pg_temp.id('j2');
SELECT results_eq(
    $$SELECT id, locked_by, retries, attempts FROM bpm.fetch_and_lock('c_topic', 'w3', 10)$$,
    format($$VALUES (%s::bigint, 'w3', 2, 2)$$, pg_temp.id('j2')),
    'once due again it is fetchable, counting the attempt');

-- =============================================================== cancel
INSERT INTO ids VALUES ('def:both', bpm.deploy('{"key": "both", "nodes": [
    {"id": "s", "type": "start_event"}, {"id": "fork", "type": "parallel_gateway"},
    {"id": "human", "type": "user_task"}, {"id": "machine", "type": "service_task", "topic": "c_both"},
    {"id": "join", "type": "parallel_gateway"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "fork"}, {"from": "fork", "to": "human"}, {"from": "fork", "to": "machine"},
    {"from": "human", "to": "join"}, {"from": "machine", "to": "join"}, {"from": "join", "to": "e"}]}'));
INSERT INTO ids VALUES ('c', bpm.start('both'));
INSERT INTO ids SELECT 'c_job', id FROM bpm.job WHERE instance_id = pg_temp.id('c');
SET LOCAL bpm.actor = 'manager';
SELECT bpm.cancel(pg_temp.id('c'), 'customer withdrew');
RESET bpm.actor;
SELECT results_eq(
    format($$SELECT state, end_reason, ended_by, ended_at IS NOT NULL,
                    (SELECT count(*) FROM bpm.token WHERE instance_id = i.id),
                    (SELECT count(*) FROM bpm.job WHERE instance_id = i.id),
                    (SELECT string_agg(status || '/' || completed_by, ',') FROM bpm.task WHERE instance_id = i.id)
               FROM bpm.instance i WHERE id = %s$$, pg_temp.id('c')),
    $$VALUES ('terminated', 'customer withdrew', 'manager', true, 0::bigint, 0::bigint, 'cancelled/manager')$$,
    'cancel terminates the instance with its reason, cancels its task, removes its job and tokens');
SELECT results_eq(
    format($$SELECT kind, node_id, actor, data FROM pg_temp.story(%s) WHERE actor = 'manager'$$, pg_temp.id('c')),
    $$VALUES ('task_cancelled', 'human', 'manager', NULL::jsonb),
             ('job_cancelled', 'machine', 'manager', NULL),
             ('instance_terminated', NULL, 'manager', '{"reason": "customer withdrew"}')$$,
    'cancel records each cancelled task and job, then the termination with its reason');
SELECT is_empty($$SELECT * FROM bpm.fetch_and_lock('c_both', 'w1')$$,
    'the job of a cancelled instance cannot be fetched');

-- ============================================================= worklist
INSERT INTO bpm.actor_group VALUES ('alice', 'sales'), ('dave', 'sales'), ('bob', 'ops');
INSERT INTO ids VALUES ('def:wl', bpm.deploy('{"key": "wl", "nodes": [
    {"id": "s", "type": "start_event"}, {"id": "fork", "type": "parallel_gateway"},
    {"id": "for_alice", "type": "user_task", "assignee": "alice"},
    {"id": "for_sales", "type": "user_task", "candidate_groups": ["sales", "board"]},
    {"id": "for_anyone", "type": "user_task"},
    {"id": "for_team", "type": "user_task", "candidate_groups": "$.team"},
    {"id": "for_owner", "type": "user_task", "assignee": "$.owner"},
    {"id": "join", "type": "parallel_gateway"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "fork"},
    {"from": "fork", "to": "for_alice"}, {"from": "fork", "to": "for_sales"},
    {"from": "fork", "to": "for_anyone"}, {"from": "fork", "to": "for_team"},
    {"from": "fork", "to": "for_owner"},
    {"from": "for_alice", "to": "join"}, {"from": "for_sales", "to": "join"},
    {"from": "for_anyone", "to": "join"}, {"from": "for_team", "to": "join"},
    {"from": "for_owner", "to": "join"}, {"from": "join", "to": "e"}]}'));
INSERT INTO ids VALUES ('wl', bpm.start('wl', '{"team": "ops", "owner": "carol"}'));
CREATE FUNCTION pg_temp.worklist_of(actor text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE result text[];
BEGIN
    PERFORM set_config('bpm.actor', actor, true);
    SELECT array_agg(node_id ORDER BY node_id) INTO result
      FROM bpm.worklist WHERE instance_id = pg_temp.id('wl');
    PERFORM set_config('bpm.actor', '', true);
    RETURN result;
END
$$;
SELECT is(pg_temp.worklist_of('alice'), '{for_alice,for_anyone,for_sales}',
    'alice sees her task, her group''s, and the unrestricted one');
SELECT is(pg_temp.worklist_of('bob'), '{for_anyone,for_team}',
    'bob sees the task whose group came from the data ($.team), and the unrestricted one');
SELECT is(pg_temp.worklist_of('carol'), '{for_anyone,for_owner}',
    'carol sees the task assigned to her by the data ($.owner), and the unrestricted one');
SELECT is(pg_temp.worklist_of('dave'), '{for_anyone,for_sales}',
    'dave, also in sales, sees the sales task');
SELECT is((SELECT count(*) FROM bpm.tasks WHERE instance_id = pg_temp.id('wl')), 5::bigint,
    'bpm.tasks lists all five open tasks, whoever asks');
SET LOCAL bpm.actor = 'alice';
SELECT bpm.claim(pg_temp.task(pg_temp.id('wl'), 'for_sales'));
RESET bpm.actor;
SELECT is(pg_temp.worklist_of('dave'), '{for_anyone}',
    'once alice claims the sales task it leaves dave''s worklist');
SELECT is(pg_temp.worklist_of('alice'), '{for_alice,for_anyone,for_sales}',
    'and stays in alice''s');
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('wl'), 'for_anyone'));
SELECT is(pg_temp.worklist_of('bob'), '{for_team}',
    'a completed task leaves every worklist');
SELECT is(bpm.current_actor(), current_user::text,
    'with bpm.actor unset the actor is the current role');

-- assignment: an operator (here the superuser) hands a task on; its new
-- assignee, with no privileges of an operator, reschedules and gives it back
SELECT bpm.assign(pg_temp.task(pg_temp.id('wl'), 'for_owner'), 'bob');
SET LOCAL ROLE bpm_tap_clerk;
SET LOCAL bpm.actor = 'bob';
UPDATE bpm.task SET priority = 90, due_at = '2030-01-02 03:04:05+00'
 WHERE id = pg_temp.task(pg_temp.id('wl'), 'for_owner');
SELECT bpm.unclaim(pg_temp.task(pg_temp.id('wl'), 'for_owner'));
RESET bpm.actor;
RESET ROLE;
SELECT results_eq(
    format($$SELECT kind, actor, data FROM pg_temp.story(%s)
              WHERE kind IN ('task_assigned', 'task_updated', 'task_unclaimed')$$, pg_temp.id('wl')),
    $$VALUES ('task_assigned', current_user::text COLLATE "default", '{"from": "carol", "to": "bob"}'::jsonb),
             ('task_updated', 'bob', '{"priority": 90, "due_at": "2030-01-02T03:04:05+00:00"}'),
             ('task_unclaimed', 'bob', '{"from": "bob", "to": null}')$$,
    'assign, reschedule and unclaim are recorded with who, from and to');
SELECT results_eq(
    format($$SELECT assignee, priority, due_at FROM bpm.task WHERE id = %s$$,
           pg_temp.task(pg_temp.id('wl'), 'for_owner')),
    $$VALUES (NULL::text, 90, '2030-01-02 03:04:05+00'::timestamptz)$$,
    'and leave the task unassigned with its new priority and due date');

-- ========================================== a role with no table privileges
INSERT INTO ids VALUES ('def:clerk', bpm.deploy('{"key": "clerk_flow", "nodes": [
    {"id": "s", "type": "start_event"},
    {"id": "review", "type": "user_task", "candidate_groups": ["clerks"], "required": ["verdict"]},
    {"id": "file", "type": "service_task", "topic": "c_file"},
    {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "review"}, {"from": "review", "to": "file"}, {"from": "file", "to": "e"}]}'));
INSERT INTO bpm.actor_group VALUES ('bpm_tap_clerk', 'clerks');

SELECT is(
    (SELECT count(*) FROM pg_class c, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p(priv)
      WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind IN ('r', 'v')
        AND has_table_privilege('bpm_tap_clerk', c.oid, p.priv)),
    0::bigint,
    'the clerk has no table-level write privilege on any bpm table or view');
SET LOCAL ROLE bpm_tap_clerk;
SELECT is(bpm.current_actor(), 'bpm_tap_clerk', 'the clerk role acts as itself');
INSERT INTO ids VALUES ('k1', bpm.start('clerk_flow', '{"doc": 1}', 'K-1'));
INSERT INTO ids VALUES ('k2', bpm.start('clerk_flow', '{"doc": 2}', 'K-2'));
SELECT is((SELECT count(*) FROM bpm.worklist WHERE business_key IN ('K-1', 'K-2')), 2::bigint,
    'the clerk reads its worklist');
SELECT lives_ok(format('SELECT bpm.claim(%s)', pg_temp.task(pg_temp.id('k1'), 'review')),
    'the clerk claims a task');
SELECT lives_ok(format($$SELECT bpm.complete_task(%s, '{"verdict": "fine"}')$$, pg_temp.task(pg_temp.id('k1'), 'review')),
    'the clerk completes a task with bpm.complete_task');
SELECT lives_ok(format($$UPDATE bpm.task SET status = 'completed', output = '{"verdict": "late"}' WHERE id = %s$$,
                       pg_temp.task(pg_temp.id('k2'), 'review')),
    'the clerk completes a task with a plain UPDATE (its column privilege)');
SELECT results_eq(
    $$SELECT d.instance_id FROM bpm.fetch_and_lock('c_file', 'clerk-worker', 10) d ORDER BY d.id$$,
    format($$VALUES (%s::bigint), (%s)$$, pg_temp.id('k1'), pg_temp.id('k2')),
    'the clerk fetches the jobs as a worker');
SELECT lives_ok(
    format($$SELECT bpm.complete_job(id, 'clerk-worker') FROM bpm.job WHERE instance_id IN (%s, %s)$$,
           pg_temp.id('k1'), pg_temp.id('k2')),
    'and completes them');
SELECT lives_ok($$SELECT bpm.deploy('{"key": "clerk_own", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "e", "type": "end_event"}], "flows": [{"from": "s", "to": "e"}]}')$$,
    'the clerk may deploy a definition');
SELECT is(current_user::text, 'bpm_tap_clerk', 'all along the clerk stayed itself');
RESET ROLE;

SELECT results_eq(
    format($$SELECT business_key, state, data, started_by FROM bpm.instance WHERE id IN (%s, %s) ORDER BY id$$,
           pg_temp.id('k1'), pg_temp.id('k2')),
    $$VALUES ('K-1', 'completed', '{"doc": 1, "verdict": "fine"}'::jsonb, 'bpm_tap_clerk'),
             ('K-2', 'completed', '{"doc": 2, "verdict": "late"}'::jsonb, 'bpm_tap_clerk')$$,
    'both of the clerk''s instances ran to their end');
SELECT results_eq(
    format($$SELECT DISTINCT actor FROM bpm.event WHERE instance_id IN (%s, %s)$$, pg_temp.id('k1'), pg_temp.id('k2')),
    $$VALUES ('bpm_tap_clerk')$$,
    'every event of those instances names the clerk as the actor');
SELECT results_eq(
    format($$SELECT completed_by FROM bpm.task WHERE instance_id IN (%s, %s) ORDER BY id$$, pg_temp.id('k1'), pg_temp.id('k2')),
    $$VALUES ('bpm_tap_clerk'), ('bpm_tap_clerk')$$,
    'and the tasks record the clerk as their completer');
SELECT results_eq(
    $$SELECT deployed_by, deployed_by_oid FROM bpm.definition WHERE key = 'clerk_own'$$,
    $$SELECT 'bpm_tap_clerk', 'bpm_tap_clerk'::regrole::oid$$,
    'the clerk''s deployment records the clerk');
SET LOCAL ROLE bpm_tap_clerk;
SET LOCAL bpm.actor = 'alice';
INSERT INTO ids VALUES ('k3', bpm.start('clerk_flow', '{"doc": 3}'));
RESET bpm.actor;
RESET ROLE;
SELECT results_eq(
    format($$SELECT DISTINCT actor FROM bpm.event WHERE instance_id = %s$$, pg_temp.id('k3')),
    $$VALUES ('alice')$$,
    'with bpm.actor set, the events name that actor instead of the role');

-- =============================================================== events
SELECT is(
    (SELECT count(*) FROM bpm.instance i, bpm.verify_events(i.id) v WHERE v.ok),
    14::bigint,
    'the event chain of each of the 14 instances started here verifies');
SELECT results_eq(
    format($$SELECT count(*), count(*) FILTER (WHERE prev_hash IS NULL),
                    bool_and(length(hash) = 32),
                    bool_and(prev_hash IS NOT DISTINCT FROM previous)
               FROM (SELECT prev_hash, hash, lag(hash) OVER (ORDER BY id) AS previous
                       FROM bpm.event WHERE instance_id = %s) e$$, pg_temp.id('m')),
    $$VALUES (8::bigint, 1::bigint, true, true)$$,
    'each event carries a 32-byte hash and links to the hash of the event before it');

-- verify_events must notice tampering (done last: it breaks the chains)
ALTER TABLE bpm.event DISABLE TRIGGER event_append_only;
UPDATE bpm.event SET data = '{"patch": {"b": "forged"}}'
 WHERE instance_id = pg_temp.id('m') AND kind = 'data_changed';
SELECT results_eq(
    format('SELECT ok, first_bad_event FROM bpm.verify_events(%s)', pg_temp.id('m')),
    format($$SELECT false, id FROM bpm.event WHERE instance_id = %s AND kind = 'data_changed'$$, pg_temp.id('m')),
    'verify_events names a changed event');
DELETE FROM bpm.event WHERE id = (SELECT max(id) FROM bpm.event WHERE instance_id = pg_temp.id('m0'));
SELECT results_eq(
    format('SELECT ok, first_bad_event FROM bpm.verify_events(%s)', pg_temp.id('m0')),
    format($$SELECT false, last_event_id FROM bpm.instance WHERE id = %s$$, pg_temp.id('m0')),
    'verify_events notices the newest event removed (the instance still anchors it)');
ALTER TABLE bpm.event ENABLE TRIGGER event_append_only;

SELECT * FROM finish();
ROLLBACK;
