/*
 * src/case/case_link.c
 *
 * Links between cases: related, duplicate, parent and child. One row of
 * bpm.case_link per linked pair, read as "case_id is <kind> of
 * linked_case_id":
 *
 *   kind        stored as                      seen from case_id / linked_case_id
 *   related     (lower id, higher id)          related / related
 *   duplicate   (the duplicate, the original)  duplicate_of / duplicated_by
 *   parent      (the parent, the child)        parent_of / child_of
 *
 * Two cases have at most one link; a case has at most one parent, and the
 * parent links form no cycle. Linking locks both instance rows in the order
 * of their family roots' ids, then of their own (each after its root,
 * process/family.c), so that two links of the same pair, or of two
 * families, never deadlock; then, for a parent link, a transaction-level
 * advisory lock that serialises the changes of the hierarchy, so that two
 * links made at once cannot close a cycle that neither sees. Each link and unlink is an event on both cases' chains.
 * Links are no change of the case file, and closed cases can be linked.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "security/security.h"
#include "process/process.h"
#include "util/util.h"
#include "time/time.h"

/* The kinds link_cases accepts: the stored kind, and whether the pair turns around. */
typedef struct LinkKind
{
	const char *name;
	const char *stored;
	bool		reversed;
} LinkKind;

static const LinkKind link_kinds[] = {
	{"related", "related", false},
	{"duplicate_of", "duplicate", false},
	{"duplicate", "duplicate", false},
	{"duplicated_by", "duplicate", true},
	{"parent_of", "parent", false},
	{"parent", "parent", false},
	{"child_of", "parent", true},
	{"child", "parent", true},
};

static const LinkKind *
find_kind(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(link_kinds); i++)
		if (strcmp(link_kinds[i].name, name) == 0)
			return &link_kinds[i];
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("\"%s\" is not a kind of case link", name),
			 errhint("The kinds are related, duplicate_of, duplicated_by, parent_of and child_of "
					 "(duplicate, parent and child for short).")));
	return NULL;				/* not reached */
}

/* A stored link as seen from one of its ends. */
static const char *
seen_from(const char *stored, bool from_case_id)
{
	if (strcmp(stored, "duplicate") == 0)
		return from_case_id ? "duplicate_of" : "duplicated_by";
	if (strcmp(stored, "parent") == 0)
		return from_case_id ? "parent_of" : "child_of";
	return stored;
}

/*
 * Lock both cases' instance rows, the lower id first; each must be a case
 * (42704 / 42809) that the actor may see (42501). inst[0] is case a,
 * inst[1] case b.
 */
static void
lock_pair(BpmInstance inst[2], int64 a, int64 b, const char *actor, Oid caller)
{
	int64		roots[2] = {bpm_family_root(a), bpm_family_root(b)};
	int			first = roots[0] < roots[1] || (roots[0] == roots[1] && a < b) ? 0 : 1;
	int64		ids[2] = {a, b};
	int			k;

	if (a == b)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("case %lld cannot be linked to itself", (long long) a)));
	for (k = 0; k < 2; k++)
	{
		BpmInstance *i = &inst[k == 0 ? first : 1 - first];

		bpm_instance_lock(i, ids[k == 0 ? first : 1 - first], actor);
		if (!i->graph->is_case)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("instance %lld is a process, not a case", (long long) i->id),
					 errhint("Only cases can be linked.")));
		bpm_require_may_see(i, caller);
	}
}

/* Record a link or unlink on both chains, each as seen from that case. */
static void
record(BpmInstance inst[2], const char *event, const char *stored, bool a_is_case_id)
{
	int			k;

	for (k = 0; k < 2; k++)
	{
		bpm_event(&inst[k], event, NULL, 0, 0,
				  bpm_jb_build(2, (const char *[]) {"kind", "linked_case"},
							   (Jsonb *[]) {bpm_jb_string(seen_from(stored, (k == 0) == a_is_case_id)),
		bpm_jb_int(inst[1 - k].id)}));
		bpm_instance_save(&inst[k]);
	}
}

/* The link between two cases, as seen from case a; NULL if none. */
static const char *
existing_link(int64 a, int64 b)
{
	static BpmStatement stmt = {
		"SELECT kind, case_id = $1 FROM bpm.case_link "
		"WHERE (case_id, linked_case_id) IN (($1, $2), ($2, $1))",
		2, {INT8OID, INT8OID}
	};
	Datum		values[2] = {Int64GetDatum(a), Int64GetDatum(b)};
	bool		isnull;

	if (bpm_spi_run(&stmt, values, NULL) == 0)
		return NULL;
	return seen_from(bpm_spi_text(0, 1), DatumGetBool(bpm_spi_datum(0, 2, &isnull)));
}

