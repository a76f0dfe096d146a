/*
 * src/definition/properties.c
 *
 * Typed properties of definition elements, checked as they are read. Every
 * violation is SQLSTATE 42P17 naming the definition and the element (42883
 * / 42501 for a script function that is missing or not executable by the
 * deployer). Parsers that raise errors of their own (jsonpath, interval,
 * qualified names) run through guarded_parse, which turns their complaint
 * into the detail of a definition error.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonpath.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"

#include "util/util.h"
#include "definition/properties.h"
#include "time/time.h"

#define invalid(key, ...) bpm_invalid_definition(key, __VA_ARGS__)

static bool
in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* Refuse any key of an object not in the allowed lists. */
void
bpm_prop_check_keys(const char *key, JsonbContainer *object, const char *element,
				 const char *const *allowed, const char *const *more)
{
	int			n;
	char	  **keys = bpm_jb_object_keys(object, &n);
	int			i;

	for (i = 0; i < n; i++)
		if (!in_list(allowed, keys[i]) && (more == NULL || !in_list(more, keys[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("definition \"%s\": %s has unknown property \"%s\"",
							key, element, keys[i]),
					 errhint("See docs/definitions.md for the properties of each element.")));
}

char *
bpm_prop_string(const char *key, JsonbContainer *object, const char *prop,
		   const char *element, bool required)
{
	JsonbValue	v;

	if (!bpm_jb_get(object, prop, &v))
	{
		if (required)
			invalid(key, "%s has no \"%s\"", element, prop);
		return NULL;
	}
	if (v.type != jbvString)
		invalid(key, "%s: \"%s\" must be a string, not %s", element, prop, bpm_jb_type_name(&v));
	if (v.val.string.len == 0)
		invalid(key, "%s: \"%s\" must not be empty", element, prop);
	return pnstrdup(v.val.string.val, v.val.string.len);
}

int
bpm_prop_int(const char *key, JsonbContainer *object, const char *prop,
		const char *element, int dflt, int min)
{
	JsonbValue	v;
	char	   *text;
	long		result = 0;

	if (!bpm_jb_get(object, prop, &v))
		return dflt;
	text = v.type == jbvNumeric
		? DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)))
		: NULL;
	if (text == NULL || strspn(text + (text[0] == '-'), "0123456789") != strlen(text + (text[0] == '-')) ||
		strlen(text) > 10 || (result = strtol(text, NULL, 10)) > PG_INT32_MAX || result < PG_INT32_MIN)
		invalid(key, "%s: \"%s\" must be an integer, not %s",
				element, prop, text ? text : bpm_jb_type_name(&v));
	if (result < min)
		invalid(key, "%s: \"%s\" must be at least %d", element, prop, min);
	return result;
}

/* An array of non-empty strings. */
char **
bpm_prop_strings(const char *key, JsonbContainer *object, const char *prop,
				 const char *element, int *n)
{
	JsonbValue	v;
	JsonbContainer *arr;
	char	  **result;
	int			i;

	*n = 0;
	if (!bpm_jb_get(object, prop, &v))
		return NULL;
	arr = bpm_jb_container(&v);
	if (bpm_jb_array_size(arr) < 0)
		invalid(key, "%s: \"%s\" must be an array of strings", element, prop);
	*n = bpm_jb_array_size(arr);
	result = palloc0(sizeof(char *) * (*n + 1));
	for (i = 0; i < *n; i++)
	{
		JsonbValue	e;

		bpm_jb_array_get(arr, i, &e);
		if (e.type != jbvString || e.val.string.len == 0)
			invalid(key, "%s: \"%s\" must be an array of strings", element, prop);
		result[i] = pnstrdup(e.val.string.val, e.val.string.len);
	}
	return result;
}

/*
 * Run a parser on text, turning its error into a definition error that
 * names the element (deploy is not a hot path: a subtransaction is fine).
 */
