/*
 * src/process/instance.c
 *
 * The instance row: create, lock, merge data, end, save. The row lock is
 * the first lock every engine write takes (SELECT ... FOR NO KEY UPDATE),
 * after the lock of its family's root (family.c), so joins, completions and
 * cancellations on one family serialise while different families never
 * wait for each other. The row is written back once per step, with the
 * event chain anchor.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "process/engine.h"
#include "security/security.h"
#include "time/time.h"
#include "util/util.h"

/*
 * A script task's user code (bpm_activity_run_script) may start or act on
 * other instances, but not on its own, nor on the others its step holds in
 * memory (family.c: the parents driving it, a child whose end it is
 * taking): the step would overwrite what the nested call did. 55000.
 */
void
bpm_instance_refuse_reentry(int64 instance_id)
{
	int64		holder = bpm_user_code_holder(instance_id);

	if (holder == instance_id)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("instance %lld is running a script task, which may not act on its own instance",
						(long long) instance_id),
				 errhint("Return the changes from the script as its jsonb result instead.")));
	if (holder != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("instance %lld is held by the step of instance %lld, whose script task may not act on it",
						(long long) instance_id, (long long) holder),
				 errdetail("The step is starting, cancelling or taking the end of instance %lld; its state is not written yet.",
						   (long long) instance_id),
				 errhint("Return the changes from the script as its jsonb result instead.")));
}

int64
bpm_event(BpmInstance *inst, const char *kind, const char *node_id,
		  int64 task_id, int64 job_id, Jsonb *data)
{
	BpmEvent	ev = {kind, node_id, task_id, job_id, 0, data};

	return bpm_event_write(&inst->chain, inst->actor, &ev);
}

/*
 * The first event of an instance (instance_started, case_opened) names the
 * definition it runs, which bpm.verify_state checks the row against.
 */
int64
bpm_event_opening(BpmInstance *inst, const char *kind, Jsonb *data)
{
	BpmEvent	ev = {kind, NULL, 0, 0, inst->definition_id, data};

	return bpm_event_write(&inst->chain, inst->actor, &ev);
}

static void
instance_init(BpmInstance *inst, const char *actor)
{
	memset(inst, 0, sizeof(BpmInstance));
	inst->actor = actor;
	inst->state = "running";
}

/*
 * Insert a running instance, a child of parent (waited for by its
 * parent_token) or, with parent NULL, the root of a new family; the new row
 * is locked by its own insert. Its family (parent_id, root_id) is written
 * here once and never changes (family.c).
 */
int64
bpm_instance_create(BpmInstance *inst, int64 definition_id, Jsonb *data,
					const char *business_key, const char *actor,
					const BpmInstance *parent, int64 parent_token)
{
	static BpmStatement stmt = {
		"INSERT INTO bpm.instance (id, definition_id, business_key, data, started_by, started_at, "
		"due_at, parent_id, parent_token, root_id) OVERRIDING SYSTEM VALUE "
		"SELECT n, $1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, n) "
		"FROM pg_catalog.nextval('bpm.instance_id_seq') AS n RETURNING id",
		9, {INT8OID, TEXTOID, JSONBOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID, INT8OID,
		INT8OID}
	};
	Datum		values[9];
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

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
	values[6] = parent ? Int64GetDatum(parent->id) : (Datum) 0;
	nulls[6] = BPM_NULL(parent == NULL);
	values[7] = Int64GetDatum(parent_token);
	nulls[7] = BPM_NULL(parent_token == 0);
	values[8] = parent ? Int64GetDatum(parent->root_id) : (Datum) 0;
	nulls[8] = BPM_NULL(parent == NULL);
	bpm_spi_run(&stmt, values, nulls);
	inst->id = bpm_spi_int64(0, 1);
	inst->parent_id = parent ? parent->id : 0;
	inst->parent_token = parent_token;
	inst->root_id = parent ? parent->root_id : inst->id;
	inst->chain.instance_id = inst->id;
	return inst->id;
}

