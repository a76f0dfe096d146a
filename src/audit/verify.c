/*
 * src/audit/verify.c
 *
 * Verification of one instance: bpm.verify_events recomputes its hash
 * chain; bpm.verify_state checks the chain, then that the instance row is
 * what its events say: the definition of its opening event, the data its
 * opening event and data_changed patches replay to, and the tokens it rests
 * with as the engine left them (the tokens_hash anchor). It names the first
 * mismatch.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "security/security.h"
#include "audit/audit.h"
#include "util/util.h"

/* Compare a stored bytea with a hash; NULL matches only "no hash". */
static bool
hash_equals(bytea *stored, const uint8 *expected)
{
	if (stored == NULL || expected == NULL)
		return stored == NULL && expected == NULL;
	return VARSIZE_ANY_EXHDR(stored) == BPM_HASH_LEN &&
		memcmp(VARDATA_ANY(stored), expected, BPM_HASH_LEN) == 0;
}

/*
 * Walk the chain of one instance. Returns the id of the first event whose
 * stored hash or link does not match its recomputed content, or the
 * anchored last event id when the tail was removed; 0 when all is well.
 */
static int64
verify_chain(int64 instance_id)
{
	static BpmStatement events = {
		"SELECT id, instance_id, at, txid, actor, kind, node_id, task_id, job_id, "
		"definition_id, data, prev_hash, hash FROM bpm.event WHERE instance_id = $1 ORDER BY id",
		1, {INT8OID}
	};
	static BpmStatement anchor = {
		"SELECT last_event_id, last_event_hash FROM bpm.instance WHERE id = $1",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(instance_id);
	uint8		prev[BPM_HASH_LEN];
	bool		has_prev = false;
	int64		last_id = 0;
	int			n;
	int			i;
	int64		anchor_id;
	bytea	   *anchor_hash;

	n = bpm_spi_run(&events, &arg, NULL);
	for (i = 0; i < n; i++)
	{
		BpmEventContent e;
		uint8		computed[BPM_HASH_LEN];
		int64		id = bpm_spi_int64(i, 1);

		e.instance_id = bpm_spi_int64(i, 2);
		e.at = DatumGetTimestampTz(bpm_spi_datum(i, 3, &(bool){false}));
		e.txid = bpm_spi_int64(i, 4);
		e.actor = bpm_spi_text(i, 5);
		e.kind = bpm_spi_text(i, 6);
		e.node_id = bpm_spi_text(i, 7);
		e.task_id = bpm_spi_int64(i, 8);
		e.job_id = bpm_spi_int64(i, 9);
		e.definition_id = bpm_spi_int64(i, 10);
		e.data = bpm_spi_jsonb(i, 11);
		if (!hash_equals(bpm_spi_bytea(i, 12), has_prev ? prev : NULL))
			return id;
		bpm_event_hash(has_prev ? prev : NULL, &e, computed);
		if (!hash_equals(bpm_spi_bytea(i, 13), computed))
			return id;
		memcpy(prev, computed, BPM_HASH_LEN);
		has_prev = true;
		last_id = id;
	}

	if (bpm_spi_run(&anchor, &arg, NULL) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("instance %lld does not exist", (long long) instance_id)));
	anchor_id = bpm_spi_int64(0, 1);
	anchor_hash = bpm_spi_bytea(0, 2);
	if (anchor_id != last_id || !hash_equals(anchor_hash, has_prev ? prev : NULL))
		return anchor_id != 0 ? anchor_id : last_id;
	return 0;
}

/*
 * bpm.verify_events(instance_id bigint) RETURNS TABLE(ok boolean, first_bad_event bigint)
 *
 * Recomputes the hash chain of one instance. Takes no locks; reads one
 * snapshot. Raises 42501 for a case (or an instance below one) the actor
 * may not see. first_bad_event is the first event changed, removed before, or
 * moved out of place; when the newest events were removed it is the id the
 * instance row still anchors.
 */
