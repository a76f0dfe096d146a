/*
 * src/case/case_api.c
 *
 * The SQL functions of cases: open, change the case file, start, plan,
 * disable and re-enable items, trigger user listeners, close and reopen.
 * Each locks the case's instance row first, runs as the engine (actor.h),
 * lets the sentries settle, and saves the case once.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "access/htup_details.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/timestamp.h"
#include "utils/jsonb.h"

#include "security/security.h"
#include "case/case.h"
#include "util/util.h"

/* Lock a case for a change; 42704 / 42809 / 55000 as for instances. */
static void
lock_case(BpmInstance *inst, BpmCaseRun *run, int64 case_id, const char *actor, Oid caller,
		  const char *action)
{
	bpm_instance_lock(inst, case_id, actor);
	if (!inst->graph->is_case)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("instance %lld is a process, not a case", (long long) case_id),
				 errhint("Cases are opened with bpm.open_case.")));
	bpm_require_may_see(inst, caller);
	bpm_instance_require_running(inst, action);
	bpm_case_run_init(run, inst);
}

static int
find_item(BpmCaseRun *run, const char *item_id)
{
	int			node = bpm_graph_find(run->g, item_id);

	if (node < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("case \"%s\" has no plan item \"%s\"", run->g->key, item_id)));
	return node;
}

/* The newest occurrence of a plan item in the case, or false. */
static bool
latest_occurrence(BpmCaseRun *run, const char *item_id, BpmItem *item)
{
	static BpmStatement stmt = {
		"SELECT id FROM bpm.plan_item WHERE case_id = $1 AND item_id = $2 ORDER BY id DESC LIMIT 1",
		2, {INT8OID, TEXTOID}
	};
	Datum		values[2];

	values[0] = Int64GetDatum(run->inst->id);
	values[1] = CStringGetTextDatum(item_id);
	if (bpm_spi_run(&stmt, values, NULL) == 0)
		return false;
	return bpm_case_item_read(run, bpm_spi_int64(0, 1), item);
}

/* The newest occurrence must be in state 'state' (55000 otherwise). */
static void
require_state(BpmCaseRun *run, const char *item_id, const char *state, const char *action,
			  BpmItem *item)
{
	bool		found = latest_occurrence(run, item_id, item);

	if (!found || strcmp(item->state, state) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot %s plan item \"%s\" of case %lld: it is %s, not %s",
						action, item_id, (long long) run->inst->id,
						found ? item->state : "not there (its stage has not started)", state)));
}

static void
finish(BpmCaseRun *run)
{
	bpm_case_settle(run);
	bpm_instance_save(run->inst);
}

/*
 * bpm.open_case(key text, data jsonb DEFAULT '{}', business_key text DEFAULT NULL) RETURNS bigint
 *
 * Opens a case of the latest version of a case definition: an instance of
 * kind 'case' whose data is the case file. Its plan's items are created and
 * go as far as their criteria let them. 42704 unknown key, 42809 a process
 * key, 22023 data that is not an object.
 */
PG_FUNCTION_INFO_V1(bpm_open_case);
Datum
bpm_open_case(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(bpm_instance_begin(fcinfo, "case"));
}

/* Merge a patch into the case file; the fields it changes are on-parts. */
static void
change_file(BpmCaseRun *run, Jsonb *patch)
{
	Jsonb	   *before = run->inst->data;

	bpm_instance_merge(run->inst, patch, NULL, 0, 0);
	bpm_case_file_changed(run, before, run->inst->data);
}

/*
 * For the other modules of the case API (case_document.c): lock a running
 * case, change its file, and let the sentries settle and save it.
 */
void
bpm_case_lock(BpmInstance *inst, BpmCaseRun *run, int64 case_id, const char *actor,
			  Oid caller, const char *action)
{
	lock_case(inst, run, case_id, actor, caller, action);
}

void
bpm_case_change_file(BpmCaseRun *run, Jsonb *patch)
{
	change_file(run, patch);
}

void
bpm_case_finish(BpmCaseRun *run)
{
	finish(run);
}

/*
 * bpm.update_case(case_id bigint, patch jsonb) RETURNS void
 *
 * Merges the patch's top-level fields into the case file (event
 * data_changed); the sentries that listen to the changed fields react in
 * the same transaction.
 */
