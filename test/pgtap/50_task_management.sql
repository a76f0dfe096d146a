-- 50_task_management: the contracts of task management — free tasks and
-- subtasks, delegation, comments, boards and the worklist views — and
-- every error they raise, with its SQLSTATE and exact message.
--
-- Most checks run as bpm_tap_clerk, a role that is no operator (the test
-- itself runs as a superuser, which is one) but, as an application's role,
-- may act for others; the actor is bpm.actor. Ids are kept by name in the
-- temp table ids.
BEGIN;
SELECT no_plan();
\ir helpers.psql

CREATE ROLE bpm_tap_clerk NOLOGIN;
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO bpm_tap_clerk;
SET LOCAL pg_bpm.mock_now = '2030-06-03 09:00:00+00';
INSERT INTO bpm.actor_group VALUES ('ana', 'crew'), ('bo', 'crew'), ('cy', 'crew');

GRANT SELECT, INSERT ON ids TO PUBLIC;
-- Run a statement (with %s replaced by ids) and expect an error.
CREATE FUNCTION pg_temp.fails(sql text, sqlstate text, message text, description text)
RETURNS text LANGUAGE sql AS $$ SELECT throws_ok(sql, sqlstate, message, description) $$;
CREATE FUNCTION pg_temp.as_actor(actor text) RETURNS void LANGUAGE sql AS
    $$SELECT set_config('bpm.actor', actor, true)$$;

-- A process with one user task for the crew, with a required field.
SELECT bpm.deploy('{"key": "tm", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task", "name": "Process task", "candidate_groups": ["crew"],
     "required": ["ok"]},
    {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}');

SET LOCAL ROLE bpm_tap_clerk;

-- ========================================================== create_task
SELECT pg_temp.as_actor('ana');
SELECT pg_temp.fails('SELECT bpm.create_task(NULL)', '22004', 'title must not be null',
    'create_task: a NULL title is 22004');
SELECT pg_temp.fails($$SELECT bpm.create_task('  ')$$, '22023', 'a task''s title must not be empty',
    'create_task: a blank title is 22023');
SELECT pg_temp.fails($$SELECT bpm.create_task('x', priority => -1)$$, '22023',
    'priority must be at least 0, not -1', 'create_task: a negative priority is 22023');
SELECT pg_temp.fails($$SELECT bpm.create_task('x', labels => ARRAY['a', NULL])$$, '22023',
    'labels must not contain null or empty names', 'create_task: a null label is 22023');
SELECT pg_temp.fails($$SELECT bpm.create_task('x', candidate_groups => ARRAY[''])$$, '22023',
    'candidate_groups must not contain null or empty names', 'create_task: an empty group is 22023');
SELECT pg_temp.fails($$SELECT bpm.create_task('x', parent_task_id => 999999999)$$, '42704',
    'task 999999999 does not exist', 'create_task: an unknown parent is 42704');
SELECT pg_temp.fails($$SELECT bpm.create_task('x', board => 'nope')$$, '42704',
    'board "nope" does not exist', 'create_task: an unknown board is 42704');
SELECT is((SELECT count(*) FROM bpm.task WHERE instance_id IS NULL), 0::bigint,
    'the refused creations left no task');

INSERT INTO ids VALUES ('free', bpm.create_task('Free one', priority => NULL, labels => NULL,
                                                candidate_groups => NULL));
SELECT results_eq(
    format($$SELECT instance_id, token_id, node_id, title, status, assignee, candidate_groups, priority,
                    labels, required, created_by, owner, delegation_state
               FROM bpm.task WHERE id = %s$$, pg_temp.id('free')),
    $$VALUES (NULL::bigint, NULL::bigint, NULL::text, 'Free one'::text, 'open'::text, NULL::text,
              '{}'::text[], 50, '{}'::text[], '{}'::text[], 'ana'::text, NULL::text, NULL::text)$$,
    'a free task: no instance, token or node; NULL priority, labels, groups mean the defaults; its creator is kept');
