-- 14_hybrid: processes and cases together, scenario 2: an insurance claim.
--
-- A strict intake workflow escalates to a case when something is
-- unusual (an "escalate_to_case" node: the process waits for the case, or
-- ends). In the case, an adjuster adds ad-hoc work (bpm.add_task) and the
-- plan starts a payout process (a process task) and a fraud sub-case (a
-- case task); their results go into the case file. The case's outcome
-- goes back to the waiting intake. bpm.history of the intake shows every
-- instance it led to on one timeline (column of_instance).

\i sql/helpers.psql

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 1400000);
    END LOOP;
    PERFORM setval(pg_get_serial_sequence('bpm.plan_item', 'id'), 1400000);
END $$;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET pg_bpm.mock_now = '2030-05-01 09:00:00+00';
SET bpm.actor = 'ops';
-- Complete the open task of a node in an instance, with an output.
CREATE FUNCTION work14(i bigint, node text, result jsonb DEFAULT '{}')
RETURNS void LANGUAGE sql AS $$
    SELECT bpm.complete_task(t.id, result) FROM bpm.task t
     WHERE t.instance_id = i AND t.node_id = node AND t.status = 'open' $$;

-- The payout process a case starts, and a fraud check sub-case.
SELECT bpm.deploy('{"key": "payout14", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "pay", "type": "user_task", "name": "Pay the claim", "required": ["paid_amount"]},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "pay"}, {"from": "pay", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.deploy('{"key": "fraud14", "kind": "case", "auto_complete": true, "plan": [
    {"id": "screen", "type": "human_task", "name": "Screen for fraud", "required": true}]}') IS NOT NULL AS deployed;
-- The claim case: an assessment, then (when the assessment says so) the
-- payout, and a fraud check that someone may plan; it completes by itself.
SELECT bpm.deploy('{"key": "claim14", "kind": "case", "name": "Insurance claim", "auto_complete": true,
  "plan": [
    {"id": "assess", "type": "human_task", "name": "Assess the claim", "required": true},
    {"id": "payout", "type": "process_task", "process": "payout14", "required": true,
     "entry": [{"on": ["assess.complete"], "if": "$.covered == true"}]},
    {"id": "fraud", "type": "case_task", "case": "fraud14", "discretionary": true}]}') IS NOT NULL AS deployed;
-- The intake: claims above 10,000 go to a case and the intake waits for it.
SELECT bpm.deploy('{"key": "intake14", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "size", "type": "exclusive_gateway"},
    {"id": "to_case", "type": "escalate_to_case", "case": "claim14"},
    {"id": "register", "type": "user_task", "name": "Register the claim"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "size"},
            {"from": "size", "to": "to_case", "when": "$.amount > 10000"},
            {"from": "size", "to": "register", "default": true},
            {"from": "to_case", "to": "register"}, {"from": "register", "to": "end"}]}') IS NOT NULL AS deployed;

--
-- 1. A large claim escalates: a case opens with the intake's data, as its
-- child, and the intake waits at to_case.
--
SELECT bpm.start('intake14', '{"claimant": "Kim", "amount": 25000}', 'CL-1') AS intake \gset
SELECT state, waiting_at FROM bpm.processes WHERE id = :intake;
SELECT id - :intake AS case_offset, key, state, data FROM bpm.cases WHERE business_key IS NULL
   AND data->'escalation'->>'from' = :'intake';
SELECT id AS claim FROM bpm.cases WHERE data->'escalation'->>'from' = :'intake' \gset

--
-- 2. Ad-hoc work: the adjuster asks an expert, outside the plan; the answer
-- goes into the case file.
--
SELECT bpm.add_task(:claim, 'Ask a car expert', assignee => 'ops', due => '2 days') IS NOT NULL AS added;
SELECT node_id, title, assignee, due_at FROM bpm.tasks WHERE instance_id = :claim ORDER BY id;
SELECT work14(:claim, 'ad_hoc', '{"expert": "repairable"}');

--
-- 3. The assessment finds it covered: the payout process starts, with the
-- case file as its data. A fraud check is planned as a sub-case.
--
SELECT work14(:claim, 'assess', '{"covered": true}');
SELECT bpm.plan_item(:claim, 'fraud') IS NOT NULL AS planned;
SELECT item_id, type, state, regexp_replace(waits_for, '[0-9]+', 'N') AS waits_for
  FROM bpm.case_plan WHERE case_id = :claim ORDER BY plan_item_id;
SELECT key, state, parent_id = :claim AS child_of_claim FROM bpm.definitions d
  JOIN bpm.instance i ON i.definition_id = d.id WHERE i.parent_id = :claim ORDER BY i.id;

-- The payout is done in its process, the fraud screening in its sub-case:
-- each result goes back into the claim's file, and the claim completes by
-- itself; its outcome goes back to the intake, which moves on.
SELECT work14(i.id, 'pay', '{"paid_amount": 24000}') FROM bpm.instance i
 WHERE i.parent_id = :claim AND i.kind = 'process';
