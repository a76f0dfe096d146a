/*
 * src/process/engine.c
 *
 * The step loop: move the tokens of one locked instance until every token
 * rests (at a task, a join or inside a sub-process) or is consumed. The
 * token state machine is drawn in engine.h.
 *
 * A step loads the instance's resting tokens, works on them in memory, and
 * writes only what changed (tokens.c), the instance row saved once at the
 * end. Every node a token enters is a token_moved event.
 *
 * Joins. A parallel join fires when a token has arrived on each incoming
 * flow; it consumes one token per flow. An inclusive join fires once no
 * other live token of its scope can still reach it (definition/graph_check.c
 * precomputes which nodes can); it consumes every token waiting at it.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "process/boundary.h"
#include "process/engine.h"
#include "process/run.h"
#include "security/security.h"
#include "util/util.h"
#include "time/time.h"

/*
 * A step that enters one node more often than this without resting is a
 * loop: a guard against real loops only, so that a long acyclic chain of
 * nodes (each entered once) runs to its end.
 */
#define MAX_ENTRIES_PER_NODE 10000

static void run_loop(Run *run);

/* Is token t inside scope (directly or nested)? Every token is inside -1. */
static bool
inside(Run *run, int t, int scope)
{
	int			s = run->tokens[t].scope;

	if (scope < 0)
		return true;
	for (; s >= 0; s = run->tokens[s].scope)
		if (s == scope)
			return true;
	return false;
}

/* Token t leaves its node by the given flows; extra flows fork new tokens. */
static void
take_flows(Run *run, int t, const int *flows, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		int			target = run->g->flows[flows[i]].target;

		if (i == 0)
		{
			run->tokens[t].node = target;
			run->tokens[t].via = flows[i];
			bpm_run_push(run, t);
		}
		else
			bpm_token_new(run, target, run->tokens[t].scope, flows[i]);
	}
}

static void
take_all_outgoing(Run *run, int t)
{
	BpmNode    *node = &run->g->nodes[run->tokens[t].node];

	take_flows(run, t, node->outgoing, node->nout);
}

/* When the last live token of a scope is gone, the scope completes. */
static void
scope_check(Run *run, int scope)
{
	int			i;

	for (i = 0; i < run->ntokens; i++)
		if (bpm_token_is_live(&run->tokens[i]) && run->tokens[i].scope == scope)
			return;
	if (scope >= 0)
	{
		if (run->g->nodes[run->tokens[scope].node].has_timer_boundary)
			bpm_activity_disarm(run->inst, run->tokens[scope].row_id);
		take_all_outgoing(run, scope);
	}
	else if (strcmp(run->inst->state, "running") == 0)
		bpm_instance_end(run->inst, "completed", NULL);
}

/* End every live token inside scope, cancelling the work they wait on. */
static void
kill_scope(Run *run, int scope)
{
	int			i;

	for (i = 0; i < run->ntokens; i++)
	{
		Token	   *tok = &run->tokens[i];

		if (!bpm_token_is_live(tok) || !inside(run, i, scope))
			continue;
		if (tok->state == TOKEN_WAITING)
			bpm_activity_cancel_work(run->inst, tok->row_id);
		bpm_token_done(run, i);
	}
}

/* A joining token at t's node and scope that arrived by flow, or -1. */
static int
joining_by(Run *run, int t, int flow)
{
	Token	   *me = &run->tokens[t];
	int			j;

	if (me->via == flow)
		return t;
	for (j = 0; j < run->ntokens; j++)
	{
		Token	   *tok = &run->tokens[j];

		if (tok->state == TOKEN_JOINING && tok->node == me->node &&
			tok->scope == me->scope && tok->via == flow)
			return j;
	}
	return -1;
}

/* Parallel join: fire when every incoming flow has a token. */
static void
parallel_join(Run *run, int t)
{
	BpmNode    *node = &run->g->nodes[run->tokens[t].node];
	int		   *found = palloc(sizeof(int) * node->nin);
	int			i;

	bpm_token_rest(run, t, TOKEN_JOINING);
	for (i = 0; i < node->nin; i++)
		if ((found[i] = joining_by(run, t, node->incoming[i])) < 0)
			return;				/* still waiting for a branch */
	for (i = 0; i < node->nin; i++)
		if (found[i] != t)
			bpm_token_done(run, found[i]);
	run->tokens[t].dirty = false;
	take_all_outgoing(run, t);
}

