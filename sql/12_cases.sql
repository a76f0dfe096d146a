-- 12_cases: case management (CMMN), scenario 1: a customer complaint.
--
-- A case definition ("kind": "case") has a plan of items: human tasks,
-- stages (with their own items), milestones, timer and user event
-- listeners. Entry and exit criteria are sentries: on-parts
-- ("triage.complete", "sla.occur", "file.resolution") that must all have
-- happened, and an if-part over the case file. A case is an instance of
-- kind 'case' whose data is the case file; bpm.case_plan shows every plan
-- item occurrence with its state and what it waits for.
--
-- Time is pg_bpm.mock_now, the engine's clock; times print in UTC.

\i sql/helpers.psql

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 1200000);
    END LOOP;
    PERFORM setval(pg_get_serial_sequence('bpm.plan_item', 'id'), 1200000);
END $$;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET pg_bpm.mock_now = '2030-04-01 09:00:00+00';
INSERT INTO bpm.actor_group VALUES ('sam12', 'support12'), ('lou12', 'legal12');
-- The plan of a case, without ids and times.
CREATE FUNCTION plan12(c bigint)
RETURNS TABLE (item text, type text, state text, occurrence int, stage text, waits_for text)
LANGUAGE sql AS $$
    SELECT item_id, type, state, occurrence, stage,
           regexp_replace(waits_for, 'task [0-9]+', 'task') FROM bpm.case_plan
     WHERE case_id = c ORDER BY plan_item_id $$;
-- Complete the open task of a plan item, as an actor.
CREATE FUNCTION work12(c bigint, item text, who text, result jsonb DEFAULT '{}')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('bpm.actor', who, true);
    PERFORM bpm.complete_task(t.id, result) FROM bpm.task t
      WHERE instance_id = c AND node_id = item AND status = 'open';
    PERFORM set_config('bpm.actor', 'ops', true);
END $$;
SET bpm.actor = 'ops';

--
-- 1. The definition: triage by support; if the complaint is severe, an
-- investigation stage with a required inspection, a legal review that
-- someone may plan when the amount is high, and an expert opinion that
-- can be asked for again and again; a milestone when a resolution is
-- written; after ten days an escalation; and the customer may withdraw.
--
SELECT bpm.deploy('{"key": "complaint12", "kind": "case", "name": "Customer complaint",
 "plan": [
  {"id": "triage", "type": "human_task", "candidate_groups": ["support12"]},
  {"id": "investigation", "type": "stage", "entry": [{"on": ["triage.complete"], "if": "$.severity == \"high\""}],
   "auto_complete": true, "items": [
     {"id": "inspect", "type": "human_task", "required": true},
     {"id": "legal", "type": "human_task", "discretionary": true, "applicability": "$.amount > 1000",
      "candidate_groups": ["legal12"]},
     {"id": "expert", "type": "human_task", "manual": true, "repeat": true}]},
  {"id": "resolved", "type": "milestone", "entry": [{"if": "exists($.resolution)"}]},
  {"id": "sla", "type": "timer_listener", "timer": {"duration": "P10D"}},
  {"id": "escalate", "type": "human_task", "name": "Escalate the complaint", "entry": [{"on": ["sla.occur"]}]},
  {"id": "customer_called", "type": "user_listener"}],
 "exit": [{"on": ["customer_called.occur"], "if": "$.withdrawn == true"}]}') IS NOT NULL AS deployed;
SELECT kind, name, nodes FROM bpm.definitions WHERE key = 'complaint12';

--
-- 2. A complaint arrives. Triage is a task of support; the stage waits for
-- its entry criterion; the SLA timer is armed for ten days.
--
SELECT bpm.open_case('complaint12', '{"customer": "ACME", "amount": 5000}', 'CMP-1') AS c1 \gset
SELECT key, business_key, state, data FROM bpm.cases WHERE id = :c1;
SELECT * FROM plan12(:c1);
SELECT node_id, title, candidate_groups FROM bpm.tasks WHERE instance_id = :c1;
SELECT node_id, kind, due_at FROM bpm.job WHERE instance_id = :c1;

