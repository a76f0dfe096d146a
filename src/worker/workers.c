/*
 * src/worker/workers.c
 *
 * What the background workers share (see workers.h): their settings, the
 * shared memory of database slots, and the wake-ups other backends send at
 * commit: a committed job due sooner than the scheduler's next wake-up
 * wakes the scheduler of its database, a committed CREATE EXTENSION wakes
 * the launcher, and a backend that paused a database's workers (to drop or
 * copy that database) lets them start again when its transaction ends.
 */
#include "postgres.h"

#include <signal.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "process/process.h"
#include "util/util.h"
#include "worker/workers.h"

/* How long a backend waits for a database's workers to leave before it drops the database. */
#define BPM_PAUSE_WAIT_MS	10000

bool		bpm_scheduler_enabled = true;
int			bpm_max_job_workers = 2;
int			bpm_worker_naptime_ms = 60000;

typedef struct BpmShared
{
	LWLock	   *lock;
	Latch	   *launcher_latch;
	int			nslots;
	BpmDbSlot	slots[FLEXIBLE_ARRAY_MEMBER];
} BpmShared;

static BpmShared *shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* What this backend's transaction will tell the workers when it ends. */
static TimestampTz pending_due = DT_NOEND;	/* earliest internal job it wrote */
static bool pending_extension = false;	/* it created the extension */
static Oid	pending_unpause = InvalidOid;	/* a database whose workers it stopped */
static bool xact_callback_registered = false;

static Size
shared_size(void)
{
	/* a database's scheduler is a worker process: there are never more */
	return add_size(offsetof(BpmShared, slots),
					mul_size(max_worker_processes, sizeof(BpmDbSlot)));
}

static void
request_shmem(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(shared_size());
	RequestNamedLWLockTranche("pg_bpm", 1);
}

static void
startup_shmem(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("pg_bpm", shared_size(), &found);
	if (!found)
	{
		memset(shared, 0, shared_size());
		shared->lock = &(GetNamedLWLockTranche("pg_bpm"))->lock;
		shared->nslots = max_worker_processes;
	}
	LWLockRelease(AddinShmemInitLock);
}

