/*
 * src/task.c
 *
 * Human tasks. Completing a task is an UPDATE of its bpm.task row, from
 * bpm.complete_task or from any client; the triggers make both the same:
 *
 *   BEFORE UPDATE  locks the instance, then enforces the rules: only open
 *                  tasks change; engine columns are fixed; a completer must
 *                  be the assignee or in a candidate group (42501), must not
 *                  have completed a four_eyes task of the instance (42501),
 *                  and must supply every required field (23502).
 *   AFTER UPDATE   records the event and, on completion, merges the output
 *                  into the instance data and moves the process on.
 *
 * Task states:   open --complete--> completed
 *                  \---instance cancelled / scope ended (engine)--> cancelled
 *
 * The SQL functions lock the instance before the task row (the engine's
 * lock order); a bare UPDATE locks the task row first, which is equally
 * correct but can meet a concurrent bpm.cancel in a deadlock that
 * PostgreSQL resolves by aborting one of the two.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "engine.h"
#include "jsonb_util.h"
#include "spi_util.h"
#include "task.h"

static int	engine_write_depth = 0;

void
bpm_task_engine_write_begin(void)
{
	engine_write_depth++;
}

void
bpm_task_engine_write_end(void)
{
	engine_write_depth--;
}

/* Columns the engine owns: no UPDATE may change them. */
static const char *const engine_columns[] =
{"id", "instance_id", "token_id", "node_id", "title", "candidate_groups", "required", "created_at"};

typedef struct TaskRow
{
	int64		id;
	int64		instance_id;
	int64		token_id;
	char	   *node_id;
	char	   *status;
	char	   *assignee;
	Datum		candidate_groups;
	bool		has_groups;
	Datum		required;
	Jsonb	   *output;
	int32		priority;
	Datum		due_at;
	bool		due_null;
	char	   *completed_by;
	char	   *completed_at;
} TaskRow;

static Datum
column(HeapTuple tup, TupleDesc desc, const char *name, bool *isnull)
{
	return heap_getattr(tup, SPI_fnumber(desc, name), desc, isnull);
}

static char *
column_text(HeapTuple tup, TupleDesc desc, const char *name)
{
	bool		isnull;
	Datum		d = column(tup, desc, name, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static void
read_task(HeapTuple tup, TupleDesc desc, TaskRow *row)
{
	bool		isnull;
	Datum		d;

	row->id = DatumGetInt64(column(tup, desc, "id", &isnull));
	row->instance_id = DatumGetInt64(column(tup, desc, "instance_id", &isnull));
	d = column(tup, desc, "token_id", &isnull);
	row->token_id = isnull ? 0 : DatumGetInt64(d);
	row->node_id = column_text(tup, desc, "node_id");
	row->status = column_text(tup, desc, "status");
	row->assignee = column_text(tup, desc, "assignee");
	row->candidate_groups = column(tup, desc, "candidate_groups", &isnull);
	row->has_groups = !isnull &&
		ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(row->candidate_groups)),
					   ARR_DIMS(DatumGetArrayTypeP(row->candidate_groups))) > 0;
	row->required = column(tup, desc, "required", &isnull);
	d = column(tup, desc, "output", &isnull);
	row->output = isnull ? NULL : DatumGetJsonbP(d);
	row->priority = DatumGetInt32(column(tup, desc, "priority", &isnull));
	row->due_at = column(tup, desc, "due_at", &row->due_null);
	row->completed_by = column_text(tup, desc, "completed_by");
	d = column(tup, desc, "completed_at", &isnull);
	row->completed_at = isnull ? NULL :
		DatumGetCString(DirectFunctionCall1(timestamptz_out, d));
}

/* A text[] of groups as JSON text, for messages. */
static char *
groups_text(Datum groups)
{
	Jsonb	   *jb = bpm_jb_text_array(groups);

	return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
}

