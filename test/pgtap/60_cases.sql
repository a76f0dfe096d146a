-- 60_cases: cases (CMMN) as contracts.
--
--   deploy      the validation rules of case definitions: SQLSTATE 42P17
--               (0A000 for process and case tasks) and the exact message
--               naming the element; nothing stored
--   api         every error of bpm.open_case, update_case, UPDATE of
--               bpm.cases, start_item, plan_item, trigger_listener,
--               disable_item, reenable_item, close_case, reopen_case and
--               bpm.cancel of a case: SQLSTATE and message, NULL arguments
--               (22004), and nothing changed (case file, plan items, event
--               count)
--   lifecycle   what the transcript sql/12_cases does not show: a repeating
--               item with entry criteria gets a new occurrence each time
--               its criterion is met again (and not when a field is set to
--               the value it has); an if-part is re-evaluated when a field
--               it reads changes, on-parts are remembered per occurrence in
--               bpm.plan_item.seen; nested stages complete by themselves,
--               innermost first, and the case with them; exit criteria of
--               an item and of a stage; disable / reenable; human tasks of
--               cases (node_id, token_id, required fields); timer listeners
--               as case_timer jobs, also inside a stage; verify_events
--
-- Runs in its own database (test/run), in one transaction; the clock is
-- pg_bpm.mock_now, set with SET LOCAL. Messages name ids; the test builds
-- them from the ids it created.
BEGIN;
SELECT no_plan();
\ir helpers.psql
SET LOCAL TimeZone = 'UTC';
SET LOCAL pg_bpm.mock_now = '2030-01-01 09:00:00+00';
SET LOCAL bpm.actor = 'ops';

-- A case definition "bad" with these plan items.
CREATE FUNCTION pg_temp.plan(items text) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"key": "bad", "kind": "case", "plan": %s}', items)
$$;
-- Everything a failed call could have changed in a case: state, file,
-- plan items (with their seen on-parts), tasks, jobs and events.
CREATE FUNCTION pg_temp.snapshot(c bigint) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' | ',
        (SELECT state || ' ' || data::text FROM bpm.instance WHERE id = c),
        (SELECT string_agg(item_id || ':' || state || ':' || occurrence || ':' || seen::text, ',' ORDER BY id)
           FROM bpm.plan_item WHERE case_id = c),
        (SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM bpm.task WHERE instance_id = c),
        (SELECT count(*)::text FROM bpm.job WHERE instance_id = c),
        (SELECT count(*)::text FROM bpm.event WHERE instance_id = c))
$$;
-- The plan of a case as "item:state" in creation order (occurrences repeat).
CREATE FUNCTION pg_temp.states(c bigint) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(item_id || ':' || state, ' ' ORDER BY plan_item_id)
      FROM bpm.case_plan WHERE case_id = c
$$;
CREATE FUNCTION pg_temp.task_of(c bigint, item text) RETURNS bigint LANGUAGE sql AS $$
    SELECT id FROM bpm.task WHERE instance_id = c AND node_id = item AND status = 'open'
$$;

CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM bpm.definition) AS definitions, (SELECT count(*) FROM bpm.event) AS events;

-- ============================================================ deploy errors
SELECT pg_temp.deploy_fails('{"key": "bad", "kind": "case"}',
    'definition "bad": the definition has no "plan" array', 'deploy: no plan');
SELECT pg_temp.deploy_fails('{"key": "bad", "kind": "case", "plan": {}}',
    'definition "bad": the definition: "plan" must be an array of plan items', 'deploy: plan not an array');
SELECT pg_temp.deploy_fails('{"key": "bad", "kind": "case", "plan": [], "nodes": []}',
    'definition "bad": the definition has unknown property "nodes"', 'deploy: unknown top-level property');