-- Triage finds it severe: its output goes into the case file, and the
-- investigation starts with its required inspection; the expert opinion
-- waits for someone to ask for it.
SELECT work12(:c1, 'triage', 'sam12', '{"severity": "high"}');
SELECT * FROM plan12(:c1);

--
-- 3. Work planned at run time: legal review applies (amount > 1000).
--
SELECT bpm.plan_item(:c1, 'legal') IS NOT NULL AS planned;
-- The expert is asked twice: each completion brings the item back, enabled.
SELECT bpm.start_item(:c1, 'expert') IS NOT NULL AS started;
SELECT work12(:c1, 'expert', 'ops', '{"expert_opinion": "replace the unit"}');
SELECT bpm.start_item(:c1, 'expert') IS NOT NULL AS started_again;
SELECT * FROM plan12(:c1) WHERE stage = 'investigation';
-- Someone decides a third opinion is not needed after all: the item is set aside.
SELECT work12(:c1, 'expert', 'ops');
SELECT bpm.disable_item(:c1, 'expert');
SELECT item, state, occurrence FROM plan12(:c1) WHERE item = 'expert';
SELECT bpm.reenable_item(:c1, 'expert');
SELECT item, state, occurrence FROM plan12(:c1) WHERE item = 'expert';

--
-- 4. The stage completes by itself once the required inspection and the
-- active legal review are done; what still waits in it (the expert,
-- enabled) ends with it.
--
SELECT work12(:c1, 'inspect', 'ops', '{"defect": true}');
SELECT item, state FROM plan12(:c1) WHERE item = 'investigation';
SELECT work12(:c1, 'legal', 'lou12', '{"liable": true}');
SELECT * FROM plan12(:c1) WHERE stage = 'investigation' OR item = 'investigation';

--
-- 5. The milestone is reached when the resolution is written into the case
-- file; here with a plain UPDATE of the view bpm.cases.
--
UPDATE bpm.cases SET data = data || '{"resolution": "refund"}' WHERE id = :c1;
SELECT item, state FROM plan12(:c1) WHERE item = 'resolved';
SELECT data FROM bpm.cases WHERE id = :c1;

--
-- 6. Ten days pass: the SLA listener occurs and the escalation task opens.
--
SET pg_bpm.mock_now = '2030-04-11 09:00:00+00';
SELECT bpm.run_jobs() > 0 AS ran;
SELECT item, state FROM plan12(:c1) WHERE item IN ('sla', 'escalate');
SELECT node_id, title FROM bpm.tasks WHERE instance_id = :c1;

--
-- 7. Closing: refused while a required item is open (another complaint
-- whose inspection is still running); allowed here.
--
SELECT bpm.open_case('complaint12', '{"amount": 10}', 'CMP-2') AS c2 \gset
SELECT work12(:c2, 'triage', 'sam12', '{"severity": "high"}');
\set VERBOSITY terse
SELECT bpm.close_case(:c2, 'rushed');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT bpm.close_case(:c1, 'refunded');
SELECT state, outcome FROM bpm.cases WHERE id = :c1;
-- Every item that still waited ended; no task or job is left open.
SELECT item, state FROM plan12(:c1) WHERE item IN ('escalate', 'customer_called');
SELECT count(*) AS open_tasks FROM bpm.tasks WHERE instance_id = :c1;
SELECT count(*) AS jobs FROM bpm.job WHERE instance_id = :c1;

-- A closed case can be reopened: its file can change again.
SELECT bpm.reopen_case(:c1, 'customer disputes the refund');
SELECT state, outcome FROM bpm.cases WHERE id = :c1;
SELECT bpm.update_case(:c1, '{"dispute": true}');
SELECT bpm.close_case(:c1, 'refund confirmed');

--
-- 8. The case's exit criterion: the customer calls and withdraws.
--
SELECT bpm.update_case(:c2, '{"withdrawn": true}');
SELECT bpm.trigger_listener(:c2, 'customer_called');
SELECT state, outcome FROM bpm.cases WHERE id = :c2;
SELECT item, state FROM plan12(:c2) WHERE state <> 'completed';