SELECT results_eq(
    format($$SELECT kind, instance_id, prev_hash IS NULL, data FROM bpm.event WHERE task_id = %s$$, pg_temp.id('free')),
    $$VALUES ('task_created'::text, NULL::bigint, true,
              '{"title": "Free one", "assignee": null, "priority": 50, "candidate_groups": []}'::jsonb)$$,
    'task_created of a free task: no instance, not chained');
SELECT results_eq(
    format($$SELECT process_key, business_key FROM bpm.tasks WHERE id = %s$$, pg_temp.id('free')),
    $$VALUES (NULL::text, NULL::text)$$,
    'bpm.tasks lists free tasks, with no process');

-- subtasks: the parent must be open and the actor allowed to split it
INSERT INTO ids VALUES ('crewtask', bpm.create_task('For the crew', candidate_groups => ARRAY['crew']));
SELECT pg_temp.as_actor('zed');
SELECT pg_temp.fails(format($$SELECT bpm.create_task('sub', parent_task_id => %s)$$, pg_temp.id('crewtask')),
    '42501', format('"zed" may not add a subtask to task %s ("For the crew")', pg_temp.id('crewtask')),
    'create_task: a subtask of a task one may not work is 42501');
SELECT pg_temp.as_actor('bo');
INSERT INTO ids VALUES ('sub', bpm.create_task('Sub', parent_task_id => pg_temp.id('crewtask'), assignee => 'bo'));
SELECT is((SELECT parent_task_id FROM bpm.task WHERE id = pg_temp.id('sub')), pg_temp.id('crewtask'),
    'a crew member may split a crew task');

-- ============================================== working a free task
SELECT pg_temp.fails(format($$UPDATE bpm.task SET status = 'completed' WHERE id = %s$$, pg_temp.id('crewtask')),
    '55000', format('task %s cannot be completed while its subtasks are open: %s', pg_temp.id('crewtask'), pg_temp.id('sub')),
    'a task with an open subtask cannot be completed (55000)');
SELECT pg_temp.fails(format($$UPDATE bpm.task SET status = 'cancelled' WHERE id = %s$$, pg_temp.id('crewtask')),
    '55000', format('task %s cannot be cancelled while its subtasks are open: %s', pg_temp.id('crewtask'), pg_temp.id('sub')),
    'a free task with an open subtask cannot be cancelled (55000)');
SELECT pg_temp.as_actor('zed');
SELECT pg_temp.fails(format('SELECT bpm.complete_task(%s)', pg_temp.id('sub')),
    '42501', format('"zed" may not complete task %s ("Sub")', pg_temp.id('sub')),
    'an assigned free task is only its assignee''s (42501)');
SELECT pg_temp.fails(format($$UPDATE bpm.task SET status = 'cancelled' WHERE id = %s$$, pg_temp.id('sub')),
    '42501', format('"zed" may not cancel task %s ("Sub")', pg_temp.id('sub')),
    'a stranger may not cancel a free task (42501)');
SELECT pg_temp.fails(format($$SELECT bpm.claim(%s)$$, pg_temp.id('crewtask')),
    '42501', format('"zed" may not claim task %s: not in its candidate groups ["crew"]', pg_temp.id('crewtask')),
    'claiming a free task follows its candidate groups (42501)');
SELECT pg_temp.as_actor('bo');
SELECT pg_temp.fails(format($$SELECT bpm.complete_task(%s, '[1]')$$, pg_temp.id('sub')),
    '22023', format('task %s: output must be a JSON object', pg_temp.id('sub')),
    'the output of a free task must be an object (22023)');
SELECT pg_temp.fails(format($$UPDATE bpm.task SET title = 'new' WHERE id = %s$$, pg_temp.id('sub')),
    '42501', 'permission denied for view task',
    'a plain role may not update a free task''s title');
SELECT lives_ok(format($$SELECT bpm.complete_task(%s, '{"done": 1}')$$, pg_temp.id('sub')),
    'the assignee completes the subtask');
