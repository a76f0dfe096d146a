/*
 * src/definition/deploy.c
 *
 * bpm.deploy: a new version of a definition, its nodes and flows, the
 * timers of its timer start events (process/start_timer.c), and the
 * definition_deployed event.
 *
 * A deployment is validated completely (compile.c) before anything is
 * written. A new version of a key that has one is for the role that
 * deployed its first version, its members and operators (42501). Deployments of one key are serialised by a transaction-scoped
 * advisory lock on the key, so concurrent migrations get consecutive
 * versions. Content identical to the latest version returns that version.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "security/security.h"
#include "audit/audit.h"
#include "definition/definition.h"
#include "definition/properties.h"
#include "util/util.h"

/* set at load time by process/ (start timers): see definition.h */
static BpmDeployedHook deployed_hook = NULL;

void
bpm_deploy_register_hook(BpmDeployedHook hook)
{
	deployed_hook = hook;
}

/* First key of the advisory locks pg_bpm takes: 'bpm' in ASCII. */
#define BPM_ADVISORY_CLASS 0x62706d

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

/*
 * May the deployer add a version to a key that has one (42501 if not)?
 * Until the rights model of 0.3 makes the right to deploy explicit: the
 * role that deployed the key's first version, the roles with its
 * privileges (its members, superusers) and operators. Otherwise any role
 * could replace the definition that someone else's processes and case
 * tasks start.
 */
static void
check_may_add_version(const char *key, Oid deployer)
{
	static BpmStatement first = {
		"SELECT deployed_by_oid FROM bpm.definition WHERE key = $1 ORDER BY version LIMIT 1",
		1, {TEXTOID}
	};
	Datum		arg = CStringGetTextDatum(key);
	bool		isnull;
	Oid			owner;
	char	   *name;

	if (bpm_spi_run(&first, &arg, NULL) != 1)
		elog(ERROR, "pg_bpm: key \"%s\" has a latest version but no first", key);
	owner = DatumGetObjectId(bpm_spi_datum(0, 1, &isnull));
	if (has_privs_of_role(deployer, owner) || bpm_is_operator(deployer))
		return;
	name = GetUserNameFromId(owner, true);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to deploy a new version of \"%s\"", key),
			 name
			 ? errdetail("Its first version was deployed by role \"%s\"; new versions may be deployed by that role, its members and operators.", name)
			 : errdetail("Its first version was deployed by a role that no longer exists (OID %u); new versions may be deployed by operators.", owner),
			 errhint("Ask an operator (a role with the privileges of the owner of schema bpm) to deploy it, or to grant you that role; or deploy under a new key.")));
}

/*
 * 42P17 when a name of the definition is longer than max bytes: the names
 * that bpm.definition, bpm.node, bpm.flow, bpm.plan_item, bpm.job and
 * bpm.case_role index (util/names.h), and a topic, which NOTIFY announces.
 * The element is named by the beginning of its id when that is the name.
 */
static void
check_length(const BpmGraph *g, const char *element, const char *what, const char *name, int max)
{
	int			len = strlen(name);

	if (len <= max)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("definition \"%s\": %s%s%s is too long: %d bytes, at most %d",
					bpm_name_clip(g->key), element ? element : "", element ? ": " : "", what,
					len, max),
			 errdetail("It is \"%s\".", bpm_name_clip(name))));
}

/*
 * A case role's holders are the group "case:<case id>:<role>"
 * (case/case_role.c), which is a name too: "case:", 20 digits and ":"
 * leave the role 26 bytes less.
 */
#define ROLE_MAX (BPM_NAME_MAX - 26)

/* Every name the definition stores is short enough to be indexed (and a topic to be sent). */
static void
check_name_lengths(const BpmGraph *g)
{
	int			i;

	check_length(g, NULL, "its \"key\"", g->key, BPM_NAME_MAX);
	for (i = 0; i < g->nnodes; i++)
	{
		const BpmNode *n = &g->nodes[i];
		char	   *element = psprintf("%s \"%s\"", g->is_case ? "plan item" : "node",
									   bpm_name_clip(n->id));

		check_length(g, element, "its \"id\"", n->id, BPM_NAME_MAX);
		if (n->topic)
			check_length(g, element, "its \"topic\"", n->topic, BPM_NAME_MAX);
	}
	/* a flow's id may be "<from>-><to>", two node ids and the arrow */
	for (i = 0; i < g->nflows; i++)
		check_length(g, "a flow", "its \"id\"", g->flows[i].id, 2 * BPM_NAME_MAX + 2);
	for (i = 0; i < g->nroles; i++)
		check_length(g, "a role", "its name", g->roles[i], ROLE_MAX);
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

/*
 * The checks of a version's timers that depend on the moment it is stored
 * and on the server's time zones (properties.c): made once, here, since a
 * backend that compiles the stored version later must not refuse it.
 */
static void
check_timers(BpmGraph *g)
{
	int			i;

	for (i = 0; i < g->nnodes; i++)
	{
		BpmNode    *n = &g->nodes[i];

		if (n->timer.kind != BPM_TIMER_NONE)
			bpm_prop_timer_deployable(g->key, psprintf("%s \"%s\"", g->is_case ? "plan item" : "node", n->id),
									  &n->timer);
	}
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
	check_timers(g);
	insert_definition(&stmt, values, nulls, g->key);
	id = bpm_spi_int64(0, 1);

	store_nodes(id, g);
	store_flows(id, g);
	if (deployed_hook)
		deployed_hook(g, id);

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
 * element for an invalid definition (also a key, node id or topic longer
 * than 1000 bytes, util/names.h, or a role longer than 974), 42883 / 42501 for a script function
 * that is missing or not executable by the deployer, 42501 for a new
 * version of a key by a role that may not add one (check_may_add_version).
 * Writes nothing on error.
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
	check_name_lengths(graph);
	hash = content_hash(source);

	/* written as the owner of schema bpm, as the engine writes */
	bpm_engine_enter(&saved);
	lock_key(graph->key);
	id = find_identical_latest(graph->key, hash, &latest);
	if (id == 0 && latest > 0)
		check_may_add_version(graph->key, deployer);
	if (id == 0)
		id = store_definition(source, graph, hash, latest + 1, actor, deployer);
	bpm_engine_leave(&saved);
	PG_RETURN_INT64(id);
}
