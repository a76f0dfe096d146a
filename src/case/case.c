/*
 * src/case/case.c
 *
 * The lifecycle of plan items (CMMN 1.1, in snake case), one bpm.plan_item
 * row per occurrence:
 *
 *   (created) available --entry satisfied--> active --complete--> completed
 *                |   \--manual--> enabled --start_item--> active
 *                |                   \--disable--> disabled --reenable--> enabled
 *                \--milestone / listener: occur--> completed
 *   active --suspend--> suspended --resume--> active
 *   available, enabled, disabled, active --its stage is suspended: parent_suspend--> suspended
 *   suspended --its stage resumes: parent_resume--> the state it had
 *   any of available, enabled, disabled, active, suspended --exit criterion, stage or case ends--> terminated
 *
 * The case plan itself is the row with item_id '' (type case_plan): active
 * while the case runs. An active stage creates its items; a stage (or the
 * case, with "auto_complete") completes when no item is active and every
 * required item has completed, and its items still waiting end with it.
 * Whether it has is asked only once the sentries have taken every on-part
 * the change set off (bpm_case_settle), so what the last item wrote still
 * lets a milestone occur before its stage ends.
 * A repeating item comes back: without entry criteria, a new occurrence
 * once one completes; with entry criteria, a new available occurrence as
 * soon as one proceeds, so that the criteria can be met again.
 * A suspended item is on hold, not done: its task cannot be completed, it
 * keeps its stage from completing, it hears its exit criteria; a child it
 * started runs on, and the child's end is taken when the item resumes. A
 * suspended stage holds its stages and tasks with it (milestones and event
 * listeners are no work: they still occur).
 *
 * Every transition is an event of the case (item_<transition>) and an
 * on-part that sentries may listen to (case_sentry.c). Everything runs
 * under the case's instance row lock, in the caller's transaction.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "case/case.h"
#include "util/util.h"
#include "time/time.h"

static void create_item(BpmCaseRun *run, int node, int64 stage_id, bool look_now);
static void complete_stage(BpmCaseRun *run, BpmItem *stage);
static void after_end(BpmCaseRun *run, BpmItem *item, bool completed);

void
bpm_case_run_init(BpmCaseRun *run, BpmInstance *inst)
{
	memset(run, 0, sizeof(BpmCaseRun));
	run->inst = inst;
	run->g = inst->graph;
}

bool
bpm_case_item_read(BpmCaseRun *run, int64 item_id, BpmItem *item)
{
	static BpmStatement stmt = {
		"SELECT item_id, coalesce(stage_id, 0), occurrence, state, coalesce(task_id, 0), "
		"coalesce(child_id, 0), suspended_from FROM bpm.plan_item WHERE id = $1",
		1, {INT8OID}
	};
	Datum		id = Int64GetDatum(item_id);
	char	   *node_id;

	if (bpm_spi_run(&stmt, &id, NULL) == 0)
		return false;
	node_id = bpm_spi_text(0, 1);
	item->id = item_id;
	item->node = node_id[0] ? bpm_graph_find(run->g, node_id) : -1;
	item->stage_id = bpm_spi_int64(0, 2);
	item->occurrence = bpm_spi_int32(0, 3);
	item->state = bpm_spi_text(0, 4);
	item->task_id = bpm_spi_int64(0, 5);
	item->child_id = bpm_spi_int64(0, 6);
	item->suspended_from = bpm_spi_text(0, 7);
	return true;
}

static const char *
item_id_of(BpmCaseRun *run, BpmItem *item)
{
	return item->node >= 0 ? run->g->nodes[item->node].id : NULL;
}

/* Record a transition: the row, an event, and an on-part for the sentries. */
void
bpm_case_set_state(BpmCaseRun *run, BpmItem *item, const char *state, const char *name)
{
	static BpmStatement stmt = {
		"UPDATE bpm.plan_item SET state = $2, updated_at = $3 WHERE id = $1",
		3, {INT8OID, TEXTOID, TIMESTAMPTZOID}
	};
	Datum		values[3];

	values[0] = Int64GetDatum(item->id);
	values[1] = CStringGetTextDatum(state);
	values[2] = TimestampTzGetDatum(bpm_clock_now());
	bpm_spi_run(&stmt, values, NULL);
	item->state = pstrdup(state);
	bpm_event(run->inst, psprintf("item_%s", name), item_id_of(run, item), item->task_id, 0,
			  bpm_jb_build(2, (const char *[]) {"occurrence", "state"},
						   (Jsonb *[]) {bpm_jb_int(item->occurrence), bpm_jb_string(state)}));
	if (item->node >= 0)
		bpm_case_happened(run, item_id_of(run, item), name);
}

