/*
 * src/definition/case_compile.c
 *
 * Compiling a case definition ("kind": "case", see docs/cases.md) into the
 * same BpmGraph a process compiles to: its plan items are the nodes (a
 * stage's items follow it, with scope = the stage's index), there are no
 * flows, and each item carries its rules and sentries. Every violation is
 * 42P17 naming the element, as for processes.
 *
 * A sentry's on-parts name "<item>.<transition>" or "file.<field>"; its
 * if-part is a jsonpath predicate over the case file, from which the
 * top-level fields it reads are taken, so that a change of the case file
 * re-evaluates only the sentries that listen to the changed fields.
 */
#include "postgres.h"

#include <ctype.h>

#include "miscadmin.h"
#include "utils/jsonb.h"

#include "definition/definition.h"
#include "util/util.h"
#include "definition/properties.h"

#define invalid(key, ...) bpm_invalid_definition(key, __VA_ARGS__)

/* Attempts of a timer listener's job, as for the jobs of processes. */
#define CASE_TIMER_RETRIES	3

typedef struct ItemType
{
	const char *name;
	BpmNodeKind kind;
	const char *const *properties;	/* besides the common ones */
} ItemType;

static const char *const human_task_properties[] =
{"assignee", "candidate_groups", "priority", "due", "required_fields", "four_eyes", "role", NULL};
static const char *const stage_properties[] = {"items", "auto_complete", NULL};
static const char *const timer_listener_properties[] = {"timer", NULL};
static const char *const process_task_properties[] = {"process", "wait", NULL};
static const char *const case_task_properties[] = {"case", "wait", NULL};
static const char *const no_properties[] = {NULL};

static const ItemType item_types[] = {
	{"human_task", BPM_USER_TASK, human_task_properties},
	{"stage", BPM_STAGE, stage_properties},
	{"milestone", BPM_MILESTONE, no_properties},
	{"timer_listener", BPM_TIMER_LISTENER, timer_listener_properties},
	{"user_listener", BPM_USER_LISTENER, no_properties},
	{"process_task", BPM_PROCESS_TASK, process_task_properties},
	{"case_task", BPM_CASE_TASK, case_task_properties},
};

static const char *const common_properties[] =
{"id", "type", "name", "documentation", "entry", "exit", "required", "manual", "repeat",
"discretionary", "applicability", NULL};
static const char *const top_properties[] =
{"key", "name", "kind", "plan", "exit", "auto_complete", "due", "roles", "documentation", NULL};
static const char *const sentry_properties[] = {"on", "if", NULL};

/* The CMMN transitions an on-part may name, in snake case. */
static const char *const item_transitions[] =
{"create", "start", "manual_start", "complete", "terminate", "exit", "enable", "disable",
"reenable", "fault", "suspend", "resume", "parent_suspend", "parent_resume", NULL};

typedef struct CaseCompiler
{
	char	   *key;
	bool		deploying;
	BpmNode    *nodes;
	int			nnodes;
	int			maxnodes;
} CaseCompiler;

const char *
bpm_case_item_type(BpmNodeKind kind)
{
	int			i;

	for (i = 0; i < (int) lengthof(item_types); i++)
		if (item_types[i].kind == kind)
			return item_types[i].name;
	return "unknown";
}

static const ItemType *
find_type(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(item_types); i++)
		if (strcmp(item_types[i].name, name) == 0)
			return &item_types[i];
	return NULL;
}

static bool
is_listener(BpmNodeKind kind)
{
	return kind == BPM_TIMER_LISTENER || kind == BPM_USER_LISTENER;
}

/*
 * The top-level case-file fields a jsonpath reads: each "$.name" or
 * "$."quoted name"" (before any filter); any other use of "$" (the whole
 * file, a wildcard, an index) makes it read any field.
 */
static void
condition_fields(const char *text, BpmSentry *s)
{
	const char *p;
	int			max = 4;

	s->fields = palloc(sizeof(char *) * max);
	for (p = strchr(text, '$'); p != NULL; p = strchr(p + 1, '$'))
	{
		const char *start;

		if (p[1] != '.')
		{
			s->any_field = true;
			return;
		}
		start = p + 2;
		if (*start == '"')
		{
			const char *end = strchr(start + 1, '"');

			if (end == NULL)
			{
				s->any_field = true;
				return;
			}
			if (s->nfields == max)
				s->fields = repalloc(s->fields, sizeof(char *) * (max *= 2));
			s->fields[s->nfields++] = pnstrdup(start + 1, end - start - 1);
			continue;
		}
		p = start;
		while (isalnum((unsigned char) *p) || *p == '_')
			p++;
		if (p == start)
		{
			s->any_field = true;
			return;
		}
		if (s->nfields == max)
			s->fields = repalloc(s->fields, sizeof(char *) * (max *= 2));
		s->fields[s->nfields++] = pnstrdup(start, p - start);
		p--;
	}
}

