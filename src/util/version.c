/*
 * src/util/version.c
 *
 * The version of pg_bpm's SQL installed in the current database. A new
 * library runs against the old SQL from the moment its package is
 * installed until ALTER EXTENSION pg_bpm UPDATE: the scheduler then runs
 * no jobs (worker/scheduler.c), and the engine refuses to act, with a
 * message that says what to do, rather than failing on a column the old
 * tables lack.
 */
#include "postgres.h"

#include "access/xact.h"

#include "util/spi_util.h"
#include "util/version.h"

/* The installed version (palloc'd), or NULL when pg_bpm is not installed. SPI connected. */
const char *
bpm_installed_version(void)
{
	static BpmStatement version = {
		"SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_bpm'", 0, {0}
	};

	if (bpm_spi_run(&version, NULL, NULL) != 1)
		return NULL;
	return bpm_spi_text(0, 1);
}

/* The installed SQL was found to be the library's (asked again after forgetting). */
static bool current = false;

/* An update rolled back, in a transaction or to a savepoint: ask again. */
static void
forget_on_abort(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		current = false;
}

static void
forget_on_subabort(SubXactEvent event, SubTransactionId mySubid,
				   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		current = false;
}

/* The extension is created or updated in this backend: ask again. */
void
bpm_forget_sql_version(void)
{
	current = false;
}

/*
 * Refuse (55000) to act while the installed SQL is not the library's.
 * Asked once per backend while the answer holds: it is forgotten when a
 * transaction or subtransaction of this backend aborts (an update rolled
 * back) and when this backend creates or updates the extension
 * (bpm_forget_sql_version, from the utility hook). Another backend's
 * DROP and CREATE EXTENSION pg_bpm VERSION '0.1.0' goes unnoticed until
 * this one's next abort. SPI connected.
 */
void
bpm_require_current_sql(void)
{
	static bool callbacks = false;
	const char *installed;

	if (current)
		return;
	if (!callbacks)
	{
		RegisterXactCallback(forget_on_abort, NULL);
		RegisterSubXactCallback(forget_on_subabort, NULL);
		callbacks = true;
	}
	installed = bpm_installed_version();
	if (installed != NULL && strcmp(installed, BPM_EXTVERSION) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_bpm %s is installed in this database, but the library is %s",
						installed, BPM_EXTVERSION),
				 errdetail("The library was upgraded; the extension's SQL was not."),
				 errhint("Run ALTER EXTENSION pg_bpm UPDATE.")));
	current = true;
}