--
-- 9. The history of a case is one timeline, and its chain verifies.
--
SELECT actor, kind, node_id, data FROM bpm.history(:c1) ORDER BY event_id LIMIT 14;
SELECT ok FROM bpm.verify_events(:c1);
SELECT ok FROM bpm.verify_events(:c2);

--
-- 10. Refusals, each with its SQLSTATE, changing nothing (terse: the
-- message names what is wrong).
--
\set VERBOSITY terse
SELECT bpm.open_case('complaint12', '{}', 'CMP-3') AS c3 \gset
SELECT c.why, e.* FROM (VALUES
  ('its stage has not started', $$SELECT bpm.start_item(%s, 'expert')$$),
  ('no such item', $$SELECT bpm.start_item(%s, 'nobody')$$),
  ('part of the plan already', $$SELECT bpm.plan_item(%s, 'triage')$$)
) AS c(why, statement), pg_temp.error_of(format(c.statement, :c3), terse => true) AS e;
SELECT work12(:c3, 'triage', 'sam12', '{"severity": "high"}');
SELECT c.why, e.* FROM (VALUES
  ('amount is not > 1000', $$SELECT bpm.plan_item(%s, 'legal')$$),
  ('not a user listener', $$SELECT bpm.trigger_listener(%s, 'triage')$$),
  ('it is open', $$SELECT bpm.reopen_case(%s, 'why')$$),
  ('CMP-1 is closed', $$SELECT bpm.update_case(%2$s, '{"x": 1}')$$),
  ('fields cannot be dropped', $$UPDATE bpm.cases SET data = '{}' WHERE id = %s$$),
  ('a case, not a process', $$SELECT bpm.start('complaint12')$$),
  ('no such case definition', $$SELECT bpm.open_case('nothing12')$$),
  ('no case id', $$SELECT bpm.update_case(NULL, '{}')$$)
) AS c(why, statement), pg_temp.error_of(format(c.statement, :c3, :c1), terse => true) AS e;

--
-- 11. Definitions that are refused (42P17), and nothing is stored.
--
SELECT c.wrong, e.* FROM (VALUES
  ('an on-part naming an item that does not exist', '{"key": "bad12", "kind": "case", "plan": [
    {"id": "a", "type": "human_task", "entry": [{"on": ["b.complete"]}]}]}'),
  ('an on-part with an unknown transition', '{"key": "bad12", "kind": "case", "plan": [
    {"id": "a", "type": "human_task"}, {"id": "b", "type": "human_task", "entry": [{"on": ["a.finish"]}]}]}'),
  ('a transition a timer listener does not have', '{"key": "bad12", "kind": "case", "plan": [
    {"id": "t", "type": "timer_listener", "timer": {"duration": "P1D"}},
    {"id": "b", "type": "human_task", "entry": [{"on": ["t.complete"]}]}]}'),
  ('an empty sentry', '{"key": "bad12", "kind": "case", "plan": [
    {"id": "a", "type": "human_task", "entry": [{}]}]}'),
  ('applicability, not discretionary', '{"key": "bad12", "kind": "case", "plan": [
    {"id": "a", "type": "human_task", "applicability": "$.x > 1"}]}'),
  ('a required listener', '{"key": "bad12", "kind": "case", "plan": [
    {"id": "l", "type": "user_listener", "required": true}]}'),
  ('a duplicate item id', '{"key": "bad12", "kind": "case", "plan": [
    {"id": "a", "type": "human_task"}, {"id": "a", "type": "milestone"}]}'),
  ('an unknown item type', '{"key": "bad12", "kind": "case", "plan": [{"id": "a", "type": "task"}]}'),
  ('a process task without a process', '{"key": "bad12", "kind": "case", "plan": [{"id": "p", "type": "process_task"}]}')
) AS c(wrong, definition), pg_temp.error_of(format('SELECT bpm.deploy(%L)', c.definition), terse => true) AS e;
SELECT count(*) AS stored FROM bpm.definition WHERE key = 'bad12';
RESET pg_bpm.mock_now;
RESET bpm.actor;