PG_FUNCTION_INFO_V1(bpm_update_case);
Datum
bpm_update_case(PG_FUNCTION_ARGS)
{
	char	   *actor = bpm_current_actor_name();
	BpmIdentity saved;
	BpmInstance inst;
	BpmCaseRun	run;

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, "patch");
	bpm_engine_enter(&saved);
	lock_case(&inst, &run, PG_GETARG_INT64(0), actor, saved.userid, "update");
	change_file(&run, PG_GETARG_JSONB_P(1));
	finish(&run);
	bpm_engine_leave(&saved);
	PG_RETURN_VOID();
}

/*
 * What one of the item functions does to the newest occurrence of a plan
 * item: for plan items of kind (or any, with is_kind NULL), in state from;
 * then either a plain transition to state "to" or a function of its own.
 */
typedef struct ItemAction
{
	const char *arg;			/* what the second argument names, for 22004 */
	const char *lock_action;	/* "start an item of": for 55000 on an ended case */
	bool		(*is_kind) (BpmNodeKind kind);
	const char *not_kind;		/* 42809 message: is not a ... */
	const char *not_kind_hint;
	const char *from;
	const char *verb;			/* require_state's verb and the transition's name */
	const char *to;				/* NULL: act does the work */
	void		(*act) (BpmCaseRun *run, BpmItem *item);
} ItemAction;

static int64
act_on_item(FunctionCallInfo fcinfo, const ItemAction *a)
{
	char	   *actor = bpm_current_actor_name();
	char	   *item_id;
	BpmIdentity saved;
	BpmInstance inst;
	BpmCaseRun	run;
	BpmItem		item;
	int			node;

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, a->arg);
	item_id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bpm_engine_enter(&saved);
	lock_case(&inst, &run, PG_GETARG_INT64(0), actor, saved.userid, a->lock_action);
	node = find_item(&run, item_id);
	if (a->is_kind && !a->is_kind(run.g->nodes[node].kind))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("plan item \"%s\" of case \"%s\" is not a %s", item_id, run.g->key, a->not_kind),
				 a->not_kind_hint ? errhint("%s", a->not_kind_hint) : 0));
	require_state(&run, item_id, a->from, a->verb, &item);
	if (a->to)
		bpm_case_set_state(&run, &item, a->to, a->verb);
	else
		a->act(&run, &item);
	finish(&run);
	bpm_engine_leave(&saved);
	return item.id;
}

static void
manual_start(BpmCaseRun *run, BpmItem *item)
{
	bpm_case_activate(run, item, "manual_start");
}

/*
 * bpm.start_item(case_id bigint, item_id text) RETURNS bigint
 *
 * Manual activation: the newest occurrence of the item, which must be
 * enabled, becomes active. Returns its bpm.plan_item id.
 */
PG_FUNCTION_INFO_V1(bpm_start_item);
Datum
bpm_start_item(PG_FUNCTION_ARGS)
{
	static const ItemAction start = {"item id", "start an item of", NULL, NULL, NULL,
	"enabled", "start", NULL, manual_start};

	PG_RETURN_INT64(act_on_item(fcinfo, &start));
}

/* The active occurrence of the stage a node belongs to (55000 if none). */
static int64
active_stage_of(BpmCaseRun *run, int node)
{
	static BpmStatement plan = {
		"SELECT id FROM bpm.plan_item WHERE case_id = $1 AND stage_id IS NULL",
		1, {INT8OID}
	};
	int			scope = run->g->nodes[node].scope;
	BpmItem		stage;
	Datum		id = Int64GetDatum(run->inst->id);

	if (scope < 0)
	{
		bpm_spi_run(&plan, &id, NULL);
		return bpm_spi_int64(0, 1);
	}
	if (!latest_occurrence(run, run->g->nodes[scope].id, &stage) ||
		strcmp(stage.state, "active") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot plan \"%s\" in case %lld: its stage \"%s\" is not active",
						run->g->nodes[node].id, (long long) run->inst->id,
						run->g->nodes[scope].id)));
	return stage.id;
}

/*
 * bpm.plan_item(case_id bigint, item_id text) RETURNS bigint
 *
 * Plans a discretionary item at run time: a new occurrence in its active
 * stage, if its applicability rule holds over the case file. Returns the
 * new bpm.plan_item id.
 */