SELECT results_eq(
    format($$SELECT status, completed_by, completed_at, output FROM bpm.task WHERE id = %s$$, pg_temp.id('sub')),
    $$VALUES ('completed'::text, 'bo'::text, '2030-06-03 09:00:00+00'::timestamptz, '{"done": 1}'::jsonb)$$,
    'a completed free task records who, when (the engine''s clock) and its output');
SELECT pg_temp.fails(format('SELECT bpm.complete_task(%s)', pg_temp.id('sub')),
    '55000', format('task %s is already completed', pg_temp.id('sub')),
    'a completed free task cannot be completed again (55000)');
SELECT pg_temp.as_actor('ana');
SELECT lives_ok(format($$UPDATE bpm.task SET status = 'cancelled' WHERE id = %s$$, pg_temp.id('crewtask')),
    'its creator cancels a free task once its subtasks are closed');
SELECT results_eq(
    format($$SELECT status, completed_by FROM bpm.task WHERE id = %s$$, pg_temp.id('crewtask')),
    $$VALUES ('cancelled'::text, 'ana'::text)$$,
    'a cancelled free task records who cancelled it');
SELECT pg_temp.fails(format($$SELECT bpm.create_task('late', parent_task_id => %s)$$, pg_temp.id('crewtask')),
    '55000', format('cannot add a subtask to task %s: it is cancelled', pg_temp.id('crewtask')),
    'create_task: a closed parent is 55000');
SELECT results_eq(
    format($$SELECT kind FROM bpm.event WHERE task_id = %s ORDER BY id$$, pg_temp.id('crewtask')),
    $$VALUES ('task_created'::text), ('task_cancelled')$$,
    'a cancelled free task has task_created and task_cancelled');
SELECT is((SELECT count(*) FROM bpm.event WHERE instance_id IS NULL AND prev_hash IS NOT NULL), 0::bigint,
    'no event outside an instance is chained');

-- labels and follow-up: the reschedule rule; the creator of a free task may
SELECT lives_ok(format($$UPDATE bpm.task SET labels = ARRAY['x'], follow_up_at = '2030-06-04 09:00+00' WHERE id = %s$$, pg_temp.id('free')),
    'the creator of a free task may relabel it and set its follow-up date');
SELECT results_eq(
    format($$SELECT data FROM bpm.event WHERE task_id = %s AND kind = 'task_updated'$$, pg_temp.id('free')),
    $$VALUES ('{"labels": ["x"], "due_at": null, "priority": 50, "follow_up_at": "2030-06-04T09:00:00+00:00"}'::jsonb)$$,
    'task_updated carries labels and follow_up_at when they changed');
SELECT pg_temp.as_actor('zed');
SELECT pg_temp.fails(format($$UPDATE bpm.task SET labels = '{}' WHERE id = %s$$, pg_temp.id('free')),
    '42501', format('"zed" may not reschedule task %s', pg_temp.id('free')),
    'someone else may not relabel a free task (42501)');

-- a process task with an open free subtask
SELECT pg_temp.as_actor('ana');
INSERT INTO ids VALUES ('p1', bpm.start('tm', '{}', 'P-1'));
INSERT INTO ids SELECT 'p1task', id FROM bpm.task WHERE instance_id = pg_temp.id('p1');
INSERT INTO ids VALUES ('p1sub', bpm.create_task('Look it up', parent_task_id => pg_temp.id('p1task'), assignee => 'ana'));
SELECT pg_temp.fails(format($$SELECT bpm.complete_task(%s, '{"ok": 1}')$$, pg_temp.id('p1task')),
    '55000', format('task %s cannot be completed while its subtasks are open: %s', pg_temp.id('p1task'), pg_temp.id('p1sub')),
    'a process task with an open free subtask cannot be completed (55000)');
