/*
 * src/process/tokens.c
 *
 * The tokens of a step (run.h): a growing array of them in memory, found
 * by index (never by a pointer kept across a token_add, which may move
 * the array), and a FIFO of those still moving. A step loads the
 * instance's resting tokens from bpm.token, and writes only what changed:
 * a token that comes to rest is inserted or updated, a consumed one
 * deleted; at the end the instance row anchors the hash of the tokens it
 * rests with (bpm.verify_state).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "audit/audit.h"
#include "process/run.h"
#include "util/util.h"

static const char *const token_state_names[] = {"moving", "waiting", "joining", "scope", "done"};

void
bpm_run_init(Run *run, BpmInstance *inst)
{
	memset(run, 0, sizeof(Run));
	run->inst = inst;
	run->g = inst->graph;
	run->maxtokens = 16;
	run->tokens = palloc(sizeof(Token) * run->maxtokens);
	run->qmax = 16;
	run->queue = palloc(sizeof(int) * run->qmax);
	run->entries = palloc0(sizeof(int) * run->g->nnodes);
}

void
bpm_run_push(Run *run, int t)
{
	run->tokens[t].state = TOKEN_MOVING;
	if (run->qtail == run->qmax)
	{
		run->qmax *= 2;
		run->queue = repalloc(run->queue, sizeof(int) * run->qmax);
	}
	run->queue[run->qtail++] = t;
}

int
bpm_token_add(Run *run, int64 row_id, int node, int scope, int via, TokenState state)
{
	Token	   *t;

	if (run->ntokens == run->maxtokens)
	{
		run->maxtokens *= 2;
		run->tokens = repalloc(run->tokens, sizeof(Token) * run->maxtokens);
	}
	t = &run->tokens[run->ntokens];
	t->row_id = row_id;
	t->node = node;
	t->scope = scope;
	t->via = via;
	t->state = state;
	t->dirty = false;
	t->continuing = false;
	return run->ntokens++;
}

int
bpm_token_new(Run *run, int node, int scope, int via)
{
	int			t = bpm_token_add(run, 0, node, scope, via, TOKEN_MOVING);

	bpm_run_push(run, t);
	return t;
}

/* Write a resting token's row: insert the first time, update later. */
void
bpm_token_write(Run *run, int t)
{
	static BpmStatement insert = {
		"INSERT INTO bpm.token (instance_id, node_id, scope_id, state, arrived_via) "
		"VALUES ($1, $2, $3, $4, $5) RETURNING id",
		5, {INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID}
	};
	static BpmStatement update = {
		"UPDATE bpm.token SET node_id = $3, scope_id = $4, state = $5, arrived_via = $6 "
		"WHERE instance_id = $1 AND id = $2",
		6, {INT8OID, INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID}
	};
	Token	   *tok = &run->tokens[t];
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	int			k = 0;

	values[k++] = Int64GetDatum(run->inst->id);
	if (tok->row_id)
		values[k++] = Int64GetDatum(tok->row_id);
	values[k++] = CStringGetTextDatum(run->g->nodes[tok->node].id);
	nulls[k] = BPM_NULL(tok->scope < 0);
	values[k++] = tok->scope >= 0 ? Int64GetDatum(run->tokens[tok->scope].row_id) : (Datum) 0;
	values[k++] = CStringGetTextDatum(token_state_names[tok->state]);
	nulls[k] = BPM_NULL(tok->via < 0);
	values[k++] = tok->via >= 0 ? CStringGetTextDatum(run->g->flows[tok->via].id) : (Datum) 0;

	if (tok->row_id)
		bpm_spi_run(&update, values, nulls);
	else
	{
		bpm_spi_run(&insert, values, nulls);
		tok->row_id = bpm_spi_int64(0, 1);
	}
	tok->dirty = false;
}

void
bpm_token_rest(Run *run, int t, TokenState state)
{
	run->tokens[t].state = state;
	if (state == TOKEN_JOINING)
		run->tokens[t].dirty = true;	/* written at the end if still joining */
	else
		bpm_token_write(run, t);
}

