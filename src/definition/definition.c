/*
 * src/definition/definition.c
 *
 * bpm.deploy, and the per-backend cache of compiled definitions.
 *
 * A deployment is validated completely (compile.c) before anything is
 * written. Deployments of one key are serialised by a transaction-scoped
 * advisory lock on the key, so concurrent migrations get consecutive
 * versions. Content identical to the latest version returns that version.
 *
 * Compiled graphs are cached by definition id for the life of the backend:
 * a deployed version never changes. The cache is dropped when bpm.definition
 * itself is invalidated (DROP EXTENSION and recreate in one session).
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "security/actor.h"
#include "audit/audit.h"
#include "definition/definition.h"
#include "util/jsonb_util.h"
#include "util/spi_util.h"
#include "process/start_timer.h"

/* First key of the advisory locks pg_bpm takes: 'bpm' in ASCII. */
#define BPM_ADVISORY_CLASS 0x62706d

typedef struct GraphCacheEntry
{
	int64		definition_id;
	BpmGraph   *graph;
} GraphCacheEntry;

static HTAB *graph_cache = NULL;
static MemoryContext graph_cache_cxt = NULL;
static Oid	graph_cache_relid = InvalidOid;

static void
graph_cache_reset(void)
{
	if (graph_cache_cxt)
		MemoryContextDelete(graph_cache_cxt);
	graph_cache_cxt = NULL;
	graph_cache = NULL;
	graph_cache_relid = InvalidOid;
}

static void
graph_cache_invalidate(Datum arg, Oid relid)
{
	if (graph_cache != NULL && (relid == InvalidOid || relid == graph_cache_relid))
		graph_cache_reset();
}

static void
graph_cache_init(void)
{
	static bool callback_registered = false;
	HASHCTL		ctl;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(graph_cache_invalidate, (Datum) 0);
		callback_registered = true;
	}
	graph_cache_cxt = AllocSetContextCreate(CacheMemoryContext, "pg_bpm definitions",
											ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(GraphCacheEntry);
	ctl.hcxt = graph_cache_cxt;
	graph_cache = hash_create("pg_bpm definitions", 64, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	graph_cache_relid = get_relname_relid("definition", get_namespace_oid("bpm", false));
}

/*
 * The compiled graph of a deployed definition. SPI must be connected. The
 * graph lives in the cache; callers never free it.
 */
BpmGraph *
bpm_graph_get(int64 definition_id)
{
	static BpmStatement stmt = {
		"SELECT source, deployed_by_oid FROM bpm.definition WHERE id = $1",
		1, {INT8OID}
	};
	GraphCacheEntry *entry;
	bool		found;
	Datum		arg = Int64GetDatum(definition_id);
	Jsonb	   *source;
	Oid			owner;
	MemoryContext old;
	BpmGraph   *graph;

	if (graph_cache == NULL)
		graph_cache_init();
	entry = hash_search(graph_cache, &definition_id, HASH_FIND, NULL);
	if (entry)
		return entry->graph;

	if (bpm_spi_run(&stmt, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("definition %lld does not exist", (long long) definition_id)));
	source = bpm_spi_jsonb(0, 1);
	owner = DatumGetObjectId(bpm_spi_datum(0, 2, &found));

	old = MemoryContextSwitchTo(graph_cache_cxt);
	graph = bpm_graph_compile(source, false);
	graph->definition_id = definition_id;
	graph->owner = owner;
	MemoryContextSwitchTo(old);

	entry = hash_search(graph_cache, &definition_id, HASH_ENTER, &found);
	entry->graph = graph;
	return graph;
}

/* The id of the latest version of a process key; 42704 if there is none. */
int64
bpm_definition_latest(const char *key, const char *kind)
{
	static BpmStatement stmt = {
		"SELECT id, kind FROM bpm.definition WHERE key = $1 ORDER BY version DESC LIMIT 1",
		1, {TEXTOID}
	};
	Datum		arg = CStringGetTextDatum(key);
	char	   *found;

	if (bpm_spi_run(&stmt, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s definition \"%s\" does not exist", kind, key),
				 errhint("Deploy it with bpm.deploy(definition jsonb); bpm.definitions lists what is deployed.")));
	found = bpm_spi_text(0, 2);
	if (strcmp(found, kind) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a %s, not a %s", key, found, kind),
				 errhint("%s", strcmp(found, "case") == 0 ? "Open cases with bpm.open_case."
						 : "Start processes with bpm.start.")));
	return bpm_spi_int64(0, 1);
}