SELECT pg_temp.fails(format($$UPDATE bpm.task SET status = 'cancelled' WHERE id = %s$$, pg_temp.id('p1task')),
    '42501', format('task %s cannot be cancelled on its own', pg_temp.id('p1task')),
    'a process task still cannot be cancelled on its own (42501)');

-- ============================================================ delegate
SELECT pg_temp.fails('SELECT bpm.delegate(NULL, ''x'')', '22004', 'task id must not be null', 'delegate: NULL task');
SELECT pg_temp.fails(format('SELECT bpm.delegate(%s, NULL)', pg_temp.id('free')), '22004', 'delegate must not be null',
    'delegate: NULL delegate');
SELECT pg_temp.fails('SELECT bpm.delegate(999999999, ''x'')', '42704', 'task 999999999 does not exist',
    'delegate: unknown task');
SELECT pg_temp.fails(format($$SELECT bpm.delegate(%s, 'bo')$$, pg_temp.id('free')), '55000',
    format('task %s is not assigned: only an assigned task can be delegated', pg_temp.id('free')),
    'delegate: an unassigned task is 55000');
SELECT pg_temp.fails(format($$SELECT bpm.delegate(%s, 'bo')$$, pg_temp.id('sub')), '55000',
    format('task %s is already completed', pg_temp.id('sub')), 'delegate: a completed task is 55000');
SELECT lives_ok(format('SELECT bpm.claim(%s)', pg_temp.id('p1task')), 'ana claims the process task');
SELECT pg_temp.as_actor('bo');
SELECT pg_temp.fails(format($$SELECT bpm.delegate(%s, 'bo')$$, pg_temp.id('p1task')), '42501',
    format('"bo" may not delegate task %s', pg_temp.id('p1task')), 'delegate: someone else''s task is 42501');
SELECT pg_temp.as_actor('ana');
SELECT pg_temp.fails(format($$SELECT bpm.delegate(%s, 'ana')$$, pg_temp.id('p1task')), '22023',
    format('task %s is already assigned to "ana"', pg_temp.id('p1task')), 'delegate: to the assignee is 22023');
SELECT lives_ok(format($$SELECT bpm.delegate(%s, 'bo')$$, pg_temp.id('p1task')), 'ana delegates to bo');
SELECT results_eq(
    format($$SELECT assignee, owner, delegation_state FROM bpm.task WHERE id = %s$$, pg_temp.id('p1task')),
    $$VALUES ('bo'::text, 'ana'::text, 'pending'::text)$$,
    'delegated: the delegate is the assignee, the owner is kept, pending');
SELECT pg_temp.fails(format($$SELECT bpm.complete_task(%s, '{"ok": 1}')$$, pg_temp.id('p1task')), '42501',
    format('"ana" may not complete task %s ("t"): it is delegated to "bo"', pg_temp.id('p1task')),
    'the owner may not complete a pending task (42501)');
SELECT pg_temp.fails(format($$SELECT bpm.assign(%s, 'ana')$$, pg_temp.id('p1task')), '55000',
    format('task %s is delegated to "bo": its assignee cannot be changed', pg_temp.id('p1task')),
    'a pending task''s assignee cannot be changed by UPDATE (55000)');
SELECT pg_temp.as_actor('bo');
SELECT pg_temp.fails(format('SELECT bpm.unclaim(%s)', pg_temp.id('p1task')), '55000',
    format('task %s is delegated to "bo": its assignee cannot be changed', pg_temp.id('p1task')),
    'the delegate may not unclaim a pending task (55000)');
SELECT pg_temp.fails(format($$SELECT bpm.delegate(%s, 'ana')$$, pg_temp.id('p1task')), '22023',
    format('task %s cannot be delegated to its owner "ana"', pg_temp.id('p1task')),
    'delegate: back to the owner is 22023 (the delegate resolves instead)');
SELECT lives_ok(format($$SELECT bpm.delegate(%s, 'cy')$$, pg_temp.id('p1task')), 'bo delegates on to cy');
SELECT results_eq(
    format($$SELECT assignee, owner, delegation_state FROM bpm.task WHERE id = %s$$, pg_temp.id('p1task')),
    $$VALUES ('cy'::text, 'ana'::text, 'pending'::text)$$,
    'delegated again: the first owner is kept');
