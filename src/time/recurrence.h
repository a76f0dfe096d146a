/*
 * src/time/recurrence.h
 *
 * Repeating moments in time: ISO 8601 repeating intervals such as
 * "R3/PT1H" (three times, an hour apart, counted from an anchor the caller
 * gives: the moment a boundary timer is armed, say) or
 * "R/2030-01-01T09:00:00Z/P1D" (every day from a fixed start, without end).
 * Parsing text into a BpmRecurrence, the n-th occurrence, the next
 * occurrence at or after a moment, and how many are left. Used by timer
 * boundary events; meant for timer start events (and cron-like schedules)
 * too, so nothing here knows about nodes or jobs.
 *
 * Occurrences are numbered from 1. With a start, occurrence n is
 * start + (n - 1) x interval (the start itself is the first); without one,
 * it is anchor + n x interval (the first falls one interval after the
 * anchor). Each is computed from the start or anchor, never by adding to
 * the previous one, so "P1M" from January 31 gives February 28, March 31,
 * April 30. Months and days are calendar units, as in timestamptz +
 * interval.
 */
#ifndef BPM_RECURRENCE_H
#define BPM_RECURRENCE_H

#include "datatype/timestamp.h"

#define BPM_RECURRENCE_FOREVER (-1)

typedef struct BpmRecurrence
{
	int			count;			/* occurrences; BPM_RECURRENCE_FOREVER for "R/..." */
	bool		has_start;		/* "R3/<start>/<duration>" */
	TimestampTz start;
	Interval	interval;		/* positive, no negative field */
} BpmRecurrence;

/*
 * An ISO 8601 timestamp with a UTC offset (Z or +hh[:mm]), which means the
 * same instant in every session: the start of a recurrence, a timer date.
 */
extern bool bpm_timestamp_has_offset(const char *text);

/* Parse "R[n]/[start/]duration"; NULL when it parses, else why it does not. */
extern char *bpm_recurrence_parse(const char *text, BpmRecurrence *r);

/*
 * The first occurrence at or after 'from', counted from anchor (ignored
 * when r has a start): sets *at and *n and returns true, or returns false
 * when there is none (every occurrence lies before 'from', or the next
 * would pass the last timestamp).
 */
extern bool bpm_recurrence_next(const BpmRecurrence *r, TimestampTz anchor, TimestampTz from,
								TimestampTz *at, int *n);

/* Why bpm_recurrence_next found none (a phrase, lower case, no period). */
extern char *bpm_recurrence_why_none(const BpmRecurrence *r, TimestampTz anchor, TimestampTz from);

/*
 * Occurrence n + 1: sets *at and returns true, or returns false when
 * occurrence n was the last (of its count, or before the last timestamp).
 */
extern bool bpm_recurrence_after(const BpmRecurrence *r, TimestampTz anchor, int n, TimestampTz *at);

#endif							/* BPM_RECURRENCE_H */
