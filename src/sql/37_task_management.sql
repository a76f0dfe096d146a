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
    created_at  timestamptz NOT NULL DEFAULT bpm.now(),
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
