/*
 * src/security/actor.c
 *
 * The acting user and the identity switch of the engine. See actor.h.
 *
 * Who may act for others. The setting bpm.actor may be set by anyone (it is
 * an ordinary user setting), so it is checked where it is used, in
 * bpm_current_actor_name(): a setting that names another user than the
 * role is honoured only if the role holds EXECUTE on bpm.act_as(text).
 * That privilege is the right to act for others: operators (the schema
 * owner, its members, superusers) hold it, and an operator grants it to an
 * application's role like any other privilege, which \df+ shows and
 * pg_dump keeps. The role checked is the outer one (GetOuterUserId: the
 * session's role after SET ROLE), never the current one, so neither a
 * SECURITY DEFINER function nor the engine's own identity switches lend
 * the right to a caller that lacks it. Nor does the session lend it to a
 * deployer's code (a script or SQL service task function, which may run in
 * an operator's session or in the background runner, which connects as the
 * bootstrap superuser and acts as "pg_bpm"): while such code runs, the
 * engine vouches for the actor the step began with, and any other name
 * needs the deployer's own right (bpm_user_code_enter).
 *
 * bpm.current_actor() is evaluated once per row of a query, so the decision
 * is cached per backend, keyed by the outer role and the setting, and reset
 * by syscache callbacks when bpm.act_as(text) changes (GRANT, REVOKE, DROP
 * EXTENSION) or any role or role membership does.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "security/actor.h"
#include "util/util.h"

static char *actor_setting = NULL;

/* The cached decision: may the role act as the actor? */
typedef struct ActorDecision
{
	bool		valid;
	Oid			role;			/* the outer role */
	char	   *actor;			/* the setting, in TopMemoryContext */
	bool		allowed;
} ActorDecision;

static ActorDecision decision = {false, InvalidOid, NULL, false};

/* The deployer's code that runs now, if any. */
static BpmUserCode user_code = {InvalidOid, NULL, NULL, 0, NULL};

/* bpm.act_as(text), once looked up, and its hash in the PROCOID cache */
static Oid	act_as_oid = InvalidOid;
static uint32 act_as_hash = 0;

/* Counts invalidations, so that a decision made across one is not kept. */
static uint64 actor_cache_generation = 0;

/*
 * The actor is stored as an assignee, a worker, a case role's holder, the
 * author of every event: a name (util/names.h), so at most BPM_NAME_MAX
 * bytes (22001). Empty means the role.
 */
static bool
actor_check(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || strlen(*newval) <= BPM_NAME_MAX)
		return true;
	GUC_check_errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION);
	GUC_check_errdetail("An actor is at most %d bytes, not %d: \"%s\".",
						BPM_NAME_MAX, (int) strlen(*newval), bpm_name_clip(*newval));
	return false;
}

void
bpm_actor_init(void)
{
	DefineCustomStringVariable("bpm.actor",
							   "The user on whose behalf this session acts.",
							   "Applications that serve many users through one role set it per transaction "
							   "with SELECT bpm.act_as('alice'). Empty means the current role. A role may "
							   "name another user only if it may execute bpm.act_as(text).",
							   &actor_setting,
							   "",
							   PGC_USERSET,
							   0,
							   actor_check, NULL, NULL);
}

/*
 * Syscache callback: bpm.act_as(text) changed (PROCOID), or a role or a role
 * membership did (AUTHOID, AUTHMEMROLEMEM). Other functions' changes leave
 * the decision alone once bpm.act_as(text) is known.
 */
static void
actor_cache_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	if (cacheid == PROCOID && OidIsValid(act_as_oid) &&
		hashvalue != 0 && hashvalue != act_as_hash)
		return;
	if (cacheid == PROCOID)
		act_as_oid = InvalidOid;
	decision.valid = false;
	actor_cache_generation++;
}

/* The OID of bpm.act_as(text), InvalidOid if there is none. */
static Oid
act_as_function(void)
{
	Oid			nsp;
	Oid			argtype = TEXTOID;

	if (OidIsValid(act_as_oid))
		return act_as_oid;
	nsp = get_namespace_oid("bpm", true);
	if (!OidIsValid(nsp))
		return InvalidOid;
	act_as_oid = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
								 CStringGetDatum("act_as"),
								 PointerGetDatum(buildoidvector(&argtype, 1)),
								 ObjectIdGetDatum(nsp));
	if (OidIsValid(act_as_oid))
		act_as_hash = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(act_as_oid));
	return act_as_oid;
}

/*
 * May the role act as the actor: is the actor the role's own name, or may
 * the role execute bpm.act_as(text)? (Were that function missing, only
 * operators could.)
 */
static bool
decide(Oid role, const char *actor)
{
	Oid			fn;

	if (strcmp(GetUserNameFromId(role, false), actor) == 0)
		return true;
	fn = act_as_function();
	if (!OidIsValid(fn))
		return bpm_is_operator(role);
	return pg_proc_aclcheck(fn, role, ACL_EXECUTE) == ACLCHECK_OK;
}

