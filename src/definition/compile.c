/*
 * src/definition/compile.c
 *
 * Compile the JSON form of a process definition into a BpmGraph, checking
 * everything a deployment must satisfy: the elements and their properties
 * (read by properties.c), then the graph (scopes, flows, gateways,
 * reachability). Every violation is SQLSTATE 42P17 (42883 for a missing
 * script function) with a message that names the definition and the
 * offending element, raised before anything is stored.
 *
 * Node ids are unique across the whole definition, sub-processes included,
 * as element ids are in a BPMN document. Flows connect nodes of one scope.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/jsonpath.h"

#include "definition/definition.h"
#include "util/jsonb_util.h"
#include "definition/properties.h"

#define DEFAULT_PRIORITY	50
#define DEFAULT_RETRIES		3

typedef struct KindInfo
{
	const char *name;
	BpmNodeKind kind;
	const char *const *properties;	/* allowed besides id, type, name, documentation */
} KindInfo;

static const char *const no_properties[] = {NULL};
static const char *const user_task_properties[] =
{"assignee", "candidate_groups", "priority", "due", "required", "four_eyes", "escalation", "async", NULL};
static const char *const service_task_properties[] =
{"implementation", "topic", "function", "retries", "async", NULL};
static const char *const script_task_properties[] = {"function", "async", NULL};
static const char *const subprocess_properties[] = {"nodes", "flows", "async", NULL};
static const char *const intermediate_event_properties[] = {"timer", NULL};
static const char *const start_event_properties[] = {"timer", NULL};
static const char *const escalate_to_case_properties[] = {"case", "wait", NULL};
static const char *const boundary_event_properties[] =
{"attached_to", "interrupting", "timer", "error", "escalation", NULL};

static const KindInfo kinds[] =
{
	{"start_event", BPM_START_EVENT, start_event_properties},
	{"end_event", BPM_END_EVENT, no_properties},
	{"terminate_end_event", BPM_TERMINATE_END_EVENT, no_properties},
	{"intermediate_event", BPM_INTERMEDIATE_EVENT, intermediate_event_properties},
	{"user_task", BPM_USER_TASK, user_task_properties},
	{"service_task", BPM_SERVICE_TASK, service_task_properties},
	{"script_task", BPM_SCRIPT_TASK, script_task_properties},
	{"exclusive_gateway", BPM_EXCLUSIVE_GATEWAY, no_properties},
	{"parallel_gateway", BPM_PARALLEL_GATEWAY, no_properties},
	{"inclusive_gateway", BPM_INCLUSIVE_GATEWAY, no_properties},
	{"subprocess", BPM_SUBPROCESS, subprocess_properties},
	{"boundary_event", BPM_BOUNDARY_EVENT, boundary_event_properties},
	{"escalate_to_case", BPM_ESCALATE_TO_CASE, escalate_to_case_properties},
};

static const char *const top_properties[] =
{"key", "name", "kind", "nodes", "flows", "documentation", "due", NULL};
static const char *const common_node_properties[] = {"id", "type", "name", "documentation", NULL};
static const char *const flow_properties[] = {"id", "from", "to", "when", "default", "name", NULL};

/* Compilation state: growing arrays of nodes and flows, plus raw objects. */
typedef struct Compiler
{
	char	   *key;
	bool		deploying;
	BpmNode    *nodes;
	int			nnodes;
	int			maxnodes;
	BpmFlow    *flows;
	int			nflows;
	int			maxflows;
	int		   *flow_scope;		/* scope of each flow */
	char	  **flow_from;		/* raw endpoints, resolved after collection */
	char	  **flow_to;
} Compiler;

#define invalid(c, ...) bpm_invalid_definition((c)->key, __VA_ARGS__)

