/*
 * src/audit/audit.c
 *
 * Event log writes and the hash chain: the hash of an event, and of the
 * tokens an instance rests with (the second anchor of its row).
 * Verification is verify.c, the guards that keep the log and the runtime
 * rows whole are guard.c.
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
#include "common/cryptohash.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "security/security.h"
#include "audit/audit.h"
#include "time/time.h"
#include "util/util.h"

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

void
bpm_event_hash(const uint8 *prev, const BpmEventContent *e, uint8 *out)
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

bytea *
bpm_hash_bytea(const uint8 *hash)
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
	BpmEventContent e;
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
	bpm_event_hash(chained ? chain->hash : NULL, &e, hash);

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
	values[10] = chained ? PointerGetDatum(bpm_hash_bytea(chain->hash)) : (Datum) 0;
	values[11] = PointerGetDatum(bpm_hash_bytea(hash));
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


static int
token_row_cmp(const void *a, const void *b)
{
	int64		x = ((const BpmTokenRow *) a)->id;
	int64		y = ((const BpmTokenRow *) b)->id;

	return (x > y) - (x < y);
}

/*
 * The hash of the tokens an instance rests with: SHA-256 over its id, then
 * each token in id order (id, node_id, scope_id, state, arrived_via, each
 * length-prefixed as in an event). Sorts rows. The engine keeps it on the
 * instance row (tokens_hash) whenever a step ends; bpm.verify_state
 * recomputes it from bpm.token.
 */
void
bpm_tokens_hash(int64 instance_id, BpmTokenRow *rows, int n, uint8 *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	int			i;

	if (n > 1)
		qsort(rows, n, sizeof(BpmTokenRow), token_row_cmp);
	if (pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "pg_bpm: could not initialise SHA-256");
	hash_int64(ctx, instance_id, true);
	for (i = 0; i < n; i++)
	{
		hash_int64(ctx, rows[i].id, true);
		hash_text(ctx, rows[i].node_id);
		hash_int64(ctx, rows[i].scope_id, rows[i].scope_id != 0);
		hash_text(ctx, rows[i].state);
		hash_text(ctx, rows[i].via);
	}
	if (pg_cryptohash_final(ctx, out, BPM_HASH_LEN) < 0)
		elog(ERROR, "pg_bpm: could not compute the tokens hash");
	pg_cryptohash_free(ctx);
}