static Datum
guarded_parse(const char *key, PGFunction parser, const char *text, const char *element,
			  const char *what)
{
	Datum		result;
	ErrorData  *problem = bpm_try_parse(parser, text, &result);

	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s has an invalid %s \"%s\"",
						key, element, what, text),
				 errdetail("%s", problem->message)));
	return result;
}

JsonPath *
bpm_prop_path(const char *key, const char *text, const char *element)
{
	return DatumGetJsonPathP(guarded_parse(key, jsonpath_in, text, element, "jsonpath"));
}

/* Does the path refer to a $variable? Conditions are evaluated without any. */
static bool
jsonpath_uses_variables(JsonPath *path)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(jsonpath_out, PointerGetDatum(path)));
	bool		in_string = false;
	char	   *p;

	/* jsonpath_out prints variables as $"name" and the root as a lone $ */
	for (p = text; *p; p++)
	{
		if (*p == '\\' && in_string && p[1])
			p++;
		else if (*p == '"')
			in_string = !in_string;
		else if (*p == '$' && !in_string && p[1] == '"')
			return true;
	}
	return false;
}

/* Is the path a predicate (a comparison, a test, a boolean operator)? */
static bool
jsonpath_is_predicate(JsonPath *path)
{
	JsonPathItem item;

	jspInit(&item, path);
	switch (item.type)
	{
		case jpiEqual:
		case jpiNotEqual:
		case jpiLess:
		case jpiGreater:
		case jpiLessOrEqual:
		case jpiGreaterOrEqual:
		case jpiAnd:
		case jpiOr:
		case jpiNot:
		case jpiIsUnknown:
		case jpiExists:
		case jpiLikeRegex:
		case jpiStartsWith:
			return true;
		default:
			return false;
	}
}

/* A flow condition must be a predicate: its value is true, false or unknown. */
JsonPath *
bpm_prop_condition(const char *key, const char *text, const char *element)
{
	JsonPath   *path = bpm_prop_path(key, text, element);

	if (!jsonpath_is_predicate(path))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s: condition \"%s\" is not a predicate",
						key, element, text),
				 errhint("Write a comparison such as $.amount > 1000, or exists($.field).")));
	if (jsonpath_uses_variables(path))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s: condition \"%s\" uses a jsonpath variable",
						key, element, text),
				 errhint("Conditions see only the instance data: write $.field, not $name.")));
	return path;
}

/*
 * A path that selects a value from the instance data (an assignee, the
 * candidate groups, a timer's duration or date): not a predicate, whose value would be true or false
 * rather than a name, and without $variables, which nothing passes.
 */
static JsonPath *
value_path(const char *key, const char *text, const char *element)
{
	JsonPath   *path = bpm_prop_path(key, text, element);

	if (jsonpath_is_predicate(path))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s: \"%s\" is a predicate, not a path to a value",
						key, element, text),
				 errhint("Write the path of the field that holds the value, such as $.approver.")));
	if (jsonpath_uses_variables(path))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s: \"%s\" uses a jsonpath variable",
						key, element, text),
				 errhint("Paths see only the instance data: write $.field, not $name.")));
	return path;
}

/* A name a task is given (an assignee, a group) fits in its index: util/names.h. */
static void
check_name_length(const char *key, const char *element, const char *prop, const char *name,
				  int len)
{
	if (len > BPM_NAME_MAX)
		invalid(key, "%s: \"%s\" is too long: %d bytes, at most %d (it begins \"%s\")",
				element, prop, len, BPM_NAME_MAX, bpm_name_clip(pnstrdup(name, len)));
}

/*
 * A constant (a name, or an array of names) or, for a string starting with
 * "$", a path to a value in the instance data.
 */