#define INSTANCE_LOAD \
	"SELECT definition_id, state, data, last_event_id, last_event_hash, coalesce(parent_id, 0), " \
	"coalesce(parent_token, 0), root_id FROM bpm.instance WHERE id = $1 "

/*
 * Lock an instance row and load it, its family's root first (family.c): a
 * root in one statement, a member below its root after the root, unless
 * root_held (this transaction holds the family's root already). 42704 if
 * it does not exist. Blocks while another transaction works on the same
 * family.
 */
static void
instance_lock(BpmInstance *inst, int64 instance_id, const char *actor, bool root_held)
{
	static BpmStatement as_root = {
		INSTANCE_LOAD "AND root_id = id FOR NO KEY UPDATE", 1, {INT8OID}
	};
	static BpmStatement as_member = {
		INSTANCE_LOAD "FOR NO KEY UPDATE", 1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(instance_id);
	bytea	   *hash;

	bpm_instance_refuse_reentry(instance_id);
	instance_init(inst, actor);
	if (root_held ? bpm_spi_run(&as_member, &arg, NULL) != 1 :
		bpm_spi_run(&as_root, &arg, NULL) != 1)
	{
		if (root_held)
			elog(ERROR, "pg_bpm: instance %lld of a locked family does not exist",
				 (long long) instance_id);
		bpm_family_lock_root(instance_id);
		if (bpm_spi_run(&as_member, &arg, NULL) != 1)
			elog(ERROR, "pg_bpm: instance %lld vanished while its root was locked",
				 (long long) instance_id);
	}
	inst->id = instance_id;
	inst->definition_id = bpm_spi_int64(0, 1);
	inst->state = bpm_spi_text(0, 2);
	inst->data = bpm_spi_jsonb(0, 3);
	inst->parent_id = bpm_spi_int64(0, 6);
	inst->parent_token = bpm_spi_int64(0, 7);
	inst->root_id = bpm_spi_int64(0, 8);
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
bpm_instance_lock(BpmInstance *inst, int64 instance_id, const char *actor)
{
	instance_lock(inst, instance_id, actor, false);
}

/*
 * Lock and load kin's parent or child (family.c), as kin's actor: this
 * transaction holds their family's root since it locked kin, so one
 * statement.
 */
void
bpm_instance_lock_kin(BpmInstance *inst, int64 instance_id, const BpmInstance *kin)
{
	instance_lock(inst, instance_id, kin->actor, true);
	Assert(inst->root_id == kin->root_id);
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
 * ending it here (family.c).
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
	bpm_family_ended(inst);
}

/*
 * Write back data, state and the anchors, once per step: the chain's, and
 * the tokens' when an engine step ended (tokens_dirty; else it stays).
 */
void
bpm_instance_save(BpmInstance *inst)
{
	static BpmStatement stmt = {
		"UPDATE bpm.instance SET data = $2, state = $3, "
		"ended_at = CASE WHEN $3 = 'running' THEN NULL ELSE coalesce(ended_at, $8) END, "
		"ended_by = CASE WHEN $3 = 'running' THEN NULL ELSE coalesce(ended_by, $4) END, "
		"end_reason = CASE WHEN $3 = 'running' THEN NULL ELSE coalesce(end_reason, $5) END, "
		"last_event_id = $6, last_event_hash = $7, tokens_hash = coalesce($9, tokens_hash) "
		"WHERE id = $1",
		9, {INT8OID, JSONBOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, BYTEAOID, TIMESTAMPTZOID,
		BYTEAOID}
	};
	Datum		values[9];
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	bytea	   *hash;

	if (!inst->dirty && !inst->chain.dirty && !inst->tokens_dirty)
		return;
	hash = bpm_hash_bytea(inst->chain.hash);
	values[8] = inst->tokens_dirty ? PointerGetDatum(bpm_hash_bytea(inst->tokens_hash)) : (Datum) 0;
	nulls[8] = BPM_NULL(!inst->tokens_dirty);
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
	inst->tokens_dirty = false;
}
