/*
 * src/time/duration.c
 *
 * ISO 8601 durations (see duration.h). The grammar is checked here, since
 * PostgreSQL's interval input reads much more than ISO 8601 and reads some
 * of it oddly ("P1" as a second, "PT1H1H" as two hours, "P1DT" as a day);
 * once the text is a duration, interval input computes its value
 * (fractions included: "P1.5D" is a day and twelve hours).
 *
 * A duration is "P", then years, months, weeks and days (Y, M, W, D),
 * then "T" and hours, minutes and seconds (H, M, S): each an unsigned
 * number with its designator, each at most once, in that order, at least
 * one; only the last number may have a decimal fraction. The alternative
 * format "P0001-02-03T04:05:06" is not read.
 */
#include "postgres.h"

#include <ctype.h>

#include "common/int.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"

#include "time/duration.h"
#include "util/util.h"

/* The designators before and after "T", in the order they are written. */
static const char *const designators[2] = {"YMWD", "HMS"};

/* Where the number at p ends (digits, then an optional .digits); NULL if it has no digits. */
static const char *
number_end(const char *p, bool *fraction)
{
	const char *start = p;

	*fraction = false;
	while (isdigit((unsigned char) *p))
		p++;
	if (p == start)
		return NULL;
	if (*p == '.' && isdigit((unsigned char) p[1]))
	{
		*fraction = true;
		for (p++; isdigit((unsigned char) *p); p++)
			;
	}
	return p;
}

/* Why the character at p, where a number or "T" was expected, does not belong. */
static char *
not_a_number(const char *p, bool in_time)
{
	if (*p == '-' || *p == '+')
		return pstrdup("a duration has no sign (it is always positive)");
	if (*p == 'T')
		return pstrdup("\"T\" appears twice");
	if (strchr(designators[in_time], *p) || strchr(designators[!in_time], *p))
		return psprintf("\"%c\" has no number before it", *p);
	return psprintf("unexpected \"%c\"", *p);
}

/* Why designator d (just after a number) is wrong here, or NULL. */
static char *
misplaced(char d, bool in_time, const char *seen)
{
	const char *own = designators[in_time];

	if (d == '\0')
		return pstrdup(in_time ? "a number has no designator after it (H, M or S after \"T\")"
					   : "a number has no designator after it (Y, M, W or D, or H, M or S after \"T\")");
	if (!strchr(own, d))
	{
		if (strchr(designators[!in_time], d))
			return in_time ? psprintf("\"%c\" is not a designator after \"T\" (H, M or S)", d)
				: psprintf("\"%c\" is not a designator before \"T\": hours, minutes and seconds follow \"T\", as in \"PT1H\"", d);
		if (d == '-' || d == ':')
			return pstrdup("the alternative format (\"P0001-02-03T04:05:06\") is not read; write designators, as in \"P1Y2M3DT4H5M6S\"");
		if (strchr("ymwdhs", d))
			return psprintf("designators are upper case: \"%c\", not \"%c\"", toupper((unsigned char) d), d);
		return psprintf("\"%c\" is not a designator (%s)", d,
						in_time ? "H, M or S after \"T\"" : "Y, M, W or D, or H, M or S after \"T\"");
	}
	if (strchr(seen, d))
		return psprintf("\"%c\" appears twice", d);
	if (*seen && strchr(own, d) < strchr(own, seen[strlen(seen) - 1]))
		return psprintf("\"%c\" comes after \"%c\"; write years, months, weeks and days, then \"T\" and hours, minutes and seconds",
						d, seen[strlen(seen) - 1]);
	return NULL;
}

/* The grammar of the file comment: NULL when text follows it, else why not. */
static char *
check_grammar(const char *text)
{
	const char *p = text + 1;
	bool		in_time = false;
	bool		fraction = false;
	char		seen[2][5] = {"", ""};
	int			numbers = 0;

	if (text[0] != 'P')
		return pstrdup("a duration starts with \"P\"");
	while (*p)
	{
		const char *end;
		char	   *why;

		if (*p == 'T' && !in_time)
		{
			in_time = true;
			if (*++p == '\0')
				return pstrdup("\"T\" is followed by no hours, minutes or seconds");
			continue;
		}
		if (fraction)
			return pstrdup("only the last number of a duration may have a fraction");
		end = number_end(p, &fraction);
		if (end == NULL)
			return not_a_number(p, in_time);
		if ((why = misplaced(*end, in_time, seen[in_time])) != NULL)
			return why;
		seen[in_time][strlen(seen[in_time])] = *end;
		numbers++;
		p = end + 1;
	}
	if (numbers == 0)
		return pstrdup("\"P\" is followed by no years, months, weeks, days or time");
	return NULL;
}

/* The last microsecond of the year 9999, the latest moment a definition can write. */
static TimestampTz
end_of_9999(void)
{
	return (TimestampTz) (date2j(10000, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY - 1;
}

char *
bpm_duration_parse(const char *text, Interval *result)
{
	char	   *why = check_grammar(text);
	ErrorData  *problem;
	Datum		d;
	TimestampTz ignored;

	if (why)
		return why;
	if ((problem = bpm_try_parse(interval_in, text, &d)) != NULL)
		return pstrdup(problem->message);
	*result = *DatumGetIntervalP(d);
	if (!bpm_timestamp_plus(end_of_9999(), result, &ignored))
		return pstrdup("it is too long: added to a moment before the year 10000 it would pass 294276 AD, the last moment PostgreSQL can represent");
	return NULL;
}

/* t with its calendar date moved by months and then days (one of them 0), in the session's zone. */
static bool
move_date(TimestampTz *t, int32 months, int32 days)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;
	int64		month;
	int64		year;
	int64		julian;

	if (timestamp2tm(*t, &tz, &tm, &fsec, NULL, NULL) != 0)
		return false;
	month = (int64) tm.tm_year * MONTHS_PER_YEAR + (tm.tm_mon - 1) + months;
	year = month / MONTHS_PER_YEAR;
	month %= MONTHS_PER_YEAR;
	if (month < 0)
	{
		month += MONTHS_PER_YEAR;
		year--;
	}
	if (!IS_VALID_JULIAN(year, month + 1, 1))
		return false;
	tm.tm_year = (int) year;
	tm.tm_mon = (int) month + 1;
	/* January 31 plus a month is the last of February */
	tm.tm_mday = Min(tm.tm_mday, day_tab[isleap(tm.tm_year)][tm.tm_mon - 1]);
	julian = (int64) date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) + days;
	if (julian < 0 || julian > PG_INT32_MAX)
		return false;
	j2date((int) julian, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	if (!IS_VALID_JULIAN(tm.tm_year, tm.tm_mon, tm.tm_mday))
		return false;
	tz = DetermineTimeZoneOffset(&tm, session_timezone);
	return tm2timestamp(&tm, fsec, &tz, t) == 0;
}

/* timestamptz_pl_interval's steps (months, then days, then time), each checked. */
bool
bpm_timestamp_plus(TimestampTz t, const Interval *d, TimestampTz *result)
{
	if (TIMESTAMP_NOT_FINITE(t))
	{
		*result = t;
		return true;
	}
	if (d->month != 0 && !move_date(&t, d->month, 0))
		return false;
	if (d->day != 0 && !move_date(&t, 0, d->day))
		return false;
	if (pg_add_s64_overflow(t, d->time, &t) || !IS_VALID_TIMESTAMP(t))
		return false;
	*result = t;
	return true;
}