/* Can a live token of the join's scope still reach the inclusive join? */
static bool
inclusive_join_blocked(Run *run, int join_token)
{
	Token	   *jt = &run->tokens[join_token];
	BpmNode    *join = &run->g->nodes[jt->node];
	int			i;

	for (i = 0; i < run->ntokens; i++)
	{
		Token	   *tok = &run->tokens[i];

		if (!bpm_token_is_live(tok) || tok->scope != jt->scope)
			continue;
		if (tok->state == TOKEN_JOINING && tok->node == jt->node)
			continue;
		if (join->reaches_me[tok->node])
			return true;
	}
	return false;
}

/* Fire every inclusive join nothing can reach any more; true if one fired. */
static bool
fire_inclusive_joins(Run *run)
{
	bool		fired = false;
	int			i;
	int			j;

	for (i = 0; i < run->ntokens; i++)
	{
		Token	   *tok = &run->tokens[i];
		BpmNode    *node = &run->g->nodes[tok->node];
		int		   *chosen;
		int			n;

		if (tok->state != TOKEN_JOINING || node->kind != BPM_INCLUSIVE_GATEWAY ||
			inclusive_join_blocked(run, i))
			continue;
		for (j = i + 1; j < run->ntokens; j++)
			if (run->tokens[j].state == TOKEN_JOINING && run->tokens[j].node == tok->node &&
				run->tokens[j].scope == tok->scope)
				bpm_token_done(run, j);
		tok->dirty = false;
		chosen = palloc(sizeof(int) * node->nout);
		n = bpm_gateway_choose(run->inst, node, chosen);
		take_flows(run, i, chosen, n);
		fired = true;
	}
	return fired;
}

static Jsonb *
moved_data(Run *run, int via)
{
	if (via < 0)
		return NULL;
	return bpm_jb_build(1, (const char *[]) {"flow"},
						(Jsonb *[]) {bpm_jb_string(run->g->flows[via].id)});
}

/* Token t, or the sub-process token around it, that rests at node. */
static int
token_at(Run *run, int t, int node)
{
	for (; t >= 0; t = run->tokens[t].scope)
		if (run->tokens[t].node == node)
			return t;
	elog(ERROR, "pg_bpm: no token of instance %lld rests at \"%s\"",
		 (long long) run->inst->id, run->g->nodes[node].id);
	return -1;
}

/*
 * Boundary event b fires on the activity token t rests at. Interrupting:
 * the activity's work is cancelled (a sub-process's inner tokens, tasks
 * and jobs too) and t leaves by the boundary's flows. Otherwise a new
 * token leaves by them and t stays. A caught error ({"code", "message"})
 * is merged into the data as "error".
 */
static void
fire_boundary(Run *run, int t, int b, int64 job_id, Jsonb *error, int occurrence)
{
	BpmNode    *bn = &run->g->nodes[b];
	const char *keys[3] = {"attached_to", "interrupting", "occurrence"};
	Jsonb	   *vals[3];
	int			leaving = t;

	vals[0] = bpm_jb_string(run->g->nodes[bn->attached_to].id);
	vals[1] = bpm_jb_bool(bn->interrupting);
	vals[2] = bpm_jb_int(occurrence);
	bpm_event(run->inst, "boundary_fired", bn->id, 0, job_id,
			  bpm_jb_build(occurrence ? 3 : 2, keys, vals));
	if (bn->interrupting)
	{
		if (run->tokens[t].state == TOKEN_SCOPE)
			kill_scope(run, t);
		bpm_activity_cancel_work(run->inst, run->tokens[t].row_id);
		run->tokens[t].node = b;
	}
	else
		leaving = bpm_token_add(run, 0, b, run->tokens[t].scope, -1, TOKEN_MOVING);
	if (error)
		bpm_instance_merge(run->inst,
						   bpm_jb_build(1, (const char *[]) {"error"}, (Jsonb *[]) {error}),
						   bn->id, 0, 0);
	take_all_outgoing(run, leaving);
}

typedef struct ScriptCall
{
	BpmInstance *inst;
	BpmNode    *node;
} ScriptCall;

static void
call_script(void *arg)
{
	ScriptCall *call = arg;

	bpm_activity_run_script(call->inst, call->node, 0);
}

/*
 * A script task: call its function and leave. When a sub-process around it
 * has an error boundary event, the call runs in a subtransaction, so that a
 * BPMN error the boundary catches rolls back only the function's own work;
 * any other error aborts the step as usual.
 */
static void
run_script(Run *run, int t, BpmNode *node)
{
	ScriptCall	call = {run->inst, node};
	ErrorData  *error;
	int			b;

	if (!node->error_scoped)
		bpm_activity_run_script(run->inst, node, 0);
	else if ((error = bpm_try(call_script, &call)) != NULL)
	{
		if (!bpm_is_bpmn_error(error) ||
			(b = bpm_graph_catching(run->g, run->tokens[t].node, error->message)) < 0)
			ReThrowError(error);
		bpm_event(run->inst, "error_thrown", node->id, 0, 0, bpm_error_object(error->message, error->detail));
		fire_boundary(run, token_at(run, t, run->g->nodes[b].attached_to), b, 0,
					  bpm_error_object(error->message, error->detail), 0);
		return;
	}
	take_all_outgoing(run, t);
}

