/*
 * src/task/task.c
 *
 * Human tasks, and the rules of working them. bpm.task is a view over the
 * table bpm.task_store; completing a task is an UPDATE of its row in the
 * view, from bpm.complete_task or from any client, and one INSTEAD OF
 * trigger makes both the same:
 *
 *   1. lock the task's instance (the engine's lock order: instance first,
 *      then its rows; the view scan locked no task row, so no UPDATE ever
 *      holds a task while it waits for the instance),
 *   2. read the task as it is now and apply the changes the statement asked
 *      for, refusing what the rules forbid: only open tasks change; engine
 *      columns are fixed; who may claim, reassign or reschedule (42501);
 *      who may complete (42501), four eyes (42501), required fields (23502),
 *   3. write bpm.task_store, record the events and, on completion, merge the
 *      output into the instance data and move the process on,
 *
 * all in the caller's transaction.
 *
 * A free task (bpm.create_task; instance_id NULL) has no instance to lock:
 * its own row is locked instead, and completing it only records it (see
 * free_task.c). A delegated task's completion by its delegate resolves it
 * instead: back to its owner, still open (delegation.c). A task with open
 * subtasks cannot be completed. A completed task's card goes to its
 * board's final column (board.c).
 *
 * Task states:   open --complete--> completed
 *                  \---instance cancelled / scope ended (engine)--> cancelled
 *                  \---a free task cancelled (UPDATE status)--> cancelled
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "security/actor.h"
#include "case/case.h"
#include "process/engine.h"
#include "util/jsonb_util.h"
#include "time/clock.h"
#include "util/spi_util.h"
#include "task/task.h"

static const char *const engine_columns[] =
{"id", "instance_id", "token_id", "node_id", "title", "candidate_groups", "required", "created_at",
"escalation_of", "description", "parent_task_id", "owner", "delegation_state", "created_by"};


static bool
array_nonempty(Datum array)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);

	return ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) > 0;
}

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
	d = column(tup, desc, "instance_id", &isnull);
	row->instance_id = isnull ? 0 : DatumGetInt64(d);	/* 0: a free task */
	d = column(tup, desc, "token_id", &isnull);
	row->token_id = isnull ? 0 : DatumGetInt64(d);
	row->node_id = column_text(tup, desc, "node_id");
	row->status = column_text(tup, desc, "status");
	row->assignee = column_text(tup, desc, "assignee");
	row->candidate_groups = column(tup, desc, "candidate_groups", &isnull);
	row->has_groups = !isnull && array_nonempty(row->candidate_groups);
	row->required = column(tup, desc, "required", &isnull);
	d = column(tup, desc, "output", &isnull);
	row->output = isnull ? NULL : DatumGetJsonbP(d);
	row->priority = DatumGetInt32(column(tup, desc, "priority", &isnull));
	row->due_at = column(tup, desc, "due_at", &row->due_null);
	row->completed_by = column_text(tup, desc, "completed_by");
	d = column(tup, desc, "completed_at", &isnull);
	row->completed_at = isnull ? NULL :
		DatumGetCString(DirectFunctionCall1(timestamptz_out, d));
	d = column(tup, desc, "escalation_of", &isnull);
	row->escalation_of = isnull ? 0 : DatumGetInt64(d);
	row->title = column_text(tup, desc, "title");
	d = column(tup, desc, "parent_task_id", &isnull);
	row->parent_task_id = isnull ? 0 : DatumGetInt64(d);
	row->labels = column(tup, desc, "labels", &isnull);
	if (isnull)
		row->labels = PointerGetDatum(construct_empty_array(TEXTOID));
	row->follow_up_at = column(tup, desc, "follow_up_at", &row->follow_up_null);
	row->owner = column_text(tup, desc, "owner");
	row->delegation_state = column_text(tup, desc, "delegation_state");
	row->created_by = column_text(tup, desc, "created_by");
}


