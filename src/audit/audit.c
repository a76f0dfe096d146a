/*
 * src/audit/audit.c
 *
 * Event log writes, the hash chain, its verification, and the guard that
 * keeps bpm.event append-only.
 *
 * The hash of an event is SHA-256 over, in order: the previous hash of the
 * instance's chain (absent for the first), then instance_id, at (epoch
 * microseconds), txid, actor, kind, node_id, task_id, job_id,
 * definition_id and data (jsonb's canonical text), each field
 * length-prefixed so that no two different events hash the same input. The
 * event id is not hashed: order is carried by the chain itself.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "security/security.h"
#include "audit/audit.h"
#include "time/time.h"
#include "util/util.h"

/* The content of an event as hashed; NULL strings and zero ids are absent. */
typedef struct EventContent
{
	int64		instance_id;
	TimestampTz at;
	int64		txid;
	const char *actor;
	const char *kind;
	const char *node_id;
	int64		task_id;
	int64		job_id;
	int64		definition_id;
	Jsonb	   *data;
} EventContent;

static void
hash_field(pg_cryptohash_ctx *ctx, const void *bytes, int32 len)
{
	int32		netlen = pg_hton32(len < 0 ? -1 : len);

	if (pg_cryptohash_update(ctx, (const uint8 *) &netlen, sizeof(netlen)) < 0 ||
		(len > 0 && pg_cryptohash_update(ctx, bytes, len) < 0))
		elog(ERROR, "pg_bpm: could not compute event hash");
}

static void
hash_int64(pg_cryptohash_ctx *ctx, int64 value, bool present)
{
	int64		net = pg_hton64(value);

	hash_field(ctx, &net, present ? (int32) sizeof(net) : -1);
}

static void
hash_text(pg_cryptohash_ctx *ctx, const char *s)
{
	hash_field(ctx, s, s ? (int32) strlen(s) : -1);
}

static void
event_hash(const uint8 *prev, const EventContent *e, uint8 *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	char	   *data = NULL;

	if (e->data)
		data = JsonbToCString(NULL, &e->data->root, VARSIZE(e->data));
	if (pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "pg_bpm: could not initialise SHA-256");
	hash_field(ctx, prev, prev ? BPM_HASH_LEN : -1);
	hash_int64(ctx, e->instance_id, e->instance_id != 0);
	hash_int64(ctx, e->at, true);
	hash_int64(ctx, e->txid, true);
	hash_text(ctx, e->actor);
	hash_text(ctx, e->kind);
	hash_text(ctx, e->node_id);
	hash_int64(ctx, e->task_id, e->task_id != 0);
	hash_int64(ctx, e->job_id, e->job_id != 0);
	hash_int64(ctx, e->definition_id, e->definition_id != 0);
	hash_text(ctx, data);
	if (pg_cryptohash_final(ctx, out, BPM_HASH_LEN) < 0)
		elog(ERROR, "pg_bpm: could not compute event hash");
	pg_cryptohash_free(ctx);
}

static bytea *
hash_bytea(const uint8 *hash)
{
	bytea	   *b = palloc(VARHDRSZ + BPM_HASH_LEN);

	SET_VARSIZE(b, VARHDRSZ + BPM_HASH_LEN);
	memcpy(VARDATA(b), hash, BPM_HASH_LEN);
	return b;
}

#define ID_OR_NULL(v) ((v) != 0 ? Int64GetDatum(v) : (Datum) 0)

/*
 * Append one event. The caller holds the instance's row lock (so events of
 * one instance are written one transaction at a time, in id order) and
 * writes chain->hash back to the instance row before it releases it.
 */
