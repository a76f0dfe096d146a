/*
 * src/process/family.c
 *
 * A family of instances: a process, the case it escalated to, the
 * processes and cases that case started, and so on down. Each member knows
 * its parent (parent_id) and the family's root (root_id, its own id for a
 * root), both written by the insert that creates it and never changed
 * (a trigger refuses it). This module owns how members start, end and are
 * cancelled, and the order in which a family is locked.
 *
 * Lock order. The root's row first, then the member's row, then that
 * member's rows (tokens, tasks, jobs, plan items); a parent or a child is
 * locked only while this transaction already holds the root. The root row
 * thus serialises every write to its family: a child ending (it locks its
 * parent) and its case being cancelled or closed (it locks the children)
 * queue on the root instead of deadlocking. root_id never changes, so it is
 * read before the first lock, as bpm_task_lock reads a task's instance_id.
 * bpm_instance_lock takes a root in one statement and a member below its
 * root in three (an attempt as a root, bpm_family_lock_root, the member),
 * a parent or child of a locked member in one (bpm_instance_lock_kin); the
 * job pickers lock the job, the root and the instance with SKIP LOCKED,
 * waiting for none; bpm.link_cases locks two families in the order of
 * their roots' ids.
 *
 * Who ends whom. A parent that starts or cancels a child within its own
 * step holds its state in memory, so the child's end must not come back to
 * it through the database (that would load the parent again, and the step
 * would then overwrite what was done). Such a child carries the parent as
 * its driver, and the parent takes the child's end from the child's state
 * when the call returns. A child that ends on its own, in a later step,
 * tells its parent (bpm_family_ended): the parent is locked (its root is
 * already held) and, if it still runs, takes the child's end: a case's
 * process or case task completes or fails, a process waiting for the case
 * it escalated to goes on with the case's result.
 *
 * Kinds. What a process does as a member is here; what a case does is
 * registered by case/ at load time (bpm_family_register_case), so that
 * process/ calls no code of the folder above it.
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "process/engine.h"
#include "util/util.h"

static void process_open(BpmInstance *inst, const char *key);
static void process_child_ended(BpmInstance *process, BpmInstance *child);

static const BpmMemberKind process_kind = {process_open, bpm_engine_cancel, process_child_ended};
static const BpmMemberKind *case_kind = NULL;

void
bpm_family_register_case(const BpmMemberKind *kind)
{
	case_kind = kind;
}

static const BpmMemberKind *
kind_of(BpmInstance *inst)
{
	if (!inst->graph->is_case)
		return &process_kind;
	if (case_kind == NULL)
		elog(ERROR, "pg_bpm: no case kind registered");
	return case_kind;
}

/* The root of the instance's family, read without a lock (it never changes); 0 if there is no such instance. */
int64
bpm_family_root(int64 instance_id)
{
	static BpmStatement stmt = {
		"SELECT root_id FROM bpm.instance WHERE id = $1", 1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(instance_id);

	return bpm_spi_run(&stmt, &arg, NULL) == 1 ? bpm_spi_int64(0, 1) : 0;
}

/*
 * Lock the root of the instance's family, before the instance itself (the
 * order above). 42704 if there is no such instance.
 */
void
bpm_family_lock_root(int64 instance_id)
{
	static BpmStatement stmt = {
		"SELECT r.id FROM bpm.instance r "
		"WHERE r.id = (SELECT root_id FROM bpm.instance WHERE id = $1) FOR NO KEY UPDATE",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(instance_id);

	if (bpm_spi_run(&stmt, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("instance %lld does not exist", (long long) instance_id)));
}

/* A new member (created and locked by its insert) runs as far as it goes. */
void
bpm_family_open(BpmInstance *inst, const char *key)
{
	kind_of(inst)->open(inst, key);
}

static void
process_open(BpmInstance *inst, const char *key)
{
	bpm_engine_start(inst);
}

/*
 * The parent's step starts a child of kind ("process" or "case") key, with
 * data; parent_token is the parent's token that waits for it, or 0. The
 * child runs as far as it goes; if it ends at once, the caller takes its
 * end from child->state.
 */
void
bpm_family_start_child(BpmInstance *parent, BpmInstance *child, const char *kind,
					   const char *key, Jsonb *data, int64 parent_token)
{
	bpm_instance_create(child, bpm_definition_latest(key, kind), data, NULL, parent->actor,
						parent, parent_token);
	child->driver = parent;
	bpm_family_open(child, key);
}

/* Terminate a running member (bpm.cancel, or its parent's plan item ended). */
void
bpm_family_cancel(BpmInstance *inst, const char *reason)
{
	kind_of(inst)->cancel(inst, reason);
}

/* The parent's step cancels its child, if it still runs; the parent takes its end. */
void
bpm_family_cancel_child(BpmInstance *parent, int64 child_id, const char *reason)
{
	BpmInstance child;

	bpm_instance_lock_kin(&child, child_id, parent);
	if (strcmp(child.state, "running") != 0)
		return;
	child.driver = parent;
	bpm_family_cancel(&child, reason);
}

/*
 * The member ended (bpm_instance_end). Unless its parent drives it, the
 * parent is told: locked (under the root this step holds) and, if it still
 * runs, given the child's end.
 */
void
bpm_family_ended(BpmInstance *child)
{
	BpmInstance parent;

	if (child->parent_id == 0 || child->driver != NULL)
		return;
	bpm_instance_lock_kin(&parent, child->parent_id, child);
	if (strcmp(parent.state, "running") != 0)
		return;
	parent.reporting = child;
	kind_of(&parent)->child_ended(&parent, child);
}

/*
 * The instances whose state this step holds in memory, ahead of their rows:
 * inst, the parents driving it, and the children whose ends they are
 * taking. A deployer's code that the step runs may act on none of them
 * (bpm_user_code_holder): it would read a row the step is about to
 * overwrite and fork the instance's event chain. Returns how many, in
 * *ids (palloc'd).
 */
int
bpm_family_held(BpmInstance *inst, int64 **ids)
{
	BpmInstance *held;
	BpmInstance *child;
	int			n = 0;

	for (held = inst; held != NULL; held = held->driver)
		for (child = held; child != NULL; child = child->reporting)
			n++;
	*ids = palloc(sizeof(int64) * n);
	n = 0;
	for (held = inst; held != NULL; held = held->driver)
		for (child = held; child != NULL; child = child->reporting)
			(*ids)[n++] = child->id;
	return n;
}

/* What a process that waited for a case gets: the case file, and {"case": {"id", "state", "outcome"}}. */
static void
merge_case_result(BpmInstance *process, BpmInstance *child)
{
	bpm_instance_merge(process, child->data, NULL, 0, 0);
	bpm_instance_merge(process,
					   bpm_jb_build(1, (const char *[]) {"case"},
									(Jsonb *[]) {bpm_jb_build(child->end_reason ? 3 : 2,
																(const char *[]) {"id", "state", "outcome"},
																(Jsonb *[]) {bpm_jb_int(child->id),
																			 bpm_jb_string(child->state),
																			 child->end_reason ? bpm_jb_string(child->end_reason)
																			 : NULL})}),
					   NULL, 0, 0);
}

/* The case a process escalated to ended: if the process waits for it, its token goes on. */
static void
process_child_ended(BpmInstance *process, BpmInstance *child)
{
	if (child->parent_token == 0)
		return;
	merge_case_result(process, child);
	bpm_engine_resume(process, child->parent_token);
}

/*
 * A process escalates to a case: a case of case_key opens with the
 * process's data and {"escalation": {"from", "reason"}}, as a child of the
 * process (its history shows both); token_id, when the process waits for
 * it, is the token that waits. *ended tells whether the case ended as it
 * opened (then a waiting process has its result already). Returns the case
 * id.
 */
int64
bpm_family_escalate(BpmInstance *process, const char *case_key, int64 token_id,
					const char *reason, bool *ended)
{
	BpmInstance child;
	Jsonb	   *escalation;

	escalation = bpm_jb_build(1, (const char *[]) {"escalation"},
							  (Jsonb *[]) {bpm_jb_build(2, (const char *[]) {"from", "reason"},
														(Jsonb *[]) {bpm_jb_int(process->id),
			bpm_jb_string(reason)})});
	bpm_family_start_child(process, &child, "case", case_key,
						   bpm_jb_concat(process->data, escalation), token_id);
	bpm_event(process, "escalated_to_case", NULL, 0, 0,
			  bpm_jb_build(2, (const char *[]) {"case", "reason"},
						   (Jsonb *[]) {bpm_jb_int(child.id), bpm_jb_string(reason)}));
	*ended = strcmp(child.state, "running") != 0;
	if (*ended && token_id != 0)
		merge_case_result(process, &child);
	return child.id;
}
