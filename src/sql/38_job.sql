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
-- next wake-up wakes the scheduler when it commits (src/worker/workers.c).
CREATE FUNCTION bpm.job_wake_scheduler() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_job_wake_scheduler';
COMMENT ON FUNCTION bpm.job_wake_scheduler() IS
    'Wakes the database''s scheduler at commit when an internal job falls due sooner than it would wake';
CREATE TRIGGER job_wake_scheduler
    BEFORE INSERT OR UPDATE OF due_at, retries ON bpm.job
    FOR EACH ROW EXECUTE FUNCTION bpm.job_wake_scheduler();
