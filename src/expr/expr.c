/*
 * src/expr/expr.c
 *
 * Conditions and value paths: SQL/JSON path expressions evaluated against
 * the instance data with PostgreSQL's own jsonpath engine, in silent mode,
 * so a missing field makes a condition false rather than an error.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/jsonpath.h"

#include "expr/expr.h"
#include "util/util.h"

/* Is the predicate true for data? Unknown (null) counts as false. */
bool
bpm_expr_match(JsonPath *condition, Jsonb *data)
{
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 2, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = JsonbPGetDatum(data);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = PointerGetDatum(condition);
	fcinfo->args[1].isnull = false;
	/* the two-argument form (the @@ operator) is silent */
	result = jsonb_path_match_opr(fcinfo);
	return !fcinfo->isnull && DatumGetBool(result);
}

/* The first item the path selects from data, or NULL. */
Jsonb *
bpm_expr_first(JsonPath *path, Jsonb *data)
{
	LOCAL_FCINFO(fcinfo, 4);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 4, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = JsonbPGetDatum(data);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = PointerGetDatum(path);
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = JsonbPGetDatum(bpm_jb_empty_object());
	fcinfo->args[2].isnull = false;
	fcinfo->args[3].value = BoolGetDatum(true);
	fcinfo->args[3].isnull = false;
	result = jsonb_path_query_first(fcinfo);
	return fcinfo->isnull ? NULL : DatumGetJsonbP(result);
}
