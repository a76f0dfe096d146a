/*
 * src/pg_bpm.c
 *
 * Module entry point: PG_MODULE_MAGIC and _PG_init, which asks the
 * modules to register their settings and, when preloaded, the background
 * workers to claim shared memory and register the launcher, then reserves
 * the prefix of the server settings, pg_bpm (bpm.actor, which
 * applications set per transaction, has a prefix of its own, not
 * reserved). The behaviour lives in the concept modules (definition,
 * engine, task, job, audit, ...).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "case/case.h"
#include "process/process.h"
#include "security/security.h"
#include "util/util.h"
#include "time/time.h"
#include "worker/worker.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	bpm_actor_init();
	bpm_case_init();
	bpm_clock_init();
	bpm_start_timer_init();
	bpm_workers_init();
	/* every pg_bpm.* setting is defined now: a misspelt one in postgresql.conf is reported */
	MarkGUCPrefixReserved("pg_bpm");
}
