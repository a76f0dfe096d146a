-- 04_jobs: external service tasks.
--
-- A service task with a topic waits on a row of bpm.job. Workers, in any
-- language, fetch and lock jobs of a topic over SQL, then complete them
-- (the data is merged and the instance moves on) or fail them (one retry
-- less; with none left the job becomes an incident that an operator
-- retries). Only the worker holding the lock may report on a job, and an
-- expired lock makes the job fetchable again.
--
-- Not shown here: the NOTIFY on channel bpm_jobs (psql prints the sending
-- server's process id with each notification, which differs on every run),
-- and two workers racing for jobs (see the isolation tests).

\i sql/helpers.psql

-- Ids in this file start above 400000, so that the messages naming them do
-- not depend on the files that ran before.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 400000);
    END LOOP;
END $$;
SET bpm.actor = 'ops';

SELECT bpm.deploy('{"key": "shipment", "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "label", "type": "service_task", "name": "Print the label", "topic": "labels", "retries": 2},
    {"id": "pickup", "type": "service_task", "name": "Book the pickup", "topic": "carrier"},
    {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "label"}, {"from": "label", "to": "pickup"},
            {"from": "pickup", "to": "end"}]}') IS NOT NULL AS deployed;

-- Three shipments wait for their labels. Each has a job: topic, retries
-- from the definition, not locked, due now.
SELECT bpm.start('shipment', '{"to": "Oslo"}', 'ship-1') AS s1 \gset
SELECT bpm.start('shipment', '{"to": "Turku"}', 'ship-2') AS s2 \gset
SELECT bpm.start('shipment', '{"to": "Riga"}', 'ship-3') AS s3 \gset
SELECT p.business_key, p.waiting_at, j.node_id, j.kind, j.topic, j.retries, j.attempts,
       j.locked_by, j.lock_expires_at, j.last_error, j.due_at <= now() AS due
  FROM bpm.job j JOIN bpm.processes p ON p.id = j.instance_id
 WHERE p.key = 'shipment' ORDER BY j.id;

-- Worker w1 fetches up to two label jobs, oldest first, locking them for
-- one minute. Each fetch counts as an attempt.
SELECT i.business_key, j.node_id, j.topic, j.locked_by, j.attempts,
       j.lock_expires_at - now() AS locked_for
  FROM bpm.fetch_and_lock('labels', 'w1', max_jobs => 2, lock_for => '1 minute') j
  JOIN bpm.instance i ON i.id = j.instance_id ORDER BY j.id;
-- Worker w2 gets the third; then there is nothing left to fetch.
SELECT i.business_key, j.locked_by, j.attempts
  FROM bpm.fetch_and_lock('labels', 'w2') j JOIN bpm.instance i ON i.id = j.instance_id;
SELECT count(*) AS fetched FROM bpm.fetch_and_lock('labels', 'w3', 10);
-- Nor for a topic nobody uses.
SELECT count(*) AS fetched FROM bpm.fetch_and_lock('no_such_topic', 'w3', 10);

SELECT id AS job1 FROM bpm.job WHERE instance_id = :s1 \gset
SELECT id AS job2 FROM bpm.job WHERE instance_id = :s2 \gset
SELECT id AS job3 FROM bpm.job WHERE instance_id = :s3 \gset

