/*
 * src/job/job.c
 *
 * Jobs: work that a token waits for. External service tasks wait on a
 * bpm.job row (kind external) that workers in any language fetch and
 * lock, complete, fail, or report a BPMN error on over SQL (this file);
 * the other kinds (process/job_kind.h) are run by the job runners
 * (worker/runner.c, which dispatch them through job/dispatch.c).
 *
 * External job states (derived from the row):
 *
 *   fetchable --fetch_and_lock--> locked --complete_job--> (row deleted, instance moves on)
 *      ^   ^                        |  \--lock expires--> fetchable
 *      |   \------fail_job----------/     \--throw_error, caught--> (row deleted, boundary path)
 *      |          (retries - 1; fetchable again after retry_in; also throw_error, not caught)
 *      \--retry_incident-- incident <--fail_job with no retries left
 *
 * (The states of the runners' jobs are drawn in dispatch.c.)
 *
 * Every function locks the job's instance first, then the job row.
 * fetch_and_lock skips jobs whose row or instance is locked (SKIP LOCKED),
 * so two workers never get the same job and never wait for each other.
 * A job becoming fetchable sends NOTIFY bpm_jobs with its topic, at commit.
 * Due dates and lock expiry are measured on the engine's clock (time/clock.h).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "security/security.h"
#include "job/job.h"
#include "process/process.h"
#include "util/util.h"
#include "time/time.h"

typedef struct JobRow
{
	int64		id;
	BpmJobKind	kind;
	int64		token_id;
	char	   *node_id;
	char	   *topic;
	char	   *locked_by;
	int32		retries;
} JobRow;

static Jsonb *
worker_data(const char *worker, const char *key, Jsonb *value)
{
	const char *keys[2] = {"worker", key};
	Jsonb	   *vals[2] = {bpm_jb_string(worker), value};

	return bpm_jb_build(key ? 2 : 1, keys, vals);
}

/* Lock the job's instance, then the job. 42704 if the job is gone. */
static void
lock_job(BpmInstance *inst, int64 job_id, const char *actor, JobRow *job)
{
	static BpmStatement find = {
		"SELECT instance_id FROM bpm.job WHERE id = $1",
		1, {INT8OID}
	};
	static BpmStatement lock = {
		"SELECT token_id, node_id, topic, locked_by, retries, kind FROM bpm.job WHERE id = $1 FOR UPDATE",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(job_id);

	if (bpm_spi_run(&find, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("job %lld does not exist", (long long) job_id),
				 errhint("A completed or cancelled job is removed; bpm.history shows what happened to it.")));
	bpm_instance_lock(inst, bpm_spi_int64(0, 1), actor);
	if (bpm_spi_run(&lock, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("job %lld does not exist any more", (long long) job_id)));
	job->id = job_id;
	job->token_id = bpm_spi_int64(0, 1);
	job->node_id = bpm_spi_text(0, 2);
	job->topic = bpm_spi_text(0, 3);
	job->locked_by = bpm_spi_text(0, 4);
	job->retries = bpm_spi_int32(0, 5);
	job->kind = bpm_job_kind_parse(bpm_spi_text(0, 6));
}

/* Only the worker holding the lock may report on a job. */
static void
require_lock_holder(const JobRow *job, const char *worker)
{
	if (job->kind != BPM_JOB_EXTERNAL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("job %lld is a %s job, run by the engine, not by workers",
						(long long) job->id, bpm_job_kind_name(job->kind)),
				 errhint("bpm.run_jobs() runs due internal jobs.")));
	if (job->retries == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("job %lld is an incident", (long long) job->id),
				 errhint("An operator can retry it with bpm.retry_incident(%lld).", (long long) job->id)));
	if (job->locked_by == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("job %lld is not locked", (long long) job->id),
				 errhint("Fetch it first with bpm.fetch_and_lock(topic, worker).")));
	if (strcmp(job->locked_by, worker) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("job %lld is locked by worker \"%s\", not \"%s\"",
						(long long) job->id, job->locked_by, worker),
				 errdetail("The lock of a worker that took too long expires and another worker may fetch the job.")));
}

/*
 * A worker's interval argument (lock_for, retry_in): 22023 when it is
 * negative. A negative lock would have expired before it was taken, a
 * negative retry fall due in the past. Zero is now: a lock that others
 * may take over at once, a retry due at once.
 */
