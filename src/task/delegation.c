/*
 * src/task/delegation.c
 *
 * Delegation, with Camunda's semantics: the assignee of a task (its owner
 * from then on) hands it to a delegate, who works it; the delegate's
 * completion *resolves* it — the task goes back to its owner, still open,
 * with the delegate's output kept — and the owner completes it, under all
 * the task's rules (assignee, four eyes, required fields, subtasks). For
 * tasks of processes and free tasks alike.
 *
 *   (none) --delegate(owner: the assignee)--> pending --delegate's completion--> resolved
 *              ^                                |   \--delegate again (owner kept)--/ (pending)
 *              |                                |
 *              \------ resolved --delegate------/   (a new round: the assignee is the owner)
 *
 * While pending (bpm.task.delegation_state = 'pending'): the delegate is
 * the assignee; the assignee changes only through bpm.delegate or the
 * resolution (55000 for a plain reassignment, claim or unclaim); only the
 * delegate may complete the task — which resolves it (42501 for anyone
 * else, the owner included). The owner's final completion gets the
 * delegate's output merged under its own (the owner's keys win).
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

static bool
same_actor(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The rules of a pending delegation for an UPDATE of the task (task_rules.c). */
void
bpm_delegation_check_change(const TaskRow *cur, const TaskRow *next, const char *actor)
{
	if (!BPM_TASK_DELEGATED(cur))
		return;
	if (!same_actor(cur->assignee, next->assignee))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task %lld is delegated to \"%s\": its assignee cannot be changed",
						(long long) cur->id, cur->assignee),
				 errhint("The delegate resolves it with bpm.complete_task(%lld), or delegates it again with bpm.delegate(%lld, actor).",
						 (long long) cur->id, (long long) cur->id)));
	if (strcmp(next->status, "completed") == 0 && !same_actor(cur->assignee, actor))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" may not complete task %lld (\"%s\"): it is delegated to \"%s\"",
						actor, (long long) cur->id, cur->node_id ? cur->node_id : cur->title,
						cur->assignee),
				 errdetail("The delegate resolves it; then its owner \"%s\" completes it.",
						   cur->owner)));
}

/*
 * The delegate completes a pending task: it goes back to its owner, open,
 * resolved, keeping the delegate's output (a JSON object: 22023).
 */
void
bpm_delegation_resolve(const TaskRow *cur, TaskRow *next)
{
	bpm_task_require_object_output(cur, next);
	next->status = "open";
	next->assignee = cur->owner;
	next->delegation_state = "resolved";
}

/*
 * bpm.delegate(task_id bigint, to_actor text) RETURNS void
 *
 * The assignee (or an operator) hands an open task to a delegate. The
 * owner becomes the assignee (a delegate who delegates again keeps the
 * original owner); state pending; event task_delegated {"from", "to",
 * "owner"}. Locks the task's instance (a free task: its row). Raises 42704,
 * 55000 (not open, not assigned), 42501 (not the assignee or an operator),
 * 22023 (to the assignee or to the owner), 22004.
 */
PG_FUNCTION_INFO_V1(bpm_delegate);
Datum
bpm_delegate(PG_FUNCTION_ARGS)
{
	static BpmStatement write = {
		"UPDATE bpm.task_store SET assignee = $2, owner = $3, delegation_state = 'pending' "
		"WHERE id = $1",
		3, {INT8OID, TEXTOID, TEXTOID}
	};
	int64		task_id;
	char	   *to;
	char	   *actor = bpm_current_actor_name();
	const char *owner;
	TaskRow		task;
	BpmIdentity caller;
	TaskScope	scope;
	int64		instance_id;
	Datum		values[3];

	bpm_require_arg(fcinfo, 0, "task id");
	task_id = PG_GETARG_INT64(0);
	to = bpm_name_arg(fcinfo, 1, "delegate");

	bpm_engine_enter(&caller);
	instance_id = bpm_task_begin(&scope, task_id, actor);
	bpm_require_may_see_task(task_id, instance_id, actor, caller.userid);
	bpm_task_read(task_id, &task);
	bpm_task_refuse_unless_open(&task);
	if (task.assignee == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task %lld is not assigned: only an assigned task can be delegated",
						(long long) task_id),
				 errhint("Claim it first with bpm.claim(%lld).", (long long) task_id)));
	if (!same_actor(task.assignee, actor) && !bpm_is_operator(caller.userid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" may not delegate task %lld", actor, (long long) task_id),
				 errdetail("It is assigned to \"%s\"; only they or an operator may.", task.assignee)));
	owner = BPM_TASK_DELEGATED(&task) ? task.owner : task.assignee;
	if (same_actor(to, task.assignee))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("task %lld is already assigned to \"%s\"", (long long) task_id, to)));
	if (same_actor(to, owner))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("task %lld cannot be delegated to its owner \"%s\"", (long long) task_id, to),
				 errhint("The delegate resolves it with bpm.complete_task(%lld); it then goes back to its owner.",
						 (long long) task_id)));
	values[0] = Int64GetDatum(task_id);
	values[1] = CStringGetTextDatum(to);
	values[2] = CStringGetTextDatum(owner);
	bpm_spi_run(&write, values, NULL);
	bpm_task_event(&scope, "task_delegated", task.node_id, task_id,
				   bpm_jb_build(3, (const char *[]) {"from", "to", "owner"},
								(Jsonb *[]) {bpm_jb_string(task.assignee), bpm_jb_string(to),
					bpm_jb_string(owner)}));
	bpm_task_save(&scope);
	bpm_engine_leave(&caller);
	PG_RETURN_VOID();
}
