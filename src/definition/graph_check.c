/*
 * src/definition/graph_check.c
 *
 * The second half of compiling a process definition: once compile.c has
 * read every node and flow, resolve the flows' endpoints and attach the
 * boundary events to their activities, then check the graph as a whole:
 * starts, ends, conditions and defaults of each node's flows, that every
 * node is reachable and reaches an end, four-eyes pairs; and precompute
 * for every inclusive join the nodes that can still reach it. Every
 * violation is SQLSTATE 42P17 naming the definition and the element.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "definition/compiler.h"

static const char *
scope_name(BpmGraph *g, int scope)
{
	return scope < 0 ? "the process" : psprintf("sub-process \"%s\"", g->nodes[scope].id);
}

/* Resolve flow endpoints and attach flows to their nodes. */
static int
compare_flow_ids(const void *a, const void *b)
{
	return strcmp((*(BpmFlow *const *) a)->id, (*(BpmFlow *const *) b)->id);
}

/*
 * No flow id is used twice: found in a sorted copy (n log n, not every
 * pair: a definition of 40,000 flows is checked at once). The error names
 * the smallest id used twice.
 */
static void
check_flow_ids(Compiler *c, BpmGraph *g)
{
	BpmFlow   **sorted = palloc(sizeof(BpmFlow *) * (g->nflows + 1));
	int			i;

	for (i = 0; i < g->nflows; i++)
		sorted[i] = &g->flows[i];
	qsort(sorted, g->nflows, sizeof(BpmFlow *), compare_flow_ids);
	for (i = 1; i < g->nflows; i++)
		if (strcmp(sorted[i - 1]->id, sorted[i]->id) == 0)
			invalid(c, "flow id \"%s\" is used more than once", sorted[i]->id);
	pfree(sorted);
}

static void
link_flows(Compiler *c, BpmGraph *g)
{
	int			i;

	for (i = 0; i < g->nflows; i++)
	{
		BpmFlow    *f = &g->flows[i];

		CHECK_FOR_INTERRUPTS();
		f->source = bpm_graph_find(g, c->flow_from[i]);
		f->target = bpm_graph_find(g, c->flow_to[i]);
		if (f->source < 0)
			invalid(c, "flow \"%s\" comes from unknown node \"%s\"", f->id, c->flow_from[i]);
		if (f->target < 0)
			invalid(c, "flow \"%s\" goes to unknown node \"%s\"", f->id, c->flow_to[i]);
		if (g->nodes[f->source].scope != c->flow_scope[i] ||
			g->nodes[f->target].scope != c->flow_scope[i])
			invalid(c, "flow \"%s\" connects nodes of different scopes (it is declared in %s)",
					f->id, scope_name(g, c->flow_scope[i]));
		g->nodes[f->source].nout++;
		g->nodes[f->target].nin++;
	}
	check_flow_ids(c, g);
	for (i = 0; i < g->nnodes; i++)
	{
		g->nodes[i].outgoing = palloc(sizeof(int) * (g->nodes[i].nout + 1));
		g->nodes[i].incoming = palloc(sizeof(int) * (g->nodes[i].nin + 1));
		g->nodes[i].nout = g->nodes[i].nin = 0;
	}
	for (i = 0; i < g->nflows; i++)
	{
		BpmNode    *s = &g->nodes[g->flows[i].source];
		BpmNode    *t = &g->nodes[g->flows[i].target];

		s->outgoing[s->nout++] = i;
		t->incoming[t->nin++] = i;
	}
}

static bool
same_error(const BpmNode *a, const BpmNode *b)
{
	if (a->error_code == NULL || b->error_code == NULL)
		return a->error_code == b->error_code;
	return strcmp(a->error_code, b->error_code) == 0;
}

