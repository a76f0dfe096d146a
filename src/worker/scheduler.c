/*
 * src/worker/scheduler.c
 *
 * The scheduler of one database. It knows one thing, when the next
 * internal job falls due, and sleeps on its latch until then. A
 * transaction that commits a job due sooner wakes it (workers.c); so does a
 * runner that has run out of due jobs. When jobs are due it wakes the
 * runners (starting them on first need, up to pg_bpm.max_job_workers) and
 * waits for them to report back; the jobs the runners are running do not
 * count as due, so a long job does not make it spin.
 *
 * Due jobs the runners had to skip because another transaction holds their
 * instance are offered again every BPM_SKIPPED_RETRY_MS while they stay
 * due: the one place where the scheduler polls, and only while such a job
 * exists.
 *
 * It runs nothing while the extension installed in its database is not at
 * the library's version (BPM_EXTVERSION, the Makefile's EXTVERSION): after
 * a package upgrade the new library would run jobs against the old SQL. It
 * logs once that ALTER EXTENSION pg_bpm UPDATE is needed and sleeps; the
 * commit of that statement wakes it (utility_hook.c).
 *
 * It leaves when pg_bpm.scheduler is turned off, when the extension is
 * dropped from its database (the launcher does not come back until CREATE
 * EXTENSION), and on SIGTERM; its runners leave with it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/array.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "util/util.h"
#include "worker/workers.h"

#define BPM_SKIPPED_RETRY_MS	200

static BpmDbSlot *my_slot = NULL;
static BackgroundWorkerHandle *runners[BPM_MAX_RUNNERS];

/* What the last look at the job table found. */
typedef struct Outlook
{
	bool		extension;		/* pg_bpm is installed */
	bool		updated;		/* at the library's version: its jobs may run */
	TimestampTz next_due;		/* DT_NOEND: no internal job waits */
} Outlook;

/* The ids of the jobs the runners are running now, as an int8[]. */
static Datum
running_jobs(void)
{
	Datum		ids[BPM_MAX_RUNNERS];
	int			n = 0;
	int			i;

	bpm_workers_lock(false);
	for (i = 0; i < BPM_MAX_RUNNERS; i++)
		if (my_slot->runners[i].job_id != 0)
			ids[n++] = Int64GetDatum(my_slot->runners[i].job_id);
	bpm_workers_unlock();
	return PointerGetDatum(construct_array(ids, n, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE));
}

/*
 * Whether the installed version is the library's; if not, says so in the
 * log, once.
 */
static bool
updated(const char *installed)
{
	static bool logged = false;

	if (strcmp(installed, BPM_EXTVERSION) == 0)
		return true;
	if (!logged)
		ereport(LOG,
				(errmsg("pg_bpm: database \"%s\" has pg_bpm %s installed, the library is %s: no jobs run there",
						get_database_name(MyDatabaseId), installed, BPM_EXTVERSION),
				 errhint("Run ALTER EXTENSION pg_bpm UPDATE in that database.")));
	logged = true;
	return false;
}

static Outlook
look_ahead(void)
{
	static BpmStatement next_due = {
		"SELECT min(due_at) FROM bpm.job "
		"WHERE kind <> 'external' AND retries > 0 AND id <> ALL($1)",
		1, {INT8ARRAYOID}
	};
	Outlook		outlook = {false, false, DT_NOEND};
	const char *installed;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	bpm_spi_connect();
	installed = bpm_installed_version();
	outlook.extension = installed != NULL;
	outlook.updated = outlook.extension && updated(installed);
	if (outlook.updated)
	{
		Datum		ids = running_jobs();

		Datum		due;
		bool		none;

		bpm_spi_run(&next_due, &ids, NULL);
		due = bpm_spi_datum(0, 1, &none);
		if (!none)
			outlook.next_due = DatumGetTimestampTz(due);
	}
	bpm_spi_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	return outlook;
}

static void
publish_wake_at(TimestampTz wake_at)
{
	bpm_workers_lock(true);
	my_slot->wake_at = wake_at;
	bpm_workers_unlock();
}

static uint64
jobs_run(void)
{
	uint64		n;

	bpm_workers_lock(false);
	n = my_slot->jobs_run;
	bpm_workers_unlock();
	return n;
}

