-- 57_log_state: nothing lost, nothing changed behind the log's back.
--
--   - an instance row is never deleted (42501 "instance N cannot be
--     deleted"), running or ended, by a superuser (the owner of schema bpm
--     here) or by a role granted DELETE; nothing is deleted;
--   - the tokens, tasks, jobs and plan items of an instance are deleted by
--     the engine only: a DELETE by hand is 42501, TRUNCATE of any of these
--     tables too; the engine deletes them as it moves on (a step, a
--     cancel), and rows of no instance (a free task) are not guarded;
--   - bpm.verify_state checks the chain, then the instance row against its
--     events: the definition of its opening event, the data its patches
--     replay to, the tokens the engine left (tokens_hash); an untouched
--     process after many steps, a cancelled one and a case with plan items
--     verify; each tampering is named (a data path, 'definition_id',
--     'tokens', 'event'), and bpm.verify_events, which checks only the
--     chain, does not see them.
BEGIN;
SELECT no_plan();
\ir helpers.psql
SET LOCAL bpm.actor = 'ops';
SET LOCAL pg_bpm.mock_now = '2030-01-01 00:00:00+00';

-- A process of many steps: a split into a sub-process, a user task and an
-- external service task, a join, a timer, a last task.
SELECT bpm.deploy($$
{"key": "ls_many", "nodes": [
  {"id": "start", "type": "start_event"},
  {"id": "split", "type": "parallel_gateway"},
  {"id": "sub", "type": "subprocess", "nodes": [
     {"id": "s2", "type": "start_event"}, {"id": "check", "type": "user_task"},
     {"id": "e2", "type": "end_event"}],
   "flows": [{"from": "s2", "to": "check"}, {"from": "check", "to": "e2"}]},
  {"id": "review", "type": "user_task"},
  {"id": "call", "type": "service_task", "topic": "ls_billing"},
  {"id": "join", "type": "parallel_gateway"},
  {"id": "wait", "type": "intermediate_event", "timer": {"duration": "PT5M"}},
  {"id": "approve", "type": "user_task"},
  {"id": "end", "type": "end_event"}],
 "flows": [{"from": "start", "to": "split"},
           {"from": "split", "to": "sub"}, {"from": "split", "to": "review"}, {"from": "split", "to": "call"},
           {"from": "sub", "to": "join"}, {"from": "review", "to": "join"}, {"from": "call", "to": "join"},
           {"from": "join", "to": "wait"}, {"from": "wait", "to": "approve"}, {"from": "approve", "to": "end"}]}
$$) > 0;
SELECT bpm.deploy(pg_temp.with_node('ls_other', '{"type": "user_task"}', 'work')::jsonb) > 0;
SELECT bpm.deploy($$
{"key": "ls_case", "kind": "case", "plan": [
  {"id": "a", "type": "human_task"},
  {"id": "b", "type": "human_task", "entry": [{"on": ["a.complete"]}]},
  {"id": "m", "type": "milestone", "entry": [{"on": ["b.complete"]}]}]}$$) > 0;

-- the first mismatch verify_state names, with what the events say and what the row holds
CREATE FUNCTION pg_temp.state(instance bigint) RETURNS TABLE (ok boolean, mismatch text, expected jsonb, found jsonb)
LANGUAGE sql AS $$SELECT ok, mismatch, expected, found FROM bpm.verify_state(instance)$$;
CREATE FUNCTION pg_temp.verified(name text) RETURNS boolean LANGUAGE sql AS
    $$SELECT ok FROM bpm.verify_state(pg_temp.id(name))$$;
-- a running instance of ls_other, waiting at its task
CREATE FUNCTION pg_temp.fresh(name text, data jsonb DEFAULT '{}') RETURNS bigint LANGUAGE sql AS
    $$INSERT INTO ids VALUES (name, bpm.start('ls_other', data)) RETURNING id$$;

-- 1. untouched instances verify, at each step of the way
INSERT INTO ids VALUES ('many', bpm.start('ls_many', '{"amount": 10, "customer": {"name": "Ann"}}'));
SELECT ok(pg_temp.verified('many'), 'a process resting in a sub-process, at a task and at a service task verifies');
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('many'), 'check'), '{"checked": true}');
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('many'), 'review'), '{"customer": {"name": "Ann", "vip": true}}');
SELECT ok(pg_temp.verified('many'), '... and with a token joining after its sub-process ended');
SELECT bpm.complete_job(j.id, 'w1', '{"invoice": 7}') FROM bpm.fetch_and_lock('ls_billing', 'w1') j;
SELECT is((SELECT waiting_at FROM bpm.processes WHERE id = pg_temp.id('many')), ARRAY['wait'],
    'the join fired and the process waits at its timer');
