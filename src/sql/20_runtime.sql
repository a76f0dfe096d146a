-- src/sql/20_runtime.sql: instances, tokens, tasks, jobs.
--
-- Every runtime table carries the id of its (root) instance. Rows are
-- written only by the engine, which runs as the owner of these tables.
-- People change tasks through the view bpm.task (35_task.sql).

CREATE TABLE bpm.instance (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL DEFAULT 'process' CHECK (kind IN ('process', 'case')),
    definition_id   bigint NOT NULL REFERENCES bpm.definition,
    parent_id       bigint REFERENCES bpm.instance,  -- the instance that started it
    parent_token    bigint,         -- the parent's token that waits for it (escalate_to_case)
    business_key    text,
    state           text NOT NULL DEFAULT 'running'
                    CHECK (state IN ('running', 'completed', 'terminated')),
    data            jsonb NOT NULL DEFAULT '{}',
    started_at      timestamptz NOT NULL DEFAULT bpm.now(),
    started_by      text NOT NULL,
    due_at          timestamptz,    -- the definition's "due": when the instance should have ended
    ended_at        timestamptz,
    ended_by        text,
    end_reason      text,
    last_event_id   bigint,
    last_event_hash bytea,
    root_id         bigint NOT NULL, -- the first of its family: its own id, or its parent's root_id
    tokens_hash     bytea            -- the tokens it rests with, as the engine's last step left them
);
CREATE INDEX instance_running_idx ON bpm.instance (definition_id) WHERE state = 'running';
CREATE INDEX instance_due_idx ON bpm.instance (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX instance_business_key_idx ON bpm.instance (business_key) WHERE business_key IS NOT NULL;
-- The instances an instance started (bpm.history's family, a case's children).
CREATE INDEX instance_parent_idx ON bpm.instance (parent_id) WHERE parent_id IS NOT NULL;
COMMENT ON TABLE bpm.instance IS 'Process instances and cases; data holds the process variables or the case file';
COMMENT ON COLUMN bpm.instance.root_id IS
    'The root of the instance''s family (its own id for an instance no other started): locked first by every engine write to any member; never changes';
-- The family of an instance never changes: the engine locks the root first
-- (src/process/family.c), knowing root_id before any lock. No index: the
-- engine reads root_id by the primary key only.
CREATE FUNCTION bpm.instance_refuse_new_family() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.root_id IS DISTINCT FROM OLD.root_id OR NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
        RAISE EXCEPTION 'the family of instance % cannot change', OLD.id
            USING ERRCODE = '42501',
                  DETAIL = 'parent_id and root_id are set when the instance is created; the engine locks families by them.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION bpm.instance_refuse_new_family() IS
    'Trigger: refuses an UPDATE of bpm.instance that changes parent_id or root_id';
CREATE TRIGGER instance_family_immutable BEFORE UPDATE OF parent_id, root_id ON bpm.instance
    FOR EACH ROW EXECUTE FUNCTION bpm.instance_refuse_new_family();
COMMENT ON COLUMN bpm.instance.last_event_hash IS 'Hash of the newest event of this instance: the anchor of its event chain';
COMMENT ON COLUMN bpm.instance.tokens_hash IS
    'Hash of the bpm.token rows the instance rests with, written when an engine step ends: the anchor bpm.verify_state checks them against';

CREATE TABLE bpm.token (
    instance_id  bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    node_id      text NOT NULL,
    scope_id     bigint,
    state        text NOT NULL CHECK (state IN ('waiting', 'joining', 'scope')),
    arrived_via  text,
    created_at   timestamptz NOT NULL DEFAULT bpm.now(),
    PRIMARY KEY (instance_id, id)
);
COMMENT ON TABLE bpm.token IS 'Where running instances wait: at a task (waiting), a join (joining) or inside a sub-process (scope)';

-- A task with instance_id NULL is a free task (bpm.create_task): no
-- process or case waits for it, and it has no token, node or escalation.
CREATE TABLE bpm.task_store (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id      bigint,
    token_id         bigint,
    node_id          text,
    title            text NOT NULL,
    status           text NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'completed', 'cancelled')),
    assignee         text,
    candidate_groups text[] NOT NULL DEFAULT '{}',
    priority         integer NOT NULL DEFAULT 50,
    due_at           timestamptz,
    required         text[] NOT NULL DEFAULT '{}',
    output           jsonb,
    created_at       timestamptz NOT NULL DEFAULT bpm.now(),
    completed_at     timestamptz,
    completed_by     text,
    escalation_of    bigint,
    -- task management (37_task_management.sql); no foreign key on
    -- parent_task_id, so that pg_dump's data order never matters
    description      text,
    parent_task_id   bigint,
    labels           text[] NOT NULL DEFAULT '{}',
    follow_up_at     timestamptz,
    owner            text,
    delegation_state text CHECK (delegation_state IN ('pending', 'resolved')),
    created_by       text,
    CONSTRAINT task_free_shape
        CHECK (instance_id IS NOT NULL OR (token_id IS NULL AND node_id IS NULL AND escalation_of IS NULL)),
    CONSTRAINT task_delegation_shape CHECK ((owner IS NULL) = (delegation_state IS NULL))
);
CREATE INDEX task_instance_idx ON bpm.task_store (instance_id, node_id);
CREATE INDEX task_open_assignee_idx ON bpm.task_store (assignee) WHERE status = 'open';
CREATE INDEX task_parent_idx ON bpm.task_store (parent_task_id) WHERE parent_task_id IS NOT NULL;
-- The instances an actor takes part in, read as one set by bpm.may_see
-- for a query over many cases (src/security/visibility.c, DIRECT_SQL): a task
-- assigned to them (open or not), delegated by them, completed by them,
-- or open for one of their groups. Each keeps that read to the actor's
-- own tasks instead of the whole task history.
CREATE INDEX task_assignee_idx ON bpm.task_store (assignee) WHERE assignee IS NOT NULL;
CREATE INDEX task_owner_idx ON bpm.task_store (owner) WHERE owner IS NOT NULL;
CREATE INDEX task_completed_by_idx ON bpm.task_store (completed_by) WHERE completed_by IS NOT NULL;
CREATE INDEX task_open_groups_idx ON bpm.task_store USING gin (candidate_groups) WHERE status = 'open';
COMMENT ON TABLE bpm.task_store IS 'The rows behind the view bpm.task; written only by the engine';
COMMENT ON COLUMN bpm.task_store.escalation_of IS 'An escalation task: the overdue task it was opened for (completing it moves no process)';
COMMENT ON COLUMN bpm.task_store.instance_id IS 'The task''s instance; NULL for a free task (bpm.create_task)';
COMMENT ON COLUMN bpm.task_store.owner IS 'A delegated task: who delegated it and completes it once the delegate has resolved it';
COMMENT ON COLUMN bpm.task_store.delegation_state IS 'NULL, pending (the delegate works it) or resolved (back with its owner)';

