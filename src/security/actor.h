/*
 * src/security/actor.h
 *
 * Who acts, and the engine's identity. The actor of every event is the
 * setting bpm.actor when an application sets it (bpm.act_as), else the
 * current role; only roles allowed to act for others may name another
 * user (see actor.c).
 *
 * The engine writes its tables as the owner of the bpm schema (as
 * PostgreSQL's RI triggers act as the table owner), so callers need no
 * privileges on the tables themselves. While it does, search_path is
 * pinned to pg_catalog, pg_temp, as for a SECURITY DEFINER function with
 * SET search_path: a caller's schemas can never shadow what the engine's
 * statements call.
 */
#ifndef BPM_ACTOR_H
#define BPM_ACTOR_H

#include "fmgr.h"


/*
 * A deployer's code (a script or SQL service task function) is running:
 * the engine vouches for the actor the step began with; any other name
 * that code sets in bpm.actor needs the deployer's own right to act for
 * others (see actor.c). The code may not act on the instances whose state
 * the step that runs it holds in memory (its own, and the parents driving
 * it): the engine asks bpm_user_code_holder before it locks one.
 */
typedef struct BpmUserCode BpmUserCode;

struct BpmUserCode
{
	Oid			deployer;		/* InvalidOid: no user code runs */
	const char *actor;
	const int64 *holds;			/* the instances whose state the step that runs it holds */
	int			nholds;
	const BpmUserCode *outer;	/* the user code it runs in, or NULL */
	int			guc_level;		/* GUC nest level of the code: its settings end with it */
};

extern char *bpm_current_actor_name(void);
extern void bpm_user_code_enter(Oid deployer, const char *actor, const int64 *holds, int nholds,
								BpmUserCode *saved);
extern int64 bpm_user_code_holder(int64 instance_id);
extern void bpm_user_code_leave(const BpmUserCode *saved);
extern void bpm_require_arg(FunctionCallInfo fcinfo, int argno, const char *what);
extern bool bpm_actor_in_groups(const char *actor, Datum groups);
extern bool bpm_is_operator(Oid role);
extern Oid	bpm_schema_owner(void);
extern void bpm_actor_init(void);

#endif							/* BPM_ACTOR_H */