/* A boundary event may be attached to this activity: check it, or fail. */
static void
check_attachment(Compiler *c, BpmGraph *g, BpmNode *b, BpmNode *a)
{
	int			i;

	if (a->kind != BPM_USER_TASK && a->kind != BPM_SERVICE_TASK && a->kind != BPM_SUBPROCESS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": boundary event \"%s\" is attached to %s \"%s\"; only user tasks, service tasks and sub-processes have boundary events",
						c->key, b->id, bpm_node_kind_name(a->kind), a->id),
				 a->kind == BPM_SCRIPT_TASK
				 ? errhint("A script task runs at once, inside the step that reaches it: to catch its errors, put it in a sub-process and attach the boundary event to that.")
				 : 0));
	if (a->scope != b->scope)
		invalid(c, "boundary event \"%s\" is declared in %s but attached to \"%s\" of %s",
				b->id, scope_name(g, b->scope), a->id, scope_name(g, a->scope));
	if (b->boundary == BPM_BOUNDARY_ESCALATION)
	{
		if (a->kind != BPM_USER_TASK)
			invalid(c, "boundary event \"%s\": only a user task escalates, not %s \"%s\"",
					b->id, bpm_node_kind_name(a->kind), a->id);
		if (a->due == NULL)
			invalid(c, "boundary event \"%s\": user task \"%s\" has no \"due\" duration to escalate after",
					b->id, a->id);
		if (a->escalation_boundary >= 0)
			invalid(c, "user task \"%s\" has more than one escalation boundary event: \"%s\" and \"%s\"",
					a->id, g->nodes[a->escalation_boundary].id, b->id);
	}
	for (i = 0; i < a->nboundaries && b->boundary == BPM_BOUNDARY_ERROR; i++)
	{
		BpmNode    *other = &g->nodes[a->boundaries[i]];

		if (other->boundary == BPM_BOUNDARY_ERROR && same_error(other, b))
			invalid(c, "%s \"%s\" has more than one error boundary event for %s: \"%s\" and \"%s\"",
					bpm_node_kind_name(a->kind), a->id,
					b->error_code ? psprintf("code \"%s\"", b->error_code) : "any error",
					other->id, b->id);
	}
	if (b->nin > 0)
		invalid(c, "boundary event \"%s\" has an incoming flow \"%s\"",
				b->id, g->flows[b->incoming[0]].id);
	if (b->nout == 0)
		invalid(c, "boundary event \"%s\" has no outgoing flow", b->id);
}

/*
 * Attach every boundary event to its activity, and mark the script tasks
 * whose errors an enclosing sub-process may catch.
 */
static void
link_boundaries(Compiler *c, BpmGraph *g)
{
	int			i;

	for (i = 0; i < g->nnodes; i++)
	{
		BpmNode    *b = &g->nodes[i];
		BpmNode    *a;

		if (b->kind != BPM_BOUNDARY_EVENT)
			continue;
		b->attached_to = bpm_graph_find(g, b->attached_id);
		if (b->attached_to < 0)
			invalid(c, "boundary event \"%s\" is attached to unknown node \"%s\"",
					b->id, b->attached_id);
		a = &g->nodes[b->attached_to];
		check_attachment(c, g, b, a);
		a->boundaries = a->boundaries
			? repalloc(a->boundaries, sizeof(int) * (a->nboundaries + 1))
			: palloc(sizeof(int));
		a->boundaries[a->nboundaries++] = i;
		if (b->boundary == BPM_BOUNDARY_TIMER)
			a->has_timer_boundary = true;
		if (b->boundary == BPM_BOUNDARY_ESCALATION)
			a->escalation_boundary = i;
	}
	for (i = 0; i < g->nnodes; i++)
	{
		int			s;

		for (s = g->nodes[i].scope; s >= 0 && g->nodes[i].kind == BPM_SCRIPT_TASK; s = g->nodes[s].scope)
		{
			int			j;

			for (j = 0; j < g->nodes[s].nboundaries; j++)
				if (g->nodes[g->nodes[s].boundaries[j]].boundary == BPM_BOUNDARY_ERROR)
					g->nodes[i].error_scoped = true;
		}
	}
}

