/*
 * src/process/instance.c
 *
 * The instance row: create, lock, merge data, end, save. The row lock is
 * the first lock every engine write takes (SELECT ... FOR NO KEY UPDATE), so
 * joins, completions and cancellations on one instance serialise while
 * different instances never wait for each other. The row is written back
 * once per step, with the event chain anchor.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "case/case.h"
#include "process/engine.h"
#include "time/clock.h"
#include "util/jsonb_util.h"
#include "util/spi_util.h"

/*
 * Instances whose engine step is running user code (a script task). That
 * code may start or act on other instances, but not on its own: the step
 * holds the instance's state in memory and would overwrite what the nested
 * call did.
 */
#define MAX_BUSY_DEPTH 32
static int64 busy[MAX_BUSY_DEPTH];
static int	nbusy = 0;

void
bpm_instance_busy_push(int64 instance_id)
{
	if (nbusy == MAX_BUSY_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("script tasks nested more than %d deep", MAX_BUSY_DEPTH)));
	busy[nbusy++] = instance_id;
}

void
bpm_instance_busy_pop(void)
{
	Assert(nbusy > 0);
	nbusy--;
}

bool
bpm_instance_is_busy(int64 instance_id)
{
	int			i;

	for (i = 0; i < nbusy; i++)
		if (busy[i] == instance_id)
			return true;
	return false;
}

void
bpm_instance_refuse_reentry(int64 instance_id)
{
	int			i;

	for (i = 0; i < nbusy; i++)
		if (busy[i] == instance_id)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("instance %lld is running a script task, which may not act on its own instance",
							(long long) instance_id),
					 errhint("Return the changes from the script as its jsonb result instead.")));
}

int64
bpm_event(BpmInstance *inst, const char *kind, const char *node_id,
		  int64 task_id, int64 job_id, Jsonb *data)
{
	BpmEvent	ev;

	ev.kind = kind;
	ev.node_id = node_id;
	ev.task_id = task_id;
	ev.job_id = job_id;
	ev.definition_id = 0;
	ev.data = data;
	return bpm_event_write(&inst->chain, inst->actor, &ev);
}

static void
instance_init(BpmInstance *inst, const char *actor)
{
	memset(inst, 0, sizeof(BpmInstance));
	inst->actor = actor;
	inst->state = "running";
}

/* Insert a running instance; the new row is locked by its own insert. */
int64
bpm_instance_create(BpmInstance *inst, int64 definition_id, Jsonb *data,
					const char *business_key, const char *actor)
{
	static BpmStatement stmt = {
		"INSERT INTO bpm.instance (definition_id, business_key, data, started_by, started_at, due_at) "
		"VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
		6, {INT8OID, TEXTOID, JSONBOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID}
	};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	if (!JB_ROOT_IS_OBJECT(data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("instance data must be a JSON object")));
	instance_init(inst, actor);
	inst->definition_id = definition_id;
	inst->graph = bpm_graph_get(definition_id);
	inst->data = data;
	values[0] = Int64GetDatum(definition_id);
	values[1] = business_key ? CStringGetTextDatum(business_key) : (Datum) 0;
	nulls[1] = BPM_NULL(business_key == NULL);
	values[2] = JsonbPGetDatum(data);
	values[3] = CStringGetTextDatum(actor);
	values[4] = TimestampTzGetDatum(bpm_clock_now());
	values[5] = inst->graph->due ? TimestampTzGetDatum(bpm_clock_after(inst->graph->due)) : (Datum) 0;
	nulls[5] = BPM_NULL(inst->graph->due == NULL);
	bpm_spi_run(&stmt, values, nulls);
	inst->id = bpm_spi_int64(0, 1);
	inst->chain.instance_id = inst->id;
	return inst->id;
}

/*
 * Lock an instance row and load it. 42704 if it does not exist. Blocks
 * while another transaction works on the same instance.
 */
