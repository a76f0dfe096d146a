-- 61_case_edges: cases at their edges (each found wrong once, and fixed):
--
--   - UPDATE bpm.cases SET data = NULL: 22023, not a crash;
--   - UPDATE of another column of bpm.cases: 42501, not silently ignored;
--   - UPDATE bpm.cases applies only the fields it changed (the difference
--     between the row it read and the row it asks for), so a concurrent
--     change of other fields is kept; its data_changed patch holds just
--     those fields;
--   - a repeating item whose entry criterion is an if-part only: one new
--     occurrence waits for the criterion to be met again (no endless
--     recursion);
--   - two entry sentries met by one change: one occurrence proceeds, the
--     new one waits for the next change;
--   - exit criteria that hold when an item is created, or when the case
--     opens, end it at once;
--   - a "kind" that is neither process nor case is named as such; four_eyes
--     must name human tasks of the case;
--   - a required repeating item done once does not hold the case open by
--     its next, enabled occurrence;
--   - suspend and resume: a suspended item's task cannot be completed
--     (55000), and the on-parts <item>.suspend / .resume happen;
--   - a stage without auto_complete completes by hand (bpm.complete_stage)
--     once its required items are done;
--   - bpm.add_task with its defaults (no assignee, no groups: anyone may
--     claim it), and its open ad-hoc tasks end with the case;
--   - a process that escalates to a case which ends as it opens gets
--     {"case": {"id", "state", "outcome"}} as when the case ends later;
--   - revoking a role gives back the open role tasks its holder claimed;
--   - the errors of add_task, complete_stage, suspend_item and open_case
--     that the transcripts do not show.
BEGIN;
SELECT no_plan();
\ir helpers.psql
SET LOCAL bpm.actor = 'ops';

SELECT bpm.deploy('{"key": "edge", "kind": "case", "plan": [{"id": "t", "type": "human_task"}]}') > 0;
INSERT INTO ids VALUES ('c', bpm.open_case('edge', '{"a": 1}'));

SELECT throws_ok(format('UPDATE bpm.cases SET data = NULL WHERE id = %s', pg_temp.id('c')),
    '22023', format('case %s: the case file must be a JSON object', pg_temp.id('c')),
    'a NULL case file is refused');
SELECT throws_ok(format('UPDATE bpm.cases SET business_key = %L WHERE id = %s', 'z', pg_temp.id('c')),
    '42501', format('column "business_key" of case %s cannot be changed', pg_temp.id('c')),
    'another column of bpm.cases is refused, not ignored');

UPDATE bpm.cases SET data = jsonb_build_object('a', 1, 'b', 1) WHERE id = pg_temp.id('c');
SELECT is((SELECT data FROM bpm.cases WHERE id = pg_temp.id('c')), '{"a": 1, "b": 1}'::jsonb,
    'an UPDATE that sets a field sets it');
SELECT is((SELECT data->'patch' FROM bpm.event WHERE instance_id = pg_temp.id('c') AND kind = 'data_changed'
            ORDER BY id DESC LIMIT 1), '{"b": 1}'::jsonb,
    'the data_changed patch holds only the field the UPDATE changed (a was 1 already)');
UPDATE bpm.cases SET data = data || '{"c": 3}' WHERE id = pg_temp.id('c');
SELECT is((SELECT data->'patch' FROM bpm.event WHERE instance_id = pg_temp.id('c') AND kind = 'data_changed'
            ORDER BY id DESC LIMIT 1), '{"c": 3}'::jsonb,
    'an UPDATE that adds one field patches only that field');

SELECT bpm.deploy('{"key": "again", "kind": "case", "plan": [
  {"id": "m", "type": "milestone", "repeat": true, "entry": [{"if": "$.go == true"}]}]}') > 0;
INSERT INTO ids VALUES ('r', bpm.open_case('again', '{"go": false}'));
SELECT lives_ok(format('SELECT bpm.update_case(%s, %L)', pg_temp.id('r'), '{"go": true}'),
    'a repeating item with an if-part-only entry criterion is met without endless recursion');
SELECT results_eq(format('SELECT occurrence, state FROM bpm.plan_item WHERE case_id = %s AND item_id = %L ORDER BY id',
                         pg_temp.id('r'), 'm'),
    $$VALUES (1, 'completed'), (2, 'available')$$,
    '... the first occurrence is reached, the next one waits for the criterion to be met again');

