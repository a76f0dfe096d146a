/*
 * src/process/gateway.c
 *
 * Deciding gateways. An exclusive gateway takes the first outgoing flow, in
 * definition order, whose condition holds, else its default; an inclusive
 * gateway takes every flow whose condition holds, else its default. With
 * neither, the step fails with an error naming the gateway, and the
 * caller's statement rolls back with nothing changed. (Joins need the
 * instance's tokens and live in engine.c.)
 */
#include "postgres.h"

#include "process/engine.h"

int
bpm_gateway_choose(BpmInstance *inst, BpmNode *node, int *chosen)
{
	BpmGraph   *g = inst->graph;
	int			n = 0;
	int			dflt = -1;
	int			i;

	for (i = 0; i < node->nout; i++)
	{
		BpmFlow    *f = &g->flows[node->outgoing[i]];

		if (f->is_default)
			dflt = node->outgoing[i];
		else if (f->condition == NULL || bpm_expr_match(f->condition, inst->data))
		{
			chosen[n++] = node->outgoing[i];
			if (node->kind == BPM_EXCLUSIVE_GATEWAY)
				return n;
		}
	}
	if (n == 0 && dflt >= 0)
		chosen[n++] = dflt;
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CASE_NOT_FOUND),
				 errmsg("gateway \"%s\" of process \"%s\": no outgoing flow's condition holds and there is no default flow",
						node->id, g->key),
				 errdetail("Instance data: %s",
						   JsonbToCString(NULL, &inst->data->root, VARSIZE(inst->data))),
				 errhint("Add a flow with \"default\": true to the gateway, or complete the step with data that satisfies a condition.")));
	return n;
}