/* A parent link: the child has no parent yet (23505), the parent is not below the child (23514). */
static void
check_hierarchy(int64 parent, int64 child)
{
	static BpmStatement serialise = {
		"SELECT pg_advisory_xact_lock('bpm.case_link'::regclass::oid::integer, 0)", 0, {0}
	};
	static BpmStatement parent_of = {
		"SELECT case_id FROM bpm.case_link WHERE linked_case_id = $1 AND kind = 'parent'",
		1, {INT8OID}
	};
	static BpmStatement below = {
		"WITH RECURSIVE up (id) AS (SELECT $1 UNION "
		"SELECT l.case_id FROM bpm.case_link l JOIN up ON l.linked_case_id = up.id "
		"AND l.kind = 'parent') SELECT 1 FROM up WHERE id = $2",
		2, {INT8OID, INT8OID}
	};
	Datum		values[2] = {Int64GetDatum(parent), Int64GetDatum(child)};

	bpm_spi_run(&serialise, NULL, NULL);
	if (bpm_spi_run(&parent_of, &values[1], NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("case %lld has a parent already: case %lld",
						(long long) child, (long long) bpm_spi_int64(0, 1)),
				 errhint("A case has one parent; unlink it first with bpm.unlink_cases.")));
	if (bpm_spi_run(&below, values, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("case %lld cannot be the parent of case %lld: it is a descendant of it",
						(long long) parent, (long long) child)));
}

/*
 * bpm.link_cases(case_id bigint, linked_case_id bigint, kind text DEFAULT 'related')
 *     RETURNS void
 *
 * Links two cases: "case_id is <kind> of linked_case_id", kind one of
 * related, duplicate_of, duplicated_by, parent_of, child_of (or duplicate,
 * parent, child). Linking the same pair the same way again does nothing.
 * Locks both instance rows in id order; for a parent link also the
 * hierarchy (an advisory lock held to the end of the transaction). 22004 a
 * NULL argument, 22023 an unknown kind or a case linked to itself, 42704 no
 * such case, 42809 a process instance, 23505 the pair is linked otherwise
 * already or the child has a parent, 23514 a parent link that would close
 * a cycle.
 */
PG_FUNCTION_INFO_V1(bpm_link_cases);
Datum
bpm_link_cases(PG_FUNCTION_ARGS)
{
	static BpmStatement insert = {
		"INSERT INTO bpm.case_link (case_id, linked_case_id, kind, linked_at, linked_by) "
		"VALUES ($1, $2, $3, $4, $5)",
		5, {INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID, TEXTOID}
	};
	char	   *actor = bpm_current_actor_name();
	int64		a;
	int64		b;
	const LinkKind *kind;
	const char *wanted;
	const char *existing;
	BpmIdentity saved;
	BpmInstance inst[2];
	bool		a_first;
	Datum		values[5];

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, "linked case id");
	bpm_require_arg(fcinfo, 2, "kind");
	a = PG_GETARG_INT64(0);
	b = PG_GETARG_INT64(1);
	kind = find_kind(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	wanted = seen_from(kind->stored, !kind->reversed);

	bpm_engine_enter(&saved);
	lock_pair(inst, a, b, actor, saved.userid);
	existing = existing_link(a, b);
	if (existing && strcmp(existing, wanted) == 0)
	{
		bpm_engine_leave(&saved);	/* linked so already */
		PG_RETURN_VOID();
	}
	if (existing)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("cases %lld and %lld are linked already: %lld is %s %lld",
						(long long) a, (long long) b, (long long) a, existing, (long long) b),
				 errhint("Two cases have one link; unlink them first with bpm.unlink_cases.")));
	/* the stored row: case_id first, related ones by id */
	a_first = strcmp(kind->stored, "related") == 0 ? a < b : !kind->reversed;
	if (strcmp(kind->stored, "parent") == 0)
		check_hierarchy(a_first ? a : b, a_first ? b : a);
	values[0] = Int64GetDatum(a_first ? a : b);
	values[1] = Int64GetDatum(a_first ? b : a);
	values[2] = CStringGetTextDatum(kind->stored);
	values[3] = TimestampTzGetDatum(bpm_clock_now());
	values[4] = CStringGetTextDatum(actor);
	bpm_spi_run(&insert, values, NULL);
	record(inst, "case_linked", kind->stored, a_first);
	bpm_engine_leave(&saved);
	PG_RETURN_VOID();
}

/*
 * bpm.unlink_cases(case_id bigint, linked_case_id bigint) RETURNS boolean
 *
 * Removes the link between two cases, whichever its kind and direction;
 * true if there was one (event case_unlinked on both chains), false if
 * not. Locks both instance rows in id order. 22004, 22023, 42704, 42809 as
 * for bpm.link_cases.
 */
PG_FUNCTION_INFO_V1(bpm_unlink_cases);
Datum
bpm_unlink_cases(PG_FUNCTION_ARGS)
{
	static BpmStatement delete = {
		"DELETE FROM bpm.case_link WHERE (case_id, linked_case_id) IN (($1, $2), ($2, $1)) "
		"RETURNING kind, case_id = $1",
		2, {INT8OID, INT8OID}
	};
	char	   *actor = bpm_current_actor_name();
	BpmIdentity saved;
	BpmInstance inst[2];
	Datum		values[2];
	bool		found;

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, "linked case id");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);

	bpm_engine_enter(&saved);
	lock_pair(inst, PG_GETARG_INT64(0), PG_GETARG_INT64(1), actor, saved.userid);
	found = bpm_spi_run(&delete, values, NULL) > 0;
	if (found)
	{
		bool		isnull;

		record(inst, "case_unlinked", bpm_spi_text(0, 1),
			   DatumGetBool(bpm_spi_datum(0, 2, &isnull)));
	}
	bpm_engine_leave(&saved);
	PG_RETURN_BOOL(found);
}
