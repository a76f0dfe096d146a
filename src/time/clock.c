/*
 * src/time/clock.c
 *
 * The engine's clock, timer due dates and retry backoff. Tests make time
 * deterministic with SET pg_bpm.mock_now = '...' (superuser only): timers
 * are scheduled from it and bpm.run_jobs runs what is due at it, as
 * TimescaleDB's mock timer does for its scheduler.
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "util/util.h"
#include "time/clock.h"
#include "time/duration.h"
#include "time/recurrence.h"
/* a call up (src/README.md): a node's timer read from an instance's data */
#include "process/process.h"

static TimestampTz plus(TimestampTz t, Interval *i);
static void bad_timer_value(BpmInstance *inst, BpmNode *node, Jsonb *value,
							const char *why) pg_attribute_noreturn();

static char *mock_now = NULL;

void
bpm_clock_init(void)
{
	DefineCustomStringVariable("pg_bpm.mock_now",
							   "The time the engine takes as now, for tests.",
							   "Timers are scheduled from it and bpm.run_jobs runs the jobs due at it. "
							   "Empty means the start of the current transaction.",
							   &mock_now,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
}

TimestampTz
bpm_clock_now(void)
{
	if (mock_now == NULL || mock_now[0] == '\0')
		return GetCurrentTransactionStartTimestamp();
	return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(mock_now),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
}

/*
 * bpm.now() RETURNS timestamptz
 *
 * The engine's clock: pg_bpm.mock_now when set, else the transaction's
 * start (like now()). Views that compare with due dates use it.
 */
PG_FUNCTION_INFO_V1(bpm_now);
Datum
bpm_now(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(bpm_clock_now());
}

/* The engine's now plus an interval: when a task falls due, say. */
TimestampTz
bpm_clock_after(Interval *interval)
{
	return plus(bpm_clock_now(), interval);
}

static TimestampTz
plus(TimestampTz t, Interval *i)
{
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												   TimestampTzGetDatum(t),
												   IntervalPGetDatum(i)));
}

/* How a timer's messages name it: a case's timer listener, or a process node's timer. */
static char *
timer_name(BpmInstance *inst, BpmNode *node)
{
	return inst->graph->is_case
		? psprintf("timer listener \"%s\" of case \"%s\"", node->id, inst->graph->key)
		: psprintf("timer of \"%s\" in process \"%s\"", node->id, inst->graph->key);
}

/*
 * A timer value from the data that is not what the timer needs (22023),
 * and why when the parser said so: the step that reaches the timer fails.
 * For a case's timer listener that is the change that creates it, the
 * opening of the case included (and so the process step that escalated
 * to it, or the case task that started it).
 */
static void
bad_timer_value(BpmInstance *inst, BpmNode *node, Jsonb *value, const char *why)
{
	const char *what = node->timer.kind == BPM_TIMER_DURATION ? "a positive ISO 8601 duration"
		: node->timer.kind == BPM_TIMER_DATE ? "an ISO 8601 timestamp with a UTC offset"
		: "an ISO 8601 repeating interval such as \"R3/PT1H\"";
	const char *selects = value ? JsonbToCString(NULL, &value->root, VARSIZE(value)) : "nothing";

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: %s does not select %s", timer_name(inst, node), node->timer.text, what),
			 why ? errdetail("It selects %s: %s.", selects, why) : errdetail("It selects %s.", selects),
			 inst->graph->is_case
			 ? errhint("The listener reads the case file when it is created; a case opened "
					   "by a process or a case task starts with a copy of its data.") : 0));
}

/* The string a timer's path selects in the data, or NULL. */
static char *
timer_text(BpmInstance *inst, BpmNode *node, Jsonb **value)
{
	JsonbValue	v;

	*value = bpm_expr_first(node->timer.path, inst->data);
	if (*value == NULL || !JB_ROOT_IS_SCALAR(*value))
		return NULL;
	JsonbExtractScalar(&(*value)->root, &v);
	return v.type == jbvString ? pnstrdup(v.val.string.val, v.val.string.len) : NULL;
}

/*
 * now + a timer's duration (text: the duration, as the data had it for a
 * path); 22023 naming the timer when that passes the last timestamp,
 * which a duration that parses does only for a clock past the year 9999.
 */
static TimestampTz
timer_after(BpmInstance *inst, BpmNode *node, TimestampTz now, Interval *duration, const char *text)
{
	TimestampTz due;

	if (!bpm_timestamp_plus(now, duration, &due))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: \"%s\" from now passes 294276 AD, the last moment PostgreSQL can represent",
						timer_name(inst, node), text),
				 errdetail("The engine's clock says %s.", timestamptz_to_str(now))));
	return due;
}

/* A timer whose value comes from the data: read and parse it now (22023). */
static TimestampTz
due_from_data(BpmInstance *inst, BpmNode *node, TimestampTz now)
{
	Jsonb	   *value;
	char	   *text = timer_text(inst, node, &value);
	Interval	duration;
	Datum		date;
	ErrorData  *problem;
	char	   *why;

	if (text == NULL)
		bad_timer_value(inst, node, value, NULL);
	if (node->timer.kind == BPM_TIMER_DURATION)
	{
		if ((why = bpm_duration_parse(text, &duration)) != NULL)
			bad_timer_value(inst, node, value, why);
		if (BPM_DURATION_IS_ZERO(&duration))
			bad_timer_value(inst, node, value, NULL);
		return timer_after(inst, node, now, &duration, text);
	}
	if (!bpm_timestamp_has_offset(text))
		bad_timer_value(inst, node, value, NULL);
	if ((problem = bpm_try_parse(timestamptz_in, text, &date)) != NULL)
		bad_timer_value(inst, node, value, problem->message);
	return DatumGetTimestampTz(date);
}

/* When a token that arrives at the timer node now is released. */
TimestampTz
bpm_timer_due(BpmInstance *inst, BpmNode *node)
{
	TimestampTz now = bpm_clock_now();

	if (node->timer.path)
		return due_from_data(inst, node, now);
	if (node->timer.kind == BPM_TIMER_DURATION)
		return timer_after(inst, node, now, node->timer.duration, node->timer.text);
	return node->timer.date;
}

/*
 * A cycle timer's repeating interval: the constant, or read from the data
 * now (22023 when the path selects none).
 */
BpmRecurrence *
bpm_timer_cycle(BpmInstance *inst, BpmNode *node)
{
	BpmRecurrence *r;
	Jsonb	   *value;
	char	   *text;
	char	   *why;

	if (node->timer.path == NULL)
		return node->timer.cycle;
	r = palloc(sizeof(BpmRecurrence));
	text = timer_text(inst, node, &value);
	if (text == NULL)
		bad_timer_value(inst, node, value, NULL);
	if ((why = bpm_recurrence_parse(text, r)) != NULL)
		bad_timer_value(inst, node, value, why);
	return r;
}

/* The next attempt after the given number of failed ones. */
TimestampTz
bpm_retry_at(int attempts)
{
	int64		secs = BPM_BACKOFF_FIRST_SECS;
	int			i;

	for (i = 1; i < attempts && secs < BPM_BACKOFF_MAX_SECS; i++)
		secs *= 2;
	return bpm_clock_now() + Min(secs, BPM_BACKOFF_MAX_SECS) * USECS_PER_SEC;
}