/* Start the runners that should run and are not running. */
static void
start_runners(void)
{
	int			i;

	for (i = 0; i < bpm_max_job_workers; i++)
	{
		pid_t		pid;

		if (runners[i] != NULL && GetBackgroundWorkerPid(runners[i], &pid) != BGWH_STOPPED)
			continue;
		runners[i] = bpm_start_worker("pg_bpm runner", "bpm_runner_main", MyDatabaseId,
									  Int64GetDatum(((int64) MyDatabaseId << 32) | i));
	}
}

static void
wake_runners(void)
{
	int			i;

	start_runners();
	bpm_workers_lock(false);
	for (i = 0; i < BPM_MAX_RUNNERS; i++)
		if (my_slot->runners[i].latch != NULL)
			SetLatch(my_slot->runners[i].latch);
	bpm_workers_unlock();
}

static long
ms_until(TimestampTz t, TimestampTz now)
{
	/* rounded up: waking before the job is due would only mean a second sleep */
	return (long) Min((t - now + 999) / 1000, (TimestampTz) bpm_worker_naptime_ms);
}

/*
 * One round: look at the job table (while looking, any commit of a due
 * job wakes us), then either hand due jobs to the runners or sleep until
 * the next one is due.
 */
static void
schedule(void)
{
	static uint64 run_at_dispatch = 0;
	static bool dispatched = false;
	Outlook		outlook;
	TimestampTz now;
	long		timeout;

	publish_wake_at(DT_NOEND);
	outlook = look_ahead();
	if (!outlook.extension)
	{
		bpm_workers_lock(true);
		my_slot->state = BPM_DB_WITHOUT_EXTENSION;
		bpm_workers_unlock();
		proc_exit(0);
	}
	now = GetCurrentTimestamp();
	if (!outlook.updated)
	{
		/* the commit of ALTER EXTENSION UPDATE wakes us (and any job's commit: we look again) */
		timeout = bpm_worker_naptime_ms;
	}
	else if (bpm_max_job_workers == 0)
	{
		/* no runners: only bpm.run_jobs runs jobs here */
		publish_wake_at(DT_NOBEGIN);
		timeout = bpm_worker_naptime_ms;
	}
	else if (outlook.next_due > now)
	{
		dispatched = false;
		publish_wake_at(outlook.next_due);
		timeout = ms_until(outlook.next_due, now);
	}
	else if (dispatched && jobs_run() == run_at_dispatch)
	{
		/* the runners came back empty-handed: the due jobs' instances are busy */
		dispatched = false;
		publish_wake_at(TimestampTzPlusMilliseconds(now, BPM_SKIPPED_RETRY_MS));
		timeout = BPM_SKIPPED_RETRY_MS;
	}
	else
	{
		/* runners loop until nothing is due, then wake us: no commit need wake us meanwhile */
		dispatched = true;
		run_at_dispatch = jobs_run();
		publish_wake_at(DT_NOBEGIN);
		wake_runners();
		timeout = bpm_worker_naptime_ms;
	}
	bpm_worker_sleep(timeout);
}

static void
scheduler_detach(int code, Datum arg)
{
	int			i;

	for (i = 0; i < BPM_MAX_RUNNERS; i++)
		if (runners[i] != NULL)
			TerminateBackgroundWorker(runners[i]);
	bpm_workers_lock(true);
	my_slot->scheduler_pid = 0;
	my_slot->scheduler_latch = NULL;
	my_slot->wake_at = DT_NOEND;
	bpm_workers_unlock();
}

/* Take the database's slot, unless the database is being dropped. */
static bool
attach(Oid dboid)
{
	bpm_workers_lock(true);
	my_slot = bpm_db_slot(dboid, true);
	if (my_slot && my_slot->paused_by == 0)
	{
		my_slot->state = BPM_DB_SCHEDULED;
		my_slot->scheduler_pid = MyProcPid;
		my_slot->scheduler_latch = MyLatch;
	}
	bpm_workers_unlock();
	return my_slot && my_slot->scheduler_pid == MyProcPid;
}

void
bpm_scheduler_main(Datum arg)
{
	Oid			dboid = DatumGetObjectId(arg);

	bpm_worker_setup("pg_bpm scheduler", dboid);
	if (!attach(dboid))
		proc_exit(0);
	before_shmem_exit(scheduler_detach, 0);
	while (bpm_scheduler_enabled)
		schedule();
	proc_exit(0);
}