/* The task as it is now, read under the instance lock. 42704 if gone. */
void
bpm_task_read(int64 task_id, TaskRow *row)
{
	static BpmStatement stmt = {
		"SELECT instance_id, token_id, node_id, status, assignee, candidate_groups, required, "
		"output, priority, due_at, completed_by, completed_at::text, escalation_of, "
		"title, parent_task_id, labels, follow_up_at, owner, delegation_state, created_by "
		"FROM bpm.task_store WHERE id = $1",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(task_id);
	bool		isnull;

	if (bpm_spi_run(&stmt, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("task %lld does not exist", (long long) task_id)));
	row->id = task_id;
	row->instance_id = bpm_spi_int64(0, 1);
	row->token_id = bpm_spi_int64(0, 2);
	row->node_id = bpm_spi_text(0, 3);
	row->status = bpm_spi_text(0, 4);
	row->assignee = bpm_spi_text(0, 5);
	row->candidate_groups = bpm_spi_datum(0, 6, &isnull);
	row->has_groups = array_nonempty(row->candidate_groups);
	row->required = bpm_spi_datum(0, 7, &isnull);
	row->output = bpm_spi_jsonb(0, 8);
	row->priority = bpm_spi_int32(0, 9);
	row->due_at = bpm_spi_datum(0, 10, &row->due_null);
	row->completed_by = bpm_spi_text(0, 11);
	row->completed_at = bpm_spi_text(0, 12);
	row->escalation_of = bpm_spi_int64(0, 13);
	row->title = bpm_spi_text(0, 14);
	row->parent_task_id = bpm_spi_int64(0, 15);
	row->labels = bpm_spi_datum(0, 16, &isnull);
	row->follow_up_at = bpm_spi_datum(0, 17, &row->follow_up_null);
	row->owner = bpm_spi_text(0, 18);
	row->delegation_state = bpm_spi_text(0, 19);
	row->created_by = bpm_spi_text(0, 20);
}

/* A text[] of groups as JSON text, for messages. */
char *
bpm_task_groups_text(Datum groups)
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

/* Labels or follow-up date changed (task management; task_updated too). */
static bool
details_changed(const TaskRow *old, const TaskRow *new)
{
	return old->follow_up_null != new->follow_up_null ||
		(!old->follow_up_null &&
		 DatumGetTimestampTz(old->follow_up_at) != DatumGetTimestampTz(new->follow_up_at)) ||
		!DatumGetBool(OidFunctionCall2Coll(F_ARRAY_EQ, C_COLLATION_OID, old->labels, new->labels));
}

static bool
may_claim(const TaskRow *old, const char *actor)
{
	return !old->has_groups || bpm_actor_in_groups(actor, old->candidate_groups);
}

/*
 * Who may change an open task. Its assignee may hand it on, give it back
 * and change its priority, due date, follow-up date and labels; so may the
 * creator of a free task. An unassigned task may be claimed by an actor it
 * is meant for (one of its candidate groups, or anyone if it has none);
 * everything else is for operators (see bpm_is_operator).
 */
static void
check_may_change(const TaskRow *old, const TaskRow *new, const char *actor, Oid caller)
{
	bool		assignee_changed = text_changed(old->assignee, new->assignee);
	bool		is_assignee = old->assignee && strcmp(old->assignee, actor) == 0;
	bool		is_creator = BPM_TASK_IS_FREE(old) && old->created_by &&
		strcmp(old->created_by, actor) == 0;
	bool		rescheduled = schedule_changed(old, new) || details_changed(old, new);

	if (!assignee_changed && !rescheduled)
		return;
	if (is_assignee || is_creator || bpm_is_operator(caller))
		return;
	if (assignee_changed && old->assignee == NULL && new->assignee &&
		strcmp(new->assignee, actor) == 0 && !rescheduled)
	{
		if (may_claim(old, actor))
			return;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" may not claim task %lld: not in its candidate groups %s",
						actor, (long long) old->id, bpm_task_groups_text(old->candidate_groups))));
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

void
bpm_task_refuse_unless_open(const TaskRow *old)
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