static bool
is_listener(BpmNodeKind kind)
{
	return kind == BPM_TIMER_LISTENER || kind == BPM_USER_LISTENER;
}

static bool
is_over(const char *state)
{
	return strcmp(state, "completed") == 0 || strcmp(state, "terminated") == 0;
}

static int64
insert_item(BpmCaseRun *run, const char *item_id, const char *type, int64 stage_id,
			const char *state)
{
	static BpmStatement stmt = {
		"INSERT INTO bpm.plan_item (case_id, item_id, type, stage_id, occurrence, state, "
		"created_at, updated_at) "
		"VALUES ($1, $2, $3, $4, 1 + (SELECT count(*) FROM bpm.plan_item "
		"WHERE case_id = $1 AND item_id = $2), $5, $6, $6) RETURNING id",
		6, {INT8OID, TEXTOID, TEXTOID, INT8OID, TEXTOID, TIMESTAMPTZOID}
	};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = Int64GetDatum(run->inst->id);
	values[1] = CStringGetTextDatum(item_id);
	values[2] = CStringGetTextDatum(type);
	values[3] = Int64GetDatum(stage_id);
	nulls[3] = BPM_NULL(stage_id == 0);
	values[4] = CStringGetTextDatum(state);
	values[5] = TimestampTzGetDatum(bpm_clock_now());
	bpm_spi_run(&stmt, values, nulls);
	if (run->first_new_item == 0)
		run->first_new_item = bpm_spi_int64(0, 1);
	if (run->first_created == 0)
		run->first_created = bpm_spi_int64(0, 1);
	return bpm_spi_int64(0, 1);
}

/* The case plan's own row, created when the case opens. */
int64
bpm_case_plan_create(BpmCaseRun *run)
{
	return insert_item(run, "", "case_plan", 0, "active");
}

static void
create_children(BpmCaseRun *run, BpmItem *stage)
{
	int			i;

	for (i = 0; i < run->g->nnodes; i++)
		if (run->g->nodes[i].scope == stage->node && !run->g->nodes[i].discretionary)
			create_item(run, i, stage->id, true);
}

static void
arm_timer(BpmCaseRun *run, BpmNode *node, int64 item_id)
{
	bpm_activity_create_job(run->inst, node, item_id, BPM_JOB_CASE_TIMER,
							bpm_timer_due(run->inst, node));
}

/*
 * A new occurrence of a plan item in a stage: available, then, with
 * look_now, as far as the case file as it is lets it go (if-part-only
 * criteria that hold already). The next occurrence of a repeating item is
 * created without looking: it waits for its criteria to be met again.
 */
/*
 * The loop guard. Sentries that set each other off without end, or a
 * repeating item that completes as soon as it is created, make new
 * occurrences of one plan item without end: each occurrence goes through
 * its lifecycle once, so nothing else can repeat for ever. A change that
 * creates more occurrences of one item than MAX_OCCURRENCES_PER_CHANGE
 * plus those the case had before (each of which may bring one back) is
 * taken for such a loop (54000), whatever else it does: a case file update
 * of any number of fields, a stage of many items, are not loops. The limit
 * is low enough that a loop through a repeating item's own completion,
 * which nests a creation in the last, ends here before the stack does.
 */
