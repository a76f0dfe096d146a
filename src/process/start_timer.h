/*
 * src/process/start_timer.h
 *
 * Timer start events: processes that start instances by themselves. See
 * start_timer.c.
 */
#ifndef BPM_START_TIMER_H
#define BPM_START_TIMER_H

#include "utils/elog.h"

#include "definition/definition.h"

typedef struct BpmStartTimerJob
{
	int64		id;
	int64		definition_id;
	char	   *node_id;
	TimestampTz anchor;			/* when the version was deployed */
	int			occurrence;		/* the one now due */
	const char *actor;
} BpmStartTimerJob;

extern void bpm_start_timer_init(void);
extern bool bpm_start_timer_pick(TimestampTz now, BpmStartTimerJob *job);
extern void bpm_start_timer_fire(BpmStartTimerJob *job);
extern void bpm_start_timer_failed(BpmStartTimerJob *job, ErrorData *error);

#endif							/* BPM_START_TIMER_H */