/*
 * An assigned task is its assignee's; an unassigned one belongs to its
 * candidate groups; one with neither, to anyone.
 */
bool
bpm_task_may_work(const TaskRow *old, const char *actor)
{
	if (old->assignee)
		return strcmp(old->assignee, actor) == 0;
	return !old->has_groups || bpm_actor_in_groups(actor, old->candidate_groups);
}

static void
check_may_complete(const TaskRow *old, const char *actor)
{
	if (bpm_task_may_work(old, actor))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("\"%s\" may not complete task %lld (\"%s\")", actor, (long long) old->id,
					old->node_id ? old->node_id : old->title),
			 old->assignee
			 ? errdetail("The task is assigned to \"%s\".", old->assignee)
			 : errdetail("The task is for the candidate groups %s, and \"%s\" is in none of them.",
						 bpm_task_groups_text(old->candidate_groups),
						 actor)));
}

static void
check_four_eyes(const TaskRow *old, BpmNode *node, const char *actor)
{
	static BpmStatement stmt = {
		"SELECT node_id FROM bpm.task_store WHERE instance_id = $1 AND node_id = ANY ($2) "
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
	if (schedule_changed(old, new) || details_changed(old, new))
	{
		Jsonb	   *vals[4];
		const int	utc = 0;

		vals[0] = bpm_jb_int(new->priority);
		vals[1] = new->due_null ? NULL
			: bpm_jb_string(JsonEncodeDateTime(NULL, new->due_at, TIMESTAMPTZOID, &utc));
		/* follow-up and labels only when they changed: older events keep their shape */
		vals[2] = new->follow_up_null ? NULL
			: bpm_jb_string(JsonEncodeDateTime(NULL, new->follow_up_at, TIMESTAMPTZOID, &utc));
		vals[3] = bpm_jb_text_array(new->labels);
		bpm_event(inst, "task_updated", old->node_id, old->id, 0,
				  bpm_jb_build(details_changed(old, new) ? 4 : 2,
							   (const char *[]) {"priority", "due_at", "follow_up_at", "labels"},
							   vals));
	}
}


/*
 * Apply to cur the changes the statement asked for: the columns whose new
 * value differs from what the statement's scan saw.
 */
static void
apply_requested(const TaskRow *seen, const TaskRow *asked, TaskRow *next)
{
	if (strcmp(seen->status, asked->status) != 0)
		next->status = asked->status;
	if (text_changed(seen->assignee, asked->assignee))
		next->assignee = asked->assignee;
	if (seen->priority != asked->priority)
		next->priority = asked->priority;
	if (schedule_changed(seen, asked))
	{
		next->due_at = asked->due_at;
		next->due_null = asked->due_null;
	}
	if (details_changed(seen, asked))
	{
		next->labels = asked->labels;
		next->follow_up_at = asked->follow_up_at;
		next->follow_up_null = asked->follow_up_null;
	}
	if ((seen->output == NULL) != (asked->output == NULL) ||
		(seen->output && !DatumGetBool(DirectFunctionCall2(jsonb_eq,
														   JsonbPGetDatum(seen->output),
														   JsonbPGetDatum(asked->output)))))
		next->output = asked->output;
}

/* The output of a completion (or resolution) is a JSON object (22023); none is {}. */
void
bpm_task_require_object_output(const TaskRow *cur, TaskRow *next)
{
	if (next->output && !JB_ROOT_IS_OBJECT(next->output))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("task %lld: output must be a JSON object", (long long) cur->id)));
	if (next->output == NULL)
		next->output = bpm_jb_empty_object();
}

/*
 * The completion rules; fills in who completed it. A free task has no
 * instance, node or four-eyes partner: only who may complete it, its output
 * and its subtasks are checked.
 */