#define MAX_OCCURRENCES_PER_CHANGE 1000

static void
count_occurrence(BpmCaseRun *run, int node)
{
	static BpmStatement before = {
		"SELECT count(*)::integer FROM bpm.plan_item WHERE case_id = $1 AND item_id = $2 AND id < $3",
		3, {INT8OID, TEXTOID, INT8OID}
	};
	Datum		values[3];
	int			existing;

	if (run->created == NULL)
		run->created = palloc0(sizeof(int) * run->g->nnodes);
	CHECK_FOR_INTERRUPTS();
	if (++run->created[node] <= MAX_OCCURRENCES_PER_CHANGE)
		return;
	values[0] = Int64GetDatum(run->inst->id);
	values[1] = CStringGetTextDatum(run->g->nodes[node].id);
	values[2] = Int64GetDatum(run->first_created);
	bpm_spi_run(&before, values, NULL);
	existing = bpm_spi_int32(0, 1);
	if (run->created[node] > MAX_OCCURRENCES_PER_CHANGE + existing)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("case %lld of \"%s\": plan item \"%s\" came back %d times in one change",
						(long long) run->inst->id, run->g->key, run->g->nodes[node].id,
						run->created[node]),
				 errdetail("One change may create %d occurrences of an item, and one more for each it had before (%d): more is a loop.",
						   MAX_OCCURRENCES_PER_CHANGE, existing),
				 errhint("Its sentries, or those of the items it sets off, meet each other without end; or it repeats without entry criteria and completes as soon as it is created.")));
}

static void
create_item(BpmCaseRun *run, int node, int64 stage_id, bool look_now)
{
	BpmNode    *n = &run->g->nodes[node];
	BpmItem		item;

	count_occurrence(run, node);
	bpm_case_item_read(run, insert_item(run, n->id, bpm_case_item_type(n->kind), stage_id,
										"available"), &item);
	bpm_event(run->inst, "item_create", n->id, 0, 0,
			  bpm_jb_build(2, (const char *[]) {"occurrence", "state"},
						   (Jsonb *[]) {bpm_jb_int(item.occurrence), bpm_jb_string("available")}));
	bpm_case_happened(run, n->id, "create");
	if (n->kind == BPM_TIMER_LISTENER)
		arm_timer(run, n, item.id);
	if (is_listener(n->kind) || !look_now)
		return;
	if (n->nentry == 0 || bpm_case_sentry_holds_now(run, n->entry, n->nentry))
		bpm_case_proceed(run, &item);
	if (bpm_case_item_read(run, item.id, &item) && !is_over(item.state) &&
		bpm_case_sentry_holds_now(run, n->exit, n->nexit))
		bpm_case_exit(run, &item);
}

/*
 * The work of an item ended in its child instance: a completed child's data
 * goes into the case file and the item completes; a terminated child makes
 * the item fail (CMMN fault).
 */
static void
child_done(BpmCaseRun *run, BpmItem *item, BpmInstance *child)
{
	bool		completed = strcmp(child->state, "completed") == 0;

	if (completed)
	{
		Jsonb	   *before = run->inst->data;

		bpm_instance_merge(run->inst, child->data, run->g->nodes[item->node].id, 0, 0);
		bpm_case_file_changed(run, before, run->inst->data);
	}
	bpm_case_set_state(run, item, completed ? "completed" : "failed",
					   completed ? "complete" : "fault");
	after_end(run, item, completed);
}

/*
 * A process or case task starts its child with a copy of the case file.
 * The case drives it meanwhile (family.c): if the child ends at once, its
 * end is taken here.
 */
