/*
 * src/worker/utility_hook.c
 *
 * The utility hook: statements the background workers must hear of.
 *
 * DROP DATABASE, and CREATE DATABASE ... TEMPLATE, ALTER DATABASE ...
 * RENAME and ALTER DATABASE ... SET TABLESPACE, all need a database that
 * nobody else is connected to; before they run, the database's scheduler
 * and runners are stopped and kept away until the statement's transaction
 * ends, so that pg_bpm never makes them fail. CREATE EXTENSION pg_bpm
 * wakes the launcher at commit, so the new database gets its scheduler at
 * once; DROP EXTENSION pg_bpm (or DROP SCHEMA bpm) first stops the
 * database's workers for the rest of the transaction, as DROP DATABASE
 * does, so that a runner busy with a job does not deadlock with the drop,
 * and at commit the scheduler finds the extension gone; ALTER EXTENSION pg_bpm
 * UPDATE wakes it too, to run jobs again once the SQL is at the library's
 * version (scheduler.c).
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"

#include "util/util.h"
#include "worker/workers.h"

static ProcessUtility_hook_type prev_process_utility = NULL;

/*
 * Pause the workers of database dbname for a statement that needs it to
 * itself, when the statement can run: not in a transaction block for
 * those that refuse one (everything but a rename), and for a caller who
 * owns the database (or, to copy it, may create databases). Otherwise
 * anyone could stop another database's workers, by a statement that then
 * fails, for as long as their transaction lasts.
 */
static void
pause_for(Node *stmt, const char *dbname)
{
	Oid			dboid = dbname ? get_database_oid(dbname, true) : InvalidOid;
	bool		may;

	if (!OidIsValid(dboid))
		return;
	if (!IsA(stmt, RenameStmt) && IsTransactionBlock())
		return;
	may = IsA(stmt, CreatedbStmt) ? have_createdb_privilege()
		: pg_database_ownercheck(dboid, GetUserId());
	if (may)
		bpm_workers_pause_database(dboid);
}

/* Whether the caller may drop pg_bpm (owns the extension or schema bpm). */
static bool
may_drop_pg_bpm(void)
{
	Oid			ext = get_extension_oid("pg_bpm", true);
	Oid			nsp = get_namespace_oid("bpm", true);

	return (OidIsValid(ext) && pg_extension_ownercheck(ext, GetUserId())) ||
		(OidIsValid(nsp) && pg_namespace_ownercheck(nsp, GetUserId()));
}

/* The value of option `name` in a list of DefElems, or NULL. */
static const char *
option(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, name) == 0 && def->arg != NULL)
			return defGetString(def);
	}
	return NULL;
}

/* The database a statement needs to itself, or NULL. */
static const char *
database_needed_alone(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_DropdbStmt:
			return ((DropdbStmt *) stmt)->dbname;
		case T_RenameStmt:
			if (((RenameStmt *) stmt)->renameType == OBJECT_DATABASE)
				return ((RenameStmt *) stmt)->subname;
			return NULL;
		case T_CreatedbStmt:
			return option(((CreatedbStmt *) stmt)->options, "template");
		case T_AlterDatabaseStmt:
			if (option(((AlterDatabaseStmt *) stmt)->options, "tablespace"))
				return ((AlterDatabaseStmt *) stmt)->dbname;
			return NULL;
		default:
			return NULL;
	}
}

/* DROP EXTENSION pg_bpm, or DROP SCHEMA bpm (CASCADE drops the extension with it). */
static bool
drops_pg_bpm(Node *stmt)
{
	ListCell   *lc;
	DropStmt   *drop = (DropStmt *) stmt;
	const char *name;

	if (!IsA(stmt, DropStmt) ||
		(drop->removeType != OBJECT_EXTENSION && drop->removeType != OBJECT_SCHEMA))
		return false;
	name = drop->removeType == OBJECT_EXTENSION ? "pg_bpm" : "bpm";
	foreach(lc, drop->objects)
		if (strcmp(strVal(lfirst(lc)), name) == 0)
			return true;
	return false;
}

static void
bpm_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					ProcessUtilityContext context, ParamListInfo params,
					QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	pause_for(stmt, database_needed_alone(stmt));
	/*
	 * A runner in the middle of a job holds locks on the tables the drop
	 * takes one after the other: the two would deadlock. The database's
	 * workers step aside first, and come back when the transaction ends
	 * (if the drop rolled back, the job they were running is done again).
	 * Only for a caller the drop is allowed to.
	 */
	if (drops_pg_bpm(stmt) && may_drop_pg_bpm())
		bpm_workers_pause_database(MyDatabaseId);
	if (IsA(stmt, CreateExtensionStmt) &&
		strcmp(((CreateExtensionStmt *) stmt)->extname, "pg_bpm") == 0)
	{
		bpm_workers_note_extension_created();
		bpm_forget_sql_version();
	}
	if (IsA(stmt, AlterExtensionStmt) &&
		strcmp(((AlterExtensionStmt *) stmt)->extname, "pg_bpm") == 0)
		bpm_forget_sql_version();
	if (drops_pg_bpm(stmt) ||
		(IsA(stmt, AlterExtensionStmt) &&
		 strcmp(((AlterExtensionStmt *) stmt)->extname, "pg_bpm") == 0))
		bpm_workers_note_extension_changed();
	if (prev_process_utility)
		prev_process_utility(pstmt, queryString, readOnlyTree, context, params,
							 queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
}

void
bpm_utility_init(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = bpm_process_utility;
}