static void
check_completion(BpmInstance *inst, const TaskRow *cur, TaskRow *next)
{
	int			node = BPM_TASK_IS_FREE(cur) ? -1 : bpm_graph_find(inst->graph, cur->node_id);

	if (!BPM_TASK_IS_FREE(cur))
		bpm_instance_require_running(inst, psprintf("complete task %lld", (long long) cur->id));
	if (!BPM_TASK_IS_FREE(cur) && cur->token_id == 0 && !inst->graph->is_case)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task %lld was not created by the engine: no process waits for it",
						(long long) cur->id)));
	bpm_task_require_object_output(cur, next);
	check_may_complete(cur, inst->actor);
	if (cur->escalation_of == 0)
		check_four_eyes(cur, node >= 0 ? &inst->graph->nodes[node] : NULL, inst->actor);
	if (cur->delegation_state)	/* resolved: the delegate's output, then the owner's */
		next->output = bpm_jb_concat(cur->output ? cur->output : bpm_jb_empty_object(),
									 next->output);
	check_required(cur, next->output);
	bpm_task_refuse_open_subtasks(cur, "completed");
	next->completed_by = (char *) inst->actor;
}

static void
write_task(const TaskRow *next, bool completing)
{
	static BpmStatement stmt = {
		"UPDATE bpm.task_store SET status = $2, output = $3, assignee = $4, priority = $5, "
		"due_at = $6, completed_at = CASE WHEN $7 THEN $9 ELSE completed_at END, "
		"completed_by = CASE WHEN $7 THEN $8 ELSE completed_by END, labels = $10, "
		"follow_up_at = $11, delegation_state = $12 WHERE id = $1",
		12, {INT8OID, TEXTOID, JSONBOID, TEXTOID, INT4OID, TIMESTAMPTZOID, BOOLOID, TEXTOID,
		TIMESTAMPTZOID, TEXTARRAYOID, TIMESTAMPTZOID, TEXTOID}
	};
	Datum		values[12];
	char		nulls[12] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = Int64GetDatum(next->id);
	values[1] = CStringGetTextDatum(next->status);
	values[2] = next->output ? JsonbPGetDatum(next->output) : (Datum) 0;
	nulls[2] = BPM_NULL(next->output == NULL);
	values[3] = next->assignee ? CStringGetTextDatum(next->assignee) : (Datum) 0;
	nulls[3] = BPM_NULL(next->assignee == NULL);
	values[4] = Int32GetDatum(next->priority);
	values[5] = next->due_at;
	nulls[5] = BPM_NULL(next->due_null);
	values[6] = BoolGetDatum(completing);
	values[7] = next->completed_by ? CStringGetTextDatum(next->completed_by) : (Datum) 0;
	nulls[7] = BPM_NULL(next->completed_by == NULL);
	values[8] = TimestampTzGetDatum(bpm_clock_now());
	values[9] = next->labels;
	values[10] = next->follow_up_at;
	nulls[10] = BPM_NULL(next->follow_up_null);
	values[11] = next->delegation_state ? CStringGetTextDatum(next->delegation_state) : (Datum) 0;
	nulls[11] = BPM_NULL(next->delegation_state == NULL);
	bpm_spi_run(&stmt, values, nulls);
}

/*
 * A rescheduled task takes its escalation along: the job falls due at the
 * new due date, or goes when the task no longer has one.
 */
static void
move_escalation(BpmInstance *inst, const TaskRow *next)
{
	static BpmStatement move = {
		"UPDATE bpm.job SET due_at = $3 WHERE instance_id = $1 AND token_id = $2 "
		"AND kind = 'escalation'",
		3, {INT8OID, INT8OID, TIMESTAMPTZOID}
	};
	static BpmStatement drop = {
		"DELETE FROM bpm.job WHERE instance_id = $1 AND token_id = $2 "
		"AND kind = 'escalation' RETURNING id",
		2, {INT8OID, INT8OID}
	};
	Datum		values[3];

	values[0] = Int64GetDatum(inst->id);
	values[1] = Int64GetDatum(next->token_id);
	if (next->due_null)
	{
		if (bpm_spi_run(&drop, values, NULL) == 1)
			bpm_event(inst, "job_cancelled", next->node_id, 0, bpm_spi_int64(0, 1), NULL);
		return;
	}
	values[2] = next->due_at;
	bpm_spi_run(&move, values, NULL);
}