static bool
text_changed(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool
schedule_changed(const TaskRow *old, const TaskRow *new)
{
	return old->priority != new->priority || old->due_null != new->due_null ||
		(!old->due_null && DatumGetTimestampTz(old->due_at) != DatumGetTimestampTz(new->due_at));
}

static bool
may_claim(const TaskRow *old, const char *actor)
{
	BpmIdentity saved;
	bool		ok;

	if (!old->has_groups)
		return true;
	bpm_engine_enter(&saved);
	ok = bpm_actor_in_groups(actor, old->candidate_groups);
	bpm_engine_leave(&saved);
	return ok;
}

/*
 * Who may change an open task. Its assignee may hand it on, give it back
 * and change its priority and due date; an unassigned task may be claimed
 * by an actor it is meant for (one of its candidate groups, or anyone if it
 * has none); everything else is for operators (see bpm_is_operator).
 */
static void
check_may_change(const TaskRow *old, const TaskRow *new, const char *actor)
{
	bool		assignee_changed = text_changed(old->assignee, new->assignee);
	bool		is_assignee = old->assignee && strcmp(old->assignee, actor) == 0;

	if (!assignee_changed && !schedule_changed(old, new))
		return;
	if (is_assignee || bpm_is_operator())
		return;
	if (assignee_changed && old->assignee == NULL && new->assignee &&
		strcmp(new->assignee, actor) == 0 && !schedule_changed(old, new))
	{
		if (may_claim(old, actor))
			return;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" may not claim task %lld: not in its candidate groups %s",
						actor, (long long) old->id, groups_text(old->candidate_groups))));
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("\"%s\" may not %s task %lld", actor,
					assignee_changed ? "reassign" : "reschedule", (long long) old->id),
			 old->assignee
			 ? errdetail("It is assigned to \"%s\"; only they or an operator may.", old->assignee)
			 : errdetail("Only an operator may assign a task to someone else or change its priority or due date; one may claim it for oneself."),
			 errhint("Operators are roles with the privileges of the owner of schema bpm.")));
}

static void
refuse_engine_column_changes(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc, int64 task_id)
{
	int			i;

	for (i = 0; i < (int) lengthof(engine_columns); i++)
	{
		int			attnum = SPI_fnumber(desc, engine_columns[i]);
		Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
		bool		oldnull;
		bool		newnull;
		Datum		o = heap_getattr(oldtup, attnum, desc, &oldnull);
		Datum		n = heap_getattr(newtup, attnum, desc, &newnull);

		if (oldnull != newnull ||
			(!oldnull && !datumIsEqual(o, n, att->attbyval, att->attlen)))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("task %lld: column \"%s\" is maintained by the engine and cannot be changed",
							(long long) task_id, engine_columns[i]),
					 errhint("A task's status, output, assignee, priority and due_at may be updated.")));
	}
}

static void
refuse_unless_open(const TaskRow *old)
{
	if (strcmp(old->status, "open") == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("task %lld is already %s", (long long) old->id, old->status),
			 old->completed_by
			 ? errdetail("It was %s by \"%s\" at %s.", old->status, old->completed_by,
						 old->completed_at)
			 : 0,
			 errhint("Query bpm.tasks to find the tasks that are open now.")));
}

/* Lock the task's instance and check it is running; returns its definition. */
static int64
lock_running_instance(int64 instance_id, int64 task_id)
{
	static BpmStatement stmt = {
		"SELECT state, definition_id FROM bpm.instance WHERE id = $1 FOR NO KEY UPDATE",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(instance_id);
	char	   *state;

	bpm_instance_refuse_reentry(instance_id);
	if (bpm_spi_run(&stmt, &arg, NULL) != 1)
		elog(ERROR, "pg_bpm: task %lld belongs to missing instance %lld",
			 (long long) task_id, (long long) instance_id);
	state = bpm_spi_text(0, 1);
	if (strcmp(state, "running") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task %lld cannot be completed: instance %lld is %s",
						(long long) task_id, (long long) instance_id, state)));
	return bpm_spi_int64(0, 2);
}

/*
 * An assigned task is its assignee's; an unassigned one belongs to its
 * candidate groups; one with neither, to anyone.
 */
static void
check_may_complete(const TaskRow *old, const char *actor)
{
	if (old->assignee)
	{
		if (strcmp(old->assignee, actor) == 0)
			return;
	}
	else if (!old->has_groups || bpm_actor_in_groups(actor, old->candidate_groups))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("\"%s\" may not complete task %lld (\"%s\")", actor, (long long) old->id,
					old->node_id),
			 old->assignee
			 ? errdetail("The task is assigned to \"%s\".", old->assignee)
			 : errdetail("The task is for the candidate groups %s, and \"%s\" is in none of them.",
						 groups_text(old->candidate_groups),
						 actor)));
}

