/*
 * src/case/case_role.c
 *
 * Case roles: who works on a case. A case definition names its "roles"
 * ("owner" is always one); people hold roles per case (bpm.case_role).
 * Whoever opens a case owns it. A human task of the plan with a "role" is
 * for the holders of that role in its case: its candidate group is the
 * case's role group, "case:<case id>:<role>", and granting or revoking a
 * role adds or removes the actor in that group (bpm.actor_group), so every
 * task rule (who may claim, complete, see it in a worklist) applies
 * unchanged. The owner of a case, or an operator, grants and revokes.
 * Holding any role in a case also lets one see it (visibility.c).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "security/security.h"
#include "case/case.h"
#include "util/util.h"
#include "time/time.h"

char *
bpm_case_role_group(int64 case_id, const char *role)
{
	return psprintf("case:%lld:%s", (long long) case_id, role);
}

static void
role_event(BpmInstance *inst, const char *kind, const char *role, const char *actor)
{
	bpm_event(inst, kind, NULL, 0, 0,
			  bpm_jb_build(2, (const char *[]) {"role", "actor"},
						   (Jsonb *[]) {bpm_jb_string(role), bpm_jb_string(actor)}));
}

/* The actor holds the role in the case from now on (once: granting twice changes nothing). */
void
bpm_case_role_grant(BpmInstance *inst, const char *role, const char *actor)
{
	static BpmStatement grant = {
		"INSERT INTO bpm.case_role (case_id, role, actor, granted_at, granted_by) "
		"VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
		5, {INT8OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID}
	};
	static BpmStatement member = {
		"INSERT INTO bpm.actor_group (actor, group_name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
		2, {TEXTOID, TEXTOID}
	};
	Datum		values[5];

	values[0] = Int64GetDatum(inst->id);
	values[1] = CStringGetTextDatum(role);
	values[2] = CStringGetTextDatum(actor);
	values[3] = TimestampTzGetDatum(bpm_clock_now());
	values[4] = CStringGetTextDatum(inst->actor);
	if (bpm_spi_run(&grant, values, NULL) == 0)
		return;
	values[0] = CStringGetTextDatum(actor);
	values[1] = CStringGetTextDatum(bpm_case_role_group(inst->id, role));
	bpm_spi_run(&member, values, NULL);
	role_event(inst, "role_granted", role, actor);
}

/*
 * Open tasks of the case for the role that the actor had claimed go back
 * to the role group: whoever holds the role now may claim them.
 */
static void
release_claimed(BpmInstance *inst, const char *role, const char *actor)
{
	static BpmStatement release = {
		"UPDATE bpm.task_store SET assignee = NULL WHERE instance_id = $1 AND assignee = $2 "
		"AND status = 'open' AND $3 = ANY (candidate_groups) RETURNING id, node_id",
		3, {INT8OID, TEXTOID, TEXTOID}
	};
	Datum		values[3];
	int			n;
	int			i;

	values[0] = Int64GetDatum(inst->id);
	values[1] = CStringGetTextDatum(actor);
	values[2] = CStringGetTextDatum(bpm_case_role_group(inst->id, role));
	n = bpm_spi_run(&release, values, NULL);
	for (i = 0; i < n; i++)
		bpm_event(inst, "task_unclaimed", bpm_spi_text(i, 2), bpm_spi_int64(i, 1), 0,
				  bpm_jb_build(1, (const char *[]) {"reason"},
							   (Jsonb *[]) {bpm_jb_string(psprintf("role \"%s\" revoked", role))}));
}