static void
define_settings(void)
{
	DefineCustomBoolVariable("pg_bpm.scheduler",
							 "Run due jobs in background workers.",
							 "Off: the launcher starts no scheduler and running schedulers leave; "
							 "only bpm.run_jobs runs jobs (deterministic tests).",
							 &bpm_scheduler_enabled, true, PGC_SIGHUP, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("pg_bpm.max_job_workers",
							"Job runners per database.",
							NULL,
							&bpm_max_job_workers, 2, 0, BPM_MAX_RUNNERS, PGC_SIGHUP, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_bpm.naptime",
							"Longest sleep of a scheduler and of the launcher.",
							"A safety net: wake-ups at commit make schedulers start due work at once; "
							"the launcher looks for new databases this often.",
							&bpm_worker_naptime_ms, 60000, 100, 3600000, PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);
}

/*
 * Settings always; shared memory, the launcher and the utility hook only
 * when loaded by shared_preload_libraries, and no workers at all while
 * pg_upgrade runs the server.
 */
void
bpm_workers_init(void)
{
	define_settings();
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = request_shmem;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = startup_shmem;
	bpm_utility_init();
	if (!IsBinaryUpgrade)
		bpm_launcher_register();
}

void
bpm_workers_lock(bool exclusive)
{
	LWLockAcquire(shared->lock, exclusive ? LW_EXCLUSIVE : LW_SHARED);
}

void
bpm_workers_unlock(void)
{
	LWLockRelease(shared->lock);
}

/*
 * The slot of a database, or NULL; with create (exclusive lock held), a
 * free slot is taken for it. NULL also when there is no shared memory
 * (pg_bpm not preloaded).
 */
BpmDbSlot *
bpm_db_slot(Oid dboid, bool create)
{
	BpmDbSlot  *free_slot = NULL;
	int			i;

	if (shared == NULL)
		return NULL;
	for (i = 0; i < shared->nslots; i++)
	{
		if (shared->slots[i].dboid == dboid)
			return &shared->slots[i];
		if (free_slot == NULL && shared->slots[i].dboid == InvalidOid)
			free_slot = &shared->slots[i];
	}
	if (!create || free_slot == NULL)
		return NULL;
	memset(free_slot, 0, sizeof(BpmDbSlot));
	free_slot->dboid = dboid;
	free_slot->wake_at = DT_NOEND;
	return free_slot;
}

void
bpm_set_launcher_latch(Latch *latch)
{
	bpm_workers_lock(true);
	shared->launcher_latch = latch;
	bpm_workers_unlock();
}

void
bpm_wake_launcher(void)
{
	if (shared == NULL)
		return;
	bpm_workers_lock(false);
	if (shared->launcher_latch)
		SetLatch(shared->launcher_latch);
	bpm_workers_unlock();
}

bool
bpm_backend_alive(pid_t pid)
{
	return pid != 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

/* ---------------------------------------------------------------- commit-time wake-ups */

static void
wake_scheduler(TimestampTz due)
{
	BpmDbSlot  *slot;

	bpm_workers_lock(false);
	slot = bpm_db_slot(MyDatabaseId, false);
	if (slot && slot->scheduler_latch && due < slot->wake_at)
		SetLatch(slot->scheduler_latch);
	bpm_workers_unlock();
}

/* The extension was created here: the launcher checks this database again. */
static void
recheck_database(void)
{
	BpmDbSlot  *slot;

	bpm_workers_lock(true);
	slot = bpm_db_slot(MyDatabaseId, false);
	if (slot && slot->state == BPM_DB_WITHOUT_EXTENSION)
		slot->state = BPM_DB_UNKNOWN;
	bpm_workers_unlock();
	bpm_wake_launcher();
}

static void
unpause(Oid dboid)
{
	BpmDbSlot  *slot;

	bpm_workers_lock(true);
	slot = bpm_db_slot(dboid, false);
	if (slot && slot->paused_by == MyProcPid)
		slot->paused_by = 0;
	bpm_workers_unlock();
	bpm_wake_launcher();
}

static void
at_transaction_end(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PREPARE)
		return;
	if (event == XACT_EVENT_COMMIT && shared != NULL)
	{
		if (pending_due != DT_NOEND)
			wake_scheduler(pending_due);
		if (pending_extension)
			recheck_database();
	}
	if (OidIsValid(pending_unpause) && shared != NULL)
		unpause(pending_unpause);
	pending_due = DT_NOEND;
	pending_extension = false;
	pending_unpause = InvalidOid;
}

static void
register_xact_callback(void)
{
	if (xact_callback_registered)
		return;
	RegisterXactCallback(at_transaction_end, NULL);
	xact_callback_registered = true;
}

/* CREATE EXTENSION pg_bpm ran in this transaction. */
void
bpm_workers_note_extension_created(void)
{
	register_xact_callback();
	pending_extension = true;
}

/*
 * DROP EXTENSION pg_bpm, or ALTER EXTENSION pg_bpm UPDATE, ran in this
 * transaction: at commit the scheduler looks again, and leaves or runs jobs.
 */
void
bpm_workers_note_extension_changed(void)
{
	register_xact_callback();
	pending_due = DT_NOBEGIN;
}

static Datum
column(TriggerData *trigdata, HeapTuple tuple, const char *name, bool *isnull)
{
	TupleDesc	desc = trigdata->tg_relation->rd_att;

	return heap_getattr(tuple, SPI_fnumber(desc, name), desc, isnull);
}

/*
 * bpm.job_wake_scheduler(): BEFORE INSERT OR UPDATE trigger of bpm.job.
 *
 * Notes the earliest due date of the internal jobs this transaction
 * writes; at commit, the scheduler of the database is woken when that is
 * sooner than it would wake by itself. A trigger, not a call in each place
 * that writes jobs, so that no path (an operator's UPDATE included) can
 * leave a due job waiting for the scheduler's naptime.
 */
PG_FUNCTION_INFO_V1(bpm_job_wake_scheduler);
Datum
bpm_job_wake_scheduler(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	bool		isnull;
	Datum		kind;
	Datum		retries;
	Datum		due;

	bpm_require_trigger(fcinfo, "bpm.job_wake_scheduler()", BPM_TRIGGER_BEFORE_ROW);
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple
		: trigdata->tg_trigtuple;
	if (shared == NULL)
		return PointerGetDatum(tuple);
	kind = column(trigdata, tuple, "kind", &isnull);
	/* by name: a BEFORE trigger sees a kind before the CHECK constraint refuses it */
	if (isnull || strcmp(TextDatumGetCString(kind), bpm_job_kind_name(BPM_JOB_EXTERNAL)) == 0)
		return PointerGetDatum(tuple);
	retries = column(trigdata, tuple, "retries", &isnull);
	if (isnull || DatumGetInt32(retries) <= 0)
		return PointerGetDatum(tuple);
	due = column(trigdata, tuple, "due_at", &isnull);
	if (!isnull && DatumGetTimestampTz(due) < pending_due)
	{
		register_xact_callback();
		pending_due = DatumGetTimestampTz(due);
	}
	return PointerGetDatum(tuple);
}

/* ---------------------------------------------------------------- pausing a database */

static bool
workers_gone(Oid dboid)
{
	BpmDbSlot  *slot;
	bool		gone = true;
	int			i;

	bpm_workers_lock(false);
	slot = bpm_db_slot(dboid, false);
	if (slot)
	{
		gone = !bpm_backend_alive(slot->scheduler_pid);
		for (i = 0; i < BPM_MAX_RUNNERS && gone; i++)
			gone = !bpm_backend_alive(slot->runners[i].pid);
	}
	bpm_workers_unlock();
	return gone;
}

static void
signal_workers(Oid dboid)
{
	BpmDbSlot  *slot;
	pid_t		pids[BPM_MAX_RUNNERS + 1];
	int			n = 0;
	int			i;

	bpm_workers_lock(true);
	slot = bpm_db_slot(dboid, false);
	if (slot)
	{
		slot->paused_by = MyProcPid;
		pids[n++] = slot->scheduler_pid;
		for (i = 0; i < BPM_MAX_RUNNERS; i++)
			pids[n++] = slot->runners[i].pid;
	}
	bpm_workers_unlock();
	for (i = 0; i < n; i++)
		if (pids[i] != 0)
			kill(pids[i], SIGTERM);
}

/*
 * Stop the workers of a database and keep them stopped until this
 * transaction ends, so that DROP DATABASE (or a copy or rename of it,
 * which also need it to themselves) is not refused because of them.
 * Waits for them to leave, at most BPM_PAUSE_WAIT_MS.
 */
void
bpm_workers_pause_database(Oid dboid)
{
	TimestampTz give_up;

	if (shared == NULL || !OidIsValid(dboid))
		return;
	register_xact_callback();
	pending_unpause = dboid;
	signal_workers(dboid);
	give_up = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), BPM_PAUSE_WAIT_MS);
	while (!workers_gone(dboid) && GetCurrentTimestamp() < give_up)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* ---------------------------------------------------------------- what every worker does */