static void
check_interval_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	Interval	zero = {0, 0, 0};
	Datum		value = PG_GETARG_DATUM(argno);

	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, value, IntervalPGetDatum(&zero))) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be zero or positive, not %s", what,
						DatumGetCString(DirectFunctionCall1(interval_out, value)))));
}

/* One job locked by fetch_and_lock: its instance chain must get an event. */
typedef struct Fetched
{
	int64		job_id;
	int64		instance_id;
	char	   *node_id;
} Fetched;

/*
 * bpm.fetch_and_lock(topic text, worker text, max_jobs int DEFAULT 1,
 *                    lock_for interval DEFAULT '5 minutes') RETURNS SETOF bpm.job
 *
 * Locks up to max_jobs due jobs of the topic for the worker: jobs never
 * locked, or whose lock expired. Skips, without waiting, jobs whose row,
 * instance or family root (process/family.c) another transaction holds.
 * Writes a job_locked event per job. Raises 22004, 22023 (max_jobs < 1,
 * a negative lock_for, an empty worker or topic), 22001 (a worker or
 * topic longer than 1000 bytes).
 */
PG_FUNCTION_INFO_V1(bpm_fetch_and_lock);
Datum
bpm_fetch_and_lock(PG_FUNCTION_ARGS)
{
	static BpmStatement pick = {
		"SELECT j.id, j.instance_id, j.node_id FROM bpm.job j "
		"JOIN bpm.instance i ON i.id = j.instance_id JOIN bpm.instance r ON r.id = i.root_id "
		"WHERE j.topic = $1 AND j.retries > 0 AND j.due_at <= $3 "
		"AND (j.lock_expires_at IS NULL OR j.lock_expires_at <= $3) "
		"ORDER BY j.due_at, j.id LIMIT $2 "
		"FOR UPDATE OF j SKIP LOCKED FOR NO KEY UPDATE OF r, i SKIP LOCKED",
		3, {TEXTOID, INT4OID, TIMESTAMPTZOID}
	};
	static BpmStatement lock = {
		"UPDATE bpm.job SET locked_by = $2, lock_expires_at = $4 + $3, attempts = attempts + 1 "
		"WHERE id = $1 RETURNING *",
		4, {INT8OID, TEXTOID, INTERVALOID, TIMESTAMPTZOID}
	};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *worker;
	int32		max_jobs;
	char	   *actor = bpm_current_actor_name();
	Fetched    *jobs;
	BpmIdentity saved;
	Datum		values[4];
	int			n;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	(void) bpm_name_arg(fcinfo, 0, "topic");
	worker = bpm_name_arg(fcinfo, 1, "worker");
	bpm_require_arg(fcinfo, 2, "max_jobs");
	bpm_require_arg(fcinfo, 3, "lock_for");
	max_jobs = PG_GETARG_INT32(2);
	if (max_jobs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_jobs must be at least 1, not %d", max_jobs)));
	check_interval_arg(fcinfo, 3, "lock_for");
	bpm_engine_enter(&saved);
	values[0] = PG_GETARG_DATUM(0);
	values[1] = Int32GetDatum(max_jobs);
	values[2] = TimestampTzGetDatum(bpm_clock_now());
	n = bpm_spi_run(&pick, values, NULL);
	jobs = palloc(sizeof(Fetched) * (n + 1));
	for (i = 0; i < n; i++)
	{
		jobs[i].job_id = bpm_spi_int64(i, 1);
		jobs[i].instance_id = bpm_spi_int64(i, 2);
		jobs[i].node_id = bpm_spi_text(i, 3);
	}
	for (i = 0; i < n; i++)
	{
		BpmInstance inst;

		values[0] = Int64GetDatum(jobs[i].job_id);
		values[1] = CStringGetTextDatum(worker);
		values[2] = PG_GETARG_DATUM(3);
		values[3] = TimestampTzGetDatum(bpm_clock_now());
		bpm_spi_run(&lock, values, NULL);
		tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[0]);
		/* already locked by pick: this reads the chain anchor */
		bpm_instance_lock(&inst, jobs[i].instance_id, actor);
		bpm_event(&inst, "job_locked", jobs[i].node_id, 0, jobs[i].job_id,
				  worker_data(worker, NULL, NULL));
		bpm_instance_save(&inst);
	}
	bpm_engine_leave(&saved);
	return (Datum) 0;
}