/* The view row to report (RETURNING): the statement's row with what was written. */
static HeapTuple
result_row(TriggerData *td, const TaskRow *next, bool completing)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	int			cols[10];
	Datum		values[10];
	bool		nulls[10] = {false, false, false, false, false, false, false, false, false, false};

	cols[0] = SPI_fnumber(desc, "status");
	values[0] = CStringGetTextDatum(next->status);
	cols[1] = SPI_fnumber(desc, "output");
	values[1] = next->output ? JsonbPGetDatum(next->output) : (Datum) 0;
	nulls[1] = next->output == NULL;
	cols[2] = SPI_fnumber(desc, "assignee");
	values[2] = next->assignee ? CStringGetTextDatum(next->assignee) : (Datum) 0;
	nulls[2] = next->assignee == NULL;
	cols[3] = SPI_fnumber(desc, "priority");
	values[3] = Int32GetDatum(next->priority);
	cols[4] = SPI_fnumber(desc, "due_at");
	values[4] = next->due_at;
	nulls[4] = next->due_null;
	cols[5] = SPI_fnumber(desc, "labels");
	values[5] = next->labels;
	cols[6] = SPI_fnumber(desc, "follow_up_at");
	values[6] = next->follow_up_at;
	nulls[6] = next->follow_up_null;
	cols[7] = SPI_fnumber(desc, "delegation_state");
	values[7] = next->delegation_state ? CStringGetTextDatum(next->delegation_state) : (Datum) 0;
	nulls[7] = next->delegation_state == NULL;
	cols[8] = SPI_fnumber(desc, "completed_at");
	values[8] = TimestampTzGetDatum(bpm_clock_now());
	nulls[8] = !completing;
	cols[9] = SPI_fnumber(desc, "completed_by");
	values[9] = next->completed_by ? CStringGetTextDatum(next->completed_by) : (Datum) 0;
	nulls[9] = next->completed_by == NULL;
	return heap_modify_tuple_by_cols(td->tg_newtuple, desc, completing ? 10 : 8, cols, values, nulls);
}

/*
 * Trigger bpm.task_update(): INSTEAD OF UPDATE FOR EACH ROW on the view
 * bpm.task. Locks the task's instance, then works on the task as it is now
 * (see the file header). Raises 55000 for a task that is not open or an
 * instance that has ended, 42501 for a change of an engine column, a
 * direct cancellation, or an actor the rules refuse, 23502 for missing
 * required fields; and whatever moving the process on raises.
 */
