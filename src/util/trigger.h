/*
 * src/util/trigger.h
 *
 * The calling convention of pg_bpm's trigger functions.
 */
#ifndef BPM_TRIGGER_H
#define BPM_TRIGGER_H

#include "fmgr.h"

/* What a trigger function needs to be fired as. */
typedef enum BpmTriggerKind
{
	BPM_TRIGGER_ANY,			/* any trigger */
	BPM_TRIGGER_INSTEAD,		/* INSTEAD OF, on a view */
	BPM_TRIGGER_BEFORE_ROW		/* BEFORE ... FOR EACH ROW */
} BpmTriggerKind;

extern void bpm_require_trigger(FunctionCallInfo fcinfo, const char *function, BpmTriggerKind kind);

#endif							/* BPM_TRIGGER_H */