/* One sentry: {"on": ["a.complete", "file.x"], "if": "$.x > 1"}. */
static void
compile_sentry(CaseCompiler *c, JsonbValue *value, const char *element, BpmSentry *s)
{
	JsonbContainer *object = bpm_jb_container(value);
	JsonbValue	v;
	char	   *text;

	memset(s, 0, sizeof(BpmSentry));
	if (object == NULL || !JsonContainerIsObject(object))
		invalid(c->key, "%s must be an object such as {\"on\": [\"triage.complete\"]}", element);
	bpm_prop_check_keys(c->key, object, element, sentry_properties, NULL);
	if (bpm_jb_get(object, "on", &v))
	{
		s->parts = bpm_prop_strings(c->key, object, "on", element, &s->nparts);
		if (s->nparts == 0)
			invalid(c->key, "%s: \"on\" must name at least one event", element);
	}
	text = bpm_prop_string(c->key, object, "if", element, false);
	if (text)
	{
		s->condition = bpm_prop_condition(c->key, text, element);
		s->condition_text = text;
		condition_fields(text, s);
	}
	if (s->nparts == 0 && s->condition == NULL)
		invalid(c->key, "%s needs \"on\", \"if\" or both", element);
}

/* "entry" or "exit": a list of sentries, any one of which is enough. */
static BpmSentry *
compile_sentries(CaseCompiler *c, JsonbContainer *object, const char *prop,
				 const char *element, int *n)
{
	JsonbValue	v;
	JsonbContainer *list;
	BpmSentry  *sentries;
	int			i;

	*n = 0;
	if (!bpm_jb_get(object, prop, &v))
		return NULL;
	list = bpm_jb_container(&v);
	if (list == NULL || !JsonContainerIsArray(list))
		invalid(c->key, "%s: \"%s\" must be an array of sentries such as [{\"on\": [\"triage.complete\"]}]",
				element, prop);
	*n = bpm_jb_array_size(list);
	sentries = palloc(sizeof(BpmSentry) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		JsonbValue	item;

		bpm_jb_array_get(list, i, &item);
		compile_sentry(c, &item, psprintf("%s %s sentry %d", element, prop, i + 1), &sentries[i]);
	}
	return sentries;
}

static void
compile_item_rules(CaseCompiler *c, JsonbContainer *object, BpmNode *node, const char *element)
{
	char	   *applicability;

	node->item_required = bpm_prop_bool(c->key, object, "required", element, false);
	node->manual = bpm_prop_bool(c->key, object, "manual", element, false);
	node->repeat = bpm_prop_bool(c->key, object, "repeat", element, false);
	node->discretionary = bpm_prop_bool(c->key, object, "discretionary", element, false);
	node->entry = compile_sentries(c, object, "entry", element, &node->nentry);
	node->exit = compile_sentries(c, object, "exit", element, &node->nexit);
	applicability = bpm_prop_string(c->key, object, "applicability", element, false);
	if (applicability && !node->discretionary)
		invalid(c->key, "%s: \"applicability\" is for discretionary items (\"discretionary\": true)",
				element);
	if (applicability)
	{
		node->applicability = bpm_prop_condition(c->key, applicability, element);
		node->applicability_text = applicability;
	}
	if (is_listener(node->kind) &&
		(node->nentry || node->nexit || node->item_required || node->manual || node->repeat ||
		 node->discretionary))
		invalid(c->key, "%s: an event listener has no entry or exit criteria and no item rules; it occurs",
				element);
	if (node->kind == BPM_MILESTONE && (node->nexit || node->manual || node->discretionary))
		invalid(c->key, "%s: a milestone is reached by its entry criteria: no exit criteria, manual activation or planning",
				element);
}

static void compile_items(CaseCompiler *c, JsonbContainer *object, const char *prop,
						  int scope, const char *element);

