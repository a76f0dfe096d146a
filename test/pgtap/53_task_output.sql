-- 53_task_output: the output of an open task is written only by who may
-- complete it, and every write is an event.
--
-- An UPDATE of bpm.task may set output without completing the task: a
-- form saved as a draft, which a later completion merges (a plain UPDATE
-- ... SET status = 'completed' completes with the output stored). Were
-- anyone allowed to write it, a role that may not complete the task could
-- choose the path the process takes, and the log would record it as the
-- assignee's (issue 10, hole 3).
--
--   refused    a stranger's UPDATE of output, of an assigned task and of
--              one for a candidate group the stranger is not in: 42501,
--              the stored output and the event log unchanged
--   draft      the assignee saves a draft: task_saved with the output and
--              the assignee as actor; completing with a plain UPDATE then
--              merges the draft, and the process takes its path
--   candidate  a member of the candidate groups may save a draft of an
--              unassigned task
--   delegated  after a delegate resolved the task, only its owner (the
--              assignee again) may write the output; the stranger may not
--   operator   an operator may write it; the event names the actor
--
-- Runs in its own database (test/run), in one transaction.
BEGIN;
SELECT no_plan();

CREATE ROLE bpm_tap_ann NOLOGIN;
CREATE ROLE bpm_tap_mallory NOLOGIN;
CREATE ROLE bpm_tap_del NOLOGIN;
INSERT INTO bpm.actor_group VALUES ('bpm_tap_ann', 'approvers'), ('bpm_tap_del', 'approvers');

SELECT bpm.deploy('{"key": "approval",
  "nodes": [{"id": "s", "type": "start_event"},
            {"id": "decide", "type": "user_task", "assignee": "bpm_tap_ann"},
            {"id": "gw", "type": "exclusive_gateway"},
            {"id": "approved", "type": "end_event"}, {"id": "rejected", "type": "end_event"}],
  "flows": [{"from": "s", "to": "decide"}, {"from": "decide", "to": "gw"},
            {"from": "gw", "to": "approved", "when": "$.approved == true"},
            {"from": "gw", "to": "rejected", "default": true}]}');
SELECT bpm.deploy('{"key": "group_approval",
  "nodes": [{"id": "s", "type": "start_event"},
            {"id": "decide", "type": "user_task", "candidate_groups": ["approvers"]},
            {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "decide"}, {"from": "decide", "to": "e"}]}');

SELECT bpm.start('approval', '{}') AS p1 \gset
SELECT id AS t1 FROM bpm.task WHERE instance_id = :p1 \gset
SELECT bpm.start('group_approval', '{}') AS p2 \gset
SELECT id AS t2 FROM bpm.task WHERE instance_id = :p2 \gset

CREATE TEMP TABLE events_before AS SELECT count(*) AS n FROM bpm.event;
GRANT SELECT ON events_before TO PUBLIC;

-- refused
SET LOCAL ROLE bpm_tap_mallory;
SELECT throws_ok(format($$UPDATE bpm.task SET output = '{"approved": true}' WHERE id = %s$$, :t1),
                 '42501', format('"bpm_tap_mallory" may not write the output of task %s ("decide")', :t1),
                 'refused: a stranger may not write the output of an assigned task');
SELECT throws_ok(format($$UPDATE bpm.task SET output = '{"approved": true}' WHERE id = %s$$, :t2),
                 '42501', format('"bpm_tap_mallory" may not write the output of task %s ("decide")', :t2),
                 'refused: nor of a task for a candidate group the stranger is not in');
RESET ROLE;
SELECT is((SELECT output FROM bpm.task WHERE id = :t1), NULL, 'refused: the stored output is unchanged');
SELECT is((SELECT count(*) FROM bpm.event), (SELECT n FROM events_before), 'refused: no event was written');

-- draft
SET LOCAL ROLE bpm_tap_ann;
UPDATE bpm.task SET output = '{"approved": true, "note": "draft"}' WHERE id = :t1;
RESET ROLE;
SELECT results_eq(format($$SELECT actor, data FROM bpm.event WHERE instance_id = %s AND kind = 'task_saved'$$, :p1),
                  $$VALUES ('bpm_tap_ann', '{"output": {"note": "draft", "approved": true}}'::jsonb)$$,
                  'draft: the assignee''s draft is a task_saved event with the output, by the assignee');
SET LOCAL ROLE bpm_tap_ann;
UPDATE bpm.task SET status = 'completed' WHERE id = :t1;
RESET ROLE;
SELECT results_eq(format($$SELECT state, data->>'note' FROM bpm.instance WHERE id = %s$$, :p1),
                  $$VALUES ('completed', 'draft')$$,
                  'draft: a plain completion merges the draft');
SELECT is((SELECT node_id FROM bpm.event WHERE instance_id = :p1 AND kind = 'token_moved'
            ORDER BY id DESC LIMIT 1), 'approved', 'draft: the process took the path of the draft');

-- candidate
SET LOCAL ROLE bpm_tap_ann;
UPDATE bpm.task SET output = '{"seen": true}' WHERE id = :t2;
RESET ROLE;
SELECT is((SELECT output FROM bpm.task WHERE id = :t2), '{"seen": true}'::jsonb,
          'candidate: a member of the candidate groups may save a draft of an unassigned task');

-- delegated
SELECT bpm.start('approval', '{}') AS p3 \gset
SELECT id AS t3 FROM bpm.task WHERE instance_id = :p3 \gset
SET LOCAL ROLE bpm_tap_ann;
SELECT bpm.delegate(:t3, 'bpm_tap_del');
RESET ROLE;
SET LOCAL ROLE bpm_tap_del;
SELECT bpm.complete_task(:t3, '{"approved": false}');
RESET ROLE;
SELECT results_eq(format($$SELECT assignee, delegation_state FROM bpm.task WHERE id = %s$$, :t3),
                  $$VALUES ('bpm_tap_ann', 'resolved')$$, 'delegated: the delegate resolved the task');
SET LOCAL ROLE bpm_tap_mallory;
SELECT throws_ok(format($$UPDATE bpm.task SET output = '{"approved": true}' WHERE id = %s$$, :t3),
                 '42501', NULL, 'delegated: a stranger may not rewrite a resolved task''s output');
RESET ROLE;
SET LOCAL ROLE bpm_tap_del;
SELECT throws_ok(format($$UPDATE bpm.task SET output = '{"approved": true}' WHERE id = %s$$, :t3),
                 '42501', NULL, 'delegated: nor may the delegate once it is resolved');
RESET ROLE;
SET LOCAL ROLE bpm_tap_ann;
UPDATE bpm.task SET status = 'completed' WHERE id = :t3;
RESET ROLE;
SELECT is((SELECT node_id FROM bpm.event WHERE instance_id = :p3 AND kind = 'token_moved'
            ORDER BY id DESC LIMIT 1), 'rejected', 'delegated: the owner completes with the delegate''s output');

-- operator
SELECT bpm.start('approval', '{}') AS p4 \gset
SELECT set_config('bpm.actor', 'ops', true);
UPDATE bpm.task SET output = '{"approved": true}' WHERE instance_id = :p4;
SELECT results_eq(format($$SELECT actor FROM bpm.event WHERE instance_id = %s AND kind = 'task_saved'$$, :p4),
                  $$VALUES ('ops')$$, 'operator: an operator may write the output; the event names the actor');

SELECT * FROM finish();
ROLLBACK;
