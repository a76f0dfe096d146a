-- 03_tasks: human tasks.
--
-- A user task is a row of bpm.task with its assignee, candidate groups,
-- priority, due date and required fields, taken from the definition (as
-- constants, or as jsonpaths into the instance data). Completing it is an
-- UPDATE of that row, from bpm.complete_task or from any client; the
-- triggers enforce who may complete it, the required fields and the
-- four-eyes rule, and merge the output into the instance data. Also:
-- claim, unclaim, assign, the acting user (bpm.actor), bpm.tasks and
-- bpm.worklist.

\i sql/helpers.psql

-- Ids in this file start above 300000, so that the messages naming them do
-- not depend on the files that ran before.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 300000);
    END LOOP;
END $$;

-- The people: Alice and Bob sell, Bob and Carol manage, Dave is in no group.
INSERT INTO bpm.actor_group (actor, group_name) VALUES
    ('alice', 'sales'), ('bob', 'sales'), ('bob', 'managers'), ('carol', 'managers');

-- The acting user is the setting bpm.actor, or the role when it is empty.
SELECT bpm.current_actor() = current_user AS actor_is_the_role;
SET bpm.actor = 'alice';
SELECT bpm.current_actor();

-- A purchase: the requester fills in the request (assignee from the data),
-- a manager approves it (a constant group), and someone of the team named
-- in the data checks it, who must not be the approver (four eyes).
SELECT bpm.deploy('{"key": "purchase", "name": "Purchase", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "request", "type": "user_task", "name": "Fill in the request",
     "assignee": "$.requester", "priority": 60, "due": "P2D", "required": ["item", "amount"]},
    {"id": "approve", "type": "user_task", "name": "Approve the purchase",
     "candidate_groups": ["managers"], "due": "PT4H"},
    {"id": "check", "type": "user_task", "name": "Check the delivery",
     "candidate_groups": "$.team", "four_eyes": ["approve"], "required": ["checked"]},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "request"}, {"from": "request", "to": "approve"},
            {"from": "approve", "to": "check"}, {"from": "check", "to": "end"}]}') IS NOT NULL AS deployed;

SELECT bpm.start('purchase', '{"requester": "alice", "team": ["sales", "managers"]}', 'purchase-1') AS p1 \gset
SELECT id AS request_1 FROM bpm.task WHERE instance_id = :p1 AND node_id = 'request' \gset

-- The task row: the assignee came from $.requester; priority and due from
-- the definition (due_at is the creation time plus "P2D"); the required
-- fields are listed.
SELECT node_id, title, status, assignee, candidate_groups, priority,
       due_at - created_at AS due_in, required, output
  FROM bpm.task WHERE id = :request_1;

-- Missing required fields: 23502, the message lists them. A null value
-- counts as missing.
SELECT bpm.complete_task(:request_1, '{"note": "soon"}');
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.complete_task(:request_1, '{"item": "chair", "amount": null}');
\echo :LAST_ERROR_SQLSTATE

-- Only the assignee may complete an assigned task: 42501.
SET bpm.actor = 'bob';
SELECT bpm.complete_task(:request_1, '{"item": "chair", "amount": 120}');
\echo :LAST_ERROR_SQLSTATE

-- The output must be an object.
SET bpm.actor = 'alice';
SELECT bpm.complete_task(:request_1, '["chair", 120]');
\echo :LAST_ERROR_SQLSTATE

-- None of these changed anything.
SELECT status, output FROM bpm.task WHERE id = :request_1;
SELECT data, waiting_at FROM bpm.processes WHERE id = :p1;

-- Alice completes her request; the output is merged into the data.
SELECT bpm.complete_task(:request_1, '{"item": "chair", "amount": 120}');
SELECT status, output, completed_by FROM bpm.task WHERE id = :request_1;
SELECT data, waiting_at FROM bpm.processes WHERE id = :p1;

-- A completed task cannot be completed again, reopened or changed: 55000.
-- (Terse errors for these: the detail says when the task was completed.)
SELECT c.statement, e.* FROM (VALUES
  ($$SELECT bpm.complete_task(%s, '{"item": "desk", "amount": 300}')$$),
  ($$UPDATE bpm.task SET status = 'open' WHERE id = %s$$),
  ($$UPDATE bpm.task SET priority = 1 WHERE id = %s$$)
) AS c(statement), pg_temp.error_of(format(c.statement, :request_1), terse => true) AS e;
SELECT status, output, priority FROM bpm.task WHERE id = :request_1;