void
bpm_prop_value_spec(const char *key, JsonbContainer *object, const char *prop,
			   const char *element, BpmValueSpec *spec, bool array_ok)
{
	JsonbValue	v;

	spec->constant = NULL;
	spec->path = NULL;
	if (!bpm_jb_get(object, prop, &v))
		return;
	if (v.type == jbvString && v.val.string.len > 0 && v.val.string.val[0] == '$')
	{
		char	   *text = pnstrdup(v.val.string.val, v.val.string.len);

		spec->path = value_path(key, text, psprintf("%s property \"%s\"", element, prop));
		return;
	}
	if (v.type == jbvString && v.val.string.len > 0)
	{
		check_name_length(key, element, prop, v.val.string.val, v.val.string.len);
		spec->constant = bpm_jb_value_to_jsonb(&v);
		return;
	}
	if (array_ok && v.type == jbvBinary)
	{
		int			n;
		char	  **names = bpm_prop_strings(key, object, prop, element, &n);
		int			i;

		if (n == 0)
			invalid(key, "%s: \"%s\" must not be empty", element, prop);
		for (i = 0; i < n; i++)
			check_name_length(key, element, prop, names[i], strlen(names[i]));
		spec->constant = bpm_jb_value_to_jsonb(&v);
		return;
	}
	invalid(key, "%s: \"%s\" must be a %s or a jsonpath string starting with \"$\"",
			element, prop, array_ok ? "string, an array of strings," : "string");
}

/* A reason from a parser of time/ (a phrase) as the sentence of an errdetail. */
static char *
sentence(const char *why)
{
	char	   *result = psprintf("%s.", why);

	result[0] = pg_toupper((unsigned char) result[0]);
	return result;
}

Interval *
bpm_prop_duration(const char *key, JsonbContainer *object, const char *prop, const char *element)
{
	char	   *text = bpm_prop_string(key, object, prop, element, false);
	Interval   *result = palloc(sizeof(Interval));
	char	   *why;

	if (text == NULL)
		return NULL;
	if (text[0] != 'P')
		invalid(key, "%s: \"%s\" must be an ISO 8601 duration such as \"P3D\" or \"PT4H\", not \"%s\"",
				element, prop, text);
	if ((why = bpm_duration_parse(text, result)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s has an invalid \"%s\" \"%s\"", key, element, prop, text),
				 errdetail("%s", sentence(why)),
				 errhint("An ISO 8601 duration is \"P\", then years, months, weeks and days, then \"T\" and hours, minutes and seconds, each at most once: \"P1Y2M10D\", \"PT4H30M\", \"P1DT12H\".")));
	if (BPM_DURATION_IS_ZERO(result))
		invalid(key, "%s: \"%s\" must be a positive duration, not \"%s\"", element, prop, text);
	return result;
}

/* stringToQualifiedNameList as a PGFunction, for guarded_parse */
static Datum
qualified_name_list(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(stringToQualifiedNameList(PG_GETARG_CSTRING(0)));
}

void
bpm_prop_check_function(const char *key, const char *name, const char *element)
{
	List	   *names = (List *) DatumGetPointer(guarded_parse(key, qualified_name_list, name, element,
														  "function name"));
	Oid			argtypes[1] = {JSONBOID};
	Oid			fn;

	if (list_length(names) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s: function \"%s\" must be schema-qualified (schema.function)",
						key, element, name),
				 list_length(names) == 1
				 ? errhint("Write \"public.%s\": scripts run with search_path = pg_catalog, pg_temp, so a name never depends on who runs the process.",
						   name)
				 : errhint("A function of another database cannot be called.")));
	fn = LookupFuncName(names, 1, argtypes, true);
	if (!OidIsValid(fn))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("definition \"%s\": %s: function %s(jsonb) does not exist",
						key, element, name),
				 errhint("Script tasks and SQL service tasks call a function f(data jsonb) RETURNS jsonb; create it before deploying.")));
	if (get_func_rettype(fn) != JSONBOID)
		invalid(key, "%s: function %s(jsonb) must return jsonb", element, name);
	if (pg_proc_aclcheck(fn, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("definition \"%s\": %s: permission denied for function %s(jsonb)",
						key, element, name),
				 errdetail("Script tasks and SQL service tasks run as the role that deploys the definition.")));
}


