/*
 * src/task/task_rules.c
 *
 * The rules of working a task, beside its row. bpm_task_judge applies them
 * to the change an UPDATE of bpm.task asks for and says what kind of change
 * it is; the trigger (task_trigger.c) then does what that change does.
 *
 *   - only an open task changes (55000); the engine's columns are fixed
 *     (42501, task_row.c), status and priority are never NULL (23502,
 *     task_row.c) and status is open, completed or cancelled (22023);
 *   - who may claim, reassign or reschedule it (42501); who may write its
 *     output before completing it, as a draft (42501: who may complete it,
 *     or an operator); a delegated task's
 *     assignee changes only by delegation (55000, delegation.c);
 *   - a task of an instance is not cancelled on its own (42501); who may
 *     cancel a free task, and not while a subtask is open (free_task.c);
 *   - completing: the instance is running (55000), who may complete it
 *     (42501), four eyes (42501), the output is a JSON object (22023), the
 *     required fields are in the instance data once the output is merged
 *     into it (23502), no subtask is open (55000). The delegate's
 *     completion of a delegated task resolves it instead.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "security/security.h"
#include "task/task.h"
#include "time/time.h"
#include "util/util.h"

static bool
text_changed(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* The assignee changed. */
bool
bpm_task_reassigned(const TaskRow *old, const TaskRow *new)
{
	return text_changed(old->assignee, new->assignee);
}

/* Priority or due date changed. */
bool
bpm_task_rescheduled(const TaskRow *old, const TaskRow *new)
{
	return old->priority != new->priority || old->due_at_null != new->due_at_null ||
		(!old->due_at_null &&
		 DatumGetTimestampTz(old->due_at) != DatumGetTimestampTz(new->due_at));
}

/* Labels or follow-up date changed (task management; task_updated too). */
bool
bpm_task_details_changed(const TaskRow *old, const TaskRow *new)
{
	return old->follow_up_at_null != new->follow_up_at_null ||
		(!old->follow_up_at_null &&
		 DatumGetTimestampTz(old->follow_up_at) != DatumGetTimestampTz(new->follow_up_at)) ||
		!DatumGetBool(OidFunctionCall2Coll(F_ARRAY_EQ, C_COLLATION_OID, old->labels, new->labels));
}

/* The output changed (an open task's draft: task_saved). */
bool
bpm_task_output_changed(const TaskRow *old, const TaskRow *new)
{
	if (old->output == NULL || new->output == NULL)
		return old->output != new->output;
	return compareJsonbContainers(&old->output->root, &new->output->root) != 0;
}

/* A text[] of groups as JSON text, for messages. */
char *
bpm_task_groups_text(Datum groups)
{
	Jsonb	   *jb = bpm_jb_text_array(groups);

	return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
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
						 DatumGetCString(DirectFunctionCall1(timestamptz_out, old->completed_at)))
			 : 0,
			 errhint("Query bpm.tasks to find the tasks that are open now.")));
}