const char *
bpm_node_kind_name(BpmNodeKind kind)
{
	int			i;

	for (i = 0; i < (int) lengthof(kinds); i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "unknown";
}

static KindInfo const *
find_kind(const char *type)
{
	int			i;

	for (i = 0; i < (int) lengthof(kinds); i++)
		if (strcmp(kinds[i].name, type) == 0)
			return &kinds[i];
	return NULL;
}

/*
 * A service task is external (a "topic" that workers fetch) or implemented
 * in SQL ("implementation": "sql", a "function" the job runners call).
 */
static void
compile_service_task(Compiler *c, JsonbContainer *object, BpmNode *node, const char *element)
{
	char	   *implementation = bpm_prop_string(c->key, object, "implementation", element, false);

	node->retries = bpm_prop_int(c->key, object, "retries", element, DEFAULT_RETRIES, 1);
	if (implementation && strcmp(implementation, "sql") == 0)
	{
		node->function = bpm_prop_string(c->key, object, "function", element, true);
		if (bpm_prop_string(c->key, object, "topic", element, false))
			invalid(c, "%s: a service task implemented in SQL has a \"function\", not a \"topic\"", element);
		if (c->deploying)
			bpm_prop_check_function(c->key, node->function, element);
		return;
	}
	if (implementation && strcmp(implementation, "external") != 0)
		invalid(c, "%s: \"implementation\" must be \"external\" or \"sql\", not \"%s\"",
				element, implementation);
	if (bpm_prop_string(c->key, object, "function", element, false))
		invalid(c, "%s: an external service task has a \"topic\"; a \"function\" needs \"implementation\": \"sql\"",
				element);
	node->topic = bpm_prop_string(c->key, object, "topic", element, true);
}

/*
 * A start event may have a timer that starts instances by itself (see
 * start_timer.c); only the process's own start event, since a
 * sub-process starts when a token reaches it.
 */
static void
compile_start_event(Compiler *c, JsonbContainer *object, BpmNode *node, const char *element)
{
	bpm_prop_timer(c->key, object, "timer", element, BPM_TIMER_ON_START, &node->timer);
	if (node->timer.kind != BPM_TIMER_NONE && node->scope != -1)
		invalid(c, "%s: only the process's own start event can have a timer; a sub-process starts when a token reaches it",
				element);
}

/*
 * A boundary event: "attached_to" an activity of its scope (resolved and
 * checked by link_boundaries, once every node is known), with exactly one
 * trigger: a "timer" (which may repeat), an "error" (a code, or true for
 * any) or an "escalation" (true: the task's due date passed).
 */
static void
compile_boundary(Compiler *c, JsonbContainer *object, BpmNode *node, const char *element)
{
	JsonbValue	v;
	int			triggers = 0;

	node->attached_id = bpm_prop_string(c->key, object, "attached_to", element, true);
	node->interrupting = bpm_prop_bool(c->key, object, "interrupting", element, true);
	if (bpm_jb_get(object, "timer", &v))
	{
		triggers++;
		node->boundary = BPM_BOUNDARY_TIMER;
		bpm_prop_timer(c->key, object, "timer", element, BPM_TIMER_ON_BOUNDARY, &node->timer);
		if (node->interrupting && node->timer.cycle &&
			node->timer.cycle->count == BPM_RECURRENCE_FOREVER)
			invalid(c, "%s: an endless timer cycle needs \"interrupting\": false (an interrupting boundary event fires once)",
					element);
	}
	if (bpm_jb_get(object, "error", &v))
	{
		triggers++;
		node->boundary = BPM_BOUNDARY_ERROR;
		if (v.type == jbvString && v.val.string.len > 0)
			node->error_code = pnstrdup(v.val.string.val, v.val.string.len);
		else if (!(v.type == jbvBool && v.val.boolean))
			invalid(c, "%s: \"error\" must be an error code (a non-empty string), or true for any error",
					element);
		if (!node->interrupting)
			invalid(c, "%s: an error boundary event always interrupts its activity; remove \"interrupting\": false",
					element);
	}
	if (bpm_jb_get(object, "escalation", &v))
	{
		triggers++;
		node->boundary = BPM_BOUNDARY_ESCALATION;
		if (!(v.type == jbvBool && v.val.boolean))
			invalid(c, "%s: \"escalation\" must be true", element);
	}
	if (triggers != 1)
		invalid(c, "%s: a boundary event has exactly one of \"timer\", \"error\" and \"escalation\"",
				element);
}

static int	collect_scope(Compiler *c, JsonbContainer *scope_object, int scope,
						  const char *scope_element);

static void
compile_node(Compiler *c, JsonbValue *value, int scope)
{
	JsonbContainer *object = bpm_jb_container(value);
	BpmNode    *node;
	const KindInfo *kind;
	char	   *id;
	char	   *type;
	char	   *element;
	int			index;

	if (c->nnodes == c->maxnodes)
	{
		c->maxnodes *= 2;
		c->nodes = repalloc(c->nodes, sizeof(BpmNode) * c->maxnodes);
	}
	id = bpm_prop_string(c->key, object, "id", psprintf("node %d", c->nnodes + 1), true);
	element = psprintf("node \"%s\"", id);
	type = bpm_prop_string(c->key, object, "type", element, true);
	kind = find_kind(type);
	if (kind == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": node \"%s\" has unknown type \"%s\"",
						c->key, id, type),
				 errhint("Known types: start_event, end_event, terminate_end_event, intermediate_event, user_task, service_task, script_task, exclusive_gateway, parallel_gateway, inclusive_gateway, subprocess, boundary_event, escalate_to_case.")));
	bpm_prop_check_keys(c->key, object, element, common_node_properties, kind->properties);

	index = c->nnodes++;
	node = &c->nodes[index];
	memset(node, 0, sizeof(BpmNode));
	node->object = c->deploying ? bpm_jb_value_to_jsonb(value) : NULL;
	node->id = id;
	node->kind = kind->kind;
	node->name = bpm_prop_string(c->key, object, "name", element, false);
	node->scope = scope;
	node->start = -1;
	node->priority = DEFAULT_PRIORITY;
	node->retries = DEFAULT_RETRIES;
	node->async = bpm_prop_bool(c->key, object, "async", element, false);
	node->attached_to = -1;
	node->escalation_boundary = -1;

	switch (node->kind)
	{
		case BPM_USER_TASK:
			bpm_prop_value_spec(c->key, object, "assignee", element, &node->assignee, false);
			bpm_prop_value_spec(c->key, object, "candidate_groups", element, &node->candidate_groups, true);
			node->priority = bpm_prop_int(c->key, object, "priority", element, DEFAULT_PRIORITY, 0);
			node->due = bpm_prop_duration(c->key, object, "due", element);
			node->required = bpm_prop_strings(c->key, object, "required", element, &node->nrequired);
			node->four_eyes = bpm_prop_strings(c->key, object, "four_eyes", element, &node->nfour_eyes);
			bpm_prop_escalation(c->key, object, element, node->due != NULL, &node->escalation);
			break;
		case BPM_SERVICE_TASK:
			compile_service_task(c, object, node, element);
			break;
		case BPM_INTERMEDIATE_EVENT:
			bpm_prop_timer(c->key, object, "timer", element, BPM_TIMER_ON_INTERMEDIATE, &node->timer);
			break;
		case BPM_START_EVENT:
			compile_start_event(c, object, node, element);
			break;
		case BPM_ESCALATE_TO_CASE:
			node->target_key = bpm_prop_string(c->key, object, "case", element, true);
			node->wait = bpm_prop_bool(c->key, object, "wait", element, true);
			break;
		case BPM_BOUNDARY_EVENT:
			compile_boundary(c, object, node, element);
			break;
		case BPM_SCRIPT_TASK:
			node->function = bpm_prop_string(c->key, object, "function", element, true);
			if (c->deploying)
				bpm_prop_check_function(c->key, node->function, element);
			break;
		case BPM_SUBPROCESS:
			/* children follow the sub-process node in the array */
			node->start = collect_scope(c, object, index, element);
			break;
		default:
			break;
	}
}

