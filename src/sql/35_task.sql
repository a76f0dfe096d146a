-- src/sql/35_task.sql: human tasks. bpm.task is a view over bpm.task_store;
-- completing a task is an UPDATE of its row in the view, and the INSTEAD OF
-- trigger locks the instance, checks the rules and moves the process on.
-- (A view, not the table itself, so that no UPDATE locks a task row before
-- its instance: the engine's lock order holds for every client.)

CREATE VIEW bpm.task AS
SELECT id, instance_id, token_id, node_id, title, status, assignee, candidate_groups,
       priority, due_at, required, output, created_at, completed_at, completed_by,
       escalation_of, description, parent_task_id, labels, follow_up_at, owner, delegation_state,
       created_by
  FROM bpm.task_store;
COMMENT ON VIEW bpm.task IS
    'Every human task; UPDATE status, output, assignee, priority, due_at, labels or follow_up_at to work one';

CREATE FUNCTION bpm.task_update() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_task_update';
COMMENT ON FUNCTION bpm.task_update() IS
    'Locks the instance, enforces the task rules, writes the task and advances the process';
CREATE FUNCTION bpm.task_refuse_write() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_task_refuse_write';
COMMENT ON FUNCTION bpm.task_refuse_write() IS
    'Refuses INSERT and DELETE of tasks: the engine creates them, and they are never removed';

CREATE TRIGGER task_update INSTEAD OF UPDATE ON bpm.task
    FOR EACH ROW EXECUTE FUNCTION bpm.task_update();
CREATE TRIGGER task_refuse_write INSTEAD OF INSERT OR DELETE ON bpm.task
    FOR EACH ROW EXECUTE FUNCTION bpm.task_refuse_write();

CREATE FUNCTION bpm.complete_task(task_id bigint, data jsonb DEFAULT '{}')
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'bpm_complete_task';
COMMENT ON FUNCTION bpm.complete_task(bigint, jsonb) IS
    'Complete an open task with output data (an UPDATE of bpm.task; the trigger does the rest)';

CREATE FUNCTION bpm.claim(task_id bigint) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_claim';
COMMENT ON FUNCTION bpm.claim(bigint) IS 'Assign an unassigned open task to the current actor';

CREATE FUNCTION bpm.unclaim(task_id bigint) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_unclaim';
COMMENT ON FUNCTION bpm.unclaim(bigint) IS 'Give a claimed task back to its candidate groups';

CREATE FUNCTION bpm.assign(task_id bigint, actor text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_assign';
COMMENT ON FUNCTION bpm.assign(bigint, text) IS 'Assign an open task to an actor (NULL unassigns)';

CREATE FUNCTION bpm.current_actor() RETURNS text
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'bpm_current_actor';
COMMENT ON FUNCTION bpm.current_actor() IS
    'The acting user: setting bpm.actor when set (refused with 42501 if it names another user and the role may not act for others), else the current role';

-- EXECUTE on bpm.act_as(text) is the right to act for others; it is
-- revoked from PUBLIC in 90_privileges.sql. See src/security/actor.c.
CREATE FUNCTION bpm.act_as(actor text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_act_as';
COMMENT ON FUNCTION bpm.act_as(text) IS
    'Act as another user for the rest of the transaction (SET LOCAL bpm.actor); NULL or empty goes back to the role. EXECUTE on it is the right to act for others';

-- Free tasks (no instance) are listed too, with business_key and
-- process_key NULL: hence the outer joins.
CREATE VIEW bpm.tasks AS
SELECT t.id, t.instance_id, i.business_key, d.key AS process_key, t.node_id,
       t.title, t.assignee, t.candidate_groups, t.priority, t.due_at, t.required,
       t.created_at, t.description, t.parent_task_id, t.labels, t.follow_up_at, t.owner,
       t.delegation_state
  FROM bpm.task_store t
  LEFT JOIN bpm.instance i ON i.id = t.instance_id
  LEFT JOIN bpm.definition d ON d.id = i.definition_id
 WHERE t.status = 'open';
COMMENT ON VIEW bpm.tasks IS 'Open tasks, of processes and free ones';

CREATE VIEW bpm.worklist AS
SELECT t.*
  FROM bpm.tasks t
 WHERE t.assignee = bpm.current_actor()
    OR (t.assignee IS NULL AND cardinality(t.candidate_groups) = 0)
    OR (t.assignee IS NULL AND EXISTS (
            SELECT 1 FROM bpm.actor_group g
             WHERE g.actor = bpm.current_actor()
               AND g.group_name = ANY (t.candidate_groups)));
COMMENT ON VIEW bpm.worklist IS 'Open tasks the current actor may work: assigned to them, or unclaimed in one of their groups';

-- Tasks and instances past their due date (a task's "due", a definition's
-- "due"), on the engine's clock: open or running and overdue now, or ended
-- late. completed_at is when the task was completed or the instance ended.
CREATE VIEW bpm.sla_breaches AS
SELECT 'task'::text AS kind, t.id AS task_id, t.instance_id, i.business_key, d.key AS process_key,
       t.node_id, t.title, t.status, t.assignee, t.candidate_groups, t.priority, t.due_at,
       t.completed_at, coalesce(t.completed_at, bpm.now()) - t.due_at AS overdue_by
  FROM bpm.task_store t
  LEFT JOIN bpm.instance i ON i.id = t.instance_id
  LEFT JOIN bpm.definition d ON d.id = i.definition_id
 WHERE t.due_at IS NOT NULL
   AND ((t.status = 'open' AND t.due_at < bpm.now())
        OR (t.status = 'completed' AND t.completed_at > t.due_at))
UNION ALL
SELECT 'instance', NULL, i.id, i.business_key, d.key,
       NULL, coalesce(d.name, d.key), i.state, NULL, NULL, NULL, i.due_at,
       i.ended_at, coalesce(i.ended_at, bpm.now()) - i.due_at
  FROM bpm.instance i
  JOIN bpm.definition d ON d.id = i.definition_id
 WHERE i.due_at IS NOT NULL
   AND ((i.state = 'running' AND i.due_at < bpm.now())
        OR (i.state = 'completed' AND i.ended_at > i.due_at));
COMMENT ON VIEW bpm.sla_breaches IS
    'Tasks and instances past their due date: open or running and overdue now, or completed late';
