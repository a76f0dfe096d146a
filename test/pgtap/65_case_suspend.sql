-- 65_case_suspend: suspended plan items (bpm.suspend_item, resume_item),
-- as CMMN 1.1 has them:
--
--   - a suspended item hears its exit criteria: when one fires it is
--     terminated (exit), its task cancelled;
--   - the child of a suspended process task runs on; its end is kept and
--     taken when the item resumes (completed: its data goes into the case
--     file and the item completes; terminated: the item fails);
--   - the child of a suspended process task is cancelled when the item's
--     stage ends;
--   - suspending a stage suspends its stages and tasks that have not ended
--     (parent_suspend, each remembering its state); resuming the stage
--     gives each its state back (parent_resume), an item whose entry
--     criteria were met meanwhile proceeds, and an item suspended on its
--     own stays suspended; an item held with its stage is resumed with it,
--     not alone (55000);
--   - a suspended item is not done: a required one keeps the case from
--     being closed, and any keeps its stage from completing.
BEGIN;
SELECT no_plan();
\ir helpers.psql
SET LOCAL bpm.actor = 'ops';

SELECT bpm.deploy(pg_temp.with_node('sus_child', '{"type": "user_task"}', 'work')::jsonb) > 0;
-- a case's plan items (not the case plan), with their states and what a
-- suspended stage remembers of them, as SQL for results_eq
CREATE FUNCTION pg_temp.items(c text) RETURNS text LANGUAGE sql AS
    $$SELECT format('SELECT item_id, state, suspended_from FROM bpm.plan_item WHERE case_id = %s '
                    'AND item_id <> %L ORDER BY id', pg_temp.id(c), '')$$;
-- the plan items of a case that made a transition, in order
CREATE FUNCTION pg_temp.made(c text, transition text) RETURNS text[] LANGUAGE sql AS
    $$SELECT array_agg(node_id ORDER BY id) FROM bpm.event
       WHERE instance_id = pg_temp.id(c) AND kind = 'item_' || transition$$;

-- 1. exit criteria reach a suspended item
SELECT bpm.deploy($$
{"key": "sus_exit", "kind": "case", "plan": [
  {"id": "a", "type": "human_task", "exit": [{"if": "$.stop == true"}]},
  {"id": "b", "type": "human_task", "exit": [{"on": ["file.halt"]}]}]}$$) > 0;
INSERT INTO ids VALUES ('x', bpm.open_case('sus_exit'));
SELECT bpm.suspend_item(pg_temp.id('x'), 'a');
SELECT bpm.suspend_item(pg_temp.id('x'), 'b');
SELECT bpm.update_case(pg_temp.id('x'), '{"stop": true, "halt": 1}');
SELECT results_eq(pg_temp.items('x'), $$VALUES ('a', 'terminated', NULL), ('b', 'terminated', NULL)$$,
    'a suspended item whose exit criterion is met (by its if-part or its on-part) is terminated');
SELECT is((SELECT count(*) FROM bpm.task WHERE instance_id = pg_temp.id('x') AND status = 'open'), 0::bigint,
    '... and its task is cancelled');

-- 2. the child of a suspended process task: its end is taken on resume
SELECT bpm.deploy($$
{"key": "sus_wait", "kind": "case", "plan": [
  {"id": "p", "type": "process_task", "process": "sus_child"}]}$$) > 0;
INSERT INTO ids VALUES ('w', bpm.open_case('sus_wait', '{"n": 1}'));
INSERT INTO ids SELECT 'w_child', child_id FROM bpm.plan_item WHERE case_id = pg_temp.id('w') AND item_id = 'p';
SELECT bpm.suspend_item(pg_temp.id('w'), 'p');
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('w_child'), 'work'), '{"result": "done"}');
SELECT results_eq(format('SELECT i.state, c.data ? %L, p.state FROM bpm.instance i, bpm.cases c, bpm.plan_item p '
                         'WHERE i.id = %s AND c.id = %s AND p.case_id = c.id AND p.item_id = %L',
                         'result', pg_temp.id('w_child'), pg_temp.id('w'), 'p'),
    $$VALUES ('completed', false, 'suspended')$$,
    'the child of a suspended process task runs to its end; the item stays suspended, the case file unchanged');
SELECT bpm.resume_item(pg_temp.id('w'), 'p');
SELECT results_eq(format('SELECT c.state, c.data->>%L, p.state FROM bpm.cases c, bpm.plan_item p '
                         'WHERE c.id = %s AND p.case_id = c.id AND p.item_id = %L',
                         'result', pg_temp.id('w'), 'p'),
    $$VALUES ('running', 'done', 'completed')$$,
    'on resume the item takes its child''s end: its data goes into the case file and the item completes');
SELECT is((SELECT array_agg(kind ORDER BY id) FROM bpm.event
            WHERE instance_id = pg_temp.id('w') AND kind LIKE 'item\_%' AND node_id = 'p'),
    '{item_create,item_start,item_suspend,item_resume,item_complete}'::text[],
    '... resume, then complete');

INSERT INTO ids VALUES ('f', bpm.open_case('sus_wait'));
INSERT INTO ids SELECT 'f_child', child_id FROM bpm.plan_item WHERE case_id = pg_temp.id('f') AND item_id = 'p';
SELECT bpm.suspend_item(pg_temp.id('f'), 'p');
SELECT bpm.cancel(pg_temp.id('f_child'), 'not needed');
SELECT bpm.resume_item(pg_temp.id('f'), 'p');
SELECT is((SELECT state FROM bpm.plan_item WHERE case_id = pg_temp.id('f') AND item_id = 'p'), 'failed',
    'a child terminated while its item was suspended makes the item fail when it resumes');