SELECT pg_temp.deploy_fails(pg_temp.plan('[1]'),
    'definition "bad": plan item 1 is not an object', 'deploy: plan item not an object');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"type": "milestone"}]'),
    'definition "bad": plan item 1 has no "id"', 'deploy: plan item without id');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a"}]'),
    'definition "bad": plan item "a" has no "type"', 'deploy: plan item without type');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "task"}]'),
    'definition "bad": plan item "a" has unknown type "task"', 'deploy: unknown type');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "file", "type": "milestone"}]'),
    'definition "bad": plan item "file": an id may not be "file" or contain "." (on-parts read "<item>.<transition>")',
    'deploy: the id "file" is reserved');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a.b", "type": "milestone"}]'),
    'definition "bad": plan item "a.b": an id may not be "file" or contain "." (on-parts read "<item>.<transition>")',
    'deploy: an id with a dot');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "milestone", "x": 1}]'),
    'definition "bad": plan item "a" has unknown property "x"', 'deploy: unknown item property');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "escalation": {"priority": 1}}]'),
    'definition "bad": plan item "a" has unknown property "escalation"', 'deploy: no escalation on case tasks');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task"}, {"id": "a", "type": "milestone"}]'),
    'definition "bad": plan item id "a" is used more than once', 'deploy: duplicate id');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "s", "type": "stage", "items": [{"id": "a", "type": "human_task"}]}, {"id": "a", "type": "milestone"}]'),
    'definition "bad": plan item id "a" is used more than once', 'deploy: ids are unique across stages');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "required": "yes"}]'),
    'definition "bad": plan item "a": "required" must be true or false, not string', 'deploy: required not a boolean');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": {}}]'),
    'definition "bad": plan item "a": "entry" must be an array of sentries such as [{"on": ["triage.complete"]}]',
    'deploy: entry not an array');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "exit": [1]}]'),
    'definition "bad": plan item "a" exit sentry 1 must be an object such as {"on": ["triage.complete"]}',
    'deploy: sentry not an object');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": [{"on": ["file.x"], "when": 1}]}]'),
    'definition "bad": plan item "a" entry sentry 1 has unknown property "when"', 'deploy: unknown sentry property');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": [{}]}]'),
    'definition "bad": plan item "a" entry sentry 1 needs "on", "if" or both', 'deploy: empty sentry');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": [{"on": [], "if": "$.a > 1"}]}]'),
    'definition "bad": plan item "a" entry sentry 1: "on" must name at least one event', 'deploy: empty on');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": [{"on": "file.a"}]}]'),
    'definition "bad": plan item "a" entry sentry 1: "on" must be an array of strings', 'deploy: on not an array');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": [{"if": "$.a"}]}]'),
    'definition "bad": plan item "a" entry sentry 1: condition "$.a" is not a predicate', 'deploy: if-part not a predicate');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": [{"if": "$.a >"}]}]'),
    'definition "bad": plan item "a" entry sentry 1 has an invalid jsonpath "$.a >"', 'deploy: if-part not jsonpath');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": [{"if": "$.a == $x"}]}]'),
    'definition "bad": plan item "a" entry sentry 1: condition "$.a == $x" uses a jsonpath variable', 'deploy: if-part with a variable');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": [{"on": ["x"]}]}]'),
    'definition "bad": plan item "a": on-part "x" must read "<item>.<transition>" or "file.<field>"', 'deploy: on-part without a dot');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": [{"on": ["file."]}]}]'),
    'definition "bad": plan item "a": on-part "file." must read "<item>.<transition>" or "file.<field>"', 'deploy: on-part file. without a field');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "entry": [{"on": ["b.complete"]}]}]'),
    'definition "bad": plan item "a": on-part "b.complete" names no plan item of this case', 'deploy: on-part names an unknown item');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task"}, {"id": "b", "type": "human_task", "exit": [{"on": ["a.finish"]}]}]'),
    'definition "bad": plan item "b": on-part "a.finish" names no transition of a human_task', 'deploy: on-part names an unknown transition');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "m", "type": "milestone"}, {"id": "a", "type": "human_task", "entry": [{"on": ["m.complete"]}]}]'),
    'definition "bad": plan item "a": on-part "m.complete": a milestone has one transition, "occur"', 'deploy: a milestone only occurs');
SELECT pg_temp.deploy_fails('{"key": "bad", "kind": "case", "plan": [], "exit": [{"on": ["nothing.occur"]}]}',
    'definition "bad": the definition: on-part "nothing.occur" names no plan item of this case', 'deploy: the case''s exit criteria are checked too');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "applicability": "$.x > 1"}]'),
    'definition "bad": plan item "a": "applicability" is for discretionary items ("discretionary": true)', 'deploy: applicability without discretionary');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "discretionary": true, "applicability": "$.x"}]'),
    'definition "bad": plan item "a": condition "$.x" is not a predicate', 'deploy: applicability not a predicate');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "t", "type": "timer_listener", "timer": {"duration": "PT1H"}, "repeat": true}]'),
    'definition "bad": plan item "t": an event listener has no entry or exit criteria and no item rules; it occurs', 'deploy: a listener has no item rules');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "m", "type": "milestone", "exit": [{"on": ["file.x"]}]}]'),
    'definition "bad": plan item "m": a milestone is reached by its entry criteria: no exit criteria, manual activation or planning', 'deploy: a milestone has no exit criteria');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "m", "type": "milestone", "discretionary": true}]'),
    'definition "bad": plan item "m": a milestone is reached by its entry criteria: no exit criteria, manual activation or planning', 'deploy: a milestone is not discretionary');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "s", "type": "stage"}]'),
    'definition "bad": plan item "s" has no "items" array', 'deploy: a stage without items');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "t", "type": "timer_listener"}]'),
    'definition "bad": plan item "t": a timer listener needs a "timer" such as {"duration": "P10D"}', 'deploy: a timer listener without a timer');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "t", "type": "timer_listener", "timer": {"cycle": "R3/PT1H"}}]'),
    'definition "bad": plan item "t": a timer cycle repeats, which an intermediate event cannot; use "duration" or "date"', 'deploy: a timer listener does not repeat');
