/*
 * src/worker/runner.c
 *
 * Running the jobs the engine does itself: timers that fall due, async
 * continuations, service tasks implemented in SQL (whose BPMN errors an
 * error boundary event may catch), boundary timers, and the escalation of
 * user tasks whose deadline passed. What each kind does is job/'s
 * (job/dispatch.c); picking, retries and incidents are here.
 * bpm.run_jobs() is one pass over what is due, in the calling session
 * (pg_cron or an outside loop can drive it; the background workers call
 * the same code).
 *
 * Each job runs in a subtransaction of the pass, after the pass has locked
 * it and its instance (SKIP LOCKED: a job whose instance is busy waits for
 * the next pass). A job that fails is rolled back alone and retried after
 * an exponential backoff (time/clock.h); with no retries left it becomes an
 * incident (bpm.incidents) for an operator to retry. A cancel, timeout or
 * shutdown is not the job's failure: it ends the pass.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/pmsignal.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"

#include "security/security.h"
#include "job/job.h"
#include "process/process.h"
#include "util/util.h"
#include "time/time.h"
#include "worker/workers.h"

/* The actor of the events a runner process records. */
#define BPM_RUNNER_ACTOR	"pg_bpm"

/* In a runner process: its slot, where it shows which job it runs. */
static BpmDbSlot *my_db = NULL;
static BpmRunnerSlot *me = NULL;

static void
show_running(int64 job_id)
{
	if (me == NULL)
		return;
	bpm_workers_lock(true);
	me->job_id = job_id;
	if (job_id == 0)
		my_db->jobs_run++;
	bpm_workers_unlock();
}

/*
 * Lock the next due internal job, its family's root and its instance (the
 * family's order, process/family.c), none of them waited for; false when
 * none is.
 */
static bool
pick_due_job(TimestampTz now, BpmDueJob *job)
{
	static BpmStatement stmt = {
		"SELECT j.id, j.instance_id, j.token_id, j.kind, j.node_id FROM bpm.job j "
		"JOIN bpm.instance i ON i.id = j.instance_id JOIN bpm.instance r ON r.id = i.root_id "
		"WHERE j.kind <> 'external' AND j.retries > 0 AND j.due_at <= $1 "
		"ORDER BY j.due_at, j.id LIMIT 1 "
		"FOR UPDATE OF j SKIP LOCKED FOR NO KEY UPDATE OF r, i SKIP LOCKED",
		1, {TIMESTAMPTZOID}
	};
	Datum		arg = TimestampTzGetDatum(now);

	if (bpm_spi_run(&stmt, &arg, NULL) == 0)
		return false;
	job->id = bpm_spi_int64(0, 1);
	job->instance_id = bpm_spi_int64(0, 2);
	job->token_id = bpm_spi_int64(0, 3);
	job->kind = bpm_job_kind_parse(bpm_spi_text(0, 4));
	job->node_id = bpm_spi_text(0, 5);
	show_running(job->id);
	return true;
}

static bool is_job_failure(ErrorData *error);

typedef struct CaughtError
{
	BpmDueJob  *job;
	ErrorData  *error;
	bool		caught;
} CaughtError;

static void
catch_in_instance(void *arg)
{
	CaughtError *c = arg;
	BpmInstance inst;

	bpm_instance_lock(&inst, c->job->instance_id, c->job->actor);
	c->caught = bpm_boundary_catch(&inst, bpm_graph_find(inst.graph, c->job->node_id),
								   c->job->token_id, c->job->id, c->error->message,
								   c->error->detail, NULL);
}

/*
 * A BPMN error raised by a service task's function, after the job's
 * subtransaction rolled back: if an error boundary event catches it, take
 * that path instead (in a subtransaction of its own). Returns true when it
 * did; when that path fails, *error becomes its error, a failure of the job.
 */
static bool
catch_bpmn_error(BpmDueJob *job, ErrorData **error)
{
	CaughtError c = {job, *error, false};
	ErrorData  *late;

	if (!job->in_function || !bpm_is_bpmn_error(*error))
		return false;
	late = bpm_try(catch_in_instance, &c);
	if (late && !is_job_failure(late))
		ReThrowError(late);
	if (late)
		*error = late;
	return late == NULL && c.caught;
}

/*
 * After the attempt rolled back, lock the instance (first, as every engine
 * write does) and the job again. False when the job is gone or out of
 * retries: another runner took it meanwhile and has done it.
 */
static bool
lock_again(BpmDueJob *job, BpmInstance *inst)
{
	static BpmStatement lock = {
		"SELECT 1 FROM bpm.job WHERE id = $1 AND retries > 0 FOR UPDATE",
		1, {INT8OID}
	};
	Datum		id = Int64GetDatum(job->id);

	bpm_instance_lock(inst, job->instance_id, job->actor);
	return bpm_spi_run(&lock, &id, NULL) == 1;
}

