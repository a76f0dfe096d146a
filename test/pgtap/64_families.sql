-- 64_families: a family of instances (a process, the case it escalated to,
-- the processes and cases that case started) and its root.
--
--   - every instance knows its family's root (bpm.instance.root_id): its
--     own id for an instance nothing started, its parent's root for one a
--     case or an escalation started, however deep;
--   - parent_id and root_id never change: an UPDATE of either is 42501
--     (the engine locks a family root first, knowing the root before any
--     lock), an UPDATE of any other column is not refused by that guard;
--   - a script task of a process that a case is starting may not act on
--     that case (55000): the case's step holds it in memory, as a script
--     may not act on its own instance.
-- The lock order itself is proven by test/isolation/specs/family_lock_order.spec.
BEGIN;
SELECT no_plan();
\ir helpers.psql
SET LOCAL bpm.actor = 'ops';

SELECT bpm.deploy($$
{"key": "fam_child", "nodes": [{"id": "start", "type": "start_event"},
  {"id": "work", "type": "user_task"}, {"id": "end", "type": "end_event"}],
 "flows": [{"from": "start", "to": "work"}, {"from": "work", "to": "end"}]}$$) > 0;
SELECT bpm.deploy($$
{"key": "fam_sub", "kind": "case", "plan": [{"id": "p", "type": "process_task", "process": "fam_child"}]}$$) > 0;
SELECT bpm.deploy($$
{"key": "fam_case", "kind": "case", "plan": [
  {"id": "p", "type": "process_task", "process": "fam_child"},
  {"id": "c", "type": "case_task", "case": "fam_sub"}]}$$) > 0;
SELECT bpm.deploy($$
{"key": "fam_root", "nodes": [{"id": "start", "type": "start_event"},
  {"id": "to_case", "type": "escalate_to_case", "case": "fam_case"}, {"id": "end", "type": "end_event"}],
 "flows": [{"from": "start", "to": "to_case"}, {"from": "to_case", "to": "end"}]}$$) > 0;

INSERT INTO ids VALUES ('root', bpm.start('fam_root'));
INSERT INTO ids VALUES ('alone', bpm.open_case('fam_sub'));

-- root process -> case -> (process, case -> process): five members, one root
SELECT results_eq(
    $$WITH RECURSIVE family (id, depth) AS (
          SELECT pg_temp.id('root'), 0
          UNION ALL
          SELECT i.id, f.depth + 1 FROM bpm.instance i JOIN family f ON i.parent_id = f.id)
      SELECT f.depth, i.kind, i.root_id = pg_temp.id('root')
        FROM family f JOIN bpm.instance i USING (id) ORDER BY f.depth, i.kind$$,
    $$VALUES (0, 'process', true), (1, 'case', true), (2, 'case', true), (2, 'process', true),
             (3, 'process', true)$$,
    'every member of a family, however deep, has the root''s id as its root_id');
SELECT results_eq(
    $$SELECT i.root_id = pg_temp.id('alone'), c.root_id = pg_temp.id('alone')
        FROM bpm.instance i JOIN bpm.instance c ON c.parent_id = i.id
       WHERE i.id = pg_temp.id('alone')$$,
    $$VALUES (true, true)$$,
    'a case opened by bpm.open_case is its own root, and the root of the process it starts');

SELECT throws_ok(format('UPDATE bpm.instance SET root_id = root_id + 1 WHERE id = %s', pg_temp.id('alone')),
    '42501', format('the family of instance %s cannot change', pg_temp.id('alone')),
    'root_id cannot change');
SELECT throws_ok(format('UPDATE bpm.instance SET parent_id = NULL WHERE parent_id = %s', pg_temp.id('alone')),
    '42501', NULL, 'parent_id cannot change');
SELECT lives_ok(format('UPDATE bpm.instance SET business_key = %L WHERE id = %s', 'fam-1', pg_temp.id('alone')),
    'other columns are not guarded by it');

-- a case starts a process whose first step is a script acting on the case
CREATE FUNCTION public.tap_fam_touch_case(d jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bpm.update_case(c.id, '{"touched": true}') FROM bpm.cases c
      WHERE c.key = 'fam_touch' AND c.state = 'running';
    RETURN '{}';
END
$$;
SELECT bpm.deploy($$
{"key": "fam_script", "nodes": [{"id": "start", "type": "start_event"},
  {"id": "s", "type": "script_task", "function": "public.tap_fam_touch_case"}, {"id": "end", "type": "end_event"}],
 "flows": [{"from": "start", "to": "s"}, {"from": "s", "to": "end"}]}$$) > 0;
SELECT bpm.deploy($$
{"key": "fam_touch", "kind": "case", "plan": [
  {"id": "w", "type": "human_task"},
  {"id": "p", "type": "process_task", "process": "fam_script", "entry": [{"on": ["w.complete"]}]}]}$$) > 0;
INSERT INTO ids VALUES ('touch', bpm.open_case('fam_touch'));
SELECT throws_ok(
    format('SELECT bpm.complete_task(%s)',
           (SELECT id FROM bpm.task WHERE instance_id = pg_temp.id('touch') AND node_id = 'w')),
    '55000', NULL, 'a script of a process its case is starting may not act on that case');
SELECT throws_like(
    format('SELECT bpm.complete_task(%s)',
           (SELECT id FROM bpm.task WHERE instance_id = pg_temp.id('touch') AND node_id = 'w')),
    format('instance %s is held by the step of instance %%, whose script task may not act on it',
           pg_temp.id('touch')),
    '... and the message names the case and the process whose step holds it');

-- a case ends; the process that waited for it goes on, in the same step,
-- to a script acting on the case: the case is not saved yet, so the script
-- may not touch it (it forked the case's event chain and its change was
-- lost, found in review)
CREATE FUNCTION public.tap_fam_poke(d jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bpm.update_case((d->'case'->>'id')::bigint, '{"poked": true}');
    RETURN '{}';
END
$$;
SELECT bpm.deploy('{"key": "fam_done", "kind": "case", "auto_complete": true,
  "plan": [{"id": "h", "type": "human_task", "required": true}]}') > 0;
SELECT bpm.deploy('{"key": "fam_waiter", "nodes": [{"id": "start", "type": "start_event"},
  {"id": "to_case", "type": "escalate_to_case", "case": "fam_done"},
  {"id": "poke", "type": "script_task", "function": "public.tap_fam_poke"}, {"id": "end", "type": "end_event"}],
 "flows": [{"from": "start", "to": "to_case"}, {"from": "to_case", "to": "poke"}, {"from": "poke", "to": "end"}]}') > 0;
INSERT INTO ids VALUES ('waiter', bpm.start('fam_waiter'));
INSERT INTO ids SELECT 'done', id FROM bpm.instance WHERE parent_id = pg_temp.id('waiter');
SELECT throws_ok(
    format('SELECT bpm.complete_task(%s)', (SELECT id FROM bpm.task WHERE instance_id = pg_temp.id('done'))),
    '55000', format('instance %s is held by the step of instance %s, whose script task may not act on it',
                    pg_temp.id('done'), pg_temp.id('waiter')),
    'a script of a process taking its case''s end may not act on that case');
SELECT results_eq(
    format($$SELECT i.state, i.data ? 'poked', (SELECT ok FROM bpm.verify_events(i.id)) FROM bpm.instance i
              WHERE i.id IN (%s, %s) ORDER BY i.id$$, pg_temp.id('waiter'), pg_temp.id('done')),
    $$VALUES ('running', false, true), ('running', false, true)$$,
    'nothing changed: both run on, unpoked, and both chains verify');

SELECT * FROM finish();
ROLLBACK;