static bytea *
content_hash(Jsonb *source)
{
	char	   *text = JsonbToCString(NULL, &source->root, VARSIZE(source));
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	bytea	   *result = palloc(VARHDRSZ + 32);

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (uint8 *) text, strlen(text)) < 0 ||
		pg_cryptohash_final(ctx, (uint8 *) VARDATA(result), 32) < 0)
		elog(ERROR, "pg_bpm: could not hash definition");
	pg_cryptohash_free(ctx);
	SET_VARSIZE(result, VARHDRSZ + 32);
	return result;
}

static void
lock_key(const char *key)
{
	static BpmStatement stmt = {
		"SELECT pg_catalog.pg_advisory_xact_lock($1, pg_catalog.hashtext($2))",
		2, {INT4OID, TEXTOID}
	};
	Datum		values[2] = {Int32GetDatum(BPM_ADVISORY_CLASS), CStringGetTextDatum(key)};

	bpm_spi_run(&stmt, values, NULL);
}

/* The latest version of key with the same content, or 0. Sets *version. */
static int64
find_identical_latest(const char *key, bytea *hash, int *latest_version)
{
	static BpmStatement stmt = {
		"SELECT id, version, content_hash = $2 FROM bpm.definition WHERE key = $1 "
		"ORDER BY version DESC LIMIT 1",
		2, {TEXTOID, BYTEAOID}
	};
	Datum		values[2] = {CStringGetTextDatum(key), PointerGetDatum(hash)};
	bool		isnull;

	*latest_version = 0;
	if (bpm_spi_run(&stmt, values, NULL) == 0)
		return 0;
	*latest_version = bpm_spi_int32(0, 2);
	return DatumGetBool(bpm_spi_datum(0, 3, &isnull)) ? bpm_spi_int64(0, 1) : 0;
}

static void
store_nodes(int64 id, BpmGraph *g)
{
	static BpmStatement stmt = {
		"INSERT INTO bpm.node (definition_id, id, type, name, scope, properties) "
		"VALUES ($1, $2, $3, $4, $5, $6 - '{id,type,name,nodes,flows}'::text[])",
		6, {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID}
	};
	int			i;

	for (i = 0; i < g->nnodes; i++)
	{
		BpmNode    *n = &g->nodes[i];
		Datum		values[6];
		char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

		values[0] = Int64GetDatum(id);
		values[1] = CStringGetTextDatum(n->id);
		values[2] = CStringGetTextDatum(g->is_case ? bpm_case_item_type(n->kind)
										: bpm_node_kind_name(n->kind));
		values[3] = n->name ? CStringGetTextDatum(n->name) : (Datum) 0;
		nulls[3] = BPM_NULL(n->name == NULL);
		values[4] = n->scope >= 0 ? CStringGetTextDatum(g->nodes[n->scope].id) : (Datum) 0;
		nulls[4] = BPM_NULL(n->scope < 0);
		values[5] = JsonbPGetDatum(n->object);
		bpm_spi_run(&stmt, values, nulls);
	}
}

static void
store_flows(int64 id, BpmGraph *g)
{
	static BpmStatement stmt = {
		"INSERT INTO bpm.flow (definition_id, id, source, target, condition, is_default, position) "
		"VALUES ($1, $2, $3, $4, $5::jsonpath, $6, $7)",
		7, {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, INT4OID}
	};
	int			i;

	for (i = 0; i < g->nflows; i++)
	{
		BpmFlow    *f = &g->flows[i];
		Datum		values[7];
		char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};

		values[0] = Int64GetDatum(id);
		values[1] = CStringGetTextDatum(f->id);
		values[2] = CStringGetTextDatum(g->nodes[f->source].id);
		values[3] = CStringGetTextDatum(g->nodes[f->target].id);
		values[4] = f->condition_text ? CStringGetTextDatum(f->condition_text) : (Datum) 0;
		nulls[4] = BPM_NULL(f->condition_text == NULL);
		values[5] = BoolGetDatum(f->is_default);
		values[6] = Int32GetDatum(i + 1);
		bpm_spi_run(&stmt, values, nulls);
	}
}

