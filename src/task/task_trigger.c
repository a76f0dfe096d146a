/*
 * src/task/task_trigger.c
 *
 * The trigger of the view bpm.task. bpm.task is a view over the table
 * bpm.task_store; completing a task is an UPDATE of its row in the view,
 * from bpm.complete_task or from any client, and one INSTEAD OF trigger
 * makes both the same:
 *
 *   1. find the columns the statement asks to change, refusing the
 *      engine's (task_row.c);
 *   2. lock the task's instance (the engine's lock order: instance first,
 *      then its rows; the view scan locked no task row, so no UPDATE ever
 *      holds a task while it waits for the instance) — a free task has no
 *      instance: its own row is locked instead (free_task.c);
 *   3. read the task as it is now, take the asked changes, and judge them
 *      by the rules (task_rules.c), which say what kind of change it is;
 *   4. write bpm.task_store and do what that change does: record its
 *      events and, on completion, merge the output into the instance data
 *      and move the process on (or the case: its item completes),
 *
 * all in the caller's transaction. A completed task's card goes to its
 * board's final column (board.c).
 *
 * Task states:   open --complete--> completed
 *                  \---instance cancelled / scope ended (engine)--> cancelled
 *                  \---a free task cancelled (UPDATE status)--> cancelled
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/json.h"
#include "utils/rel.h"

#include "case/case.h"
#include "security/security.h"
#include "task/task.h"
#include "util/util.h"

static Jsonb *
change_data(const char *from, const char *to)
{
	return bpm_jb_build(2, (const char *[]) {"from", "to"},
						(Jsonb *[]) {from ? bpm_jb_string(from) : NULL,
				to ? bpm_jb_string(to) : NULL});
}

/* Events for the changes of a task: assignee, priority, due date, details. */
static void
record_open_changes(TaskScope *scope, const TaskRow *old, const TaskRow *new)
{
	if (bpm_task_reassigned(old, new))
	{
		const char *kind = new->assignee == NULL ? "task_unclaimed"
			: (old->assignee == NULL && strcmp(new->assignee, scope->actor) == 0)
			? "task_claimed" : "task_assigned";

		bpm_task_event(scope, kind, old->node_id, old->id, change_data(old->assignee, new->assignee));
	}
	if (bpm_task_rescheduled(old, new) || bpm_task_details_changed(old, new))
	{
		Jsonb	   *vals[4];
		const int	utc = 0;

		vals[0] = bpm_jb_int(new->priority);
		vals[1] = new->due_at_null ? NULL
			: bpm_jb_string(JsonEncodeDateTime(NULL, new->due_at, TIMESTAMPTZOID, &utc));
		/* follow-up and labels only when they changed: older events keep their shape */
		vals[2] = new->follow_up_at_null ? NULL
			: bpm_jb_string(JsonEncodeDateTime(NULL, new->follow_up_at, TIMESTAMPTZOID, &utc));
		vals[3] = bpm_jb_text_array(new->labels);
		bpm_task_event(scope, "task_updated", old->node_id, old->id,
					   bpm_jb_build(bpm_task_details_changed(old, new) ? 4 : 2,
									(const char *[]) {"priority", "due_at", "follow_up_at", "labels"},
									vals));
	}
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
	if (next->due_at_null)
	{
		if (bpm_spi_run(&drop, values, NULL) == 1)
			bpm_event(inst, "job_cancelled", next->node_id, 0, bpm_spi_int64(0, 1), NULL);
		return;
	}
	values[2] = next->due_at;
	bpm_spi_run(&move, values, NULL);
}

/*
 * What an UPDATE changed besides the status, whatever kind of change it is
 * (a completion may hand the task on in the same statement): events say
 * what changed, and a task's escalation follows a new due date.
 */
static void
record_changes(TaskScope *scope, const TaskRow *cur, const TaskRow *next)
{
	BpmInstance *inst = scope->inst;
	int			node = inst ? bpm_graph_find(inst->graph, cur->node_id) : -1;

	if (bpm_task_rescheduled(cur, next) && node >= 0 && cur->escalation_of == 0 &&
		bpm_node_escalates(&inst->graph->nodes[node]))
		move_escalation(inst, next);
	record_open_changes(scope, cur, next);
}

/*
 * Still open. Its output, written without completing it, is a draft that
 * a later completion merges (a completion's own output is its data_changed).
 */
static void
changed(TaskScope *scope, const TaskRow *cur, const TaskRow *next)
{
	if (bpm_task_output_changed(cur, next))
		bpm_task_event(scope, "task_saved", cur->node_id, cur->id,
					   bpm_jb_build(1, (const char *[]) {"output"}, (Jsonb *[]) {next->output}));
	bpm_task_save(scope);
}