SET LOCAL pg_bpm.mock_now = '2030-01-01 00:05:00+00';
SELECT bpm.run_jobs() >= 1;
SELECT ok(pg_temp.verified('many'), '... after the timer fired');
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('many'), 'approve'), '{"approved": true}');
SELECT results_eq($$SELECT state, data FROM bpm.instance WHERE id = pg_temp.id('many')$$,
    $$VALUES ('completed', '{"amount": 10, "checked": true, "invoice": 7, "approved": true,
                             "customer": {"name": "Ann", "vip": true}}'::jsonb)$$,
    'the process completed with the data of its steps');
SELECT results_eq($$SELECT * FROM pg_temp.state(pg_temp.id('many'))$$,
    $$VALUES (true, NULL::text, NULL::jsonb, NULL::jsonb)$$,
    'the completed process verifies: no mismatch, nothing expected, nothing found');

INSERT INTO ids VALUES ('case', bpm.open_case('ls_case', '{"topic": "claims"}'));
SELECT bpm.complete_task((SELECT task_id FROM bpm.case_plan WHERE case_id = pg_temp.id('case') AND item_id = 'a'),
                         '{"a_done": 1}');
SELECT bpm.update_case(pg_temp.id('case'), '{"note": "more"}');
SELECT is((SELECT state FROM bpm.plan_item WHERE case_id = pg_temp.id('case') AND item_id = 'b'), 'active',
    'the case has moved on to item b');
SELECT ok(pg_temp.verified('case'), 'a case with plan items, a task completed and its file updated verifies');

SELECT pg_temp.fresh('cancelled');
SELECT bpm.cancel(pg_temp.id('cancelled'), 'no longer needed');
SELECT is((SELECT count(*) FROM bpm.token WHERE instance_id = pg_temp.id('cancelled')), 0::bigint,
    'bpm.cancel removes the tokens of the instance (the engine may)');
SELECT ok(pg_temp.verified('cancelled'), 'a cancelled process verifies');

-- 2. no instance row is deleted, and no runtime row of one by hand
SELECT pg_temp.fresh('running');
-- a job of a running instance: an external task waiting for its worker
SELECT bpm.deploy(pg_temp.with_node('ls_ext', '{"type": "service_task", "topic": "ls_ext"}', 'call')::jsonb) > 0;
INSERT INTO ids VALUES ('ext', bpm.start('ls_ext'));
CREATE TEMP TABLE counts AS
SELECT (SELECT count(*) FROM bpm.instance) AS instances, (SELECT count(*) FROM bpm.token) AS tokens,
       (SELECT count(*) FROM bpm.task_store) AS tasks, (SELECT count(*) FROM bpm.job) AS jobs,
       (SELECT count(*) FROM bpm.plan_item) AS items, (SELECT count(*) FROM bpm.event) AS events;
CREATE FUNCTION pg_temp.nothing_deleted() RETURNS boolean LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM bpm.instance) = instances AND (SELECT count(*) FROM bpm.token) = tokens
       AND (SELECT count(*) FROM bpm.task_store) = tasks AND (SELECT count(*) FROM bpm.job) = jobs
       AND (SELECT count(*) FROM bpm.plan_item) = items AND (SELECT count(*) FROM bpm.event) = events
      FROM counts$$;

-- throws_ok for a DELETE from a table of the rows of a named instance
CREATE FUNCTION pg_temp.delete_refused(tab text, instance text, description text) RETURNS text
LANGUAGE sql AS $$
    SELECT throws_ok(
        format('DELETE FROM bpm.%s WHERE %s = %s', tab,
               CASE tab WHEN 'instance' THEN 'id' WHEN 'plan_item' THEN 'case_id' ELSE 'instance_id' END,
               pg_temp.id(instance)),
        '42501',
        CASE tab WHEN 'instance' THEN format('instance %s cannot be deleted', pg_temp.id(instance))
                 ELSE format('rows of instance %s in bpm.%s are deleted by the engine only',
                             pg_temp.id(instance), tab) END,
        description)
$$;