bool
bpm_prop_bool(const char *key, JsonbContainer *object, const char *prop,
			  const char *element, bool dflt)
{
	JsonbValue	v;

	if (!bpm_jb_get(object, prop, &v))
		return dflt;
	if (v.type != jbvBool)
		invalid(key, "%s: \"%s\" must be true or false, not %s", element, prop, bpm_jb_type_name(&v));
	return v.val.boolean;
}

static void
timer_cycle(const char *key, const char *element, const char *text, BpmTimer *timer)
{
	char	   *why;

	timer->cycle = palloc(sizeof(BpmRecurrence));
	if ((why = bpm_recurrence_parse(text, timer->cycle)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s has an invalid timer cycle \"%s\"",
						key, element, text),
				 errdetail("%s", sentence(why)),
				 errhint("Write an ISO 8601 repeating interval: \"R3/PT1H\" (three times, an hour apart), \"R/P1D\" (every day), \"R5/2030-01-01T09:00:00Z/P1W\".")));
}

/*
 * A cron "timezone" that is not a name of pg_timezone_names (42P17): one
 * PostgreSQL does not know, or a POSIX specification such as "UTC+5",
 * which pg_tzset reads too, with its offset counted westwards.
 */
static void
unknown_zone(const char *key, const char *element, const char *zone)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("definition \"%s\": %s: unknown time zone \"%s\" (use a name from pg_timezone_names, such as \"Europe/Berlin\")",
					key, element, zone),
			 errhint("For a fixed offset write a name such as \"Etc/GMT-5\" (five hours ahead of UTC: POSIX signs count westwards), or better the place, such as \"Asia/Karachi\".")));
}

/* A cron expression, in the time zone "timezone" names (default UTC). */
static void
timer_cron(const char *key, JsonbContainer *spec, const char *element, const char *text,
		   BpmTimer *timer)
{
	char	   *why;

	timer->zone_name = bpm_prop_string(key, spec, "timezone", element, false);
	timer->cron = palloc(sizeof(BpmCron));
	if ((why = bpm_cron_parse(text, timer->cron)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s has an invalid cron expression \"%s\"",
						key, element, text),
				 errdetail("%s", sentence(why)),
				 errhint("Write five fields, minute hour day-of-month month day-of-week: \"0 9 * * MON-FRI\", \"*/15 * * * *\", or @daily, @hourly, ...")));
	timer->zone = pg_tzset(timer->zone_name ? timer->zone_name : "UTC");
	if (timer->zone == NULL)
		unknown_zone(key, element, timer->zone_name);
}

static void
timer_date(const char *key, const char *element, const char *text, BpmTimer *timer)
{
	if (!bpm_timestamp_has_offset(text))
		invalid(key, "%s: timer date \"%s\" must be an ISO 8601 timestamp with a UTC offset, such as \"2030-01-01T09:00:00Z\"",
				element, text);
	timer->date = DatumGetTimestampTz(guarded_parse(key, timestamptz_in, text, element,
													"timer \"date\""));
}

/* What a timer at this place may be, for the "exactly one of" message. */
static const char *
timer_forms(BpmTimerPlace place)
{
	switch (place)
	{
		case BPM_TIMER_ON_INTERMEDIATE:
			return "\"duration\" and \"date\"";
		case BPM_TIMER_ON_BOUNDARY:
			return "\"duration\", \"date\" and \"cycle\"";
		default:
			return "\"duration\", \"date\", \"cycle\" and \"cron\"";
	}
}