static void
compile_flow(Compiler *c, JsonbContainer *object, int scope, int position)
{
	BpmFlow    *flow;
	char	   *element = psprintf("flow %d", position + 1);
	char	   *when;
	JsonbValue	v;

	if (c->nflows == c->maxflows)
	{
		c->maxflows *= 2;
		c->flows = repalloc(c->flows, sizeof(BpmFlow) * c->maxflows);
		c->flow_scope = repalloc(c->flow_scope, sizeof(int) * c->maxflows);
		c->flow_from = repalloc(c->flow_from, sizeof(char *) * c->maxflows);
		c->flow_to = repalloc(c->flow_to, sizeof(char *) * c->maxflows);
	}
	flow = &c->flows[c->nflows];
	memset(flow, 0, sizeof(BpmFlow));
	flow->id = bpm_prop_string(c->key, object, "id", element, false);
	c->flow_from[c->nflows] = bpm_prop_string(c->key, object, "from", element, true);
	c->flow_to[c->nflows] = bpm_prop_string(c->key, object, "to", element, true);
	if (flow->id == NULL)
		flow->id = psprintf("%s->%s", c->flow_from[c->nflows], c->flow_to[c->nflows]);
	element = psprintf("flow \"%s\"", flow->id);
	bpm_prop_check_keys(c->key, object, element, flow_properties, NULL);
	when = bpm_prop_string(c->key, object, "when", element, false);
	if (when)
	{
		flow->condition_text = when;
		flow->condition = bpm_prop_condition(c->key, when, element);
	}
	if (bpm_jb_get(object, "default", &v))
	{
		if (v.type != jbvBool)
			invalid(c, "%s: \"default\" must be true or false", element);
		flow->is_default = v.val.boolean;
		if (flow->is_default && when)
			invalid(c, "%s is the default flow and cannot also have a condition", element);
	}
	c->flow_scope[c->nflows] = scope;
	c->nflows++;
}