void
bpm_instance_lock(BpmInstance *inst, int64 instance_id, const char *actor)
{
	static BpmStatement stmt = {
		"SELECT definition_id, state, data, last_event_id, last_event_hash, coalesce(parent_id, 0), "
		"coalesce(parent_token, 0) FROM bpm.instance WHERE id = $1 FOR NO KEY UPDATE",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(instance_id);
	bytea	   *hash;

	bpm_instance_refuse_reentry(instance_id);
	instance_init(inst, actor);
	if (bpm_spi_run(&stmt, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("instance %lld does not exist", (long long) instance_id)));
	inst->id = instance_id;
	inst->definition_id = bpm_spi_int64(0, 1);
	inst->state = bpm_spi_text(0, 2);
	inst->data = bpm_spi_jsonb(0, 3);
	inst->parent_id = bpm_spi_int64(0, 6);
	inst->parent_token = bpm_spi_int64(0, 7);
	inst->chain.instance_id = instance_id;
	inst->chain.last_id = bpm_spi_int64(0, 4);
	hash = bpm_spi_bytea(0, 5);
	if (hash && VARSIZE_ANY_EXHDR(hash) == BPM_HASH_LEN)
	{
		memcpy(inst->chain.hash, VARDATA_ANY(hash), BPM_HASH_LEN);
		inst->chain.has_hash = true;
	}
	inst->graph = bpm_graph_get(inst->definition_id);
}

void
bpm_instance_require_running(BpmInstance *inst, const char *action)
{
	if (strcmp(inst->state, "running") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot %s: instance %lld is %s", action, (long long) inst->id, inst->state)));
}

/*
 * Merge a patch into the data (top-level keys replace) and record a
 * data_changed event with the patch and the values it replaced (fields the
 * patch adds are absent from "replaced").
 */
void
bpm_instance_merge(BpmInstance *inst, Jsonb *patch, const char *node_id,
				   int64 task_id, int64 job_id)
{
	int			nkeys;
	char	  **keys;
	char	  **old_keys;
	int			nold = 0;
	Jsonb	  **replaced;
	const char *names[2] = {"patch", "replaced"};
	Jsonb	   *parts[2];
	int			i;

	if (patch == NULL || !JB_ROOT_IS_OBJECT(patch))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("data for %s must be a JSON object", node_id ? node_id : "the instance")));
	if (JB_ROOT_COUNT(patch) == 0)
		return;
	keys = bpm_jb_object_keys(&patch->root, &nkeys);
	old_keys = palloc(sizeof(char *) * (nkeys + 1));
	replaced = palloc(sizeof(Jsonb *) * (nkeys + 1));
	for (i = 0; i < nkeys; i++)
	{
		JsonbValue	old;

		if (!bpm_jb_get(&inst->data->root, keys[i], &old))
			continue;			/* a new field replaces nothing */
		old_keys[nold] = keys[i];
		replaced[nold++] = bpm_jb_value_to_jsonb(&old);
	}
	parts[0] = patch;
	parts[1] = bpm_jb_build(nold, (const char **) old_keys, replaced);
	inst->data = bpm_jb_concat(inst->data, patch);
	inst->dirty = true;
	bpm_event(inst, "data_changed", node_id, task_id, job_id, bpm_jb_build(2, names, parts));
}

/*
 * The instance ends. A child (of a case's process or case task, or a case
 * a process escalated to) tells its parent, unless the parent is the one
 * ending it here (then the parent's own code, busy with it, does what
 * follows).
 */
void
bpm_instance_end(BpmInstance *inst, const char *state, const char *reason)
{
	inst->state = state;
	inst->end_reason = reason;
	inst->dirty = true;
	bpm_event(inst, strcmp(state, "completed") == 0 ? "instance_completed" : "instance_terminated",
			  NULL, 0, 0,
			  reason ? bpm_jb_build(1, (const char *[]) {"reason"},
									(Jsonb *[]) {bpm_jb_string(reason)}) : NULL);
	if (inst->parent_id != 0 && !bpm_instance_is_busy(inst->parent_id))
		bpm_case_child_ended(inst);
}

/* Another instance started this one: record it as the parent, and its waiting token. */
void
bpm_instance_link_parent(BpmInstance *child, int64 parent_id, int64 parent_token)
{
	static BpmStatement stmt = {
		"UPDATE bpm.instance SET parent_id = $2, parent_token = $3 WHERE id = $1",
		3, {INT8OID, INT8OID, INT8OID}
	};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};

	values[0] = Int64GetDatum(child->id);
	values[1] = Int64GetDatum(parent_id);
	values[2] = Int64GetDatum(parent_token);
	nulls[2] = BPM_NULL(parent_token == 0);
	bpm_spi_run(&stmt, values, nulls);
	child->parent_id = parent_id;
	child->parent_token = parent_token;
}

/* Write back data, state and the chain anchor, once per step. */
void
bpm_instance_save(BpmInstance *inst)
{
	static BpmStatement stmt = {
		"UPDATE bpm.instance SET data = $2, state = $3, "
		"ended_at = CASE WHEN $3 = 'running' THEN NULL ELSE coalesce(ended_at, $8) END, "
		"ended_by = CASE WHEN $3 = 'running' THEN NULL ELSE coalesce(ended_by, $4) END, "
		"end_reason = CASE WHEN $3 = 'running' THEN NULL ELSE coalesce(end_reason, $5) END, "
		"last_event_id = $6, last_event_hash = $7 WHERE id = $1",
		8, {INT8OID, JSONBOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, BYTEAOID, TIMESTAMPTZOID}
	};
	Datum		values[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	bytea	   *hash;

	if (!inst->dirty && !inst->chain.dirty)
		return;
	hash = palloc(VARHDRSZ + BPM_HASH_LEN);
	SET_VARSIZE(hash, VARHDRSZ + BPM_HASH_LEN);
	memcpy(VARDATA(hash), inst->chain.hash, BPM_HASH_LEN);
	values[0] = Int64GetDatum(inst->id);
	values[1] = JsonbPGetDatum(inst->data);
	values[2] = CStringGetTextDatum(inst->state);
	values[3] = CStringGetTextDatum(inst->actor);
	values[4] = inst->end_reason ? CStringGetTextDatum(inst->end_reason) : (Datum) 0;
	nulls[4] = BPM_NULL(inst->end_reason == NULL);
	values[5] = Int64GetDatum(inst->chain.last_id);
	nulls[5] = BPM_NULL(!inst->chain.has_hash);
	values[6] = PointerGetDatum(hash);
	nulls[6] = BPM_NULL(!inst->chain.has_hash);
	values[7] = TimestampTzGetDatum(bpm_clock_now());
	if (bpm_spi_run(&stmt, values, nulls) != 1)
		elog(ERROR, "pg_bpm: instance %lld vanished while locked", (long long) inst->id);
	inst->dirty = false;
	inst->chain.dirty = false;
}