static void
start_child(BpmCaseRun *run, BpmItem *item, BpmNode *node)
{
	static BpmStatement set_child = {
		"UPDATE bpm.plan_item SET child_id = $2 WHERE id = $1",
		2, {INT8OID, INT8OID}
	};
	BpmInstance child;
	Datum		values[2];

	bpm_family_start_child(run->inst, &child,
						   node->kind == BPM_PROCESS_TASK ? "process" : "case",
						   node->target_key, run->inst->data, 0);
	item->child_id = child.id;
	values[0] = Int64GetDatum(item->id);
	values[1] = Int64GetDatum(child.id);
	bpm_spi_run(&set_child, values, NULL);
	bpm_event(run->inst, "child_started", node->id, 0, 0,
			  bpm_jb_build(2, (const char *[]) {"instance", "key"},
						   (Jsonb *[]) {bpm_jb_int(child.id), bpm_jb_string(node->target_key)}));
	if (strcmp(child.state, "running") != 0)
		child_done(run, item, &child);
	else if (!node->wait)
	{
		bpm_case_set_state(run, item, "completed", "complete");
		after_end(run, item, true);
	}
}

/* The item ends before its child: the child is cancelled (the case drives it, family.c). */
static void
cancel_child(BpmCaseRun *run, BpmItem *item)
{
	bpm_family_cancel_child(run->inst, item->child_id,
							psprintf("plan item \"%s\" of case %lld ended",
									 run->g->nodes[item->node].id, (long long) run->inst->id));
}

/*
 * A child ended in a later step than the one that started it (family.c has
 * locked the case): its plan item, if it still waits, takes its end. A
 * suspended item takes it when it resumes (take_held_end): the child's row
 * keeps it meanwhile.
 */
static void
case_child_ended(BpmInstance *parent, BpmInstance *child)
{
	static BpmStatement waiting = {
		"SELECT id FROM bpm.plan_item WHERE case_id = $1 AND child_id = $2 AND state = 'active'",
		2, {INT8OID, INT8OID}
	};
	BpmCaseRun	run;
	BpmItem		item;
	Datum		values[2];

	bpm_case_run_init(&run, parent);
	values[0] = Int64GetDatum(parent->id);
	values[1] = Int64GetDatum(child->id);
	if (bpm_spi_run(&waiting, values, NULL) == 0 ||
		!bpm_case_item_read(&run, bpm_spi_int64(0, 1), &item))
		return;
	child_done(&run, &item, child);
	bpm_case_settle(&run);
	bpm_instance_save(parent);
}

void
bpm_case_activate(BpmCaseRun *run, BpmItem *item, const char *name)
{
	static BpmStatement set_task = {
		"UPDATE bpm.plan_item SET task_id = $2 WHERE id = $1",
		2, {INT8OID, INT8OID}
	};
	BpmNode    *node = &run->g->nodes[item->node];

	if (node->kind == BPM_USER_TASK)
	{
		Datum		values[2];
		BpmNode		task = *node;

		if (node->case_role)	/* for the holders of the role in this case */
			task.candidate_groups.constant =
				bpm_jb_text_array(PointerGetDatum(construct_array((Datum[]) {
					CStringGetTextDatum(bpm_case_role_group(run->inst->id, node->case_role))},
					1, TEXTOID, -1, false, TYPALIGN_INT)));
		item->task_id = bpm_activity_create_task(run->inst, &task, item->id);
		values[0] = Int64GetDatum(item->id);
		values[1] = Int64GetDatum(item->task_id);
		bpm_spi_run(&set_task, values, NULL);
	}
	bpm_case_set_state(run, item, "active", name);
	if (node->kind == BPM_PROCESS_TASK || node->kind == BPM_CASE_TASK)
		start_child(run, item, node);
	if (node->kind == BPM_STAGE)
	{
		create_children(run, item);
		after_end(run, item, false);	/* an empty stage, or one whose items all ended at once */
	}
}

/* The entry criteria of an available occurrence are met. */
void
bpm_case_proceed(BpmCaseRun *run, BpmItem *item)
{
	BpmNode    *node = &run->g->nodes[item->node];

	if (node->kind == BPM_MILESTONE)
	{
		bpm_case_set_state(run, item, "completed", "occur");
		after_end(run, item, true);
	}
	else if (node->manual)
		bpm_case_set_state(run, item, "enabled", "enable");
	else
		bpm_case_activate(run, item, "start");
	if (node->repeat && node->nentry > 0)
		create_item(run, item->node, item->stage_id, false);
}