SELECT bpm.deploy('{"key": "twice", "kind": "case", "plan": [
  {"id": "m", "type": "milestone", "repeat": true,
   "entry": [{"on": ["file.x"]}, {"on": ["file.x"], "if": "$.x > 0"}]}]}') > 0;
INSERT INTO ids VALUES ('t', bpm.open_case('twice'));
SELECT bpm.update_case(pg_temp.id('t'), '{"x": 1}');
SELECT results_eq(format('SELECT occurrence, state FROM bpm.plan_item WHERE case_id = %s AND item_id = %L ORDER BY id',
                         pg_temp.id('t'), 'm'),
    $$VALUES (1, 'completed'), (2, 'available')$$,
    'one change that meets two entry sentries lets one occurrence proceed');

SELECT bpm.deploy('{"key": "stopped", "kind": "case", "exit": [{"if": "$.done == true"}],
  "plan": [{"id": "t", "type": "human_task", "exit": [{"if": "$.stop == true"}]}]}') > 0;
INSERT INTO ids VALUES ('s', bpm.open_case('stopped', '{"stop": true}'));
SELECT is((SELECT state FROM bpm.plan_item WHERE case_id = pg_temp.id('s') AND item_id = 't'), 'terminated',
    'an exit criterion that holds when the item is created ends it at once');
INSERT INTO ids VALUES ('d', bpm.open_case('stopped', '{"done": true}'));
SELECT results_eq(format('SELECT state, outcome FROM bpm.cases WHERE id = %s', pg_temp.id('d')),
    $$VALUES ('terminated', 'exit criterion of the case')$$,
    'a case exit criterion that holds when the case opens ends it at once');

SELECT throws_ok($$SELECT bpm.deploy('{"key": "k", "kind": "cases", "plan": []}')$$,
    '42P17', 'definition "k": "kind" must be "process" or "case"',
    'an unknown kind is named before the properties it brings');
SELECT throws_ok($$SELECT bpm.deploy('{"key": "k", "kind": "case", "plan": [
    {"id": "a", "type": "human_task", "four_eyes": ["nobody"]}]}')$$,
    '42P17', 'definition "k": plan item "a": four_eyes names "nobody", which is no human task of this case',
    'four_eyes must name a human task of the case');

SELECT bpm.deploy('{"key": "loop", "kind": "case", "plan": [
  {"id": "e", "type": "human_task", "manual": true, "repeat": true, "required": true}]}') > 0;
INSERT INTO ids VALUES ('l', bpm.open_case('loop'));
SELECT bpm.start_item(pg_temp.id('l'), 'e');
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = pg_temp.id('l') AND status = 'open';
SELECT lives_ok(format('SELECT bpm.close_case(%s, %L)', pg_temp.id('l'), 'done'),
    'a required repeating item done once lets the case close despite its next, enabled occurrence');

SELECT bpm.deploy('{"key": "hold", "kind": "case", "plan": [
  {"id": "a", "type": "human_task"},
  {"id": "seen", "type": "milestone", "entry": [{"on": ["a.suspend", "a.resume"]}]}]}') > 0;
INSERT INTO ids VALUES ('h', bpm.open_case('hold'));
SELECT bpm.suspend_item(pg_temp.id('h'), 'a');
SELECT throws_ok(format('SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = %s AND node_id = %L',
                        pg_temp.id('h'), 'a'),
    '55000', format('the task of plan item "a" of case %s cannot be completed: the item is suspended', pg_temp.id('h')),
    'the task of a suspended item cannot be completed');
SELECT throws_ok(format('SELECT bpm.suspend_item(%s, %L)', pg_temp.id('h'), 'a'),
    '55000', format('cannot suspend plan item "a" of case %s: it is suspended, not active', pg_temp.id('h')),
    'only an active item can be suspended');
SELECT bpm.resume_item(pg_temp.id('h'), 'a');
SELECT is((SELECT state FROM bpm.plan_item WHERE case_id = pg_temp.id('h') AND item_id = 'seen'), 'completed',
    'suspend and resume are on-parts: the milestone listening to both is reached');