PG_FUNCTION_INFO_V1(bpm_plan_item);
Datum
bpm_plan_item(PG_FUNCTION_ARGS)
{
	char	   *actor = bpm_current_actor_name();
	char	   *item_id;
	BpmIdentity saved;
	BpmInstance inst;
	BpmCaseRun	run;
	BpmItem		item;
	BpmNode    *node;
	int64		stage_id;

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, "item id");
	item_id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bpm_engine_enter(&saved);
	lock_case(&inst, &run, PG_GETARG_INT64(0), actor, saved.userid, "plan an item of");
	node = &run.g->nodes[find_item(&run, item_id)];
	if (!node->discretionary)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("plan item \"%s\" of case \"%s\" is not discretionary: it is part of the plan already",
						item_id, run.g->key)));
	stage_id = active_stage_of(&run, node - run.g->nodes);
	if (node->applicability && !bpm_expr_match(node->applicability, inst.data))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("plan item \"%s\" is not applicable to case %lld: %s does not hold",
						item_id, (long long) inst.id, node->applicability_text)));
	bpm_case_plan_discretionary(&run, node - run.g->nodes, stage_id);
	latest_occurrence(&run, item_id, &item);
	finish(&run);
	bpm_engine_leave(&saved);
	PG_RETURN_INT64(item.id);
}

static bool
is_user_listener(BpmNodeKind kind)
{
	return kind == BPM_USER_LISTENER;
}

/*
 * bpm.trigger_listener(case_id bigint, listener_id text) RETURNS void
 *
 * A user event listener occurs (someone tells the case it happened).
 */
PG_FUNCTION_INFO_V1(bpm_trigger_listener);
Datum
bpm_trigger_listener(PG_FUNCTION_ARGS)
{
	static const ItemAction trigger = {"listener id", "trigger a listener of", is_user_listener,
	"user listener", NULL, "available", "trigger", NULL, bpm_case_occur};

	act_on_item(fcinfo, &trigger);
	PG_RETURN_VOID();
}

/* bpm.disable_item(case_id bigint, item_id text) RETURNS void: an enabled item is set aside. */
PG_FUNCTION_INFO_V1(bpm_disable_item);
Datum
bpm_disable_item(PG_FUNCTION_ARGS)
{
	static const ItemAction disable = {"item id", "disable an item of", NULL, NULL, NULL,
	"enabled", "disable", "disabled", NULL};

	act_on_item(fcinfo, &disable);
	PG_RETURN_VOID();
}

/* bpm.reenable_item(case_id bigint, item_id text) RETURNS void: a disabled item is enabled again. */
PG_FUNCTION_INFO_V1(bpm_reenable_item);
Datum
bpm_reenable_item(PG_FUNCTION_ARGS)
{
	static const ItemAction reenable = {"item id", "reenable an item of", NULL, NULL, NULL,
	"disabled", "reenable", "enabled", NULL};

	act_on_item(fcinfo, &reenable);
	PG_RETURN_VOID();
}

/*
 * bpm.suspend_item(case_id bigint, item_id text) RETURNS void: an active
 * item is put on hold; its task cannot be completed until it resumes. A
 * stage's stages and tasks are held with it (parent_suspend).
 */
PG_FUNCTION_INFO_V1(bpm_suspend_item);
Datum
bpm_suspend_item(PG_FUNCTION_ARGS)
{
	static const ItemAction suspend = {"item id", "suspend an item of", NULL, NULL, NULL,
	"active", "suspend", NULL, bpm_case_suspend};

	act_on_item(fcinfo, &suspend);
	PG_RETURN_VOID();
}

/*
 * bpm.resume_item(case_id bigint, item_id text) RETURNS void: a suspended
 * item is active again and takes the end of a child that ended meanwhile;
 * a stage's held items go back to their states (parent_resume). 55000 for
 * an item held with its stage.
 */
PG_FUNCTION_INFO_V1(bpm_resume_item);
Datum
bpm_resume_item(PG_FUNCTION_ARGS)
{
	static const ItemAction resume = {"item id", "resume an item of", NULL, NULL, NULL,
	"suspended", "resume", NULL, bpm_case_resume};

	act_on_item(fcinfo, &resume);
	PG_RETURN_VOID();
}

/*
 * 55000 naming the first required item that is still open and has never
 * completed (a repeating item done once does not hold the case open by its
 * next, waiting occurrence).
 */
