-- src/sql/60_case.sql: cases (CMMN). A case is a bpm.instance of kind
-- 'case' whose data is the case file; each occurrence of a plan item is a
-- row of bpm.plan_item (src/case/case.c). Human tasks of a case are bpm.task
-- rows whose node_id is the plan item id and token_id its occurrence.

CREATE TABLE bpm.plan_item (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES bpm.instance,
    item_id     text NOT NULL,      -- the definition's plan item id; '' for the case plan itself
    type        text NOT NULL
                CHECK (type IN ('case_plan', 'human_task', 'stage', 'milestone', 'timer_listener',
                                'user_listener', 'process_task', 'case_task')),
    stage_id    bigint REFERENCES bpm.plan_item,    -- the stage occurrence it belongs to; NULL: the case plan
    occurrence  integer NOT NULL,
    state       text NOT NULL
                CHECK (state IN ('available', 'enabled', 'disabled', 'active', 'completed',
                                 'terminated', 'failed', 'suspended')),
    seen        text[] NOT NULL DEFAULT '{}',       -- on-parts its sentries have seen: e<n>:/x<n>:<part>
    task_id     bigint,
    child_id    bigint,             -- process or case task: the instance it started
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    suspended_from text                 -- suspended with its stage: the state it goes back to
                CHECK (suspended_from IN ('available', 'enabled', 'disabled', 'active'))
);
CREATE INDEX plan_item_case_idx ON bpm.plan_item (case_id, item_id);
CREATE INDEX plan_item_stage_idx ON bpm.plan_item (stage_id);
COMMENT ON TABLE bpm.plan_item IS
    'One row per occurrence of a case plan item, with its CMMN lifecycle state';
COMMENT ON COLUMN bpm.plan_item.suspended_from IS
    'An item suspended with its stage (parent_suspend): the state it goes back to when the stage resumes; NULL otherwise';
-- Deleted by the engine only, as the runtime rows of 20_runtime.sql (src/audit/guard.c).
CREATE TRIGGER plan_item_engine_only BEFORE DELETE ON bpm.plan_item
    FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard('case_id');
CREATE TRIGGER plan_item_no_truncate BEFORE TRUNCATE ON bpm.plan_item
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard();

CREATE TABLE bpm.case_role (
    case_id    bigint NOT NULL REFERENCES bpm.instance,
    role       text NOT NULL,
    actor      text NOT NULL,
    granted_at timestamptz NOT NULL,
    granted_by text NOT NULL,
    PRIMARY KEY (case_id, role, actor)
);
CREATE INDEX case_role_actor_idx ON bpm.case_role (actor);
COMMENT ON TABLE bpm.case_role IS
    'Who holds which role in which case; a role task''s candidate group is case:<id>:<role>';

CREATE VIEW bpm.cases AS
SELECT i.id, d.key, d.version, i.business_key, i.state, i.data,
       i.started_at, i.started_by, i.due_at, i.ended_at, i.end_reason AS outcome
  FROM bpm.instance i
  JOIN bpm.definition d ON d.id = i.definition_id
 WHERE i.kind = 'case';
COMMENT ON VIEW bpm.cases IS
    'Cases with their case file (data); UPDATE of data is a case-file change, like bpm.update_case';

CREATE FUNCTION bpm.case_update() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_case_update';
COMMENT ON FUNCTION bpm.case_update() IS
    'INSTEAD OF UPDATE on bpm.cases: a new case file, with the rules of bpm.update_case';
CREATE TRIGGER case_update INSTEAD OF UPDATE ON bpm.cases
    FOR EACH ROW EXECUTE FUNCTION bpm.case_update();

-- What an item waits for, in words: its entry criteria while available, a
-- person while enabled, its task while active.
CREATE VIEW bpm.case_plan AS
SELECT p.case_id, p.item_id, p.type, p.state, p.occurrence,
       s.item_id AS stage, p.task_id, p.child_id,
       coalesce((n.properties->>'required')::boolean, false) AS required,
       CASE p.state
           WHEN 'available' THEN
               CASE WHEN p.type IN ('timer_listener', 'user_listener') THEN 'occurrence'
                    ELSE 'entry: ' || coalesce(n.properties->>'entry', 'none') END
           WHEN 'enabled' THEN 'manual start'
           WHEN 'active' THEN CASE WHEN p.task_id IS NOT NULL THEN 'task ' || p.task_id
                                   WHEN p.child_id IS NOT NULL THEN 'instance ' || p.child_id
                                   ELSE 'its items' END
       END AS waits_for,
       p.id AS plan_item_id, p.created_at, p.updated_at
  FROM bpm.plan_item p
  JOIN bpm.instance i ON i.id = p.case_id
  LEFT JOIN bpm.node n ON n.definition_id = i.definition_id AND n.id = p.item_id
  LEFT JOIN bpm.plan_item s ON s.id = p.stage_id AND s.stage_id IS NOT NULL
 WHERE p.stage_id IS NOT NULL;
