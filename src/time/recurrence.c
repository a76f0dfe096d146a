/*
 * src/time/recurrence.c
 *
 * ISO 8601 repeating intervals (see recurrence.h): "R[n]/duration" and
 * "R[n]/start/duration", n omitted for endless. The duration is an ISO 8601
 * duration as PostgreSQL's interval input reads it ("PT1H", "P1DT12H"),
 * positive and without negative fields; the start is a timestamp with a UTC
 * offset. The other forms of the standard (start/end, duration/end) are
 * refused with a message that says so.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"

#include "time/recurrence.h"
#include "util/util.h"

static bool
digits(const char **p, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char) (*p)[i]))
			return false;
	*p += n;
	return true;
}

/*
 * An ISO 8601 timestamp that means the same instant in every session:
 * YYYY-MM-DD, T or a space, hh:mm[:ss[.fraction]], then Z or +hh[:mm] /
 * -hh[:mm]. Other forms would be read by the session's DateStyle and
 * TimeZone.
 */
bool
bpm_timestamp_has_offset(const char *text)
{
	const char *p = text;

	if (!digits(&p, 4) || *p++ != '-' || !digits(&p, 2) || *p++ != '-' || !digits(&p, 2) ||
		(*p != 'T' && *p != ' ') || !(p++, digits(&p, 2)) || *p++ != ':' || !digits(&p, 2))
		return false;
	if (*p == ':')
	{
		p++;
		if (!digits(&p, 2))
			return false;
		if (*p == '.')
			for (p++; isdigit((unsigned char) *p); p++)
				;
	}
	if (*p == 'Z')
		return p[1] == '\0';
	if (*p != '+' && *p != '-')
		return false;
	p++;
	if (!digits(&p, 2))
		return false;
	if (*p == ':')
		p++;
	return *p == '\0' || (digits(&p, 2) && *p == '\0');
}

static char *
parse_interval(const char *text, Interval *out)
{
	Datum		d;
	ErrorData  *problem;
	Interval   *i;

	if (text[0] != 'P')
		return psprintf("\"%s\" is not an ISO 8601 duration such as \"PT1H\"", text);
	if ((problem = bpm_try_parse(interval_in, text, &d)) != NULL)
		return psprintf("\"%s\" is not an ISO 8601 duration: %s", text, problem->message);
	i = DatumGetIntervalP(d);
	if (i->month < 0 || i->day < 0 || i->time < 0 || (i->month == 0 && i->day == 0 && i->time == 0))
		return psprintf("the duration \"%s\" must be positive", text);
	*out = *i;
	return NULL;
}

char *
bpm_recurrence_parse(const char *text, BpmRecurrence *r)
{
	const char *p = text;
	const char *slash;
	long		count = BPM_RECURRENCE_FOREVER;

	memset(r, 0, sizeof(BpmRecurrence));
	if (*p++ != 'R')
		return pstrdup("a cycle starts with \"R\", such as \"R3/PT1H\"");
	if (isdigit((unsigned char) *p))
	{
		char	   *end;

		count = strtol(p, &end, 10);
		if (count < 1 || count > PG_INT32_MAX - 1 || end - p > 10)
			return psprintf("the number of repetitions must be between 1 and %d", PG_INT32_MAX - 1);
		p = end;
	}
	if (*p++ != '/')
		return pstrdup("a cycle is \"R<n>/<duration>\" or \"R<n>/<start>/<duration>\"");
	r->count = (int) count;
	slash = strchr(p, '/');
	if (slash)
	{
		char	   *start = pnstrdup(p, slash - p);
		Datum		d;

		if (start[0] == 'P' || slash[1] != 'P')
			return pstrdup("only \"R<n>/<duration>\" and \"R<n>/<start>/<duration>\" are supported, not an end");
		if (!bpm_timestamp_has_offset(start) ||
			bpm_try_parse(timestamptz_in, start, &d) != NULL)
			return psprintf("the start \"%s\" is not an ISO 8601 timestamp with a UTC offset", start);
		r->has_start = true;
		r->start = DatumGetTimestampTz(d);
		p = slash + 1;
	}
	return parse_interval(p, &r->interval);
}

/* base + k x interval, false when k x interval does not fit an interval */
static bool
plus_times(TimestampTz base, const Interval *i, int64 k, TimestampTz *result)
{
	Interval	span;
	int64		month = (int64) i->month * k;
	int64		day = (int64) i->day * k;

	if (month > PG_INT32_MAX || day > PG_INT32_MAX ||
		(i->time != 0 && k > PG_INT64_MAX / i->time))
		return false;
	span.month = (int32) month;
	span.day = (int32) day;
	span.time = i->time * k;
	*result = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
													  TimestampTzGetDatum(base),
													  IntervalPGetDatum(&span)));
	return true;
}

/* Occurrence n, or false when it lies beyond what an interval can express. */
static bool
occurrence(const BpmRecurrence *r, TimestampTz anchor, int64 n, TimestampTz *at)
{
	if (r->has_start)
		return plus_times(r->start, &r->interval, n - 1, at);
	return plus_times(anchor, &r->interval, n, at);
}

TimestampTz
bpm_recurrence_occurrence(const BpmRecurrence *r, TimestampTz anchor, int n)
{
	TimestampTz at;

	if (!occurrence(r, anchor, n, &at))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("occurrence %d of a cycle is out of range", n)));
	return at;
}

/* Is occurrence n before 'from'? (An occurrence out of range is not.) */
static bool
before(const BpmRecurrence *r, TimestampTz anchor, int64 n, TimestampTz from)
{
	TimestampTz at;

	return occurrence(r, anchor, n, &at) && at < from;
}

bool
bpm_recurrence_next(const BpmRecurrence *r, TimestampTz anchor, TimestampTz from,
					TimestampTz *at, int *n)
{
	int64		limit = r->count == BPM_RECURRENCE_FOREVER ? PG_INT32_MAX : r->count;
	int64		lo = 1;
	int64		hi = 1;

	/* occurrences grow with n: find one at or after 'from' by doubling, then bisect */
	while (before(r, anchor, hi, from))
	{
		lo = hi + 1;
		if (hi >= limit)
			return false;
		hi = Min(hi * 2, limit);
	}
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (before(r, anchor, mid, from))
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = (int) lo;
	*at = bpm_recurrence_occurrence(r, anchor, *n);
	return true;
}

int
bpm_recurrence_remaining(const BpmRecurrence *r, int n)
{
	if (r->count == BPM_RECURRENCE_FOREVER)
		return BPM_RECURRENCE_FOREVER;
	return Max(r->count - n, 0);
}