SELECT pg_temp.as_actor('cy');
SELECT pg_temp.fails(format($$SELECT bpm.complete_task(%s, '"x"')$$, pg_temp.id('p1task')), '22023',
    format('task %s: output must be a JSON object', pg_temp.id('p1task')),
    'a resolution''s output must be an object (22023)');
SELECT lives_ok(format($$SELECT bpm.complete_task(%s, '{"note": "checked"}')$$, pg_temp.id('p1task')),
    'the delegate resolves it, although a subtask is open and "ok" is missing: the owner completes');
SELECT results_eq(
    format($$SELECT t.status, t.assignee, t.owner, t.delegation_state, t.output, i.data, p.waiting_at
               FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id JOIN bpm.processes p ON p.id = i.id
              WHERE t.id = %s$$, pg_temp.id('p1task')),
    $$VALUES ('open'::text, 'ana'::text, 'ana'::text, 'resolved'::text, '{"note": "checked"}'::jsonb,
              '{}'::jsonb, '{t}'::text[])$$,
    'resolved: back with its owner, open, the delegate''s output kept; the process has not moved');
SELECT pg_temp.as_actor('ana');
SELECT lives_ok(format($$SELECT bpm.complete_task(%s)$$, pg_temp.id('p1sub')), 'ana completes the subtask');
SELECT pg_temp.fails(format($$SELECT bpm.complete_task(%s)$$, pg_temp.id('p1task')), '23502',
    format('task %s ("t") cannot be completed without: ok', pg_temp.id('p1task')),
    'the owner''s completion is checked against the process''s rules (23502)');
SELECT lives_ok(format($$SELECT bpm.complete_task(%s, '{"ok": true, "note": "mine"}')$$, pg_temp.id('p1task')),
    'the owner completes it');
SELECT results_eq(
    format($$SELECT t.status, t.output, i.state, i.data FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
              WHERE t.id = %s$$, pg_temp.id('p1task')),
    $$VALUES ('completed'::text, '{"ok": true, "note": "mine"}'::jsonb, 'completed'::text,
              '{"ok": true, "note": "mine"}'::jsonb)$$,
    'the final output is the delegate''s under the owner''s (the owner''s keys win), merged into the instance');
SELECT results_eq(
    format($$SELECT kind, actor FROM bpm.history(%s) WHERE kind LIKE 'task%%'$$, pg_temp.id('p1')),
    $$VALUES ('task_created'::text, 'ana'::text), ('task_claimed', 'ana'), ('task_delegated', 'ana'),
             ('task_delegated', 'bo'), ('task_resolved', 'cy'), ('task_completed', 'ana')$$,
    'the instance''s history: delegated twice, resolved, completed');
SELECT is((SELECT ok FROM bpm.verify_events(pg_temp.id('p1'))), true, 'and its chain verifies');

-- ============================================================= comments
SELECT pg_temp.fails('SELECT bpm.comment(NULL, ''x'')', '22004', 'task id must not be null', 'comment: NULL task');
SELECT pg_temp.fails(format('SELECT bpm.comment(%s, NULL)', pg_temp.id('free')), '22004', 'comment must not be null',
    'comment: NULL body');
SELECT pg_temp.fails(format($$SELECT bpm.comment(%s, ' ')$$, pg_temp.id('free')), '22023', 'a comment must not be empty',
    'comment: a blank body is 22023');
SELECT pg_temp.fails($$SELECT bpm.comment(999999999, 'x')$$, '42704', 'task 999999999 does not exist',
    'comment: unknown task');
