/*
 * src/definition/properties.h
 *
 * Reading the properties of a definition's elements: typed values
 * (strings, integers, lists, durations), jsonpaths and conditions, and
 * script function names, each checked with an error that names the
 * definition (key) and the element. Used by the compiler (compile.c).
 */
#ifndef BPM_PROPERTIES_H
#define BPM_PROPERTIES_H

#include "definition/definition.h"

/* 42P17 'definition "<key>": <message>' */
#define bpm_invalid_definition(key, ...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION), \
			 errmsg("definition \"%s\": %s", (key), psprintf(__VA_ARGS__))))

extern void bpm_prop_check_keys(const char *key, JsonbContainer *object, const char *element,
								const char *const *allowed, const char *const *more);
extern char *bpm_prop_string(const char *key, JsonbContainer *object, const char *prop,
							 const char *element, bool required);
extern int	bpm_prop_int(const char *key, JsonbContainer *object, const char *prop,
						 const char *element, int dflt, int min);
extern char **bpm_prop_strings(const char *key, JsonbContainer *object, const char *prop,
							   const char *element, int *n);
extern JsonPath *bpm_prop_path(const char *key, const char *text, const char *element);
extern JsonPath *bpm_prop_condition(const char *key, const char *text, const char *element);
extern void bpm_prop_value_spec(const char *key, JsonbContainer *object, const char *prop,
								const char *element, BpmValueSpec *spec, bool array_ok);
extern Interval *bpm_prop_duration(const char *key, JsonbContainer *object, const char *prop,
								   const char *element);
extern void bpm_prop_check_function(const char *key, const char *name, const char *element);
extern bool bpm_prop_bool(const char *key, JsonbContainer *object, const char *prop,
						  const char *element, bool dflt);
extern void bpm_prop_escalation(const char *key, JsonbContainer *object, const char *element,
								bool has_due, BpmEscalation *escalation);
extern void bpm_prop_timer(const char *key, JsonbContainer *object, const char *prop,
						   const char *element, BpmTimerPlace place, BpmTimer *timer);
extern void bpm_prop_timer_deployable(const char *key, const char *element, const BpmTimer *timer);

#endif							/* BPM_PROPERTIES_H */
