/*
 * src/definition/compile.c
 *
 * Compile the JSON form of a process definition into a BpmGraph, checking
 * everything a deployment must satisfy: the elements and their properties
 * (read here, with properties.c), then the graph (scopes, flows, gateways,
 * reachability: graph_check.c). Every violation is SQLSTATE 42P17 (42883
 * for a missing script function) with a message that names the definition
 * and the offending element, raised before anything is stored.
 *
 * Node ids are unique across the whole definition, sub-processes included,
 * as element ids are in a BPMN document. Flows connect nodes of one scope.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonpath.h"

#include "definition/compiler.h"
#include "util/util.h"

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
	/* its own properties (bpm.node); the nodes and flows of a sub-process are rows of their own */
	node->object = c->deploying
		? bpm_jb_object_without(object, (const char *const[]) {"nodes", "flows"}, 2) : NULL;
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
			{
				/*
				 * Children follow the sub-process node in the array, which
				 * collecting them may move: store by index, not by node.
				 */
				int			start = collect_scope(c, object, index, element);

				c->nodes[index].start = start;
			}
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

	check_stack_depth();		/* sub-processes nest without limit */
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
	bpm_graph_check(&c, g);
	return g;
}
