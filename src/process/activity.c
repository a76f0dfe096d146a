/*
 * src/process/activity.c
 *
 * What entering an activity does. A user task writes a bpm.task_store row;
 * a service task, a timer or an async continuation writes a bpm.job row
 * (an external one announced with NOTIFY bpm_jobs, delivered at commit); a
 * script task (and, run by the job runners, a service task implemented in
 * SQL) calls the SQL function the definition names, as the role that
 * deployed the definition, and merges its result into the data.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "security/security.h"
#include "process/engine.h"
#include "util/util.h"
#include "time/time.h"

/* The text of a scalar jsonb (a string without quotes), or NULL. */
static char *
scalar_text(Jsonb *jb)
{
	JsonbValue	v;

	if (jb == NULL || !JB_ROOT_IS_SCALAR(jb))
		return NULL;
	JsonbExtractScalar(&jb->root, &v);
	if (v.type == jbvNull)
		return NULL;
	if (v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	return bpm_jb_value_to_cstring(&v);
}

static Jsonb *
resolve_spec(BpmValueSpec *spec, Jsonb *data)
{
	if (spec->path)
		return bpm_expr_first(spec->path, data);
	return spec->constant;
}

/* candidate_groups as text[]: a string is one group, an array many. */
static Datum
resolve_groups(BpmValueSpec *spec, Jsonb *data)
{
	Jsonb	   *jb = resolve_spec(spec, data);
	Datum	   *items = NULL;
	int			n = 0;

	if (jb && JB_ROOT_IS_ARRAY(jb) && !JB_ROOT_IS_SCALAR(jb))
	{
		int			size = bpm_jb_array_size(&jb->root);
		int			i;

		items = palloc(sizeof(Datum) * (size + 1));
		for (i = 0; i < size; i++)
		{
			JsonbValue	e;

			bpm_jb_array_get(&jb->root, i, &e);
			if (e.type == jbvString)
				items[n++] = PointerGetDatum(cstring_to_text_with_len(e.val.string.val,
																	  e.val.string.len));
		}
	}
	else if (scalar_text(jb))
	{
		items = palloc(sizeof(Datum));
		items[n++] = CStringGetTextDatum(scalar_text(jb));
	}
	return PointerGetDatum(construct_array(items, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static Datum
text_array(char **strings, int n)
{
	Datum	   *items = palloc(sizeof(Datum) * (n + 1));
	int			i;

	for (i = 0; i < n; i++)
		items[i] = CStringGetTextDatum(strings[i]);
	return PointerGetDatum(construct_array(items, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* A new task: who may work it and how urgent; NULL specs for none. */
typedef struct NewTask
{
	const char *node_id;
	const char *title;
	BpmValueSpec *assignee;
	BpmValueSpec *candidate_groups;
	int			priority;
	Interval   *due;
	Datum		required;
	int64		escalation_of;	/* 0: a task of the process */
} NewTask;

/* 'user task "t" of process "k"', 'human task "t" of case "k"', for messages */
static char *
task_what(const BpmInstance *inst, const NewTask *t)
{
	return psprintf("%s%s \"%s\" of %s \"%s\"",
					t->escalation_of ? "escalation task of " : "",
					inst->graph->is_case ? "human task" : "user task", t->node_id,
					inst->graph->is_case ? "case" : "process", inst->graph->key);
}

/*
 * Insert an open task and record task_created. Who may work it is decided
 * by data: when the definition names an assignee or candidate groups and
 * they resolve to nothing, the step fails (23502) rather than open the task
 * to everyone; names they resolve to must be names (util/names.h: 22023,
 * 22001), or the task could not be stored.
 */
static int64
insert_task(BpmInstance *inst, const NewTask *t, int64 token_id)
{
	static BpmStatement stmt = {
		"INSERT INTO bpm.task_store (instance_id, token_id, node_id, title, assignee, candidate_groups, "
		"priority, due_at, required, escalation_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
		"RETURNING id",
		10, {INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, INT4OID, TIMESTAMPTZOID,
		TEXTARRAYOID, INT8OID}
	};
	char	   *assignee = scalar_text(resolve_spec(t->assignee, inst->data));
	Datum		groups = resolve_groups(t->candidate_groups, inst->data);
	bool		restricted = t->assignee->constant || t->assignee->path ||
		t->candidate_groups->constant || t->candidate_groups->path;
	Datum		values[10];
	char		nulls[10] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int64		task_id;
	const char *keys[4] = {"assignee", "candidate_groups", "priority", "escalation_of"};
	Jsonb	   *vals[4];

	if (restricted && assignee == NULL && ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(groups)),
														  ARR_DIMS(DatumGetArrayTypeP(groups))) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("%s has neither an assignee nor candidate groups in the %s",
						task_what(inst, t), inst->graph->is_case ? "case file" : "instance data"),
				 errdetail("Its assignee and candidate groups resolve to nothing in the data %s.",
						   JsonbToCString(NULL, &inst->data->root, VARSIZE(inst->data))),
				 errhint("Provide the fields the paths name before the %s reaches the task.",
						 inst->graph->is_case ? "case" : "process")));
	if (assignee)
		bpm_check_name(assignee, psprintf("the assignee of %s", task_what(inst, t)));
	bpm_check_names(DatumGetArrayTypeP(groups), psprintf("the candidate groups of %s", task_what(inst, t)));
	values[0] = Int64GetDatum(inst->id);
	values[1] = Int64GetDatum(token_id);
	values[2] = CStringGetTextDatum(t->node_id);
	values[3] = CStringGetTextDatum(t->title);
	values[4] = assignee ? CStringGetTextDatum(assignee) : (Datum) 0;
	nulls[4] = BPM_NULL(assignee == NULL);
	values[5] = groups;
	values[6] = Int32GetDatum(t->priority);
	values[7] = t->due ? TimestampTzGetDatum(bpm_clock_after(t->due)) : (Datum) 0;
	nulls[7] = BPM_NULL(t->due == NULL);
	values[8] = t->required;
	values[9] = Int64GetDatum(t->escalation_of);
	nulls[9] = BPM_NULL(t->escalation_of == 0);
	bpm_spi_run(&stmt, values, nulls);
	task_id = bpm_spi_int64(0, 1);

	vals[0] = assignee ? bpm_jb_string(assignee) : NULL;
	vals[1] = bpm_jb_text_array(groups);
	vals[2] = bpm_jb_int(t->priority);
	vals[3] = bpm_jb_int(t->escalation_of);
	bpm_event(inst, "task_created", t->node_id, task_id, 0,
			  bpm_jb_build(t->escalation_of ? 4 : 3, keys, vals));
	return task_id;
}

int64
bpm_activity_create_task(BpmInstance *inst, BpmNode *node, int64 token_id)
{
	NewTask		t;
	int64		task_id;

	t.node_id = node->id;
	t.title = node->name ? node->name : node->id;
	t.assignee = &node->assignee;
	t.candidate_groups = &node->candidate_groups;
	t.priority = node->priority;
	t.due = node->due;
	t.required = text_array(node->required, node->nrequired);
	t.escalation_of = 0;
	task_id = insert_task(inst, &t, token_id);
	if (bpm_node_escalates(node))
		bpm_activity_create_job(inst, node, token_id, BPM_JOB_ESCALATION, bpm_clock_after(node->due));
	return task_id;
}

/*
 * An escalation's "task": opened beside the overdue task, on the same
 * token (so it is cancelled with it), with no due date; completing it
 * moves nothing.
 */
static void
open_escalation_task(BpmInstance *inst, BpmNode *node, int64 token_id, int64 overdue_id,
					 int priority)
{
	BpmEscalation *e = &node->escalation;
	NewTask		t;

	t.node_id = node->id;
	t.title = e->task_name ? e->task_name
		: psprintf("Escalation: %s", node->name ? node->name : node->id);
	t.assignee = &e->task_assignee;
	t.candidate_groups = &e->task_groups;
	t.priority = e->task_priority >= 0 ? e->task_priority : priority;
	t.due = NULL;
	t.required = text_array(NULL, 0);
	t.escalation_of = overdue_id;
	insert_task(inst, &t, token_id);
}

/*
 * A job for a token waiting at node: external (a topic for workers,
 * announced with NOTIFY at commit), or one the job runners do themselves
 * (the other kinds of job_kind.h).
 */
int64
bpm_activity_create_job(BpmInstance *inst, BpmNode *node, int64 token_id,
						BpmJobKind kind, TimestampTz due_at)
{
	return bpm_activity_create_cycle_job(inst, node, token_id, kind, due_at, 0, 0);
}

/*
 * The same, for occurrence n (from 1; 0 for none) of a cycle counted from
 * cycle_start: a repeating boundary timer.
 */
int64
bpm_activity_create_cycle_job(BpmInstance *inst, BpmNode *node, int64 token_id,
							  BpmJobKind kind, TimestampTz due_at,
							  TimestampTz cycle_start, int occurrence)
{
	static BpmStatement stmt = {
		"INSERT INTO bpm.job (instance_id, token_id, node_id, kind, topic, retries, due_at, "
		"cycle_start, occurrence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
		9, {INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID,
		INT4OID}
	};
	bool		external = kind == BPM_JOB_EXTERNAL;
	Datum		values[9];
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	const int	utc = 0;
	int64		job_id;

	values[0] = Int64GetDatum(inst->id);
	values[1] = Int64GetDatum(token_id);
	values[2] = CStringGetTextDatum(node->id);
	values[3] = CStringGetTextDatum(bpm_job_kind_name(kind));
	values[4] = external ? CStringGetTextDatum(node->topic) : (Datum) 0;
	nulls[4] = BPM_NULL(!external);
	values[5] = Int32GetDatum(node->retries);
	values[6] = TimestampTzGetDatum(due_at);
	values[7] = TimestampTzGetDatum(cycle_start);
	nulls[7] = BPM_NULL(occurrence == 0);
	values[8] = Int32GetDatum(occurrence);
	nulls[8] = BPM_NULL(occurrence == 0);
	bpm_spi_run(&stmt, values, nulls);
	job_id = bpm_spi_int64(0, 1);
	if (external)
	{
		bpm_event(inst, "job_created", node->id, 0, job_id,
				  bpm_jb_build(1, (const char *[]) {"topic"},
							   (Jsonb *[]) {bpm_jb_string(node->topic)}));
		Async_Notify("bpm_jobs", node->topic);
	}
	else
		bpm_event(inst, "job_created", node->id, 0, job_id,
				  bpm_jb_build(occurrence ? 3 : 2, (const char *[]) {"kind", "due_at", "occurrence"},
							   (Jsonb *[]) {bpm_jb_string(bpm_job_kind_name(kind)),
					bpm_jb_string(JsonEncodeDateTime(NULL, TimestampTzGetDatum(due_at),
													 TIMESTAMPTZOID, &utc)),
				bpm_jb_int(occurrence)}));
	return job_id;
}

/*
 * Call f(data jsonb) RETURNS jsonb as the deployer and merge the result
 * (for a service task, recorded against its job). A NULL result changes
 * nothing; an error aborts the caller's statement.
 */
void
bpm_activity_run_script(BpmInstance *inst, BpmNode *node, int64 job_id)
{
	List	   *names = stringToQualifiedNameList(node->function);
	Oid			argtypes[1] = {JSONBOID};
	Oid			fn = LookupFuncName(names, 1, argtypes, true);
	BpmIdentity saved;
	BpmUserCode outer;
	int64	   *holds;
	int			nholds;
	FmgrInfo	flinfo;
	LOCAL_FCINFO(fcinfo, 1);
	volatile Datum result = (Datum) 0;
	Jsonb	   *patch;

	if (!OidIsValid(fn) || get_func_rettype(fn) != JSONBOID)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("%s \"%s\" of process \"%s\": function %s(jsonb) RETURNS jsonb does not exist",
						bpm_node_kind_name(node->kind), node->id, inst->graph->key, node->function)));
	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(inst->graph->owner)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s \"%s\" of process \"%s\": the role that deployed it (OID %u) no longer exists",
						bpm_node_kind_name(node->kind), node->id, inst->graph->key,
						inst->graph->owner),
				 errdetail("A deployer's code runs with the deployer's rights, and that role was dropped."),
				 errhint("Cancel the instance; deploy the definition again as an existing role for new ones.")));
	if (pg_proc_aclcheck(fn, inst->graph->owner, ACL_EXECUTE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s \"%s\": the deployer of \"%s\" may not execute %s(jsonb)",
						bpm_node_kind_name(node->kind), node->id, inst->graph->key, node->function)));

	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = JsonbPGetDatum(inst->data);
	fcinfo->args[0].isnull = false;
	/* the code may act on no instance the step holds in memory (family.c) */
	nholds = bpm_family_held(inst, &holds);
	bpm_become(inst->graph->owner, &saved);
	bpm_user_code_enter(inst->graph->owner, inst->actor, holds, nholds, &outer);
	PG_TRY();
	{
		result = FunctionCallInvoke(fcinfo);
	}
	PG_FINALLY();
	{
		bpm_user_code_leave(&outer);
	}
	PG_END_TRY();
	bpm_restore_identity(&saved);
	if (fcinfo->isnull)
		return;
	patch = DatumGetJsonbPCopy(result);
	if (!JB_ROOT_IS_OBJECT(patch))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s \"%s\": %s returned a JSON %s, not an object",
						bpm_node_kind_name(node->kind), node->id, node->function,
						JB_ROOT_IS_ARRAY(patch) ? "array" : "scalar")));
	bpm_instance_merge(inst, patch, node->id, 0, job_id);
}

