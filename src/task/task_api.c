/*
 * src/task/task_api.c
 *
 * The SQL functions that work tasks: bpm.complete_task, bpm.claim,
 * bpm.unclaim and bpm.assign. Each is an UPDATE of the view bpm.task run as
 * the caller, so the INSTEAD OF trigger (task_trigger.c) checks the same
 * rules as for any client's UPDATE; claim and unclaim check first to say
 * precisely why they refuse.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "security/security.h"
#include "process/process.h"
#include "util/util.h"
#include "task/task.h"

/*
 * Lock a task's instance (the engine's lock order; a free task: its own
 * row, see free_task.c), then read the task as it is now and require that
 * the actor may see it and that it is open. Raises 42704, 42501 and 55000.
 */
static void
lock_open_task(int64 task_id, TaskRow *row, const char *actor, Oid caller)
{
	bpm_task_lock(task_id);
	bpm_task_read(task_id, row);
	bpm_require_may_see_task(task_id, row->instance_id, actor, caller);
	bpm_task_refuse_unless_open(row);
}

/*
 * Update the view bpm.task as the caller, so the trigger sees who acts and
 * the caller's column privileges apply. Returns the rows updated (0 or 1).
 */
static int
update_task_as_caller(const BpmIdentity *caller, BpmStatement *stmt,
					  Datum *values, const char *nulls)
{
	BpmIdentity owner;
	int			n;

	bpm_become(caller->userid, &owner);
	n = bpm_spi_run(stmt, values, nulls);
	bpm_restore_identity(&owner);
	return n;
}

/*
 * bpm.complete_task(task_id bigint, data jsonb DEFAULT '{}') RETURNS void
 *
 * An UPDATE of the task to completed with data as its output; the trigger
 * locks the instance, checks the rules and moves the process on. Raises
 * 42704, 55000, 42501, 23502 (see task_rules.c).
 */
PG_FUNCTION_INFO_V1(bpm_complete_task);
Datum
bpm_complete_task(PG_FUNCTION_ARGS)
{
	static BpmStatement complete = {
		"UPDATE bpm.task SET status = 'completed', output = $2 WHERE id = $1",
		2, {INT8OID, JSONBOID}
	};
	Datum		values[2];
	char	   *actor = bpm_current_actor_name();
	BpmIdentity caller;
	TaskRow		task;

	bpm_require_arg(fcinfo, 0, "task id");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_ARGISNULL(1) ? JsonbPGetDatum(bpm_jb_empty_object()) : PG_GETARG_DATUM(1);

	bpm_engine_enter(&caller);
	if (update_task_as_caller(&caller, &complete, values, NULL) == 0)
	{
		/* the caller's UPDATE saw no row: say why (42704 or 42501) */
		bpm_task_read(PG_GETARG_INT64(0), &task);
		bpm_require_may_see_task(task.id, task.instance_id, actor, caller.userid);
		elog(ERROR, "pg_bpm: task %lld is visible but was not updated", (long long) task.id);
	}
	bpm_engine_leave(&caller);
	PG_RETURN_VOID();
}

static void
set_assignee(const BpmIdentity *caller, int64 task_id, const char *assignee)
{
	static BpmStatement update = {
		"UPDATE bpm.task SET assignee = $2 WHERE id = $1",
		2, {INT8OID, TEXTOID}
	};
	Datum		values[2];
	char		nulls[2] = {' ', BPM_NULL(assignee == NULL)};

	values[0] = Int64GetDatum(task_id);
	values[1] = assignee ? CStringGetTextDatum(assignee) : (Datum) 0;
	(void) update_task_as_caller(caller, &update, values, nulls);
}

/*
 * bpm.claim(task_id bigint) RETURNS void
 *
 * Assigns an unassigned open task to the current actor, who must be in one
 * of its candidate groups when it has any. Claiming one's own task again
 * changes nothing. Locks the instance, then the task. Raises 42704, 55000
 * (not open, or claimed by someone else), 42501 (not a candidate).
 */
PG_FUNCTION_INFO_V1(bpm_claim);
Datum
bpm_claim(PG_FUNCTION_ARGS)
{
	int64		task_id;
	char	   *actor = bpm_current_actor_name();
	TaskRow		task;
	BpmIdentity caller;

	bpm_require_arg(fcinfo, 0, "task id");
	task_id = PG_GETARG_INT64(0);
	bpm_engine_enter(&caller);
	lock_open_task(task_id, &task, actor, caller.userid);
	if (task.assignee && strcmp(task.assignee, actor) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task %lld is already claimed by \"%s\"", (long long) task_id, task.assignee),
				 errhint("The assignee can give it back with bpm.unclaim(%lld).", (long long) task_id)));
	/* checked here too: operators may assign anyone, but a claim is for candidates */
	if (task.has_groups && !bpm_actor_in_groups(actor, task.candidate_groups))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" may not claim task %lld: not in its candidate groups %s",
						actor, (long long) task_id, bpm_task_groups_text(task.candidate_groups))));
	if (task.assignee == NULL)
		set_assignee(&caller, task_id, actor);
	bpm_engine_leave(&caller);
	PG_RETURN_VOID();
}

/*
 * bpm.unclaim(task_id bigint) RETURNS void
 *
 * Gives a claimed task back to its candidate groups. Only its assignee may.
 * Raises 42704, 55000 (not open or not claimed), 42501 (someone else's).
 */
PG_FUNCTION_INFO_V1(bpm_unclaim);
Datum
bpm_unclaim(PG_FUNCTION_ARGS)
{
	int64		task_id;
	char	   *actor = bpm_current_actor_name();
	TaskRow		task;
	BpmIdentity caller;

	bpm_require_arg(fcinfo, 0, "task id");
	task_id = PG_GETARG_INT64(0);
	bpm_engine_enter(&caller);
	lock_open_task(task_id, &task, actor, caller.userid);
	if (task.assignee == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task %lld is not claimed", (long long) task_id)));
	if (strcmp(task.assignee, actor) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("task %lld is claimed by \"%s\"; only they can unclaim it",
						(long long) task_id, task.assignee),
				 errhint("An operator can take it away with bpm.assign(%lld, NULL).", (long long) task_id)));
	set_assignee(&caller, task_id, NULL);
	bpm_engine_leave(&caller);
	PG_RETURN_VOID();
}

/*
 * bpm.assign(task_id bigint, actor text) RETURNS void
 *
 * Sets the assignee of an open task (NULL unassigns). Raises 42704, 55000.
 */
PG_FUNCTION_INFO_V1(bpm_assign);
Datum
bpm_assign(PG_FUNCTION_ARGS)
{
	int64		task_id;
	char	   *assignee;
	char	   *actor = bpm_current_actor_name();
	TaskRow		task;
	BpmIdentity caller;

	bpm_require_arg(fcinfo, 0, "task id");
	task_id = PG_GETARG_INT64(0);
	assignee = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));

	bpm_engine_enter(&caller);
	lock_open_task(task_id, &task, actor, caller.userid);
	set_assignee(&caller, task_id, assignee);
	bpm_engine_leave(&caller);
	PG_RETURN_VOID();
}
