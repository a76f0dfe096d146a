/*
 * src/process/engine.h
 *
 * The engine moves the tokens of one locked instance through its graph.
 * Every entry point first locks the instance row (bpm_instance_lock, after
 * the row of its family's root: family.c), then works only on that
 * instance's rows, and finally saves the instance row (data, state and the
 * event chain anchor) once.
 *
 * Token states (bpm.token.state), drawn as the engine moves them:
 *
 *    (new) --enter node--> moving --task, timer, async--> waiting --done/fired--> moving
 *                            |  \--join gateway, others missing--> joining --join fires--> moving
 *                            |  \--sub-process--> scope --sub-process ends--> moving
 *                            \--end event, or consumed by a join--> (row deleted)
 *
 * Only tokens at rest (waiting, joining, scope) have rows; a moving token
 * lives in memory for the length of one engine step.
 */
#ifndef BPM_ENGINE_H
#define BPM_ENGINE_H

#include "audit/audit.h"
#include "definition/definition.h"
#include "expr/expr.h"
#include "process/job_kind.h"
#include "security/security.h"

typedef struct BpmInstance BpmInstance;

struct BpmInstance
{
	int64		id;
	int64		definition_id;
	int64		parent_id;		/* the instance that started it (a process or case task,
								 * an escalation to a case), or 0 */
	int64		parent_token;	/* the parent's token waiting for it, or 0 */
	int64		root_id;		/* the first of its family (family.c): its own id, or its
								 * parent's root_id */
	BpmInstance *driver;		/* the parent whose step is starting or cancelling it,
								 * in memory: it takes this instance's end itself */
	BpmInstance *reporting;		/* the child whose end this step is taking (family.c),
								 * in memory and not saved yet */
	BpmGraph   *graph;
	const char *state;			/* running, completed, terminated */
	Jsonb	   *data;
	const char *actor;
	const char *end_reason;
	bool		dirty;			/* data or state changed */
	BpmChain	chain;
	bool		tokens_dirty;	/* a step ended: tokens_hash to write back */
	uint8		tokens_hash[BPM_HASH_LEN];	/* the tokens it rests with (audit.h) */
};

/* Refuse (42501) an actor who may not see the instance (security/visibility.c). */
static inline void
bpm_require_may_see(const BpmInstance *inst, Oid caller)
{
	bpm_require_may_see_instance(inst->id, inst->graph->is_case, inst->actor, caller);
}

/* instance.c */
extern int64 bpm_instance_create(BpmInstance *inst, int64 definition_id, Jsonb *data,
								 const char *business_key, const char *actor,
								 const BpmInstance *parent, int64 parent_token);
extern void bpm_instance_lock(BpmInstance *inst, int64 instance_id, const char *actor);
extern void bpm_instance_lock_kin(BpmInstance *inst, int64 instance_id, const BpmInstance *kin);
extern void bpm_instance_require_running(BpmInstance *inst, const char *action);
extern void bpm_instance_refuse_reentry(int64 instance_id);
extern void bpm_instance_merge(BpmInstance *inst, Jsonb *patch, const char *node_id,
							   int64 task_id, int64 job_id);
extern void bpm_instance_end(BpmInstance *inst, const char *state, const char *reason);
extern void bpm_instance_save(BpmInstance *inst);
extern int64 bpm_event_opening(BpmInstance *inst, const char *kind, Jsonb *data);
extern int64 bpm_event(BpmInstance *inst, const char *kind, const char *node_id,
					   int64 task_id, int64 job_id, Jsonb *data);

/*
 * family.c: a family of instances (a process, the case it escalated to,
 * the processes and cases that case started): its lock order, and how its
 * members start, end and are cancelled. What a case does as a member is
 * registered by case/ (bpm_family_register_case).
 */
typedef struct BpmMemberKind
{
	void		(*open) (BpmInstance *inst, const char *key);	/* run a new member */
	void		(*cancel) (BpmInstance *inst, const char *reason);
	void		(*child_ended) (BpmInstance *parent, BpmInstance *child);	/* in a later step */
} BpmMemberKind;

extern void bpm_family_register_case(const BpmMemberKind *kind);
extern int64 bpm_family_root(int64 instance_id);
extern void bpm_family_lock_root(int64 instance_id);
extern void bpm_family_open(BpmInstance *inst, const char *key);
extern void bpm_family_start_child(BpmInstance *parent, BpmInstance *child, const char *kind,
								   const char *key, Jsonb *data, int64 parent_token);
extern void bpm_family_cancel(BpmInstance *inst, const char *reason);
extern void bpm_family_cancel_child(BpmInstance *parent, int64 child_id, const char *reason);
extern void bpm_family_ended(BpmInstance *child);
extern int	bpm_family_held(BpmInstance *inst, int64 **ids);
extern int64 bpm_family_escalate(BpmInstance *process, const char *case_key, int64 token_id,
								 const char *reason, bool *ended);

/* process.c */
extern int64 bpm_instance_begin(FunctionCallInfo fcinfo, const char *kind);

/* engine.c */
extern void bpm_engine_start(BpmInstance *inst);
extern void bpm_engine_resume(BpmInstance *inst, int64 token_id);
extern void bpm_engine_continue(BpmInstance *inst, int64 token_id);
extern void bpm_engine_cancel(BpmInstance *inst, const char *reason);
extern bool bpm_engine_fire_boundary(BpmInstance *inst, int64 token_id, int boundary,
									 int64 job_id, Jsonb *error, int occurrence);

/* activity.c: what entering an activity does; returns the task or job id */
extern int64 bpm_activity_create_task(BpmInstance *inst, BpmNode *node, int64 token_id);
extern int64 bpm_activity_create_job(BpmInstance *inst, BpmNode *node, int64 token_id,
									 BpmJobKind kind, TimestampTz due_at);
extern int64 bpm_activity_create_cycle_job(BpmInstance *inst, BpmNode *node, int64 token_id,
										   BpmJobKind kind, TimestampTz due_at,
										   TimestampTz cycle_start, int occurrence);
extern void bpm_activity_run_script(BpmInstance *inst, BpmNode *node, int64 job_id);
extern void bpm_activity_cancel_work(BpmInstance *inst, int64 token_id);
extern void bpm_activity_disarm(BpmInstance *inst, int64 token_id);
extern bool bpm_activity_escalate_task(BpmInstance *inst, BpmNode *node, int64 token_id);

/* gateway.c: the outgoing flows a deciding gateway takes */
extern int	bpm_gateway_choose(BpmInstance *inst, BpmNode *node, int *chosen);

#endif							/* BPM_ENGINE_H */
