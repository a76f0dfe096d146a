/*
 * src/time/clock.h
 *
 * Time in the engine: the clock that timers and due jobs are measured
 * against (the transaction's start, or the setting pg_bpm.mock_now that
 * tests set), when a timer falls due, and how long a failed job waits
 * before its next attempt.
 */
#ifndef BPM_CLOCK_H
#define BPM_CLOCK_H

#include "datatype/timestamp.h"
#include "utils/timestamp.h"

#include "time/recurrence.h"

struct BpmInstance;
struct BpmNode;

/* Backoff of internal jobs: 10 s after the first failure, doubling, at most 1 h. */
#define BPM_BACKOFF_FIRST_SECS	10
#define BPM_BACKOFF_MAX_SECS	3600

extern void bpm_clock_init(void);
extern TimestampTz bpm_clock_now(void);
extern TimestampTz bpm_clock_after(Interval *interval);
extern TimestampTz bpm_timer_due(struct BpmInstance *inst, struct BpmNode *node);
extern BpmRecurrence *bpm_timer_cycle(struct BpmInstance *inst, struct BpmNode *node);
extern TimestampTz bpm_retry_at(int attempts);

#endif							/* BPM_CLOCK_H */