PG_FUNCTION_INFO_V1(bpm_verify_events);
Datum
bpm_verify_events(PG_FUNCTION_ARGS)
{
	static BpmStatement kind = {
		"SELECT kind = 'case' FROM bpm.instance WHERE id = $1", 1, {INT8OID}
	};
	int64		instance_id;
	Datum		arg;
	const char *actor;
	Oid			caller;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	BpmIdentity saved;
	int64		bad;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pg_bpm: return type must be a row type");
	bpm_require_arg(fcinfo, 0, "instance id");
	instance_id = PG_GETARG_INT64(0);
	arg = Int64GetDatum(instance_id);
	actor = bpm_current_actor_name();
	caller = GetUserId();
	/* read as the owner of schema bpm, who sees every event */
	bpm_engine_enter(&saved);
	bad = verify_chain(instance_id);
	/* whether a case's chain holds, and where it breaks, is for who may see the case */
	if (bpm_spi_run(&kind, &arg, NULL) == 1)
		bpm_require_may_see_instance(instance_id, DatumGetBool(bpm_spi_datum(0, 1, &(bool){false})),
								 actor, caller);
	bpm_engine_leave(&saved);

	values[0] = BoolGetDatum(bad == 0);
	values[1] = Int64GetDatum(bad);
	nulls[1] = (bad == 0);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}


/* The first difference found: what, and the values the events say and the row holds. */
typedef struct Mismatch
{
	char	   *what;
	Jsonb	   *expected;		/* NULL: absent */
	Jsonb	   *found;
} Mismatch;

static bool
mismatch(Mismatch *m, const char *what, Jsonb *expected, Jsonb *found)
{
	m->what = pstrdup(what);
	m->expected = expected;
	m->found = found;
	return true;
}

/*
 * The first path (in jsonb's key order, depth first) where two objects
 * differ: a key one of them lacks, or a value that is not equal; nested
 * objects are descended into. path is "data" or "data.key...".
 */
static bool
data_mismatch(JsonbContainer *want, JsonbContainer *got, const char *path, Mismatch *m)
{
	int			nwant;
	int			ngot;
	char	  **want_keys = bpm_jb_object_keys(want, &nwant);
	char	  **got_keys = bpm_jb_object_keys(got, &ngot);
	int			i;

	for (i = 0; i < nwant; i++)
	{
		JsonbValue	w;
		JsonbValue	g;
		char	   *at = psprintf("%s.%s", path, want_keys[i]);
		JsonbContainer *wc;
		JsonbContainer *gc;

		(void) bpm_jb_get(want, want_keys[i], &w);
		if (!bpm_jb_get(got, want_keys[i], &g))
			return mismatch(m, at, bpm_jb_value_to_jsonb(&w), NULL);
		if (bpm_jb_equal(&w, &g))
			continue;
		wc = bpm_jb_container(&w);
		gc = bpm_jb_container(&g);
		if (wc && gc && JsonContainerIsObject(wc) && JsonContainerIsObject(gc) &&
			data_mismatch(wc, gc, at, m))
			return true;
		return mismatch(m, at, bpm_jb_value_to_jsonb(&w), bpm_jb_value_to_jsonb(&g));
	}
	for (i = 0; i < ngot; i++)
	{
		JsonbValue	g;
		JsonbValue	w;

		if (bpm_jb_get(want, got_keys[i], &w))
			continue;
		(void) bpm_jb_get(got, got_keys[i], &g);
		return mismatch(m, psprintf("%s.%s", path, got_keys[i]), NULL, bpm_jb_value_to_jsonb(&g));
	}
	return false;
}