PG_FUNCTION_INFO_V1(bpm_task_update);
Datum
bpm_task_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	TaskRow		seen;
	TaskRow		asked;
	TaskRow		cur;
	TaskRow		next;
	bool		completing;
	bool		cancelling;
	bool		resolving = false;
	char	   *actor;
	BpmIdentity saved;
	BpmInstance inst;
	HeapTuple	result;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_INSTEAD(td->tg_event))
		elog(ERROR, "pg_bpm: bpm.task_update() must be called as an INSTEAD OF trigger");
	desc = td->tg_relation->rd_att;
	read_task(td->tg_trigtuple, desc, &seen);
	read_task(td->tg_newtuple, desc, &asked);
	refuse_engine_column_changes(td->tg_trigtuple, td->tg_newtuple, desc, seen.id);

	actor = bpm_current_actor_name();
	bpm_engine_enter(&saved);
	if (BPM_TASK_IS_FREE(&seen))
		bpm_task_begin(&inst, seen.id, actor);	/* free_task.c: locks the task row */
	else
		bpm_instance_lock(&inst, seen.instance_id, actor);
	bpm_task_read(seen.id, &cur);
	bpm_task_refuse_unless_open(&cur);
	next = cur;
	apply_requested(&seen, &asked, &next);
	cancelling = strcmp(next.status, "cancelled") == 0;
	if (cancelling && !BPM_TASK_IS_FREE(&cur))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("task %lld cannot be cancelled on its own", (long long) cur.id),
				 errhint("Cancel the instance with bpm.cancel(%lld, reason).",
						 (long long) cur.instance_id)));
	completing = strcmp(next.status, "completed") == 0;
	bpm_delegation_check_change(&cur, &next, inst.actor);
	check_may_change(&cur, &next, inst.actor, saved.userid);
	if (completing && BPM_TASK_DELEGATED(&cur))
	{
		/* the delegate's completion resolves it: back to its owner, still open */
		bpm_delegation_resolve(&cur, &next);
		resolving = true;
		completing = false;
	}
	else if (completing)
		check_completion(&inst, &cur, &next);
	else if (cancelling)
	{
		bpm_free_task_check_cancel(&cur, inst.actor, saved.userid);
		next.completed_by = (char *) inst.actor;
	}
	write_task(&next, completing || cancelling);

	if (resolving)
	{
		bpm_event(&inst, "task_resolved", cur.node_id, cur.id, 0,
				  bpm_jb_build(3, (const char *[]) {"owner", "delegate", "output"},
							   (Jsonb *[]) {bpm_jb_string(cur.owner), bpm_jb_string(cur.assignee),
						next.output}));
		bpm_instance_save(&inst);
	}
	else if (BPM_TASK_IS_FREE(&cur) && (completing || cancelling))
		/* no process waits for a free task */
		bpm_event(&inst, completing ? "task_completed" : "task_cancelled", NULL, cur.id, 0, NULL);
	else if (completing && cur.escalation_of)
	{
		/* an escalation task is a record of who looked into it: nothing moves */
		bpm_event(&inst, "task_completed", cur.node_id, cur.id, 0, NULL);
		bpm_instance_save(&inst);
	}
	else if (completing && inst.graph->is_case)
	{
		/* a human task of a case: its output goes into the case file, its item completes */
		bpm_event(&inst, "task_completed", cur.node_id, cur.id, 0, NULL);
		bpm_case_task_completed(&inst, cur.token_id, next.output);
	}
	else if (completing)
	{
		int			node = bpm_graph_find(inst.graph, cur.node_id);

		bpm_event(&inst, "task_completed", cur.node_id, cur.id, 0, NULL);
		if (node >= 0 && bpm_node_escalates(&inst.graph->nodes[node]))
			bpm_activity_cancel_work(&inst, cur.token_id);	/* its escalation job and task */
		bpm_instance_merge(&inst, next.output, cur.node_id, cur.id, 0);
		bpm_engine_resume(&inst, cur.token_id);
	}
	else
	{
		int			node = BPM_TASK_IS_FREE(&cur) ? -1 : bpm_graph_find(inst.graph, cur.node_id);

		if (schedule_changed(&cur, &next) && node >= 0 && cur.escalation_of == 0 &&
			bpm_node_escalates(&inst.graph->nodes[node]))
			move_escalation(&inst, &next);
		record_open_changes(&inst, &cur, &next);
		bpm_instance_save(&inst);
	}
	if (completing)
		bpm_board_task_completed(cur.id);	/* its card goes to its board's final column */
	result = result_row(td, &next, completing || cancelling);
	bpm_engine_leave(&saved);
	return PointerGetDatum(result);
}

/*
 * Trigger bpm.task_refuse_write(): INSTEAD OF INSERT OR DELETE on the view
 * bpm.task. Tasks of processes are created by the engine and never
 * deleted: their rows are the record of who did what.
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
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("tasks are created by the engine when a process reaches a user task"),
				 errhint("Create a task outside any process with bpm.create_task(title).")));
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("task %lld cannot be deleted",
					(long long) DatumGetInt64(column(td->tg_trigtuple, td->tg_relation->rd_att,
													 "id", &(bool) {false}))),
			 errdetail("Task rows are the record of who did what; cancel the instance instead.")));
	PG_RETURN_NULL();
}