static void
check_four_eyes(const TaskRow *old, BpmNode *node, const char *actor)
{
	static BpmStatement stmt = {
		"SELECT node_id FROM bpm.task WHERE instance_id = $1 AND node_id = ANY ($2) "
		"AND status = 'completed' AND completed_by = $3 LIMIT 1",
		3, {INT8OID, TEXTARRAYOID, TEXTOID}
	};
	Datum	   *items;
	Datum		values[3];
	int			i;

	if (node == NULL || node->nfour_eyes == 0)
		return;
	items = palloc(sizeof(Datum) * node->nfour_eyes);
	for (i = 0; i < node->nfour_eyes; i++)
		items[i] = CStringGetTextDatum(node->four_eyes[i]);
	values[0] = Int64GetDatum(old->instance_id);
	values[1] = PointerGetDatum(construct_array(items, node->nfour_eyes, TEXTOID, -1, false,
												TYPALIGN_INT));
	values[2] = CStringGetTextDatum(actor);
	if (bpm_spi_run(&stmt, values, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("four-eyes rule: \"%s\" completed \"%s\" of instance %lld and may not also complete \"%s\"",
						actor, bpm_spi_text(0, 1), (long long) old->instance_id, old->node_id),
				 errhint("Another person must complete task %lld.", (long long) old->id)));
}

static void
check_required(const TaskRow *old, Jsonb *output)
{
	ArrayType  *arr = DatumGetArrayTypeP(old->required);
	Datum	   *fields;
	int			n;
	int			i;
	StringInfoData missing;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &fields, NULL, &n);
	initStringInfo(&missing);
	for (i = 0; i < n; i++)
	{
		char	   *field = TextDatumGetCString(fields[i]);
		JsonbValue	v;

		if (!bpm_jb_get(&output->root, field, &v) || v.type == jbvNull)
			appendStringInfo(&missing, "%s%s", missing.len ? ", " : "", field);
	}
	if (missing.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("task %lld (\"%s\") cannot be completed without: %s",
						(long long) old->id, old->node_id, missing.data),
				 errhint("Pass the fields in the completion data, e.g. bpm.complete_task(%lld, '{\"%s\": ...}').",
						 (long long) old->id, missing.data)));
}

/* Run the completion rules; returns the new tuple with completed_at/by set. */
static HeapTuple
complete_rules(TriggerData *td, const TaskRow *old, Jsonb *output, const char *actor)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	BpmIdentity saved;
	int64		definition_id;
	BpmGraph   *graph;
	int			node;
	int			cols[3];
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (output && !JB_ROOT_IS_OBJECT(output))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("task %lld: output must be a JSON object", (long long) old->id)));
	if (output == NULL)
		output = bpm_jb_empty_object();

	bpm_engine_enter(&saved);
	definition_id = lock_running_instance(old->instance_id, old->id);
	graph = bpm_graph_get(definition_id);
	node = bpm_graph_find(graph, old->node_id);
	check_may_complete(old, actor);
	check_four_eyes(old, node >= 0 ? &graph->nodes[node] : NULL, actor);
	check_required(old, output);
	bpm_engine_leave(&saved);

	cols[0] = SPI_fnumber(desc, "output");
	cols[1] = SPI_fnumber(desc, "completed_at");
	cols[2] = SPI_fnumber(desc, "completed_by");
	values[0] = JsonbPGetDatum(output);
	values[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	values[2] = CStringGetTextDatum(actor);
	return heap_modify_tuple_by_cols(td->tg_newtuple, desc, 3, cols, values, nulls);
}

/*
 * Trigger bpm.task_before_update(): BEFORE UPDATE FOR EACH ROW on bpm.task.
 * Locks the task's instance on completion. Raises 55000 for a task that is
 * not open, 42501 for a change of an engine column, a direct cancellation,
 * a completer who may not, or a four-eyes violation, 23502 for missing
 * required fields.
 */
PG_FUNCTION_INFO_V1(bpm_task_before_update);
Datum
bpm_task_before_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	TaskRow		old;
	TaskRow		new;
	char	   *actor;
	bool		isnull;
	Datum		output;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "pg_bpm: bpm.task_before_update() must be called as a trigger");
	if (engine_write_depth > 0)
		return PointerGetDatum(td->tg_newtuple);
	desc = td->tg_relation->rd_att;
	read_task(td->tg_trigtuple, desc, &old);
	refuse_unless_open(&old);
	refuse_engine_column_changes(td->tg_trigtuple, td->tg_newtuple, desc, old.id);

	read_task(td->tg_newtuple, desc, &new);
	if (strcmp(new.status, "cancelled") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("task %lld cannot be cancelled on its own", (long long) old.id),
				 errhint("Cancel the instance with bpm.cancel(%lld, reason).",
						 (long long) old.instance_id)));
	actor = bpm_current_actor_name();
	check_may_change(&old, &new, actor);
	if (strcmp(new.status, "completed") != 0)
		return PointerGetDatum(td->tg_newtuple);
	output = column(td->tg_newtuple, desc, "output", &isnull);
	return PointerGetDatum(complete_rules(td, &old, isnull ? NULL : DatumGetJsonbP(output), actor));
}