SELECT pg_temp.deploy_fails(pg_temp.plan('[{"id": "a", "type": "human_task", "due": "3 days"}]'),
    'definition "bad": plan item "a": "due" must be an ISO 8601 duration such as "P3D" or "PT4H", not "3 days"', 'deploy: human task rules as for user tasks');
SELECT pg_temp.deploy_fails('{"key": "bad", "kind": "case", "plan": [], "auto_complete": 1}',
    'definition "bad": the definition: "auto_complete" must be true or false, not number', 'deploy: auto_complete not a boolean');
SELECT results_eq('SELECT count(*) FROM bpm.definition', 'SELECT definitions FROM before',
    'deploy: nothing stored by the refused definitions');
SELECT results_eq('SELECT count(*) FROM bpm.event', 'SELECT events FROM before',
    'deploy: no event written by the refused definitions');

-- ============================================================ the definitions used below
-- api: a task, a manual item, a stage opened by file.open with a required
-- task, a discretionary item in the stage and one in the plan, a user
-- listener, an item that exits when the listener occurs.
SELECT bpm.deploy('{"key": "api", "kind": "case", "plan": [
  {"id": "t", "type": "human_task", "required_fields": ["answer"]},
  {"id": "man", "type": "human_task", "manual": true},
  {"id": "st", "type": "stage", "entry": [{"on": ["file.open"]}], "items": [
     {"id": "inner", "type": "human_task", "required": true},
     {"id": "late", "type": "human_task", "discretionary": true}]},
  {"id": "d", "type": "human_task", "discretionary": true, "applicability": "$.amount > 10"},
  {"id": "ul", "type": "user_listener"},
  {"id": "x", "type": "human_task", "exit": [{"on": ["ul.occur"]}]}]}') IS NOT NULL AS deployed;
SELECT bpm.deploy('{"key": "proc", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "u", "type": "user_task"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "u"}, {"from": "u", "to": "e"}]}') IS NOT NULL AS deployed;

SELECT bpm.open_case('api', '{"amount": 5}', 'API-1') AS c \gset
SELECT bpm.start('proc') AS p \gset

-- ============================================================ open_case
SELECT is((SELECT key || ' ' || business_key || ' ' || state || ' ' || data::text FROM bpm.cases WHERE id = :c),
    'api API-1 running {"amount": 5}', 'open_case: the case, its key, business key, state and file');
SELECT is((SELECT kind FROM bpm.instance WHERE id = :c), 'case', 'open_case: an instance of kind case');
SELECT is((SELECT count(*) FROM bpm.processes WHERE id = :c), 0::bigint, 'open_case: cases are not in bpm.processes');
SELECT is((SELECT count(*) FROM bpm.cases WHERE id = :p), 0::bigint, 'processes are not in bpm.cases');
SELECT is(pg_temp.states(:c), 't:active man:enabled st:available ul:available x:active',
    'open_case: items start, wait for a person or for their entry criteria');
