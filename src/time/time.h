/*
 * src/time/time.h
 *
 * What time/ offers the other folders: the engine's clock, timer due
 * dates and retry backoff (clock.h), cron expressions (cron.h), ISO 8601
 * durations (duration.h), repeating intervals and timestamps
 * (recurrence.h). Other folders include this header, not those
 * (src/README.md).
 */
#ifndef BPM_TIME_H
#define BPM_TIME_H

#include "time/clock.h"
#include "time/cron.h"
#include "time/duration.h"
#include "time/recurrence.h"

#endif							/* BPM_TIME_H */