-- 3. the child of a suspended process task ends with the item's stage
SELECT bpm.deploy($$
{"key": "sus_stage_end", "kind": "case", "plan": [
  {"id": "s", "type": "stage", "exit": [{"if": "$.abort == true"}], "items": [
    {"id": "p", "type": "process_task", "process": "sus_child"}]}]}$$) > 0;
INSERT INTO ids VALUES ('e', bpm.open_case('sus_stage_end'));
INSERT INTO ids SELECT 'e_child', child_id FROM bpm.plan_item WHERE case_id = pg_temp.id('e') AND item_id = 'p';
SELECT bpm.suspend_item(pg_temp.id('e'), 'p');
SELECT bpm.update_case(pg_temp.id('e'), '{"abort": true}');
SELECT results_eq(format('SELECT p.state, i.state FROM bpm.plan_item p JOIN bpm.instance i ON i.id = p.child_id '
                         'WHERE p.case_id = %s AND p.item_id = %L', pg_temp.id('e'), 'p'),
    $$VALUES ('terminated', 'terminated')$$,
    'a suspended process task ends with its stage, and its child is cancelled');
SELECT is((SELECT count(*) FROM bpm.task WHERE instance_id = pg_temp.id('e_child') AND status = 'open'), 0::bigint,
    '... the child''s task with it');

-- 4. suspending a stage suspends its work
SELECT bpm.deploy($$
{"key": "sus_stage", "kind": "case", "plan": [
  {"id": "s", "type": "stage", "items": [
    {"id": "t", "type": "human_task"},
    {"id": "own", "type": "human_task"},
    {"id": "m", "type": "human_task", "manual": true},
    {"id": "later", "type": "human_task", "entry": [{"on": ["file.go"]}]},
    {"id": "inner", "type": "stage", "items": [{"id": "deep", "type": "human_task"}]},
    {"id": "ms", "type": "milestone", "entry": [{"if": "$.go == true"}]}]}]}$$) > 0;
INSERT INTO ids VALUES ('s', bpm.open_case('sus_stage'));
SELECT bpm.suspend_item(pg_temp.id('s'), 'own');
SELECT bpm.suspend_item(pg_temp.id('s'), 's');
SELECT results_eq(pg_temp.items('s'),
    $$VALUES ('s', 'suspended', NULL), ('t', 'suspended', 'active'), ('own', 'suspended', NULL),
             ('m', 'suspended', 'enabled'), ('later', 'suspended', 'available'),
             ('inner', 'suspended', 'active'), ('deep', 'suspended', 'active'), ('ms', 'available', NULL)$$,
    'a suspended stage suspends its stages and tasks, however deep, each remembering its state; its milestone still waits');
SELECT is(pg_temp.made('s', 'parent_suspend'), '{t,m,later,inner,deep}',
    '... each by the transition parent_suspend (event item_parent_suspend)');
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.task(pg_temp.id('s'), 't')),
    '55000', format('the task of plan item "t" of case %s cannot be completed: the item is suspended', pg_temp.id('s')),
    'the task of an item suspended with its stage cannot be completed');
SELECT throws_ok(format('SELECT bpm.resume_item(%s, %L)', pg_temp.id('s'), 't'),
    '55000', format('cannot resume plan item "t" of case %s: its stage "s" is suspended', pg_temp.id('s')),
    'an item suspended with its stage is not resumed alone');
SELECT bpm.update_case(pg_temp.id('s'), '{"go": true}');
SELECT results_eq(format('SELECT item_id, state FROM bpm.plan_item WHERE case_id = %s AND item_id IN (%L, %L) ORDER BY id',
                         pg_temp.id('s'), 'later', 'ms'),
    $$VALUES ('later', 'suspended'), ('ms', 'completed')$$,
    'in a suspended stage a task whose entry is met waits; a milestone occurs');
SELECT bpm.resume_item(pg_temp.id('s'), 's');
SELECT results_eq(pg_temp.items('s'),
    $$VALUES ('s', 'active', NULL), ('t', 'active', NULL), ('own', 'suspended', NULL),
             ('m', 'enabled', NULL), ('later', 'active', NULL),
             ('inner', 'active', NULL), ('deep', 'active', NULL), ('ms', 'completed', NULL)$$,
    'resuming the stage gives its items their states back; the task whose entry was met meanwhile starts; the one suspended on its own stays suspended');
SELECT is(pg_temp.made('s', 'parent_resume'), '{t,m,later,inner,deep}',
    '... each by the transition parent_resume (event item_parent_resume)');
SELECT lives_ok(format('SELECT bpm.complete_task(%s)', pg_temp.task(pg_temp.id('s'), 't')),
    'the task of an item resumed with its stage can be completed');

-- 5. a suspended item is not done
SELECT bpm.deploy($$
{"key": "sus_done", "kind": "case", "plan": [
  {"id": "r", "type": "human_task", "required": true},
  {"id": "s", "type": "stage", "items": [{"id": "o", "type": "human_task"}]}]}$$) > 0;
INSERT INTO ids VALUES ('d', bpm.open_case('sus_done'));
SELECT bpm.suspend_item(pg_temp.id('d'), 'o');
SELECT throws_ok(format('SELECT bpm.complete_stage(%s, %L)', pg_temp.id('d'), 's'),
    '55000', format('stage "s" of case %s cannot complete: plan item "o" is not done', pg_temp.id('d')),
    'a suspended item keeps its stage from being completed');
SELECT bpm.suspend_item(pg_temp.id('d'), 'r');
SELECT throws_ok(format('SELECT bpm.close_case(%s, %L)', pg_temp.id('d'), 'done'),
    '55000', format('case %s cannot be closed: required plan item "r" is suspended', pg_temp.id('d')),
    'a suspended required item keeps the case from being closed');

SELECT * FROM finish();
ROLLBACK;