static bool
may_claim(const TaskRow *old, const char *actor)
{
	return !old->has_groups || bpm_actor_in_groups(actor, old->candidate_groups);
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
	return may_claim(old, actor);
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
	bool		assignee_changed = bpm_task_reassigned(old, new);
	bool		is_assignee = old->assignee && strcmp(old->assignee, actor) == 0;
	bool		is_creator = BPM_TASK_IS_FREE(old) && old->created_by &&
		strcmp(old->created_by, actor) == 0;
	bool		rescheduled = bpm_task_rescheduled(old, new) || bpm_task_details_changed(old, new);

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

/*
 * Completing a task, and writing its output before (a form saved as a
 * draft, which a later completion merges), are for who may work it.
 */
static void
check_may_work(const TaskRow *old, const char *actor, const char *what)
{
	if (bpm_task_may_work(old, actor))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("\"%s\" may not %s task %lld (\"%s\")", actor, what, (long long) old->id,
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

/*
 * Whether a required field is there once the output is merged into the
 * data (top-level keys of the output replace the data's): with a value
 * other than JSON null.
 */
static bool
field_present(const char *field, Jsonb *output, Jsonb *data)
{
	JsonbValue	v;

	if (bpm_jb_get(&output->root, field, &v))
		return v.type != jbvNull;
	return data != NULL && bpm_jb_get(&data->root, field, &v) && v.type != jbvNull;
}

/*
 * The required fields are present in the instance data (a case's case
 * file; none for a task with no instance) after the output is merged into
 * it: a field already there need not be sent again. 23502 names those
 * that are not, with a hint that shows each as a key of the completion
 * data.
 */
static void
check_required(const TaskRow *old, Jsonb *output, Jsonb *data)
{
	ArrayType  *arr = DatumGetArrayTypeP(old->required);
	Datum	   *fields;
	int			n;
	int			i;
	StringInfoData missing;
	StringInfoData example;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &fields, NULL, &n);
	initStringInfo(&missing);
	initStringInfo(&example);
	for (i = 0; i < n; i++)
	{
		char	   *field = TextDatumGetCString(fields[i]);

		if (field_present(field, output, data))
			continue;
		appendStringInfoString(&missing, missing.len ? ", " : "");
		appendStringInfoString(&missing, field);
		appendStringInfoString(&example, example.len ? ", " : "");
		escape_json(&example, field);
		appendStringInfoString(&example, ": ...");
	}
	if (missing.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("task %lld (\"%s\") cannot be completed without: %s",
						(long long) old->id, old->node_id, missing.data),
				 errhint("Pass the fields in the completion data, e.g. bpm.complete_task(%lld, '{%s}').",
						 (long long) old->id, example.data)));
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
 * A case's task was created by the engine: the plan item it names has it
 * as its task, or, an ad-hoc task (no item), the case's log records its
 * creation (bpm.add_task). The log is read only for ad-hoc tasks.
 */
static bool
case_made_task(const BpmInstance *inst, const TaskRow *cur)
{
	static BpmStatement stmt = {
		"SELECT CASE WHEN $2 = 0 THEN EXISTS (SELECT FROM bpm.event WHERE instance_id = $1 "
		"  AND task_id = $3 AND kind = 'task_created') "
		"ELSE EXISTS (SELECT FROM bpm.plan_item WHERE id = $2 AND case_id = $1 AND task_id = $3) END",
		3, {INT8OID, INT8OID, INT8OID}
	};
	Datum		values[3];

	values[0] = Int64GetDatum(inst->id);
	values[1] = Int64GetDatum(cur->token_id);
	values[2] = Int64GetDatum(cur->id);
	bpm_spi_run(&stmt, values, NULL);
	return DatumGetBool(bpm_spi_datum(0, 1, &(bool) {false}));
}

/*
 * Only a task the engine created completes: a row written into
 * bpm.task_store by hand (an owner's or a superuser's) moves nothing (55000).
 * A process's task names the token waiting for it.
 */
static void
check_created_by_engine(const BpmInstance *inst, const TaskRow *cur)
{
	bool		is_case = inst->graph->is_case;

	if (is_case ? case_made_task(inst, cur) : cur->token_id != 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("task %lld was not created by the engine: no %s waits for it",
					(long long) cur->id, is_case ? "plan item of the case" : "process")));
}

/*
 * The completion rules. A task with no instance has no node or four-eyes
 * partner: only who may complete it, its output and its subtasks are
 * checked.
 */
static void
check_completion(TaskScope *scope, const TaskRow *cur, TaskRow *next)
{
	BpmInstance *inst = scope->inst;
	int			node = inst ? bpm_graph_find(inst->graph, cur->node_id) : -1;

	if (inst)
		bpm_instance_require_running(inst, psprintf("complete task %lld", (long long) cur->id));
	if (inst)
		check_created_by_engine(inst, cur);
	bpm_task_require_object_output(cur, next);
	check_may_work(cur, scope->actor, "complete");
	if (cur->escalation_of == 0)
		check_four_eyes(cur, node >= 0 ? &inst->graph->nodes[node] : NULL, scope->actor);
	if (cur->delegation_state)	/* resolved: the delegate's output, then the owner's */
		next->output = bpm_jb_concat(cur->output ? cur->output : bpm_jb_empty_object(),
									 next->output);
	check_required(cur, next->output, inst ? inst->data : NULL);
	bpm_task_refuse_open_subtasks(cur, "completed");
}

/* The task closes: by whom, and when on the engine's clock. */
static void
close_task(TaskRow *next, const char *actor)
{
	next->completed_by = (char *) actor;
	next->completed_at = TimestampTzGetDatum(bpm_clock_now());
	next->completed_at_null = false;
}

/*
 * Judge the change an UPDATE asks for: cur is the open task as it is now,
 * next the same with the columns the UPDATE asked to change. Refuses what
 * the rules forbid, fills in next what the change sets (who closed the
 * task and when; a delegation's resolution, an output) and says what kind
 * of change it is.
 */
TaskChange
bpm_task_judge(TaskScope *scope, const TaskRow *cur, TaskRow *next, Oid caller)
{
	bool		completing = strcmp(next->status, "completed") == 0;
	bool		cancelling = strcmp(next->status, "cancelled") == 0;

	if (!completing && !cancelling && strcmp(next->status, "open") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("task %lld: status \"%s\" is not a task status", (long long) cur->id,
						next->status),
				 errhint("A task is \"open\", \"completed\" or \"cancelled\"; set \"completed\" to complete it.")));

	/* names are stored and indexed: none empty, too long or in a nested array */
	if (bpm_task_reassigned(cur, next) && next->assignee)
		bpm_check_name(next->assignee, "assignee");
	if (bpm_task_details_changed(cur, next))
		bpm_check_names(DatumGetArrayTypeP(next->labels), "labels");
	if (cancelling && !BPM_TASK_IS_FREE(cur))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("task %lld cannot be cancelled on its own", (long long) cur->id),
				 errhint("Cancel the instance with bpm.cancel(%lld, reason).",
						 (long long) cur->instance_id)));
	bpm_delegation_check_change(cur, next, scope->actor);
	check_may_change(cur, next, scope->actor, caller);
	if (!completing && bpm_task_output_changed(cur, next))
	{
		if (!bpm_is_operator(caller))
			check_may_work(cur, scope->actor, "write the output of");
		if (next->output && !JB_ROOT_IS_OBJECT(next->output))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("task %lld: output must be a JSON object", (long long) cur->id),
					 errdetail("A draft output is merged into the instance data when the task is completed.")));
	}
	if (completing && BPM_TASK_DELEGATED(cur))
	{
		/* the delegate's completion resolves it: back to its owner, still open */
		bpm_delegation_resolve(cur, next);
		return BPM_TASK_RESOLVED;
	}
	if (completing)
		check_completion(scope, cur, next);
	else if (cancelling)
		bpm_free_task_check_cancel(cur, scope->actor, caller);
	else
		return BPM_TASK_CHANGED;
	close_task(next, scope->actor);
	return completing ? BPM_TASK_COMPLETED : BPM_TASK_CANCELLED;
}