/* The behaviour of the node token t has just entered. */
static void escalate(Run *run, int t, BpmNode *node);

static void
enter(Run *run, int t)
{
	BpmInstance *inst = run->inst;
	int			node_index = run->tokens[t].node;
	BpmNode    *node = &run->g->nodes[node_index];
	int		   *chosen;
	int			n;

	if (++run->entries[node_index] > MAX_ENTRIES_PER_NODE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("instance %lld entered node \"%s\" more than %d times in one step",
						(long long) inst->id, node->id, MAX_ENTRIES_PER_NODE),
				 errhint("The definition has a loop without a task or event to wait on.")));
	if (run->tokens[t].continuing)
		run->tokens[t].continuing = false;	/* arrival was recorded before */
	else
	{
		bpm_event(inst, "token_moved", node->id, 0, 0, moved_data(run, run->tokens[t].via));
		if (node->async)
		{
			bpm_token_rest(run, t, TOKEN_WAITING);
			bpm_activity_create_job(inst, node, run->tokens[t].row_id, BPM_JOB_ASYNC, bpm_clock_now());
			return;
		}
	}

	switch (node->kind)
	{
		case BPM_START_EVENT:
			take_all_outgoing(run, t);
			break;
		case BPM_INTERMEDIATE_EVENT:
			if (node->timer.kind == BPM_TIMER_NONE)
			{
				take_all_outgoing(run, t);
				break;
			}
			bpm_token_rest(run, t, TOKEN_WAITING);
			bpm_activity_create_job(inst, node, run->tokens[t].row_id, BPM_JOB_TIMER,
									bpm_timer_due(inst, node));
			break;
		case BPM_END_EVENT:
			bpm_token_done(run, t);
			scope_check(run, run->tokens[t].scope);
			break;
		case BPM_TERMINATE_END_EVENT:
			bpm_token_done(run, t);
			kill_scope(run, run->tokens[t].scope);
			if (run->tokens[t].scope < 0)
				bpm_instance_end(inst, "completed",
								 psprintf("terminate end event \"%s\"", node->id));
			else
				scope_check(run, run->tokens[t].scope);
			break;
		case BPM_USER_TASK:
			bpm_token_rest(run, t, TOKEN_WAITING);
			bpm_activity_create_task(inst, node, run->tokens[t].row_id);
			if (node->has_timer_boundary)
				bpm_boundary_arm(inst, node, run->tokens[t].row_id);
			break;
		case BPM_SERVICE_TASK:
			bpm_token_rest(run, t, TOKEN_WAITING);
			bpm_activity_create_job(inst, node, run->tokens[t].row_id,
									node->topic ? BPM_JOB_EXTERNAL : BPM_JOB_SERVICE, bpm_clock_now());
			if (node->has_timer_boundary)
				bpm_boundary_arm(inst, node, run->tokens[t].row_id);
			break;
		case BPM_SCRIPT_TASK:
			run_script(run, t, node);
			break;
		case BPM_PARALLEL_GATEWAY:
			if (node->nin > 1)
				parallel_join(run, t);
			else
				take_all_outgoing(run, t);
			break;
		case BPM_INCLUSIVE_GATEWAY:
			if (node->nin > 1)
			{
				bpm_token_rest(run, t, TOKEN_JOINING);
				break;
			}
			/* FALLTHROUGH */
		case BPM_EXCLUSIVE_GATEWAY:
			chosen = palloc(sizeof(int) * node->nout);
			n = bpm_gateway_choose(inst, node, chosen);
			take_flows(run, t, chosen, n);
			break;
		case BPM_SUBPROCESS:
			bpm_token_rest(run, t, TOKEN_SCOPE);
			if (node->has_timer_boundary)
				bpm_boundary_arm(inst, node, run->tokens[t].row_id);
			bpm_token_new(run, node->start, t, -1);
			break;
		case BPM_BOUNDARY_EVENT:
			elog(ERROR, "pg_bpm: a token entered boundary event \"%s\" by a flow", node->id);
			break;
		case BPM_ESCALATE_TO_CASE:
			escalate(run, t, node);
			break;
		default:
			/* case plan items: a case has no tokens (case.c) */
			elog(ERROR, "pg_bpm: a token entered plan item \"%s\"", node->id);
			break;
	}
}

/*
 * An escalate_to_case node opens its case (family.c). Waiting, the token
 * rests until the case ends (or goes on at once if the case ended as it
 * opened); not waiting, the process ends here, as at a terminate end event
 * of the whole process.
 */