static Jsonb *
change_data(const char *from, const char *to)
{
	return bpm_jb_build(2, (const char *[]) {"from", "to"},
						(Jsonb *[]) {from ? bpm_jb_string(from) : NULL,
				to ? bpm_jb_string(to) : NULL});
}

/* Events for the changes of an open task: assignee, priority, due date. */
static void
record_open_changes(BpmInstance *inst, const TaskRow *old, const TaskRow *new)
{
	if (text_changed(old->assignee, new->assignee))
	{
		const char *kind = new->assignee == NULL ? "task_unclaimed"
			: (old->assignee == NULL && strcmp(new->assignee, inst->actor) == 0)
			? "task_claimed" : "task_assigned";

		bpm_event(inst, kind, old->node_id, old->id, 0, change_data(old->assignee, new->assignee));
	}
	if (schedule_changed(old, new))
	{
		Jsonb	   *vals[2];
		const int	utc = 0;

		vals[0] = bpm_jb_int(new->priority);
		vals[1] = new->due_null ? NULL
			: bpm_jb_string(JsonEncodeDateTime(NULL, new->due_at, TIMESTAMPTZOID, &utc));
		bpm_event(inst, "task_updated", old->node_id, old->id, 0,
				  bpm_jb_build(2, (const char *[]) {"priority", "due_at"}, vals));
	}
}

/*
 * Trigger bpm.task_after_update(): AFTER UPDATE FOR EACH ROW on bpm.task.
 * Records the task's events; on completion merges the output into the
 * instance data and resumes the token that waited at the task, in the
 * same transaction. The instance row is already locked by the BEFORE
 * trigger or the calling function.
 */
PG_FUNCTION_INFO_V1(bpm_task_after_update);
Datum
bpm_task_after_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	TaskRow		old;
	TaskRow		new;
	char	   *actor;
	BpmIdentity saved;
	BpmInstance inst;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "pg_bpm: bpm.task_after_update() must be called as a trigger");
	if (engine_write_depth > 0)
		return PointerGetDatum(NULL);
	desc = td->tg_relation->rd_att;
	read_task(td->tg_trigtuple, desc, &old);
	read_task(td->tg_newtuple, desc, &new);
	actor = bpm_current_actor_name();

	bpm_engine_enter(&saved);
	bpm_instance_lock(&inst, old.instance_id, actor);
	if (strcmp(new.status, "completed") == 0)
	{
		bpm_instance_require_running(&inst, psprintf("complete task %lld", (long long) old.id));
		if (old.token_id == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("task %lld was not created by the engine: no process waits for it",
							(long long) old.id)));
		bpm_event(&inst, "task_completed", old.node_id, old.id, 0, NULL);
		bpm_instance_merge(&inst, new.output, old.node_id, old.id, 0);
		bpm_engine_resume(&inst, old.token_id);
	}
	else
	{
		record_open_changes(&inst, &old, &new);
		bpm_instance_save(&inst);
	}
	bpm_engine_leave(&saved);
	return PointerGetDatum(NULL);
}

/*
 * Trigger bpm.task_refuse_write(): BEFORE INSERT OR DELETE on bpm.task.
 * Tasks of processes are created by the engine and never deleted: their
 * rows are the record of who did what. Operators may insert rows, because
 * pg_restore does (and they could disable the trigger anyway); a row that
 * no token waits for cannot be completed.
 */
PG_FUNCTION_INFO_V1(bpm_task_refuse_write);
Datum
bpm_task_refuse_write(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "pg_bpm: bpm.task_refuse_write() must be called as a trigger");
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		if (engine_write_depth > 0 || bpm_is_operator())
			return PointerGetDatum(td->tg_trigtuple);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("tasks are created by the engine when a process reaches a user task")));
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("task %lld cannot be deleted",
					(long long) DatumGetInt64(column(td->tg_trigtuple, td->tg_relation->rd_att,
													 "id", &(bool) {false}))),
			 errdetail("Task rows are the record of who did what; cancel the instance instead.")));
	PG_RETURN_NULL();
}

/*
 * Lock the instance of a task (the engine's lock order: instance first,
 * then its rows), in one statement. Raises 42704 for an unknown task.
 */
