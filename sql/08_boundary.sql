-- 08_boundary: boundary events and BPMN errors.
--
-- A boundary event is a node {"type": "boundary_event", "attached_to":
-- "<activity>"} with ordinary flows leaving it, attached to a user task,
-- a service task or a sub-process of its own scope. It waits for one of:
--   - a "timer" ({"duration"}, {"date"} or {"cycle": "R3/PT1H"}): armed as
--     a job of kind "boundary" when a token enters the activity, removed
--     when the activity ends first, fired by bpm.run_jobs;
--   - an "error" (a code, or true for any): a BPMN error raised by an SQL
--     service task's function, by a script task inside a sub-process, or
--     by an external worker with bpm.throw_error;
--   - an "escalation" (true): the user task's due date passed.
-- An interrupting boundary (the default) cancels the activity's work and
-- moves its token along the boundary's flows; a non-interrupting one starts
-- a new token there and the activity goes on.
--
-- Time is pg_bpm.mock_now, the engine's clock; times print in UTC.

\i sql/helpers.psql

-- Ids in this file start above 800000, so that messages naming them do
-- not depend on the files that ran before.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 800000);
    END LOOP;
END $$;
SET bpm.actor = 'ops';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
INSERT INTO bpm.actor_group VALUES ('sam8', 'support8'), ('lee8', 'leads8');
-- The history of an instance, without ids and times.
CREATE FUNCTION story(instance bigint)
RETURNS TABLE (actor text, kind text, node_id text, data jsonb) LANGUAGE sql AS
    $$SELECT actor, kind, node_id, data FROM bpm.history(instance)
       WHERE kind <> 'instance_started' ORDER BY event_id$$;