/* The delegate completed it: back with its owner, the delegate's output kept. */
static void
resolved(TaskScope *scope, const TaskRow *cur, const TaskRow *next)
{
	bpm_task_event(scope, "task_resolved", cur->node_id, cur->id,
				   bpm_jb_build(3, (const char *[]) {"owner", "delegate", "output"},
								(Jsonb *[]) {bpm_jb_string(cur->owner), bpm_jb_string(cur->assignee),
						next->output}));
	bpm_task_save(scope);
}

/* A completed task of an instance moves it on. */
static void
move_on(BpmInstance *inst, const TaskRow *cur, const TaskRow *next)
{
	int			node;

	if (cur->escalation_of != 0)
	{
		/* an escalation task is a record of who looked into it: nothing moves */
		bpm_instance_save(inst);
		return;
	}
	if (inst->graph->is_case)
	{
		/* a human task of a case: its output goes into the case file, its item completes */
		bpm_case_task_completed(inst, cur->token_id, next->output);
		return;
	}
	node = bpm_graph_find(inst->graph, cur->node_id);
	if (node >= 0 && bpm_node_escalates(&inst->graph->nodes[node]))
		bpm_activity_cancel_work(inst, cur->token_id);	/* its escalation job and task */
	bpm_instance_merge(inst, next->output, cur->node_id, cur->id, 0);
	bpm_engine_resume(inst, cur->token_id);
}

static void
completed(TaskScope *scope, const TaskRow *cur, const TaskRow *next)
{
	bpm_task_event(scope, "task_completed", cur->node_id, cur->id, NULL);
	if (scope->inst)
		move_on(scope->inst, cur, next);	/* no process waits for a task with no instance */
	bpm_board_task_completed(cur->id);	/* its card goes to its board's final column */
}

/* A free task cancelled (the rules refuse it for a task of an instance). */
static void
cancelled(TaskScope *scope, const TaskRow *cur, const TaskRow *next)
{
	bpm_task_event(scope, "task_cancelled", cur->node_id, cur->id, NULL);
	bpm_task_save(scope);
}

/* What each kind of change does, once the task is written. */
static void (*const change_does[]) (TaskScope *scope, const TaskRow *cur, const TaskRow *next) =
{
	[BPM_TASK_CHANGED] = changed,
	[BPM_TASK_RESOLVED] = resolved,
	[BPM_TASK_COMPLETED] = completed,
	[BPM_TASK_CANCELLED] = cancelled,
};

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
	TaskRow		wanted;
	uint32		columns;
	BpmIdentity saved;
	TaskScope	scope;
	TaskChange	change;
	HeapTuple	result;
	char	   *actor;

	bpm_require_trigger(fcinfo, "bpm.task_update()", BPM_TRIGGER_INSTEAD);
	desc = td->tg_relation->rd_att;
	bpm_task_row_from_tuple(td->tg_trigtuple, desc, &seen);
	bpm_task_row_from_tuple(td->tg_newtuple, desc, &asked);
	columns = bpm_task_row_asked(td->tg_trigtuple, td->tg_newtuple, desc, seen.id);

	actor = bpm_current_actor_name();
	bpm_engine_enter(&saved);
	if (BPM_TASK_IS_FREE(&seen))
		bpm_task_lock(seen.id); /* a task with no instance: its own row */
	bpm_task_scope_init(&scope, seen.instance_id, actor);	/* else its instance */
	bpm_task_read(seen.id, &cur);
	bpm_task_refuse_unless_open(&cur);
	next = cur;
	bpm_task_row_take(&next, &asked, columns);
	wanted = next;				/* what the UPDATE asked, before the rules fill in more */
	change = bpm_task_judge(&scope, &cur, &next, saved.userid);
	bpm_task_row_write(&next);
	record_changes(&scope, &cur, &wanted);
	change_does[change] (&scope, &cur, &next);
	/* the executor reads the row after SPI_finish: copied out of SPI's memory */
	result = SPI_copytuple(bpm_task_row_report(td->tg_newtuple, desc, &next));
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
	TaskRow		task;

	bpm_require_trigger(fcinfo, "bpm.task_refuse_write()", BPM_TRIGGER_ANY);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("tasks are created by the engine when a process reaches a user task"),
				 errhint("Create a task outside any process with bpm.create_task(title).")));
	}
	bpm_task_row_from_tuple(td->tg_trigtuple, td->tg_relation->rd_att, &task);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("task %lld cannot be deleted", (long long) task.id),
			 errdetail("Task rows are the record of who did what; cancel the instance instead.")));
	PG_RETURN_NULL();
}
