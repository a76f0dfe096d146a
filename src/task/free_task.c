/*
 * src/task/free_task.c
 *
 * Tasks outside any process or case, and subtasks. A free task is a row of
 * bpm.task_store with instance_id NULL (and no token, node or escalation),
 * created by bpm.create_task. It is worked like any task — through the
 * view bpm.task and its trigger (task_trigger.c), with the same rules for
 * claiming, handing on, rescheduling, delegating and completing — but no
 * process waits for it: completing it only records it.
 *
 * Serialisation point: a process task is changed under its instance's row
 * lock; a free task has no instance, so its own bpm.task_store row is
 * locked instead (FOR NO KEY UPDATE), first, by every path that changes it
 * (the trigger, bpm.delegate, bpm.comment, bpm.move_task). Then, as
 * everywhere, its other rows (board, comments).
 *
 * Scope (TaskScope, task.h): what work on a task is done against — its
 * instance, or none. A free task's events have instance_id NULL and
 * task_id set, and are hashed but not chained (like definition_deployed):
 * there is no instance row to anchor a chain, and nothing to save.
 *
 * Subtasks: any task (free or of a process) may have free subtasks
 * (parent_task_id). A task cannot be completed or cancelled while one of
 * its subtasks is open (55000): the rule CMMN applies to a stage and its
 * children. Adding a subtask takes the parent's lock, so it cannot slip in
 * beside the parent's completion.
 *
 *   free task:   open --complete (the rules of task_rules.c)--> completed
 *                  \---cancel (worker, creator, operator)--> cancelled
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "security/security.h"
#include "process/process.h"
#include "util/util.h"
#include "task/task.h"

/*
 * Lock what serialises the changes of a task: its instance's row, or for a
 * free task the task row itself. Returns the instance id, 0 for a free
 * task. Raises 42704 for an unknown task. (instance_id never changes, so
 * reading it before the lock is safe.)
 */
int64
bpm_task_lock(int64 task_id)
{
	static BpmStatement which = {
		"SELECT instance_id FROM bpm.task_store WHERE id = $1", 1, {INT8OID}
	};
	static BpmStatement lock_free = {
		"SELECT id FROM bpm.task_store WHERE id = $1 FOR NO KEY UPDATE", 1, {INT8OID}
	};
	static BpmStatement lock_instance = {
		"SELECT id FROM bpm.instance WHERE id = $1 FOR NO KEY UPDATE", 1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(task_id);
	int64		instance_id;

	if (bpm_spi_run(&which, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("task %lld does not exist", (long long) task_id)));
	instance_id = bpm_spi_int64(0, 1);
	if (instance_id == 0)
	{
		if (bpm_spi_run(&lock_free, &arg, NULL) != 1)
			elog(ERROR, "pg_bpm: task %lld vanished while locked", (long long) task_id);
		return 0;
	}
	bpm_family_lock_root(instance_id);	/* the family's order: its root first */
	arg = Int64GetDatum(instance_id);
	if (bpm_spi_run(&lock_instance, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("instance %lld does not exist", (long long) instance_id)));
	bpm_instance_refuse_reentry(instance_id);
	return instance_id;
}

/*
 * Lock a task (above) and set up its scope: its instance, loaded, or none.
 * Returns the instance id, 0 for a task with no instance.
 */
int64
bpm_task_begin(TaskScope *scope, int64 task_id, const char *actor)
{
	int64		instance_id = bpm_task_lock(task_id);

	bpm_task_scope_init(scope, instance_id, actor);
	return instance_id;
}

/*
 * The scope of work on a task of instance instance_id, which is locked and
 * loaded here (42704 if it does not exist); 0: a task with no instance.
 */
void
bpm_task_scope_init(TaskScope *scope, int64 instance_id, const char *actor)
{
	scope->actor = actor;
	scope->inst = NULL;
	if (instance_id == 0)
		return;
	bpm_instance_lock(&scope->instance, instance_id, actor);
	scope->inst = &scope->instance;
}

/* An event of the scope: on its instance's chain, or standing alone. */
void
bpm_task_event(TaskScope *scope, const char *kind, const char *node_id, int64 task_id,
			   Jsonb *data)
{
	BpmEvent	ev = {kind, node_id, task_id, 0, 0, data};

	if (scope->inst)
		bpm_event(scope->inst, kind, node_id, task_id, 0, data);
	else
		bpm_event_write(NULL, scope->actor, &ev);
}

/* After the scope's events: its instance row is saved; without one there is nothing to save. */
void
bpm_task_save(TaskScope *scope)
{
	if (scope->inst)
		bpm_instance_save(scope->inst);
}

/*
 * Who may cancel a free task: whoever may complete it, its creator, an
 * operator. Not while a subtask is open. (Tasks of a process are cancelled
 * with their instance: task_rules.c refuses them before this.)
 */
void
bpm_free_task_check_cancel(const TaskRow *cur, const char *actor, Oid caller)
{
	if (!bpm_task_may_work(cur, actor) &&
		!(cur->created_by && strcmp(cur->created_by, actor) == 0) &&
		!bpm_is_operator(caller))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" may not cancel task %lld (\"%s\")", actor, (long long) cur->id,
						cur->title),
				 errdetail("A free task may be cancelled by whoever may complete it, by its creator%s%s%s and by operators.",
						   cur->created_by ? " \"" : "", cur->created_by ? cur->created_by : "",
						   cur->created_by ? "\"" : "")));
	bpm_task_refuse_open_subtasks(cur, "cancelled");
}