--
-- 1. An interrupting timer on a user task: a ticket must be answered
-- within four hours, or it goes to the leads.
--
SET pg_bpm.mock_now = '2030-01-01 09:00:00+00';
SELECT bpm.deploy('{"key": "ticket8", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "answer", "type": "user_task", "name": "Answer ticket", "candidate_groups": ["support8"]},
    {"id": "late", "type": "boundary_event", "attached_to": "answer", "timer": {"duration": "PT4H"}},
    {"id": "takeover", "type": "user_task", "name": "Take over late ticket", "candidate_groups": ["leads8"]},
    {"id": "answered", "type": "end_event"},
    {"id": "taken_over", "type": "end_event"}],
  "flows": [{"from": "start", "to": "answer"}, {"from": "answer", "to": "answered"},
            {"from": "late", "to": "takeover"}, {"from": "takeover", "to": "taken_over"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('ticket8', '{}', 'T-1') AS t1 \gset
SELECT bpm.start('ticket8', '{}', 'T-2') AS t2 \gset
-- Entering the task arms the boundary timer: a job of kind "boundary" on
-- the boundary node, due four hours from the clock.
SELECT node_id, kind, due_at, retries FROM bpm.job WHERE instance_id = :t1;
-- T-2 is answered in time: its timer is removed (job_cancelled).
SET pg_bpm.mock_now = '2030-01-01 10:00:00+00';
SET bpm.actor = 'sam8';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :t2;
SET bpm.actor = 'ops';
SELECT count(*) AS jobs FROM bpm.job WHERE instance_id = :t2;
SELECT state FROM bpm.processes WHERE id = :t2;
SELECT * FROM story(:t2);
-- T-1 is not: at 13:00 the timer fires. The task is cancelled and the
-- token takes the boundary's flow.
SET pg_bpm.mock_now = '2030-01-01 12:59:59+00';
SELECT bpm.run_jobs();
SET pg_bpm.mock_now = '2030-01-01 13:00:00+00';
SELECT bpm.run_jobs();
SELECT node_id, status, candidate_groups FROM bpm.task WHERE instance_id = :t1 ORDER BY id;
SELECT waiting_at FROM bpm.processes WHERE id = :t1;
SELECT * FROM story(:t1);
-- The support agent is too late now.
SET bpm.actor = 'sam8';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :t1 AND node_id = 'answer';
SET bpm.actor = 'ops';

--
-- 2. An interrupting timer on an external service task: a shipment that
-- no carrier's system books within 30 minutes is booked by phone.
--
SELECT bpm.deploy('{"key": "ship8", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "book", "type": "service_task", "topic": "carrier8"},
    {"id": "too_slow", "type": "boundary_event", "attached_to": "book", "timer": {"duration": "PT30M"}},
    {"id": "by_hand", "type": "user_task", "name": "Book by phone"},
    {"id": "booked", "type": "end_event"},
    {"id": "phoned", "type": "end_event"}],
  "flows": [{"from": "start", "to": "book"}, {"from": "book", "to": "booked"},
            {"from": "too_slow", "to": "by_hand"}, {"from": "by_hand", "to": "phoned"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('ship8', '{}', 'S-1') AS s1 \gset
SELECT node_id, kind, topic, due_at FROM bpm.job WHERE instance_id = :s1 ORDER BY id;
SELECT id AS s1_job FROM bpm.fetch_and_lock('carrier8', 'w8') \gset
SET pg_bpm.mock_now = '2030-01-01 13:30:00+00';
SELECT bpm.run_jobs();
-- The worker's job is gone: its late report fails (42704), and the
-- process waits for someone to book by phone.
SELECT bpm.complete_job(:s1_job, 'w8');
SELECT node_id, kind FROM bpm.job WHERE instance_id = :s1;
SELECT waiting_at FROM bpm.processes WHERE id = :s1;
SELECT * FROM story(:s1);

--
-- 3. An interrupting timer on a sub-process: a review of two parallel
-- checks must be done in a day. When the timer fires, everything inside
-- the sub-process is cancelled (tasks, jobs, tokens).
--
SET pg_bpm.mock_now = '2030-01-02 09:00:00+00';
SELECT bpm.deploy('{"key": "review8", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "review", "type": "subprocess", "nodes": [
        {"id": "r_start", "type": "start_event"},
        {"id": "fork", "type": "parallel_gateway"},
        {"id": "legal", "type": "user_task"},
        {"id": "tech", "type": "service_task", "topic": "scan8"},
        {"id": "join", "type": "parallel_gateway"},
        {"id": "r_end", "type": "end_event"}],
      "flows": [{"from": "r_start", "to": "fork"}, {"from": "fork", "to": "legal"},
                {"from": "fork", "to": "tech"}, {"from": "legal", "to": "join"},
                {"from": "tech", "to": "join"}, {"from": "join", "to": "r_end"}]},
    {"id": "overdue", "type": "boundary_event", "attached_to": "review", "timer": {"duration": "P1D"}},
    {"id": "decide", "type": "user_task", "name": "Decide without review"},
    {"id": "reviewed", "type": "end_event"},
    {"id": "decided", "type": "end_event"}],
  "flows": [{"from": "start", "to": "review"}, {"from": "review", "to": "reviewed"},
            {"from": "overdue", "to": "decide"}, {"from": "decide", "to": "decided"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('review8', '{}', 'R-1') AS rv1 \gset
SELECT bpm.start('review8', '{}', 'R-2') AS rv2 \gset
SELECT node_id, state FROM bpm.token WHERE instance_id = :rv1 ORDER BY id;
SELECT node_id, kind, due_at FROM bpm.job WHERE instance_id = :rv1 ORDER BY id;
-- R-2 finishes its review in time: when the sub-process ends, its timer
-- is removed.
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :rv2;
SELECT id AS rv2_job FROM bpm.job WHERE instance_id = :rv2 AND kind = 'external' \gset
SELECT count(*) AS fetched FROM bpm.fetch_and_lock('scan8', 'w8', 10);
SELECT bpm.complete_job(:rv2_job, 'w8');
SELECT state, (SELECT count(*) FROM bpm.job j WHERE j.instance_id = p.id) AS jobs
  FROM bpm.processes p WHERE id = :rv2;
-- R-1 does not: a day later the review is cut short.
SET pg_bpm.mock_now = '2030-01-03 09:00:00+00';
SELECT bpm.run_jobs();
SELECT node_id, state FROM bpm.token WHERE instance_id = :rv1 ORDER BY id;
SELECT node_id, status FROM bpm.task WHERE instance_id = :rv1 ORDER BY id;
SELECT count(*) AS jobs FROM bpm.job WHERE instance_id = :rv1;
SELECT * FROM story(:rv1) WHERE kind IN ('boundary_fired', 'task_cancelled', 'job_cancelled', 'token_moved')
  AND node_id IN ('overdue', 'legal', 'tech', 'decide');

--
-- 4. A non-interrupting cycle: while a quote waits for the customer's
-- answer, remind them every hour, three times ("R3/PT1H"). Each firing
-- starts a token on the boundary's path (here a user task "nudge"); the
-- quote stays open. After the third, nothing is armed any more.
--
SET pg_bpm.mock_now = '2030-01-04 09:00:00+00';
SELECT bpm.deploy('{"key": "quote8", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "wait_answer", "type": "user_task", "name": "Customer answers"},
    {"id": "remind", "type": "boundary_event", "attached_to": "wait_answer", "interrupting": false,
     "timer": {"cycle": "R3/PT1H"}},
    {"id": "nudge", "type": "user_task", "name": "Call the customer"},
    {"id": "answered", "type": "end_event"},
    {"id": "nudged", "type": "end_event"}],
  "flows": [{"from": "start", "to": "wait_answer"}, {"from": "wait_answer", "to": "answered"},
            {"from": "remind", "to": "nudge"}, {"from": "nudge", "to": "nudged"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('quote8', '{}', 'Q-1') AS q1 \gset
SELECT node_id, kind, due_at, cycle_start, occurrence FROM bpm.job WHERE instance_id = :q1;
SET pg_bpm.mock_now = '2030-01-04 10:00:00+00';
SELECT bpm.run_jobs();
SELECT node_id, due_at, occurrence FROM bpm.job WHERE instance_id = :q1;
SET pg_bpm.mock_now = '2030-01-04 11:00:00+00';
SELECT bpm.run_jobs();
SET pg_bpm.mock_now = '2030-01-04 12:00:00+00';
SELECT bpm.run_jobs();
-- Three nudges, the quote still open, and no timer left.
SELECT node_id, status FROM bpm.task WHERE instance_id = :q1 ORDER BY id;
SELECT count(*) AS jobs FROM bpm.job WHERE instance_id = :q1;
SET pg_bpm.mock_now = '2030-01-04 13:00:00+00';
SELECT bpm.run_jobs();
SELECT * FROM story(:q1) WHERE kind IN ('boundary_fired', 'job_created');
-- Occurrences keep to their schedule: when the runner comes late, the
-- missed ones fire at once, in one pass, and never more than three.
SELECT bpm.start('quote8', '{}', 'Q-2') AS q2 \gset
SET pg_bpm.mock_now = '2030-01-04 18:00:00+00';
SELECT bpm.run_jobs();
SELECT count(*) AS nudges FROM bpm.task WHERE instance_id = :q2 AND node_id = 'nudge';
-- An endless cycle ("R/PT1H", only non-interrupting) repeats until the
-- activity ends; completing the task removes the armed timer.
SELECT bpm.deploy('{"key": "watch8", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "work", "type": "user_task"},
    {"id": "tick", "type": "boundary_event", "attached_to": "work", "interrupting": false,
     "timer": {"cycle": "$.every"}},
    {"id": "log", "type": "intermediate_event"},
    {"id": "done", "type": "end_event"},
    {"id": "logged", "type": "end_event"}],
  "flows": [{"from": "start", "to": "work"}, {"from": "work", "to": "done"},
            {"from": "tick", "to": "log"}, {"from": "log", "to": "logged"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('watch8', '{"every": "R/PT1H"}', 'W-1') AS w1 \gset
SET pg_bpm.mock_now = '2030-01-04 22:30:00+00';
SELECT bpm.run_jobs();
SELECT node_id, due_at, occurrence FROM bpm.job WHERE instance_id = :w1;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :w1;
SELECT state, (SELECT count(*) FROM bpm.job j WHERE j.instance_id = p.id) AS jobs
  FROM bpm.processes p WHERE id = :w1;
SELECT kind, count(*) FROM story(:w1) GROUP BY kind ORDER BY kind;
-- A cycle from the data that is not a repeating interval fails the step
-- that reaches the task (22023).
SELECT bpm.start('watch8', '{"every": "hourly"}', 'W-2');

--
-- 5. BPMN errors from an SQL service task. A function raises one with
-- bpm.bpmn_error(code, message), or itself with RAISE EXCEPTION '<code>'
-- USING ERRCODE = 'BPMNE', DETAIL = '<message>'. An error boundary event
-- for the code catches it, else one for any error ("error": true): the
-- job is removed, the function's own work is rolled back, the error is
-- merged into the data as "error", and the token takes the boundary's
-- path. Any other error is a failure of the job, retried, then an
-- incident.
--
CREATE TABLE charges8 (card text);
CREATE FUNCTION public.charge8(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.charges8 VALUES (data->>'card');
    IF data->>'card' = 'declined' THEN
        PERFORM bpm.bpmn_error('CARD_DECLINED', 'The bank declined the card');
    ELSIF data->>'card' = 'stolen' THEN
        RAISE EXCEPTION 'FRAUD' USING ERRCODE = 'BPMNE', DETAIL = 'The card was reported stolen';
    ELSIF data->>'card' = 'broken' THEN
        RAISE EXCEPTION 'bank unreachable';
    END IF;
    RETURN '{"charged": true}';
END $$;
SET pg_bpm.mock_now = '2030-01-05 09:00:00+00';
SELECT bpm.deploy('{"key": "pay8", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "charge", "type": "service_task", "implementation": "sql", "function": "public.charge8"},
    {"id": "declined", "type": "boundary_event", "attached_to": "charge", "error": "CARD_DECLINED"},
    {"id": "trouble", "type": "boundary_event", "attached_to": "charge", "error": true},
    {"id": "other_card", "type": "user_task", "name": "Ask for another card"},
    {"id": "check", "type": "user_task", "name": "Check the payment"},
    {"id": "paid", "type": "end_event"},
    {"id": "asked", "type": "end_event"},
    {"id": "checked", "type": "end_event"}],
  "flows": [{"from": "start", "to": "charge"}, {"from": "charge", "to": "paid"},
            {"from": "declined", "to": "other_card"}, {"from": "other_card", "to": "asked"},
            {"from": "trouble", "to": "check"}, {"from": "check", "to": "checked"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('pay8', '{"card": "ok"}', 'P-ok') AS p_ok \gset
SELECT bpm.start('pay8', '{"card": "declined"}', 'P-declined') AS p_declined \gset
SELECT bpm.start('pay8', '{"card": "stolen"}', 'P-stolen') AS p_stolen \gset
SELECT bpm.start('pay8', '{"card": "broken"}', 'P-broken') AS p_broken \gset
SELECT bpm.run_jobs();
SELECT business_key, state, waiting_at, data FROM bpm.processes
 WHERE key = 'pay8' ORDER BY id;
-- Only the successful charge left a row: a caught error, like a failed
-- attempt, rolls the function's own work back.
SELECT card, count(*) FROM charges8 GROUP BY card ORDER BY card;
SELECT * FROM story(:p_declined);
SELECT * FROM story(:p_stolen) WHERE kind IN ('error_thrown', 'boundary_fired', 'data_changed');
-- The error that no boundary catches ("bank unreachable") is retried and
-- becomes an incident after three attempts.
SELECT node_id, retries, last_error FROM bpm.job WHERE instance_id = :p_broken;
SET pg_bpm.mock_now = '2030-01-05 10:00:00+00';
SELECT bpm.run_jobs();
SET pg_bpm.mock_now = '2030-01-05 11:00:00+00';
SELECT bpm.run_jobs();
SELECT node_id, kind, error FROM bpm.incidents WHERE instance_id = :p_broken;

--
-- 6. A BPMN error that no boundary catches is an ordinary error. Here the
-- service task has an error boundary for CARD_DECLINED only: FRAUD fails
-- the job (SQLSTATE BPMNE, the code as the message), retried, then an
-- incident.
--
SELECT bpm.deploy('{"key": "pay8b", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "charge", "type": "service_task", "implementation": "sql", "function": "public.charge8",
     "retries": 1},
    {"id": "declined", "type": "boundary_event", "attached_to": "charge", "error": "CARD_DECLINED"},
    {"id": "paid", "type": "end_event"},
    {"id": "not_paid", "type": "end_event"}],
  "flows": [{"from": "start", "to": "charge"}, {"from": "charge", "to": "paid"},
            {"from": "declined", "to": "not_paid"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('pay8b', '{"card": "stolen"}', 'P-uncaught') AS p_uncaught \gset
SELECT bpm.run_jobs();
SELECT kind, data FROM story(:p_uncaught) WHERE kind = 'incident';

--
-- 7. A script task's BPMN error, caught by an error boundary event of the
-- sub-process around it, in the same step that ran the script (here the
-- step of bpm.start). Script tasks themselves have no boundary events:
-- they run at once.
--
CREATE FUNCTION public.validate8(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.charges8 VALUES ('validate ' || (data->>'iban'));
    IF data->>'iban' IS NULL THEN
        PERFORM bpm.bpmn_error('NO_IBAN', 'The form has no IBAN');
    END IF;
    RETURN '{"valid": true}';
END $$;
SELECT bpm.deploy('{"key": "onboard8", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "intake", "type": "subprocess", "nodes": [
        {"id": "i_start", "type": "start_event"},
        {"id": "validate", "type": "script_task", "function": "public.validate8"},
        {"id": "approve", "type": "user_task"},
        {"id": "i_end", "type": "end_event"}],
      "flows": [{"from": "i_start", "to": "validate"}, {"from": "validate", "to": "approve"},
                {"from": "approve", "to": "i_end"}]},
    {"id": "invalid", "type": "boundary_event", "attached_to": "intake", "error": "NO_IBAN"},
    {"id": "fix", "type": "user_task", "name": "Fix the form"},
    {"id": "done", "type": "end_event"},
    {"id": "fixed", "type": "end_event"}],
  "flows": [{"from": "start", "to": "intake"}, {"from": "intake", "to": "done"},
            {"from": "invalid", "to": "fix"}, {"from": "fix", "to": "fixed"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('onboard8', '{"iban": "PL61"}', 'O-ok') AS o_ok \gset
SELECT bpm.start('onboard8', '{}', 'O-bad') AS o_bad \gset
SELECT business_key, waiting_at, data FROM bpm.processes WHERE key = 'onboard8' ORDER BY id;
SELECT card FROM charges8 WHERE card LIKE 'validate%' ORDER BY card;
SELECT * FROM story(:o_bad);
-- A script task at the top level has nothing around it to catch: the
-- caller gets the error, SQLSTATE BPMNE, and nothing is started.
SELECT bpm.deploy('{"key": "check8", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "validate", "type": "script_task", "function": "public.validate8"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "validate"}, {"from": "validate", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('check8', '{}', 'C-1');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS started FROM bpm.processes WHERE key = 'check8';

--
-- 8. External workers report a BPMN error with bpm.throw_error(job_id,
-- worker, code, message), under the same rules as bpm.complete_job. An
-- error caught nowhere on the task counts as a failed attempt. Here the
-- sub-process around the task catches any error: errors propagate
-- outwards from the task to the sub-processes around it, nearest first.
--
SELECT bpm.deploy('{"key": "deliver8", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "delivery", "type": "subprocess", "nodes": [
        {"id": "d_start", "type": "start_event"},
        {"id": "send", "type": "service_task", "topic": "courier8", "retries": 2},
        {"id": "no_address", "type": "boundary_event", "attached_to": "send", "error": "NO_ADDRESS"},
        {"id": "ask", "type": "user_task", "name": "Ask for the address"},
        {"id": "d_end", "type": "end_event"}],
      "flows": [{"from": "d_start", "to": "send"}, {"from": "send", "to": "d_end"},
                {"from": "no_address", "to": "ask"}, {"from": "ask", "to": "d_end"}]},
    {"id": "failed", "type": "boundary_event", "attached_to": "delivery", "error": true},
    {"id": "refund", "type": "user_task", "name": "Refund"},
    {"id": "delivered", "type": "end_event"},
    {"id": "refunded", "type": "end_event"}],
  "flows": [{"from": "start", "to": "delivery"}, {"from": "delivery", "to": "delivered"},
            {"from": "failed", "to": "refund"}, {"from": "refund", "to": "refunded"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('deliver8', '{}', 'D-1') AS d1 \gset
SELECT bpm.start('deliver8', '{}', 'D-2') AS d2 \gset
SELECT bpm.start('deliver8', '{}', 'D-3') AS d3 \gset
SELECT count(*) AS fetched FROM bpm.fetch_and_lock('courier8', 'w8', 10);
SELECT id AS d1_job FROM bpm.job WHERE instance_id = :d1 \gset
-- D-1: the task's own boundary catches NO_ADDRESS.
SELECT bpm.throw_error(id, 'w8', 'NO_ADDRESS', 'No such street') FROM bpm.job WHERE instance_id = :d1;
-- D-2: nothing on the task catches LOST; the sub-process's catch-all does,
-- and everything inside the sub-process ends.
SELECT bpm.throw_error(id, 'w8', 'LOST') FROM bpm.job WHERE instance_id = :d2;
SELECT business_key, waiting_at, data FROM bpm.processes WHERE id IN (:d1, :d2) ORDER BY id;
SELECT * FROM story(:d1) WHERE kind IN ('error_thrown', 'boundary_fired', 'job_cancelled', 'data_changed');
SELECT * FROM story(:d2) WHERE kind IN ('error_thrown', 'boundary_fired', 'job_cancelled', 'data_changed');
-- The worker may report only on a job it holds: another worker gets
-- 42501, an unlocked job 55000, a job that is gone 42704.
SELECT bpm.throw_error(id, 'intruder', 'LOST') FROM bpm.job WHERE instance_id = :d3;
SELECT bpm.throw_error(:d1_job, 'w8', 'LOST');
SELECT bpm.fail_job(id, 'w8', 'retry later', '0 seconds') FROM bpm.job WHERE instance_id = :d3;
SELECT bpm.throw_error(id, 'w8', 'LOST') FROM bpm.job WHERE instance_id = :d3;
-- D-4 has no catcher: a deployment where only NO_ADDRESS is caught.
SELECT bpm.deploy('{"key": "deliver8b", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "send", "type": "service_task", "topic": "courier8b", "retries": 2},
    {"id": "no_address", "type": "boundary_event", "attached_to": "send", "error": "NO_ADDRESS"},
    {"id": "delivered", "type": "end_event"},
    {"id": "undeliverable", "type": "end_event"}],
  "flows": [{"from": "start", "to": "send"}, {"from": "send", "to": "delivered"},
            {"from": "no_address", "to": "undeliverable"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('deliver8b', '{}', 'D-4') AS d4 \gset
-- An error nothing catches counts as a failed attempt ("<code>:
-- <message>", fetchable again after 10 seconds); with no retries left
-- it is an incident.
SELECT bpm.throw_error(id, 'w8', 'LOST', 'Parcel lost') FROM bpm.fetch_and_lock('courier8b', 'w8');
SELECT retries, last_error, due_at, locked_by FROM bpm.job WHERE instance_id = :d4;
SET pg_bpm.mock_now = '2030-01-05 12:00:00+00';
SELECT bpm.throw_error(id, 'w8', 'LOST') FROM bpm.fetch_and_lock('courier8b', 'w8');
SELECT node_id, error FROM bpm.incidents WHERE instance_id = :d4;
SELECT kind, data FROM story(:d4) WHERE kind IN ('job_failed', 'incident');

--
-- 9. Deadlines. A user task with a "due" duration may have an
-- "escalation" (new people or priority, and now a "task": an escalation
-- task opened beside it) and/or an escalation boundary event ("escalation":
-- true) that fires when the due date passes while the task is open.
--
SET pg_bpm.mock_now = '2030-01-06 09:00:00+00';
SELECT bpm.deploy('{"key": "claim8", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "assess", "type": "user_task", "name": "Assess claim", "candidate_groups": ["support8"],
     "due": "PT4H", "escalation": {"priority": 90,
       "task": {"name": "Look into overdue claim", "candidate_groups": ["leads8"]}}},
    {"id": "pay", "type": "user_task", "name": "Pay claim", "due": "P1D"},
    {"id": "pay_overdue", "type": "boundary_event", "attached_to": "pay", "escalation": true,
     "interrupting": false},
    {"id": "apologise", "type": "user_task", "name": "Apologise for the delay"},
    {"id": "done", "type": "end_event"},
    {"id": "apologised", "type": "end_event"}],
  "flows": [{"from": "start", "to": "assess"}, {"from": "assess", "to": "pay"},
            {"from": "pay", "to": "done"},
            {"from": "pay_overdue", "to": "apologise"}, {"from": "apologise", "to": "apologised"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('claim8', '{}', 'CL-1') AS cl1 \gset
SET pg_bpm.mock_now = '2030-01-06 13:00:00+00';
SELECT bpm.run_jobs();
-- The overdue task got its new priority, and an escalation task for the
-- leads that points at it (escalation_of); the process did not move.
SELECT title, status, priority, candidate_groups, escalation_of IS NOT NULL AS is_escalation
  FROM bpm.task WHERE instance_id = :cl1 ORDER BY id;
SELECT waiting_at FROM bpm.processes WHERE id = :cl1;
-- Completing an escalation task records who did it and moves nothing.
SET bpm.actor = 'lee8';
SELECT bpm.complete_task(id, '{"note": "called the team"}') FROM bpm.task
 WHERE instance_id = :cl1 AND escalation_of IS NOT NULL;
SELECT waiting_at, data FROM bpm.processes WHERE id = :cl1;
SET bpm.actor = 'sam8';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :cl1 AND node_id = 'assess' AND escalation_of IS NULL;
SET bpm.actor = 'ops';
-- "pay" is due a day later; its escalation boundary is not interrupting:
-- at the deadline a token goes to "apologise" and "pay" stays open.
SELECT node_id, kind, due_at FROM bpm.job WHERE instance_id = :cl1;
SET pg_bpm.mock_now = '2030-01-07 13:00:00+00';
SELECT bpm.run_jobs();
SELECT node_id, status FROM bpm.task WHERE instance_id = :cl1 ORDER BY id;
SELECT * FROM story(:cl1) WHERE kind IN ('job_completed', 'task_escalated', 'task_created', 'boundary_fired', 'task_completed');
-- An escalation task still open when its overdue task is completed is
-- cancelled with it.
SET pg_bpm.mock_now = '2030-01-06 09:00:00+00';
SELECT bpm.start('claim8', '{}', 'CL-2') AS cl2 \gset
SET pg_bpm.mock_now = '2030-01-06 14:00:00+00';
SELECT bpm.run_jobs();
SET bpm.actor = 'sam8';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :cl2 AND node_id = 'assess' AND escalation_of IS NULL;
SET bpm.actor = 'ops';
SELECT title, status FROM bpm.task WHERE instance_id = :cl2 ORDER BY id;
-- An interrupting escalation boundary takes the task away when it is
-- overdue.
SELECT bpm.deploy('{"key": "claim8b", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "assess", "type": "user_task", "due": "PT1H"},
    {"id": "too_late", "type": "boundary_event", "attached_to": "assess", "escalation": true},
    {"id": "done", "type": "end_event"},
    {"id": "auto_rejected", "type": "end_event"}],
  "flows": [{"from": "start", "to": "assess"}, {"from": "assess", "to": "done"},
            {"from": "too_late", "to": "auto_rejected"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('claim8b', '{}', 'CL-3') AS cl3 \gset
SET pg_bpm.mock_now = '2030-01-06 15:00:00+00';
SELECT bpm.run_jobs();
SELECT state FROM bpm.processes WHERE id = :cl3;
SELECT * FROM story(:cl3);

--
-- 10. Cancelling an instance removes its armed boundary timers like any
-- job; and every instance of this file has an intact event chain.
--
SELECT bpm.start('ticket8', '{}', 'T-3') AS t3 \gset
SELECT bpm.cancel(:t3, 'duplicate');
SELECT kind, node_id FROM story(:t3) WHERE kind IN ('job_cancelled', 'task_cancelled');
SELECT count(*) AS instances, bool_and(v.ok) AS all_chains_ok
  FROM bpm.instance i, bpm.verify_events(i.id) v
 WHERE i.id > 800000;