typedef struct InsertCall
{
	BpmStatement *stmt;
	Datum	   *values;
	const char *nulls;
} InsertCall;

static void
call_insert(void *arg)
{
	InsertCall *call = arg;

	bpm_spi_run(call->stmt, call->values, call->nulls);
}

/*
 * Insert the definition row. Under REPEATABLE READ or SERIALIZABLE the
 * snapshot may not show a version that a concurrent deployment committed
 * while we waited for the key lock, and our version number then collides:
 * report that as a retryable serialization failure, not a duplicate key.
 */
static void
insert_definition(BpmStatement *stmt, Datum *values, const char *nulls, const char *key)
{
	InsertCall	call = {stmt, values, nulls};
	ErrorData  *error;

	if (!IsolationUsesXactSnapshot())
	{
		bpm_spi_run(stmt, values, nulls);
		return;
	}
	error = bpm_try(call_insert, &call);
	if (error == NULL)
		return;
	if (error->sqlerrcode != ERRCODE_UNIQUE_VIOLATION)
		ReThrowError(error);
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not serialize the deployment of \"%s\": a concurrent deployment of the key committed first",
					key),
			 errhint("Retry the transaction.")));
}

static int64
store_definition(Jsonb *source, BpmGraph *g, bytea *hash, int version,
				 const char *actor, Oid deployer)
{
	static BpmStatement stmt = {
		"INSERT INTO bpm.definition (key, version, name, source, content_hash, deployed_by, deployed_by_oid, kind) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
		8, {TEXTOID, INT4OID, TEXTOID, JSONBOID, BYTEAOID, TEXTOID, OIDOID, TEXTOID}
	};
	Datum		values[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int64		id;
	BpmEvent	ev = {0};
	const char *keys[2] = {"key", "version"};
	Jsonb	   *vals[2];

	values[0] = CStringGetTextDatum(g->key);
	values[1] = Int32GetDatum(version);
	values[2] = g->name ? CStringGetTextDatum(g->name) : (Datum) 0;
	nulls[2] = BPM_NULL(g->name == NULL);
	values[3] = JsonbPGetDatum(source);
	values[4] = PointerGetDatum(hash);
	values[5] = CStringGetTextDatum(actor);
	values[6] = ObjectIdGetDatum(deployer);
	values[7] = CStringGetTextDatum(g->is_case ? "case" : "process");
	insert_definition(&stmt, values, nulls, g->key);
	id = bpm_spi_int64(0, 1);

	store_nodes(id, g);
	store_flows(id, g);
	bpm_start_timer_deployed(g, id);

	vals[0] = bpm_jb_string(g->key);
	vals[1] = bpm_jb_int(version);
	ev.kind = "definition_deployed";
	ev.definition_id = id;
	ev.data = bpm_jb_build(2, keys, vals);
	bpm_event_write(NULL, actor, &ev);
	return id;
}

/*
 * bpm.deploy(definition jsonb) RETURNS bigint
 *
 * Validates a process definition and stores it as the next version of its
 * key; content identical to the latest version returns that version's id.
 * Takes a transaction advisory lock on the key. Raises 42P17 naming the
 * element for an invalid definition, 42883 / 42501 for a script function
 * that is missing or not executable by the deployer. Writes nothing on
 * error.
 */
PG_FUNCTION_INFO_V1(bpm_deploy);
Datum
bpm_deploy(PG_FUNCTION_ARGS)
{
	Jsonb	   *source;
	char	   *actor = bpm_current_actor_name();
	Oid			deployer = GetUserId();
	BpmGraph   *graph;
	bytea	   *hash;
	BpmIdentity saved;
	int64		id;
	int			latest;

	bpm_require_arg(fcinfo, 0, "definition");
	source = PG_GETARG_JSONB_P(0);
	graph = bpm_graph_compile(source, true);
	hash = content_hash(source);

	bpm_engine_enter(&saved);
	lock_key(graph->key);
	id = find_identical_latest(graph->key, hash, &latest);
	if (id == 0)
		id = store_definition(source, graph, hash, latest + 1, actor, deployer);
	bpm_engine_leave(&saved);
	PG_RETURN_INT64(id);
}