/*
 * Start a worker of the given type ("pg_bpm scheduler", ...) for a
 * database; the caller is told when it stops. NULL, with a log entry,
 * when no background worker slot is free.
 */
BackgroundWorkerHandle *
bpm_start_worker(const char *type, const char *function, Oid dboid, Datum arg)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

	memset(&worker, 0, sizeof(worker));
	snprintf(worker.bgw_name, BGW_MAXLEN, "%s for database %u", type, dboid);
	snprintf(worker.bgw_type, BGW_MAXLEN, "%s", type);
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_bpm");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	worker.bgw_main_arg = arg;
	worker.bgw_notify_pid = MyProcPid;
	if (RegisterDynamicBackgroundWorker(&worker, &handle))
		return handle;
	ereport(LOG,
			(errmsg("pg_bpm: could not start a %s for database %u: no background worker slot is free",
					type, dboid),
			 errhint("Raise max_worker_processes: pg_bpm needs one launcher, and for each database "
					 "one scheduler and pg_bpm.max_job_workers runners.")));
	return NULL;
}

/*
 * What every log line of a database's worker names (its errcontext): the
 * worker, its database, and the job it runs now with its instance. Kept
 * as plain strings and numbers, as a context callback may not read the
 * catalog.
 */
typedef struct WorkerContext
{
	const char *type;
	char	   *database;		/* its name when the worker started */
	int64		job_id;			/* 0: no job runs now */
	const char *job_kind;
	int64		instance_id;	/* 0: the job has none (a start timer) */
} WorkerContext;

static WorkerContext worker_context;
static ErrorContextCallback worker_error_context;

static void
worker_errcontext(void *arg)
{
	WorkerContext *c = arg;

	if (c->job_id == 0)
		errcontext("%s in database \"%s\"", c->type, c->database);
	else if (c->instance_id == 0)
		errcontext("%s in database \"%s\", job %lld (%s)", c->type, c->database,
				   (long long) c->job_id, c->job_kind);
	else
		errcontext("%s in database \"%s\", job %lld (%s) of instance %lld", c->type,
				   c->database, (long long) c->job_id, c->job_kind,
				   (long long) c->instance_id);
}

/*
 * From now on, every error and log line of this worker names it and its
 * database; for the whole life of the process, so the callback and what
 * it prints are static.
 */
static void
push_worker_context(const char *type, Oid dboid)
{
	char	   *name;

	StartTransactionCommand();
	name = get_database_name(dboid);
	worker_context.database = MemoryContextStrdup(TopMemoryContext,
												  name ? name : psprintf("%u", dboid));
	CommitTransactionCommand();
	worker_context.type = type;
	worker_error_context.callback = worker_errcontext;
	worker_error_context.arg = &worker_context;
	worker_error_context.previous = error_context_stack;
	error_context_stack = &worker_error_context;
}

/*
 * The job this worker runs now (job_id 0: none any more), for the context
 * of its log lines. Outside a worker it only sets what nothing prints.
 */
void
bpm_worker_context_job(int64 job_id, const char *kind, int64 instance_id)
{
	worker_context.job_id = job_id;
	worker_context.job_kind = kind;
	worker_context.instance_id = instance_id;
}

/*
 * Signals, the database connection (as the bootstrap superuser: workers
 * switch to the engine's and the deployer's roles for everything they
 * run, see actor.h), the context of its log lines, and the name
 * pg_stat_activity shows.
 */
void
bpm_worker_setup(const char *type, Oid dboid)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	if (OidIsValid(dboid))
	{
		BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
		push_worker_context(type, dboid);
	}
	else
		BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname(type);
}

/*
 * Sleep until the latch is set or the timeout passes (-1: no timeout),
 * then act on a terminate request and reload the settings if asked to.
 */
void
bpm_worker_sleep(long timeout_ms)
{
	(void) WaitLatch(MyLatch,
					 WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | (timeout_ms >= 0 ? WL_TIMEOUT : 0),
					 timeout_ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}
