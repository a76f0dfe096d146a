/*
 * src/security/visibility.c
 *
 * Who may see a case. A case, and everything that belongs to it (its plan,
 * file, documents, comments, links, roles, tasks, jobs and events, and the
 * processes and cases it started, with theirs), is visible to its
 * participants: the holders of a role in it, and whoever has a task in it
 * (assigned to them, delegated by them, completed by them, or open for one
 * of their candidate groups). Who has a task in a process that a case
 * started sees that process but not the case. Instances with no case
 * above them stay visible to every role that may read schema bpm.
 * Operators (see bpm_is_operator) see everything.
 *
 * The rule is written once, here: row-level security policies call
 * bpm.may_see(instance_id) (src/sql/95_row_security.sql), and the API
 * functions, which run as the schema owner and so bypass those policies,
 * call bpm_require_may_see before they act.
 *
 * The policies call bpm.may_see for every row that a role other than an
 * operator reads, so caches keep it cheap, and a row they answer costs no
 * query, no SPI connection and no switch of identity:
 *  - the scope of an instance (the cases above it) never changes once it
 *    is created (parent_id and kind are set in the creating transaction),
 *    so it is kept for the life of the backend (until bpm.instance itself
 *    changes, e.g. DROP EXTENSION);
 *  - whether the actor participates is kept for one snapshot: all the rows
 *    of one query share the answer, as they share the snapshot;
 *  - a query over many instances (a worklist over thousands of cases)
 *    asks once per instance only for the first DIRECT_SET_AFTER of them:
 *    then the instances the actor participates in directly are read as one
 *    set, for the same snapshot, and every further instance is answered
 *    from its scope and that set, with no query.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "security/actor.h"
#include "security/identity.h"
#include "util/util.h"
#include "security/visibility.h"

/*
 * The statements are planned again when their tables change, under
 * whatever search_path the caller has then: hence every operator and
 * function is qualified, as in PostgreSQL's own referential-integrity
 * queries, and the owner need not pin search_path on every row.
 */

/* One step up the chain of an instance: is it a case, and what started it (0: nothing)? */
#define PARENT_SQL \
	"SELECT kind OPERATOR(pg_catalog.=) 'case', coalesce(parent_id, 0) FROM bpm.instance" \
	" WHERE id OPERATOR(pg_catalog.=) $1"

/* Does the actor participate in any of the instances $1? */
#define PARTICIPANT_SQL \
	"SELECT EXISTS (SELECT FROM bpm.case_role r" \
	"                WHERE r.case_id OPERATOR(pg_catalog.=) ANY ($1) AND r.actor OPERATOR(pg_catalog.=) $2)" \
	"    OR EXISTS (SELECT FROM bpm.task_store t" \
	"                WHERE t.instance_id OPERATOR(pg_catalog.=) ANY ($1)" \
	"                  AND (t.assignee OPERATOR(pg_catalog.=) $2 OR t.owner OPERATOR(pg_catalog.=) $2" \
	"                       OR t.completed_by OPERATOR(pg_catalog.=) $2" \
	"                       OR (t.status OPERATOR(pg_catalog.=) 'open' AND EXISTS (" \
	"                           SELECT FROM bpm.actor_group g WHERE g.actor OPERATOR(pg_catalog.=) $2" \
	"                              AND g.group_name OPERATOR(pg_catalog.=) ANY (t.candidate_groups)))))"

/*
 * The instances the actor participates in directly, all at once: the same
 * rule as PARTICIPANT_SQL, one instance at a time turned into one set.
 * Each branch is its own index scan (see the indexes on bpm.task_store in
 * src/sql/20_runtime.sql), none reads the whole task history; NULL
 * instance ids (free tasks) are left out. It runs once per snapshot at
 * most, so it is planned for each actor (BPM_SPI_CUSTOM_PLAN): a generic
 * plan cannot tell a rare actor from the most common one, and scans
 * bpm.case_role and bpm.task_store whole.
 */
