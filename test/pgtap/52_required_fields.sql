-- 52_required_fields: what a task's required fields (a user task's
-- "required", a human task's "required_fields") ask of its completion.
--
--   rule     a required field is satisfied when the instance data (a case's
--            case file) has it with a value other than JSON null once the
--            completion's output is merged into it: the output's top-level
--            keys replace the data's, so a field already in the data (from
--            the start, a form prefill, an earlier step) need not be sent
--            again, and an output's null replaces it and is missing
--   refusal  23502 naming every missing field, with a hint that shows each
--            of them as its own key of the completion data; nothing changes
BEGIN;
SELECT no_plan();
\ir helpers.psql

-- The hint of the error a statement raises (NULL if it raises none).
CREATE FUNCTION pg_temp.hint_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    hint text;
BEGIN
    EXECUTE statement;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    RETURN hint;
END $$;

-- fill: a first step, then a check that requires x and y.
SELECT bpm.deploy('{"key": "tap_required", "nodes": [
    {"id": "s", "type": "start_event"},
    {"id": "fill", "type": "user_task"},
    {"id": "check", "type": "user_task", "required": ["x", "y"]},
    {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "fill"}, {"from": "fill", "to": "check"},
            {"from": "check", "to": "e"}]}') IS NOT NULL AS deployed;

-- ============================================= processes: the data counts
-- y came with the start (a form prefill), x from the earlier step.
INSERT INTO ids VALUES ('p1', bpm.start('tap_required', '{"y": "prefilled"}'));
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('p1'), 'fill'), '{"x": 1}');
SELECT lives_ok(format('SELECT bpm.complete_task(%s)', pg_temp.task(pg_temp.id('p1'), 'check')),
    'required fields already in the instance data need not be sent again');
SELECT results_eq(
    format('SELECT state, data FROM bpm.instance WHERE id = %s', pg_temp.id('p1')),
    $$VALUES ('completed', '{"x": 1, "y": "prefilled"}'::jsonb)$$,
    'the process moved on with its data as it was');

-- A plain UPDATE is judged the same way, and the output may supply the rest.
INSERT INTO ids VALUES ('p2', bpm.start('tap_required', '{"y": 2}'));
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('p2'), 'fill'));
SELECT throws_ok(
    format($$UPDATE bpm.task SET status = 'completed' WHERE id = %s$$, pg_temp.task(pg_temp.id('p2'), 'check')),
    '23502', format('task %s ("check") cannot be completed without: x', pg_temp.task(pg_temp.id('p2'), 'check')),
    'a field in neither the output nor the data is missing; one in the data is not');
SELECT lives_ok(
    format($$UPDATE bpm.task SET status = 'completed', output = '{"x": 3}' WHERE id = %s$$,
           pg_temp.task(pg_temp.id('p2'), 'check')),
    'the output supplies what the data lacks');
SELECT is((SELECT data FROM bpm.instance WHERE id = pg_temp.id('p2')), '{"x": 3, "y": 2}'::jsonb,
    'the output was merged into the data');

-- JSON null is no value: in the data, or in the output, which replaces the data's.
INSERT INTO ids VALUES ('p3', bpm.start('tap_required', '{"x": null, "y": 1}'));
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('p3'), 'fill'));
INSERT INTO ids VALUES ('t3', pg_temp.task(pg_temp.id('p3'), 'check'));
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('t3')), '23502',
    format('task %s ("check") cannot be completed without: x', pg_temp.id('t3')),
    'a field that is null in the data is missing');
SELECT throws_ok(format('SELECT bpm.complete_task(%s, %L)', pg_temp.id('t3'), '{"x": 1, "y": null}'), '23502',
    format('task %s ("check") cannot be completed without: y', pg_temp.id('t3')),
    'an output''s null replaces the data''s value: the field is missing');
SELECT results_eq(
    format($$SELECT t.status, t.output, i.data FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
              WHERE t.id = %s$$, pg_temp.id('t3')),
    $$VALUES ('open', NULL::jsonb, '{"x": null, "y": 1}'::jsonb)$$,
    'the refused completions changed neither the task nor the data');

-- ============================================= the hint
SELECT is(pg_temp.hint_of(format('SELECT bpm.complete_task(%s, %L)', pg_temp.id('t3'), '{"y": null}')),
    format('Pass the fields in the completion data, e.g. bpm.complete_task(%s, ''{"x": ..., "y": ...}'').',
           pg_temp.id('t3')),
    'the hint shows each missing field as its own key');
SELECT is(pg_temp.hint_of(format('SELECT bpm.complete_task(%s)', pg_temp.id('t3'))),
    format('Pass the fields in the completion data, e.g. bpm.complete_task(%s, ''{"x": ...}'').',
           pg_temp.id('t3')),
    'the hint for one missing field');

-- ============================================= cases: the case file counts
SELECT bpm.deploy('{"key": "tap_required_case", "kind": "case", "plan": [
    {"id": "ask", "type": "human_task"},
    {"id": "answer", "type": "human_task", "required_fields": ["answer", "source"],
     "entry": [{"on": ["ask.complete"]}]}]}') IS NOT NULL AS deployed;
INSERT INTO ids VALUES ('c1', bpm.open_case('tap_required_case', '{"source": "phone"}'));
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('c1'), 'ask'), '{"answer": 42}');
SELECT lives_ok(format('SELECT bpm.complete_task(%s)', pg_temp.task(pg_temp.id('c1'), 'answer')),
    'a human task''s required fields already in the case file need not be sent again');
SELECT results_eq(
    format($$SELECT p.state, i.data FROM bpm.plan_item p JOIN bpm.instance i ON i.id = p.case_id
              WHERE p.case_id = %s AND p.item_id = 'answer'$$, pg_temp.id('c1')),
    $$VALUES ('completed', '{"answer": 42, "source": "phone"}'::jsonb)$$,
    'the item completed with the case file as it was');

INSERT INTO ids VALUES ('c2', bpm.open_case('tap_required_case', '{"source": null}'));
SELECT bpm.complete_task(pg_temp.task(pg_temp.id('c2'), 'ask'));
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.task(pg_temp.id('c2'), 'answer')), '23502',
    format('task %s ("answer") cannot be completed without: answer, source',
           pg_temp.task(pg_temp.id('c2'), 'answer')),
    'fields absent from the case file, or null in it, are missing');

SELECT * FROM finish();
ROLLBACK;
