-- 11_task_management: a team board of free tasks, with delegation.
--
-- The web team keeps its work on a board: tasks that belong to no process
-- (free tasks, bpm.create_task), split into subtasks, labelled, claimed
-- and moved across the columns; one is delegated and comes back resolved;
-- people comment; and a task of a process sits on the same board, where
-- moving it to "done" completes it under the process's rules. Then the
-- worklist views of each member.
--
-- Time is pg_bpm.mock_now, the engine's clock; times print in UTC. Ids
-- start above 1100000, so the messages that name them do not depend on the
-- files that ran before.

\i sql/helpers.psql

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event',
                             'comment', 'task_board'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 1100000);
    END LOOP;
END $$;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET pg_bpm.mock_now = '2030-05-06 09:00:00+00';

-- Maya, Noah and Omar are the web team; Pia is a designer outside it.
-- They work through an application role, which is no operator but may
-- act for them.
INSERT INTO bpm.actor_group (actor, group_name) VALUES
    ('maya', 'web'), ('noah', 'web'), ('omar', 'web');
CREATE ROLE regress_bpm_web;
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO regress_bpm_web;
SET ROLE regress_bpm_web;

-- The board: four columns in order; the last one, "done", is final.
SET bpm.actor = 'maya';
SELECT bpm.create_board('web', ARRAY['todo', 'doing', 'review', 'done']) AS board_id;
SELECT position, name, is_final FROM bpm.board_column
 WHERE board_id = (SELECT id FROM bpm.task_board WHERE name = 'web') ORDER BY position;

-- Maya files the work: a task for the team with two subtasks, and a bug
-- for Noah. board => puts a card at the end of the first column.
SELECT bpm.create_task('Launch the new pricing page',
                       description => 'Copy, layout and a last check before it goes live',
                       candidate_groups => ARRAY['web'], priority => 70,
                       due_at => '2030-05-10 17:00+00', labels => ARRAY['launch'],
                       board => 'web') AS launch \gset
SELECT bpm.create_task('Write the copy', parent_task_id => :launch, candidate_groups => ARRAY['web'],
                       labels => ARRAY['launch', 'copy'], board => 'web') AS copy \gset
SELECT bpm.create_task('Build the layout', parent_task_id => :launch, candidate_groups => ARRAY['web'],
                       labels => ARRAY['launch', 'css'], board => 'web') AS layout \gset
SELECT bpm.create_task('Fix the broken footer link', assignee => 'noah', priority => 40,
                       due_at => '2030-05-06 12:00+00', follow_up_at => '2030-05-06 10:00+00',
                       labels => ARRAY['bug'], board => 'web') AS footer \gset

-- A free task is a row of bpm.task like any other, with no instance, token
-- or node; its creator is recorded.
SELECT id - :launch AS n, instance_id, node_id, title, status, assignee, candidate_groups, priority,
       labels, parent_task_id - :launch AS parent, created_by
  FROM bpm.task WHERE id >= :launch ORDER BY id;
SELECT "column", position, task_id - :launch AS n, title, assignee, labels FROM bpm.board;

-- Noah claims the copy and starts it; Omar takes the layout and puts it
-- on top of "doing".
SET bpm.actor = 'noah';
SELECT bpm.claim(:copy);
SELECT bpm.move_task(:copy, 'doing');
SET bpm.actor = 'omar';
SELECT bpm.claim(:layout);
SELECT bpm.move_task(:layout, 'doing', pos => 1);
SELECT "column", position, title, assignee FROM bpm.board;

-- Only those who may work a task move its card: Pia is not in the team.
SET bpm.actor = 'pia';
SELECT bpm.move_task(:launch, 'doing');
\echo :LAST_ERROR_SQLSTATE
-- Columns are named on the task's board.
SET bpm.actor = 'omar';
SELECT bpm.move_task(:layout, 'testing');
\echo :LAST_ERROR_SQLSTATE

-- The parent cannot be completed while its subtasks are open; the refusal
-- leaves its card where it was.
SET bpm.actor = 'maya';
SELECT bpm.claim(:launch);
SELECT bpm.move_task(:launch, 'done');
\echo :LAST_ERROR_SQLSTATE
SELECT "column", position, status FROM bpm.board WHERE task_id = :launch;

-- Noah delegates the copy to Pia, who writes well: she works it now, and
-- he stays its owner.
SET bpm.actor = 'noah';
SELECT bpm.delegate(:copy, 'pia');
SELECT assignee, owner, delegation_state FROM bpm.task WHERE id = :copy;
SET bpm.actor = 'pia';
SELECT title, assignee, owner, delegation_state FROM bpm.my_tasks;

-- While it is delegated, Noah can neither complete it nor take it back by
-- reassigning it.
SET bpm.actor = 'noah';
SELECT bpm.complete_task(:copy);
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.assign(:copy, 'noah');
\echo :LAST_ERROR_SQLSTATE

-- Pia comments, then moves it to done: a delegate's completion resolves
-- the task. It goes back to Noah, still open, with her output; its card
-- stays where it was.
SET bpm.actor = 'pia';
SELECT bpm.comment(:copy, 'Draft attached; the headline is shorter than the brief asked.') IS NOT NULL AS commented;
SELECT bpm.move_task(:copy, 'done', data => '{"copy_doc": "pricing-v2.md"}');
SELECT status, assignee, owner, delegation_state, output FROM bpm.task WHERE id = :copy;
SELECT "column", position FROM bpm.board WHERE task_id = :copy;