static void
lock_task_instance(int64 task_id)
{
	static BpmStatement lock = {
		"SELECT id FROM bpm.instance WHERE id = "
		"(SELECT instance_id FROM bpm.task WHERE id = $1) FOR NO KEY UPDATE",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(task_id);

	if (bpm_spi_run(&lock, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("task %lld does not exist", (long long) task_id)));
	bpm_instance_refuse_reentry(bpm_spi_int64(0, 1));
}

/*
 * Lock a task's instance, then read the task as it is now (after any
 * transaction that held the lock) and require it to be open. Fills
 * *assignee and *groups when asked. Raises 42704 and 55000.
 */
static void
lock_open_task(int64 task_id, char **assignee, Datum *groups, bool *has_groups)
{
	static BpmStatement reread = {
		"SELECT status, assignee, candidate_groups, completed_by, completed_at::text, node_id "
		"FROM bpm.task WHERE id = $1",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(task_id);
	TaskRow		row;
	bool		isnull;

	lock_task_instance(task_id);
	bpm_spi_run(&reread, &arg, NULL);
	memset(&row, 0, sizeof(row));
	row.id = task_id;
	row.status = bpm_spi_text(0, 1);
	row.assignee = bpm_spi_text(0, 2);
	row.completed_by = bpm_spi_text(0, 4);
	row.completed_at = bpm_spi_text(0, 5);
	row.node_id = bpm_spi_text(0, 6);
	refuse_unless_open(&row);
	if (assignee)
		*assignee = row.assignee;
	if (groups)
	{
		ArrayType  *arr = DatumGetArrayTypePCopy(bpm_spi_datum(0, 3, &isnull));

		*groups = PointerGetDatum(arr);
		*has_groups = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) > 0;
	}
}

/*
 * Write the task row as the caller, so the triggers see who acts and the
 * caller's column privileges apply. One guarded statement.
 */
static void
update_task_as_caller(const BpmIdentity *caller, BpmStatement *stmt,
					  Datum *values, const char *nulls)
{
	BpmIdentity owner;
	int			n;

	bpm_become(caller->userid, &owner);
	n = bpm_spi_run(stmt, values, nulls);
	bpm_restore_identity(&owner);
	if (n != 1)
		elog(ERROR, "pg_bpm: task update affected %d rows", n);
}

/*
 * bpm.complete_task(task_id bigint, data jsonb DEFAULT '{}') RETURNS void
 *
 * An UPDATE of the task row to completed with data as its output; the
 * triggers check the rules and move the process on. Locks the instance,
 * then the task. Raises 42704, 55000, 42501, 23502 (see the triggers).
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
	BpmIdentity caller;

	bpm_require_arg(fcinfo, 0, "task id");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_ARGISNULL(1) ? JsonbPGetDatum(bpm_jb_empty_object()) : PG_GETARG_DATUM(1);

	bpm_engine_enter(&caller);
	/* the BEFORE trigger checks the task's state under this lock */
	lock_task_instance(PG_GETARG_INT64(0));
	update_task_as_caller(&caller, &complete, values, NULL);
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
	update_task_as_caller(caller, &update, values, nulls);
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
	char	   *assignee;
	Datum		groups;
	bool		has_groups;
	BpmIdentity caller;

	bpm_require_arg(fcinfo, 0, "task id");
	task_id = PG_GETARG_INT64(0);
	bpm_engine_enter(&caller);
	lock_open_task(task_id, &assignee, &groups, &has_groups);
	if (assignee && strcmp(assignee, actor) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task %lld is already claimed by \"%s\"", (long long) task_id, assignee),
				 errhint("The assignee can give it back with bpm.unclaim(%lld).", (long long) task_id)));
	if (has_groups && !bpm_actor_in_groups(actor, groups))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" may not claim task %lld: not in its candidate groups %s",
						actor, (long long) task_id,
						groups_text(groups))));
	if (assignee == NULL)
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
	char	   *assignee;
	BpmIdentity caller;

	bpm_require_arg(fcinfo, 0, "task id");
	task_id = PG_GETARG_INT64(0);
	bpm_engine_enter(&caller);
	lock_open_task(task_id, &assignee, NULL, NULL);
	if (assignee == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task %lld is not claimed", (long long) task_id)));
	if (strcmp(assignee, actor) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("task %lld is claimed by \"%s\"; only they can unclaim it",
						(long long) task_id, assignee),
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
	BpmIdentity caller;

	bpm_require_arg(fcinfo, 0, "task id");
	task_id = PG_GETARG_INT64(0);
	assignee = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));

	bpm_engine_enter(&caller);
	lock_open_task(task_id, NULL, NULL, NULL);
	set_assignee(&caller, task_id, assignee);
	bpm_engine_leave(&caller);
	PG_RETURN_VOID();
}