static void
compile_item_kind(CaseCompiler *c, JsonbContainer *object, int index, const char *element)
{
	BpmNode    *node = &c->nodes[index];

	switch (node->kind)
	{
		case BPM_USER_TASK:
			bpm_prop_value_spec(c->key, object, "assignee", element, &node->assignee, false);
			bpm_prop_value_spec(c->key, object, "candidate_groups", element, &node->candidate_groups, true);
			node->priority = bpm_prop_int(c->key, object, "priority", element, 50, 0);
			node->due = bpm_prop_duration(c->key, object, "due", element);
			node->required = bpm_prop_strings(c->key, object, "required_fields", element,
											  &node->nrequired);
			node->four_eyes = bpm_prop_strings(c->key, object, "four_eyes", element, &node->nfour_eyes);
			node->case_role = bpm_prop_string(c->key, object, "role", element, false);
			if (node->case_role && (node->assignee.constant || node->assignee.path ||
									node->candidate_groups.constant || node->candidate_groups.path))
				invalid(c->key, "%s: a task for a case \"role\" has no assignee or candidate groups of its own",
						element);
			break;
		case BPM_STAGE:
			node->auto_complete = bpm_prop_bool(c->key, object, "auto_complete", element, false);
			compile_items(c, object, "items", index, element);
			break;
		case BPM_TIMER_LISTENER:
			bpm_prop_timer(c->key, object, "timer", element, BPM_TIMER_ON_INTERMEDIATE, &node->timer);
			if (node->timer.kind == BPM_TIMER_NONE)
				invalid(c->key, "%s: a timer listener needs a \"timer\" such as {\"duration\": \"P10D\"}",
						element);
			break;
		case BPM_PROCESS_TASK:
			node->target_key = bpm_prop_string(c->key, object, "process", element, true);
			node->wait = bpm_prop_bool(c->key, object, "wait", element, true);
			break;
		case BPM_CASE_TASK:
			node->target_key = bpm_prop_string(c->key, object, "case", element, true);
			node->wait = bpm_prop_bool(c->key, object, "wait", element, true);
			break;
		default:
			break;
	}
}

static void
compile_item(CaseCompiler *c, JsonbValue *value, int scope)
{
	JsonbContainer *object = bpm_jb_container(value);
	const ItemType *type;
	BpmNode    *node;
	char	   *id;
	char	   *type_name;
	char	   *element;
	int			index;

	if (object == NULL || !JsonContainerIsObject(object))
		invalid(c->key, "plan item %d is not an object", c->nnodes + 1);
	id = bpm_prop_string(c->key, object, "id", psprintf("plan item %d", c->nnodes + 1), true);
	element = psprintf("plan item \"%s\"", id);
	if (strcmp(id, "file") == 0 || strchr(id, '.') != NULL)
		invalid(c->key, "%s: an id may not be \"file\" or contain \".\" (on-parts read \"<item>.<transition>\")",
				element);
	type_name = bpm_prop_string(c->key, object, "type", element, true);
	type = find_type(type_name);
	if (type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s has unknown type \"%s\"", c->key, element, type_name),
				 errhint("Plan item types: human_task, stage, milestone, timer_listener, user_listener, process_task, case_task.")));
	bpm_prop_check_keys(c->key, object, element, common_properties, type->properties);
	if (c->nnodes == c->maxnodes)
		c->nodes = repalloc(c->nodes, sizeof(BpmNode) * (c->maxnodes *= 2));
	index = c->nnodes++;
	node = &c->nodes[index];
	memset(node, 0, sizeof(BpmNode));
	/* its own properties (bpm.node); a stage's items are rows of their own */
	node->object = c->deploying
		? bpm_jb_object_without(object, (const char *const[]) {"items"}, 1) : NULL;
	node->id = id;
	node->kind = type->kind;
	node->name = bpm_prop_string(c->key, object, "name", element, false);
	node->scope = scope;
	node->start = -1;
	node->attached_to = -1;
	node->escalation_boundary = -1;
	node->retries = CASE_TIMER_RETRIES;
	compile_item_rules(c, object, node, element);
	compile_item_kind(c, object, index, element);
}

static void
compile_items(CaseCompiler *c, JsonbContainer *object, const char *prop, int scope,
			  const char *element)
{
	JsonbValue	v;
	JsonbContainer *items;
	int			i;

	check_stack_depth();		/* stages nest without limit */
	if (!bpm_jb_get(object, prop, &v))
		invalid(c->key, "%s has no \"%s\" array", element, prop);
	items = bpm_jb_container(&v);
	if (items == NULL || !JsonContainerIsArray(items))
		invalid(c->key, "%s: \"%s\" must be an array of plan items", element, prop);
	for (i = 0; i < bpm_jb_array_size(items); i++)
	{
		JsonbValue	item;

		bpm_jb_array_get(items, i, &item);
		compile_item(c, &item, scope);
	}
}