SELECT work14(i.id, 'screen', '{"fraud": false}') FROM bpm.instance i
 WHERE i.parent_id = :claim AND i.kind = 'case';
SELECT state, data FROM bpm.cases WHERE id = :claim;
SELECT state, waiting_at, data->'case' AS case_result FROM bpm.processes WHERE id = :intake;
SELECT work14(:intake, 'register');
SELECT state FROM bpm.processes WHERE id = :intake;

--
-- 4. One timeline: the intake, its claim case, the payout and the fraud
-- case, each event with its instance.
--
SELECT of_instance - :intake AS inst, kind, node_id FROM bpm.history(:intake) ORDER BY event_id;
SELECT bool_and(ok) AS all_chains_verify
  FROM bpm.instance i, bpm.verify_events(i.id) WHERE i.id >= :intake;

--
-- 5. bpm.escalate_to_case by hand: the process ends, the case takes over.
--
SELECT bpm.start('intake14', '{"claimant": "Lee", "amount": 500}', 'CL-2') AS small \gset
SELECT bpm.escalate_to_case(:small, 'claim14', 'claimant disputes the amount') AS disputed \gset
SELECT state, regexp_replace(end_reason, '[0-9]+', 'N') AS end_reason FROM bpm.processes WHERE id = :small;
SELECT state, data->'escalation' AS escalation FROM bpm.cases WHERE id = :disputed;
SELECT count(*) AS open_tasks_of_small FROM bpm.tasks WHERE instance_id = :small;

--
-- 6. An escalation that does not wait ends the process at once.
--
SELECT bpm.deploy('{"key": "handover14", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "to_case", "type": "escalate_to_case", "case": "claim14", "wait": false}],
  "flows": [{"from": "start", "to": "to_case"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('handover14', '{"amount": 1}') AS ho \gset
SELECT state, regexp_replace(end_reason, '[0-9]+', 'N') AS end_reason FROM bpm.processes WHERE id = :ho;

--
-- 7. A case whose timer listener reads a field the process does not have:
-- the escalation fails as a timer of the process itself would (22023,
-- naming the case, the listener and the path), and nothing of it remains:
-- the process still waits at its task, and no case opened. With the
-- field in the data, the same step escalates.
--
SELECT bpm.deploy('{"key": "watch14", "kind": "case", "plan": [
    {"id": "review", "type": "human_task"},
    {"id": "reminder", "type": "timer_listener", "timer": {"duration": "$.remind_after"}}]}') IS NOT NULL AS deployed;
SELECT bpm.deploy('{"key": "check14", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "check", "type": "user_task", "name": "Check the claim"},
    {"id": "to_case", "type": "escalate_to_case", "case": "watch14", "wait": false}],
  "flows": [{"from": "start", "to": "check"}, {"from": "check", "to": "to_case"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('check14', '{}', 'CL-3') AS checked \gset
SELECT work14(:checked, 'check', '{"suspicious": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT waiting_at, state FROM bpm.processes WHERE id = :checked;
SELECT count(*) AS cases_opened FROM bpm.cases WHERE key = 'watch14';
SELECT work14(:checked, 'check', '{"suspicious": true, "remind_after": "P2D"}');
SELECT state FROM bpm.processes WHERE id = :checked;
SELECT c.state, j.node_id, j.kind, j.due_at FROM bpm.cases c JOIN bpm.job j ON j.instance_id = c.id
 WHERE c.key = 'watch14';

--
-- 8. Refusals.
--
\set VERBOSITY terse
SELECT bpm.start('intake14', '{"amount": 1}') AS pending \gset
SELECT c.why, e.* FROM (VALUES
  ('a case, not a process',    format($$SELECT bpm.escalate_to_case(%s, 'claim14', 'again')$$, :claim)),
  ('it has ended',             format($$SELECT bpm.escalate_to_case(%s, 'claim14', 'again')$$, :small)),
  ('no such case definition',  format($$SELECT bpm.escalate_to_case(%s, 'nothing14', 'x')$$, :pending)),
  ('not a case',               format($$SELECT bpm.add_task(%s, 'x')$$, :small)),
  ('no title',                 format($$SELECT bpm.add_task(%s, '')$$, :disputed)),
  ('waits, no flow to go on by', $$SELECT bpm.deploy('{"key": "bad14", "nodes": [
      {"id": "start", "type": "start_event"},
      {"id": "to_case", "type": "escalate_to_case", "case": "claim14"}],
    "flows": [{"from": "start", "to": "to_case"}]}')$$),
  ('does not wait, has a flow', $$SELECT bpm.deploy('{"key": "bad14", "nodes": [
      {"id": "start", "type": "start_event"},
      {"id": "to_case", "type": "escalate_to_case", "case": "claim14", "wait": false},
      {"id": "end", "type": "end_event"}],
    "flows": [{"from": "start", "to": "to_case"}, {"from": "to_case", "to": "end"}]}')$$)
) AS c(why, statement), pg_temp.error_of(c.statement, terse => true) AS e;
RESET pg_bpm.mock_now;
RESET bpm.actor;
