/*
 * src/definition/graph.c
 *
 * Questions asked of a compiled graph, by the compilers and at run time:
 * a node by its id (the index bpm_index_nodes builds), the error boundary
 * event that catches an error, whether a user task escalates.
 */
#include "postgres.h"

#include "definition/definition.h"
#include "definition/properties.h"

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