static void end_children(BpmCaseRun *run, BpmItem *stage);

static void
terminate(BpmCaseRun *run, BpmItem *item, const char *name)
{
	if (is_over(item->state))
		return;
	if (item->node >= 0 && run->g->nodes[item->node].kind == BPM_STAGE)
		end_children(run, item);
	bpm_activity_cancel_work(run->inst, item->id);
	if (item->child_id != 0 &&
		(strcmp(item->state, "active") == 0 || strcmp(item->state, "suspended") == 0))
		cancel_child(run, item);
	bpm_case_set_state(run, item, "terminated", name);
}

/*
 * Acts on each item of a stage in one of the states (a text[] literal), in
 * order, as it is when its turn comes; with work_only, on its stages and
 * tasks only (not its milestones and event listeners).
 */
static void
each_stage_item(BpmCaseRun *run, BpmItem *stage, const char *states, bool work_only,
				void (*act) (BpmCaseRun *run, BpmItem *item))
{
	static BpmStatement stmt = {
		"SELECT id FROM bpm.plan_item WHERE stage_id = $1 AND state = ANY ($2::text[]) "
		"AND NOT ($3 AND type IN ('milestone', 'timer_listener', 'user_listener')) ORDER BY id",
		3, {INT8OID, TEXTOID, BOOLOID}
	};
	Datum		values[3] = {Int64GetDatum(stage->id), CStringGetTextDatum(states),
	BoolGetDatum(work_only)};
	int			n = bpm_spi_run(&stmt, values, NULL);
	int64	   *ids = palloc(sizeof(int64) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		ids[i] = bpm_spi_int64(i, 1);
	for (i = 0; i < n; i++)
	{
		BpmItem		item;

		if (bpm_case_item_read(run, ids[i], &item))
			act(run, &item);
	}
}

static void
exit_item(BpmCaseRun *run, BpmItem *item)
{
	terminate(run, item, "exit");
}

/* The stage ends: what still waits in it ends too. */
static void
end_children(BpmCaseRun *run, BpmItem *stage)
{
	each_stage_item(run, stage, "{available,enabled,disabled,active,failed,suspended}", false,
					exit_item);
}

/* An exit criterion of the item is met. */
void
bpm_case_exit(BpmCaseRun *run, BpmItem *item)
{
	if (item->node < 0)
	{
		bpm_case_close(run, "exit", NULL);
		return;
	}
	terminate(run, item, "exit");
	after_end(run, item, false);
}

/*
 * Has every required item of the stage completed, and is none active or
 * suspended? Names the first that has not, for close_case's message.
 */
static bool
stage_done(BpmCaseRun *run, BpmItem *stage, const char **blocking)
{
	static BpmStatement active = {
		"SELECT item_id FROM bpm.plan_item WHERE stage_id = $1 "
		"AND state IN ('active', 'suspended') LIMIT 1",
		1, {INT8OID}
	};
	static BpmStatement completed = {
		"SELECT 1 FROM bpm.plan_item WHERE stage_id = $1 AND item_id = $2 AND state = 'completed'",
		2, {INT8OID, TEXTOID}
	};
	Datum		values[2];
	int			i;

	values[0] = Int64GetDatum(stage->id);
	if (bpm_spi_run(&active, values, NULL) > 0)
	{
		*blocking = bpm_spi_text(0, 1);
		return false;
	}
	for (i = 0; i < run->g->nnodes; i++)
	{
		BpmNode    *n = &run->g->nodes[i];

		if (n->scope != stage->node || !n->item_required)
			continue;
		values[1] = CStringGetTextDatum(n->id);
		if (bpm_spi_run(&completed, values, NULL) == 0)
		{
			*blocking = n->id;
			return false;
		}
	}
	return true;
}

/*
 * Completes the stage (or the case) when its work is done and it completes
 * by itself (bpm_case_settle asks, once the sentries have settled).
 */
void
bpm_case_complete_if_done(BpmCaseRun *run, int64 stage_id)
{
	BpmItem		stage;
	const char *blocking;
	bool		automatic;

	if (!bpm_case_item_read(run, stage_id, &stage) || strcmp(stage.state, "active") != 0)
		return;
	automatic = stage.node >= 0 ? run->g->nodes[stage.node].auto_complete : run->g->auto_complete;
	if (!automatic || !stage_done(run, &stage, &blocking))
		return;
	complete_stage(run, &stage);
}

/* The stage (or the case plan) completes; what still waits in it ends. */
static void
complete_stage(BpmCaseRun *run, BpmItem *stage)
{
	end_children(run, stage);
	if (stage->node < 0)
	{
		bpm_case_close(run, "complete", NULL);
		return;
	}
	bpm_case_set_state(run, stage, "completed", "complete");
	after_end(run, stage, true);
}

/*
 * Someone completes an active stage by hand (one without auto_complete,
 * or one whose optional items should not be waited for): refused (55000)
 * while an item in it is active or a required one has not completed.
 */
void
bpm_case_complete_stage(BpmCaseRun *run, BpmItem *stage)
{
	const char *blocking;

	if (!stage_done(run, stage, &blocking))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("stage \"%s\" of case %lld cannot complete: plan item \"%s\" is not done",
						run->g->nodes[stage->node].id, (long long) run->inst->id, blocking),
				 errhint("Complete it, or end it through its exit criteria.")));
	complete_stage(run, stage);
}

