-- src/sql/00_schema.sql: pg_bpm install script, part 0 (guard and comment).
\echo Use "CREATE EXTENSION pg_bpm" to load this file. \quit

COMMENT ON SCHEMA bpm IS 'pg_bpm: business processes, cases and tasks';
-- src/sql/10_definition.sql: deployed definitions, their nodes and flows.
--
-- Definitions are immutable once deployed: a new deployment of a key makes a
-- new version, so backends cache compiled graphs without invalidation.

CREATE TABLE bpm.definition (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key           text NOT NULL,
    version       integer NOT NULL,
    kind          text NOT NULL DEFAULT 'process'
                  CHECK (kind IN ('process', 'case', 'decision')),
    name          text,
    source_format text NOT NULL DEFAULT 'json'
                  CHECK (source_format IN ('json', 'bpmn', 'cmmn', 'dmn')),
    source        jsonb NOT NULL,
    content_hash  bytea NOT NULL,
    deployed_at   timestamptz NOT NULL DEFAULT now(),
    deployed_by   text NOT NULL,
    deployed_by_oid oid NOT NULL,
    UNIQUE (key, version)
);
COMMENT ON TABLE bpm.definition IS 'One row per deployed version of a process definition; immutable';

CREATE TABLE bpm.node (
    definition_id bigint NOT NULL REFERENCES bpm.definition ON DELETE CASCADE,
    id            text NOT NULL,
    type          text NOT NULL,
    name          text,
    scope         text,
    properties    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (definition_id, id)
);
COMMENT ON TABLE bpm.node IS 'The elements of a deployed definition; scope is the enclosing sub-process';

CREATE TABLE bpm.flow (
    definition_id bigint NOT NULL REFERENCES bpm.definition ON DELETE CASCADE,
    id            text NOT NULL,
    source        text NOT NULL,
    target        text NOT NULL,
    condition     jsonpath,
    is_default    boolean NOT NULL DEFAULT false,
    position      integer NOT NULL,
    PRIMARY KEY (definition_id, id),
    FOREIGN KEY (definition_id, source) REFERENCES bpm.node (definition_id, id),
    FOREIGN KEY (definition_id, target) REFERENCES bpm.node (definition_id, id)
);
COMMENT ON TABLE bpm.flow IS 'Sequence flows of a deployed definition, in definition order';

CREATE VIEW bpm.definitions AS
SELECT d.id, d.key, d.version, d.kind, d.name, d.deployed_at, d.deployed_by,
       d.version = max(d.version) OVER (PARTITION BY d.key) AS is_latest,
       (SELECT count(*) FROM bpm.node n WHERE n.definition_id = d.id) AS nodes
  FROM bpm.definition d;
COMMENT ON VIEW bpm.definitions IS 'Deployed definitions, one row per version';

