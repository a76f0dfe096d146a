-- 06_rules: the rules that guard definitions, tasks and the engine.
--
-- What a deployment refuses (durations, integers, function names, jsonpath
-- variables); who may work a task when its rights come from the data
-- (fail-closed); who may claim, assign, reschedule and complete a task,
-- through the API or a plain UPDATE; the four-eyes rule both ways round; a
-- script task may not act on its own instance; a statement that completes
-- two tasks of one instance when the first ends the process; tasks are
-- created and kept by the engine only; NULL arguments; verify_events of an
-- unknown instance; event timestamps independent of the session's
-- DateStyle and TimeZone.

\i sql/helpers.psql

-- Ids in this file start above 600000, so that the messages naming them do
-- not depend on the files that ran before.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 600000);
    END LOOP;
END $$;

-- The people: Ann and Ben are clerks, Cleo audits, Dan is in no group.
INSERT INTO bpm.actor_group (actor, group_name) VALUES
    ('ann', 'clerks'), ('ben', 'clerks'), ('cleo', 'auditors');
SET bpm.actor = 'cleo';

--
-- 1. Deployment refuses what it cannot run. Each error is 42P17 and names
-- the definition and the node; nothing is stored. One row per refused
-- definition: what is wrong with it, the SQLSTATE and the error; then how
-- many definitions were stored (once the same definitions are made right).
-- Where one node is wrong, the row is that node, deployed between a start
-- and an end event (pg_temp.one_node).
--
SELECT count(*) AS definitions_before FROM bpm.definition \gset

-- A due date must be a positive ISO 8601 duration; a priority is an
-- integer; a service task gets at least one attempt; a script function is
-- a valid, schema-qualified name; a condition sees only the instance data
-- (no jsonpath variables).
CREATE FUNCTION public.stamp(data jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"stamped": true}'::jsonb $$;
SELECT c.wrong, e.* FROM (VALUES
  ('a due of zero',                    '{"id": "t", "type": "user_task", "due": "PT0S"}'),
  ('a negative due',                   '{"id": "t", "type": "user_task", "due": "P-3D"}'),
  ('a due that is no duration',        '{"id": "t", "type": "user_task", "due": "P3X"}'),
  ('a fractional priority',            '{"id": "t", "type": "user_task", "priority": 1.5}'),
  ('a priority out of range',          '{"id": "t", "type": "user_task", "priority": 1e20}'),
  ('a priority that is a word',        '{"id": "t", "type": "user_task", "priority": "high"}'),
  ('zero attempts',                    '{"id": "t", "type": "service_task", "topic": "mail", "retries": 0}'),
  ('a function name that is no name',  '{"id": "run", "type": "script_task", "function": "bad name!!"}'),
  ('a function without its schema',    '{"id": "run", "type": "script_task", "function": "stamp"}')
) AS c(wrong, node), pg_temp.error_of(format('SELECT bpm.deploy(%L)', pg_temp.one_node('bad6', c.node))) AS e;
SELECT c.wrong, e.* FROM (VALUES
  ('a jsonpath variable in a condition', '{"key": "bad6", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "exclusive_gateway"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "e", "when": "$.a == $x"}]}')
) AS c(wrong, definition), pg_temp.error_of(format('SELECT bpm.deploy(%L)', c.definition)) AS e;

-- The same definitions, made right, deploy.
SELECT bpm.deploy('{"key": "good6", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "t", "type": "user_task", "due": "P3D", "priority": 70},
  {"id": "run", "type": "script_task", "function": "public.stamp"},
  {"id": "g", "type": "exclusive_gateway"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "run"}, {"from": "run", "to": "g"},
            {"from": "g", "to": "e", "when": "$.stamped == true"}]}') IS NOT NULL AS deployed;
SELECT count(*) - :definitions_before AS stored FROM bpm.definition;