static void
set_suspended_from(BpmItem *item, const char *state)
{
	static BpmStatement stmt = {
		"UPDATE bpm.plan_item SET suspended_from = $2 WHERE id = $1",
		2, {INT8OID, TEXTOID}
	};
	Datum		values[2];
	char		nulls[2] = {' ', BPM_NULL(state == NULL)};

	values[0] = Int64GetDatum(item->id);
	values[1] = state ? CStringGetTextDatum(state) : (Datum) 0;
	bpm_spi_run(&stmt, values, nulls);
	item->suspended_from = state ? pstrdup(state) : NULL;
}

/* What a suspended stage holds with it: its stages and tasks in these states. */
#define HELD_STATES "{available,enabled,disabled,active}"

/*
 * Its stage is suspended: an item that has not ended is held with it
 * (parent_suspend), remembering its state; a stage holds its own items in
 * turn. One suspended on its own already stays as it is.
 */
static void
hold(BpmCaseRun *run, BpmItem *item)
{
	bool		was_active = strcmp(item->state, "active") == 0;

	set_suspended_from(item, item->state);
	bpm_case_set_state(run, item, "suspended", "parent_suspend");
	if (was_active && run->g->nodes[item->node].kind == BPM_STAGE)
		each_stage_item(run, item, HELD_STATES, true, hold);
}

/* bpm.suspend_item: an active item is put on hold; a stage holds its work with it. */
void
bpm_case_suspend(BpmCaseRun *run, BpmItem *item)
{
	bpm_case_set_state(run, item, "suspended", "suspend");
	if (run->g->nodes[item->node].kind == BPM_STAGE)
		each_stage_item(run, item, HELD_STATES, true, hold);
}

static void release(BpmCaseRun *run, BpmItem *item);

/*
 * An item is active again: a stage gives its held items back; a process or
 * case task whose child ended while it was suspended takes the child's end.
 */
static void
take_held_end(BpmCaseRun *run, BpmItem *item)
{
	BpmInstance child;

	if (run->g->nodes[item->node].kind == BPM_STAGE)
	{
		each_stage_item(run, item, "{suspended}", true, release);
		return;
	}
	if (item->child_id == 0)
		return;
	bpm_instance_lock_kin(&child, item->child_id, run->inst);
	if (strcmp(child.state, "running") != 0)
		child_done(run, item, &child);
}