void
bpm_token_done(Run *run, int t)
{
	static BpmStatement delete = {
		"DELETE FROM bpm.token WHERE instance_id = $1 AND id = $2",
		2, {INT8OID, INT8OID}
	};
	Token	   *tok = &run->tokens[t];

	tok->state = TOKEN_DONE;
	tok->dirty = false;
	if (tok->row_id)
	{
		Datum		values[2] = {Int64GetDatum(run->inst->id), Int64GetDatum(tok->row_id)};

		bpm_spi_run(&delete, values, NULL);
	}
}

bool
bpm_token_is_live(Token *tok)
{
	return tok->state != TOKEN_DONE;
}

/*
 * The step is over: the instance row anchors the tokens it now rests with
 * (bpm_tokens_hash), so that bpm.verify_state finds a token changed,
 * added or removed behind the engine's back.
 */
void
bpm_run_anchor_tokens(Run *run)
{
	BpmTokenRow *rows = palloc(sizeof(BpmTokenRow) * (run->ntokens + 1));
	int			n = 0;
	int			i;

	for (i = 0; i < run->ntokens; i++)
	{
		Token	   *tok = &run->tokens[i];

		if (!bpm_token_is_live(tok) || tok->row_id == 0)
			continue;
		rows[n].id = tok->row_id;
		rows[n].node_id = run->g->nodes[tok->node].id;
		rows[n].scope_id = tok->scope >= 0 ? run->tokens[tok->scope].row_id : 0;
		rows[n].state = token_state_names[tok->state];
		rows[n].via = tok->via >= 0 ? run->g->flows[tok->via].id : NULL;
		n++;
	}
	bpm_tokens_hash(run->inst->id, rows, n, run->inst->tokens_hash);
	run->inst->tokens_dirty = true;
}

static int
flow_index(BpmGraph *g, BpmNode *node, const char *flow_id)
{
	int			i;

	for (i = 0; flow_id && i < node->nin; i++)
		if (strcmp(g->flows[node->incoming[i]].id, flow_id) == 0)
			return node->incoming[i];
	return -1;
}

/* Load the instance's resting tokens (parents before children: id order). */
void
bpm_run_load_tokens(Run *run)
{
	static BpmStatement stmt = {
		"SELECT id, node_id, scope_id, state, arrived_via FROM bpm.token "
		"WHERE instance_id = $1 ORDER BY id",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(run->inst->id);
	int			n = bpm_spi_run(&stmt, &arg, NULL);
	int			i;

	for (i = 0; i < n; i++)
	{
		char	   *node_id = bpm_spi_text(i, 2);
		int64		scope_row = bpm_spi_int64(i, 3);
		char	   *state = bpm_spi_text(i, 4);
		int			node = bpm_graph_find(run->g, node_id);
		int			scope = -1;
		TokenState	st = TOKEN_WAITING;
		int			j;

		if (node < 0)
			elog(ERROR, "pg_bpm: token of instance %lld rests at unknown node \"%s\"",
				 (long long) run->inst->id, node_id);
		for (j = 0; j < run->ntokens && scope_row != 0; j++)
			if (run->tokens[j].row_id == scope_row)
				scope = j;
		for (j = TOKEN_WAITING; j <= TOKEN_SCOPE; j++)
			if (strcmp(state, token_state_names[j]) == 0)
				st = (TokenState) j;
		bpm_token_add(run, bpm_spi_int64(i, 1), node, scope,
				  flow_index(run->g, &run->g->nodes[node], bpm_spi_text(i, 5)), st);
	}
}

/* The waiting token with this row id, or an error. */
int
bpm_run_waiting_token(Run *run, int64 token_id)
{
	int			i;

	for (i = 0; i < run->ntokens; i++)
		if (run->tokens[i].row_id == token_id && run->tokens[i].state == TOKEN_WAITING)
			return i;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("instance %lld no longer waits at this activity", (long long) run->inst->id),
			 errdetail("An earlier change in the same statement moved the process on (for example, it reached a terminate end event).")));
	return -1;
}
