/*
 * src/worker/launcher.c
 *
 * The launcher: one per server, started by the postmaster when pg_bpm is
 * in shared_preload_libraries, once recovery has finished (so never on a
 * standby) and never under pg_upgrade. It keeps one scheduler running for
 * each database that has the extension.
 *
 * Databases are discovered, not configured: the launcher lists the
 * databases that accept connections and starts a scheduler in each; a
 * scheduler that finds no pg_bpm there says so in its slot and leaves, and
 * the database is not tried again until CREATE EXTENSION pg_bpm commits in
 * it (utility_hook.c wakes the launcher). New databases are found at the next
 * wake-up, at most pg_bpm.naptime later. A scheduler that stops for any
 * other reason (a crash, pg_terminate_backend) is started again, at most
 * once per BPM_RESTART_DELAY_MS; one whose database is being dropped is not.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "worker/workers.h"

#define BPM_RESTART_DELAY_MS	5000

/* The launcher's own view of the schedulers it started, by slot. */
typedef struct SchedulerHandle
{
	Oid			dboid;
	BackgroundWorkerHandle *handle;
	TimestampTz started_at;
} SchedulerHandle;

static SchedulerHandle *schedulers = NULL;
static int	nschedulers = 0;

void
bpm_launcher_register(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_bpm launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_bpm launcher");
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_bpm");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "bpm_launcher_main");
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BPM_RESTART_DELAY_MS / 1000;
	RegisterBackgroundWorker(&worker);
}

/* The databases a scheduler could connect to (a list of Oids). */
static List *
connectable_databases(void)
{
	MemoryContext caller = CurrentMemoryContext;
	List	   *result = NIL;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;

	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);
		MemoryContext old;

		if (!db->datallowconn || db->datistemplate)
			continue;
		old = MemoryContextSwitchTo(caller);
		result = lappend_oid(result, db->oid);
		MemoryContextSwitchTo(old);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	PopActiveSnapshot();
	CommitTransactionCommand();
	return result;
}

static SchedulerHandle *
scheduler_of(Oid dboid)
{
	int			i;

	for (i = 0; i < nschedulers; i++)
		if (schedulers[i].dboid == dboid)
			return &schedulers[i];
	schedulers = repalloc(schedulers, (nschedulers + 1) * sizeof(SchedulerHandle));
	memset(&schedulers[nschedulers], 0, sizeof(SchedulerHandle));
	schedulers[nschedulers].dboid = dboid;
	return &schedulers[nschedulers++];
}

static bool
is_running(SchedulerHandle *s)
{
	pid_t		pid;

	return s->handle != NULL && GetBackgroundWorkerPid(s->handle, &pid) != BGWH_STOPPED;
}

/*
 * Should the database get a scheduler now? Not while one runs, while a
 * backend that is dropping it holds it paused, once its scheduler found no
 * extension there, or, after a scheduler that stopped (state still
 * scheduled: it did not leave for want of the extension), within the
 * restart delay; *retry_ms is then when that delay ends.
 */
static bool
wants_scheduler(SchedulerHandle *s, TimestampTz now, long *retry_ms)
{
	BpmDbSlot  *slot;
	bool		wanted;
	bool		restarting;
	long		waited_ms;

	if (is_running(s))
		return false;
	bpm_workers_lock(true);
	slot = bpm_db_slot(s->dboid, true);
	if (slot && slot->paused_by != 0 && !bpm_backend_alive(slot->paused_by))
		slot->paused_by = 0;
	wanted = slot != NULL && slot->paused_by == 0 && slot->state != BPM_DB_WITHOUT_EXTENSION;
	restarting = slot != NULL && slot->state == BPM_DB_SCHEDULED;
	bpm_workers_unlock();
	waited_ms = (long) ((now - s->started_at) / 1000);
	if (wanted && restarting && waited_ms < BPM_RESTART_DELAY_MS)
	{
		*retry_ms = Min(*retry_ms, BPM_RESTART_DELAY_MS - waited_ms);
		return false;
	}
	return wanted;
}

/* Free the slots of databases that are gone and whose scheduler has left. */
static void
forget_dropped(List *databases)
{
	int			i;

	for (i = 0; i < nschedulers; i++)
	{
		BpmDbSlot  *slot;

		if (list_member_oid(databases, schedulers[i].dboid) || is_running(&schedulers[i]))
			continue;
		bpm_workers_lock(true);
		slot = bpm_db_slot(schedulers[i].dboid, false);
		if (slot)
			slot->dboid = InvalidOid;
		bpm_workers_unlock();
		schedulers[i] = schedulers[--nschedulers];
		i--;
	}
}

/* Start the schedulers that should run; returns when to look again. */
static long
start_schedulers(void)
{
	List	   *databases = connectable_databases();
	TimestampTz now = GetCurrentTimestamp();
	long		retry_ms = bpm_worker_naptime_ms;
	ListCell   *lc;

	foreach(lc, databases)
	{
		SchedulerHandle *s = scheduler_of(lfirst_oid(lc));

		if (!wants_scheduler(s, now, &retry_ms))
			continue;
		s->started_at = now;
		s->handle = bpm_start_worker("pg_bpm scheduler", "bpm_scheduler_main", s->dboid,
									 ObjectIdGetDatum(s->dboid));
	}
	forget_dropped(databases);
	list_free(databases);
	return retry_ms;
}

static void
launcher_detach(int code, Datum arg)
{
	bpm_set_launcher_latch(NULL);
}

void
bpm_launcher_main(Datum arg)
{
	bpm_worker_setup("pg_bpm launcher", InvalidOid);
	bpm_set_launcher_latch(MyLatch);
	before_shmem_exit(launcher_detach, 0);
	schedulers = MemoryContextAllocZero(TopMemoryContext, sizeof(SchedulerHandle));
	for (;;)
	{
		long		timeout = bpm_worker_naptime_ms;

		if (bpm_scheduler_enabled)
			timeout = start_schedulers();
		bpm_worker_sleep(timeout);
	}
}
