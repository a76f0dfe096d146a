/*
 * src/util/jsonb_util.c
 *
 * jsonb helpers. Definitions and instance data are jsonb; this file keeps
 * the iterator and container plumbing out of the modules that read them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "util/jsonb_util.h"

bool
bpm_jb_get(JsonbContainer *object, const char *key, JsonbValue *out)
{
	if (object == NULL || !JsonContainerIsObject(object))
		return false;
	return getKeyJsonValueFromContainer(object, key, strlen(key), out) != NULL;
}

JsonbContainer *
bpm_jb_container(JsonbValue *value)
{
	return value->type == jbvBinary ? value->val.binary.data : NULL;
}

int
bpm_jb_array_size(JsonbContainer *array)
{
	return (array && JsonContainerIsArray(array) && !JsonContainerIsScalar(array))
		? (int) JsonContainerSize(array) : -1;
}

bool
bpm_jb_array_get(JsonbContainer *array, int i, JsonbValue *out)
{
	JsonbValue *v = getIthJsonbValueFromContainer(array, (uint32) i);

	if (v == NULL)
		return false;
	*out = *v;
	return true;
}

char **
bpm_jb_object_keys(JsonbContainer *object, int *nkeys)
{
	JsonbIterator *it = JsonbIteratorInit(object);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;
	char	  **keys = palloc(sizeof(char *) * (JsonContainerSize(object) + 1));

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			keys[n++] = pnstrdup(v.val.string.val, v.val.string.len);
	}
	*nkeys = n;
	return keys;
}

Jsonb *
bpm_jb_value_to_jsonb(JsonbValue *value)
{
	return JsonbValueToJsonb(value);
}

static bool
key_in(const JsonbValue *key, const char *const *names, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (key->val.string.len == (int) strlen(names[i]) &&
			memcmp(key->val.string.val, names[i], key->val.string.len) == 0)
			return true;
	return false;
}

/*
 * The object without its members named in drop, built without copying
 * them: an element's own properties without the scopes nested in it, in
 * time linear in what is kept (a copy of the whole subtree at each level
 * made deploying deep nesting quadratic).
 */
Jsonb *
bpm_jb_object_without(JsonbContainer *object, const char *const *drop, int ndrop)
{
	JsonbParseState *state = NULL;
	JsonbIterator *it = JsonbIteratorInit(object);
	JsonbValue	v;
	JsonbValue *result = NULL;
	JsonbIteratorToken tok;
	bool		skip = false;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			skip = key_in(&v, drop, ndrop);
		if (skip && (tok == WJB_KEY || tok == WJB_VALUE))
			continue;
		result = pushJsonbValue(&state, tok, tok < WJB_BEGIN_ARRAY ? &v : NULL);
	}
	return JsonbValueToJsonb(result);
}

char *
bpm_jb_value_to_cstring(JsonbValue *value)
{
	Jsonb	   *jb = JsonbValueToJsonb(value);

	return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
}

const char *
bpm_jb_type_name(JsonbValue *value)
{
	switch (value->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvBinary:
			return JsonContainerIsArray(value->val.binary.data) ? "array" : "object";
		default:
			return "value";
	}
}

Jsonb *
bpm_jb_empty_object(void)
{
	JsonbParseState *state = NULL;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
}

Jsonb *
bpm_jb_concat(Jsonb *a, Jsonb *b)
{
	return DatumGetJsonbP(DirectFunctionCall2(jsonb_concat,
											  JsonbPGetDatum(a),
											  JsonbPGetDatum(b)));
}

Jsonb *
bpm_jb_string(const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	return JsonbValueToJsonb(&v);
}

/* Build {"k1": v1, ...}; a NULL value is JSON null. */
Jsonb *
bpm_jb_build(int npairs, const char **keys, Jsonb **values)
{
	JsonbParseState *state = NULL;
	JsonbValue *result;
	int			i;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < npairs; i++)
	{
		JsonbValue	k;
		JsonbValue	v;

		k.type = jbvString;
		k.val.string.val = (char *) keys[i];
		k.val.string.len = strlen(keys[i]);
		pushJsonbValue(&state, WJB_KEY, &k);
		if (values[i] == NULL)
		{
			v.type = jbvNull;
			pushJsonbValue(&state, WJB_VALUE, &v);
		}
		else if (JB_ROOT_IS_SCALAR(values[i]))
		{
			JsonbExtractScalar(&values[i]->root, &v);
			pushJsonbValue(&state, WJB_VALUE, &v);
		}
		else
		{
			v.type = jbvBinary;
			v.val.binary.data = &values[i]->root;
			v.val.binary.len = VARSIZE(values[i]) - VARHDRSZ;
			pushJsonbValue(&state, WJB_VALUE, &v);
		}
	}
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(result);
}

Jsonb *
bpm_jb_int(int64 i)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(i);
	return JsonbValueToJsonb(&v);
}

Jsonb *
bpm_jb_bool(bool b)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = b;
	return JsonbValueToJsonb(&v);
}

/* A text[] datum as a JSON array of strings. */
Jsonb *
bpm_jb_text_array(Datum array)
{
	JsonbParseState *state = NULL;
	Datum	   *items;
	bool	   *nulls;
	int			n;
	int			i;

	deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT,
					  &items, &nulls, &n);
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < n; i++)
	{
		JsonbValue	v;

		if (nulls[i])
			v.type = jbvNull;
		else
		{
			text	   *t = DatumGetTextPP(items[i]);

			v.type = jbvString;
			v.val.string.val = VARDATA_ANY(t);
			v.val.string.len = VARSIZE_ANY_EXHDR(t);
		}
		pushJsonbValue(&state, WJB_ELEM, &v);
	}
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_ARRAY, NULL));
}

/* Do two JSON values mean the same (jsonb equality)? */
bool
bpm_jb_equal(JsonbValue *a, JsonbValue *b)
{
	return DatumGetBool(DirectFunctionCall2(jsonb_eq,
											JsonbPGetDatum(bpm_jb_value_to_jsonb(a)),
											JsonbPGetDatum(bpm_jb_value_to_jsonb(b))));
}