#define DIRECT_SQL \
	"SELECT r.case_id FROM bpm.case_role r WHERE r.actor OPERATOR(pg_catalog.=) $1" \
	" UNION SELECT t.instance_id FROM bpm.task_store t" \
	"        WHERE t.assignee OPERATOR(pg_catalog.=) $1 AND t.instance_id IS NOT NULL" \
	" UNION SELECT t.instance_id FROM bpm.task_store t" \
	"        WHERE t.owner OPERATOR(pg_catalog.=) $1 AND t.instance_id IS NOT NULL" \
	" UNION SELECT t.instance_id FROM bpm.task_store t" \
	"        WHERE t.completed_by OPERATOR(pg_catalog.=) $1 AND t.instance_id IS NOT NULL" \
	" UNION SELECT t.instance_id FROM bpm.task_store t" \
	"        WHERE t.status OPERATOR(pg_catalog.=) 'open' AND t.instance_id IS NOT NULL" \
	"          AND t.candidate_groups OPERATOR(pg_catalog.&&)" \
	"              (SELECT pg_catalog.array_agg(g.group_name) FROM bpm.actor_group g" \
	"                WHERE g.actor OPERATOR(pg_catalog.=) $1)"

/*
 * How many instances of one snapshot are answered one participation query
 * each before the actor's direct participation is read as a whole. The
 * set costs as much as some dozens of those queries, more for an actor in
 * thousands of instances: a query over a case or a few (a case, its
 * history, its plan) never pays for the set, a worklist over thousands of
 * cases reads it once, and the bound is what a query that reads the set
 * pays on top of the best choice. The figures behind the number are in
 * bench/RESULTS.md ("Figures behind constants in the code").
 */
#define DIRECT_SET_AFTER 64

#define SCOPE_CACHE_MAX 65536

typedef struct Scope
{
	int64		instance_id;	/* hash key */
	int			nids;			/* 0: no case above it, everyone sees it */
	Datum		ids;			/* int8[]: the instance and the cases above it */
} Scope;

typedef struct Seen
{
	int64		instance_id;	/* hash key */
	bool		visible;
} Seen;

static MemoryContext scope_cxt = NULL;
static HTAB *scope_cache = NULL;
static Oid	scope_cache_relid = InvalidOid; /* bpm.instance when it was filled */
static bool scope_cache_stale = true;	/* set by a relcache invalidation of it */

static MemoryContext seen_cxt = NULL;
static HTAB *seen_cache = NULL;
static HTAB *direct_set = NULL; /* the instances of DIRECT_SQL, for the same snapshot; in seen_cxt */
static struct
{
	LocalTransactionId lxid;
	CommandId	curcid;
	TransactionId xmin;
	TransactionId xmax;
	uint32		xcnt;
	TransactionId *xip;			/* in seen_cxt */
	int32		subxcnt;		/* of subxip: 0 when not kept (see sub_xids) */
	TransactionId *subxip;
	bool		suboverflowed;
	bool		takenDuringRecovery;
	Oid			userid;
	bool		is_operator;	/* of userid: then every answer is yes */
	char	   *actor;
} seen_tag;

/* An empty hash table in cxt, keyed by instance id, sized for n entries. */
static HTAB *
new_cache_in(MemoryContext cxt, const char *name, Size entry_size, long n)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = entry_size;
	ctl.hcxt = cxt;
	return hash_create(name, Max(n, 256), &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* An empty cache in cxt (emptied first), keyed by instance id. */
static HTAB *
new_cache(MemoryContext cxt, const char *name, Size entry_size)
{
	MemoryContextReset(cxt);
	return new_cache_in(cxt, name, entry_size, 256);
}

/*
 * Relcache callback: bpm.instance changed (or every relation did). Its ids
 * may now name other instances (DROP and CREATE EXTENSION), so the scopes
 * are read again. VACUUM and ANALYZE of it also get here: rare enough.
 */
static void
scope_cache_invalidate(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == scope_cache_relid)
		scope_cache_stale = true;
}

/* The scope of an instance if it is known: no catalog access, no query. */
static bool
scope_lookup(int64 instance_id, Scope *scope)
{
	Scope	   *entry;

	if (scope_cache_stale || scope_cache == NULL)
		return false;
	entry = hash_search(scope_cache, &instance_id, HASH_FIND, NULL);
	if (entry)
		*scope = *entry;
	return entry != NULL;
}