INSERT INTO ids VALUES ('c1', bpm.comment(pg_temp.id('free'), 'on a free task'));
INSERT INTO ids VALUES ('c2', bpm.comment(pg_temp.id('p1task'), 'on a closed process task'));
SELECT results_eq(
    $$SELECT id, task_id, instance_id, actor, body, created_at FROM bpm.comments WHERE id IN (pg_temp.id('c1'), pg_temp.id('c2'))$$,
    $$VALUES (pg_temp.id('c1'), pg_temp.id('free'), NULL::bigint, 'ana'::text, 'on a free task'::text, '2030-06-03 09:00:00+00'::timestamptz),
             (pg_temp.id('c2'), pg_temp.id('p1task'), pg_temp.id('p1'), 'ana', 'on a closed process task', '2030-06-03 09:00:00+00')$$,
    'a comment carries its task and the task''s instance (none for a free task)');
SELECT is((SELECT ok FROM bpm.verify_events(pg_temp.id('p1'))), true, 'comment_added joins the instance''s chain');
RESET ROLE;
SELECT pg_temp.fails('INSERT INTO bpm.comment (actor, body, created_at) VALUES (''x'', ''y'', now())', '23514',
    'new row for relation "comment" violates check constraint "comment_target"',
    'a comment belongs to a task or an instance (CHECK)');
SET LOCAL ROLE bpm_tap_clerk;

-- =============================================================== boards
SELECT pg_temp.fails('SELECT bpm.create_board(NULL, ARRAY[''a'', ''b''])', '22004', 'board name must not be null',
    'create_board: NULL name');
SELECT pg_temp.fails('SELECT bpm.create_board(''b'', NULL)', '22004', 'columns must not be null',
    'create_board: NULL columns');