static bool
is_end(BpmNodeKind kind)
{
	return kind == BPM_END_EVENT || kind == BPM_TERMINATE_END_EVENT;
}

static bool
is_deciding_gateway(BpmNodeKind kind)
{
	return kind == BPM_EXCLUSIVE_GATEWAY || kind == BPM_INCLUSIVE_GATEWAY;
}

/* Per-node rules on flows: starts, ends, conditions, defaults. */
static void
check_node_flows(Compiler *c, BpmGraph *g)
{
	int			i;

	for (i = 0; i < g->nnodes; i++)
	{
		BpmNode    *n = &g->nodes[i];
		int			unconditional = 0;
		int			defaults = 0;
		int			j;

		if (n->kind == BPM_START_EVENT && n->nin > 0)
			invalid(c, "start event \"%s\" has an incoming flow \"%s\"",
					n->id, g->flows[n->incoming[0]].id);
		if (is_end(n->kind) && n->nout > 0)
			invalid(c, "end event \"%s\" has an outgoing flow \"%s\"",
					n->id, g->flows[n->outgoing[0]].id);
		if (n->kind == BPM_ESCALATE_TO_CASE && !n->wait && n->nout > 0)
			invalid(c, "escalate_to_case \"%s\" ends the process (\"wait\": false) but has an outgoing flow \"%s\"",
					n->id, g->flows[n->outgoing[0]].id);
		if (n->kind == BPM_ESCALATE_TO_CASE && n->wait && n->nout == 0)
			invalid(c, "escalate_to_case \"%s\" waits for its case (\"wait\": true) but has no outgoing flow to go on by",
					n->id);
		for (j = 0; j < n->nout; j++)
		{
			BpmFlow    *f = &g->flows[n->outgoing[j]];

			if ((f->condition || f->is_default) && !is_deciding_gateway(n->kind))
				invalid(c, "flow \"%s\" has a %s but leaves %s \"%s\"; only flows leaving an exclusive or inclusive gateway may",
						f->id, f->condition ? "condition" : "default mark",
						bpm_node_kind_name(n->kind), n->id);
			if (f->is_default)
				defaults++;
			else if (f->condition == NULL)
				unconditional++;
		}
		if (defaults > 1)
			invalid(c, "gateway \"%s\" has more than one default flow", n->id);
		if (is_deciding_gateway(n->kind) && n->nout > 1 && unconditional > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("definition \"%s\": gateway \"%s\" is ambiguous: %d of its outgoing flows have no condition",
							c->key, n->id, unconditional),
					 errhint("Give every outgoing flow a \"when\" condition, and mark at most one as \"default\": true.")));
	}
}

static void
mark(int next, int barrier, bool *seen, int *stack, int *top)
{
	if (!seen[next] && next != barrier)
	{
		seen[next] = true;
		stack[(*top)++] = next;
	}
}

/*
 * Mark the nodes reachable from 'from' (forward) or that reach it
 * (backward), not passing through 'barrier' (-1 for none). Going forward,
 * an activity leads to its boundary events too; going backward, a
 * boundary event leads back to its activity only when attached is set (a
 * token resting at an activity can leave by a boundary event, but an
 * activity needs a way to an end of its own).
 */
static void
walk(BpmGraph *g, int from, bool forward, int barrier, bool attached, bool *seen)
{
	int		   *stack = palloc(sizeof(int) * (g->nflows + 2 * g->nnodes + 1));
	int			top = 0;

	stack[top++] = from;
	while (top > 0)
	{
		BpmNode    *n = &g->nodes[stack[--top]];
		int			cnt = forward ? n->nout : n->nin;
		int			j;

		for (j = 0; j < cnt; j++)
		{
			BpmFlow    *f = &g->flows[forward ? n->outgoing[j] : n->incoming[j]];

			mark(forward ? f->target : f->source, barrier, seen, stack, &top);
		}
		for (j = 0; forward && j < n->nboundaries; j++)
			mark(n->boundaries[j], barrier, seen, stack, &top);
		if (!forward && attached && n->attached_to >= 0)
			mark(n->attached_to, barrier, seen, stack, &top);
	}
	pfree(stack);
}

