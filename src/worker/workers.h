/*
 * src/worker/workers.h
 *
 * The background workers and what they share. With pg_bpm in
 * shared_preload_libraries the postmaster starts one launcher; the launcher
 * starts one scheduler for each database that has the extension; each
 * scheduler starts up to pg_bpm.max_job_workers runners for its database.
 *
 *   launcher (no database) --starts--> scheduler (database d) --starts--> runners
 *
 * They meet in shared memory: one slot per database holds the latches of its
 * scheduler and runners, the time the scheduler will next wake up by itself,
 * and the jobs the runners are running. A transaction that commits a job
 * due sooner than that time sets the scheduler's latch; a runner that runs
 * out of due jobs sets it too; the scheduler sets the runners' latches when
 * jobs fall due. No process polls.
 */
#ifndef BPM_WORKERS_H
#define BPM_WORKERS_H

#include "datatype/timestamp.h"
#include "postmaster/bgworker.h"
#include "storage/latch.h"

#define BPM_MAX_RUNNERS	16

/* What the launcher knows of a database. */
typedef enum BpmDbState
{
	BPM_DB_UNKNOWN,				/* not checked yet, or the extension was created since */
	BPM_DB_SCHEDULED,			/* its scheduler runs (or is being started) */
	BPM_DB_WITHOUT_EXTENSION	/* its scheduler found no pg_bpm and left */
} BpmDbState;

typedef struct BpmRunnerSlot
{
	pid_t		pid;			/* 0 when not running */
	Latch	   *latch;
	bool		idle;			/* waiting for the scheduler */
	int64		job_id;			/* the job it is running, 0 if none */
} BpmRunnerSlot;

typedef struct BpmDbSlot
{
	Oid			dboid;			/* InvalidOid: free slot */
	BpmDbState	state;
	pid_t		paused_by;		/* a backend dropping or copying the database */
	pid_t		scheduler_pid;
	Latch	   *scheduler_latch;
	TimestampTz wake_at;		/* commits of jobs due before this wake the scheduler */
	uint64		jobs_run;		/* by this database's runners since they started */
	BpmRunnerSlot runners[BPM_MAX_RUNNERS];
} BpmDbSlot;

/* settings (workers.c) */
extern bool bpm_scheduler_enabled;
extern int	bpm_max_job_workers;
extern int	bpm_worker_naptime_ms;

/* workers.c: shared memory and wake-ups */
extern void bpm_workers_init(void);
extern void bpm_workers_lock(bool exclusive);
extern void bpm_workers_unlock(void);
extern BpmDbSlot *bpm_db_slot(Oid dboid, bool create);
extern void bpm_set_launcher_latch(Latch *latch);
extern void bpm_wake_launcher(void);
extern void bpm_workers_pause_database(Oid dboid);
extern void bpm_workers_note_extension_created(void);
extern void bpm_workers_note_extension_changed(void);
extern bool bpm_backend_alive(pid_t pid);

/* launcher.c, scheduler.c, runner.c: the workers' main functions */
extern PGDLLEXPORT void bpm_launcher_main(Datum arg);
extern PGDLLEXPORT void bpm_scheduler_main(Datum arg);
extern PGDLLEXPORT void bpm_runner_main(Datum arg);
extern void bpm_launcher_register(void);

/* workers.c: what every worker does */
extern BackgroundWorkerHandle *bpm_start_worker(const char *type, const char *function,
											   Oid dboid, Datum arg);
extern void bpm_worker_setup(const char *type, Oid dboid);
extern void bpm_worker_context_job(int64 job_id, const char *kind, int64 instance_id);
extern void bpm_worker_sleep(long timeout_ms);

/* utility_hook.c */
extern void bpm_utility_init(void);

#endif							/* BPM_WORKERS_H */