static void
role_revoke(BpmInstance *inst, const char *role, const char *actor)
{
	static BpmStatement revoke = {
		"DELETE FROM bpm.case_role WHERE case_id = $1 AND role = $2 AND actor = $3",
		3, {INT8OID, TEXTOID, TEXTOID}
	};
	static BpmStatement member = {
		"DELETE FROM bpm.actor_group WHERE actor = $1 AND group_name = $2",
		2, {TEXTOID, TEXTOID}
	};
	static BpmStatement owners = {
		"SELECT count(*) FROM bpm.case_role WHERE case_id = $1 AND role = 'owner'",
		1, {INT8OID}
	};
	Datum		values[3];

	values[0] = Int64GetDatum(inst->id);
	values[1] = CStringGetTextDatum(role);
	values[2] = CStringGetTextDatum(actor);
	if (bpm_spi_run(&revoke, values, NULL) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("\"%s\" does not hold role \"%s\" in case %lld", actor, role,
						(long long) inst->id)));
	bpm_spi_run(&owners, values, NULL);
	if (strcmp(role, "owner") == 0 && bpm_spi_int64(0, 1) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("case %lld would have no owner", (long long) inst->id),
				 errhint("Grant the owner role to someone else first.")));
	values[0] = CStringGetTextDatum(actor);
	values[1] = CStringGetTextDatum(bpm_case_role_group(inst->id, role));
	bpm_spi_run(&member, values, NULL);
	role_event(inst, "role_revoked", role, actor);
	release_claimed(inst, role, actor);
}

/* Lock a case and check that the caller may change its roles and that the role exists. */
static void
lock_for_roles(BpmInstance *inst, FunctionCallInfo fcinfo, const char *actor, Oid caller,
			   char **role, char **holder)
{
	static BpmStatement owns = {
		"SELECT 1 FROM bpm.case_role WHERE case_id = $1 AND role = 'owner' AND actor = $2",
		2, {INT8OID, TEXTOID}
	};
	Datum		values[2];

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, "role");
	*role = text_to_cstring(PG_GETARG_TEXT_PP(1));
	*holder = bpm_name_arg(fcinfo, 2, "actor");
	bpm_instance_lock(inst, PG_GETARG_INT64(0), actor);
	if (!inst->graph->is_case)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("instance %lld is a process, not a case", (long long) inst->id)));
	bpm_require_may_see(inst, caller);
	if (!bpm_case_has_role(inst->graph, *role))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("case \"%s\" has no role \"%s\"", inst->graph->key, *role),
				 errhint("Its definition's \"roles\" name them; \"owner\" is always one.")));
	values[0] = Int64GetDatum(inst->id);
	values[1] = CStringGetTextDatum(actor);
	if (bpm_spi_run(&owns, values, NULL) == 0 && !bpm_is_operator(caller))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" may not change the roles of case %lld", actor, (long long) inst->id),
				 errdetail("Only an owner of the case or an operator may.")));
}

/* grant_case_role and revoke_case_role: lock, check, change, save. */
static void
change_role(FunctionCallInfo fcinfo, bool grant)
{
	char	   *actor = bpm_current_actor_name();
	char	   *role;
	char	   *holder;
	BpmIdentity saved;
	BpmInstance inst;

	bpm_engine_enter(&saved);
	lock_for_roles(&inst, fcinfo, actor, saved.userid, &role, &holder);
	if (grant)
		bpm_case_role_grant(&inst, role, holder);
	else
		role_revoke(&inst, role, holder);
	bpm_instance_save(&inst);
	bpm_engine_leave(&saved);
}

/*
 * bpm.grant_case_role(case_id bigint, role text, actor text) RETURNS void
 *
 * The actor holds the role in the case (and works its tasks for that
 * role). Granting a role held already changes nothing. 42704 unknown case
 * or role, 42809 a process, 42501 the caller is neither an owner of the
 * case nor an operator, 22004 / 22023 / 22001 a null, empty or too long
 * actor (util/names.h).
 */
PG_FUNCTION_INFO_V1(bpm_grant_case_role);
Datum
bpm_grant_case_role(PG_FUNCTION_ARGS)
{
	change_role(fcinfo, true);
	PG_RETURN_VOID();
}

/*
 * bpm.revoke_case_role(case_id bigint, role text, actor text) RETURNS void
 *
 * The actor no longer holds the role (42704 if they did not); the last
 * owner cannot be revoked (55000); the open role tasks they had claimed go
 * back to the role group.
 */
PG_FUNCTION_INFO_V1(bpm_revoke_case_role);
Datum
bpm_revoke_case_role(PG_FUNCTION_ARGS)
{
	change_role(fcinfo, false);
	PG_RETURN_VOID();
}