static void
refuse_if_required_open(BpmCaseRun *run)
{
	static BpmStatement open_required = {
		"SELECT p.item_id, p.state FROM bpm.plan_item p WHERE p.case_id = $1 AND p.item_id = ANY ($2) "
		"AND p.state IN ('available', 'enabled', 'active', 'suspended') "
		"AND NOT EXISTS (SELECT 1 FROM bpm.plan_item q WHERE q.case_id = p.case_id "
		"AND q.item_id = p.item_id AND q.state = 'completed') ORDER BY p.id LIMIT 1",
		2, {INT8OID, TEXTARRAYOID}
	};
	Datum	   *ids = palloc(sizeof(Datum) * Max(run->g->nnodes, 1));
	Datum		values[2];
	int			n = 0;
	int			i;

	for (i = 0; i < run->g->nnodes; i++)
		if (run->g->nodes[i].item_required)
			ids[n++] = CStringGetTextDatum(run->g->nodes[i].id);
	values[0] = Int64GetDatum(run->inst->id);
	values[1] = PointerGetDatum(construct_array(ids, n, TEXTOID, -1, false, TYPALIGN_INT));
	if (bpm_spi_run(&open_required, values, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("case %lld cannot be closed: required plan item \"%s\" is %s",
						(long long) run->inst->id, bpm_spi_text(0, 1), bpm_spi_text(0, 2)),
				 errhint("Complete it first, or end it through its exit criteria.")));
}

/*
 * bpm.close_case(case_id bigint, outcome text) RETURNS void
 *
 * Completes the case with an outcome, once no required item is open
 * (55000 otherwise): items that still wait end (exit), the case plan
 * completes, the instance completes with end_reason = outcome.
 */
PG_FUNCTION_INFO_V1(bpm_close_case);
Datum
bpm_close_case(PG_FUNCTION_ARGS)
{
	char	   *actor = bpm_current_actor_name();
	char	   *outcome;
	BpmIdentity saved;
	BpmInstance inst;
	BpmCaseRun	run;

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, "outcome");
	outcome = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bpm_engine_enter(&saved);
	lock_case(&inst, &run, PG_GETARG_INT64(0), actor, saved.userid, "close");
	refuse_if_required_open(&run);
	bpm_case_close(&run, "complete", outcome);
	run.nqueue = 0;				/* a closed case listens no more */
	bpm_instance_save(&inst);
	bpm_engine_leave(&saved);
	PG_RETURN_VOID();
}

/*
 * bpm.reopen_case(case_id bigint, reason text) RETURNS void
 *
 * A closed (completed or terminated) case runs again: its case plan is
 * active, its file can change and discretionary items can be planned;
 * items that ended stay ended. 55000 if it is running.
 */
PG_FUNCTION_INFO_V1(bpm_reopen_case);
Datum
bpm_reopen_case(PG_FUNCTION_ARGS)
{
	static BpmStatement plan = {
		"SELECT id FROM bpm.plan_item WHERE case_id = $1 AND stage_id IS NULL",
		1, {INT8OID}
	};
	char	   *actor = bpm_current_actor_name();
	char	   *reason;
	BpmIdentity saved;
	BpmInstance inst;
	BpmCaseRun	run;
	BpmItem		root;
	Datum		id;

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, "reason");
	reason = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bpm_engine_enter(&saved);
	bpm_instance_lock(&inst, PG_GETARG_INT64(0), actor);
	if (!inst.graph->is_case)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("instance %lld is a process, not a case", (long long) inst.id)));
	bpm_require_may_see(&inst, saved.userid);
	if (strcmp(inst.state, "running") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("case %lld is open already", (long long) inst.id)));
	bpm_case_run_init(&run, &inst);
	id = Int64GetDatum(inst.id);
	bpm_spi_run(&plan, &id, NULL);
	bpm_case_item_read(&run, bpm_spi_int64(0, 1), &root);
	bpm_case_set_state(&run, &root, "active", "reactivate");
	inst.state = "running";
	inst.end_reason = NULL;
	inst.dirty = true;
	bpm_event(&inst, "case_reopened", NULL, 0, 0,
			  bpm_jb_build(1, (const char *[]) {"reason"}, (Jsonb *[]) {bpm_jb_string(reason)}));
	run.nqueue = 0;
	bpm_instance_save(&inst);
	bpm_engine_leave(&saved);
	PG_RETURN_VOID();
}

/*
 * What an UPDATE of bpm.cases changes in the case file: the fields whose
 * value differs between the row it read (before) and the row it asks for
 * (after), so that a concurrent change of other fields is kept. 0A000 if
 * it drops a field.
 */