int64
bpm_event_write(BpmChain *chain, const char *actor, const BpmEvent *event)
{
	static BpmStatement stmt = {
		"INSERT INTO bpm.event (instance_id, at, txid, actor, kind, node_id, task_id, job_id, "
		"definition_id, data, prev_hash, hash) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
		12, {INT8OID, TIMESTAMPTZOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, INT8OID, INT8OID,
		INT8OID, JSONBOID, BYTEAOID, BYTEAOID}
	};
	EventContent e;
	uint8		hash[BPM_HASH_LEN];
	bool		chained = chain && chain->has_hash;
	Datum		values[12];
	char		nulls[12];
	int64		id;

	e.instance_id = chain ? chain->instance_id : 0;
	e.at = bpm_clock_now();	/* the engine's one clock, as every time it writes */
	e.txid = (int64) U64FromFullTransactionId(GetTopFullTransactionId());
	e.actor = actor;
	e.kind = event->kind;
	e.node_id = event->node_id;
	e.task_id = event->task_id;
	e.job_id = event->job_id;
	e.definition_id = event->definition_id;
	e.data = event->data;
	event_hash(chained ? chain->hash : NULL, &e, hash);

	values[0] = ID_OR_NULL(e.instance_id);
	values[1] = TimestampTzGetDatum(e.at);
	values[2] = Int64GetDatum(e.txid);
	values[3] = CStringGetTextDatum(actor);
	values[4] = CStringGetTextDatum(e.kind);
	values[5] = e.node_id ? CStringGetTextDatum(e.node_id) : (Datum) 0;
	values[6] = ID_OR_NULL(e.task_id);
	values[7] = ID_OR_NULL(e.job_id);
	values[8] = ID_OR_NULL(e.definition_id);
	values[9] = e.data ? JsonbPGetDatum(e.data) : (Datum) 0;
	values[10] = chained ? PointerGetDatum(hash_bytea(chain->hash)) : (Datum) 0;
	values[11] = PointerGetDatum(hash_bytea(hash));
	nulls[0] = BPM_NULL(e.instance_id == 0);
	nulls[1] = nulls[2] = nulls[3] = nulls[4] = nulls[11] = ' ';
	nulls[5] = BPM_NULL(e.node_id == NULL);
	nulls[6] = BPM_NULL(e.task_id == 0);
	nulls[7] = BPM_NULL(e.job_id == 0);
	nulls[8] = BPM_NULL(e.definition_id == 0);
	nulls[9] = BPM_NULL(e.data == NULL);
	nulls[10] = BPM_NULL(!chained);

	if (bpm_spi_run(&stmt, values, nulls) != 1)
		elog(ERROR, "pg_bpm: event insert wrote no row");
	id = bpm_spi_int64(0, 1);
	if (chain)
	{
		memcpy(chain->hash, hash, BPM_HASH_LEN);
		chain->has_hash = true;
		chain->last_id = id;
		chain->dirty = true;
	}
	return id;
}

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
		EventContent e;
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
		event_hash(has_prev ? prev : NULL, &e, computed);
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
 * snapshot. first_bad_event is the first event changed, removed before, or
 * moved out of place; when the newest events were removed it is the id the
 * instance row still anchors.
 */
PG_FUNCTION_INFO_V1(bpm_verify_events);
Datum
bpm_verify_events(PG_FUNCTION_ARGS)
{
	int64		instance_id;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	BpmIdentity saved;
	int64		bad;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pg_bpm: return type must be a row type");
	bpm_require_arg(fcinfo, 0, "instance id");
	instance_id = PG_GETARG_INT64(0);
	/* read as the owner of schema bpm, who sees every event (audit/ is below the engine) */
	bpm_become_owner(&saved);
	bpm_spi_connect();
	bad = verify_chain(instance_id);
	bpm_spi_finish();
	bpm_restore_identity(&saved);

	values[0] = BoolGetDatum(bad == 0);
	values[1] = Int64GetDatum(bad);
	nulls[1] = (bad == 0);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/*
 * Trigger bpm.event_guard(): BEFORE UPDATE OR DELETE (row) and BEFORE
 * TRUNCATE (statement) on bpm.event. Refuses them for everyone, owner and
 * superuser included; only disabling the trigger gets past it, and the hash
 * chain then shows what was done.
 */
PG_FUNCTION_INFO_V1(bpm_event_guard);
Datum
bpm_event_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *op = "change";

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "pg_bpm: bpm.event_guard() must be called as a trigger");
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		op = "UPDATE";
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		op = "DELETE";
	else if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		op = "TRUNCATE";
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("bpm.event is append-only: %s is not allowed", op),
			 errdetail("The event log is the audit trail; its rows are never changed or removed."),
			 errhint("Use bpm.verify_events(instance_id) to check an instance's history.")));
	PG_RETURN_NULL();
}