CREATE TABLE bpm.job (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id     bigint,         -- NULL only for a start timer, which has no instance yet
    definition_id   bigint REFERENCES bpm.definition,   -- set only for a start timer
    token_id        bigint,
    node_id         text NOT NULL,
    kind            text NOT NULL DEFAULT 'external'
                    CHECK (kind IN ('external', 'timer', 'async', 'service', 'escalation', 'boundary',
                                    'start_timer', 'case_timer')),
    topic           text,
    retries         integer NOT NULL CHECK (retries >= 0),
    attempts        integer NOT NULL DEFAULT 0,
    due_at          timestamptz NOT NULL DEFAULT bpm.now(),
    locked_by       text,
    lock_expires_at timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT bpm.now(),
    cycle_start     timestamptz,
    occurrence      integer,
    CHECK ((kind = 'start_timer') = (instance_id IS NULL)),
    CHECK ((kind = 'start_timer') = (definition_id IS NOT NULL))
);
CREATE INDEX job_fetch_idx ON bpm.job (topic, due_at) WHERE retries > 0;
CREATE INDEX job_due_idx ON bpm.job (due_at, id) WHERE retries > 0 AND kind <> 'external';
CREATE INDEX job_instance_idx ON bpm.job (instance_id);
CREATE INDEX job_start_timer_idx ON bpm.job (due_at) WHERE kind = 'start_timer';
COMMENT ON TABLE bpm.job IS 'Work to do later or elsewhere; a job with no retries left is an incident';
COMMENT ON COLUMN bpm.job.occurrence IS 'A repeating boundary timer: which occurrence of its cycle this job waits for (from 1), counted from cycle_start';

CREATE TABLE bpm.actor_group (
    actor      text NOT NULL,
    group_name text NOT NULL,
    PRIMARY KEY (actor, group_name)
);
COMMENT ON TABLE bpm.actor_group IS 'Which actors belong to which candidate groups';

-- Nothing lost (src/audit/guard.c): an instance row is never deleted (a
-- running one is cancelled with bpm.cancel; an ended one is history), and
-- the rows of an instance in the runtime tables are deleted by the engine
-- only. Triggers rather than foreign keys: they cost nothing on the inserts
-- of the hot path. bpm.plan_item's is in 60_case.sql.
CREATE FUNCTION bpm.runtime_guard() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_runtime_guard';
COMMENT ON FUNCTION bpm.runtime_guard() IS
    'Refuses DELETE of an instance, DELETE of an instance''s runtime rows other than by the engine, and TRUNCATE';
CREATE TRIGGER instance_kept BEFORE DELETE ON bpm.instance
    FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard();
CREATE TRIGGER instance_no_truncate BEFORE TRUNCATE ON bpm.instance
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard();
CREATE TRIGGER token_engine_only BEFORE DELETE ON bpm.token
    FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard('instance_id');
CREATE TRIGGER token_no_truncate BEFORE TRUNCATE ON bpm.token
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard();
CREATE TRIGGER task_engine_only BEFORE DELETE ON bpm.task_store
    FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard('instance_id');
CREATE TRIGGER task_no_truncate BEFORE TRUNCATE ON bpm.task_store
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard();
CREATE TRIGGER job_engine_only BEFORE DELETE ON bpm.job
    FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard('instance_id');
CREATE TRIGGER job_no_truncate BEFORE TRUNCATE ON bpm.job
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard();