static Jsonb *
file_patch(int64 case_id, Jsonb *before, Jsonb *after)
{
	JsonbParseState *state = NULL;
	char	  **keys;
	int			n;
	int			i;

	keys = bpm_jb_object_keys(&before->root, &n);
	for (i = 0; i < n; i++)
	{
		JsonbValue	v;

		if (!bpm_jb_get(&after->root, keys[i], &v))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("case %lld: field \"%s\" cannot be removed from the case file",
							(long long) case_id, keys[i]),
					 errhint("Set it to null instead.")));
	}
	keys = bpm_jb_object_keys(&after->root, &n);
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < n; i++)
	{
		JsonbValue	key = {.type = jbvString};
		JsonbValue	old;
		JsonbValue	v;

		bpm_jb_get(&after->root, keys[i], &v);
		if (bpm_jb_get(&before->root, keys[i], &old) && bpm_jb_equal(&old, &v))
			continue;
		key.val.string.val = keys[i];
		key.val.string.len = strlen(keys[i]);
		pushJsonbValue(&state, WJB_KEY, &key);
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
}

/* 42501 for an UPDATE of bpm.cases that changes any column but data. */
static void
refuse_other_columns(TriggerData *td, int64 case_id)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		null_old;
		bool		null_new;
		Datum		old = heap_getattr(td->tg_trigtuple, i + 1, desc, &null_old);
		Datum		new = heap_getattr(td->tg_newtuple, i + 1, desc, &null_new);

		if (strcmp(NameStr(att->attname), "data") == 0)
			continue;
		if (null_old != null_new ||
			(!null_old && !datumIsEqual(old, new, att->attbyval, att->attlen)))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("column \"%s\" of case %lld cannot be changed", NameStr(att->attname),
							(long long) case_id),
					 errhint("Only the case file (data) changes by UPDATE of bpm.cases.")));
	}
}

/*
 * Trigger bpm.case_update(): INSTEAD OF UPDATE on the view bpm.cases. A
 * plain UPDATE of a case's data is the same as bpm.update_case with the
 * fields it changed; the other columns cannot change.
 */
PG_FUNCTION_INFO_V1(bpm_case_update);
Datum
bpm_case_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	bool		isnull;
	int64		case_id;
	Datum		before;
	Datum		after;
	char	   *actor;
	BpmIdentity saved;
	BpmInstance inst;
	BpmCaseRun	run;

	bpm_require_trigger(fcinfo, "bpm.case_update()", BPM_TRIGGER_INSTEAD);
	actor = bpm_current_actor_name();
	desc = td->tg_relation->rd_att;
	case_id = DatumGetInt64(heap_getattr(td->tg_trigtuple, SPI_fnumber(desc, "id"), desc, &isnull));
	refuse_other_columns(td, case_id);
	before = heap_getattr(td->tg_trigtuple, SPI_fnumber(desc, "data"), desc, &isnull);
	after = heap_getattr(td->tg_newtuple, SPI_fnumber(desc, "data"), desc, &isnull);
	if (isnull || !JB_ROOT_IS_OBJECT(DatumGetJsonbP(after)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("case %lld: the case file must be a JSON object", (long long) case_id)));
	bpm_engine_enter(&saved);
	lock_case(&inst, &run, case_id, actor, saved.userid, "update");
	change_file(&run, file_patch(case_id, DatumGetJsonbP(before), DatumGetJsonbP(after)));
	finish(&run);
	bpm_engine_leave(&saved);
	return PointerGetDatum(td->tg_newtuple);
}

/*
 * bpm.escalate_to_case(instance_id bigint, case_key text, reason text) RETURNS bigint
 *
 * A running process hands its work to a case: a case of case_key opens
 * with the process's data and {"escalation": {"from", "reason"}}, as a
 * child of the process, and the process ends (terminated, end_reason
 * "escalated to case N: reason"). Returns the case id. 42809 for a case,
 * 55000 for a process that has ended.
 */