static void
escalate(Run *run, int t, BpmNode *node)
{
	bool		ended;
	int64		case_id;

	if (!node->wait)
	{
		bpm_token_done(run, t);
		kill_scope(run, -1);
		case_id = bpm_family_escalate(run->inst, node->target_key, 0, node->id, &ended);
		bpm_instance_end(run->inst, "completed",
						 psprintf("escalated to case %lld", (long long) case_id));
		return;
	}
	bpm_token_rest(run, t, TOKEN_WAITING);
	bpm_family_escalate(run->inst, node->target_key, run->tokens[t].row_id, node->id, &ended);
	if (ended)
		take_all_outgoing(run, t);
}

static void
run_loop(Run *run)
{
	int			i;

	do
	{
		while (run->qhead < run->qtail)
		{
			int			t = run->queue[run->qhead++];

			CHECK_FOR_INTERRUPTS();
			if (run->tokens[t].state == TOKEN_MOVING)
				enter(run, t);
		}
	} while (fire_inclusive_joins(run));

	for (i = 0; i < run->ntokens; i++)
		if (run->tokens[i].dirty)
			bpm_token_write(run, i);
	bpm_run_anchor_tokens(run);
	bpm_instance_save(run->inst);
}

/* Start a freshly created instance at its start event. */
void
bpm_engine_start(BpmInstance *inst)
{
	Run			run;

	bpm_run_init(&run, inst);
	bpm_event_opening(inst, "instance_started",
					  bpm_jb_build(2, (const char *[]) {"definition", "data"},
						   (Jsonb *[]) {bpm_jb_string(run.g->key), inst->data}));
	bpm_token_new(&run, run.g->start, -1, -1);
	run_loop(&run);
}

/*
 * The token that waited at an activity or timer leaves it by all outgoing
 * flows; the activity's boundary timers are removed.
 */
void
bpm_engine_resume(BpmInstance *inst, int64 token_id)
{
	Run			run;
	int			t;

	bpm_run_init(&run, inst);
	bpm_run_load_tokens(&run);
	t = bpm_run_waiting_token(&run, token_id);
	if (run.g->nodes[run.tokens[t].node].has_timer_boundary)
		bpm_activity_disarm(inst, token_id);
	take_all_outgoing(&run, t);
	run_loop(&run);
}

/*
 * Boundary event b fires on the activity that token_id (or a sub-process
 * around it) rests at: see fire_boundary. 55000 when the token no longer
 * waits there. Returns whether the activity still runs afterwards (a
 * non-interrupting boundary whose path did not end the activity's scope).
 */
bool
bpm_engine_fire_boundary(BpmInstance *inst, int64 token_id, int boundary, int64 job_id,
						 Jsonb *error, int occurrence)
{
	Run			run;
	int			attached = inst->graph->nodes[boundary].attached_to;
	int			t = -1;
	int			i;

	bpm_run_init(&run, inst);
	bpm_run_load_tokens(&run);
	for (i = 0; i < run.ntokens && t < 0; i++)
		if (run.tokens[i].row_id == token_id &&
			(run.tokens[i].state == TOKEN_WAITING || run.tokens[i].state == TOKEN_SCOPE))
			t = i;
	if (t >= 0)
		for (; t >= 0 && run.tokens[t].node != attached; t = run.tokens[t].scope)
			;
	if (t < 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("instance %lld no longer waits at \"%s\"",
						(long long) inst->id, inst->graph->nodes[attached].id)));
	fire_boundary(&run, t, boundary, job_id, error, occurrence);
	run_loop(&run);
	return bpm_token_is_live(&run.tokens[t]) && run.tokens[t].node == attached;
}

/* The token that stopped before an async node enters it now. */
void
bpm_engine_continue(BpmInstance *inst, int64 token_id)
{
	Run			run;
	int			t;

	bpm_run_init(&run, inst);
	bpm_run_load_tokens(&run);
	t = bpm_run_waiting_token(&run, token_id);
	run.tokens[t].continuing = true;
	bpm_run_push(&run, t);
	run_loop(&run);
}

/*
 * Terminate the process instance: cancel its open tasks and jobs, drop its
 * tokens. (A case is cancelled through bpm_family_cancel: its plan items
 * end instead, case.c.)
 */
void
bpm_engine_cancel(BpmInstance *inst, const char *reason)
{
	Run			run;

	bpm_run_init(&run, inst);
	bpm_run_load_tokens(&run);
	kill_scope(&run, -1);
	bpm_instance_end(inst, "terminated", reason);
	bpm_run_anchor_tokens(&run);
	bpm_instance_save(inst);
}