/*
 * bpm.complete_job(job_id bigint, worker text, data jsonb DEFAULT '{}') RETURNS void
 *
 * The worker holding the lock reports success: the job row is removed, the
 * data merged, the instance moves on. Locks the instance, then the job.
 * Raises 42704 (no such job), 55000 (not locked, or an incident), 42501
 * (locked by another worker), 22004 / 22023 / 22001 for a null, empty or
 * too long worker name.
 */
PG_FUNCTION_INFO_V1(bpm_complete_job);
Datum
bpm_complete_job(PG_FUNCTION_ARGS)
{
	static BpmStatement remove = {
		"DELETE FROM bpm.job WHERE id = $1",
		1, {INT8OID}
	};
	int64		job_id;
	char	   *worker;
	Jsonb	   *data;
	char	   *actor = bpm_current_actor_name();
	BpmIdentity saved;
	BpmInstance inst;
	JobRow		job;
	Datum		arg;

	bpm_require_arg(fcinfo, 0, "job id");
	job_id = PG_GETARG_INT64(0);
	worker = bpm_name_arg(fcinfo, 1, "worker");
	data = PG_ARGISNULL(2) ? bpm_jb_empty_object() : PG_GETARG_JSONB_P(2);
	arg = Int64GetDatum(job_id);

	bpm_engine_enter(&saved);
	lock_job(&inst, job_id, actor, &job);
	require_lock_holder(&job, worker);
	bpm_spi_run(&remove, &arg, NULL);
	bpm_event(&inst, "job_completed", job.node_id, 0, job_id, worker_data(worker, NULL, NULL));
	bpm_instance_merge(&inst, data, job.node_id, 0, job_id);
	bpm_engine_resume(&inst, job.token_id);
	bpm_engine_leave(&saved);
	PG_RETURN_VOID();
}

/*
 * A failed attempt of a locked job: one retry less, unlocked, fetchable
 * again after retry_in; with no retries left an incident.
 */
static void
fail_locked_job(BpmInstance *inst, const JobRow *job, const char *worker, const char *error,
				Datum retry_in)
{
	static BpmStatement fail = {
		"UPDATE bpm.job SET retries = retries - 1, last_error = $2, due_at = $4 + $3, "
		"locked_by = NULL, lock_expires_at = NULL WHERE id = $1 "
		"RETURNING retries, due_at <= $4",
		4, {INT8OID, TEXTOID, INTERVALOID, TIMESTAMPTZOID}
	};
	Datum		values[4];
	int32		left;
	bool		due_now;
	bool		isnull;

	values[0] = Int64GetDatum(job->id);
	values[1] = CStringGetTextDatum(error);
	values[2] = retry_in;
	values[3] = TimestampTzGetDatum(bpm_clock_now());
	bpm_spi_run(&fail, values, NULL);
	left = bpm_spi_int32(0, 1);
	due_now = DatumGetBool(bpm_spi_datum(0, 2, &isnull));
	bpm_event(inst, left == 0 ? "incident" : "job_failed", job->node_id, 0, job->id,
			  bpm_jb_build(3, (const char *[]) {"worker", "error", "retries"},
						   (Jsonb *[]) {bpm_jb_string(worker), bpm_jb_string(error),
				bpm_jb_int(left)}));
	if (left > 0 && due_now && job->topic)
		Async_Notify("bpm_jobs", job->topic);
	bpm_instance_save(inst);
}

/*
 * bpm.fail_job(job_id bigint, worker text, error text,
 *              retry_in interval DEFAULT '10 seconds') RETURNS void
 *
 * The worker holding the lock reports a failed attempt: one retry less,
 * unlocked, fetchable again after retry_in. With no retries left the job
 * becomes an incident (bpm.incidents). Raises as bpm.complete_job, and
 * 22023 for a negative retry_in.
 */
PG_FUNCTION_INFO_V1(bpm_fail_job);
Datum
bpm_fail_job(PG_FUNCTION_ARGS)
{
	int64		job_id;
	char	   *worker;
	char	   *error;
	char	   *actor = bpm_current_actor_name();
	BpmIdentity saved;
	BpmInstance inst;
	JobRow		job;

	bpm_require_arg(fcinfo, 0, "job id");
	worker = bpm_name_arg(fcinfo, 1, "worker");
	bpm_require_arg(fcinfo, 2, "error");
	bpm_require_arg(fcinfo, 3, "retry_in");
	job_id = PG_GETARG_INT64(0);
	error = text_to_cstring(PG_GETARG_TEXT_PP(2));
	check_interval_arg(fcinfo, 3, "retry_in");
	bpm_engine_enter(&saved);
	lock_job(&inst, job_id, actor, &job);
	require_lock_holder(&job, worker);
	fail_locked_job(&inst, &job, worker, error, PG_GETARG_DATUM(3));
	bpm_engine_leave(&saved);
	PG_RETURN_VOID();
}

