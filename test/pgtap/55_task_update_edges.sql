-- 55_task_update_edges: UPDATEs of bpm.task that the rules must still
-- judge, found by review.
--
--   null       status = NULL crashed the server (any role may update
--              status): now 23502 naming the column, nothing changed; so
--              is priority = NULL (it silently became 0)
--   status     a status that is not one ('done') is 22023 naming the task,
--              not the table's CHECK with the whole internal row
--   combined   a completion that also reassigns, reprioritises and labels
--              the task records those changes as events before
--              task_completed, as separate UPDATEs would
--   resolved   a delegate's resolution that also moves the due date
--              records task_updated and moves the escalation job with it
--
-- Runs in its own database (test/run), in one transaction.
BEGIN;
\ir helpers.psql
SELECT no_plan();

CREATE ROLE bpm_tap_anyone NOLOGIN;
SET LOCAL TimeZone = 'UTC';
SELECT set_config('pg_bpm.mock_now', '2030-01-01 09:00+00', true);
SELECT bpm.deploy('{"key": "edges",
  "nodes": [{"id": "s", "type": "start_event"},
            {"id": "t", "type": "user_task", "due": "PT1H", "escalation": {"priority": 90}},
            {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}');

SELECT bpm.start('edges') AS p1 \gset
SELECT id AS t1 FROM bpm.task WHERE instance_id = :p1 \gset
CREATE TEMP TABLE before AS
SELECT (SELECT row(t.*)::text FROM bpm.task t WHERE t.id = :t1) AS task,
       (SELECT count(*) FROM bpm.event WHERE instance_id = :p1) AS events;
GRANT SELECT ON before TO PUBLIC;

-- null
SET LOCAL ROLE bpm_tap_anyone;
SELECT throws_ok(format('UPDATE bpm.task SET status = NULL WHERE id = %s', :t1), '23502',
                 format('task %s: column "status" cannot be set to null', :t1),
                 'null: status = NULL by any role is 23502, and the server lives');
RESET ROLE;
SELECT throws_ok(format('UPDATE bpm.task SET priority = NULL WHERE id = %s', :t1), '23502',
                 format('task %s: column "priority" cannot be set to null', :t1),
                 'null: so is priority = NULL (it became 0)');

-- status
SELECT throws_ok(format($$UPDATE bpm.task SET status = 'done' WHERE id = %s$$, :t1), '22023',
                 format('task %s: status "done" is not a task status', :t1),
                 'status: an unknown status is 22023 naming the task');
SELECT results_eq(format($$SELECT row(t.*)::text, (SELECT count(*) FROM bpm.event WHERE instance_id = %s)
                             FROM bpm.task t WHERE t.id = %s$$, :p1, :t1),
                  $$SELECT task, events FROM before$$,
                  'null, status: the refusals changed nothing');

-- combined
SELECT bpm.assign(:t1, 'alice');
SELECT set_config('bpm.actor', 'alice', true);
UPDATE bpm.task SET assignee = 'carol', priority = 70, labels = '{urgent}',
       status = 'completed', output = '{"ok": 1}' WHERE id = :t1;
SELECT set_config('bpm.actor', '', true);
SELECT results_eq(format($$SELECT kind, actor FROM bpm.event WHERE task_id = %s
                             AND kind IN ('task_assigned', 'task_updated', 'task_completed') ORDER BY id$$, :t1),
                  $$VALUES ('task_assigned', 'postgres'), ('task_assigned', 'alice'),
                           ('task_updated', 'alice'), ('task_completed', 'alice')$$,
                  'combined: the reassignment and the new priority and labels are events, before task_completed');

-- resolved
SELECT bpm.start('edges') AS p2 \gset
SELECT id AS t2 FROM bpm.task WHERE instance_id = :p2 \gset
SELECT bpm.assign(:t2, 'ann');
SELECT set_config('bpm.actor', 'ann', true);
SELECT bpm.delegate(:t2, 'bob');
SELECT set_config('bpm.actor', 'bob', true);
UPDATE bpm.task SET status = 'completed', output = '{"checked": true}',
       due_at = '2030-02-01 00:00+00' WHERE id = :t2;
SELECT set_config('bpm.actor', '', true);
SELECT results_eq(format($$SELECT status, delegation_state, due_at FROM bpm.task WHERE id = %s$$, :t2),
                  $$VALUES ('open', 'resolved', '2030-02-01 00:00+00'::timestamptz)$$,
                  'resolved: the delegate resolved the task and moved its due date');
SELECT results_eq(format($$SELECT kind, data->>'due_at' FROM bpm.event WHERE task_id = %s
                             AND kind IN ('task_updated', 'task_resolved') ORDER BY id$$, :t2),
                  $$VALUES ('task_updated', '2030-02-01T00:00:00+00:00'), ('task_resolved', NULL)$$,
                  'resolved: the new due date is a task_updated event, before task_resolved');
SELECT is((SELECT due_at FROM bpm.job WHERE instance_id = :p2 AND kind = 'escalation'),
          '2030-02-01 00:00+00'::timestamptz, 'resolved: the escalation job moved with the due date');

SELECT * FROM finish();
ROLLBACK;
