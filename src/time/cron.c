/*
 * src/time/cron.c
 *
 * Cron expressions: parsing, and the next moment one matches. See cron.h.
 *
 * The search walks local wall-clock time (a timestamp without time zone)
 * from the minute after 'after', skipping a whole month, day or hour when
 * that field does not match, and converts the first match back to a
 * timestamptz in the caller's time zone.
 */
#include "postgres.h"

#include <ctype.h>

#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "time/cron.h"

#define CRON_SEARCH_DAYS	(5 * 366)

typedef struct CronField
{
	const char *what;
	int			lo;
	int			hi;
	const char *const *names;	/* three-letter names, or NULL */
	int			first_name;		/* the value of names[0] */
} CronField;

static const char *const month_names[] =
{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const weekday_names[] =
{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const CronField fields[5] = {
	{"minute", 0, 59, NULL, 0},
	{"hour", 0, 23, NULL, 0},
	{"day of month", 1, 31, NULL, 0},
	{"month", 1, 12, month_names, 1},
	{"day of week", 0, 7, weekday_names, 0}
};

static const struct
{
	const char *macro;
	const char *expression;
}			macros[] = {
	{"@yearly", "0 0 1 1 *"},
	{"@annually", "0 0 1 1 *"},
	{"@monthly", "0 0 1 * *"},
	{"@weekly", "0 0 * * 0"},
	{"@daily", "0 0 * * *"},
	{"@midnight", "0 0 * * *"},
	{"@hourly", "0 * * * *"}
};

/* A number or a name at *p; advances *p. False when there is neither. */
static bool
parse_value(const char **p, const CronField *f, int *value)
{
	int			i;

	if (isdigit((unsigned char) **p))
	{
		*value = 0;
		while (isdigit((unsigned char) **p) && *value <= f->hi)
			*value = *value * 10 + (*(*p)++ - '0');
		return !isdigit((unsigned char) **p);
	}
	for (i = 0; f->names && f->names[i]; i++)
		if (pg_strncasecmp(*p, f->names[i], 3) == 0)
		{
			*value = f->first_name + i;
			*p += 3;
			return true;
		}
	return false;
}

/*
 * One item of a list: "*", "n", "a-b", each optionally "/step"; "a/step"
 * runs from a to the field's last value, as in Quartz ("1/5" is "1-59/5";
 * in the day of week, to Saturday).
 */
static char *
parse_item(const char **p, const CronField *f, uint64 *bits)
{
	int			lo = f->lo;
	int			hi = f->hi;
	int			step = 1;
	int			v;

	if (**p == '*')
		(*p)++;
	else
	{
		if (!parse_value(p, f, &lo))
			return psprintf("%s: expected a number, a range or *", f->what);
		hi = lo;
		if (**p == '-')
		{
			(*p)++;
			if (!parse_value(p, f, &hi))
				return psprintf("%s: a range needs an end", f->what);
		}
		else if (**p == '/')
			hi = f->names == weekday_names && lo < 7 ? 6 : f->hi;
	}
	if (**p == '/')
	{
		(*p)++;
		if (!parse_value(p, &fields[0], &step) || step < 1)
			return psprintf("%s: a step must be a positive number", f->what);
	}
	if (lo < f->lo || lo > f->hi || hi > f->hi)
		return psprintf("%s: %d is outside %d-%d", f->what,
						lo < f->lo || lo > f->hi ? lo : hi, f->lo, f->hi);
	if (lo > hi)
		return psprintf("%s: the range %d-%d runs backwards", f->what, lo, hi);
	for (v = lo; v <= hi; v += step)
		*bits |= UINT64CONST(1) << v;
	return NULL;
}

static char *
parse_field(const char *text, const CronField *f, uint64 *bits, bool *star)
{
	const char *p = text;

	*bits = 0;
	*star = strcmp(text, "*") == 0;
	for (;;)
	{
		char	   *error = parse_item(&p, f, bits);

		if (error)
			return error;
		if (*p == '\0')
			return NULL;
		if (*p++ != ',')
			return psprintf("%s: unexpected \"%s\"", f->what, p - 1);
	}
}

char *
bpm_cron_parse(const char *text, BpmCron *cron)
{
	char	   *copy;
	char	   *field[5];
	char	   *save = NULL;
	uint64		bits[5];
	bool		star[5];
	int			n;
	int			i;

	for (i = 0; i < (int) lengthof(macros); i++)
		if (pg_strcasecmp(text, macros[i].macro) == 0)
			text = macros[i].expression;
	copy = pstrdup(text);
	for (n = 0; n < 6; n++)
	{
		char	   *token = strtok_r(n == 0 ? copy : NULL, " \t", &save);

		if (token == NULL)
			break;
		if (n == 5)
			return pstrdup("more than five fields");
		field[n] = token;
	}
	if (n != 5)
		return psprintf("five fields expected (minute hour day-of-month month day-of-week), found %d", n);
	for (i = 0; i < 5; i++)
	{
		char	   *error = parse_field(field[i], &fields[i], &bits[i], &star[i]);

		if (error)
			return error;
	}
	cron->minutes = bits[0];
	cron->hours = (uint32) bits[1];
	cron->days = (uint32) bits[2];
	cron->months = (uint32) bits[3];
	/* 7 is Sunday too */
	cron->weekdays = (uint32) ((bits[4] | (bits[4] >> 7)) & 0x7f);
	cron->any_day = star[2];
	cron->any_weekday = star[4];
	return NULL;
}

/* Vixie cron: with both day fields restricted, either may match. */
static bool
day_matches(const BpmCron *cron, const struct pg_tm *tm)
{
	bool		by_date = (cron->days >> tm->tm_mday) & 1;
	bool		by_weekday = (cron->weekdays >> j2day(date2j(tm->tm_year, tm->tm_mon, tm->tm_mday))) & 1;

	if (cron->any_day && cron->any_weekday)
		return true;
	if (cron->any_day)
		return by_weekday;
	if (cron->any_weekday)
		return by_date;
	return by_date || by_weekday;
}

/* The local timestamp of the start of tm's hour (keep_hour) or day. */
static Timestamp
truncated(struct pg_tm *tm, bool keep_hour)
{
	Timestamp	t;

	tm->tm_min = 0;
	tm->tm_sec = 0;
	if (!keep_hour)
		tm->tm_hour = 0;
	if (tm2timestamp(tm, 0, NULL, &t) != 0)
		elog(ERROR, "pg_bpm: cron search left the timestamp range");
	return t;
}

bool
bpm_cron_next(const BpmCron *cron, pg_tz *tz, TimestampTz after, TimestampTz *next)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			offset;
	Timestamp	local;
	Timestamp	limit;

	if (timestamp2tm(after, &offset, &tm, &fsec, NULL, tz) != 0)
		return false;
	tm.tm_sec = 0;
	if (tm2timestamp(&tm, 0, NULL, &local) != 0)
		return false;
	local += USECS_PER_MINUTE;
	limit = local + (int64) CRON_SEARCH_DAYS * USECS_PER_DAY;
	while (local < limit)
	{
		if (timestamp2tm(local, NULL, &tm, &fsec, NULL, NULL) != 0)
			return false;
		if (!((cron->months >> tm.tm_mon) & 1))
		{
			tm.tm_mday = 1;
			if (++tm.tm_mon > MONTHS_PER_YEAR)
			{
				tm.tm_mon = 1;
				tm.tm_year++;
			}
			local = truncated(&tm, false);
		}
		else if (!day_matches(cron, &tm))
			local = truncated(&tm, false) + USECS_PER_DAY;
		else if (!((cron->hours >> tm.tm_hour) & 1))
			local = truncated(&tm, true) + USECS_PER_HOUR;
		else if (!((cron->minutes >> tm.tm_min) & 1))
			local += USECS_PER_MINUTE;
		else
		{
			offset = DetermineTimeZoneOffset(&tm, tz);
			if (tm2timestamp(&tm, 0, &offset, next) == 0 && *next > after)
				return true;
			/* a wall-clock time repeated when clocks go back: take the next minute */
			local += USECS_PER_MINUTE;
		}
	}
	return false;
}
