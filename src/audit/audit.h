/*
 * src/audit/audit.h
 *
 * The event log: every state change is one row of bpm.event, whose SHA-256
 * covers its content and the hash of the previous event of the same
 * instance. The newest hash of each instance is kept on its row
 * (last_event_id, last_event_hash) as the anchor, so removing the newest
 * event is detected too. A second anchor, tokens_hash, covers where a
 * process instance rests (its bpm.token rows) as the engine left them;
 * bpm.verify_state checks both, and replays the data and definition the
 * events say against the instance row.
 */
#ifndef BPM_AUDIT_H
#define BPM_AUDIT_H

#include "datatype/timestamp.h"
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

/* The content of an event as hashed; NULL strings and zero ids are absent. */
typedef struct BpmEventContent
{
	int64		instance_id;
	TimestampTz at;
	int64		txid;
	const char *actor;
	const char *kind;
	const char *node_id;
	int64		task_id;
	int64		job_id;
	int64		definition_id;
	Jsonb	   *data;
} BpmEventContent;

/* A token at rest, as bpm.token holds it; zero scope_id and NULL via are absent. */
typedef struct BpmTokenRow
{
	int64		id;
	const char *node_id;
	int64		scope_id;
	const char *state;
	const char *via;
} BpmTokenRow;

extern int64 bpm_event_write(BpmChain *chain, const char *actor, const BpmEvent *event);
extern void bpm_event_hash(const uint8 *prev, const BpmEventContent *e, uint8 *out);
extern bytea *bpm_hash_bytea(const uint8 *hash);
extern void bpm_tokens_hash(int64 instance_id, BpmTokenRow *rows, int n, uint8 *out);

#endif							/* BPM_AUDIT_H */