/* An empty scope cache, for the bpm.instance of now. */
static void
scope_cache_renew(void)
{
	static bool callback_registered = false;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(scope_cache_invalidate, (Datum) 0);
		callback_registered = true;
	}
	if (scope_cxt == NULL)
		scope_cxt = AllocSetContextCreate(CacheMemoryContext, "pg_bpm instance scopes",
										  ALLOCSET_DEFAULT_SIZES);
	scope_cache = new_cache(scope_cxt, "pg_bpm instance scopes", sizeof(Scope));
	scope_cache_relid = get_relname_relid("instance", get_namespace_oid("bpm", false));
	scope_cache_stale = false;
}

/*
 * Read the scope of an instance and remember it (as the owner, SPI
 * connected): the instance and the cases above it, followed up parent_id
 * one primary-key lookup at a time (chains are short). An instance that
 * does not exist, or not yet in this snapshot, has no scope and is not
 * remembered.
 */
static Scope
scope_read(int64 instance_id)
{
	static BpmStatement up = {PARENT_SQL, 1, {INT8OID}, BPM_SPI_READ_ONLY | BPM_SPI_GENERIC_PLAN};
	Scope		found = {instance_id, 0, (Datum) 0};
	int			room = 4;
	Datum	   *ids = palloc(sizeof(Datum) * room);
	int			nids = 0;
	bool		under_case = false;
	int64		id;

	if (scope_cache_stale || scope_cache == NULL ||
		hash_get_num_entries(scope_cache) >= SCOPE_CACHE_MAX)
		scope_cache_renew();
	for (id = instance_id; id != 0; id = bpm_spi_int64(0, 2))
	{
		Datum		arg = Int64GetDatum(id);
		bool		is_case;

		if (bpm_spi_run(&up, &arg, NULL) == 0)
		{
			if (id == instance_id)
				return found;	/* no such instance (yet) */
			break;
		}
		is_case = DatumGetBool(bpm_spi_datum(0, 1, &(bool) {false}));
		under_case |= is_case;
		if (!is_case && id != instance_id)
			continue;			/* a process above: its people do not see this */
		if (nids == room)
			ids = repalloc(ids, sizeof(Datum) * (room *= 2));
		ids[nids++] = Int64GetDatum(id);
	}
	if (under_case)
	{
		MemoryContext old = MemoryContextSwitchTo(scope_cxt);

		found.ids = PointerGetDatum(construct_array(ids, nids, INT8OID, sizeof(int64),
													FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		found.nids = nids;
		MemoryContextSwitchTo(old);
	}
	*(Scope *) hash_search(scope_cache, &instance_id, HASH_ENTER, NULL) = found;
	return found;
}

/* The scope of an instance, known or read (as the owner, SPI connected). */
static Scope
scope_of(int64 instance_id)
{
	Scope		scope;

	return scope_lookup(instance_id, &scope) ? scope : scope_read(instance_id);
}

/* Does the actor participate in the scope? (As the owner, SPI connected.) */
static bool
participates(const Scope *scope, const char *actor, BpmStatement *stmt)
{
	Datum		values[2];
	bool		isnull;

	values[0] = scope->ids;
	values[1] = CStringGetTextDatum(actor);
	bpm_spi_run(stmt, values, NULL);
	return DatumGetBool(bpm_spi_datum(0, 1, &isnull));
}

/*
 * The set of the instances the actor participates in directly, read in the
 * query's snapshot (as the owner, SPI connected) into seen_cxt, so that it
 * is dropped with the answers of this snapshot.
 */
static HTAB *
direct_set_of(const char *actor)
{
	static BpmStatement direct = {DIRECT_SQL, 1, {TEXTOID}, BPM_SPI_READ_ONLY | BPM_SPI_CUSTOM_PLAN};
	Datum		arg = CStringGetTextDatum(actor);
	HTAB	   *set;
	int			n = bpm_spi_run(&direct, &arg, NULL);

	set = new_cache_in(seen_cxt, "pg_bpm direct participation", sizeof(int64), n);
	for (int row = 0; row < n; row++)
	{
		int64		id = bpm_spi_int64(row, 1);

		hash_search(set, &id, HASH_ENTER, NULL);
	}
	return set;
}

/* Does the actor participate in the scope, by the set? */
static bool
participates_by_set(const Scope *scope, HTAB *set)
{
	/* scope_read built the array: one dimension, no nulls, so no null bitmap */
	ArrayType  *ids = DatumGetArrayTypeP(scope->ids);
	const int64 *id = (const int64 *) ((char *) ids + ARR_OVERHEAD_NONULLS(1));

	Assert(!ARR_HASNULL(ids) && ARR_NDIM(ids) == 1 && ARR_DIMS(ids)[0] == scope->nids);

	for (int i = 0; i < scope->nids; i++)
		if (hash_search(set, &id[i], HASH_FIND, NULL) != NULL)
			return true;
	return false;
}

/*
 * The subtransaction ids a snapshot holds: none when they overflowed
 * (outside recovery CopySnapshot then keeps the count but not the array,
 * and visibility goes by the top-level ids in xip).
 */
static int32
sub_xids(Snapshot snap)
{
	return snap->suboverflowed && !snap->takenDuringRecovery ? 0 : snap->subxcnt;
}

static bool
same_xids(const TransactionId *a, const TransactionId *b, int64 n)
{
	return n == 0 || memcmp(a, b, n * sizeof(TransactionId)) == 0;
}

static TransactionId *
copy_xids(const TransactionId *xids, int64 n)
{
	TransactionId *copy;

	if (n == 0)
		return NULL;
	copy = MemoryContextAlloc(seen_cxt, n * sizeof(TransactionId));
	memcpy(copy, xids, n * sizeof(TransactionId));
	return copy;
}

/*
 * Was the cache filled for this snapshot, actor and role? Snapshots are
 * compared by what decides what they see: the command id, xmin, xmax and
 * the transactions in progress (xip, subxip). xmin and xmax alone do not
 * tell them apart: with a transaction older than both holding xmin back,
 * and one that began later committed before the first of them, a commit
 * in between changes only xip. (Not by the snapshot's
 * snapXactCompletionCount: the active snapshot is a copy, and copies have
 * none.) Another order of the same ids only costs a fresh start.
 */
static bool
tag_matches(Snapshot snap, Oid userid, const char *actor)
{
	return seen_tag.lxid == MyProc->lxid && seen_tag.curcid == snap->curcid &&
		seen_tag.xmin == snap->xmin && seen_tag.xmax == snap->xmax &&
		seen_tag.xcnt == snap->xcnt && same_xids(seen_tag.xip, snap->xip, snap->xcnt) &&
		seen_tag.suboverflowed == snap->suboverflowed &&
		seen_tag.takenDuringRecovery == snap->takenDuringRecovery &&
		seen_tag.subxcnt == sub_xids(snap) &&
		same_xids(seen_tag.subxip, snap->subxip, sub_xids(snap)) &&
		seen_tag.userid == userid && strcmp(seen_tag.actor, actor) == 0;
}

/* Remember what the cache is for (in seen_cxt, emptied with the cache). */
static void
tag_remember(Snapshot snap, Oid userid, const char *actor)
{
	seen_tag.lxid = MyProc->lxid;
	seen_tag.curcid = snap->curcid;
	seen_tag.xmin = snap->xmin;
	seen_tag.xmax = snap->xmax;
	seen_tag.xcnt = snap->xcnt;
	seen_tag.xip = copy_xids(snap->xip, snap->xcnt);
	seen_tag.suboverflowed = snap->suboverflowed;
	seen_tag.takenDuringRecovery = snap->takenDuringRecovery;
	seen_tag.subxcnt = sub_xids(snap);
	seen_tag.subxip = copy_xids(snap->subxip, seen_tag.subxcnt);
	seen_tag.userid = userid;
	seen_tag.is_operator = bpm_is_operator(userid);
	seen_tag.actor = MemoryContextStrdup(seen_cxt, actor);
}

/*
 * The answers for the current snapshot, actor and role: a new snapshot
 * that may see otherwise (a new statement after a change of this
 * transaction, or after another transaction ended) starts afresh.
 */
static HTAB *
seen_for(Snapshot snap, Oid userid, const char *actor)
{
	if (seen_cache != NULL && tag_matches(snap, userid, actor))
		return seen_cache;
	if (seen_cxt == NULL)
		seen_cxt = AllocSetContextCreate(CacheMemoryContext, "pg_bpm visibility",
										 ALLOCSET_SMALL_SIZES);
	seen_cache = new_cache(seen_cxt, "pg_bpm visibility", sizeof(Seen));
	direct_set = NULL;
	tag_remember(snap, userid, actor);
	return seen_cache;
}

/* Act as the owner with SPI connected, once per call of bpm.may_see at most. */
static void
enter_once(bool *entered, BpmIdentity *saved)
{
	if (*entered)
		return;
	bpm_become(bpm_schema_owner(), saved);
	bpm_spi_connect();
	*entered = true;
}

/*
 * bpm.may_see(instance_id bigint) RETURNS boolean
 *
 * May the current actor see the instance, and what belongs to it? The
 * row-level security policies call it; it reads in the query's snapshot.
 * Only what the caches do not know is read, as the owner.
 */
PG_FUNCTION_INFO_V1(bpm_may_see);
Datum
bpm_may_see(PG_FUNCTION_ARGS)
{
	static BpmStatement in_snapshot = {PARTICIPANT_SQL, 2, {INT8ARRAYOID, TEXTOID},
		BPM_SPI_READ_ONLY | BPM_SPI_GENERIC_PLAN};
	int64		instance_id = PG_GETARG_INT64(0);
	char	   *actor = bpm_current_actor_name();	/* before the switch: the caller's */
	Oid			userid = GetUserId();
	BpmIdentity saved;
	bool		entered = false;
	Scope		scope;
	HTAB	   *answers;
	Seen	   *seen;
	bool		visible = true;

	if (!scope_lookup(instance_id, &scope))
	{
		enter_once(&entered, &saved);
		scope = scope_read(instance_id);
	}
	if (scope.nids > 0)
	{
		answers = ActiveSnapshotSet() ? seen_for(GetActiveSnapshot(), userid, actor) : NULL;
		seen = answers ? hash_search(answers, &instance_id, HASH_FIND, NULL) : NULL;
		if (answers ? seen_tag.is_operator : bpm_is_operator(userid))
			visible = true;
		else if (seen)
			visible = seen->visible;
		else if (answers && direct_set != NULL)
			visible = participates_by_set(&scope, direct_set);
		else if (answers && hash_get_num_entries(answers) >= DIRECT_SET_AFTER)
		{
			enter_once(&entered, &saved);
			direct_set = direct_set_of(actor);
			visible = participates_by_set(&scope, direct_set);
		}
		else
		{
			enter_once(&entered, &saved);
			visible = participates(&scope, actor, &in_snapshot);
			if (answers)
				((Seen *) hash_search(answers, &instance_id, HASH_ENTER, NULL))->visible = visible;
		}
	}
	if (entered)
	{
		bpm_spi_finish();
		bpm_restore_identity(&saved);
	}
	PG_RETURN_BOOL(visible);
}

/*
 * May the actor see the instance now? For the API functions, which run as
 * the owner with SPI connected, after they have locked the instance: this
 * reads in a new snapshot, so it sees what committed while they waited.
 */
bool
bpm_actor_may_see(int64 instance_id, const char *actor)
{
	static BpmStatement now = {PARTICIPANT_SQL, 2, {INT8ARRAYOID, TEXTOID}, BPM_SPI_GENERIC_PLAN};
	Scope		scope = scope_of(instance_id);

	return scope.nids == 0 || participates(&scope, actor, &now);
}

#define NOT_VISIBLE_DETAIL \
	"A case is seen by its participants (the holders of a role in it and those with a task in it) and by operators."

/*
 * Refuse (42501) a caller who is not an operator when the actor may not
 * see the instance: a case, or something below one. The engine calls it
 * as bpm_require_may_see (process/engine.h), with an instance it holds.
 */
void
bpm_require_may_see_instance(int64 instance_id, bool is_case, const char *actor, Oid caller)
{
	if (bpm_is_operator(caller) || bpm_actor_may_see(instance_id, actor))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("\"%s\" may not see %s %lld", actor,
					is_case ? "case" : "instance", (long long) instance_id),
			 errdetail(NOT_VISIBLE_DETAIL),
			 errhint("An owner of the case grants a role with bpm.grant_case_role.")));
}

/* The same for a task of an instance (free tasks, instance_id 0, are seen by all). */
void
bpm_require_may_see_task(int64 task_id, int64 instance_id, const char *actor, Oid caller)
{
	if (instance_id == 0 || bpm_is_operator(caller) || bpm_actor_may_see(instance_id, actor))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("\"%s\" may not see task %lld", actor, (long long) task_id),
			 errdetail("It belongs to instance %lld. " NOT_VISIBLE_DETAIL, (long long) instance_id),
			 errhint("An owner of the case grants a role with bpm.grant_case_role.")));
}