/* An on-part names a plan item of this case and a transition it has, or a case-file field. */
static void
check_on_part(const char *key, BpmGraph *g, const char *part, const char *element)
{
	const char *dot = strchr(part, '.');
	char	   *item;
	const char *transition;
	int			index;
	int			i;

	if (dot == NULL || dot == part || dot[1] == '\0')
		invalid(key, "%s: on-part \"%s\" must read \"<item>.<transition>\" or \"file.<field>\"",
				element, part);
	if (strncmp(part, "file.", 5) == 0)
		return;
	item = pnstrdup(part, dot - part);
	transition = dot + 1;
	index = bpm_graph_find(g, item);
	if (index < 0)
		invalid(key, "%s: on-part \"%s\" names no plan item of this case", element, part);
	if (is_listener(g->nodes[index].kind) || g->nodes[index].kind == BPM_MILESTONE)
	{
		if (strcmp(transition, "occur") != 0)
			invalid(key, "%s: on-part \"%s\": a %s has one transition, \"occur\"",
					element, part, bpm_case_item_type(g->nodes[index].kind));
		return;
	}
	for (i = 0; item_transitions[i]; i++)
		if (strcmp(item_transitions[i], transition) == 0)
			return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("definition \"%s\": %s: on-part \"%s\" names no transition of a %s",
					key, element, part, bpm_case_item_type(g->nodes[index].kind)),
			 errhint("Transitions: create, start, manual_start, complete, terminate, exit, enable, disable, reenable, fault, suspend, resume, parent_suspend, parent_resume.")));
}

static void
check_sentries(const char *key, BpmGraph *g, BpmSentry *sentries, int n, const char *element)
{
	int			i;
	int			j;

	for (i = 0; i < n; i++)
		for (j = 0; j < sentries[i].nparts; j++)
			check_on_part(key, g, sentries[i].parts[j], element);
}

/* "roles": the names of the roles people hold in a case; "owner" is always one. */
static void
compile_roles(CaseCompiler *c, JsonbContainer *top, BpmGraph *g)
{
	int			n;
	char	  **names = bpm_prop_strings(c->key, top, "roles", "the definition", &n);
	int			i;

	g->roles = palloc(sizeof(char *) * (n + 1));
	g->roles[g->nroles++] = "owner";
	for (i = 0; i < n; i++)
	{
		if (names[i][0] == '\0')
			invalid(c->key, "the definition: a role name must not be empty");
		if (!bpm_case_has_role(g, names[i]))
			g->roles[g->nroles++] = names[i];
	}
}

bool
bpm_case_has_role(const BpmGraph *g, const char *role)
{
	int			i;

	for (i = 0; i < g->nroles; i++)
		if (strcmp(g->roles[i], role) == 0)
			return true;
	return false;
}

BpmGraph *
bpm_case_compile(Jsonb *source, bool deploying)
{
	CaseCompiler c;
	BpmGraph   *g;
	JsonbContainer *top = &source->root;
	JsonbValue	v;
	int			i;

	memset(&c, 0, sizeof(c));
	bpm_jb_get(top, "key", &v);
	c.key = pnstrdup(v.val.string.val, v.val.string.len);
	c.deploying = deploying;
	bpm_prop_check_keys(c.key, top, "the definition", top_properties, NULL);
	c.maxnodes = 16;
	c.nodes = palloc(sizeof(BpmNode) * c.maxnodes);

	g = palloc0(sizeof(BpmGraph));
	g->key = c.key;
	g->is_case = true;
	g->start = -1;
	g->name = bpm_prop_string(c.key, top, "name", "the definition", false);
	g->due = bpm_prop_duration(c.key, top, "due", "the definition");
	g->auto_complete = bpm_prop_bool(c.key, top, "auto_complete", "the definition", false);
	compile_items(&c, top, "plan", -1, "the definition");
	g->exit = compile_sentries(&c, top, "exit", "the definition", &g->nexit);
	compile_roles(&c, top, g);
	g->nodes = c.nodes;
	g->nnodes = c.nnodes;
	bpm_index_nodes(c.key, g);
	for (i = 0; i < g->nnodes; i++)
	{
		char	   *element = psprintf("plan item \"%s\"", g->nodes[i].id);

		check_sentries(c.key, g, g->nodes[i].entry, g->nodes[i].nentry, element);
		check_sentries(c.key, g, g->nodes[i].exit, g->nodes[i].nexit, element);
	}
	check_sentries(c.key, g, g->exit, g->nexit, "the definition");
	for (i = 0; i < g->nnodes; i++)
	{
		int			j;

		if (g->nodes[i].case_role && !bpm_case_has_role(g, g->nodes[i].case_role))
			invalid(c.key, "plan item \"%s\": role \"%s\" is not one of the case's \"roles\"",
					g->nodes[i].id, g->nodes[i].case_role);
		for (j = 0; j < g->nodes[i].nfour_eyes; j++)
		{
			int			other = bpm_graph_find(g, g->nodes[i].four_eyes[j]);

			if (other < 0 || g->nodes[other].kind != BPM_USER_TASK)
				invalid(c.key, "plan item \"%s\": four_eyes names \"%s\", which is no human task of this case",
						g->nodes[i].id, g->nodes[i].four_eyes[j]);
		}
	}
	return g;
}