SELECT pg_temp.fails('SELECT bpm.create_board('''', ARRAY[''a'', ''b''])', '22023', 'a board''s name must not be empty',
    'create_board: empty name');
SELECT pg_temp.fails('SELECT bpm.create_board(''b'', ARRAY[''a''])', '22023', 'board "b" needs at least two columns, not 1',
    'create_board: one column');
SELECT pg_temp.fails('SELECT bpm.create_board(''b'', ARRAY[''a'', ''b'', ''a''])', '22023', 'board "b": column "a" is named twice',
    'create_board: a column twice');
SELECT pg_temp.fails('SELECT bpm.create_board(''b'', ARRAY[''a'', NULL])', '22023', 'board "b": column names must not be null or empty',
    'create_board: a null column');
INSERT INTO ids VALUES ('board', bpm.create_board('crew', ARRAY['todo', 'doing', 'done']));
INSERT INTO ids VALUES ('board2', bpm.create_board('other', ARRAY['in', 'out']));
SELECT pg_temp.fails('SELECT bpm.create_board(''crew'', ARRAY[''a'', ''b''])', '42710', 'board "crew" already exists',
    'create_board: a taken name is 42710');

INSERT INTO ids VALUES ('k1', bpm.create_task('K1', candidate_groups => ARRAY['crew'], board => 'crew'));
INSERT INTO ids VALUES ('k2', bpm.create_task('K2', candidate_groups => ARRAY['crew'], board => 'crew'));
INSERT INTO ids VALUES ('k3', bpm.create_task('K3', candidate_groups => ARRAY['crew'], board => 'crew'));
SELECT pg_temp.fails('SELECT bpm.move_task(NULL, ''todo'')', '22004', 'task id must not be null', 'move_task: NULL task');
SELECT pg_temp.fails(format('SELECT bpm.move_task(%s, NULL)', pg_temp.id('k1')), '22004', 'column name must not be null',
    'move_task: NULL column');
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'todo', 0)$$, pg_temp.id('k1')), '22023', 'pos must be at least 1, not 0',
    'move_task: position 0');
SELECT pg_temp.fails($$SELECT bpm.move_task(999999999, 'todo')$$, '42704', 'task 999999999 does not exist',
    'move_task: unknown task');
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'todo')$$, pg_temp.id('free')), '55000',
    format('task %s is on no board', pg_temp.id('free')), 'move_task: a task on no board, without board =>');
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'todo', board => 'nope')$$, pg_temp.id('free')), '42704',
    'board "nope" does not exist', 'move_task: unknown board');
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'later')$$, pg_temp.id('k1')), '42704',
    'board "crew" has no column "later"', 'move_task: unknown column');
SELECT pg_temp.as_actor('zed');
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'doing')$$, pg_temp.id('k1')), '42501',
    format('"zed" may not move task %s ("K1")', pg_temp.id('k1')), 'move_task: someone who may not work the task');
SELECT pg_temp.as_actor('bo');
SELECT lives_ok(format($$SELECT bpm.move_task(%s, 'doing')$$, pg_temp.id('k1')), 'a candidate moves a card');
SELECT lives_ok(format($$SELECT bpm.move_task(%s, 'doing', 1)$$, pg_temp.id('k3')), 'to the top of a column');
SELECT lives_ok(format($$SELECT bpm.move_task(%s, 'todo', 99)$$, pg_temp.id('k3')), 'past the end of a column');
SELECT lives_ok(format($$SELECT bpm.move_task(%s, 'todo', 1)$$, pg_temp.id('k3')), 'within a column');
SELECT results_eq(
    $$SELECT "column", position, title FROM bpm.board WHERE board = 'crew'$$,
    $$VALUES ('todo'::text, 1, 'K3'::text), ('todo', 2, 'K2'), ('doing', 1, 'K1')$$,
    'positions stay dense from 1 in each column, in board order');
-- a refused completion leaves the card
SELECT lives_ok(format('SELECT bpm.claim(%s)', pg_temp.id('k2')), 'bo claims K2');
INSERT INTO ids VALUES ('k2sub', bpm.create_task('K2 sub', parent_task_id => pg_temp.id('k2'), assignee => 'bo'));
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'done')$$, pg_temp.id('k2')), '55000',
    format('task %s cannot be completed while its subtasks are open: %s', pg_temp.id('k2'), pg_temp.id('k2sub')),
    'moving to the final column is completing: refused, 55000');
SELECT results_eq(
    format($$SELECT "column", position, status FROM bpm.board WHERE task_id = %s$$, pg_temp.id('k2')),
    $$VALUES ('todo'::text, 2, 'open'::text)$$,
    'a refused completion leaves the card where it was, the task open');
SELECT lives_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('k2sub')), 'bo completes the subtask');
-- completed by another path: the card follows
SELECT lives_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('k2')), 'bo completes K2 without the board');
SELECT results_eq(
    $$SELECT "column", position, title, status FROM bpm.board WHERE board = 'crew'$$,
    $$VALUES ('todo'::text, 1, 'K3'::text, 'open'::text), ('doing', 1, 'K1', 'open'), ('done', 1, 'K2', 'completed')$$,
    'a task completed by any path has its card moved to the final column');
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'doing')$$, pg_temp.id('k2')), '55000',
    format('task %s is completed: its card cannot move to column "doing"', pg_temp.id('k2')),
    'a completed task''s card cannot leave the final column (55000)');
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'in', board => 'other')$$, pg_temp.id('k2')), '55000',
    format('task %s is completed: its card cannot move to column "in"', pg_temp.id('k2')),
    'nor go to another board (55000)');
SELECT lives_ok(format($$SELECT bpm.move_task(%s, 'done', 1)$$, pg_temp.id('k2')), 'but it may change position there');
-- to another board
SELECT lives_ok(format($$SELECT bpm.move_task(%s, 'in', board => 'other')$$, pg_temp.id('k3')), 'a card moves to another board');
SELECT results_eq(
    $$SELECT board, "column", position, title FROM bpm.board WHERE board IN ('crew', 'other')$$,
    $$VALUES ('crew'::text, 'doing'::text, 1, 'K1'::text), ('crew', 'done', 1, 'K2'), ('other', 'in', 1, 'K3')$$,
    'a task is on one board at most');
-- the final column completes a process task through its rules
INSERT INTO ids VALUES ('p2', bpm.start('tm', '{}', 'P-2'));
INSERT INTO ids SELECT 'p2task', id FROM bpm.task WHERE instance_id = pg_temp.id('p2');
SELECT lives_ok(format($$SELECT bpm.move_task(%s, 'doing', board => 'crew')$$, pg_temp.id('p2task')),
    'a process task is put on a board');
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'done')$$, pg_temp.id('p2task')), '23502',
    format('task %s ("t") cannot be completed without: ok', pg_temp.id('p2task')),
    'moving a process task to the final column checks its required fields (23502)');
SELECT lives_ok(format($$SELECT bpm.move_task(%s, 'done', data => '{"ok": 1}')$$, pg_temp.id('p2task')),
    'with its data, the move completes it');
SELECT results_eq(
    format($$SELECT i.state, i.data FROM bpm.instance i WHERE id = %s$$, pg_temp.id('p2')),
    $$VALUES ('completed'::text, '{"ok": 1}'::jsonb)$$,
    'and the process moved on');
SELECT is((SELECT ok FROM bpm.verify_events(pg_temp.id('p2'))), true, 'its chain verifies, task_moved included');
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'todo')$$, pg_temp.id('p2task')), '55000',
    format('task %s is completed: its card cannot move to column "todo"', pg_temp.id('p2task')),
    'the completed process task stays in done');
-- a cancelled free task's card stays in its column
SELECT pg_temp.as_actor('ana');
SELECT lives_ok(format($$UPDATE bpm.task SET status = 'cancelled' WHERE id = %s$$, pg_temp.id('k1')),
    'the creator cancels K1 (on the board)');
SELECT pg_temp.fails(format($$SELECT bpm.move_task(%s, 'done')$$, pg_temp.id('k1')), '55000',
    format('task %s is cancelled: its card cannot move to column "done"', pg_temp.id('k1')),
    'a cancelled task''s card does not move (55000)');

-- ======================================================= worklist views
INSERT INTO ids VALUES ('mine', bpm.create_task('Mine', assignee => 'ana', due_at => '2030-06-03 08:00+00'));
INSERT INTO ids VALUES ('grp', bpm.create_task('Group work', candidate_groups => ARRAY['crew'], due_at => '2030-06-02 08:00+00'));
INSERT INTO ids VALUES ('bos', bpm.create_task('Bo''s', assignee => 'bo', due_at => '2030-06-01 08:00+00'));
SELECT pg_temp.as_actor('bo');
SELECT lives_ok(format($$SELECT bpm.delegate(%s, 'ana')$$, pg_temp.id('bos')), 'bo delegates his task to ana');
SELECT pg_temp.as_actor('ana');
SELECT set_eq($$SELECT title FROM bpm.my_tasks$$, $$VALUES ('Mine'), ('Bo''s')$$,
    'my_tasks: assigned to me, delegated ones included');
SELECT set_eq($$SELECT title FROM bpm.group_tasks$$, $$VALUES ('Group work'), ('K3')$$,
    'group_tasks: unclaimed in my groups');
SELECT set_eq($$SELECT title, overdue_by FROM bpm.overdue_tasks$$,
    $$VALUES ('Mine', interval '1 hour'), ('Group work', interval '1 day 1 hour'), ('Bo''s', interval '2 days 1 hour')$$,
    'overdue_tasks: open, due before the engine''s clock, mine to work');
SELECT set_eq($$SELECT title FROM bpm.sla_breaches WHERE task_id IS NOT NULL AND title IN ('Mine', 'Group work', 'Bo''s')$$,
    $$VALUES ('Mine'), ('Group work'), ('Bo''s')$$,
    'sla_breaches lists free tasks too');
SELECT results_eq($$SELECT instance_id, kind, open_tasks FROM bpm.tasks_by_case$$,
    $$VALUES (NULL::bigint, NULL::text, 5::bigint)$$,
    'tasks_by_case: my open tasks by instance; free tasks under NULL');

SELECT * FROM finish();
ROLLBACK;
