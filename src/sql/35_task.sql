-- src/sql/35_task.sql: human tasks. Completing a task is an UPDATE of its
-- row; the triggers check the rules and move the process on.

CREATE FUNCTION bpm.task_before_update() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_task_before_update';
COMMENT ON FUNCTION bpm.task_before_update() IS
    'Enforces who may complete a task, required fields and four-eyes rules';
CREATE FUNCTION bpm.task_after_update() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_task_after_update';
COMMENT ON FUNCTION bpm.task_after_update() IS
    'Records task events and advances the process when a task is completed';
CREATE FUNCTION bpm.task_refuse_write() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_task_refuse_write';
COMMENT ON FUNCTION bpm.task_refuse_write() IS
    'Refuses INSERT and DELETE of process tasks outside the engine';

CREATE TRIGGER task_before_update BEFORE UPDATE ON bpm.task
    FOR EACH ROW EXECUTE FUNCTION bpm.task_before_update();
CREATE TRIGGER task_after_update AFTER UPDATE ON bpm.task
    FOR EACH ROW EXECUTE FUNCTION bpm.task_after_update();
CREATE TRIGGER task_refuse_write BEFORE INSERT OR DELETE ON bpm.task
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
    'The acting user: setting bpm.actor when set, else the current role';

CREATE VIEW bpm.tasks AS
SELECT t.id, t.instance_id, i.business_key, d.key AS process_key, t.node_id,
       t.title, t.assignee, t.candidate_groups, t.priority, t.due_at, t.required,
       t.created_at
  FROM bpm.task t
  JOIN bpm.instance i ON i.id = t.instance_id
  JOIN bpm.definition d ON d.id = i.definition_id
 WHERE t.status = 'open';
COMMENT ON VIEW bpm.tasks IS 'Open tasks';

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
