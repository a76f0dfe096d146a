-- 02_elements: what each BPMN element does when a token reaches it.
--
-- Start and end events, intermediate events, user tasks, script tasks,
-- exclusive, parallel and inclusive gateways (fork and join), embedded
-- sub-processes, terminate end events (at the top and inside a
-- sub-process), and bpm.cancel. bpm.processes.waiting_at lists the nodes
-- where an instance's tokens rest.

\i sql/helpers.psql

-- Ids in this file start above 200000, so that the messages naming them do
-- not depend on the files that ran before.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 200000);
    END LOOP;
END $$;
SET bpm.actor = 'ella';

--
-- Start, intermediate and end events: a token passes straight through.
--
SELECT bpm.deploy('{"key": "straight", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "noted", "type": "intermediate_event"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "noted"}, {"from": "noted", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('straight', '{"n": 1}', 'straight-1') AS i \gset
SELECT business_key, state, data, waiting_at, ended_at IS NOT NULL AS ended FROM bpm.processes WHERE id = :i;
SELECT kind, node_id, data FROM bpm.history(:i);
SELECT count(*) AS tokens FROM bpm.token WHERE instance_id = :i;

--
-- User task: the token waits until the task is completed.
--
SELECT bpm.deploy('{"key": "one_task", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "review", "type": "user_task", "name": "Review the order"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "review"}, {"from": "review", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('one_task', '{"order": 17}', 'one-task-1') AS i \gset
SELECT state, waiting_at FROM bpm.processes WHERE id = :i;
SELECT node_id, state, arrived_via FROM bpm.token WHERE instance_id = :i;
SELECT node_id, title, status FROM bpm.task WHERE instance_id = :i;
SELECT bpm.complete_task(id, '{"ok": true}') FROM bpm.task WHERE instance_id = :i;
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :i;
SELECT node_id, status, output FROM bpm.task WHERE instance_id = :i;

--
-- Script task: calls f(data jsonb) RETURNS jsonb and merges the object it
-- returns into the instance data (top-level keys replace). The function is
-- named with its schema; it runs with search_path = pg_catalog, pg_temp.
--
CREATE FUNCTION add_tax(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF data->'net' IS NULL THEN
        RAISE EXCEPTION 'add_tax: no "net" amount' USING ERRCODE = '22023',
            HINT = 'Start the process with {"net": ...}.';
    END IF;
    RETURN jsonb_build_object('tax', (data->>'net')::numeric * 0.2,
                              'note', 'taxed');
END $$;
SELECT bpm.deploy('{"key": "invoice", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "tax", "type": "script_task", "function": "public.add_tax"},
    {"id": "check", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "tax"}, {"from": "tax", "to": "check"},
            {"from": "check", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('invoice', '{"net": 100, "note": "draft"}', 'invoice-1') AS i \gset
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :i;
SELECT kind, node_id, data FROM bpm.history(:i) WHERE kind = 'data_changed';

-- A script that raises an error aborts the caller's statement with that
-- error: no instance is created.
SELECT count(*) AS invoices FROM bpm.processes WHERE key = 'invoice';
SELECT bpm.start('invoice', '{"amount": 100}', 'invoice-2');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS invoices FROM bpm.processes WHERE key = 'invoice';

-- The same when the script runs as part of completing a task: the
-- completion is undone, the task stays open and the data is unchanged.
SELECT bpm.deploy('{"key": "recheck", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "enter", "type": "user_task"},
    {"id": "tax", "type": "script_task", "function": "public.add_tax"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "enter"}, {"from": "enter", "to": "tax"},
            {"from": "tax", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('recheck', '{}', 'recheck-1') AS i \gset
SELECT bpm.complete_task(id, '{"gross": 120}') FROM bpm.task WHERE instance_id = :i;
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :i;
SELECT node_id, status, output FROM bpm.task WHERE instance_id = :i;
SELECT bpm.complete_task(id, '{"net": 50}') FROM bpm.task WHERE instance_id = :i;
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :i;

-- A script must return an object (or SQL NULL, which changes nothing).
CREATE FUNCTION list_of_things(data jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '[1, 2]'::jsonb $$;
CREATE FUNCTION nothing(data jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT NULL::jsonb $$;
SELECT bpm.deploy('{"key": "returns_array", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "list", "type": "script_task", "function": "public.list_of_things"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "list"}, {"from": "list", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('returns_array');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS instances FROM bpm.processes WHERE key = 'returns_array';
SELECT bpm.deploy('{"key": "returns_null", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "nothing", "type": "script_task", "function": "public.nothing"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "nothing"}, {"from": "nothing", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('returns_null', '{"kept": true}') AS i \gset
SELECT state, data FROM bpm.processes WHERE id = :i;

-- The script runs as the role that deployed the definition (here a
-- superuser), whoever starts the instance.
CREATE FUNCTION who_runs(data jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('ran_as_superuser', rolsuper) FROM pg_roles WHERE rolname = current_user
$$;
SELECT bpm.deploy('{"key": "who_runs", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "who", "type": "script_task", "function": "public.who_runs"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "who"}, {"from": "who", "to": "end"}]}') IS NOT NULL AS deployed;
CREATE ROLE regress_bpm_clerk;
SET ROLE regress_bpm_clerk;
RESET bpm.actor;    -- it acts as itself: it may not act for Ella
SELECT who_runs('{}') AS called_directly;
SELECT bpm.start('who_runs') AS i \gset
RESET ROLE;
SET bpm.actor = 'ella';
SELECT state, data FROM bpm.processes WHERE id = :i;
DROP ROLE regress_bpm_clerk;

-- A function dropped after the deployment fails when the process reaches
-- it (42883), and the step is undone.
CREATE FUNCTION public.short_lived(data jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
SELECT bpm.deploy('{"key": "short_lived", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "first", "type": "user_task"},
    {"id": "call", "type": "script_task", "function": "public.short_lived"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "first"}, {"from": "first", "to": "call"},
            {"from": "call", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('short_lived') AS i \gset
DROP FUNCTION public.short_lived(jsonb);
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i;
\echo :LAST_ERROR_SQLSTATE
SELECT state, waiting_at FROM bpm.processes WHERE id = :i;

--
-- Exclusive gateway: the first flow, in definition order, whose condition
-- holds; else the default flow; else an error naming the gateway.
--
SELECT bpm.deploy('{"key": "route", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "size", "type": "exclusive_gateway"},
    {"id": "large", "type": "user_task"},
    {"id": "medium", "type": "user_task"},
    {"id": "small", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "size"},
            {"from": "size", "to": "large", "when": "$.amount > 1000"},
            {"from": "size", "to": "medium", "when": "$.amount > 100"},
            {"from": "size", "to": "small", "default": true},
            {"from": "large", "to": "end"}, {"from": "medium", "to": "end"},
            {"from": "small", "to": "end"}]}') IS NOT NULL AS deployed;
-- 5000 satisfies both conditions: the first one in flow order wins.
SELECT bpm.start('route', '{"amount": 5000}', 'route-5000') AS i \gset
SELECT bpm.start('route', '{"amount": 500}', 'route-500') AS i \gset
SELECT bpm.start('route', '{"amount": 5}', 'route-5') AS i \gset
-- A missing field makes a condition false, not an error.
SELECT bpm.start('route', '{}', 'route-none') AS i \gset
SELECT business_key, waiting_at FROM bpm.processes WHERE key = 'route' ORDER BY id;
SELECT node_id, data FROM bpm.history(:i) WHERE kind = 'token_moved';

-- Without a default flow, no true condition is an error (SQLSTATE 20000)
-- naming the gateway and showing the data; nothing is changed.
SELECT bpm.deploy('{"key": "strict_route", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "enter", "type": "user_task"},
    {"id": "decide", "type": "exclusive_gateway"},
    {"id": "yes", "type": "user_task"},
    {"id": "no", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "enter"}, {"from": "enter", "to": "decide"},
            {"from": "decide", "to": "yes", "when": "$.answer == \"yes\""},
            {"from": "decide", "to": "no", "when": "$.answer == \"no\""},
            {"from": "yes", "to": "end"}, {"from": "no", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('strict_route', '{"answer": "yes"}', 'strict-1') AS i \gset
SELECT (SELECT md5(string_agg(p::text, ',' ORDER BY p.id)) FROM bpm.processes p) AS processes_before,
       (SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM bpm.task t) AS tasks_before,
       (SELECT count(*) FROM bpm.event) AS events_before \gset
SELECT bpm.complete_task(id, '{"answer": "maybe"}') FROM bpm.task WHERE instance_id = :i;
\echo :LAST_ERROR_SQLSTATE
SELECT (SELECT md5(string_agg(p::text, ',' ORDER BY p.id)) FROM bpm.processes p) = :'processes_before' AS processes_unchanged,
       (SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM bpm.task t) = :'tasks_before' AS tasks_unchanged,
       (SELECT count(*) FROM bpm.event) = :events_before AS no_new_events;
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :i;
SELECT node_id, status, output FROM bpm.task WHERE instance_id = :i;
SELECT bpm.complete_task(id, '{"answer": "no"}') FROM bpm.task WHERE instance_id = :i;
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :i;

--
-- A loop: an exclusive gateway sends the token back until a counter,
-- raised by a script, reaches 3.
--
CREATE FUNCTION count_up(data jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('n', coalesce((data->>'n')::int, 0) + 1)
$$;
SELECT bpm.deploy('{"key": "loop", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "inc", "type": "script_task", "function": "public.count_up"},
    {"id": "again", "type": "exclusive_gateway"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "inc"}, {"from": "inc", "to": "again"},
            {"from": "again", "to": "inc", "when": "$.n < 3"},
            {"from": "again", "to": "end", "default": true}]}') IS NOT NULL AS deployed;
SELECT bpm.start('loop') AS i \gset
SELECT state, data FROM bpm.processes WHERE id = :i;
SELECT string_agg(node_id, ' ' ORDER BY event_id) AS path FROM bpm.history(:i) WHERE kind = 'token_moved';
-- A loop that never waits is stopped, and nothing is kept.
SELECT bpm.deploy('{"key": "endless", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "inc", "type": "script_task", "function": "public.count_up"},
    {"id": "again", "type": "exclusive_gateway"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "inc"}, {"from": "inc", "to": "again"},
            {"from": "again", "to": "inc", "when": "$.n > 0"},
            {"from": "again", "to": "end", "default": true}]}') IS NOT NULL AS deployed;
SELECT bpm.start('endless');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS instances FROM bpm.processes WHERE key = 'endless';

--
-- Parallel gateway: a fork starts a token on every outgoing flow; a join
-- waits until a token has arrived on each incoming flow.
--
SELECT bpm.deploy('{"key": "parallel", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "fork", "type": "parallel_gateway"},
    {"id": "pack", "type": "user_task"},
    {"id": "bill", "type": "user_task"},
    {"id": "join", "type": "parallel_gateway"},
    {"id": "ship", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "fork"},
            {"from": "fork", "to": "pack"}, {"from": "fork", "to": "bill"},
            {"from": "pack", "to": "join"}, {"from": "bill", "to": "join"},
            {"from": "join", "to": "ship"}, {"from": "ship", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('parallel', '{}', 'parallel-1') AS i \gset
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(id, '{"packed": true}') FROM bpm.task WHERE instance_id = :i AND node_id = 'pack';
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT node_id, state, arrived_via FROM bpm.token WHERE instance_id = :i ORDER BY node_id;
SELECT bpm.complete_task(id, '{"billed": true}') FROM bpm.task WHERE instance_id = :i AND node_id = 'bill';
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'ship';
SELECT state, waiting_at FROM bpm.processes WHERE id = :i;

-- Without a join, each token that reaches a task makes a task of its own
-- (BPMN's uncontrolled merge), and the instance ends with its last token.
SELECT bpm.deploy('{"key": "no_join", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "fork", "type": "parallel_gateway"},
    {"id": "a", "type": "intermediate_event"},
    {"id": "b", "type": "intermediate_event"},
    {"id": "sign", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "fork"},
            {"from": "fork", "to": "a"}, {"from": "fork", "to": "b"},
            {"from": "a", "to": "sign"}, {"from": "b", "to": "sign"},
            {"from": "sign", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('no_join') AS i \gset
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(min(id)) FROM bpm.task WHERE instance_id = :i;
SELECT state, waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(min(id)) FROM bpm.task WHERE instance_id = :i AND status = 'open';
SELECT state, waiting_at FROM bpm.processes WHERE id = :i;

--
-- Inclusive gateway: the fork takes every flow whose condition holds (the
-- default only when none does); the join waits for exactly the branches
-- that were taken.
--
SELECT bpm.deploy('{"key": "checks", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "which", "type": "inclusive_gateway"},
    {"id": "credit", "type": "user_task"},
    {"id": "fraud", "type": "user_task"},
    {"id": "legal", "type": "user_task"},
    {"id": "none", "type": "intermediate_event"},
    {"id": "merge", "type": "inclusive_gateway"},
    {"id": "decide", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "which"},
            {"from": "which", "to": "credit", "when": "$.credit == true"},
            {"from": "which", "to": "fraud", "when": "$.fraud == true"},
            {"from": "which", "to": "legal", "when": "$.legal == true"},
            {"from": "which", "to": "none", "default": true},
            {"from": "credit", "to": "merge"}, {"from": "fraud", "to": "merge"},
            {"from": "legal", "to": "merge"}, {"from": "none", "to": "merge"},
            {"from": "merge", "to": "decide"}, {"from": "decide", "to": "end"}]}') IS NOT NULL AS deployed;

-- One of three conditions holds: the join does not wait for the others.
SELECT bpm.start('checks', '{"fraud": true}', 'checks-1') AS i \gset
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'fraud';
SELECT waiting_at FROM bpm.processes WHERE id = :i;

-- Two of three: the join waits for both.
SELECT bpm.start('checks', '{"credit": true, "legal": true}', 'checks-2') AS i \gset
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'legal';
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT node_id, state FROM bpm.token WHERE instance_id = :i ORDER BY node_id;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'credit';
SELECT waiting_at FROM bpm.processes WHERE id = :i;

-- All three: the join fires after the third.
SELECT bpm.start('checks', '{"credit": true, "fraud": true, "legal": true}', 'checks-3') AS i \gset
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'credit';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'fraud';
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'legal';
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT count(*) FILTER (WHERE node_id = 'decide') AS decide_tasks FROM bpm.task WHERE instance_id = :i;

-- None: the default flow, and the join passes it on at once.
SELECT bpm.start('checks', '{}', 'checks-0') AS i \gset
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT string_agg(node_id, ' ' ORDER BY event_id) AS path FROM bpm.history(:i) WHERE kind = 'token_moved';

-- The join also waits for a branch that is still running further up: here
-- one branch has a second step, and its token is at the first step when
-- the other branch arrives.
SELECT bpm.deploy('{"key": "long_branch", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "which", "type": "inclusive_gateway"},
    {"id": "quick", "type": "user_task"},
    {"id": "step1", "type": "user_task"},
    {"id": "step2", "type": "user_task"},
    {"id": "merge", "type": "inclusive_gateway"},
    {"id": "done", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "which"},
            {"from": "which", "to": "quick", "when": "$.quick == true"},
            {"from": "which", "to": "step1", "when": "$.long == true"},
            {"from": "step1", "to": "step2"},
            {"from": "quick", "to": "merge"}, {"from": "step2", "to": "merge"},
            {"from": "merge", "to": "done"}, {"from": "done", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('long_branch', '{"quick": true, "long": true}') AS i \gset
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'quick';
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'step1';
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'step2';
SELECT waiting_at FROM bpm.processes WHERE id = :i;

-- An inclusive fork with no true condition and no default is an error,
-- like an exclusive one.
SELECT bpm.start('long_branch', '{"quick": false}');
\echo :LAST_ERROR_SQLSTATE

--
-- Embedded sub-process: its start event runs when a token enters it; the
-- tokens inside belong to its scope; when the last one ends, the parent's
-- token leaves the sub-process.
--
SELECT bpm.deploy('{"key": "onboarding", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "setup", "type": "subprocess", "name": "Set up the workplace",
     "nodes": [
        {"id": "setup_start", "type": "start_event"},
        {"id": "setup_fork", "type": "parallel_gateway"},
        {"id": "laptop", "type": "user_task"},
        {"id": "badge", "type": "user_task"},
        {"id": "laptop_done", "type": "end_event"},
        {"id": "badge_done", "type": "end_event"}],
     "flows": [{"from": "setup_start", "to": "setup_fork"},
               {"from": "setup_fork", "to": "laptop"}, {"from": "setup_fork", "to": "badge"},
               {"from": "laptop", "to": "laptop_done"}, {"from": "badge", "to": "badge_done"}]},
    {"id": "welcome", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "setup"}, {"from": "setup", "to": "welcome"},
            {"from": "welcome", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('onboarding', '{}', 'onboarding-1') AS i \gset
SELECT waiting_at FROM bpm.processes WHERE id = :i;
-- The sub-process itself holds a token in state "scope", the parent of
-- the tokens inside.
SELECT t.node_id, t.state, s.node_id AS inside_of
  FROM bpm.token t LEFT JOIN bpm.token s ON s.instance_id = t.instance_id AND s.id = t.scope_id
 WHERE t.instance_id = :i ORDER BY t.node_id;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'laptop';
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'badge';
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT t.node_id, t.state, t.scope_id IS NULL AS top_level FROM bpm.token t WHERE t.instance_id = :i;
SELECT string_agg(node_id, ' ' ORDER BY event_id) AS path FROM bpm.history(:i) WHERE kind = 'token_moved';

--
-- Terminate end event at the top level: the instance completes at once;
-- every other open task is cancelled.
--
SELECT bpm.deploy('{"key": "race", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "fork", "type": "parallel_gateway"},
    {"id": "offer_a", "type": "user_task"},
    {"id": "offer_b", "type": "user_task"},
    {"id": "end", "type": "end_event"},
    {"id": "stop", "type": "terminate_end_event"}],
  "flows": [{"from": "start", "to": "fork"},
            {"from": "fork", "to": "offer_a"}, {"from": "fork", "to": "offer_b"},
            {"from": "offer_a", "to": "end"}, {"from": "offer_b", "to": "stop"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('race', '{}', 'race-1') AS i \gset
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT bpm.complete_task(id, '{"accepted": "b"}') FROM bpm.task WHERE instance_id = :i AND node_id = 'offer_b';
SELECT state, end_reason, data, waiting_at FROM bpm.processes WHERE id = :i;
SELECT node_id, status, completed_by FROM bpm.task WHERE instance_id = :i ORDER BY node_id;
SELECT count(*) AS tokens FROM bpm.token WHERE instance_id = :i;
SELECT kind, node_id, data FROM bpm.history(:i) WHERE event_id > (
    SELECT max(event_id) FROM bpm.history(:i) WHERE kind = 'task_completed');
-- A cancelled task cannot be completed afterwards. (Terse errors here: the
-- detail of this message says when the task was cancelled.)
\set VERBOSITY terse
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'offer_a';
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE

--
-- Terminate end event inside a sub-process: only the sub-process is
-- terminated; the parent continues after it, and the parent's other work
-- is untouched.
--
SELECT bpm.deploy('{"key": "quote", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "fork", "type": "parallel_gateway"},
    {"id": "paperwork", "type": "user_task"},
    {"id": "bids", "type": "subprocess", "nodes": [
        {"id": "bids_start", "type": "start_event"},
        {"id": "bids_fork", "type": "parallel_gateway"},
        {"id": "bid_1", "type": "user_task"},
        {"id": "bid_2", "type": "user_task"},
        {"id": "bid_1_in", "type": "terminate_end_event"},
        {"id": "bid_2_in", "type": "terminate_end_event"}],
     "flows": [{"from": "bids_start", "to": "bids_fork"},
               {"from": "bids_fork", "to": "bid_1"}, {"from": "bids_fork", "to": "bid_2"},
               {"from": "bid_1", "to": "bid_1_in"}, {"from": "bid_2", "to": "bid_2_in"}]},
    {"id": "choose", "type": "user_task"},
    {"id": "join", "type": "parallel_gateway"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "fork"},
            {"from": "fork", "to": "paperwork"}, {"from": "fork", "to": "bids"},
            {"from": "bids", "to": "choose"},
            {"from": "paperwork", "to": "join"}, {"from": "choose", "to": "join"},
            {"from": "join", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('quote', '{}', 'quote-1') AS i \gset
SELECT waiting_at FROM bpm.processes WHERE id = :i;
-- The first bid ends the sub-process: the other bid is cancelled, the
-- parent goes on to "choose"; "paperwork" stays open.
SELECT bpm.complete_task(id, '{"bid": 1}') FROM bpm.task WHERE instance_id = :i AND node_id = 'bid_1';
SELECT state, end_reason, data, waiting_at FROM bpm.processes WHERE id = :i;
SELECT node_id, status FROM bpm.task WHERE instance_id = :i ORDER BY node_id;
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'choose';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i AND node_id = 'paperwork';
SELECT state, end_reason, waiting_at FROM bpm.processes WHERE id = :i;

--
-- bpm.cancel: the instance is terminated with a reason; its open tasks are
-- cancelled and its jobs removed, each with an event.
--
SELECT bpm.deploy('{"key": "order", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "fork", "type": "parallel_gateway"},
    {"id": "confirm", "type": "user_task"},
    {"id": "reserve", "type": "service_task", "topic": "stock"},
    {"id": "join", "type": "parallel_gateway"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "fork"},
            {"from": "fork", "to": "confirm"}, {"from": "fork", "to": "reserve"},
            {"from": "confirm", "to": "join"}, {"from": "reserve", "to": "join"},
            {"from": "join", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('order', '{}', 'order-1') AS i \gset
SELECT waiting_at FROM bpm.processes WHERE id = :i;
SELECT node_id, topic FROM bpm.job WHERE instance_id = :i;
SELECT bpm.cancel(:i, 'customer withdrew');
SELECT state, end_reason, waiting_at, ended_at IS NOT NULL AS ended FROM bpm.processes WHERE id = :i;
SELECT node_id, status, completed_by FROM bpm.task WHERE instance_id = :i;
SELECT count(*) AS jobs FROM bpm.job WHERE instance_id = :i;
SELECT count(*) AS tokens FROM bpm.token WHERE instance_id = :i;
SELECT kind, node_id, data FROM bpm.history(:i) WHERE kind IN ('task_cancelled', 'job_cancelled', 'instance_terminated');
-- An ended instance cannot be cancelled; an unknown one does not exist.
SELECT c.statement, e.* FROM (VALUES
  ('SELECT bpm.cancel(%s)'),
  ($$SELECT bpm.cancel(id) FROM bpm.processes WHERE business_key = 'one-task-1'$$),
  ('SELECT bpm.cancel(-1)')
) AS c(statement), pg_temp.error_of(format(c.statement, :i)) AS e;
-- A task of a terminated instance stays cancelled.
\set VERBOSITY terse
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :i;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE

-- Instance data must be an object; the key must not be NULL.
SELECT bpm.start('one_task', '[1]');
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.start(NULL);
\echo :LAST_ERROR_SQLSTATE

RESET bpm.actor;