/*
 * Its stage resumes: an item held with it goes back to the state it had
 * (parent_resume); an available one whose entry criteria were met
 * meanwhile proceeds, an active one takes what it missed. One suspended
 * on its own stays suspended.
 */
static void
release(BpmCaseRun *run, BpmItem *item)
{
	char	   *to = item->suspended_from;

	if (strcmp(item->state, "suspended") != 0 || to == NULL)
		return;					/* what an earlier one set off may have ended it */
	set_suspended_from(item, NULL);
	bpm_case_set_state(run, item, to, "parent_resume");
	if (strcmp(to, "active") == 0)
		take_held_end(run, item);
	else if (strcmp(to, "available") == 0 && bpm_case_entry_met(run, item))
		bpm_case_proceed(run, item);
}

/*
 * bpm.resume_item: a suspended item is active again, and takes what it
 * missed. Not while its stage is suspended (55000): the items held with
 * it resume with it, and one suspended on its own waits for it too.
 */
void
bpm_case_resume(BpmCaseRun *run, BpmItem *item)
{
	BpmItem		stage;

	if (bpm_case_item_read(run, item->stage_id, &stage) && strcmp(stage.state, "suspended") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot resume plan item \"%s\" of case %lld: its stage \"%s\" is suspended",
						run->g->nodes[item->node].id, (long long) run->inst->id,
						run->g->nodes[stage.node].id),
				 errhint("Resume the stage; the items suspended with it resume with it.")));
	bpm_case_set_state(run, item, "active", "resume");
	take_held_end(run, item);
}

/*
 * After an item completed or ended (or, for a stage just started, to see
 * whether it is already done): bring back a repeating item without entry
 * criteria, and have its stage checked once the sentries have settled.
 */
static void
after_end(BpmCaseRun *run, BpmItem *item, bool completed)
{
	BpmNode    *node = item->node >= 0 ? &run->g->nodes[item->node] : NULL;

	if (node && node->kind == BPM_STAGE && !is_over(item->state))
	{
		bpm_case_stage_to_check(run, item->id);
		return;
	}
	if (completed && node && node->repeat && node->nentry == 0)
		create_item(run, item->node, item->stage_id, true);
	bpm_case_stage_to_check(run, item->stage_id);
}

/*
 * The case ends: "complete" (its plan's work is done, or close_case) or
 * "exit" (an exit criterion of the case). Items that still wait end; the
 * case plan's row records it; the instance completes or is terminated.
 */
void
bpm_case_close(BpmCaseRun *run, const char *how, const char *outcome)
{
	static BpmStatement root = {
		"SELECT id FROM bpm.plan_item WHERE case_id = $1 AND stage_id IS NULL",
		1, {INT8OID}
	};
	Datum		id = Int64GetDatum(run->inst->id);
	BpmItem		plan;
	bool		completing = strcmp(how, "complete") == 0;

	bpm_spi_run(&root, &id, NULL);
	if (!bpm_case_item_read(run, bpm_spi_int64(0, 1), &plan) || is_over(plan.state))
		return;
	end_children(run, &plan);
	bpm_activity_cancel_work(run->inst, 0);	/* its ad-hoc tasks (bpm.add_task) */
	bpm_case_set_state(run, &plan, completing ? "completed" : "terminated", how);
	bpm_instance_end(run->inst, completing ? "completed" : "terminated",
					 outcome ? outcome : completing ? NULL : "exit criterion of the case");
}

/*
 * A task of the case was completed (task_trigger.c): its output goes into the case
 * file, and its plan item completes (an ad-hoc task, item_id 0, has none).
 */
