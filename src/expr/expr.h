/*
 * src/expr/expr.h
 *
 * What expr/ offers the others: conditions and value paths evaluated
 * against instance data (a case file, process variables). See expr.c.
 */
#ifndef BPM_EXPR_H
#define BPM_EXPR_H

#include "utils/jsonb.h"
#include "utils/jsonpath.h"

extern bool bpm_expr_match(JsonPath *condition, Jsonb *data);
extern Jsonb *bpm_expr_first(JsonPath *path, Jsonb *data);

#endif							/* BPM_EXPR_H */
