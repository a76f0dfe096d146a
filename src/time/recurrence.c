/*
 * src/time/recurrence.c
 *
 * ISO 8601 repeating intervals (see recurrence.h): "R[n]/duration" and
 * "R[n]/start/duration", n omitted for endless. The duration is an ISO 8601
 * duration as duration.c reads it ("PT1H", "P1DT12H"), positive; the start
 * is a timestamp with a UTC offset. The other forms of the standard
 * (start/end, duration/end) are refused with a message that says so.
 *
 * Occurrences are numbered by an int (bpm.job.occurrence is an integer):
 * an endless cycle counts up to PG_INT32_MAX occurrences, and one that
 * would pass the last timestamp ends there.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"

#include "time/duration.h"
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
	char	   *why;

	if (text[0] != 'P')
		return psprintf("\"%s\" is not an ISO 8601 duration such as \"PT1H\"", text);
	if ((why = bpm_duration_parse(text, out)) != NULL)
		return psprintf("\"%s\" is not an ISO 8601 duration: %s", text, why);
	if (BPM_DURATION_IS_ZERO(out))
		return psprintf("the duration \"%s\" must be positive", text);
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

/* base + k x interval, false when that is not a timestamp */
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
	return bpm_timestamp_plus(base, &span, result);
}

/* Occurrence n, or false when it lies beyond what an interval can express. */
static bool
occurrence(const BpmRecurrence *r, TimestampTz anchor, int64 n, TimestampTz *at)
{
	if (r->has_start)
		return plus_times(r->start, &r->interval, n - 1, at);
	return plus_times(anchor, &r->interval, n, at);
}

/* The last occurrence a cycle counts. */
static int64
last_counted(const BpmRecurrence *r)
{
	return r->count == BPM_RECURRENCE_FOREVER ? PG_INT32_MAX : r->count;
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
	int64		limit = last_counted(r);
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
	return occurrence(r, anchor, lo, at);
}

char *
bpm_recurrence_why_none(const BpmRecurrence *r, TimestampTz anchor, TimestampTz from)
{
	TimestampTz last;

	if (!occurrence(r, anchor, last_counted(r), &last))
		return pstrdup("its next occurrence would pass 294276 AD, the last moment PostgreSQL can represent");
	if (r->count == BPM_RECURRENCE_FOREVER)
		return psprintf("an endless cycle ends at its occurrence %d, the last that pg_bpm counts, which was at %s",
						PG_INT32_MAX, timestamptz_to_str(last));
	return psprintf("its last occurrence was at %s", timestamptz_to_str(last));
}

bool
bpm_recurrence_after(const BpmRecurrence *r, TimestampTz anchor, int n, TimestampTz *at)
{
	return n < last_counted(r) && occurrence(r, anchor, (int64) n + 1, at);
}