/*
 * Collect the nodes and flows of one scope (the definition, or a
 * sub-process). Returns the index of the scope's start event.
 */
static int
collect_scope(Compiler *c, JsonbContainer *scope_object, int scope,
			  const char *scope_element)
{
	JsonbValue	v;
	JsonbContainer *nodes;
	JsonbContainer *flows = NULL;
	int			first = c->nnodes;
	int			start = -1;
	int			n;
	int			i;

	if (!bpm_jb_get(scope_object, "nodes", &v) ||
		bpm_jb_array_size(nodes = bpm_jb_container(&v)) < 0)
		invalid(c, "%s has no \"nodes\" array", scope_element);
	n = bpm_jb_array_size(nodes);
	for (i = 0; i < n; i++)
	{
		JsonbValue	e;

		bpm_jb_array_get(nodes, i, &e);
		if (bpm_jb_container(&e) == NULL || !JsonContainerIsObject(bpm_jb_container(&e)))
			invalid(c, "%s: node %d is not an object", scope_element, i + 1);
		compile_node(c, &e, scope);
	}
	for (i = first; i < c->nnodes; i++)
	{
		if (c->nodes[i].scope != scope || c->nodes[i].kind != BPM_START_EVENT)
			continue;
		if (start >= 0)
			invalid(c, "%s has more than one start event: \"%s\" and \"%s\"",
					scope_element, c->nodes[start].id, c->nodes[i].id);
		start = i;
	}
	if (start < 0)
		invalid(c, "%s has no start event", scope_element);

	if (bpm_jb_get(scope_object, "flows", &v))
	{
		flows = bpm_jb_container(&v);
		if (bpm_jb_array_size(flows) < 0)
			invalid(c, "%s: \"flows\" must be an array", scope_element);
		n = bpm_jb_array_size(flows);
		for (i = 0; i < n; i++)
		{
			JsonbValue	e;

			bpm_jb_array_get(flows, i, &e);
			if (bpm_jb_container(&e) == NULL || !JsonContainerIsObject(bpm_jb_container(&e)))
				invalid(c, "%s: flow %d is not an object", scope_element, i + 1);
			compile_flow(c, bpm_jb_container(&e), scope, i);
		}
	}
	return start;
}

static int
cmp_node_ids(const void *a, const void *b, void *arg)
{
	const BpmNode *nodes = arg;

	return strcmp(nodes[*(const int *) a].id, nodes[*(const int *) b].id);
}

