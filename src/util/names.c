/*
 * src/util/names.c
 *
 * Names given to the engine, checked before anything is stored: empty
 * (22023), longer than BPM_NAME_MAX bytes (22001), and arrays of names
 * that are not a plain list, one-dimensional from 1 without nulls (22023).
 * Each error names the argument (or element) and quotes the text: a long
 * one by its beginning.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "util/names.h"

/* A name for a message: itself, or when longer than BPM_NAME_QUOTED bytes its beginning and "...". */
char *
bpm_name_clip(const char *name)
{
	int			len = strlen(name);

	if (len <= BPM_NAME_QUOTED)
		return pstrdup(name);
	return psprintf("%.*s...", pg_mbcliplen(name, len, BPM_NAME_QUOTED), name);
}

void
bpm_check_name(const char *name, const char *what)
{
	int			len = strlen(name);

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", what)));
	if (len > BPM_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("%s is too long: %d bytes, at most %d", what, len, BPM_NAME_MAX),
				 errdetail("It is \"%s\".", bpm_name_clip(name))));
}

/* A text argument that is a name: NULL is 22004, then bpm_check_name. */
char *
bpm_name_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	char	   *name;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	bpm_check_name(name, what);
	return name;
}

/*
 * An array that is a plain list: one dimension, from 1 (an empty array is
 * one). '{{a},{b}}' or '[0:1]={a,b}' would be stored as given and read
 * wrong by whatever takes element 1 as the first.
 */
void
bpm_check_list(ArrayType *list, const char *what)
{
	if (ARR_NDIM(list) > 1 || (ARR_NDIM(list) == 1 && ARR_LBOUND(list)[0] != 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array starting at 1, not %s", what,
						OidOutputFunctionCall(F_ARRAY_OUT, PointerGetDatum(list))),
				 errhint("Write a plain list, such as ARRAY['a', 'b'] or '{a,b}'.")));
}

/* A text[] of names: a plain list without NULL, every element a name. */
void
bpm_check_names(ArrayType *names, const char *what)
{
	Datum	   *items;
	bool	   *nulls;
	int			n;
	int			i;

	bpm_check_list(names, what);
	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		if (nulls[i] || VARSIZE_ANY_EXHDR(DatumGetPointer(items[i])) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not contain null or empty names", what)));
		bpm_check_name(TextDatumGetCString(items[i]), psprintf("a name in %s", what));
	}
}
