/*
 * src/time/cron.h
 *
 * Cron expressions, as timer start events use them: five fields, minute
 * (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC) and day
 * of week (0-7 or SUN-SAT, 0 and 7 both Sunday), each "*", a number, a
 * range "a-b", a step "*\/n", "a-b/n" or "a/n" (from a to the field's
 * last value, Saturday for the day of week), or a comma-separated list of
 * these; or one of @yearly, @annually, @monthly, @weekly, @daily,
 * @midnight, @hourly. As in Vixie cron, when both day fields are
 * restricted a day matches if either does. Times are wall-clock times in a
 * time zone (UTC unless the caller gives one); a local time that a DST
 * change skips is read as PostgreSQL reads it in timestamptz input.
 */
#ifndef BPM_CRON_H
#define BPM_CRON_H

#include "datatype/timestamp.h"
#include "pgtime.h"

typedef struct BpmCron
{
	uint64		minutes;		/* bit n: minute n */
	uint32		hours;
	uint32		days;			/* bit n: day n of the month, 1-31 */
	uint32		months;			/* bit n: month n, 1-12 */
	uint32		weekdays;		/* bit n: day n of the week, 0 = Sunday */
	bool		any_day;		/* day of month is "*" */
	bool		any_weekday;	/* day of week is "*" */
} BpmCron;

/* Parse a cron expression; NULL when it parses, else why it does not. */
extern char *bpm_cron_parse(const char *text, BpmCron *cron);

/*
 * The first moment strictly after 'after' that the expression matches, in
 * time zone tz; false when there is none within five years (say, "0 0 30 2 *").
 */
extern bool bpm_cron_next(const BpmCron *cron, pg_tz *tz, TimestampTz after, TimestampTz *next);

#endif							/* BPM_CRON_H */
