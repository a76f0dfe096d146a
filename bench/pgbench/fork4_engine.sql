-- bench/pgbench/fork4_engine.sql (engine): bench_fork4: start -> fork -> {a,b,c,d} -> join -> end
--
-- One pgbench transaction = one step = one database transaction that
-- commits: either bpm.start, or completing the client's next open task
-- (with output {"ok": true}). 5 steps per instance: 1 start + 4 task completions (the 4th fires the join).
-- After the step the client reads its next open task (a read-only
-- statement in its own transaction), as a worklist UI would. The status
-- test is in a FILTER, not the WHERE clause, so the only usable index is
-- the one on instance_id: with "AND status = 'open'" the planner may pick
-- a full scan of the partial index task_open_assignee_idx (WHERE status =
-- 'open') when its statistics see no open tasks, and that index holds an
-- entry for every task open since the last vacuum (see bench/RESULTS.md).
-- State lives in pgbench client variables across transactions: run with
-- -D task=0 -D inst=0 (task = 0: the next step starts an instance).
\if :task = 0
SELECT bpm.start('bench_fork4') AS inst \gset
\else
SELECT bpm.complete_task(:task, '{"ok": true}');
\endif
SELECT coalesce(min(id) FILTER (WHERE status = 'open'), 0) AS task FROM bpm.task WHERE instance_id = :inst \gset