-- The approval is for the managers' group: Dave may not.
SELECT id AS approve_1 FROM bpm.task WHERE instance_id = :p1 AND node_id = 'approve' \gset
SELECT node_id, assignee, candidate_groups, priority, due_at - created_at AS due_in
  FROM bpm.task WHERE id = :approve_1;
SET bpm.actor = 'dave';
SELECT bpm.complete_task(:approve_1, '{"approved": true}');
\echo :LAST_ERROR_SQLSTATE

-- Bob approves, with a plain UPDATE: the same rules and the same effect as
-- bpm.complete_task.
SET bpm.actor = 'bob';
UPDATE bpm.task SET status = 'completed', output = '{"approved": true}' WHERE id = :approve_1;
SELECT status, output, completed_by FROM bpm.task WHERE id = :approve_1;
SELECT data, waiting_at FROM bpm.processes WHERE id = :p1;

-- The check is for the groups in $.team. Bob is in both, but he approved:
-- the four-eyes rule refuses him (42501).
SELECT id AS check_1 FROM bpm.task WHERE instance_id = :p1 AND node_id = 'check' \gset
SELECT node_id, candidate_groups, required FROM bpm.task WHERE id = :check_1;
SELECT bpm.complete_task(:check_1, '{"checked": true}');
\echo :LAST_ERROR_SQLSTATE
-- Also with a plain UPDATE.
UPDATE bpm.task SET status = 'completed', output = '{"checked": true}' WHERE id = :check_1;
\echo :LAST_ERROR_SQLSTATE
-- A plain UPDATE checks the required fields too.
SET bpm.actor = 'alice';
UPDATE bpm.task SET status = 'completed' WHERE id = :check_1;
\echo :LAST_ERROR_SQLSTATE
-- Alice may: she is in sales.
UPDATE bpm.task SET status = 'completed', output = '{"checked": true}' WHERE id = :check_1;
SELECT state, data, waiting_at FROM bpm.processes WHERE id = :p1;
SELECT node_id, status, completed_by, output FROM bpm.task WHERE instance_id = :p1 ORDER BY id;

-- The timeline of the instance: who did what.
SELECT actor, kind, node_id, data FROM bpm.history(:p1)
 WHERE kind IN ('instance_started', 'task_created', 'task_completed', 'data_changed', 'instance_completed');

--
-- What a client may change on a task, and what not.
--
SELECT bpm.start('purchase', '{"requester": "alice", "team": "sales"}', 'purchase-2') AS p2 \gset
SELECT id AS request_2 FROM bpm.task WHERE instance_id = :p2 AND node_id = 'request' \gset
-- A jsonpath that selects a string gives a single candidate group.
SELECT bpm.complete_task(:request_2, '{"item": "lamp", "amount": 40}');
SELECT id AS approve_2 FROM bpm.task WHERE instance_id = :p2 AND node_id = 'approve' \gset

-- Priority, due date and assignee may change; each change is an event.
UPDATE bpm.task SET priority = 90 WHERE id = :approve_2;
UPDATE bpm.task SET due_at = created_at + interval '1 day' WHERE id = :approve_2;
UPDATE bpm.task SET assignee = 'carol' WHERE id = :approve_2;
SELECT assignee, priority, due_at - created_at AS due_in FROM bpm.task WHERE id = :approve_2;
SELECT h.actor, h.kind, h.data->'priority' AS priority,
       (h.data->>'due_at')::timestamptz - t.created_at AS due_in, h.data->'to' AS assigned_to
  FROM bpm.history(:p2) h JOIN bpm.task t ON t.id = h.task_id
 WHERE h.task_id = :approve_2 AND h.kind IN ('task_updated', 'task_assigned');