/*
 * A timer object: {"duration": "PT5M"}, {"date": "2030-01-01T09:00:00Z"},
 * on boundary and start events {"cycle": "R3/PT1H"}, and on start events
 * {"cron": "0 9 * * MON-FRI", "timezone": "Europe/Berlin"}. Except on a
 * start event (no instance, no data yet), each value may be a jsonpath
 * into the data ("$.wait"), read when the timer is armed. An intermediate
 * event is passed once, so it cannot repeat.
 */
void
bpm_prop_timer(const char *key, JsonbContainer *object, const char *prop,
			   const char *element, BpmTimerPlace place, BpmTimer *timer)
{
	static const char *const timer_properties[] = {"duration", "date", "cycle", NULL};
	static const char *const cron_properties[] = {"cron", "timezone", NULL};
	JsonbValue	v;
	JsonbContainer *spec;
	char	   *duration;
	char	   *date;
	char	   *cycle;
	char	   *cron;
	char	   *text;

	memset(timer, 0, sizeof(BpmTimer));
	if (!bpm_jb_get(object, prop, &v))
		return;
	spec = bpm_jb_container(&v);
	if (spec == NULL || !JsonContainerIsObject(spec))
		invalid(key, "%s: \"%s\" must be an object such as {\"duration\": \"PT5M\"}", element, prop);
	if (place == BPM_TIMER_ON_INTERMEDIATE && bpm_jb_get(spec, "cycle", &v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s: a timer cycle repeats, which an intermediate event cannot; use \"duration\" or \"date\"",
						key, element),
				 errhint("To repeat while an activity runs, attach a boundary event with \"interrupting\": false and a \"cycle\" timer to it.")));
	bpm_prop_check_keys(key, spec, psprintf("%s timer", element), timer_properties,
						place == BPM_TIMER_ON_START ? cron_properties : NULL);
	duration = bpm_prop_string(key, spec, "duration", element, false);
	date = bpm_prop_string(key, spec, "date", element, false);
	cycle = bpm_prop_string(key, spec, "cycle", element, false);
	cron = bpm_prop_string(key, spec, "cron", element, false);
	if ((duration != NULL) + (date != NULL) + (cycle != NULL) + (cron != NULL) != 1)
		invalid(key, "%s: a timer has exactly one of %s", element, timer_forms(place));
	if (cron == NULL && bpm_prop_string(key, spec, "timezone", element, false))
		invalid(key, "%s: a timer \"timezone\" is for \"cron\" only (durations, dates and cycles carry their own offset)",
				element);
	timer->kind = duration ? BPM_TIMER_DURATION : date ? BPM_TIMER_DATE
		: cycle ? BPM_TIMER_CYCLE : BPM_TIMER_CRON;
	text = duration ? duration : date ? date : cycle ? cycle : cron;
	if (text[0] == '$' && place == BPM_TIMER_ON_START)
		invalid(key, "%s: a start event's timer cannot read the instance data (\"%s\"): there is no instance yet",
				element, text);
	timer->text = text;
	if (text[0] == '$')
		timer->path = value_path(key, text, psprintf("%s timer", element));
	else if (duration)
		timer->duration = bpm_prop_duration(key, spec, "duration", element);
	else if (cycle)
		timer_cycle(key, element, cycle, timer);
	else if (cron)
		timer_cron(key, spec, element, cron, timer);
	else
		timer_date(key, element, date, timer);
}

/*
 * "task": {"name", "assignee", "candidate_groups", "priority"} of an
 * escalation: a task opened beside the overdue one, for whom it names.
 */
