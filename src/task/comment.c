/*
 * src/task/comment.c
 *
 * Comments: notes people leave on a task (bpm.comment) or on a case as a
 * whole (bpm.comment_case). A comment row belongs to a task or to an
 * instance: the
 * table bpm.comment has both columns and a CHECK that one is set; a task's
 * comment also carries the task's instance (NULL for a free task), so
 * every row of an instance is found by its instance id. Comments are
 * append-only records like events: there is no API to edit or remove one.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "security/security.h"
#include "process/process.h"
#include "util/util.h"
#include "time/time.h"
#include "task/task.h"

/* The text of a comment; 22023 when it is empty or only white space. */
static char *
comment_body(FunctionCallInfo fcinfo)
{
	char	   *body = text_to_cstring(PG_GETARG_TEXT_PP(1));

	if (strspn(body, " \t\r\n") == strlen(body))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a comment must not be empty")));
	return body;
}

/* Store a comment on a task (task_id) or on the scope's instance itself (0), with its event. */
static int64
add_comment(TaskScope *scope, int64 task_id, const char *body)
{
	static BpmStatement insert = {
		"INSERT INTO bpm.comment (instance_id, task_id, actor, body, created_at) "
		"VALUES ($1, $2, $3, $4, $5) RETURNING id",
		5, {INT8OID, INT8OID, TEXTOID, TEXTOID, TIMESTAMPTZOID}
	};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	int64		comment_id;

	values[0] = scope->inst ? Int64GetDatum(scope->inst->id) : (Datum) 0;
	nulls[0] = BPM_NULL(scope->inst == NULL);
	values[1] = Int64GetDatum(task_id);
	nulls[1] = BPM_NULL(task_id == 0);
	values[2] = CStringGetTextDatum(scope->actor);
	values[3] = CStringGetTextDatum(body);
	values[4] = TimestampTzGetDatum(bpm_clock_now());
	bpm_spi_run(&insert, values, nulls);
	comment_id = bpm_spi_int64(0, 1);
	bpm_task_event(scope, "comment_added", NULL, task_id,
				   bpm_jb_build(1, (const char *[]) {"comment_id"},
								(Jsonb *[]) {bpm_jb_int(comment_id)}));
	bpm_task_save(scope);
	return comment_id;
}

/*
 * bpm.comment(task_id bigint, body text) RETURNS bigint
 *
 * Adds a comment by the current actor to a task, open or closed, and
 * records comment_added {"comment_id"}; returns the comment's id. Whoever
 * may see the task may comment. Locks the task's instance (a free task:
 * its row), whose event chain the event joins. Raises 42704, 42501 (may
 * not see it, see visibility.c), 22023 for an empty body, 22004.
 */
PG_FUNCTION_INFO_V1(bpm_comment);
Datum
bpm_comment(PG_FUNCTION_ARGS)
{
	char	   *body;
	char	   *actor = bpm_current_actor_name();
	BpmIdentity caller;
	TaskScope	scope;
	int64		instance_id;
	int64		comment_id;

	bpm_require_arg(fcinfo, 0, "task id");
	bpm_require_arg(fcinfo, 1, "comment");
	body = comment_body(fcinfo);
	bpm_engine_enter(&caller);
	instance_id = bpm_task_begin(&scope, PG_GETARG_INT64(0), actor);
	bpm_require_may_see_task(PG_GETARG_INT64(0), instance_id, actor, caller.userid);
	comment_id = add_comment(&scope, PG_GETARG_INT64(0), body);
	bpm_engine_leave(&caller);
	PG_RETURN_INT64(comment_id);
}

/*
 * bpm.comment_case(case_id bigint, body text) RETURNS bigint
 *
 * A comment on a case as a whole (task_id NULL), open or closed; its event
 * joins the case's chain. Raises 42704, 42809 for a process, 42501 (may
 * not see the case), 22023, 22004.
 */
PG_FUNCTION_INFO_V1(bpm_comment_case);
Datum
bpm_comment_case(PG_FUNCTION_ARGS)
{
	char	   *body;
	char	   *actor = bpm_current_actor_name();
	BpmIdentity caller;
	TaskScope	scope;
	int64		comment_id;

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, "comment");
	body = comment_body(fcinfo);
	bpm_engine_enter(&caller);
	/* a comment on the case itself is worked against the case, as its tasks are */
	scope.actor = actor;
	scope.inst = &scope.instance;
	bpm_instance_lock(scope.inst, PG_GETARG_INT64(0), actor);
	if (!scope.inst->graph->is_case)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("instance %lld is a process, not a case", (long long) scope.inst->id),
				 errhint("Comment on its tasks with bpm.comment(task_id, body).")));
	bpm_require_may_see(scope.inst, caller.userid);
	comment_id = add_comment(&scope, 0, body);
	bpm_engine_leave(&caller);
	PG_RETURN_INT64(comment_id);
}