CREATE FUNCTION bpm.deploy(definition jsonb) RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'bpm_deploy';
COMMENT ON FUNCTION bpm.deploy(jsonb) IS
    'Validate and deploy a definition; identical content to the latest version returns its id';
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
    started_at      timestamptz NOT NULL DEFAULT now(),
    started_by      text NOT NULL,
    due_at          timestamptz,    -- the definition's "due": when the instance should have ended
    ended_at        timestamptz,
    ended_by        text,
    end_reason      text,
    last_event_id   bigint,
    last_event_hash bytea
);
CREATE INDEX instance_running_idx ON bpm.instance (definition_id) WHERE state = 'running';
CREATE INDEX instance_due_idx ON bpm.instance (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX instance_business_key_idx ON bpm.instance (business_key) WHERE business_key IS NOT NULL;
-- The instances an instance started (bpm.history's family, a case's children).
CREATE INDEX instance_parent_idx ON bpm.instance (parent_id) WHERE parent_id IS NOT NULL;
COMMENT ON TABLE bpm.instance IS 'Process instances and cases; data holds the process variables or the case file';
COMMENT ON COLUMN bpm.instance.last_event_hash IS 'Hash of the newest event of this instance: the anchor of its event chain';

CREATE TABLE bpm.token (
    instance_id  bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    node_id      text NOT NULL,
    scope_id     bigint,
    state        text NOT NULL CHECK (state IN ('waiting', 'joining', 'scope')),
    arrived_via  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
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
    created_at       timestamptz NOT NULL DEFAULT now(),
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
-- for a query over many cases (src/visibility.c, DIRECT_SQL): a task
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
    due_at          timestamptz NOT NULL DEFAULT now(),
    locked_by       text,
    lock_expires_at timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
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
-- src/sql/30_process.sql: starting and cancelling process instances.

CREATE FUNCTION bpm.start(key text, data jsonb DEFAULT '{}', business_key text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'bpm_start';
COMMENT ON FUNCTION bpm.start(text, jsonb, text) IS
    'Start an instance of the latest version of a process definition; returns the instance id';

CREATE FUNCTION bpm.cancel(instance_id bigint, reason text DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'bpm_cancel';
COMMENT ON FUNCTION bpm.cancel(bigint, text) IS
    'Terminate a running instance, cancelling its open tasks and jobs';

CREATE VIEW bpm.processes AS
SELECT i.id, d.key, d.version, i.business_key, i.state, i.data,
       i.started_at, i.started_by, i.due_at, i.ended_at, i.end_reason,
       ARRAY(SELECT t.node_id FROM bpm.token t
              WHERE t.instance_id = i.id AND t.state <> 'scope'
              ORDER BY t.id) AS waiting_at
  FROM bpm.instance i
  JOIN bpm.definition d ON d.id = i.definition_id
 WHERE i.kind = 'process';
COMMENT ON VIEW bpm.processes IS 'Process instances with their definition and the nodes where they wait';
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
-- revoked from PUBLIC in 90_privileges.sql. See src/actor.c.
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

CREATE FUNCTION bpm.now() RETURNS timestamptz
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'bpm_now';
COMMENT ON FUNCTION bpm.now() IS
    'The engine''s clock: pg_bpm.mock_now when set, else the start of the transaction';

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
-- src/sql/37_task_management.sql: task management. Free tasks (outside any
-- process or case) and subtasks, delegation, comments, boards (kanban) and
-- the worklist views of the current actor.
--
-- Free tasks and the task columns of task management (description,
-- parent_task_id, labels, follow_up_at, owner, delegation_state,
-- created_by) live in bpm.task_store (20_runtime.sql) and are worked
-- through the view bpm.task and its trigger (35_task.sql), like every task.

CREATE FUNCTION bpm.create_task(title text, description text DEFAULT NULL,
                                assignee text DEFAULT NULL, candidate_groups text[] DEFAULT '{}',
                                priority integer DEFAULT 50, due_at timestamptz DEFAULT NULL,
                                parent_task_id bigint DEFAULT NULL, labels text[] DEFAULT '{}',
                                follow_up_at timestamptz DEFAULT NULL, board text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_create_task';
COMMENT ON FUNCTION bpm.create_task(text, text, text, text[], integer, timestamptz, bigint, text[], timestamptz, text) IS
    'Create a free task (no process or case waits for it), optionally a subtask and on a board; returns its id';

CREATE FUNCTION bpm.delegate(task_id bigint, to_actor text) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_delegate';
COMMENT ON FUNCTION bpm.delegate(bigint, text) IS
    'The assignee hands a task to a delegate, who works and resolves it; then the owner completes it';

-- ------------------------------------------------------------- comments
-- A comment belongs to a task or to an instance (a case's comments: the
-- shape is here, the API comes with cases). A task's comment also carries
-- the task's instance, NULL for a free task.
CREATE TABLE bpm.comment (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id bigint,
    task_id     bigint,
    actor       text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT comment_target CHECK (task_id IS NOT NULL OR instance_id IS NOT NULL)
);
CREATE INDEX comment_task_idx ON bpm.comment (task_id, id) WHERE task_id IS NOT NULL;
CREATE INDEX comment_instance_idx ON bpm.comment (instance_id, id) WHERE instance_id IS NOT NULL;
COMMENT ON TABLE bpm.comment IS
    'Comments on a task (task_id, and its instance_id if any) or on an instance (task_id NULL); append-only';

CREATE FUNCTION bpm.comment(task_id bigint, body text) RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_comment';
COMMENT ON FUNCTION bpm.comment(bigint, text) IS 'Add a comment to a task; returns its id';

CREATE VIEW bpm.comments AS
SELECT c.id, c.task_id, t.title AS task_title, c.instance_id, c.actor, c.body, c.created_at
  FROM bpm.comment c
  LEFT JOIN bpm.task_store t ON t.id = c.task_id
 ORDER BY c.id;
COMMENT ON VIEW bpm.comments IS 'Comments, oldest first, with the title of their task';

-- --------------------------------------------------------------- boards
-- bpm.task_board: named boards (the view bpm.board shows their cards);
-- bpm.board_column: their columns in order, the last one final; a task's
-- card is on one board at most, at a dense position (1, 2, ...) within its
-- column. The unique slot is checked at the end of each statement, so a
-- move may renumber the column in one UPDATE.
CREATE TABLE bpm.task_board (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL
);
COMMENT ON TABLE bpm.task_board IS 'Boards (kanban) of task cards; see the view bpm.board';

CREATE TABLE bpm.board_column (
    board_id    bigint NOT NULL REFERENCES bpm.task_board,
    position    integer NOT NULL CHECK (position >= 1),
    name        text NOT NULL,
    is_final    boolean NOT NULL,
    PRIMARY KEY (board_id, position),
    UNIQUE (board_id, name)
);
COMMENT ON TABLE bpm.board_column IS
    'The columns of a board, in order; the last is final: a card moved there completes its task';

CREATE TABLE bpm.board_card (
    task_id         bigint PRIMARY KEY REFERENCES bpm.task_store,
    board_id        bigint NOT NULL,
    column_position integer NOT NULL,
    position        integer NOT NULL CHECK (position >= 1),
    FOREIGN KEY (board_id, column_position) REFERENCES bpm.board_column,
    CONSTRAINT board_card_slot UNIQUE (board_id, column_position, position) DEFERRABLE
);
COMMENT ON TABLE bpm.board_card IS 'Where a task''s card is: board, column, position (from 1, dense)';

CREATE FUNCTION bpm.create_board(name text, columns text[]) RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_create_board';
COMMENT ON FUNCTION bpm.create_board(text, text[]) IS
    'Create a board with its columns in order (the last is final); returns its id';

CREATE FUNCTION bpm.move_task(task_id bigint, column_name text, pos integer DEFAULT NULL,
                              board text DEFAULT NULL, data jsonb DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_move_task';
COMMENT ON FUNCTION bpm.move_task(bigint, text, integer, text, jsonb) IS
    'Move a task''s card to a column (and position) of its board; the final column completes the task';

CREATE VIEW bpm.board AS
SELECT b.name AS board, col.name AS "column", c.position, t.id AS task_id, t.title, t.status,
       t.assignee, t.owner, t.delegation_state, t.candidate_groups, t.priority, t.due_at,
       t.labels, t.parent_task_id, t.instance_id, col.position AS column_position, col.is_final
  FROM bpm.board_card c
  JOIN bpm.task_board b ON b.id = c.board_id
  JOIN bpm.board_column col ON col.board_id = c.board_id AND col.position = c.column_position
  JOIN bpm.task_store t ON t.id = c.task_id
 ORDER BY b.name, col.position, c.position;
COMMENT ON VIEW bpm.board IS 'The cards of every board, by board, column order and position';

-- ----------------------------------------------------- worklist views
-- For the current actor (bpm.current_actor()); bpm.worklist (35_task.sql)
-- is all of them together.
CREATE VIEW bpm.my_tasks AS
SELECT t.*
  FROM bpm.tasks t
 WHERE t.assignee = bpm.current_actor();
COMMENT ON VIEW bpm.my_tasks IS
    'Open tasks assigned to the current actor (delegated ones included: the delegate is the assignee)';

CREATE VIEW bpm.group_tasks AS
SELECT t.*
  FROM bpm.tasks t
 WHERE t.assignee IS NULL
   AND EXISTS (SELECT 1 FROM bpm.actor_group g
                WHERE g.actor = bpm.current_actor() AND g.group_name = ANY (t.candidate_groups));
COMMENT ON VIEW bpm.group_tasks IS 'Unclaimed open tasks of the current actor''s candidate groups';

CREATE VIEW bpm.overdue_tasks AS
SELECT w.*, bpm.now() - w.due_at AS overdue_by
  FROM bpm.worklist w
 WHERE w.due_at < bpm.now();
COMMENT ON VIEW bpm.overdue_tasks IS
    'Open tasks the current actor may work that are past their due date on the engine''s clock';

CREATE VIEW bpm.tasks_by_case AS
SELECT w.instance_id, i.kind, w.business_key, w.process_key, count(*) AS open_tasks,
       array_agg(w.id ORDER BY w.priority DESC, w.id) AS task_ids, min(w.due_at) AS next_due_at
  FROM bpm.worklist w
  LEFT JOIN bpm.instance i ON i.id = w.instance_id
 GROUP BY w.instance_id, i.kind, w.business_key, w.process_key
 ORDER BY w.instance_id NULLS LAST;
COMMENT ON VIEW bpm.tasks_by_case IS
    'The current actor''s open tasks grouped by instance or case (free tasks: instance_id NULL)';
-- src/sql/38_job.sql: jobs. External service tasks are fetched and completed
-- by workers in any language over SQL; timers, async continuations and SQL
-- service tasks are run by bpm.run_jobs (and the background runners).

CREATE FUNCTION bpm.fetch_and_lock(topic text, worker text, max_jobs integer DEFAULT 1,
                                   lock_for interval DEFAULT '5 minutes')
    RETURNS SETOF bpm.job
    LANGUAGE c VOLATILE ROWS 1
    AS 'MODULE_PATHNAME', 'bpm_fetch_and_lock';
COMMENT ON FUNCTION bpm.fetch_and_lock(text, text, integer, interval) IS
    'Lock up to max_jobs due jobs of a topic for a worker (SKIP LOCKED); an expired lock is fetchable again';

CREATE FUNCTION bpm.complete_job(job_id bigint, worker text, data jsonb DEFAULT '{}')
    RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_complete_job';
COMMENT ON FUNCTION bpm.complete_job(bigint, text, jsonb) IS
    'Complete a locked job: merge its data and move the instance on';

CREATE FUNCTION bpm.fail_job(job_id bigint, worker text, error text,
                             retry_in interval DEFAULT '10 seconds')
    RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_fail_job';
COMMENT ON FUNCTION bpm.fail_job(bigint, text, text, interval) IS
    'Report a failed attempt: one retry less, fetchable again after retry_in; at zero an incident';

CREATE FUNCTION bpm.throw_error(job_id bigint, worker text, code text, message text DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_throw_error';
COMMENT ON FUNCTION bpm.throw_error(bigint, text, text, text) IS
    'Report a BPMN error on a locked job: an error boundary event for the code takes over, else it counts as a failed attempt';

CREATE FUNCTION bpm.bpmn_error(code text, message text DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_bpmn_error';
COMMENT ON FUNCTION bpm.bpmn_error(text, text) IS
    'Raise a BPMN error (SQLSTATE BPMNE, message = code, detail = message) from a script or SQL service task function';

CREATE FUNCTION bpm.retry_incident(job_id bigint, retries integer DEFAULT 1)
    RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_retry_incident';
COMMENT ON FUNCTION bpm.retry_incident(bigint, integer) IS
    'Give an incident new retries and make it fetchable now';

CREATE VIEW bpm.incidents AS
SELECT j.instance_id, j.id AS job_id, j.node_id, j.topic, j.last_error AS error,
       j.attempts, j.created_at, i.business_key, j.kind
  FROM bpm.job j
  JOIN bpm.instance i ON i.id = j.instance_id
 WHERE j.retries = 0;
COMMENT ON VIEW bpm.incidents IS 'Jobs whose retries are exhausted, waiting for an operator';

CREATE FUNCTION bpm.run_jobs(max_jobs integer DEFAULT 100) RETURNS integer
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'bpm_run_jobs';
COMMENT ON FUNCTION bpm.run_jobs(integer) IS
    'Run up to max_jobs due internal jobs (timers, boundary timers, escalations, async continuations, SQL service tasks); returns how many ran';

-- A transaction that writes an internal job due sooner than the scheduler's
-- next wake-up wakes the scheduler when it commits (src/workers.c).
CREATE FUNCTION bpm.job_wake_scheduler() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_job_wake_scheduler';
COMMENT ON FUNCTION bpm.job_wake_scheduler() IS
    'Wakes the database''s scheduler at commit when an internal job falls due sooner than it would wake';
CREATE TRIGGER job_wake_scheduler
    BEFORE INSERT OR UPDATE OF due_at, retries ON bpm.job
    FOR EACH ROW EXECUTE FUNCTION bpm.job_wake_scheduler();
-- src/sql/40_event.sql: the append-only, hash-chained event log.

CREATE TABLE bpm.event (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id   bigint,
    at            timestamptz NOT NULL,
    txid          bigint NOT NULL,
    actor         text NOT NULL,
    kind          text NOT NULL,
    node_id       text,
    task_id       bigint,
    job_id        bigint,
    definition_id bigint,
    data          jsonb,
    prev_hash     bytea,
    hash          bytea NOT NULL
);
CREATE INDEX event_instance_idx ON bpm.event (instance_id, id);
COMMENT ON TABLE bpm.event IS 'Append-only history: one row per state change, SHA-256 chained per instance';

CREATE FUNCTION bpm.event_guard() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_event_guard';
COMMENT ON FUNCTION bpm.event_guard() IS 'Refuses UPDATE, DELETE and TRUNCATE of bpm.event';

CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON bpm.event
    FOR EACH ROW EXECUTE FUNCTION bpm.event_guard();
CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON bpm.event
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.event_guard();

CREATE FUNCTION bpm.verify_events(instance_id bigint)
    RETURNS TABLE (ok boolean, first_bad_event bigint)
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'bpm_verify_events';
COMMENT ON FUNCTION bpm.verify_events(bigint) IS
    'Recompute the hash chain of one instance; names the first event that was changed, removed or reordered';

-- The instances a case started (process and case tasks), and theirs, share
-- its timeline: one history, with the instance of each event.
CREATE FUNCTION bpm.history(instance_id bigint)
    RETURNS TABLE (event_id bigint, at timestamptz, actor text, kind text,
                   node_id text, task_id bigint, job_id bigint, data jsonb,
                   of_instance bigint)
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
        WITH RECURSIVE family(id) AS (
            SELECT $1
            UNION ALL
            SELECT i.id FROM bpm.instance i JOIN family f ON i.parent_id = f.id
        )
        SELECT e.id, e.at, e.actor, e.kind, e.node_id, e.task_id, e.job_id, e.data, e.instance_id
          FROM bpm.event e
         WHERE e.instance_id IN (SELECT id FROM family)
         ORDER BY e.id
    $$;
COMMENT ON FUNCTION bpm.history(bigint) IS
    'The timeline of one instance and of the instances it started, oldest first';
-- src/sql/60_case.sql: cases (CMMN). A case is a bpm.instance of kind
-- 'case' whose data is the case file; each occurrence of a plan item is a
-- row of bpm.plan_item (src/case.c). Human tasks of a case are bpm.task
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
    updated_at  timestamptz NOT NULL
);
CREATE INDEX plan_item_case_idx ON bpm.plan_item (case_id, item_id);
CREATE INDEX plan_item_stage_idx ON bpm.plan_item (stage_id);
COMMENT ON TABLE bpm.plan_item IS
    'One row per occurrence of a case plan item, with its CMMN lifecycle state';

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
-- src/sql/62_case_file.sql: the documents of a case and the links between
-- cases (src/case_document.c, src/case_link.c). Comments on cases live in
-- the comment table of tasks and instances (task management), not here.

CREATE TABLE bpm.document (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES bpm.instance,
    name        text NOT NULL CHECK (name <> ''),
    media_type  text,               -- NULL: unknown (a URL document)
    url         text,               -- a document kept elsewhere ...
    content     bytea,              -- ... or its content, kept here
    size        bigint,             -- octet_length(content); NULL for a URL
    sha256      bytea CHECK (octet_length(sha256) = 32),   -- sha256(content); NULL for a URL
    attached_at timestamptz NOT NULL,
    attached_by text NOT NULL,
    CHECK ((content IS NULL) <> (url IS NULL)),
    CHECK ((content IS NULL) = (size IS NULL) AND (content IS NULL) = (sha256 IS NULL))
);
CREATE INDEX document_case_idx ON bpm.document (case_id, id);
COMMENT ON TABLE bpm.document IS
    'Documents attached to cases: content with its size and SHA-256, or a URL; never changed';
COMMENT ON COLUMN bpm.document.sha256 IS
    'SHA-256 of content, as in its document_attached event; NULL for a URL (its bytes were never seen)';

-- "case_id is <kind> of linked_case_id"; a related pair is stored lower id first.
CREATE TABLE bpm.case_link (
    case_id        bigint NOT NULL REFERENCES bpm.instance,
    linked_case_id bigint NOT NULL REFERENCES bpm.instance,
    kind           text NOT NULL CHECK (kind IN ('related', 'duplicate', 'parent')),
    linked_at      timestamptz NOT NULL,
    linked_by      text NOT NULL,
    PRIMARY KEY (case_id, linked_case_id),
    CHECK (case_id <> linked_case_id),
    CHECK (kind <> 'related' OR case_id < linked_case_id)
);
CREATE UNIQUE INDEX case_link_pair_idx
    ON bpm.case_link (least(case_id, linked_case_id), greatest(case_id, linked_case_id));
CREATE UNIQUE INDEX case_link_one_parent_idx ON bpm.case_link (linked_case_id) WHERE kind = 'parent';
CREATE INDEX case_link_linked_idx ON bpm.case_link (linked_case_id);
COMMENT ON TABLE bpm.case_link IS
    'Links between cases, one per pair: case_id is related to, a duplicate of, or the parent of linked_case_id';

-- Each link twice, once from each end. Both ends are read from
-- bpm.instance, so that a reader who may not see one of them (row-level
-- security, 95_row_security.sql) sees the link from neither.
CREATE VIEW bpm.case_links AS
SELECT l.case_id, l.linked_case_id,
       CASE l.kind WHEN 'duplicate' THEN 'duplicate_of' WHEN 'parent' THEN 'parent_of'
                   ELSE l.kind END AS kind,
       i.business_key AS linked_business_key, i.state AS linked_state, l.linked_at, l.linked_by
  FROM bpm.case_link l
  JOIN bpm.instance i ON i.id = l.linked_case_id
 WHERE EXISTS (SELECT FROM bpm.instance o WHERE o.id = l.case_id)
UNION ALL
SELECT l.linked_case_id, l.case_id,
       CASE l.kind WHEN 'duplicate' THEN 'duplicated_by' WHEN 'parent' THEN 'child_of'
                   ELSE l.kind END,
       i.business_key, i.state, l.linked_at, l.linked_by
  FROM bpm.case_link l
  JOIN bpm.instance i ON i.id = l.case_id
 WHERE EXISTS (SELECT FROM bpm.instance o WHERE o.id = l.linked_case_id);
COMMENT ON VIEW bpm.case_links IS
    'Every case link from both ends: case_id is <kind> of linked_case_id (related, duplicate_of, duplicated_by, parent_of, child_of)';

CREATE FUNCTION bpm.attach(case_id bigint, name text, content bytea,
                           media_type text DEFAULT 'application/octet-stream')
    RETURNS bigint LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_attach';
COMMENT ON FUNCTION bpm.attach(bigint, text, bytea, text) IS
    'Attach a document''s content to a case (size and SHA-256 kept); a change of the case file field documents; returns the document id';

CREATE FUNCTION bpm.attach_url(case_id bigint, name text, url text, media_type text DEFAULT NULL)
    RETURNS bigint LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_attach_url';
COMMENT ON FUNCTION bpm.attach_url(bigint, text, text, text) IS
    'Attach a document kept elsewhere to a case, by URL; a change of the case file field documents; returns the document id';

CREATE FUNCTION bpm.link_cases(case_id bigint, linked_case_id bigint, kind text DEFAULT 'related')
    RETURNS void LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_link_cases';
COMMENT ON FUNCTION bpm.link_cases(bigint, bigint, text) IS
    'Link two cases: case_id is related / duplicate_of / duplicated_by / parent_of / child_of linked_case_id';

CREATE FUNCTION bpm.unlink_cases(case_id bigint, linked_case_id bigint)
    RETURNS boolean LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_unlink_cases';
COMMENT ON FUNCTION bpm.unlink_cases(bigint, bigint) IS
    'Remove the link between two cases; false if there was none';

-- pg_dump keeps them (the other tables are registered in 90_privileges.sql).
SELECT pg_catalog.pg_extension_config_dump('bpm.document', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.document_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.case_link', '');
-- src/sql/90_privileges.sql: who may do what after installation.
--
-- The engine's C functions run their writes as the owner of the bpm schema
-- (the role that created the extension), so callers need no privileges on
-- the tables themselves. Everyone may read the model and call the API (but
-- for bpm.act_as, below); the rules of each task (assignee, candidate
-- groups, four eyes) are enforced by the trigger of the view bpm.task
-- whoever writes. Direct writes are limited to the task columns that a
-- person may change.

GRANT USAGE ON SCHEMA bpm TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA bpm TO PUBLIC;
GRANT UPDATE (status, output, assignee, priority, due_at, labels, follow_up_at) ON bpm.task TO PUBLIC;
GRANT UPDATE (data) ON bpm.cases TO PUBLIC;

-- The right to act for others (name another user in bpm.actor) is EXECUTE
-- on bpm.act_as(text): operators hold it, and grant it to the roles of
-- applications that serve many users through one role.
REVOKE EXECUTE ON FUNCTION bpm.act_as(text) FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('bpm.definition', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.node', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.flow', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.instance', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.token', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.task_store', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.job', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.actor_group', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.event', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.plan_item', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.case_role', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.comment', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.task_board', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.board_column', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.board_card', '');

-- Identity sequences too: without them a restored database would hand out
-- ids that its rows already use.
SELECT pg_catalog.pg_extension_config_dump('bpm.definition_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.instance_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.token_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.task_store_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.job_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.plan_item_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.comment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.task_board_id_seq', '');
-- src/sql/95_row_security.sql: who may see a case (src/visibility.c).
--
-- A case and everything that belongs to it is seen by its participants:
-- the holders of a role in it and those with a task in it; the processes
-- and cases it started are seen by them too. Instances with no case above
-- them, free tasks and definitions stay readable by every role that may
-- read schema bpm. Operators (the owner of the schema, its members and
-- superusers) own these tables and so bypass the policies; so does the
-- engine, which writes as the owner.
--
-- The policies are for SELECT only: nobody but the owner writes these
-- tables (people change tasks and case files through the views bpm.task
-- and bpm.cases, whose triggers run the engine).

CREATE FUNCTION bpm.may_see(instance_id bigint) RETURNS boolean
    LANGUAGE c STABLE STRICT COST 100 AS 'MODULE_PATHNAME', 'bpm_may_see';
COMMENT ON FUNCTION bpm.may_see(bigint) IS
    'May the current actor see this instance (a case or something below one) and what belongs to it?';

ALTER TABLE bpm.instance ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.instance FOR SELECT
    USING ((kind = 'process' AND parent_id IS NULL) OR bpm.may_see(id));

ALTER TABLE bpm.task_store ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.task_store FOR SELECT
    USING (instance_id IS NULL OR bpm.may_see(instance_id));

ALTER TABLE bpm.comment ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.comment FOR SELECT
    USING (instance_id IS NULL OR bpm.may_see(instance_id));

ALTER TABLE bpm.job ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.job FOR SELECT
    USING (instance_id IS NULL OR bpm.may_see(instance_id));

ALTER TABLE bpm.event ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.event FOR SELECT
    USING (instance_id IS NULL OR bpm.may_see(instance_id));

ALTER TABLE bpm.token ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.token FOR SELECT
    USING (bpm.may_see(instance_id));

ALTER TABLE bpm.plan_item ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.plan_item FOR SELECT
    USING (bpm.may_see(case_id));

ALTER TABLE bpm.case_role ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.case_role FOR SELECT
    USING (bpm.may_see(case_id));

ALTER TABLE bpm.document ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.document FOR SELECT
    USING (bpm.may_see(case_id));

-- The group of a case role, case:<id>:<role>, says who holds the role:
-- as much as bpm.case_role does.
ALTER TABLE bpm.actor_group ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.actor_group FOR SELECT
    USING (group_name !~ '^case:[0-9]+:'
           OR bpm.may_see(substring(group_name FROM '^case:([0-9]+):')::bigint));

-- A link is seen from either end; bpm.case_links then shows only the
-- links whose both ends the reader may see.
ALTER TABLE bpm.case_link ENABLE ROW LEVEL SECURITY;
CREATE POLICY participants ON bpm.case_link FOR SELECT
    USING (bpm.may_see(case_id) OR bpm.may_see(linked_case_id));

-- Views read their tables as the role that queries them, so that the
-- policies above apply to what they show (a view otherwise reads as its
-- owner, who bypasses them).
ALTER VIEW bpm.definitions SET (security_invoker = true);
ALTER VIEW bpm.processes SET (security_invoker = true);
ALTER VIEW bpm.task SET (security_invoker = true);
ALTER VIEW bpm.tasks SET (security_invoker = true);
ALTER VIEW bpm.worklist SET (security_invoker = true);
ALTER VIEW bpm.sla_breaches SET (security_invoker = true);
ALTER VIEW bpm.comments SET (security_invoker = true);
ALTER VIEW bpm.board SET (security_invoker = true);
ALTER VIEW bpm.my_tasks SET (security_invoker = true);
ALTER VIEW bpm.group_tasks SET (security_invoker = true);
ALTER VIEW bpm.overdue_tasks SET (security_invoker = true);
ALTER VIEW bpm.tasks_by_case SET (security_invoker = true);
ALTER VIEW bpm.incidents SET (security_invoker = true);
ALTER VIEW bpm.cases SET (security_invoker = true);
ALTER VIEW bpm.case_plan SET (security_invoker = true);
ALTER VIEW bpm.my_cases SET (security_invoker = true);
ALTER VIEW bpm.case_links SET (security_invoker = true);