-- The columns the engine maintains may not change, nor those it sets when
-- the task closes (who closed it, when), even for the owner of the
-- extension; a task is never cancelled on its own (only with its instance
-- or scope), and never deleted (42501).
SELECT c.statement, e.* FROM (VALUES
  ($$UPDATE bpm.task SET title = 'Approve quickly' WHERE id = %s$$),
  ($$UPDATE bpm.task SET node_id = 'check' WHERE id = %s$$),
  ($$UPDATE bpm.task SET candidate_groups = '{sales}' WHERE id = %s$$),
  ($$UPDATE bpm.task SET required = '{reason}' WHERE id = %s$$),
  ($$UPDATE bpm.task SET completed_by = 'someone else' WHERE id = %s$$),
  ($$UPDATE bpm.task SET completed_at = '2000-01-01 00:00+00' WHERE id = %s$$),
  ($$UPDATE bpm.task SET status = 'cancelled' WHERE id = %s$$),
  ($$DELETE FROM bpm.task WHERE id = %s$$)
) AS c(statement), pg_temp.error_of(format(c.statement, :approve_2)) AS e;

-- An application role (not the owner of the extension) may read the
-- tables, call the API and update only the columns a person may change;
-- everything else is refused by the privileges. It serves many people, so
-- an operator lets it act for them (see "Who may act for others" below).
CREATE ROLE regress_bpm_app;
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO regress_bpm_app;
SET ROLE regress_bpm_app;
SELECT c.statement, e.* FROM (VALUES
  ($$INSERT INTO bpm.task (instance_id, node_id, title) VALUES (%s, 'approve', 'A task of my own')$$),
  ($$DELETE FROM bpm.task WHERE id = %2$s$$),
  ($$UPDATE bpm.task SET title = 'Approve quickly' WHERE id = %2$s$$),
  ($$UPDATE bpm.task SET completed_by = 'nobody' WHERE id = %2$s$$)
) AS c(statement), pg_temp.error_of(format(c.statement, :p2, :approve_2)) AS e;
UPDATE bpm.task SET priority = 95 WHERE id = :approve_2;
SELECT node_id, assignee, priority FROM bpm.tasks WHERE instance_id = :p2;
RESET ROLE;
-- Tasks are the engine's: the application role may not insert one (only
-- operators may, to restore dumps), and a superuser that is not the owner
-- passes the privileges, but the trigger still refuses to delete tasks.
SET ROLE regress_bpm_app;
INSERT INTO bpm.task (instance_id, node_id, title) VALUES (:p2, 'approve', 'A task of my own');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
CREATE ROLE regress_bpm_admin SUPERUSER;
SET ROLE regress_bpm_admin;
DELETE FROM bpm.task WHERE id = :approve_2;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_bpm_admin;
SELECT node_id, status, assignee, priority FROM bpm.task WHERE instance_id = :p2 ORDER BY id;

-- Carol, working through the application role, approves.
SET ROLE regress_bpm_app;
SET bpm.actor = 'carol';
SELECT bpm.complete_task(:approve_2, '{"approved": false}');
RESET ROLE;
SELECT node_id, status, completed_by FROM bpm.task WHERE instance_id = :p2 ORDER BY id;
SET bpm.actor = 'alice';