/* The tokens of the instance as bpm.token holds them, and their hash. */
static Jsonb *
tokens_found(int64 instance_id, uint8 *hash)
{
	static BpmStatement stmt = {
		"SELECT id, node_id, coalesce(scope_id, 0), state, arrived_via, "
		"jsonb_agg(jsonb_build_object('id', id, 'node_id', node_id, 'scope_id', scope_id, "
		"'state', state, 'arrived_via', arrived_via)) OVER (ORDER BY id "
		"ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) "
		"FROM bpm.token WHERE instance_id = $1 ORDER BY id",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(instance_id);
	int			n = bpm_spi_run(&stmt, &arg, NULL);
	BpmTokenRow *rows = palloc(sizeof(BpmTokenRow) * (n + 1));
	int			i;

	for (i = 0; i < n; i++)
	{
		rows[i].id = bpm_spi_int64(i, 1);
		rows[i].node_id = bpm_spi_text(i, 2);
		rows[i].scope_id = bpm_spi_int64(i, 3);
		rows[i].state = bpm_spi_text(i, 4);
		rows[i].via = bpm_spi_text(i, 5);
	}
	bpm_tokens_hash(instance_id, rows, n, hash);
	return n > 0 ? bpm_spi_jsonb(0, 6) : NULL;
}

/*
 * Does the instance row say what its events say? Returns false with m set
 * at the first mismatch: "definition_id", a "data..." path, or "tokens".
 * The chain is intact (checked first). 42501 if the actor may not see the
 * instance (security/visibility.c).
 */
static bool
state_mismatch(int64 instance_id, const char *actor, Oid caller, Mismatch *m)
{
	static BpmStatement row = {
		"SELECT i.definition_id, d.key, i.data, i.tokens_hash, i.kind = 'case' FROM bpm.instance i "
		"JOIN bpm.definition d ON d.id = i.definition_id WHERE i.id = $1",
		1, {INT8OID}
	};
	static BpmStatement replay = {
		"SELECT kind, definition_id, data FROM bpm.event WHERE instance_id = $1 "
		"AND kind IN ('instance_started', 'case_opened', 'data_changed') ORDER BY id",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(instance_id);
	int64		definition_id;
	char	   *key;
	Jsonb	   *data;
	bytea	   *tokens_hash;
	int64		opened_with = 0;
	char	   *opened_key = NULL;
	bool		opened = false;
	Jsonb	   *replayed = NULL;
	uint8		hash[BPM_HASH_LEN];
	Jsonb	   *tokens;
	int			n;
	int			i;

	if (bpm_spi_run(&row, &arg, NULL) != 1)
		elog(ERROR, "pg_bpm: instance %lld has no definition", (long long) instance_id);
	definition_id = bpm_spi_int64(0, 1);
	key = bpm_spi_text(0, 2);
	data = bpm_spi_jsonb(0, 3);
	tokens_hash = bpm_spi_bytea(0, 4);
	/* a mismatch shows data: only to those who may see the instance */
	bpm_require_may_see_instance(instance_id, DatumGetBool(bpm_spi_datum(0, 5, &(bool){false})),
								 actor, caller);

	/* replay: the data of the opening event, then each data_changed patch */
	n = bpm_spi_run(&replay, &arg, NULL);
	for (i = 0; i < n; i++)
	{
		char	   *kind = bpm_spi_text(i, 1);
		Jsonb	   *ev = bpm_spi_jsonb(i, 3);
		JsonbValue	v;

		if (strcmp(kind, "data_changed") != 0)
		{
			opened = true;
			opened_with = bpm_spi_int64(i, 2);
			opened_key = bpm_jb_get(&ev->root, strcmp(kind, "case_opened") == 0 ? "case" : "definition", &v) &&
				v.type == jbvString ? pnstrdup(v.val.string.val, v.val.string.len) : NULL;
			replayed = bpm_jb_get(&ev->root, "data", &v) ? bpm_jb_value_to_jsonb(&v) : bpm_jb_empty_object();
		}
		else if (replayed && bpm_jb_get(&ev->root, "patch", &v))
			replayed = bpm_jb_concat(replayed, bpm_jb_value_to_jsonb(&v));
	}
	if (!opened)
		return mismatch(m, "instance_started", NULL, NULL);

	/* the definition: by id since 0.2.0; an opening event of 0.1.0 names only the key */
	if (opened_with != 0 ? opened_with != definition_id :
		opened_key == NULL || strcmp(opened_key, key) != 0)
		return mismatch(m, "definition_id",
						opened_with != 0 ? bpm_jb_int(opened_with) : bpm_jb_string(opened_key ? opened_key : ""),
						opened_with != 0 ? bpm_jb_int(definition_id) : bpm_jb_string(key));

	if (!JB_ROOT_IS_OBJECT(replayed) || !JB_ROOT_IS_OBJECT(data))
	{
		if (compareJsonbContainers(&replayed->root, &data->root) != 0)
			return mismatch(m, "data", replayed, data);
	}
	else if (data_mismatch(&replayed->root, &data->root, "data", m))
		return true;

	/*
	 * The tokens: as the engine left them when its last step ended. An
	 * instance that no engine step anchored rests with none (a case), unless
	 * it was opened before 0.2.0 and has not moved since (nothing to check).
	 */
	if (tokens_hash == NULL && opened_with == 0)
		return false;
	tokens = tokens_found(instance_id, hash);
	if (tokens_hash == NULL ? tokens != NULL : !hash_equals(tokens_hash, hash))
		return mismatch(m, "tokens", NULL, tokens);
	return false;
}

/*
 * bpm.verify_state(instance_id bigint) RETURNS TABLE(ok boolean,
 *     first_bad_event bigint, mismatch text, expected jsonb, found jsonb)
 *
 * Verifies one instance: its hash chain as bpm.verify_events does (a
 * broken chain is mismatch 'event', first_bad_event as there), then its row
 * against its events: mismatch names the first difference, 'definition_id',
 * a data path ('data.amount', 'data.customer.name') or 'tokens', with what
 * the events say (expected) and what the row holds (found). Takes no locks;
 * reads one snapshot. 42704 if the instance does not exist, 22004 for NULL,
 * 42501 if the actor may not see it.
 */
PG_FUNCTION_INFO_V1(bpm_verify_state);
Datum
bpm_verify_state(PG_FUNCTION_ARGS)
{
	MemoryContext outer = CurrentMemoryContext;
	int64		instance_id;
	const char *actor;
	Oid			caller;
	TupleDesc	tupdesc;
	Datum		values[5] = {0};
	bool		nulls[5] = {false, true, true, true, true};
	BpmIdentity saved;
	Mismatch	m = {0};
	int64		bad;
	bool		differs = false;
	HeapTuple	tuple;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pg_bpm: return type must be a row type");
	bpm_require_arg(fcinfo, 0, "instance id");
	instance_id = PG_GETARG_INT64(0);
	actor = bpm_current_actor_name();
	caller = GetUserId();
	bpm_engine_enter(&saved);
	bad = verify_chain(instance_id);
	if (bad != 0)
		differs = mismatch(&m, "event", NULL, NULL);
	else
		differs = state_mismatch(instance_id, actor, caller, &m);

	/* the values live in SPI's memory: form the row in the caller's */
	MemoryContextSwitchTo(outer);
	values[0] = BoolGetDatum(!differs);
	if (bad != 0)
	{
		values[1] = Int64GetDatum(bad);
		nulls[1] = false;
	}
	if (differs)
	{
		values[2] = CStringGetTextDatum(m.what);
		nulls[2] = false;
	}
	if (m.expected)
	{
		values[3] = JsonbPGetDatum(m.expected);
		nulls[3] = false;
	}
	if (m.found)
	{
		values[4] = JsonbPGetDatum(m.found);
		nulls[4] = false;
	}
	tuple = heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls);
	bpm_engine_leave(&saved);
	PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}
