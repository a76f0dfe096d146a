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

/*
 * Refuse (55000) to act while the installed SQL is not the library's.
 * Asked once per backend until it holds: an update is never undone
 * within the life of a library, so the answer stays true. SPI connected.
 */
void
bpm_require_current_sql(void)
{
	static bool current = false;
	const char *installed;

	if (current)
		return;
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