-- Unknown tasks, NULL ids.
SELECT bpm.complete_task(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.complete_task(NULL);
\echo :LAST_ERROR_SQLSTATE

--
-- Claim, unclaim, assign.
--
SELECT bpm.deploy('{"key": "support", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "answer", "type": "user_task", "name": "Answer the customer",
     "candidate_groups": "sales", "priority": 70},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "answer"}, {"from": "answer", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('support', '{}', 'support-1') AS s1 \gset
SELECT id AS answer_1 FROM bpm.task WHERE instance_id = :s1 \gset

-- Dave is not in sales: he may not claim it (42501).
SET bpm.actor = 'dave';
SELECT bpm.claim(:answer_1);
\echo :LAST_ERROR_SQLSTATE
-- Alice claims it; claiming it again changes nothing.
SET bpm.actor = 'alice';
SELECT bpm.claim(:answer_1);
SELECT bpm.claim(:answer_1);
SELECT assignee FROM bpm.task WHERE id = :answer_1;
-- Bob cannot claim what Alice holds (55000), nor give it back for her (42501).
SET bpm.actor = 'bob';
SELECT bpm.claim(:answer_1);
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.unclaim(:answer_1);
\echo :LAST_ERROR_SQLSTATE
-- Alice gives it back; unclaiming an unclaimed task is an error (55000).
SET bpm.actor = 'alice';
SELECT bpm.unclaim(:answer_1);
SELECT assignee FROM bpm.task WHERE id = :answer_1;
SELECT bpm.unclaim(:answer_1);
\echo :LAST_ERROR_SQLSTATE
-- Assign sets (or, with NULL, clears) the assignee.
SELECT bpm.assign(:answer_1, 'bob');
SELECT assignee FROM bpm.task WHERE id = :answer_1;
SELECT bpm.assign(:answer_1, NULL);
SELECT assignee FROM bpm.task WHERE id = :answer_1;
-- Each of these is an event.
SELECT actor, kind, data FROM bpm.history(:s1)
 WHERE kind IN ('task_claimed', 'task_unclaimed', 'task_assigned');
-- Unknown tasks; tasks that are not open (terse: the detail says when it
-- was completed).
SELECT bpm.claim(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.assign(-1, 'bob');
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.complete_task(:answer_1, '{"answered": true}');
SELECT c.statement, e.* FROM (VALUES
  ('SELECT bpm.claim(%s)'), ('SELECT bpm.unclaim(%s)'), ($$SELECT bpm.assign(%s, 'bob')$$)
) AS c(statement), pg_temp.error_of(format(c.statement, :answer_1), terse => true) AS e;

--
-- Who may act for others. Anyone may set bpm.actor, but a role that names
-- another user in it is refused wherever the actor is used (42501), and
-- nothing changes, unless it holds the right to act for others: EXECUTE on
-- bpm.act_as(text). Operators (the owner of schema bpm, its members and
-- superusers, like the role running this file) hold it and grant it to
-- the roles of applications, as to regress_bpm_app above.
--
SELECT bpm.start('support', '{}', 'support-2') AS s2 \gset
SELECT id AS answer_2 FROM bpm.task WHERE instance_id = :s2 \gset
CREATE ROLE regress_bpm_kiosk;
SET ROLE regress_bpm_kiosk;
SET bpm.actor = 'alice';
SELECT bpm.claim(:answer_2);
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.current_actor();
SELECT count(*) FROM bpm.worklist;
RESET ROLE;
SELECT assignee FROM bpm.task WHERE id = :answer_2;
-- Naming itself is no acting for others.
SET ROLE regress_bpm_kiosk;
SET bpm.actor = 'regress_bpm_kiosk';
SELECT bpm.current_actor();
-- bpm.act_as is not for it either (42501).
SELECT bpm.act_as('alice');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- Once an operator grants the right, it acts for Alice.
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO regress_bpm_kiosk;
SET ROLE regress_bpm_kiosk;
SET bpm.actor = 'alice';
SELECT bpm.current_actor();
SELECT bpm.claim(:answer_2);
SELECT assignee FROM bpm.task WHERE id = :answer_2;
-- bpm.act_as sets the actor for the rest of the transaction (SET LOCAL);
-- NULL or '' goes back to the role.
RESET bpm.actor;
BEGIN;
SELECT bpm.act_as('bob');
SELECT bpm.current_actor();
SELECT bpm.act_as(NULL);
SELECT bpm.current_actor();
SELECT bpm.act_as('alice');
SELECT bpm.unclaim(:answer_2);
COMMIT;
SELECT bpm.current_actor();
SELECT actor, kind FROM bpm.history(:s2) WHERE kind LIKE 'task_%claimed' ORDER BY event_id;
-- Revoked, the right is gone at once: the decision each session keeps is
-- dropped when the privileges change.
SET bpm.actor = 'alice';
RESET ROLE;
REVOKE EXECUTE ON FUNCTION bpm.act_as(text) FROM regress_bpm_kiosk;
SET ROLE regress_bpm_kiosk;
SELECT bpm.current_actor();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- A member of a role that holds the right holds it too.
GRANT regress_bpm_app TO regress_bpm_kiosk;
SET ROLE regress_bpm_kiosk;
SELECT bpm.current_actor();
RESET ROLE;
REVOKE regress_bpm_app FROM regress_bpm_kiosk;
SET ROLE regress_bpm_kiosk;
SELECT bpm.current_actor();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_bpm_kiosk;
REVOKE EXECUTE ON FUNCTION bpm.act_as(text) FROM regress_bpm_app;
DROP ROLE regress_bpm_app;
SET bpm.actor = 'alice';

--
-- bpm.tasks lists the open tasks; bpm.worklist those the current actor may
-- work: assigned to them, or unassigned and for one of their groups (or
-- for no group at all).
--
SELECT bpm.deploy('{"key": "desk", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "fork", "type": "parallel_gateway"},
    {"id": "for_anyone", "type": "user_task"},
    {"id": "for_sales", "type": "user_task", "candidate_groups": ["sales"]},
    {"id": "for_managers", "type": "user_task", "candidate_groups": ["managers"], "priority": 80},
    {"id": "for_dave", "type": "user_task", "assignee": "dave", "priority": 10},
    {"id": "join", "type": "parallel_gateway"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "fork"},
            {"from": "fork", "to": "for_anyone"}, {"from": "fork", "to": "for_sales"},
            {"from": "fork", "to": "for_managers"}, {"from": "fork", "to": "for_dave"},
            {"from": "for_anyone", "to": "join"}, {"from": "for_sales", "to": "join"},
            {"from": "for_managers", "to": "join"}, {"from": "for_dave", "to": "join"},
            {"from": "join", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('desk', '{}', 'desk-1') AS d1 \gset
SELECT business_key, process_key, node_id, title, assignee, candidate_groups, priority
  FROM bpm.tasks WHERE instance_id = :d1 ORDER BY priority DESC, node_id;
SET bpm.actor = 'alice';
SELECT node_id FROM bpm.worklist WHERE instance_id = :d1 ORDER BY node_id;
SET bpm.actor = 'bob';
SELECT node_id FROM bpm.worklist WHERE instance_id = :d1 ORDER BY node_id;
SET bpm.actor = 'carol';
SELECT node_id FROM bpm.worklist WHERE instance_id = :d1 ORDER BY node_id;
SET bpm.actor = 'dave';
SELECT node_id FROM bpm.worklist WHERE instance_id = :d1 ORDER BY node_id;
-- Once Carol claims the managers' task it is on her list only.
SET bpm.actor = 'carol';
SELECT bpm.claim(id) FROM bpm.task WHERE instance_id = :d1 AND node_id = 'for_managers';
SET bpm.actor = 'bob';
SELECT node_id FROM bpm.worklist WHERE instance_id = :d1 ORDER BY node_id;
SET bpm.actor = 'carol';
SELECT node_id FROM bpm.worklist WHERE instance_id = :d1 ORDER BY node_id;

-- SET LOCAL bpm.actor acts for one transaction: here Dave, inside an
-- application that connects with one role.
SET bpm.actor = 'alice';
BEGIN;
SET LOCAL bpm.actor = 'dave';
SELECT bpm.current_actor();
SELECT bpm.complete_task(id, '{"dave": "done"}') FROM bpm.task WHERE instance_id = :d1 AND node_id = 'for_dave';
COMMIT;
SELECT bpm.current_actor();
SELECT node_id, completed_by FROM bpm.task WHERE instance_id = :d1 AND status = 'completed';
SELECT node_id FROM bpm.tasks WHERE instance_id = :d1 ORDER BY node_id;

-- A completion that is rolled back leaves the task open.
BEGIN;
SELECT bpm.complete_task(id, '{"anyone": "done"}') FROM bpm.task WHERE instance_id = :d1 AND node_id = 'for_anyone';
SELECT status FROM bpm.task WHERE instance_id = :d1 AND node_id = 'for_anyone';
ROLLBACK;
SELECT status FROM bpm.task WHERE instance_id = :d1 AND node_id = 'for_anyone';

-- The remaining tasks, and the outputs merged into the data.
SELECT bpm.complete_task(id, '{"anyone": "done"}') FROM bpm.task WHERE instance_id = :d1 AND node_id = 'for_anyone';
SELECT bpm.complete_task(id, '{"sales": "done"}') FROM bpm.task WHERE instance_id = :d1 AND node_id = 'for_sales';
SET bpm.actor = 'carol';
SELECT bpm.complete_task(id, '{"managers": "done", "dave": "overruled"}') FROM bpm.task WHERE instance_id = :d1 AND node_id = 'for_managers';
SELECT state, data FROM bpm.processes WHERE id = :d1;
SELECT data FROM bpm.history(:d1) WHERE kind = 'data_changed' ORDER BY event_id DESC LIMIT 1;

RESET bpm.actor;