/* 55000 when a subtask of the task is open: it cannot be completed or cancelled yet. */
void
bpm_task_refuse_open_subtasks(const TaskRow *cur, const char *action)
{
	static BpmStatement stmt = {
		"SELECT string_agg(id::text, ', ' ORDER BY id) FROM bpm.task_store "
		"WHERE parent_task_id = $1 AND status = 'open' HAVING count(*) > 0",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(cur->id);

	if (bpm_spi_run(&stmt, &arg, NULL) == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("task %lld cannot be %s while its subtasks are open: %s",
					(long long) cur->id, action, bpm_spi_text(0, 1)),
			 errhint("Complete or cancel the subtasks first.")));
}

/*
 * A subtask needs an open parent that the actor may work (or created, or
 * an operator): otherwise anyone could hold up someone else's task, which
 * cannot be completed while a subtask is open. Runs under the parent's lock.
 */
static void
check_parent(int64 parent_id, const char *actor, Oid caller)
{
	TaskRow		parent;

	bpm_task_lock(parent_id);
	bpm_task_read(parent_id, &parent);
	bpm_require_may_see_task(parent_id, parent.instance_id, actor, caller);
	if (strcmp(parent.status, "open") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot add a subtask to task %lld: it is %s", (long long) parent_id,
						parent.status)));
	if (!bpm_task_may_work(&parent, actor) &&
		!(BPM_TASK_IS_FREE(&parent) && parent.created_by && strcmp(parent.created_by, actor) == 0) &&
		!bpm_is_operator(caller))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" may not add a subtask to task %lld (\"%s\")", actor,
						(long long) parent_id, parent.title),
				 errdetail("Only those who may work a task (and the creator of a free task, and operators) may split it.")));
}

/* A text[] argument of names (util/names.h); NULL is empty. */
static Datum
text_array_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		return PointerGetDatum(construct_empty_array(TEXTOID));
	bpm_check_names(PG_GETARG_ARRAYTYPE_P(argno), what);
	return PG_GETARG_DATUM(argno);
}