SELECT pg_temp.delete_refused(tab, instance, description) FROM (VALUES
    ('instance', 'running', 'DELETE of a running instance is 42501 for a superuser (the owner of schema bpm)'),
    ('instance', 'many', '... and of a completed one: it is history'),
    ('token', 'running', 'DELETE of the token of a running instance is 42501'),
    ('task_store', 'running', 'DELETE of its task is 42501'),
    ('job', 'ext', 'DELETE of the job of a running instance is 42501'),
    ('task_store', 'many', 'DELETE of the completed tasks of an ended instance is 42501 (history)'),
    ('plan_item', 'case', 'DELETE of the plan items of a case is 42501')) v (tab, instance, description);
SELECT throws_ok('TRUNCATE bpm.token', '42501', 'bpm.token cannot be truncated', 'TRUNCATE bpm.token is 42501');
SET LOCAL client_min_messages = warning;   -- not the NOTICEs of CASCADE
SELECT throws_ok(format('TRUNCATE bpm.%s CASCADE', tab), '42501', NULL, format('TRUNCATE bpm.%s is 42501', tab))
  FROM unnest(ARRAY['instance', 'task_store', 'job', 'plan_item']) tab;
RESET client_min_messages;
SELECT ok(pg_temp.nothing_deleted(), 'nothing was deleted');
SELECT is((SELECT count(*) FROM bpm.job WHERE instance_id = pg_temp.id('ext')), 1::bigint, '... the job is still there');

-- an operator that is no superuser: a member of the owner of schema bpm,
-- with its rights on the tables (row-level security does not hide rows
-- from it); and a plain role granted TRUNCATE (which row-level security
-- does not limit; its DELETE sees no rows)
CREATE ROLE tap_ls_op;
SELECT format('GRANT %I TO tap_ls_op', nspowner::regrole) FROM pg_namespace WHERE nspname = 'bpm' \gexec
CREATE ROLE tap_ls_dba;
GRANT TRUNCATE ON bpm.instance, bpm.token, bpm.task_store, bpm.job TO tap_ls_dba;
GRANT SELECT ON ids TO tap_ls_op, tap_ls_dba;
SET LOCAL ROLE tap_ls_op;
SELECT ok(NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), 'tap_ls_op is no superuser');
SELECT pg_temp.delete_refused(tab, instance, description) FROM (VALUES
    ('instance', 'running', 'DELETE of a running instance is 42501 for an operator (a member of the owner)'),
    ('token', 'running', '... and DELETE of its token'),
    ('job', 'ext', '... and of a job')) v (tab, instance, description);
RESET ROLE;
SET LOCAL ROLE tap_ls_dba;
SELECT throws_ok('TRUNCATE bpm.token', '42501', 'bpm.token cannot be truncated',
    'TRUNCATE bpm.token is 42501 for a role granted TRUNCATE');
SELECT throws_ok('TRUNCATE bpm.job', '42501', 'bpm.job cannot be truncated', '... and TRUNCATE bpm.job');
RESET ROLE;
SELECT ok(pg_temp.nothing_deleted(), 'nothing was deleted');

-- what an operator does instead: cancel; the instance stays, as history
SELECT bpm.cancel(pg_temp.id('running'), 'opened by mistake');
SELECT results_eq(format('SELECT state, (SELECT count(*) FROM bpm.token WHERE instance_id = %1$s), '
                         '(SELECT status FROM bpm.task_store WHERE instance_id = %1$s) '
                         'FROM bpm.instance WHERE id = %1$s', pg_temp.id('running')),
    $$VALUES ('terminated', 0::bigint, 'cancelled')$$,
    'bpm.cancel ends the instance: no token left, its task cancelled, the row kept');

-- a free task (of no instance) is no instance's row: not guarded
INSERT INTO ids VALUES ('free', bpm.create_task('a free task'));
DELETE FROM bpm.task_store WHERE id = pg_temp.id('free');
SELECT is((SELECT count(*) FROM bpm.task_store WHERE id = pg_temp.id('free')), 0::bigint,
    'a free task can be deleted: it belongs to no instance');

-- 3. each change behind the log's back is named (the guards are off, as
-- only a superuser can have them: session_replication_role = replica)
SELECT pg_temp.fresh('data', '{"amount": 10, "customer": {"name": "Ann", "city": "Oslo"}}');
SELECT pg_temp.fresh('nested', '{"amount": 10, "customer": {"name": "Ann", "city": "Oslo"}}');
SELECT pg_temp.fresh('added');
SELECT pg_temp.fresh('definition');
SELECT pg_temp.fresh('moved');
SELECT pg_temp.fresh('deleted');
SELECT pg_temp.fresh('inserted');
SELECT pg_temp.fresh('chain');
SELECT ok(bool_and(pg_temp.verified(name)), 'before the tampering, all verify')
  FROM ids WHERE name IN ('data', 'nested', 'added', 'definition', 'moved', 'deleted', 'inserted', 'chain');