/*
 * Record a failed attempt, after the job's subtransaction rolled back: one
 * retry less and a later due date, or an incident. A BPMN error that an
 * error boundary event catches is not a failure. Returns the error
 * recorded (that of the boundary's path when taking it failed), NULL for
 * none.
 */
static ErrorData *
record_failure(BpmDueJob *job, ErrorData *error)
{
	static BpmStatement fail = {
		"UPDATE bpm.job SET retries = retries - 1, attempts = attempts + 1, last_error = $2 "
		"WHERE id = $1 RETURNING retries, attempts",
		2, {INT8OID, TEXTOID}
	};
	static BpmStatement reschedule = {
		"UPDATE bpm.job SET due_at = $2 WHERE id = $1",
		2, {INT8OID, TIMESTAMPTZOID}
	};
	Datum		values[2];
	int32		left;
	BpmInstance inst;

	if (!lock_again(job, &inst) || catch_bpmn_error(job, &error))
		return NULL;
	bpm_instance_lock(&inst, job->instance_id, job->actor);
	values[0] = Int64GetDatum(job->id);
	values[1] = CStringGetTextDatum(error->message);
	bpm_spi_run(&fail, values, NULL);
	left = bpm_spi_int32(0, 1);
	if (left > 0)
	{
		values[1] = TimestampTzGetDatum(bpm_retry_at(bpm_spi_int32(0, 2)));
		bpm_spi_run(&reschedule, values, NULL);
	}
	bpm_event(&inst, left == 0 ? "incident" : "job_failed", job->node_id, 0, job->id,
			  bpm_jb_build(3, (const char *[]) {"error", "sqlstate", "retries"},
						   (Jsonb *[]) {bpm_jb_string(error->message),
				bpm_jb_string(unpack_sql_state(error->sqlerrcode)),
				bpm_jb_int(left)}));
	bpm_instance_save(&inst);
	return error;
}

/*
 * Is this error the job's own failure? A cancel, statement timeout or
 * shutdown (57xxx) is aimed at the pass: it ends the pass and its
 * transaction without using a retry. Anything else the job raised, a
 * deadlock or serialization failure included, is the job's: it is retried
 * after a backoff, so one failing job never stops the jobs behind it.
 */
static bool
is_job_failure(ErrorData *error)
{
	return ERRCODE_TO_CATEGORY(error->sqlerrcode) != ERRCODE_OPERATOR_INTERVENTION;
}

/* One attempt at the next due job: what was picked, and for whom. */
typedef struct Attempt
{
	const char *actor;
	bool		picked;
	bool		is_start_timer;
	BpmStartTimerJob start;
	BpmDueJob	job;
} Attempt;

/*
 * Pick the next due job and run it: start timers first (they are few),
 * then the jobs of instances. Runs in a subtransaction, picking included:
 * the job and instance rows are then locked and written by one
 * (sub)transaction. A lock taken by the pass and a delete by its
 * subtransaction would leave a multixact on every done job, and PostgreSQL
 * never marks the index entries of such rows dead, so each pick would scan
 * every job done since the last vacuum.
 */
static void
attempt_next_job(void *arg)
{
	Attempt    *a = arg;
	TimestampTz now = bpm_clock_now();

	a->start.actor = a->actor;
	a->job.actor = a->actor;
	a->is_start_timer = bpm_start_timer_pick(now, &a->start);
	if (a->is_start_timer)
	{
		a->picked = true;
		show_running(a->start.id);
		bpm_worker_context_job(a->start.id, bpm_job_kind_name(BPM_JOB_START_TIMER), 0);
		bpm_start_timer_fire(&a->start);
		return;
	}
	a->picked = pick_due_job(now, &a->job);
	if (a->picked)
	{
		bpm_worker_context_job(a->job.id, bpm_job_kind_name(a->job.kind), a->job.instance_id);
		bpm_job_run(&a->job);
	}
}

/*
 * A runner logs the failure of a job too: the job's own error, at LOG,
 * with the context it was raised in, which names the database, the job
 * and its instance (workers.c). bpm.run_jobs leaves the failure to
 * bpm.job and the events, which its caller reads.
 */
static void
log_failure(ErrorData *error)
{
	ErrorContextCallback *outer = error_context_stack;

	if (me == NULL)
		return;
	error->elevel = LOG;
	error->message = psprintf("job failed: %s", error->message);
	error_context_stack = NULL; /* error->context names the job already */
	ThrowErrorData(error);
	error_context_stack = outer;
}

/*
 * Run the next due job, if there is one, as the engine (the caller has
 * entered it), in a subtransaction; a failure of the job's own is recorded
 * after that rolled back, and logged by a runner. False when no job is
 * due.
 */
