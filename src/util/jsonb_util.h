/*
 * src/util/jsonb_util.h
 *
 * Reading jsonb documents from C: object members, array elements, keys,
 * and building small objects. Used by the definition compiler and the
 * engine's data merging.
 */
#ifndef BPM_JSONB_UTIL_H
#define BPM_JSONB_UTIL_H

#include "utils/jsonb.h"

extern bool bpm_jb_get(JsonbContainer *object, const char *key, JsonbValue *out);
extern JsonbContainer *bpm_jb_container(JsonbValue *value);	/* NULL if scalar */
extern int	bpm_jb_array_size(JsonbContainer *array);
extern bool bpm_jb_array_get(JsonbContainer *array, int i, JsonbValue *out);
extern char **bpm_jb_object_keys(JsonbContainer *object, int *nkeys);
extern Jsonb *bpm_jb_value_to_jsonb(JsonbValue *value);
extern Jsonb *bpm_jb_object_without(JsonbContainer *object, const char *const *drop, int ndrop);
extern bool bpm_jb_equal(JsonbValue *a, JsonbValue *b);
extern char *bpm_jb_value_to_cstring(JsonbValue *value);
extern const char *bpm_jb_type_name(JsonbValue *value);
extern Jsonb *bpm_jb_empty_object(void);
extern Jsonb *bpm_jb_concat(Jsonb *a, Jsonb *b);
extern Jsonb *bpm_jb_build(int npairs, const char **keys, Jsonb **values);
extern Jsonb *bpm_jb_string(const char *s);
extern Jsonb *bpm_jb_int(int64 i);
extern Jsonb *bpm_jb_bool(bool b);
extern Jsonb *bpm_jb_text_array(Datum array);

#endif							/* BPM_JSONB_UTIL_H */