/* Every node is reachable from its scope's start and can reach an end. */
static void
check_reachability(Compiler *c, BpmGraph *g)
{
	bool	   *from_start = palloc0(sizeof(bool) * g->nnodes);
	bool	   *to_end = palloc0(sizeof(bool) * g->nnodes);
	int			i;

	for (i = 0; i < g->nnodes; i++)
	{
		BpmNode    *n = &g->nodes[i];

		if (n->kind == BPM_START_EVENT)
		{
			from_start[i] = true;
			walk(g, i, true, -1, false, from_start);
		}
		if (is_end(n->kind) || (n->kind == BPM_ESCALATE_TO_CASE && !n->wait))
		{
			/* an escalation that does not wait ends the process */
			to_end[i] = true;
			walk(g, i, false, -1, false, to_end);
		}
	}
	for (i = 0; i < g->nnodes; i++)
	{
		if (!from_start[i])
			invalid(c, "node \"%s\" is not reachable from the start event of %s",
					g->nodes[i].id, scope_name(g, g->nodes[i].scope));
		if (!to_end[i])
			invalid(c, "no end event of %s is reachable from node \"%s\"",
					scope_name(g, g->nodes[i].scope), g->nodes[i].id);
	}
}

static bool
names_node(char **list, int n, const char *id)
{
	int			i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], id) == 0)
			return true;
	return false;
}

/*
 * four_eyes names user tasks of this definition. The rule is symmetric
 * (whoever completed one of a pair may not complete the other, whichever
 * comes first), so each task gets the union of what it names and what
 * names it.
 */
static void
check_four_eyes(Compiler *c, BpmGraph *g)
{
	int			i;
	int			j;

	for (i = 0; i < g->nnodes; i++)
		for (j = 0; j < g->nodes[i].nfour_eyes; j++)
		{
			int			other = bpm_graph_find(g, g->nodes[i].four_eyes[j]);

			if (other < 0 || g->nodes[other].kind != BPM_USER_TASK)
				invalid(c, "node \"%s\": four_eyes names \"%s\", which is not a user task of this definition",
						g->nodes[i].id, g->nodes[i].four_eyes[j]);
		}
	for (i = 0; i < g->nnodes; i++)
		for (j = 0; j < g->nodes[i].nfour_eyes; j++)
		{
			BpmNode    *other = &g->nodes[bpm_graph_find(g, g->nodes[i].four_eyes[j])];

			if (names_node(other->four_eyes, other->nfour_eyes, g->nodes[i].id))
				continue;
			other->four_eyes = other->four_eyes
				? repalloc(other->four_eyes, sizeof(char *) * (other->nfour_eyes + 2))
				: palloc(sizeof(char *) * 2);
			other->four_eyes[other->nfour_eyes++] = g->nodes[i].id;
		}
}

/* For every inclusive join, the nodes that can reach it without passing it. */
static void
compute_inclusive_joins(BpmGraph *g)
{
	int			i;

	for (i = 0; i < g->nnodes; i++)
	{
		BpmNode    *n = &g->nodes[i];

		if (n->kind != BPM_INCLUSIVE_GATEWAY || n->nin < 2)
			continue;
		n->reaches_me = palloc0(sizeof(bool) * g->nnodes);
		walk(g, i, false, i, true, n->reaches_me);
	}
}

void
bpm_graph_check(Compiler *c, BpmGraph *g)
{
	link_flows(c, g);
	link_boundaries(c, g);
	check_node_flows(c, g);
	check_reachability(c, g);
	check_four_eyes(c, g);
	compute_inclusive_joins(g);
}