static bool
run_next_job(const char *actor)
{
	Attempt		a = {0};
	ErrorData  *error;

	a.actor = actor;
	error = bpm_try(attempt_next_job, &a);
	if (error == NULL)
		return a.picked;
	if (!a.picked || !is_job_failure(error))
		ReThrowError(error);
	if (a.is_start_timer)
		bpm_start_timer_failed(&a.start, error);
	else
		error = record_failure(&a.job, error);
	if (error)
		log_failure(error);
	return true;
}

/*
 * bpm.run_jobs(max_jobs int DEFAULT 100) RETURNS int
 *
 * Runs up to max_jobs internal jobs that are due (timers, async
 * continuations, SQL service tasks), oldest first, and returns how many it
 * ran (failed attempts included). Skips, without waiting, jobs whose row or
 * instance another transaction holds. A failing job is rolled back alone
 * and retried later or becomes an incident; the pass goes on. Raises 22023
 * for max_jobs below 1.
 */
PG_FUNCTION_INFO_V1(bpm_run_jobs);
Datum
bpm_run_jobs(PG_FUNCTION_ARGS)
{
	int32		max_jobs;
	char	   *actor = bpm_current_actor_name();
	BpmIdentity saved;
	int			done = 0;

	bpm_require_arg(fcinfo, 0, "max_jobs");
	max_jobs = PG_GETARG_INT32(0);
	if (max_jobs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_jobs must be at least 1, not %d", max_jobs)));
	bpm_engine_enter(&saved);
	while (done < max_jobs && run_next_job(actor))
		done++;
	bpm_engine_leave(&saved);
	PG_RETURN_INT32(done);
}

/* ---------------------------------------------------------------- the runner process */

/*
 * Run the next due job in a transaction of its own; false when none was
 * due or the extension is gone from the database.
 */
static bool
run_in_own_transaction(void)
{
	BpmIdentity saved;
	bool		ran = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (OidIsValid(get_extension_oid("pg_bpm", true)))
	{
		pgstat_report_activity(STATE_RUNNING, "pg_bpm: running a due job");
		bpm_spi_connect();
		bpm_engine_enter(&saved);
		ran = run_next_job(BPM_RUNNER_ACTOR);
		bpm_engine_leave(&saved);
		bpm_spi_finish();
	}
	PopActiveSnapshot();
	CommitTransactionCommand();
	if (ran)
		show_running(0);
	bpm_worker_context_job(0, NULL, 0);
	pgstat_report_activity(STATE_IDLE, NULL);
	return ran;
}

static void
runner_detach(int code, Datum arg)
{
	bpm_workers_lock(true);
	me->pid = 0;
	me->latch = NULL;
	me->job_id = 0;
	bpm_workers_unlock();
}

static void
attach(Oid dboid, int index)
{
	bpm_workers_lock(true);
	my_db = bpm_db_slot(dboid, false);
	if (my_db && my_db->paused_by == 0)
	{
		me = &my_db->runners[index];
		me->pid = MyProcPid;
		me->latch = MyLatch;
		me->job_id = 0;
	}
	bpm_workers_unlock();
	if (me == NULL)
		proc_exit(0);
	before_shmem_exit(runner_detach, 0);
}

/* Tell the scheduler that this runner has run out of due jobs. */
static void
report_idle(void)
{
	bpm_workers_lock(false);
	if (my_db->scheduler_latch)
		SetLatch(my_db->scheduler_latch);
	bpm_workers_unlock();
}

/*
 * A runner: started by its database's scheduler, it runs due jobs one
 * transaction each until none is due, tells the scheduler, and sleeps until
 * the scheduler wakes it. It leaves with its scheduler, when its number is
 * no longer below pg_bpm.max_job_workers, and on SIGTERM.
 */
void
bpm_runner_main(Datum arg)
{
	Oid			dboid = (Oid) (DatumGetInt64(arg) >> 32);
	int			index = (int) (DatumGetInt64(arg) & 0xffff);

	bpm_worker_setup("pg_bpm runner", dboid);
	SetConfigOption("bpm.actor", BPM_RUNNER_ACTOR, PGC_USERSET, PGC_S_SESSION);
	attach(dboid, index);
	while (bpm_scheduler_enabled && index < bpm_max_job_workers &&
		   bpm_backend_alive(my_db->scheduler_pid))
	{
		/* a backlog keeps us from sleeping: watch for the postmaster's death here too */
		while (PostmasterIsAlive() && run_in_own_transaction())
			CHECK_FOR_INTERRUPTS();
		if (!PostmasterIsAlive())
			proc_exit(1);
		report_idle();
		bpm_worker_sleep(bpm_worker_naptime_ms);
	}
	proc_exit(0);
}