-- Only the worker holding the lock may report (42501).
SELECT bpm.complete_job(:job1, 'w2', '{"label": "L-1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.fail_job(:job1, 'w2', 'not mine');
\echo :LAST_ERROR_SQLSTATE

-- w1 completes the first job: the job row is gone, the data is merged and
-- the instance moves on to its next service task, a job of another topic.
SELECT bpm.complete_job(:job1, 'w1', '{"label": "L-1"}');
SELECT business_key, data, waiting_at FROM bpm.processes WHERE id = :s1;
SELECT node_id, topic, retries, attempts, locked_by FROM bpm.job WHERE instance_id = :s1;
-- The completed job does not exist any more (42704).
SELECT bpm.complete_job(:job1, 'w1', '{}');
\echo :LAST_ERROR_SQLSTATE
-- A job that nobody fetched cannot be completed (55000).
SELECT bpm.complete_job(id, 'w1', '{}') FROM bpm.job WHERE instance_id = :s1;
\echo :LAST_ERROR_SQLSTATE
-- The job's data must be an object.
SELECT bpm.complete_job(:job2, 'w1', '"L-2"');
\echo :LAST_ERROR_SQLSTATE

--
-- Failures and incidents.
--
-- w2 fails the third job. It loses its lock and one retry and becomes
-- fetchable again after retry_in (default 10 seconds, so not at once).
SELECT bpm.fail_job(:job3, 'w2', 'printer jammed');
SELECT retries, attempts, locked_by, lock_expires_at, last_error,
       due_at > now() AS later FROM bpm.job WHERE id = :job3;
SELECT count(*) AS fetched FROM bpm.fetch_and_lock('labels', 'w2');
-- A failed job is not locked: reporting on it is an error (55000).
SELECT bpm.fail_job(:job3, 'w2', 'again');
\echo :LAST_ERROR_SQLSTATE
-- An operator makes it due now (a failure with retry_in => '0 seconds'
-- would have done the same); w2 fetches it again and fails it again:
-- no retries left, it is an incident.
UPDATE bpm.job SET due_at = now() WHERE id = :job3;
SELECT i.business_key, j.retries, j.attempts
  FROM bpm.fetch_and_lock('labels', 'w2') j JOIN bpm.instance i ON i.id = j.instance_id;
SELECT bpm.fail_job(:job3, 'w2', 'printer on fire', retry_in => '0 seconds');
SELECT retries, attempts, locked_by, last_error FROM bpm.job WHERE id = :job3;
SELECT business_key, node_id, topic, error, attempts FROM bpm.incidents WHERE job_id = :job3;
-- An incident is never fetched, and workers cannot report on it (55000).
SELECT count(*) AS fetched FROM bpm.fetch_and_lock('labels', 'w2');
SELECT bpm.complete_job(:job3, 'w2', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.fail_job(:job3, 'w2', 'still on fire');
\echo :LAST_ERROR_SQLSTATE
-- The failures are in the history.
SELECT actor, kind, node_id, data FROM bpm.history(:s3) WHERE job_id IS NOT NULL;

-- The operator retries the incident: it gets new retries and is due now.
SELECT bpm.retry_incident(:job3, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.retry_incident(:job3, 2);
SELECT retries, attempts, locked_by, due_at <= now() AS due FROM bpm.job WHERE id = :job3;
SELECT count(*) AS incidents FROM bpm.incidents WHERE job_id = :job3;
-- Only an incident can be retried (55000); unknown jobs do not exist (42704).
SELECT c.statement, e.* FROM (VALUES
  ('SELECT bpm.retry_incident(%s)'),
  ('SELECT bpm.retry_incident(-1)'),
  ($$SELECT bpm.fail_job(-1, 'w2', 'no such job')$$)
) AS c(statement), pg_temp.error_of(format(c.statement, :job3)) AS e;
SELECT kind, data FROM bpm.history(:s3) WHERE kind = 'incident_retried';

-- This time it works.
SELECT i.business_key, j.retries, j.attempts
  FROM bpm.fetch_and_lock('labels', 'w2') j JOIN bpm.instance i ON i.id = j.instance_id;
SELECT bpm.complete_job(:job3, 'w2', '{"label": "L-3"}');
SELECT business_key, data, waiting_at FROM bpm.processes WHERE id = :s3;

--
-- An expired lock: w1 locked the second job for 0 seconds; it has expired
-- by the next statement, so w3 may fetch it, and w1 may no longer report.
--
SELECT bpm.fail_job(:job2, 'w1', 'slow', retry_in => '0 seconds');
SELECT j.locked_by, j.attempts FROM bpm.fetch_and_lock('labels', 'w1', lock_for => '0 seconds') j;
SELECT j.locked_by, j.attempts FROM bpm.fetch_and_lock('labels', 'w3') j;
SELECT bpm.complete_job(:job2, 'w1', '{"label": "late"}');
\echo :LAST_ERROR_SQLSTATE
SELECT bpm.complete_job(:job2, 'w3', '{"label": "L-2"}');
SELECT business_key, data, waiting_at FROM bpm.processes WHERE id = :s2;
SELECT kind, data FROM bpm.history(:s2) WHERE job_id = :job2;

--
-- Arguments.
--
SELECT bpm.fetch_and_lock('labels', 'w1', max_jobs => 0);
\echo :LAST_ERROR_SQLSTATE

--
-- Cancelling an instance removes its jobs, even a locked one; its worker
-- then finds the job gone (42704).
--
SELECT count(*) AS fetched FROM bpm.fetch_and_lock('carrier', 'c1', 10);
SELECT id AS pickup1 FROM bpm.job WHERE instance_id = :s1 \gset
SELECT bpm.cancel(:s1, 'parcel lost');
SELECT count(*) AS jobs FROM bpm.job WHERE instance_id = :s1;
SELECT bpm.complete_job(:pickup1, 'c1', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT kind, node_id FROM bpm.history(:s1) WHERE kind IN ('job_cancelled', 'instance_terminated');

-- The others are picked up and finish.
SELECT bpm.complete_job(j.id, 'c1', '{"picked_up": true}')
  FROM bpm.job j WHERE j.topic = 'carrier' AND j.locked_by = 'c1' ORDER BY j.id;
SELECT business_key, state, data, waiting_at FROM bpm.processes WHERE key = 'shipment' ORDER BY business_key;
SELECT count(*) AS jobs_left FROM bpm.job j JOIN bpm.processes p ON p.id = j.instance_id WHERE p.key = 'shipment';

RESET bpm.actor;