PG_FUNCTION_INFO_V1(bpm_escalate_to_case);
Datum
bpm_escalate_to_case(PG_FUNCTION_ARGS)
{
	char	   *actor = bpm_current_actor_name();
	char	   *case_key;
	char	   *reason;
	BpmIdentity saved;
	BpmInstance inst;
	int64		case_id;
	bool		ended;

	bpm_require_arg(fcinfo, 0, "instance id");
	bpm_require_arg(fcinfo, 1, "case key");
	bpm_require_arg(fcinfo, 2, "reason");
	case_key = text_to_cstring(PG_GETARG_TEXT_PP(1));
	reason = text_to_cstring(PG_GETARG_TEXT_PP(2));
	bpm_engine_enter(&saved);
	bpm_instance_lock(&inst, PG_GETARG_INT64(0), actor);
	if (inst.graph->is_case)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("instance %lld is a case, not a process", (long long) inst.id),
				 errhint("Link cases with each other, or plan their work.")));
	bpm_require_may_see(&inst, saved.userid);
	bpm_instance_require_running(&inst, "escalate");
	case_id = bpm_family_escalate(&inst, case_key, 0, reason, &ended);
	bpm_engine_cancel(&inst, psprintf("escalated to case %lld: %s", (long long) case_id, reason));
	bpm_engine_leave(&saved);
	PG_RETURN_INT64(case_id);
}

/*
 * bpm.add_task(case_id bigint, title text, assignee text DEFAULT NULL,
 *              candidate_groups text[] DEFAULT '{}', priority int DEFAULT 50,
 *              due interval DEFAULT NULL) RETURNS bigint
 *
 * Ad-hoc work on a case, outside its plan: a task of the case (node_id
 * 'ad_hoc') with the usual rules; completing it merges its output into
 * the case file, like a planned task, and moves no plan item. Raises 22023
 * for an empty title or assignee, a negative priority, candidate groups
 * that are not a plain list of names; 22001 for a name longer than 1000
 * bytes (util/names.h).
 */
PG_FUNCTION_INFO_V1(bpm_add_task);
Datum
bpm_add_task(PG_FUNCTION_ARGS)
{
	char	   *actor = bpm_current_actor_name();
	BpmIdentity saved;
	BpmInstance inst;
	BpmCaseRun	run;
	BpmNode		node;
	int64		task_id;

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, "title");
	memset(&node, 0, sizeof(node));
	node.id = BPM_AD_HOC_TASK;
	node.kind = BPM_USER_TASK;
	node.name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (node.name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a task needs a title")));
	if (!PG_ARGISNULL(2))
		node.assignee.constant = bpm_jb_string(bpm_name_arg(fcinfo, 2, "assignee"));
	if (!PG_ARGISNULL(3))
		bpm_check_names(PG_GETARG_ARRAYTYPE_P(3), "candidate_groups");
	/* no assignee and no groups: anyone may claim it, as a plan task without them */
	if (!PG_ARGISNULL(3) && ArrayGetNItems(ARR_NDIM(PG_GETARG_ARRAYTYPE_P(3)),
										   ARR_DIMS(PG_GETARG_ARRAYTYPE_P(3))) > 0)
		node.candidate_groups.constant = bpm_jb_text_array(PG_GETARG_DATUM(3));
	node.priority = PG_ARGISNULL(4) ? 50 : PG_GETARG_INT32(4);
	if (node.priority < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("priority must be at least 0, not %d", node.priority)));
	node.due = PG_ARGISNULL(5) ? NULL : PG_GETARG_INTERVAL_P(5);
	node.escalation_boundary = -1;
	bpm_engine_enter(&saved);
	lock_case(&inst, &run, PG_GETARG_INT64(0), actor, saved.userid, "add a task to");
	task_id = bpm_activity_create_task(&inst, &node, 0);
	bpm_instance_save(&inst);
	bpm_engine_leave(&saved);
	PG_RETURN_INT64(task_id);
}

static bool
is_stage(BpmNodeKind kind)
{
	return kind == BPM_STAGE;
}

/*
 * bpm.complete_stage(case_id bigint, stage_id text) RETURNS void
 *
 * Completes an active stage by hand, once no item in it is active or
 * suspended and its required items have completed (55000 otherwise,
 * naming the item); what still waits in it ends. 42809 for a plan item
 * that is not a stage.
 */
PG_FUNCTION_INFO_V1(bpm_complete_stage);
Datum
bpm_complete_stage(PG_FUNCTION_ARGS)
{
	static const ItemAction complete = {"stage id", "complete a stage of", is_stage, "stage",
		"Tasks complete through their task; milestones by their entry criteria.",
	"active", "complete", NULL, bpm_case_complete_stage};

	act_on_item(fcinfo, &complete);
	PG_RETURN_VOID();
}