-- Noah reviews and completes it: the output is Pia's and his, merged (his
-- keys win). A plain UPDATE of bpm.task is the same as bpm.complete_task,
-- and the card follows the task into the final column.
SET bpm.actor = 'noah';
SELECT bpm.move_task(:copy, 'review');
SELECT bpm.comment(:copy, 'Approved.') IS NOT NULL AS commented;
UPDATE bpm.task SET status = 'completed', output = '{"approved": true}' WHERE id = :copy;
SELECT status, completed_by, completed_at, output FROM bpm.task WHERE id = :copy;
SELECT "column", position, title FROM bpm.board WHERE "column" IN ('review', 'done');

-- A closed task's card stays in the final column.
SELECT bpm.move_task(:copy, 'doing');
\echo :LAST_ERROR_SQLSTATE

-- The comments, oldest first.
SELECT task_title, actor, body, created_at FROM bpm.comments WHERE task_id = :copy;

-- Noah relabels and reschedules his bug; Pia may not.
SELECT bpm.move_task(:footer, 'doing');
UPDATE bpm.task SET labels = ARRAY['bug', 'urgent'], follow_up_at = '2030-05-06 11:00+00' WHERE id = :footer;
SET bpm.actor = 'pia';
UPDATE bpm.task SET labels = '{}' WHERE id = :footer;
\echo :LAST_ERROR_SQLSTATE
SELECT labels, follow_up_at FROM bpm.task WHERE id = :footer;

-- A process on the same board: a release needs an approval with a version
-- number, by someone other than whoever prepared it (four eyes).
SET bpm.actor = 'maya';
SELECT bpm.deploy('{"key": "web_release", "name": "Web release", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "prepare", "type": "user_task", "name": "Prepare the release", "candidate_groups": ["web"]},
    {"id": "approve", "type": "user_task", "name": "Approve the release", "candidate_groups": ["web"],
     "required": ["version"], "four_eyes": ["prepare"]},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "prepare"}, {"from": "prepare", "to": "approve"},
            {"from": "approve", "to": "end"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('web_release', '{}', 'REL-7') AS rel \gset
SELECT id AS prepare FROM bpm.task WHERE instance_id = :rel AND node_id = 'prepare' \gset

-- Maya claims it and puts it on the board (board => for a task on none
-- yet), then moves it to done: that completes it, and the process goes on
-- to the approval, which she also puts on the board.
SELECT bpm.claim(:prepare);
SELECT bpm.move_task(:prepare, 'doing', board => 'web');
SELECT bpm.move_task(:prepare, 'done');
SELECT id AS approve FROM bpm.task WHERE instance_id = :rel AND node_id = 'approve' \gset
SELECT bpm.move_task(:approve, 'review', board => 'web');

-- The process's rules hold on the board: Maya prepared it, so she may not
-- approve it; Omar must give the version. Each refusal leaves the card in
-- review and the task open.
SELECT bpm.move_task(:approve, 'done', data => '{"version": "2.4"}');
\echo :LAST_ERROR_SQLSTATE
SET bpm.actor = 'omar';
SELECT bpm.move_task(:approve, 'done');
\echo :LAST_ERROR_SQLSTATE
SELECT "column", status FROM bpm.board WHERE task_id = :approve;
SELECT bpm.move_task(:approve, 'done', pos => 1, data => '{"version": "2.4"}');
SELECT state, data FROM bpm.processes WHERE id = :rel;
SELECT kind, node_id, data FROM bpm.history(:rel) WHERE kind LIKE 'task%';
SELECT ok FROM bpm.verify_events(:rel);

-- The worklists at 13:00 (the views show every file's tasks: this one's
-- are those from :launch on). Omar: his layout; nothing of the team is
-- unclaimed; nothing of his is overdue. Noah: his bug, overdue since noon.
RESET ROLE;
SET pg_bpm.mock_now = '2030-05-06 13:00:00+00';
SET ROLE regress_bpm_web;
SET bpm.actor = 'omar';
SELECT title, labels FROM bpm.my_tasks WHERE id >= :launch;
SELECT title FROM bpm.group_tasks WHERE id >= :launch;
SELECT title FROM bpm.overdue_tasks WHERE id >= :launch;
SET bpm.actor = 'noah';
SELECT title, due_at, overdue_by FROM bpm.overdue_tasks WHERE id >= :launch;
-- A second release waits for its preparation: the team's worklist holds
-- it beside the free tasks, grouped by instance in tasks_by_case.
SELECT bpm.start('web_release', '{}', 'REL-8') AS rel8 \gset
SELECT title, business_key, process_key, labels FROM bpm.worklist WHERE id >= :launch ORDER BY id;
SELECT instance_id - :rel8 AS instance, kind, business_key, open_tasks, next_due_at
  FROM bpm.tasks_by_case WHERE instance_id IS NULL OR instance_id >= :rel8;

-- Omar finishes the layout; then Maya may complete the launch, which
-- takes its card to done.
SET bpm.actor = 'omar';
SELECT bpm.move_task(:layout, 'done');
SET bpm.actor = 'maya';
SELECT bpm.move_task(:launch, 'done');
SELECT "column", position, title, status FROM bpm.board;

-- Free tasks have no instance: their events stand alone, with the task's
-- id and hashed like every event, but unchained.
SELECT kind, actor, data, prev_hash IS NULL AS unchained
  FROM bpm.event WHERE task_id = :copy ORDER BY id;

RESET ROLE;
REVOKE EXECUTE ON FUNCTION bpm.act_as(text) FROM regress_bpm_web;
DROP ROLE regress_bpm_web;
RESET bpm.actor;
RESET pg_bpm.mock_now;