SELECT lives_ok(format('SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = %s AND node_id = %L',
                       pg_temp.id('h'), 'a'),
    'once resumed, the task can be completed');

SELECT bpm.deploy('{"key": "manual", "kind": "case", "plan": [
  {"id": "s", "type": "stage", "items": [
     {"id": "must", "type": "human_task", "required": true},
     {"id": "may", "type": "human_task", "manual": true}]}]}') > 0;
INSERT INTO ids VALUES ('m', bpm.open_case('manual'));
SELECT throws_ok(format('SELECT bpm.complete_stage(%s, %L)', pg_temp.id('m'), 's'),
    '55000', format('stage "s" of case %s cannot complete: plan item "must" is not done', pg_temp.id('m')),
    'a stage cannot be completed by hand while its required item is not done');
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = pg_temp.id('m') AND node_id = 'must';
SELECT lives_ok(format('SELECT bpm.complete_stage(%s, %L)', pg_temp.id('m'), 's'),
    'then it can');
SELECT results_eq(format('SELECT item_id, state FROM bpm.plan_item WHERE case_id = %s AND item_id <> %L ORDER BY id',
                         pg_temp.id('m'), ''),
    $$VALUES ('s', 'completed'), ('must', 'completed'), ('may', 'terminated')$$,
    '... the stage is completed and its waiting optional item ended');

INSERT INTO ids VALUES ('a', bpm.open_case('manual'));
SELECT lives_ok(format('SELECT bpm.add_task(%s, %L)', pg_temp.id('a'), 'Call the customer'),
    'bpm.add_task with its defaults: a task anyone may claim');
SELECT bpm.cancel(pg_temp.id('a'), 'withdrawn');
SELECT is((SELECT status FROM bpm.task WHERE instance_id = pg_temp.id('a') AND node_id = 'ad_hoc'), 'cancelled',
    'an open ad-hoc task ends with its case');

SELECT bpm.deploy('{"key": "gone", "kind": "case", "exit": [{"if": "$.x == 1"}], "plan": [
  {"id": "t", "type": "human_task"}]}') > 0;
SELECT bpm.deploy('{"key": "esc", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "c", "type": "escalate_to_case", "case": "gone"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "c"}, {"from": "c", "to": "e"}]}') > 0;
INSERT INTO ids VALUES ('p', bpm.start('esc', '{"x": 1}'));
SELECT is((SELECT data->'case'->>'state' FROM bpm.instance WHERE id = pg_temp.id('p')), 'terminated',
    'a case that ends as it opens still gives the waiting process its result');

SELECT bpm.deploy('{"key": "roled", "kind": "case", "roles": ["agent"], "plan": [
  {"id": "t", "type": "human_task", "role": "agent"}]}') > 0;
INSERT INTO ids VALUES ('g', bpm.open_case('roled'));
SELECT bpm.grant_case_role(pg_temp.id('g'), 'agent', 'ann');
SET LOCAL bpm.actor = 'ann';
SELECT bpm.claim(id) FROM bpm.task WHERE instance_id = pg_temp.id('g');
SET LOCAL bpm.actor = 'ops';
SELECT bpm.revoke_case_role(pg_temp.id('g'), 'agent', 'ann');
SELECT is((SELECT assignee FROM bpm.task WHERE instance_id = pg_temp.id('g')), NULL,
    'revoking a role gives back the open role task its holder had claimed');

SELECT throws_ok(format('SELECT bpm.add_task(%s, %L, priority => -1)', pg_temp.id('g'), 'x'),
    '22023', 'priority must be at least 0, not -1', 'add_task refuses a negative priority');
SELECT throws_ok(format('SELECT bpm.complete_stage(%s, %L)', pg_temp.id('g'), 't'),
    '42809', 'plan item "t" of case "roled" is not a stage', 'complete_stage refuses an item that is not a stage');
SELECT throws_ok(format('SELECT bpm.suspend_item(%s, NULL)', pg_temp.id('g')),
    '22004', 'item id must not be null', 'suspend_item refuses a NULL item id');
SELECT throws_ok('SELECT bpm.open_case(NULL)',
    '22004', 'case key must not be null', 'open_case refuses a NULL key');

SELECT * FROM finish();
ROLLBACK;
