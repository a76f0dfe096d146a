/*
 * src/actor.c
 *
 * The acting user and the identity switch of the engine. See actor.h.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/syscache.h"

#include "actor.h"
#include "spi_util.h"

char	   *bpm_actor_setting = NULL;

void
bpm_actor_init(void)
{
	DefineCustomStringVariable("bpm.actor",
							   "The user on whose behalf this session acts.",
							   "Applications that serve many users through one role set it per transaction "
							   "(SET LOCAL bpm.actor = 'alice'). Empty means the current role.",
							   &bpm_actor_setting,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);
}

/* bpm.current_actor() RETURNS text */
PG_FUNCTION_INFO_V1(bpm_current_actor);
Datum
bpm_current_actor(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(bpm_current_actor_name()));
}

char *
bpm_current_actor_name(void)
{
	if (bpm_actor_setting != NULL && bpm_actor_setting[0] != '\0')
		return pstrdup(bpm_actor_setting);
	return GetUserNameFromId(GetUserId(), false);
}

/* The owner of schema bpm: the role the engine writes as. */
Oid
bpm_schema_owner(void)
{
	Oid			nsp = get_namespace_oid("bpm", false);
	HeapTuple	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "pg_bpm: cache lookup failed for schema %u", nsp);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Is the role an operator: one with the privileges of the owner of
 * the bpm schema (the role that installed the extension, its members, and
 * superusers)? Operators may reassign any task.
 */
bool
bpm_is_operator(Oid role)
{
	return has_privs_of_role(role, bpm_schema_owner());
}

/*
 * Switch to a role for the engine's own statements. Restored by
 * bpm_restore_identity, or by transaction abort if an error escapes.
 */
void
bpm_become(Oid role, BpmIdentity *saved)
{
	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	saved->guc_level = 0;
	SetUserIdAndSecContext(role, saved->sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

void
bpm_become_owner(BpmIdentity *saved)
{
	bpm_become(bpm_schema_owner(), saved);
	saved->guc_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

void
bpm_restore_identity(const BpmIdentity *saved)
{
	if (saved->guc_level > 0)
		AtEOXact_GUC(true, saved->guc_level);
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}

/*
 * Enter and leave the engine from an SQL-callable function or trigger: act
 * as the schema owner with the pinned search_path, SPI connected.
 */
void
bpm_engine_enter(BpmIdentity *saved)
{
	bpm_become_owner(saved);
	bpm_spi_connect();
}

void
bpm_engine_leave(const BpmIdentity *saved)
{
	bpm_spi_finish();
	bpm_restore_identity(saved);
}

/* Refuse a NULL argument of a non-strict function (22004). */
void
bpm_require_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
}

/* Is the actor a member of any of the groups (a text[] datum)? */
bool
bpm_actor_in_groups(const char *actor, Datum groups)
{
	static BpmStatement stmt = {
		"SELECT 1 FROM bpm.actor_group WHERE actor = $1 AND group_name = ANY ($2) LIMIT 1",
		2, {TEXTOID, TEXTARRAYOID}
	};
	Datum		values[2];

	values[0] = CStringGetTextDatum(actor);
	values[1] = groups;
	return bpm_spi_run(&stmt, values, NULL) > 0;
}
