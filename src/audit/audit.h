/*
 * src/audit/audit.h
 *
 * The event log: every state change is one row of bpm.event, whose SHA-256
 * covers its content and the hash of the previous event of the same
 * instance. The newest hash of each instance is kept on its row
 * (last_event_id, last_event_hash) as the anchor, so removing the newest
 * event is detected too.
 */
#ifndef BPM_AUDIT_H
#define BPM_AUDIT_H

#include "utils/jsonb.h"

#define BPM_HASH_LEN 32

/* The chain of one instance, held while its row is locked. */
typedef struct BpmChain
{
	int64		instance_id;	/* 0 for events outside an instance */
	int64		last_id;
	bool		has_hash;
	uint8		hash[BPM_HASH_LEN];
	bool		dirty;			/* anchor must be written back */
} BpmChain;

typedef struct BpmEvent
{
	const char *kind;
	const char *node_id;
	int64		task_id;		/* 0: none */
	int64		job_id;
	int64		definition_id;
	Jsonb	   *data;			/* NULL: none */
} BpmEvent;

extern int64 bpm_event_write(BpmChain *chain, const char *actor, const BpmEvent *event);

#endif							/* BPM_AUDIT_H */