/*
 * The task's deadline passed while it is open: give it the escalation's
 * assignee, candidate groups and priority (those it names), as an operator
 * would, and open its escalation task if it has one. New candidate groups
 * without a new assignee release the task to them. A target that resolves
 * to nothing in the data fails the job (23502: retried, then an incident),
 * so an escalation never opens a task to everyone. Nothing happens when
 * the task is no longer open; returns whether it was.
 */
bool
bpm_activity_escalate_task(BpmInstance *inst, BpmNode *node, int64 token_id)
{
	static BpmStatement stmt = {
		"UPDATE bpm.task_store SET assignee = CASE WHEN $3 THEN $4 ELSE assignee END, "
		"candidate_groups = CASE WHEN $5 THEN $6 ELSE candidate_groups END, "
		"priority = CASE WHEN $7 >= 0 THEN $7 ELSE priority END "
		"WHERE instance_id = $1 AND token_id = $2 AND status = 'open' AND escalation_of IS NULL "
		"RETURNING id, assignee, candidate_groups, priority",
		7, {INT8OID, INT8OID, BOOLOID, TEXTOID, BOOLOID, TEXTARRAYOID, INT4OID}
	};
	BpmEscalation *e = &node->escalation;
	bool		names_assignee = e->assignee.constant || e->assignee.path;
	bool		names_groups = e->candidate_groups.constant || e->candidate_groups.path;
	char	   *assignee = names_assignee ? scalar_text(resolve_spec(&e->assignee, inst->data)) : NULL;
	Datum		groups = resolve_groups(&e->candidate_groups, inst->data);
	bool		has_groups = ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(groups)),
											ARR_DIMS(DatumGetArrayTypeP(groups))) > 0;
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', BPM_NULL(assignee == NULL), ' ', ' ', ' '};
	const char *keys[3] = {"assignee", "candidate_groups", "priority"};
	Jsonb	   *vals[3];
	int64		task_id;
	int32		priority;

	if ((names_assignee || names_groups) && assignee == NULL && !has_groups)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("escalation of user task \"%s\" in process \"%s\": its assignee and candidate groups resolve to nothing in the instance data",
						node->id, inst->graph->key),
				 errhint("Provide the fields the escalation's paths name; the job is retried.")));
	if (assignee)
		bpm_check_name(assignee, psprintf("the assignee of the escalation of user task \"%s\" in process \"%s\"",
										  node->id, inst->graph->key));
	bpm_check_names(DatumGetArrayTypeP(groups),
					psprintf("the candidate groups of the escalation of user task \"%s\" in process \"%s\"",
							 node->id, inst->graph->key));
	values[0] = Int64GetDatum(inst->id);
	values[1] = Int64GetDatum(token_id);
	/* new groups without a new assignee release the task to the groups */
	values[2] = BoolGetDatum(assignee != NULL || has_groups);
	values[3] = assignee ? CStringGetTextDatum(assignee) : (Datum) 0;
	values[4] = BoolGetDatum(has_groups);
	values[5] = groups;
	values[6] = Int32GetDatum(e->priority);
	if (bpm_spi_run(&stmt, values, nulls) == 0)
		return false;
	task_id = bpm_spi_int64(0, 1);
	priority = bpm_spi_int32(0, 4);
	vals[0] = bpm_spi_isnull(0, 2) ? NULL : bpm_jb_string(bpm_spi_text(0, 2));
	vals[1] = bpm_jb_text_array(bpm_spi_datum(0, 3, &(bool) {false}));
	vals[2] = bpm_jb_int(priority);
	if (names_assignee || names_groups || e->priority >= 0)
		bpm_event(inst, "task_escalated", node->id, task_id, 0, bpm_jb_build(3, keys, vals));
	if (e->opens_task)
		open_escalation_task(inst, node, token_id, task_id, priority);
	return true;
}