/*
 * bpm.create_task(title text, description text DEFAULT NULL,
 *     assignee text DEFAULT NULL, candidate_groups text[] DEFAULT '{}',
 *     priority integer DEFAULT 50, due_at timestamptz DEFAULT NULL,
 *     parent_task_id bigint DEFAULT NULL, labels text[] DEFAULT '{}',
 *     follow_up_at timestamptz DEFAULT NULL, board text DEFAULT NULL)
 *     RETURNS bigint
 *
 * Creates an open free task (created_by: the actor) and records
 * task_created. With parent_task_id, a subtask: locks the parent (its
 * instance, or its row) and requires it open (55000) and the actor allowed
 * to split it (42501). With board, its card goes to the end of the board's
 * first column (locks the board; 42704 for an unknown board). Raises 22004
 * for a NULL title, 22023 for an empty title or assignee, a negative
 * priority, candidate_groups or labels that are not a plain list of names
 * (one-dimensional from 1, no null or empty name), 22001 for a name longer
 * than 1000 bytes (util/names.h), 42704 for an unknown parent.
 */
PG_FUNCTION_INFO_V1(bpm_create_task);
Datum
bpm_create_task(PG_FUNCTION_ARGS)
{
	static BpmStatement insert = {
		"INSERT INTO bpm.task_store (title, description, assignee, candidate_groups, priority, "
		"due_at, parent_task_id, labels, follow_up_at, created_by) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
		10, {TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, INT4OID, TIMESTAMPTZOID, INT8OID,
		TEXTARRAYOID, TIMESTAMPTZOID, TEXTOID}
	};
	char	   *actor = bpm_current_actor_name();
	char	   *title;
	int32		priority = PG_ARGISNULL(4) ? 50 : PG_GETARG_INT32(4);
	int64		parent = PG_ARGISNULL(6) ? 0 : PG_GETARG_INT64(6);
	Datum		values[10];
	char		nulls[10] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	BpmIdentity caller;
	TaskScope	none;
	int64		task_id;
	Jsonb	   *vals[5];

	bpm_require_arg(fcinfo, 0, "title");
	title = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strspn(title, " \t\r\n") == strlen(title))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a task's title must not be empty")));
	if (priority < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("priority must be at least 0, not %d", priority)));
	values[0] = CStringGetTextDatum(title);
	for (int i = 1; i <= 2; i++)
	{
		values[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		nulls[i] = BPM_NULL(PG_ARGISNULL(i));
	}
	if (!PG_ARGISNULL(2))
		(void) bpm_name_arg(fcinfo, 2, "assignee");
	values[3] = text_array_arg(fcinfo, 3, "candidate_groups");
	values[4] = Int32GetDatum(priority);
	values[5] = PG_ARGISNULL(5) ? (Datum) 0 : PG_GETARG_DATUM(5);
	nulls[5] = BPM_NULL(PG_ARGISNULL(5));
	values[6] = Int64GetDatum(parent);
	nulls[6] = BPM_NULL(parent == 0);
	values[7] = text_array_arg(fcinfo, 7, "labels");
	values[8] = PG_ARGISNULL(8) ? (Datum) 0 : PG_GETARG_DATUM(8);
	nulls[8] = BPM_NULL(PG_ARGISNULL(8));
	values[9] = CStringGetTextDatum(actor);

	bpm_engine_enter(&caller);
	if (parent != 0)
		check_parent(parent, actor, caller.userid);
	bpm_spi_run(&insert, values, nulls);
	task_id = bpm_spi_int64(0, 1);

	bpm_task_scope_init(&none, 0, actor);	/* a free task has no instance */
	vals[0] = bpm_jb_string(title);
	vals[1] = PG_ARGISNULL(2) ? NULL : bpm_jb_string(TextDatumGetCString(values[2]));
	vals[2] = bpm_jb_text_array(values[3]);
	vals[3] = bpm_jb_int(priority);
	vals[4] = bpm_jb_int(parent);
	bpm_task_event(&none, "task_created", NULL, task_id,
				   bpm_jb_build(parent ? 5 : 4,
								(const char *[]) {"title", "assignee", "candidate_groups", "priority",
					"parent_task_id"}, vals));
	if (!PG_ARGISNULL(9))
		bpm_board_place_new(&none, task_id, text_to_cstring(PG_GETARG_TEXT_PP(9)));
	bpm_engine_leave(&caller);
	PG_RETURN_INT64(task_id);
}