COMMENT ON VIEW bpm.case_plan IS 'Every plan item occurrence of every case, with its state and what it waits for';

CREATE FUNCTION bpm.open_case(key text, data jsonb DEFAULT '{}', business_key text DEFAULT NULL)
    RETURNS bigint LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_open_case';
COMMENT ON FUNCTION bpm.open_case(text, jsonb, text) IS
    'Open a case of the latest version of a case definition; returns the case (instance) id';

CREATE FUNCTION bpm.update_case(case_id bigint, patch jsonb) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_update_case';
COMMENT ON FUNCTION bpm.update_case(bigint, jsonb) IS
    'Merge a patch into the case file; sentries listening to the changed fields react';

CREATE FUNCTION bpm.start_item(case_id bigint, item_id text) RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_start_item';
COMMENT ON FUNCTION bpm.start_item(bigint, text) IS
    'Manually start an enabled plan item; returns its plan_item id';

CREATE FUNCTION bpm.plan_item(case_id bigint, item_id text) RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_plan_item';
COMMENT ON FUNCTION bpm.plan_item(bigint, text) IS
    'Plan a discretionary item at run time, if applicable; returns its plan_item id';

CREATE FUNCTION bpm.trigger_listener(case_id bigint, listener_id text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_trigger_listener';
COMMENT ON FUNCTION bpm.trigger_listener(bigint, text) IS 'A user event listener of the case occurs';

CREATE FUNCTION bpm.disable_item(case_id bigint, item_id text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_disable_item';
COMMENT ON FUNCTION bpm.disable_item(bigint, text) IS 'Set an enabled plan item aside (disabled)';

CREATE FUNCTION bpm.reenable_item(case_id bigint, item_id text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_reenable_item';
COMMENT ON FUNCTION bpm.reenable_item(bigint, text) IS 'Enable a disabled plan item again';

CREATE FUNCTION bpm.suspend_item(case_id bigint, item_id text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_suspend_item';
COMMENT ON FUNCTION bpm.suspend_item(bigint, text) IS
    'Put an active plan item on hold (suspended): its task cannot be completed meanwhile';

CREATE FUNCTION bpm.resume_item(case_id bigint, item_id text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_resume_item';
COMMENT ON FUNCTION bpm.resume_item(bigint, text) IS 'Make a suspended plan item active again';

CREATE FUNCTION bpm.complete_stage(case_id bigint, stage_id text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_complete_stage';
COMMENT ON FUNCTION bpm.complete_stage(bigint, text) IS
    'Complete an active stage by hand once its required items are done and none is active';

CREATE FUNCTION bpm.close_case(case_id bigint, outcome text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_close_case';
COMMENT ON FUNCTION bpm.close_case(bigint, text) IS
    'Complete a case with an outcome; refused while a required item is open';

CREATE FUNCTION bpm.reopen_case(case_id bigint, reason text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_reopen_case';
COMMENT ON FUNCTION bpm.reopen_case(bigint, text) IS 'Open a closed case again';

CREATE FUNCTION bpm.escalate_to_case(instance_id bigint, case_key text, reason text)
    RETURNS bigint LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_escalate_to_case';
COMMENT ON FUNCTION bpm.escalate_to_case(bigint, text, text) IS
    'Hand a running process over to a new case with its data; the process ends; returns the case id';

CREATE FUNCTION bpm.add_task(case_id bigint, title text, assignee text DEFAULT NULL,
                             candidate_groups text[] DEFAULT '{}', priority integer DEFAULT 50,
                             due interval DEFAULT NULL)
    RETURNS bigint LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_add_task';
COMMENT ON FUNCTION bpm.add_task(bigint, text, text, text[], integer, interval) IS
    'Ad-hoc work on a case outside its plan: a task whose output goes into the case file';

CREATE FUNCTION bpm.comment_case(case_id bigint, body text) RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_comment_case';
COMMENT ON FUNCTION bpm.comment_case(bigint, text) IS 'Add a comment to a case as a whole; returns its id';

CREATE FUNCTION bpm.grant_case_role(case_id bigint, role text, actor text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_grant_case_role';
COMMENT ON FUNCTION bpm.grant_case_role(bigint, text, text) IS
    'Give an actor a role in a case (and its tasks for that role); owners and operators only';

CREATE FUNCTION bpm.revoke_case_role(case_id bigint, role text, actor text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_revoke_case_role';
COMMENT ON FUNCTION bpm.revoke_case_role(bigint, text, text) IS
    'Take a role in a case away from an actor; the last owner stays';

-- The cases the current actor holds a role in, with those roles.
CREATE VIEW bpm.my_cases AS
SELECT c.*, r.roles
  FROM bpm.cases c
  JOIN (SELECT case_id, array_agg(role ORDER BY role) AS roles
          FROM bpm.case_role WHERE actor = bpm.current_actor() GROUP BY case_id) r
    ON r.case_id = c.id;
COMMENT ON VIEW bpm.my_cases IS 'Cases in which the current actor holds a role, with the roles';
