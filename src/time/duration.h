/*
 * src/time/duration.h
 *
 * ISO 8601 durations as definitions write them ("PT4H", "P1DT12H",
 * "P2W"): a strict parser that says why a text is not one, and adding a
 * duration to a moment without leaving PostgreSQL's timestamp range. Used
 * for timer durations, the durations of cycles and "due" dates.
 */
#ifndef BPM_DURATION_H
#define BPM_DURATION_H

#include "datatype/timestamp.h"

/* A duration of no length ("PT0S"), which no timer or due date may have. */
#define BPM_DURATION_IS_ZERO(i) ((i)->month == 0 && (i)->day == 0 && (i)->time == 0)

/*
 * Parse "P[nY][nM][nW][nD][T[nH][nM][nS]]": NULL when text is one, with
 * *result set, else why it is not (a phrase, lower case, no period). A
 * zero duration parses; a duration so long that it would pass the last
 * timestamp when added to a moment before the year 10000 does not.
 */
extern char *bpm_duration_parse(const char *text, Interval *result);

/*
 * t + d as timestamptz + interval computes it (months and days as
 * calendar units in the session's time zone); false when the result lies
 * outside the timestamp range, where timestamptz + interval would raise.
 */
extern bool bpm_timestamp_plus(TimestampTz t, const Interval *d, TimestampTz *result);

#endif							/* BPM_DURATION_H */