static void
escalation_task(const char *key, JsonbContainer *spec, const char *element,
				BpmEscalation *escalation)
{
	static const char *const task_properties[] = {"name", "assignee", "candidate_groups", "priority", NULL};
	JsonbValue	v;
	JsonbContainer *task;
	char	   *what = psprintf("%s escalation task", element);

	if (!bpm_jb_get(spec, "task", &v))
		return;
	task = bpm_jb_container(&v);
	if (task == NULL || !JsonContainerIsObject(task))
		invalid(key, "%s escalation: \"task\" must be an object such as {\"name\": \"Call the customer\", \"candidate_groups\": [\"leads\"]}",
				element);
	bpm_prop_check_keys(key, task, what, task_properties, NULL);
	escalation->opens_task = true;
	escalation->task_name = bpm_prop_string(key, task, "name", what, false);
	bpm_prop_value_spec(key, task, "assignee", what, &escalation->task_assignee, false);
	bpm_prop_value_spec(key, task, "candidate_groups", what, &escalation->task_groups, true);
	escalation->task_priority = bpm_prop_int(key, task, "priority", what, -1, 0);
}

/*
 * "escalation": {"assignee": ..., "candidate_groups": ..., "priority": n,
 * "task": {...}}, at least one of them; only on a task with a "due" date.
 */
void
bpm_prop_escalation(const char *key, JsonbContainer *object, const char *element,
					bool has_due, BpmEscalation *escalation)
{
	static const char *const escalation_properties[] = {"assignee", "candidate_groups", "priority", "task", NULL};
	JsonbValue	v;
	JsonbContainer *spec;
	char	   *what = psprintf("%s escalation", element);

	memset(escalation, 0, sizeof(BpmEscalation));
	escalation->priority = -1;
	if (!bpm_jb_get(object, "escalation", &v))
		return;
	spec = bpm_jb_container(&v);
	if (spec == NULL || !JsonContainerIsObject(spec))
		invalid(key, "%s: \"escalation\" must be an object such as {\"priority\": 90}", element);
	if (!has_due)
		invalid(key, "%s: an \"escalation\" needs a \"due\" duration to escalate after", element);
	bpm_prop_check_keys(key, spec, what, escalation_properties, NULL);
	bpm_prop_value_spec(key, spec, "assignee", what, &escalation->assignee, false);
	bpm_prop_value_spec(key, spec, "candidate_groups", what, &escalation->candidate_groups, true);
	escalation->priority = bpm_prop_int(key, spec, "priority", what, -1, 0);
	escalation_task(key, spec, element, escalation);
	if (!escalation->assignee.constant && !escalation->assignee.path &&
		!escalation->candidate_groups.constant && !escalation->candidate_groups.path &&
		escalation->priority < 0 && !escalation->opens_task)
		invalid(key, "%s: \"escalation\" needs an \"assignee\", \"candidate_groups\", \"priority\" or \"task\"", element);
	escalation->defined = true;
}

/*
 * What a timer must satisfy when a new version is stored (42P17), checked
 * then and not each time a backend compiles a stored version, since it
 * depends on the moment and on the server's time zone files: a cron time
 * zone is a name of pg_timezone_names, and a constant cycle has an
 * occurrence from now on (one without cannot fire for any instance). SPI
 * must be connected.
 */
void
bpm_prop_timer_deployable(const char *key, const char *element, const BpmTimer *timer)
{
	static BpmStatement zone_listed = {
		"SELECT 1 FROM pg_catalog.pg_timezone_names WHERE name = $1",
		1, {TEXTOID}
	};
	TimestampTz now = bpm_clock_now();
	TimestampTz at;
	int			n;

	if (timer->zone_name)
	{
		Datum		name = CStringGetTextDatum(pg_get_timezone_name(timer->zone));

		if (bpm_spi_run(&zone_listed, &name, NULL) == 0)
			unknown_zone(key, element, timer->zone_name);
	}
	if (timer->cycle && !bpm_recurrence_next(timer->cycle, now, now, &at, &n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": %s: the timer cycle \"%s\" never falls due from now on",
						key, element, timer->text),
				 errdetail("%s", sentence(bpm_recurrence_why_none(timer->cycle, now, now))),
				 errhint("A cycle with a start skips the occurrences before now: give a later start, more repetitions, or no start (\"R3/PT1H\" counts from when the timer is armed).")));
}