int
bpm_graph_find(const BpmGraph *graph, const char *node_id)
{
	int			lo = 0;
	int			hi = graph->nnodes - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			cmp = strcmp(graph->nodes[graph->by_id[mid]].id, node_id);

		if (cmp == 0)
			return graph->by_id[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Sort node indexes by id for bpm_graph_find; ids must be unique (processes and cases). */
void
bpm_index_nodes(const char *key, BpmGraph *g)
{
	int			i;

	g->by_id = palloc(sizeof(int) * g->nnodes);
	for (i = 0; i < g->nnodes; i++)
		g->by_id[i] = i;
	qsort_arg(g->by_id, g->nnodes, sizeof(int), cmp_node_ids, g->nodes);
	for (i = 1; i < g->nnodes; i++)
		if (strcmp(g->nodes[g->by_id[i]].id, g->nodes[g->by_id[i - 1]].id) == 0)
			bpm_invalid_definition(key, "%s id \"%s\" is used more than once",
								   g->is_case ? "plan item" : "node", g->nodes[g->by_id[i]].id);
}

static const char *
scope_name(BpmGraph *g, int scope)
{
	return scope < 0 ? "the process" : psprintf("sub-process \"%s\"", g->nodes[scope].id);
}

/* Resolve flow endpoints and attach flows to their nodes. */
static void
link_flows(Compiler *c, BpmGraph *g)
{
	int			i;

	for (i = 0; i < g->nflows; i++)
	{
		BpmFlow    *f = &g->flows[i];
		int			j;

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
		for (j = 0; j < i; j++)
			if (strcmp(g->flows[j].id, f->id) == 0)
				invalid(c, "flow id \"%s\" is used more than once", f->id);
		g->nodes[f->source].nout++;
		g->nodes[f->target].nin++;
	}
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

/*
 * The error boundary event that catches an error with this code raised at
 * node: one of node's own, else of the sub-processes around it, nearest
 * first; at each level a boundary for the code before one for any error.
 * -1 when none does.
 */
int
bpm_graph_catching(const BpmGraph *g, int node, const char *code)
{
	for (; node >= 0; node = g->nodes[node].scope)
	{
		const BpmNode *n = &g->nodes[node];
		int			any = -1;
		int			i;

		for (i = 0; i < n->nboundaries; i++)
		{
			const BpmNode *b = &g->nodes[n->boundaries[i]];

			if (b->boundary != BPM_BOUNDARY_ERROR)
				continue;
			if (b->error_code == NULL)
				any = n->boundaries[i];
			else if (strcmp(b->error_code, code) == 0)
				return n->boundaries[i];
		}
		if (any >= 0)
			return any;
	}
	return -1;
}

/* Does a user task's due date lead to something: an escalation job. */
bool
bpm_node_escalates(const BpmNode *node)
{
	return node->escalation.defined || node->escalation_boundary >= 0;
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

BpmGraph *
bpm_graph_compile(Jsonb *source, bool deploying)
{
	Compiler	c;
	BpmGraph   *g;
	JsonbContainer *top = &source->root;
	JsonbValue	v;

	memset(&c, 0, sizeof(c));
	c.key = pstrdup("?");
	c.deploying = deploying;
	if (!JsonContainerIsObject(top))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("a definition must be a JSON object")));
	if (!bpm_jb_get(top, "key", &v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("a definition needs a \"key\""),
				 errhint("The key names the process across versions, e.g. {\"key\": \"invoice\", ...}.")));
	if (v.type != jbvString || v.val.string.len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("a definition's \"key\" must be a non-empty string, not %s",
						v.type == jbvString ? "an empty string" : bpm_jb_type_name(&v))));
	c.key = pnstrdup(v.val.string.val, v.val.string.len);
	if (bpm_jb_get(top, "kind", &v) && v.type == jbvString && v.val.string.len == 4 &&
		strncmp(v.val.string.val, "case", 4) == 0)
		return bpm_case_compile(source, deploying);
	if (bpm_jb_get(top, "kind", &v) &&
		!(v.type == jbvString && v.val.string.len == 7 &&
		  strncmp(v.val.string.val, "process", 7) == 0))
		invalid(&c, "\"kind\" must be \"process\" or \"case\"");
	bpm_prop_check_keys(c.key, top, "the definition", top_properties, NULL);

	c.maxnodes = c.maxflows = 16;
	c.nodes = palloc(sizeof(BpmNode) * c.maxnodes);
	c.flows = palloc(sizeof(BpmFlow) * c.maxflows);
	c.flow_scope = palloc(sizeof(int) * c.maxflows);
	c.flow_from = palloc(sizeof(char *) * c.maxflows);
	c.flow_to = palloc(sizeof(char *) * c.maxflows);

	g = palloc0(sizeof(BpmGraph));
	g->key = c.key;
	g->name = bpm_prop_string(c.key, top, "name", "the definition", false);
	g->due = bpm_prop_duration(c.key, top, "due", "the definition");
	g->start = collect_scope(&c, top, -1, "the definition");
	g->nodes = c.nodes;
	g->nnodes = c.nnodes;
	g->flows = c.flows;
	g->nflows = c.nflows;

	bpm_index_nodes(c.key, g);
	link_flows(&c, g);
	link_boundaries(&c, g);
	check_node_flows(&c, g);
	check_reachability(&c, g);
	check_four_eyes(&c, g);
	compute_inclusive_joins(g);
	return g;
}
