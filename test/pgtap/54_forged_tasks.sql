-- 54_forged_tasks: a task the engine did not create moves nothing.
--
-- The owner of bpm.task_store (and a superuser) may write the table
-- directly, as pg_restore does. A row written that way is no work the
-- engine handed out: completing it is refused with 55000 and changes
-- nothing, for a process (no token waits for it) and for a case (no plan
-- item has it as its task, or, with no item, the case's log never created
-- it) (issue 10, hole 5). Tasks the engine made complete as before.
-- Nor does a job whose row was edited by hand to name a node its
-- definition lacks run anything: it fails with 42704 naming the node.
--
--   item       a forged row naming an active plan item of a case: refused;
--              the item's own task then completes it
--   ad hoc     a forged row with no plan item: refused; a task made by
--              bpm.add_task completes and merges into the case file
--   unchanged  after the refusals, the case file, the items and the event
--              chain are as they were
--
-- Runs in its own database (test/run), in one transaction.
BEGIN;
SELECT no_plan();

SELECT bpm.deploy('{"key": "forged_case", "kind": "case",
  "plan": [{"id": "review", "type": "human_task"}]}');
SELECT bpm.open_case('forged_case', '{"n": 1}') AS c \gset
SELECT id AS item FROM bpm.plan_item WHERE case_id = :c AND item_id = 'review' \gset
SELECT id AS real_task FROM bpm.task WHERE instance_id = :c AND node_id = 'review' \gset

CREATE TEMP TABLE before AS
SELECT (SELECT data FROM bpm.instance WHERE id = :c) AS data,
       (SELECT count(*) FROM bpm.event WHERE instance_id = :c) AS events;

-- item
INSERT INTO bpm.task_store (instance_id, token_id, node_id, title)
VALUES (:c, :item, 'review', 'forged item task') RETURNING id AS forged_item \gset
SELECT throws_ok(format($$SELECT bpm.complete_task(%s, '{"verdict": "forged"}')$$, :forged_item),
                 '55000', format('task %s was not created by the engine: no plan item of the case waits for it', :forged_item),
                 'item: a forged row naming an active plan item is not completed');

-- ad hoc
INSERT INTO bpm.task_store (instance_id, token_id, node_id, title)
VALUES (:c, 0, 'ad_hoc', 'forged ad-hoc task') RETURNING id AS forged_ad_hoc \gset
SELECT throws_ok(format($$UPDATE bpm.task SET status = 'completed', output = '{"verdict": "forged"}' WHERE id = %s$$, :forged_ad_hoc),
                 '55000', format('task %s was not created by the engine: no plan item of the case waits for it', :forged_ad_hoc),
                 'ad hoc: a forged row with no plan item is not completed, by UPDATE either');

-- unchanged
SELECT results_eq(format($$SELECT data, (SELECT count(*) FROM bpm.event WHERE instance_id = %s) FROM bpm.instance WHERE id = %s$$, :c, :c),
                  $$SELECT data, events FROM before$$,
                  'unchanged: the case file and the log are as they were');
SELECT is((SELECT state FROM bpm.plan_item WHERE id = :item), 'active', 'unchanged: the item is still active');

-- the engine's own tasks complete
SELECT bpm.complete_task(:real_task, '{"verdict": "ok"}');
SELECT is((SELECT state FROM bpm.plan_item WHERE id = :item), 'completed',
          'item: the item''s own task completes it');
SELECT bpm.add_task(:c, 'Call the customer') AS ad_hoc \gset
SELECT bpm.complete_task(:ad_hoc, '{"called": true}');
SELECT is((SELECT data->'called' FROM bpm.instance WHERE id = :c), 'true'::jsonb,
          'ad hoc: a task made by bpm.add_task completes and merges into the case file');
SELECT is((SELECT ok FROM bpm.verify_events(:c)), true, 'the case''s event chain verifies');

-- a job edited by hand
SELECT bpm.deploy('{"key": "forged_job",
  "nodes": [{"id": "s", "type": "start_event"}, {"id": "w", "type": "intermediate_event", "timer": {"duration": "PT1H"}},
            {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "w"}, {"from": "w", "to": "e"}]}');
SELECT bpm.start('forged_job') AS fj \gset
UPDATE bpm.job SET node_id = 'nowhere' WHERE instance_id = :fj;
SELECT set_config('pg_bpm.mock_now', '2100-01-01 00:00+00', true);
SELECT is(bpm.run_jobs(), 1, 'job: the edited job was attempted');
SELECT results_eq(format($$SELECT j.last_error, i.state FROM bpm.job j JOIN bpm.instance i ON i.id = j.instance_id
                             WHERE j.instance_id = %s$$, :fj),
                  format($$VALUES ('job %s names node "nowhere", which process "forged_job" does not have', 'running')$$,
                         (SELECT id FROM bpm.job WHERE instance_id = :fj)),
                  'job: it failed naming the node, and the instance did not move');

SELECT * FROM finish();
ROLLBACK;