void
bpm_case_task_completed(BpmInstance *inst, int64 item_id, Jsonb *output)
{
	BpmCaseRun	run;
	BpmItem		item;
	Jsonb	   *before = inst->data;

	bpm_case_run_init(&run, inst);
	if (item_id == 0)
	{
		bpm_instance_merge(inst, output, BPM_AD_HOC_TASK, 0, 0);
		bpm_case_file_changed(&run, before, inst->data);
		bpm_case_settle(&run);
		bpm_instance_save(inst);
		return;
	}
	if (!bpm_case_item_read(&run, item_id, &item) || strcmp(item.state, "active") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the task of plan item \"%s\" of case %lld cannot be completed: the item is %s",
						item.node >= 0 ? run.g->nodes[item.node].id : "?", (long long) inst->id,
						item.state),
				 errhint("Resume it with bpm.resume_item first.")));
	bpm_instance_merge(inst, output, run.g->nodes[item.node].id, item.task_id, 0);
	bpm_case_file_changed(&run, before, inst->data);
	bpm_case_set_state(&run, &item, "completed", "complete");
	after_end(&run, &item, true);
	bpm_case_settle(&run);
	bpm_instance_save(inst);
}

/* A timer listener's job fell due (runner.c). */
void
bpm_case_timer_fired(BpmInstance *inst, int64 item_id)
{
	BpmCaseRun	run;
	BpmItem		item;

	bpm_case_run_init(&run, inst);
	if (!bpm_case_item_read(&run, item_id, &item) || strcmp(item.state, "available") != 0)
		return;
	bpm_case_set_state(&run, &item, "completed", "occur");
	after_end(&run, &item, true);
	bpm_case_settle(&run);
	bpm_instance_save(inst);
}

/* bpm.cancel of a case: its items end with it, and nothing listens any more. */
void
bpm_case_cancel(BpmInstance *inst, const char *reason)
{
	BpmCaseRun	run;

	bpm_case_run_init(&run, inst);
	bpm_case_close(&run, "terminate", reason ? reason : "cancelled");
	bpm_instance_save(inst);
}

/* The case opened: its plan's items are created and go as far as they can. */
void
bpm_case_start_plan(BpmCaseRun *run, int64 plan_id)
{
	BpmItem		plan;

	bpm_case_item_read(run, plan_id, &plan);
	create_children(run, &plan);
	after_end(run, &plan, false);
}

/* A discretionary item, planned by someone: a new occurrence in its stage. */
void
bpm_case_plan_discretionary(BpmCaseRun *run, int node, int64 stage_id)
{
	create_item(run, node, stage_id, true);
}

/* A user listener occurs. */
void
bpm_case_occur(BpmCaseRun *run, BpmItem *item)
{
	bpm_case_set_state(run, item, "completed", "occur");
	after_end(run, item, true);
}

/*
 * A new case instance (kind 'case') opens: its plan's items are created and
 * go as far as they can; the case is saved.
 */
void
bpm_case_open(BpmInstance *inst, const char *key)
{
	static BpmStatement mark = {
		"UPDATE bpm.instance SET kind = 'case' WHERE id = $1",
		1, {INT8OID}
	};
	Datum		id = Int64GetDatum(inst->id);
	BpmCaseRun	run;

	bpm_spi_run(&mark, &id, NULL);
	bpm_event_opening(inst, "case_opened",
					  bpm_jb_build(2, (const char *[]) {"case", "data"},
								   (Jsonb *[]) {bpm_jb_string(key), inst->data}));
	bpm_case_role_grant(inst, "owner", inst->actor);
	bpm_case_run_init(&run, inst);
	bpm_case_start_plan(&run, bpm_case_plan_create(&run));
	if (bpm_case_sentry_holds_now(&run, run.g->exit, run.g->nexit))
		bpm_case_close(&run, "exit", NULL);
	bpm_case_settle(&run);
	bpm_instance_save(inst);
}

/* What a case does as a member of a family (process/family.c). */
static const BpmMemberKind case_kind = {bpm_case_open, bpm_case_cancel, case_child_ended};

void
bpm_case_init(void)
{
	bpm_family_register_case(&case_kind);
}
