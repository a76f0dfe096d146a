-- bench/pgbench/jobs_engine.sql (engine): bench_jobs: start -> svc (service task, topic 'bench') -> end
--
-- One pgbench transaction = one step = one database transaction that
-- commits: bpm.start (creates the job), or bpm.fetch_and_lock of one job of
-- the topic (any client's: the queue is shared), or bpm.complete_job of the
-- job fetched (with data {"ok": true}), in that order: 3 steps per job.
-- Every client is an external worker named w<client_id>.
-- State lives in pgbench client variables across transactions: run with
-- -D jstate=0 -D job=0 (0 start, 1 fetch, 2 complete).
\if :jstate = 0
SELECT bpm.start('bench_jobs') AS inst \gset
\set jstate 1
\elif :jstate = 1
SELECT coalesce(max(id), 0) AS job FROM bpm.fetch_and_lock('bench', 'w' || :client_id, 1) \gset
\if :job > 0
\set jstate 2
\endif
\else
SELECT bpm.complete_job(:job, 'w' || :client_id, '{"ok": true}');
\set jstate 0
\endif