UPDATE bpm.instance SET data = data || '{"amount": 1000000}' WHERE id = pg_temp.id('data');
UPDATE bpm.instance SET data = jsonb_set(data, '{customer,city}', '"Rome"') WHERE id = pg_temp.id('nested');
UPDATE bpm.instance SET data = data || '{"approved": true}' WHERE id = pg_temp.id('added');
UPDATE bpm.instance SET definition_id = (SELECT id FROM bpm.definition WHERE key = 'ls_many')
 WHERE id = pg_temp.id('definition');
UPDATE bpm.token SET node_id = 'e' WHERE instance_id = pg_temp.id('moved');
SET LOCAL session_replication_role = replica;
DELETE FROM bpm.token WHERE instance_id = pg_temp.id('deleted');
INSERT INTO bpm.token (instance_id, node_id, state) VALUES (pg_temp.id('inserted'), 'work', 'waiting');
UPDATE bpm.event SET actor = 'mallory' WHERE instance_id = pg_temp.id('chain') AND kind = 'task_created';
SET LOCAL session_replication_role = origin;

SELECT results_eq($$SELECT * FROM pg_temp.state(pg_temp.id('data'))$$,
    $$VALUES (false, 'data.amount', '10'::jsonb, '1000000'::jsonb)$$,
    'a changed value of the data is named by its key, with the value the events say and the one found');
SELECT results_eq($$SELECT * FROM pg_temp.state(pg_temp.id('nested'))$$,
    $$VALUES (false, 'data.customer.city', '"Oslo"'::jsonb, '"Rome"'::jsonb)$$,
    'a change inside a nested object is named by its path');
SELECT results_eq($$SELECT * FROM pg_temp.state(pg_temp.id('added'))$$,
    $$VALUES (false, 'data.approved', NULL::jsonb, 'true'::jsonb)$$,
    'a field no event wrote is named, expected absent (NULL)');
SELECT results_eq($$SELECT ok, mismatch, expected = to_jsonb((SELECT id FROM bpm.definition WHERE key = 'ls_other')),
                           found = to_jsonb((SELECT id FROM bpm.definition WHERE key = 'ls_many'))
                      FROM pg_temp.state(pg_temp.id('definition'))$$,
    $$VALUES (false, 'definition_id', true, true)$$,
    'a changed definition_id is named, with the definition of instance_started and the one found');
SELECT results_eq($$SELECT ok, mismatch, found->0->>'node_id' FROM pg_temp.state(pg_temp.id('moved'))$$,
    $$VALUES (false, 'tokens', 'e')$$,
    'a token moved by hand is named (tokens), with the token rows found');
SELECT results_eq($$SELECT * FROM pg_temp.state(pg_temp.id('deleted'))$$,
    $$VALUES (false, 'tokens', NULL::jsonb, NULL::jsonb)$$,
    'a token deleted by hand is named: no token is found where the engine left one');
SELECT results_eq($$SELECT ok, mismatch, jsonb_array_length(found) FROM pg_temp.state(pg_temp.id('inserted'))$$,
    $$VALUES (false, 'tokens', 2)$$,
    'a token inserted by hand is named');
SELECT results_eq(format('SELECT ok, mismatch, first_bad_event = (SELECT id FROM bpm.event WHERE instance_id = %1$s '
                         'AND kind = %2$L) FROM bpm.verify_state(%1$s)', pg_temp.id('chain'), 'task_created'),
    $$VALUES (false, 'event', true)$$,
    'a changed event: verify_state names it as verify_events does (mismatch event)');
SELECT is(ARRAY(SELECT v.ok FROM ids, bpm.verify_events(ids.id) v
                 WHERE name IN ('data', 'nested', 'added', 'definition', 'moved', 'deleted', 'inserted')),
    ARRAY[true, true, true, true, true, true, true],
    'bpm.verify_events checks the chain only: the changed state passes it');
SELECT ok(pg_temp.verified('many') AND pg_temp.verified('case') AND pg_temp.verified('cancelled'),
    'the untouched instances still verify');

-- 4. verify_state's errors: NULL, unknown instance
SELECT throws_ok('SELECT * FROM bpm.verify_state(NULL)', '22004', 'instance id must not be null',
    'verify_state(NULL) is 22004');
SELECT throws_ok('SELECT * FROM bpm.verify_state(-1)', '42704', 'instance -1 does not exist',
    'verify_state of an unknown instance is 42704');

SELECT * FROM finish();
ROLLBACK;