--
-- 2. Task rights are fail-closed. When the assignee and the candidate
-- groups come from the data and select nothing there, nobody could be
-- meant: the step fails (23502) instead of creating a task anyone may work.
--
SELECT bpm.deploy('{"key": "claim6", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "settle", "type": "user_task", "name": "Settle the claim",
     "assignee": "$.handler", "candidate_groups": "$.team"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "settle"}, {"from": "settle", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('claim6', '{"amount": 10}', 'claim6-1');
\echo :LAST_ERROR_SQLSTATE
-- A null, or an empty list of groups, selects nobody either.
SELECT bpm.start('claim6', '{"handler": null, "team": []}', 'claim6-1');
\echo :LAST_ERROR_SQLSTATE
-- Nothing was created.
SELECT count(*) AS instances FROM bpm.processes WHERE key = 'claim6';
SELECT count(*) AS tasks FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id
 WHERE i.business_key LIKE 'claim6-%';
-- Data that names a handler, or a team, is enough.
SELECT bpm.start('claim6', '{"handler": "ann"}', 'claim6-2') AS c2 \gset
SELECT bpm.start('claim6', '{"team": "clerks"}', 'claim6-3') AS c3 \gset
SELECT business_key, node_id, assignee, candidate_groups
  FROM bpm.tasks WHERE instance_id IN (:c2, :c3) ORDER BY business_key;

--
-- 3. Who may change a task. The trigger on bpm.task decides, so the API
-- functions and a plain UPDATE follow the same rules:
--   - an unassigned task may be claimed (assigned to oneself) by a member
--     of its candidate groups;
--   - its assignee may hand it on, give it back, and change its priority
--     and due date;
--   - everything else (assigning to someone else, rescheduling a task one
--     does not hold) is for operators: roles with the privileges of the
--     owner of schema bpm.
-- The application role regress_bpm_desk is not an operator; it acts for
-- the people through bpm.actor, a right an operator granted it.
--
SELECT bpm.deploy('{"key": "ticket6", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "handle", "type": "user_task", "name": "Handle the ticket",
     "candidate_groups": ["clerks"], "due": "P1D"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "handle"}, {"from": "handle", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('ticket6', '{}', 'ticket6-1') AS k1 \gset
SELECT id AS handle_1 FROM bpm.task WHERE instance_id = :k1 \gset

CREATE ROLE regress_bpm_desk;
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO regress_bpm_desk;
SET ROLE regress_bpm_desk;

-- Dan is not a clerk: he may not claim the ticket, with the API or an
-- UPDATE (42501).
SET bpm.actor = 'dan';
SELECT bpm.claim(:handle_1);
\echo :LAST_ERROR_SQLSTATE
UPDATE bpm.task SET assignee = 'dan' WHERE id = :handle_1;
\echo :LAST_ERROR_SQLSTATE

-- Ann is a clerk, but she may not give the unassigned ticket to Ben, nor
-- reschedule it (42501).
SET bpm.actor = 'ann';
SELECT c.statement, e.* FROM (VALUES
  ($$SELECT bpm.assign(%s, 'ben')$$),
  ($$UPDATE bpm.task SET assignee = 'ben' WHERE id = %s$$),
  ($$UPDATE bpm.task SET priority = 80 WHERE id = %s$$)
) AS c(statement), pg_temp.error_of(format(c.statement, :handle_1)) AS e;
SELECT assignee, priority, due_at - created_at AS due_in FROM bpm.task WHERE id = :handle_1;

-- She claims it with an UPDATE of her own name.
UPDATE bpm.task SET assignee = 'ann' WHERE id = :handle_1;
SELECT assignee FROM bpm.task WHERE id = :handle_1;

-- Ben, though a clerk, may neither take it from her nor reschedule it.
SET bpm.actor = 'ben';
SELECT c.statement, e.* FROM (VALUES
  ($$SELECT bpm.assign(%s, 'ben')$$),
  ($$UPDATE bpm.task SET assignee = 'ben' WHERE id = %s$$),
  ($$UPDATE bpm.task SET priority = 90 WHERE id = %s$$),
  ($$UPDATE bpm.task SET due_at = created_at + interval '1 hour' WHERE id = %s$$)
) AS c(statement), pg_temp.error_of(format(c.statement, :handle_1)) AS e;

-- Ann, the assignee, reschedules it and hands it on to Ben.
SET bpm.actor = 'ann';
UPDATE bpm.task SET priority = 80, due_at = created_at + interval '2 days' WHERE id = :handle_1;
SELECT bpm.assign(:handle_1, 'ben');
SELECT assignee, priority, due_at - created_at AS due_in FROM bpm.task WHERE id = :handle_1;

-- Ben gives it back; Ann claims it again with the API.
SET bpm.actor = 'ben';
SELECT bpm.unclaim(:handle_1);
SET bpm.actor = 'ann';
SELECT bpm.claim(:handle_1);
SELECT assignee FROM bpm.task WHERE id = :handle_1;
RESET ROLE;

-- The owner of schema bpm (here the superuser that installed the
-- extension) is an operator: acting for Cleo, who is no clerk, it assigns
-- the ticket to Dan, who is no clerk either, and reschedules it.
SELECT n.nspowner = r.oid AS owns_bpm, r.rolsuper
  FROM pg_namespace n, pg_roles r WHERE n.nspname = 'bpm' AND r.rolname = current_user;
SET bpm.actor = 'cleo';
SELECT bpm.assign(:handle_1, 'dan');
UPDATE bpm.task SET priority = 10 WHERE id = :handle_1;
SELECT assignee, priority FROM bpm.task WHERE id = :handle_1;
-- ... and, with a plain UPDATE, gives it to Ben.
UPDATE bpm.task SET assignee = 'ben' WHERE id = :handle_1;
SELECT assignee FROM bpm.task WHERE id = :handle_1;

-- Each change is an event, with the actor who made it.
SELECT actor, kind, data FROM bpm.history(:k1)
 WHERE kind IN ('task_claimed', 'task_unclaimed', 'task_assigned') ORDER BY event_id;
SELECT h.actor, h.data->'priority' AS priority,
       (h.data->>'due_at')::timestamptz - t.created_at AS due_in
  FROM bpm.history(:k1) h JOIN bpm.task t ON t.id = h.task_id
 WHERE h.kind = 'task_updated' ORDER BY h.event_id;

--
-- 4. A claimed task belongs to its assignee: another member of its
-- candidate groups may not complete it (42501).
--
SET ROLE regress_bpm_desk;
SET bpm.actor = 'ann';
SELECT bpm.complete_task(:handle_1, '{"done": true}');
\echo :LAST_ERROR_SQLSTATE
UPDATE bpm.task SET status = 'completed', output = '{"done": true}' WHERE id = :handle_1;
\echo :LAST_ERROR_SQLSTATE
SET bpm.actor = 'ben';
SELECT bpm.complete_task(:handle_1, '{"done": true}');
RESET ROLE;
SELECT status, completed_by FROM bpm.task WHERE id = :handle_1;
SELECT state, data FROM bpm.processes WHERE id = :k1;

--
-- 5. The four-eyes rule is symmetric. Only "sign" names "check", but
-- whoever completed one of the two may not complete the other, whichever
-- comes first.
--
SELECT bpm.deploy('{"key": "pair6", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "fork", "type": "parallel_gateway"},
    {"id": "check", "type": "user_task", "candidate_groups": ["clerks"]},
    {"id": "sign", "type": "user_task", "candidate_groups": ["clerks"], "four_eyes": ["check"]},
    {"id": "join", "type": "parallel_gateway"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "fork"}, {"from": "fork", "to": "check"},
            {"from": "fork", "to": "sign"}, {"from": "check", "to": "join"},
            {"from": "sign", "to": "join"}, {"from": "join", "to": "end"}]}') IS NOT NULL AS deployed;

-- Sign first: Ann signs, then may not check.
SELECT bpm.start('pair6', '{}', 'pair6-1') AS q1 \gset
SET bpm.actor = 'ann';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :q1 AND node_id = 'sign';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :q1 AND node_id = 'check';
\echo :LAST_ERROR_SQLSTATE
SET bpm.actor = 'ben';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :q1 AND node_id = 'check';
SELECT node_id, completed_by FROM bpm.task WHERE instance_id = :q1 ORDER BY node_id;
SELECT state FROM bpm.processes WHERE id = :q1;

-- Check first: Ann checks, then may not sign.
SELECT bpm.start('pair6', '{}', 'pair6-2') AS q2 \gset
SET bpm.actor = 'ann';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :q2 AND node_id = 'check';
UPDATE bpm.task SET status = 'completed' WHERE instance_id = :q2 AND node_id = 'sign';
\echo :LAST_ERROR_SQLSTATE
SET bpm.actor = 'ben';
UPDATE bpm.task SET status = 'completed' WHERE instance_id = :q2 AND node_id = 'sign';
SELECT node_id, completed_by FROM bpm.task WHERE instance_id = :q2 ORDER BY node_id;
SELECT state FROM bpm.processes WHERE id = :q2;

--
-- 6. A script task may not act on its own instance: the step holds the
-- instance in memory and would overwrite what the nested call did. It gets
-- 55000 and the whole step is undone. Starting another instance is fine.
--
-- "meddle" completes the instance's own "review" task; the instance id is
-- in the data.
CREATE FUNCTION public.meddle(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bpm.complete_task(t.id, '{"reviewed": "by the script"}')
       FROM bpm.task t
      WHERE t.instance_id = (data->>'instance')::bigint AND t.node_id = 'review'
        AND t.status = 'open';
    RETURN '{"meddled": true}';
END $$;
SELECT bpm.deploy('{"key": "meddle6", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "fork", "type": "parallel_gateway"},
    {"id": "review", "type": "user_task"},
    {"id": "prepare", "type": "user_task"},
    {"id": "meddle", "type": "script_task", "function": "public.meddle"},
    {"id": "join", "type": "parallel_gateway"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "fork"}, {"from": "fork", "to": "review"},
            {"from": "fork", "to": "prepare"}, {"from": "prepare", "to": "meddle"},
            {"from": "meddle", "to": "join"}, {"from": "review", "to": "join"},
            {"from": "join", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('meddle6', '{}', 'meddle6-1') AS m1 \gset
SELECT id AS prepare_1 FROM bpm.task WHERE instance_id = :m1 AND node_id = 'prepare' \gset
SELECT bpm.complete_task(:prepare_1, jsonb_build_object('instance', :m1));
\echo :LAST_ERROR_SQLSTATE
-- Nothing changed: both tasks are open, the data is as it was.
SELECT node_id, status, output FROM bpm.task WHERE instance_id = :m1 ORDER BY node_id;
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :m1;
-- Without the instance id the script finds nothing to meddle with.
SELECT bpm.complete_task(:prepare_1, '{}');
SELECT node_id, status FROM bpm.task WHERE instance_id = :m1 ORDER BY node_id;
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :m1;

-- "spawn" starts an instance of another process: allowed.
CREATE FUNCTION public.spawn(data jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('ticket', bpm.start('ticket6', '{}', 'ticket6-from-' || (data->>'order')))
$$;
SELECT bpm.deploy('{"key": "spawn6", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "spawn", "type": "script_task", "function": "public.spawn"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "spawn"}, {"from": "spawn", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('spawn6', '{"order": "o-7"}', 'spawn6-1') AS sp1 \gset
SELECT state, (data->>'ticket')::bigint > :sp1 AS ticket_started FROM bpm.processes WHERE id = :sp1;
SELECT p.business_key, p.state, p.waiting_at
  FROM bpm.processes p, bpm.instance s
 WHERE s.id = :sp1 AND p.id = (s.data->>'ticket')::bigint;

--
-- 7. One statement that completes two tasks of an instance, where the
-- first completion ends the process at a terminate end event: the trigger
-- reads each task afresh under the instance lock, finds the second already
-- cancelled, and the statement fails (55000; terse, as the detail says
-- when it was cancelled) with nothing changed. One task per statement
-- works.
--
SELECT bpm.deploy('{"key": "race6", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "fork", "type": "parallel_gateway"},
    {"id": "stop", "type": "user_task"},
    {"id": "go_on", "type": "user_task"},
    {"id": "halt", "type": "terminate_end_event"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "fork"}, {"from": "fork", "to": "stop"},
            {"from": "fork", "to": "go_on"}, {"from": "stop", "to": "halt"},
            {"from": "go_on", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('race6', '{}', 'race6-1') AS r1 \gset
SELECT id AS stop_1 FROM bpm.task WHERE instance_id = :r1 AND node_id = 'stop' \gset
SELECT id AS go_on_1 FROM bpm.task WHERE instance_id = :r1 AND node_id = 'go_on' \gset
SET bpm.actor = 'ann';
-- The UPDATE takes the rows in the order of the primary key, so "stop"
-- (created first) is completed first. (Had "go_on" come first, both
-- completions would be valid: the process ends normally after it.)
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) UPDATE bpm.task SET status = 'completed' WHERE id IN (:stop_1, :go_on_1);
\set VERBOSITY terse
UPDATE bpm.task SET status = 'completed' WHERE id IN (:stop_1, :go_on_1);
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT node_id, status FROM bpm.task WHERE instance_id = :r1 ORDER BY node_id;
SELECT state, waiting_at FROM bpm.processes WHERE id = :r1;

-- The same inside a sub-process: the terminate end event ends only the
-- sub-process and the instance runs on, but the other task is cancelled.
SELECT bpm.deploy('{"key": "subrace6", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "sub", "type": "subprocess", "nodes": [
        {"id": "sub_start", "type": "start_event"},
        {"id": "fork", "type": "parallel_gateway"},
        {"id": "stop", "type": "user_task"},
        {"id": "go_on", "type": "user_task"},
        {"id": "halt", "type": "terminate_end_event"},
        {"id": "sub_end", "type": "end_event"}],
     "flows": [{"from": "sub_start", "to": "fork"}, {"from": "fork", "to": "stop"},
               {"from": "fork", "to": "go_on"}, {"from": "stop", "to": "halt"},
               {"from": "go_on", "to": "sub_end"}]},
    {"id": "after", "type": "user_task"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "sub"}, {"from": "sub", "to": "after"},
            {"from": "after", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('subrace6', '{}', 'subrace6-1') AS r2 \gset
SELECT id AS stop_2 FROM bpm.task WHERE instance_id = :r2 AND node_id = 'stop' \gset
SELECT id AS go_on_2 FROM bpm.task WHERE instance_id = :r2 AND node_id = 'go_on' \gset
\set VERBOSITY terse
UPDATE bpm.task SET status = 'completed' WHERE id IN (:stop_2, :go_on_2);
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT node_id, status FROM bpm.task WHERE instance_id = :r2 ORDER BY node_id;
SELECT state, waiting_at FROM bpm.processes WHERE id = :r2;

-- One at a time: the first completion ends the process and cancels the
-- other task, which then cannot be completed (55000; terse, as the detail
-- says when it was cancelled).
UPDATE bpm.task SET status = 'completed' WHERE id = :stop_1;
SELECT node_id, status, completed_by FROM bpm.task WHERE instance_id = :r1 ORDER BY node_id;
SELECT state, waiting_at FROM bpm.processes WHERE id = :r1;
\set VERBOSITY terse
UPDATE bpm.task SET status = 'completed' WHERE id = :go_on_1;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
-- Likewise in the sub-process, which then has ended: the instance waits
-- at "after".
UPDATE bpm.task SET status = 'completed' WHERE id = :stop_2;
\set VERBOSITY terse
UPDATE bpm.task SET status = 'completed' WHERE id = :go_on_2;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT node_id, status FROM bpm.task WHERE instance_id = :r2 ORDER BY node_id;
SELECT state, waiting_at FROM bpm.processes WHERE id = :r2;

--
-- 8. Tasks are created by the engine and never deleted: the view bpm.task
-- refuses INSERT and DELETE, to a role without the privilege and to the
-- owner of the schema, a superuser, alike (42501).
--
SET ROLE regress_bpm_desk;
INSERT INTO bpm.task (instance_id, node_id, title) VALUES (:k1, 'handle', 'A task of my own');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
INSERT INTO bpm.task (instance_id, node_id, title) VALUES (:k1, 'handle', 'A task of my own');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM bpm.task WHERE id = :handle_1;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS tasks FROM bpm.task WHERE instance_id = :k1;

--
-- 9. NULL arguments are errors (22004), except the data of a completion.
--
SELECT c.statement, e.* FROM (VALUES
  ('SELECT bpm.deploy(NULL)'),
  ($$SELECT bpm.complete_job(NULL, 'w6')$$),
  ($$SELECT * FROM bpm.fetch_and_lock(NULL, 'w6')$$),
  ('SELECT bpm.claim(NULL)'),
  ('SELECT * FROM bpm.verify_events(NULL)')
) AS c(statement), pg_temp.error_of(c.statement) AS e;

-- bpm.complete_job with NULL data completes the job with no data.
SELECT bpm.deploy('{"key": "mail6", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "send", "type": "service_task", "topic": "regress6_mail"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "send"}, {"from": "send", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('mail6', '{"to": "ann"}', 'mail6-1') AS j1 \gset
SELECT id AS job_1 FROM bpm.fetch_and_lock('regress6_mail', 'w6') \gset
SELECT bpm.complete_job(:job_1, 'w6', NULL);
SELECT state, data FROM bpm.processes WHERE id = :j1;
SELECT kind, node_id, data FROM bpm.history(:j1) WHERE kind IN ('job_completed', 'data_changed');

--
-- 10. verify_events of an instance that does not exist: 42704.
--
SELECT * FROM bpm.verify_events(-1);
\echo :LAST_ERROR_SQLSTATE

--
-- 11. The task_updated event records due_at in ISO 8601, in UTC, whatever
-- the session's DateStyle and TimeZone. (The superuser, an operator,
-- reschedules the ticket for Cleo.)
--
SELECT bpm.start('ticket6', '{}', 'ticket6-2') AS k2 \gset
SET bpm.actor = 'cleo';
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'America/New_York';
UPDATE bpm.task SET due_at = '2030-01-01 00:00:00+00' WHERE instance_id = :k2;
-- The column is shown in the session's style and zone ...
SELECT due_at FROM bpm.task WHERE instance_id = :k2;
-- ... the event in ISO 8601 UTC.
SELECT actor, data FROM bpm.history(:k2) WHERE kind = 'task_updated';
RESET DateStyle;
RESET TimeZone;

--
-- 12. More deploy checks: a function name with more than schema and name,
-- and a constant, empty candidate group list (nobody could work the task).
--
SELECT count(*) AS definitions_before FROM bpm.definition \gset
SELECT c.wrong, e.* FROM (VALUES
  ('a function name a.b.c',    '{"id": "run", "type": "script_task", "function": "a.b.c"}'),
  ('an empty list of groups',  '{"id": "t", "type": "user_task", "candidate_groups": []}')
) AS c(wrong, node), pg_temp.error_of(format('SELECT bpm.deploy(%L)', pg_temp.one_node('bad12', c.node))) AS e;
SELECT count(*) - :definitions_before AS stored FROM bpm.definition;

--
-- 13. A row an operator wrote into the table behind the view by hand is
-- not waited for by any process: completing it is refused (55000).
--
INSERT INTO bpm.task_store (instance_id, node_id, title) VALUES (:k2, 'handle', 'Inserted by hand')
  RETURNING id AS hand_task \gset
SELECT bpm.complete_task(:hand_task);
\echo :LAST_ERROR_SQLSTATE

REVOKE EXECUTE ON FUNCTION bpm.act_as(text) FROM regress_bpm_desk;
DROP ROLE regress_bpm_desk;
RESET bpm.actor;