/* Run one of our statements and record an event per returned (id, node_id). */
static void
cancel_and_record(BpmInstance *inst, BpmStatement *stmt, Datum *values, const char *kind,
				  bool is_task)
{
	int			n = bpm_spi_run(stmt, values, NULL);
	int64	   *ids = palloc(sizeof(int64) * (n + 1));
	char	  **nodes = palloc(sizeof(char *) * (n + 1));
	int			i;

	/* copy first: each event write replaces SPI_tuptable */
	for (i = 0; i < n; i++)
	{
		ids[i] = bpm_spi_int64(i, 1);
		nodes[i] = bpm_spi_text(i, 2);
	}
	for (i = 0; i < n; i++)
		bpm_event(inst, kind, nodes[i], is_task ? ids[i] : 0, is_task ? 0 : ids[i], NULL);
}

/*
 * The activity a token waited at is done: remove its armed boundary timers
 * (job_cancelled each).
 */
void
bpm_activity_disarm(BpmInstance *inst, int64 token_id)
{
	static BpmStatement disarm = {
		"DELETE FROM bpm.job WHERE instance_id = $1 AND token_id = $2 AND kind = 'boundary' "
		"RETURNING id, node_id",
		2, {INT8OID, INT8OID}
	};
	Datum		values[2] = {Int64GetDatum(inst->id), Int64GetDatum(token_id)};

	cancel_and_record(inst, &disarm, values, "job_cancelled", false);
}

/* Cancel the open task or the job that a token waits on. */
void
bpm_activity_cancel_work(BpmInstance *inst, int64 token_id)
{
	static BpmStatement cancel_tasks = {
		"UPDATE bpm.task_store SET status = 'cancelled', completed_at = $4, completed_by = $3 "
		"WHERE instance_id = $1 AND token_id = $2 AND status = 'open' RETURNING id, node_id",
		4, {INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID}
	};
	static BpmStatement delete_jobs = {
		"DELETE FROM bpm.job WHERE instance_id = $1 AND token_id = $2 RETURNING id, node_id",
		2, {INT8OID, INT8OID}
	};
	Datum		values[4];

	values[0] = Int64GetDatum(inst->id);
	values[1] = Int64GetDatum(token_id);
	values[2] = CStringGetTextDatum(inst->actor);
	values[3] = TimestampTzGetDatum(bpm_clock_now());
	cancel_and_record(inst, &cancel_tasks, values, "task_cancelled", true);
	cancel_and_record(inst, &delete_jobs, values, "job_cancelled", false);
}