SELECT is((SELECT state FROM bpm.plan_item WHERE case_id = :c AND item_id = ''), 'active',
    'open_case: the case plan''s own row (item_id '''') is active');
SELECT bpm.open_case('api', NULL) AS c0 \gset
SELECT is((SELECT data FROM bpm.cases WHERE id = :c0), '{}'::jsonb, 'open_case: NULL data counts as {}');
SELECT throws_ok($$SELECT bpm.open_case('nothing')$$, '42704', 'case definition "nothing" does not exist', 'open_case: unknown key');
SELECT throws_ok($$SELECT bpm.open_case('proc')$$, '42809', '"proc" is a process, not a case', 'open_case: a process key');
SELECT throws_ok($$SELECT bpm.start('api')$$, '42809', '"api" is a case, not a process', 'start: a case key');
SELECT throws_ok($$SELECT bpm.open_case(NULL)$$, '22004', 'case key must not be null', 'open_case: NULL key');
SELECT throws_ok($$SELECT bpm.open_case('api', '[1]')$$, '22023', 'instance data must be a JSON object', 'open_case: data not an object');

-- ============================================================ update_case and UPDATE of bpm.cases
SELECT pg_temp.snapshot(:c) AS snap \gset
SELECT throws_ok('SELECT bpm.update_case(NULL, ''{}'')', '22004', 'case id must not be null', 'update_case: NULL id');
SELECT throws_ok(format('SELECT bpm.update_case(%s, NULL)', :c), '22004', 'patch must not be null', 'update_case: NULL patch');
SELECT throws_ok(format('SELECT bpm.update_case(%s, ''[1]'')', :c), '22023', 'data for the instance must be a JSON object', 'update_case: patch not an object');
SELECT throws_ok('SELECT bpm.update_case(999999, ''{}'')', '42704', 'instance 999999 does not exist', 'update_case: unknown case');
SELECT throws_ok(format('SELECT bpm.update_case(%s, ''{}'')', :p), '42809', format('instance %s is a process, not a case', :p), 'update_case: a process');
SELECT throws_ok(format('UPDATE bpm.cases SET data = ''{}'' WHERE id = %s', :c), '0A000',
    format('case %s: field "amount" cannot be removed from the case file', :c), 'UPDATE bpm.cases: a field cannot be removed');
SELECT throws_ok(format('UPDATE bpm.cases SET data = ''[1]'' WHERE id = %s', :c), '22023',
    format('case %s: the case file must be a JSON object', :c), 'UPDATE bpm.cases: file not an object');
SELECT is(pg_temp.snapshot(:c), :'snap', 'update_case errors: nothing changed');
SELECT lives_ok(format('SELECT bpm.update_case(%s, ''{}'')', :c), 'update_case: an empty patch');
SELECT is(pg_temp.snapshot(:c), :'snap', 'update_case: an empty patch changes nothing and writes no event');
SELECT lives_ok(format('UPDATE bpm.cases SET data = data || ''{"amount": null}'' WHERE id = %s', :c), 'UPDATE bpm.cases: set a field to null');
SELECT is((SELECT data FROM bpm.cases WHERE id = :c), '{"amount": null}'::jsonb, 'UPDATE bpm.cases: the new file');
SELECT is((SELECT data FROM bpm.history(:c) ORDER BY event_id DESC LIMIT 1),
    '{"patch": {"amount": null}, "replaced": {"amount": 5}}'::jsonb, 'UPDATE bpm.cases: a data_changed event');
SELECT bpm.update_case(:c, '{"amount": 50}');

-- ============================================================ start_item, disable_item, reenable_item
SELECT pg_temp.snapshot(:c) AS snap \gset
SELECT throws_ok(format('SELECT bpm.start_item(%s, ''t'')', :c), '55000',
    format('cannot start plan item "t" of case %s: it is active, not enabled', :c), 'start_item: an active item');
SELECT throws_ok(format('SELECT bpm.start_item(%s, ''inner'')', :c), '55000',
    format('cannot start plan item "inner" of case %s: it is not there (its stage has not started), not enabled', :c), 'start_item: its stage has not started');
SELECT throws_ok(format('SELECT bpm.start_item(%s, ''nobody'')', :c), '42704', 'case "api" has no plan item "nobody"', 'start_item: unknown item');
SELECT throws_ok(format('SELECT bpm.start_item(%s, NULL)', :c), '22004', 'item id must not be null', 'start_item: NULL item');
SELECT throws_ok('SELECT bpm.start_item(NULL, ''man'')', '22004', 'case id must not be null', 'start_item: NULL case');
SELECT throws_ok(format('SELECT bpm.start_item(%s, ''u'')', :p), '42809', format('instance %s is a process, not a case', :p), 'start_item: a process');
SELECT throws_ok(format('SELECT bpm.disable_item(%s, ''t'')', :c), '55000',
    format('cannot disable plan item "t" of case %s: it is active, not enabled', :c), 'disable_item: an active item');
SELECT throws_ok(format('SELECT bpm.reenable_item(%s, ''man'')', :c), '55000',
    format('cannot reenable plan item "man" of case %s: it is enabled, not disabled', :c), 'reenable_item: an enabled item');
SELECT throws_ok('SELECT bpm.disable_item(NULL, ''man'')', '22004', 'case id must not be null', 'disable_item: NULL case');
SELECT throws_ok(format('SELECT bpm.reenable_item(%s, NULL)', :c), '22004', 'item id must not be null', 'reenable_item: NULL item');
SELECT is(pg_temp.snapshot(:c), :'snap', 'start / disable / reenable errors: nothing changed');

SELECT bpm.disable_item(:c, 'man');
SELECT is((SELECT state FROM bpm.case_plan WHERE case_id = :c AND item_id = 'man'), 'disabled', 'disable_item: enabled -> disabled');
SELECT throws_ok(format('SELECT bpm.start_item(%s, ''man'')', :c), '55000',
    format('cannot start plan item "man" of case %s: it is disabled, not enabled', :c), 'start_item: a disabled item');
SELECT bpm.reenable_item(:c, 'man');
SELECT is((SELECT state FROM bpm.case_plan WHERE case_id = :c AND item_id = 'man'), 'enabled', 'reenable_item: disabled -> enabled');
SELECT bpm.start_item(:c, 'man') AS man_item \gset
SELECT is((SELECT state || ' ' || occurrence FROM bpm.plan_item WHERE id = :man_item), 'active 1',
    'start_item: returns the plan_item id of the occurrence, now active');
SELECT is((SELECT node_id || ' ' || (token_id = :man_item)::text || ' ' || status FROM bpm.task WHERE instance_id = :c AND node_id = 'man'),
    'man true open', 'a human task of a case: node_id is the item, token_id its bpm.plan_item row');
SELECT is((SELECT string_agg(kind, ' ' ORDER BY event_id) FROM bpm.history(:c) WHERE node_id = 'man'),
    'item_create item_enable item_disable item_reenable task_created item_manual_start',
    'disable / reenable / start_item: one event per transition');
SELECT is((SELECT process_key FROM bpm.tasks WHERE instance_id = :c AND node_id = 'man'), 'api',
    'bpm.tasks lists tasks of cases, with the case key');

-- ============================================================ human tasks of a case
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.task_of(:c, 't')), '23502', NULL,
    'complete_task: required fields of a case task are enforced');
SELECT bpm.complete_task(pg_temp.task_of(:c, 't'), '{"answer": 42}');
SELECT is((SELECT data ->> 'answer' FROM bpm.cases WHERE id = :c), '42', 'complete_task: its output goes into the case file');
SELECT is((SELECT state FROM bpm.case_plan WHERE case_id = :c AND item_id = 't'), 'completed', 'complete_task: the item completes');

-- ============================================================ plan_item
SELECT pg_temp.snapshot(:c) AS snap \gset
SELECT throws_ok(format('SELECT bpm.plan_item(%s, ''t'')', :c), '42809',
    'plan item "t" of case "api" is not discretionary: it is part of the plan already', 'plan_item: not discretionary');
SELECT throws_ok(format('SELECT bpm.plan_item(%s, ''late'')', :c), '55000',
    format('cannot plan "late" in case %s: its stage "st" is not active', :c), 'plan_item: its stage is not active');
SELECT throws_ok(format('SELECT bpm.plan_item(%s, ''nobody'')', :c), '42704', 'case "api" has no plan item "nobody"', 'plan_item: unknown item');
SELECT throws_ok(format('SELECT bpm.plan_item(%s, NULL)', :c), '22004', 'item id must not be null', 'plan_item: NULL item');
SELECT bpm.update_case(:c, '{"amount": 5}');
SELECT pg_temp.snapshot(:c) AS snap \gset
SELECT throws_ok(format('SELECT bpm.plan_item(%s, ''d'')', :c), '55000',
    format('plan item "d" is not applicable to case %s: $.amount > 10 does not hold', :c), 'plan_item: not applicable');
SELECT is(pg_temp.snapshot(:c), :'snap', 'plan_item errors: nothing changed');
SELECT bpm.update_case(:c, '{"amount": 50}');
SELECT bpm.plan_item(:c, 'd') AS d1 \gset
SELECT bpm.plan_item(:c, 'd') AS d2 \gset
SELECT is((SELECT string_agg(state || ' ' || occurrence, ', ' ORDER BY id) FROM bpm.plan_item WHERE id IN (:d1, :d2)),
    'active 1, active 2', 'plan_item: each call plans a new occurrence, which starts');
SELECT bpm.update_case(:c, '{"open": true}');
SELECT bpm.plan_item(:c, 'late') AS late \gset
SELECT is((SELECT s.item_id FROM bpm.plan_item p JOIN bpm.plan_item s ON s.id = p.stage_id WHERE p.id = :late),
    'st', 'plan_item: an item of a stage is planned into the stage''s active occurrence');

-- ============================================================ trigger_listener and exit criteria of an item
SELECT pg_temp.snapshot(:c) AS snap \gset
SELECT throws_ok(format('SELECT bpm.trigger_listener(%s, ''t'')', :c), '42809',
    'plan item "t" of case "api" is not a user listener', 'trigger_listener: not a user listener');
SELECT throws_ok(format('SELECT bpm.trigger_listener(%s, ''nobody'')', :c), '42704', 'case "api" has no plan item "nobody"', 'trigger_listener: unknown item');
SELECT throws_ok(format('SELECT bpm.trigger_listener(%s, NULL)', :c), '22004', 'listener id must not be null', 'trigger_listener: NULL listener');
SELECT is(pg_temp.snapshot(:c), :'snap', 'trigger_listener errors: nothing changed');
SELECT pg_temp.task_of(:c, 'x') AS x_task \gset
SELECT bpm.trigger_listener(:c, 'ul');
SELECT is((SELECT string_agg(item_id || ':' || state, ' ' ORDER BY plan_item_id) FROM bpm.case_plan WHERE case_id = :c AND item_id IN ('ul', 'x')),
    'ul:completed x:terminated', 'trigger_listener: the listener occurs; x''s exit criterion ends it');
SELECT is((SELECT status FROM bpm.task WHERE id = :x_task), 'cancelled', 'exit criterion: the item''s task is cancelled');
SELECT is((SELECT string_agg(kind, ' ' ORDER BY event_id) FROM bpm.history(:c) WHERE node_id IN ('ul', 'x') AND kind NOT IN ('item_create', 'task_created', 'item_start')),
    'item_occur task_cancelled item_exit', 'trigger_listener: item_occur, then the exit of x');
SELECT throws_ok(format('SELECT bpm.trigger_listener(%s, ''ul'')', :c), '55000',
    format('cannot trigger plan item "ul" of case %s: it is completed, not available', :c), 'trigger_listener: a listener occurs once');

-- ============================================================ close_case, reopen_case
SELECT pg_temp.snapshot(:c) AS snap \gset
SELECT throws_ok(format('SELECT bpm.close_case(%s, ''done'')', :c), '55000',
    format('case %s cannot be closed: required plan item "inner" is active', :c), 'close_case: a required item is open');
SELECT throws_ok(format('SELECT bpm.close_case(%s, NULL)', :c), '22004', 'outcome must not be null', 'close_case: NULL outcome');
SELECT throws_ok('SELECT bpm.close_case(NULL, ''x'')', '22004', 'case id must not be null', 'close_case: NULL case');
SELECT throws_ok(format('SELECT bpm.close_case(%s, ''x'')', :p), '42809', format('instance %s is a process, not a case', :p), 'close_case: a process');
SELECT throws_ok(format('SELECT bpm.reopen_case(%s, ''why'')', :c), '55000', format('case %s is open already', :c), 'reopen_case: a running case');
SELECT throws_ok(format('SELECT bpm.reopen_case(%s, ''why'')', :p), '42809', format('instance %s is a process, not a case', :p), 'reopen_case: a process');
SELECT throws_ok('SELECT bpm.reopen_case(999999, ''why'')', '42704', 'instance 999999 does not exist', 'reopen_case: unknown case');
SELECT throws_ok(format('SELECT bpm.reopen_case(%s, NULL)', :c), '22004', 'reason must not be null', 'reopen_case: NULL reason');
SELECT is(pg_temp.snapshot(:c), :'snap', 'close / reopen errors: nothing changed');
SELECT bpm.complete_task(pg_temp.task_of(:c, 'inner'));
SELECT lives_ok(format('SELECT bpm.close_case(%s, ''resolved'')', :c), 'close_case: once no required item is open');
SELECT is((SELECT state || ' ' || outcome FROM bpm.cases WHERE id = :c), 'completed resolved', 'close_case: completed, with its outcome');
SELECT is((SELECT count(*) FROM bpm.task WHERE instance_id = :c AND status = 'open'), 0::bigint, 'close_case: no open task is left');
SELECT is((SELECT count(*) FROM bpm.plan_item WHERE case_id = :c AND state NOT IN ('completed', 'terminated')), 0::bigint,
    'close_case: every item has ended');
SELECT pg_temp.snapshot(:c) AS snap \gset
SELECT throws_ok(format('SELECT bpm.close_case(%s, ''again'')', :c), '55000', format('cannot close: instance %s is completed', :c), 'close_case: a closed case');
SELECT throws_ok(format('SELECT bpm.update_case(%s, ''{"y": 1}'')', :c), '55000', format('cannot update: instance %s is completed', :c), 'update_case: a closed case');
SELECT throws_ok(format('SELECT bpm.plan_item(%s, ''d'')', :c), '55000', format('cannot plan an item of: instance %s is completed', :c), 'plan_item: a closed case');
SELECT throws_ok(format('SELECT bpm.cancel(%s)', :c), '55000', format('cannot cancel: instance %s is completed', :c), 'cancel: a closed case');
SELECT is(pg_temp.snapshot(:c), :'snap', 'errors on a closed case: nothing changed');
SELECT bpm.reopen_case(:c, 'the customer called back');
SELECT is((SELECT state || ' ' || coalesce(outcome, '-') || ' ' || coalesce(ended_at::text, '-') FROM bpm.cases WHERE id = :c),
    'running - -', 'reopen_case: running again, no outcome, no end');
SELECT is((SELECT string_agg(kind, ' ' ORDER BY event_id) FROM (SELECT * FROM bpm.history(:c) ORDER BY event_id DESC LIMIT 2) h),
    'item_reactivate case_reopened', 'reopen_case: the case plan is reactivated');
SELECT bpm.plan_item(:c, 'd') AS d3 \gset
SELECT is((SELECT state || ' ' || occurrence FROM bpm.plan_item WHERE id = :d3), 'active 3', 'reopen_case: discretionary items can be planned again');
SELECT ok((SELECT ok FROM bpm.verify_events(:c)), 'verify_events: the chain of a case verifies');

-- ============================================================ bpm.cancel of a case
SELECT bpm.open_case('api', '{}') AS c2 \gset
SELECT bpm.cancel(:c2, 'duplicate');
SELECT is((SELECT state || ' ' || outcome FROM bpm.cases WHERE id = :c2), 'terminated duplicate', 'cancel: the case is terminated with the reason');
SELECT is((SELECT string_agg(DISTINCT state, ' ') FROM bpm.plan_item WHERE case_id = :c2), 'terminated', 'cancel: every item and the case plan are terminated');
SELECT is((SELECT string_agg(DISTINCT status, ' ') FROM bpm.task WHERE instance_id = :c2), 'cancelled', 'cancel: its tasks are cancelled');
SELECT is((SELECT kind || ' ' || data::text FROM bpm.history(:c2) ORDER BY event_id DESC LIMIT 1),
    'instance_terminated {"reason": "duplicate"}', 'cancel: instance_terminated with the reason');
SELECT bpm.open_case('api', '{}') AS c3 \gset
SELECT bpm.cancel(:c3);
SELECT is((SELECT outcome FROM bpm.cases WHERE id = :c3), 'cancelled', 'cancel: without a reason, the outcome is "cancelled"');

-- ============================================================ repeat with entry criteria
-- Each change of "x" that makes the if-part hold lets the waiting
-- occurrence proceed, and a new one waits for the next.
SELECT bpm.deploy('{"key": "rep", "kind": "case", "plan": [
  {"id": "r", "type": "human_task", "repeat": true, "entry": [{"on": ["file.x"], "if": "$.x > 0"}]},
  {"id": "twice", "type": "milestone", "entry": [{"on": ["r.complete", "file.y"]}]}]}') IS NOT NULL AS deployed;
SELECT bpm.open_case('rep', '{}') AS r \gset
SELECT is(pg_temp.states(:r), 'r:available twice:available', 'repeat: one occurrence waits');
SELECT bpm.update_case(:r, '{"x": 1}');
SELECT is(pg_temp.states(:r), 'r:active twice:available r:available', 'repeat: criterion met: the occurrence starts, a new one waits');
SELECT bpm.update_case(:r, '{"x": 1}');
SELECT is(pg_temp.states(:r), 'r:active twice:available r:available', 'repeat: setting x to the value it has is no change');
SELECT bpm.update_case(:r, '{"x": 0}');
SELECT is(pg_temp.states(:r), 'r:active twice:available r:available', 'repeat: x changes but the if-part does not hold');
SELECT is((SELECT seen FROM bpm.plan_item WHERE case_id = :r AND item_id = 'r' ORDER BY id DESC LIMIT 1), '{e0:file.x}'::text[],
    'seen: the on-part is remembered by the occurrence that saw it');
SELECT bpm.update_case(:r, '{"x": 2}');
SELECT is(pg_temp.states(:r), 'r:active twice:available r:active r:available', 'repeat: criterion met again: a second occurrence starts');
SELECT is((SELECT string_agg(occurrence::text, ',' ORDER BY id) FROM bpm.plan_item WHERE case_id = :r AND item_id = 'r'), '1,2,3',
    'repeat: occurrences are numbered');
-- A sentry with two on-parts fires once both have happened, in any order.
SELECT bpm.complete_task(pg_temp.task_of(:r, 'r') ) FROM (SELECT 1 LIMIT 1) one;
SELECT is((SELECT state || ' ' || array_to_string(seen, ',') FROM bpm.plan_item WHERE case_id = :r AND item_id = 'twice'),
    'available e0:r.complete', 'two on-parts: the first is remembered');
SELECT bpm.update_case(:r, '{"y": true}');
SELECT is((SELECT state FROM bpm.plan_item WHERE case_id = :r AND item_id = 'twice'), 'completed', 'two on-parts: the second makes it fire');

-- ============================================================ if-parts listen to the fields they read
SELECT bpm.deploy('{"key": "ifs", "kind": "case", "plan": [
  {"id": "a", "type": "milestone", "entry": [{"on": ["file.go"], "if": "$.ready == true"}]},
  {"id": "b", "type": "milestone", "entry": [{"if": "$.\"total amount\" > 100 && exists($.approved)"}]}]}') IS NOT NULL AS deployed;
SELECT bpm.open_case('ifs', '{"ready": false}') AS f \gset
SELECT bpm.update_case(:f, '{"go": 1}');
SELECT is(pg_temp.states(:f), 'a:available b:available', 'if-part: the on-part happened, the if-part does not hold');
SELECT bpm.update_case(:f, '{"ready": true}');
SELECT is(pg_temp.states(:f), 'a:completed b:available', 'if-part: re-evaluated when a field it reads changes, the on-part remembered');
SELECT bpm.update_case(:f, '{"total amount": 500}');
SELECT is(pg_temp.states(:f), 'a:completed b:available', 'if-part only: a quoted field is read');
SELECT bpm.update_case(:f, '{"approved": "yes"}');
SELECT is(pg_temp.states(:f), 'a:completed b:completed', 'if-part only: exists() of a field is read');

-- ============================================================ nested stages complete by themselves
SELECT bpm.deploy('{"key": "nest", "kind": "case", "auto_complete": true, "plan": [
  {"id": "outer", "type": "stage", "auto_complete": true, "items": [
     {"id": "inner", "type": "stage", "auto_complete": true, "items": [
        {"id": "deep", "type": "human_task", "required": true},
        {"id": "opt", "type": "human_task", "manual": true}]},
     {"id": "side", "type": "human_task", "exit": [{"on": ["inner.complete"]}]}]}]}') IS NOT NULL AS deployed;
SELECT bpm.open_case('nest', '{}') AS n \gset
SELECT is(pg_temp.states(:n), 'outer:active inner:active deep:active opt:enabled side:active', 'nested stages: both start');
SELECT is((SELECT string_agg(coalesce(stage, '-'), ' ' ORDER BY plan_item_id) FROM bpm.case_plan WHERE case_id = :n),
    '- outer inner inner outer', 'bpm.case_plan.stage names the stage of each item');
SELECT bpm.complete_task(pg_temp.task_of(:n, 'deep'));
SELECT is(pg_temp.states(:n), 'outer:completed inner:completed deep:completed opt:terminated side:terminated',
    'nested stages: inner completes (its enabled item ends), side exits on inner.complete, outer completes');
SELECT is((SELECT state FROM bpm.cases WHERE id = :n), 'completed', 'nested stages: the case completes with its plan');
SELECT is((SELECT string_agg(coalesce(node_id, '-') || ':' || kind, ' ' ORDER BY event_id) FROM bpm.history(:n)
            WHERE event_id > (SELECT max(event_id) FROM bpm.history(:n) WHERE kind = 'task_completed')),
    'deep:item_complete opt:item_exit inner:item_complete side:task_cancelled side:item_exit outer:item_complete -:item_complete -:instance_completed',
    'nested stages: the events, innermost first');
SELECT ok((SELECT ok FROM bpm.verify_events(:n)), 'verify_events: the nested case verifies');

-- ============================================================ auto_complete waits for the sentries
-- The task whose completion finishes the plan writes the field a
-- milestone's if-part reads: the sentries see that change before the
-- stage (and the case) checks whether its work is done, so the milestone
-- occurs instead of ending with the case.
SELECT bpm.deploy('{"key": "mile", "kind": "case", "auto_complete": true, "plan": [
  {"id": "t", "type": "human_task", "required": true, "required_fields": ["x"]},
  {"id": "m", "type": "milestone", "entry": [{"if": "exists($.x)"}]}]}') IS NOT NULL AS deployed;
SELECT bpm.open_case('mile', '{}') AS m \gset
SELECT bpm.complete_task(pg_temp.task_of(:m, 't'), '{"x": 1}');
SELECT is(pg_temp.states(:m), 't:completed m:completed',
    'auto_complete: a milestone whose if-part reads what the last task wrote occurs');
SELECT is((SELECT string_agg(coalesce(node_id, '-') || ':' || kind, ' ' ORDER BY event_id) FROM bpm.history(:m)
            WHERE event_id > (SELECT max(event_id) FROM bpm.history(:m) WHERE kind = 'task_completed')),
    't:data_changed t:item_complete m:item_occur -:item_complete -:instance_completed',
    'auto_complete: the milestone occurs, then the case completes');
-- The same one level down: the inner stage completes after its milestone
-- occurred, the outer stage after the inner one, then the case.
SELECT bpm.deploy('{"key": "mile2", "kind": "case", "auto_complete": true, "plan": [
  {"id": "outer", "type": "stage", "auto_complete": true, "items": [
     {"id": "inner", "type": "stage", "auto_complete": true, "items": [
        {"id": "t", "type": "human_task", "required": true, "required_fields": ["x"]},
        {"id": "m", "type": "milestone", "entry": [{"if": "exists($.x)"}]}]},
     {"id": "after", "type": "milestone", "entry": [{"on": ["inner.complete"]}]}]}]}') IS NOT NULL AS deployed;
SELECT bpm.open_case('mile2', '{}') AS m2 \gset
SELECT bpm.complete_task(pg_temp.task_of(:m2, 't'), '{"x": 1}');
SELECT is(pg_temp.states(:m2), 'outer:completed inner:completed t:completed m:completed after:completed',
    'nested auto_complete: the milestones in both stages occur before their stages complete');
SELECT is((SELECT state FROM bpm.cases WHERE id = :m2), 'completed', 'nested auto_complete: then the case completes');

-- ============================================================ exit criteria of a stage, timers in a stage
SELECT bpm.deploy('{"key": "stx", "kind": "case", "plan": [
  {"id": "s", "type": "stage", "exit": [{"if": "$.stop == true"}], "items": [
     {"id": "w", "type": "human_task"},
     {"id": "tick", "type": "timer_listener", "timer": {"duration": "PT1H"}}]},
  {"id": "after", "type": "human_task", "entry": [{"on": ["s.exit"]}]}]}') IS NOT NULL AS deployed;
SELECT bpm.open_case('stx', '{}') AS s \gset
SELECT is((SELECT kind || ' ' || (token_id = (SELECT id FROM bpm.plan_item WHERE case_id = :s AND item_id = 'tick'))::text || ' ' || due_at::text
             FROM bpm.job WHERE instance_id = :s),
    'case_timer true 2030-01-01 10:00:00+00', 'timer listener in a stage: a case_timer job, token_id its plan_item row');
SELECT bpm.update_case(:s, '{"stop": true}');
SELECT is(pg_temp.states(:s), 's:terminated w:terminated tick:terminated after:active',
    'exit criterion of a stage: the stage and its items end; s.exit is an on-part');
SELECT is((SELECT count(*) FROM bpm.job WHERE instance_id = :s), 0::bigint, 'exit of a stage: its timer job is removed');
SELECT ok((SELECT ok FROM bpm.verify_events(:s)), 'verify_events: the stage-exit case verifies');

SELECT * FROM finish();
ROLLBACK;