/* decide(), through the per-backend cache. Needs a transaction on a miss. */
static bool
may_act_as(Oid role, const char *actor)
{
	static bool callbacks_registered = false;
	uint64		generation;
	bool		allowed;
	char	   *copy;

	if (decision.valid && decision.role == role && strcmp(decision.actor, actor) == 0)
		return decision.allowed;
	if (!IsTransactionState())
		elog(ERROR, "pg_bpm: the acting user can only be checked in a transaction");
	if (!callbacks_registered)
	{
		CacheRegisterSyscacheCallback(PROCOID, actor_cache_invalidate, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHOID, actor_cache_invalidate, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, actor_cache_invalidate, (Datum) 0);
		callbacks_registered = true;
	}
	/* catalog reads may process invalidations: decide again after one */
	do
	{
		generation = actor_cache_generation;
		allowed = decide(role, actor);
	} while (generation != actor_cache_generation);

	copy = MemoryContextStrdup(TopMemoryContext, actor);
	if (decision.actor != NULL)
		pfree(decision.actor);
	decision.actor = copy;
	decision.role = role;
	decision.allowed = allowed;
	decision.valid = true;
	return allowed;
}

/*
 * The acting user: the setting bpm.actor when set, else the current role.
 * A setting that names another user than the outer role is refused (42501)
 * unless that role may act for others (see the top of this file).
 */
char *
bpm_current_actor_name(void)
{
	Oid			role;
	char	   *role_name;

	if (actor_setting == NULL || actor_setting[0] == '\0')
		return GetUserNameFromId(GetUserId(), false);
	if (OidIsValid(user_code.deployer) && strcmp(actor_setting, user_code.actor) == 0)
		return pstrdup(actor_setting);	/* vouched for when the step began */
	role = OidIsValid(user_code.deployer) ? user_code.deployer : GetOuterUserId();
	if (may_act_as(role, actor_setting))
		return pstrdup(actor_setting);
	role_name = GetUserNameFromId(role, false);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("role \"%s\" may not act as \"%s\"", role_name, actor_setting),
			 errdetail("The setting bpm.actor names another user, and only roles allowed to act for others may set it."),
			 errhint("An operator grants it: GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO %s.",
					 quote_identifier(role_name))));
	return NULL;				/* keep the compiler quiet */
}

/*
 * A deployer's code starts (saved: what ran before, for
 * bpm_user_code_leave, which must run however the code ends), in a step
 * that holds the state of the instances holds in memory: the code may not
 * act on them (bpm_user_code_holder).
 *
 * Every setting the code changes (set_config, SET, SET LOCAL: search_path,
 * bpm.actor, statement_timeout, ...) ends with it, as the settings of a
 * function's SET clauses do: the code runs at a GUC nest level of its own,
 * which bpm_user_code_leave unwinds as a subtransaction's abort would.
 * Otherwise a search_path the code chose would be the caller's on their
 * next statement, with the caller's rights.
 */
void
bpm_user_code_enter(Oid deployer, const char *actor, const int64 *holds, int nholds,
					BpmUserCode *saved)
{
	*saved = user_code;
	user_code.deployer = deployer;
	user_code.actor = actor;
	user_code.holds = holds;
	user_code.nholds = nholds;
	user_code.outer = saved;
	user_code.guc_level = NewGUCNestLevel();
}

/*
 * Does user code run, here or further out, in a step that holds this
 * instance? The instance whose code it is (the first it holds), or 0.
 */
int64
bpm_user_code_holder(int64 instance_id)
{
	const BpmUserCode *code;
	int			i;

	for (code = &user_code; code != NULL && OidIsValid(code->deployer); code = code->outer)
		for (i = 0; i < code->nholds; i++)
			if (code->holds[i] == instance_id)
				return code->holds[0];
	return 0;
}

/*
 * The code ended, or an error leaves it: its settings are undone (on an
 * error the (sub)transaction's abort would undo them too; undoing them
 * here first is the same, and keeps the nest levels in step).
 */
void
bpm_user_code_leave(const BpmUserCode *saved)
{
	AtEOXact_GUC(false, user_code.guc_level);
	user_code = *saved;
}

/* bpm.current_actor() RETURNS text: see bpm_current_actor_name. Raises 42501. */
PG_FUNCTION_INFO_V1(bpm_current_actor);
Datum
bpm_current_actor(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(bpm_current_actor_name()));
}

/*
 * bpm.act_as(actor text) RETURNS void
 *
 * Sets bpm.actor for the rest of the current transaction, as SET LOCAL
 * does; NULL or '' goes back to the role. EXECUTE on this function is the
 * right to act for others, revoked from PUBLIC (42501 from PostgreSQL).
 * Checks at once, as every later use of the actor will, that the
 * session's role may act as the actor: inside a SECURITY DEFINER function
 * whose owner holds the right, a caller that lacks it gets 42501 here.
 */
PG_FUNCTION_INFO_V1(bpm_act_as);
Datum
bpm_act_as(PG_FUNCTION_ARGS)
{
	const char *actor = PG_ARGISNULL(0) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(0));

	(void) set_config_option("bpm.actor", actor, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	(void) bpm_current_actor_name();
	PG_RETURN_VOID();
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
