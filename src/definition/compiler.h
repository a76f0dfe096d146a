/*
 * src/definition/compiler.h
 *
 * The state of one compilation of a process definition, shared by the two
 * halves of the compiler: compile.c reads the elements into growing arrays
 * of nodes and flows, graph_check.c links them into a graph and checks it.
 * Private to definition/.
 */
#ifndef BPM_COMPILER_H
#define BPM_COMPILER_H

#include "definition/definition.h"
#include "definition/properties.h"

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

/* graph_check.c: link flows and boundary events, check the graph (42P17) */
extern void bpm_graph_check(Compiler *c, BpmGraph *g);

#endif							/* BPM_COMPILER_H */