/*
 * bpm.throw_error(job_id bigint, worker text, code text, message text DEFAULT NULL)
 *     RETURNS void
 *
 * The worker holding the lock reports a BPMN error. When an error boundary
 * event of the service task (or of a sub-process around it) catches the
 * code, the job is removed and the process takes that boundary's path;
 * otherwise the report counts as a failed attempt ("<code>: <message>",
 * fetchable again after 10 seconds, an incident with no retries left).
 * Locks the instance, then the job. Raises as bpm.complete_job, and 22023
 * for an empty code.
 */
PG_FUNCTION_INFO_V1(bpm_throw_error);
Datum
bpm_throw_error(PG_FUNCTION_ARGS)
{
	int64		job_id;
	char	   *worker;
	char	   *code;
	char	   *message;
	char	   *actor = bpm_current_actor_name();
	BpmIdentity saved;
	BpmInstance inst;
	JobRow		job;

	bpm_require_arg(fcinfo, 0, "job id");
	worker = bpm_name_arg(fcinfo, 1, "worker");
	bpm_require_arg(fcinfo, 2, "error code");
	job_id = PG_GETARG_INT64(0);
	code = text_to_cstring(PG_GETARG_TEXT_PP(2));
	message = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (code[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("error code must not be empty")));
	bpm_engine_enter(&saved);
	lock_job(&inst, job_id, actor, &job);
	require_lock_holder(&job, worker);
	if (!bpm_boundary_catch(&inst, bpm_graph_find(inst.graph, job.node_id), job.token_id, job_id,
							code, message, worker))
		fail_locked_job(&inst, &job, worker,
						message ? psprintf("%s: %s", code, message) : code,
						DirectFunctionCall3(interval_in, CStringGetDatum("10 seconds"),
											ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	bpm_engine_leave(&saved);
	PG_RETURN_VOID();
}

/*
 * bpm.retry_incident(job_id bigint, retries int DEFAULT 1) RETURNS void
 *
 * An operator gives an incident new retries; it is fetchable at once.
 * Raises 42704, 42501 (the actor may not see its instance, a case or
 * below one, see visibility.c), 55000 (not an incident), 22023 (retries
 * below 1).
 */
PG_FUNCTION_INFO_V1(bpm_retry_incident);
Datum
bpm_retry_incident(PG_FUNCTION_ARGS)
{
	static BpmStatement retry = {
		"UPDATE bpm.job SET retries = $2, due_at = $3 WHERE id = $1",
		3, {INT8OID, INT4OID, TIMESTAMPTZOID}
	};
	int64		job_id;
	int32		retries;
	char	   *actor = bpm_current_actor_name();
	BpmIdentity saved;
	BpmInstance inst;
	JobRow		job;
	Datum		values[3];

	bpm_require_arg(fcinfo, 0, "job id");
	bpm_require_arg(fcinfo, 1, "retries");
	job_id = PG_GETARG_INT64(0);
	retries = PG_GETARG_INT32(1);
	if (retries < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("retries must be at least 1, not %d", retries)));
	bpm_engine_enter(&saved);
	lock_job(&inst, job_id, actor, &job);
	bpm_require_may_see(&inst, saved.userid);
	if (job.retries != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("job %lld is not an incident: it has %d retries left",
						(long long) job_id, job.retries)));
	values[0] = Int64GetDatum(job_id);
	values[1] = Int32GetDatum(retries);
	values[2] = TimestampTzGetDatum(bpm_clock_now());
	bpm_spi_run(&retry, values, NULL);
	bpm_event(&inst, "incident_retried", job.node_id, 0, job_id,
			  bpm_jb_build(1, (const char *[]) {"retries"},
						   (Jsonb *[]) {bpm_jb_int(retries)}));
	if (job.topic)
		Async_Notify("bpm_jobs", job.topic);
	bpm_instance_save(&inst);
	bpm_engine_leave(&saved);
	PG_RETURN_VOID();
}
