/*
 * src/definition/cache.c
 *
 * The per-backend cache of compiled definitions, and the lookup of a
 * key's latest version.
 *
 * Compiled graphs are cached by definition id for the life of the backend:
 * a deployed version never changes. The cache is dropped when bpm.definition
 * itself is invalidated (DROP EXTENSION and recreate in one session, but
 * also VACUUM and ANALYZE of it).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "definition/definition.h"
#include "util/util.h"

typedef struct GraphCacheEntry
{
	int64		definition_id;
	BpmGraph   *graph;
} GraphCacheEntry;

static HTAB *graph_cache = NULL;
static MemoryContext graph_cache_cxt = NULL;
static Oid	graph_cache_relid = InvalidOid;

/*
 * An invalidation can arrive in the middle of a step, whenever a lock is
 * taken (a VACUUM or ANALYZE of bpm.definition, a full invalidation
 * queue), while the step holds graphs of the cache: inside a transaction
 * the old cache is only detached, and goes with the transaction. Graphs
 * never outlive the transaction that got them.
 */
static void
graph_cache_reset(void)
{
	if (graph_cache_cxt && TopTransactionContext)
		MemoryContextSetParent(graph_cache_cxt, TopTransactionContext);
	else if (graph_cache_cxt)
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

	if (graph_cache == NULL)
		return graph;			/* invalidated meanwhile: good for this transaction */
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
