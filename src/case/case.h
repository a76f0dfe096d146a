/*
 * src/case/case.h
 *
 * Cases (CMMN): a case is an instance (kind 'case') whose data is the case
 * file, with one bpm.plan_item row per occurrence of a plan item. See
 * case.c for the lifecycle and case_sentry.c for how sentries listen.
 */
#ifndef BPM_CASE_H
#define BPM_CASE_H

#include "process/process.h"

/* The node_id of a task added to a case at run time, outside its plan (bpm.add_task). */
#define BPM_AD_HOC_TASK "ad_hoc"

/* A plan item occurrence, as read from bpm.plan_item. */
typedef struct BpmItem
{
	int64		id;
	int			node;			/* index in the graph; -1 for the case plan itself */
	int64		stage_id;		/* 0 for the case plan */
	int			occurrence;
	char	   *state;
	int64		task_id;
	int64		child_id;
	char	   *suspended_from; /* suspended with its stage: the state it goes back to; else NULL */
} BpmItem;

/* What one change of a case sets off, processed in order (case_sentry.c). */
typedef struct BpmCaseRun
{
	BpmInstance *inst;
	BpmGraph   *g;
	int			nqueue;
	int			maxqueue;
	char	  **queue;			/* on-parts that happened: "item.transition", "file.field" */
	int		   *created;		/* occurrences of each plan item this change created (loop guard) */
	int64		first_created;	/* the first plan item row this change created */
	int64		first_new_item; /* first plan item created while the current part is offered */
	int			nstages;
	int			maxstages;
	int64	   *stages;			/* stages (or the case plan) to check for completion once
								 * the sentries have taken every on-part */
} BpmCaseRun;

/* case.c */
extern void bpm_case_run_init(BpmCaseRun *run, BpmInstance *inst);
extern bool bpm_case_item_read(BpmCaseRun *run, int64 item_id, BpmItem *item);
extern void bpm_case_proceed(BpmCaseRun *run, BpmItem *item);
extern void bpm_case_exit(BpmCaseRun *run, BpmItem *item);
extern void bpm_case_task_completed(BpmInstance *inst, int64 item_id, Jsonb *output);
extern void bpm_case_timer_fired(BpmInstance *inst, int64 item_id);
extern void bpm_case_cancel(BpmInstance *inst, const char *reason);
extern void bpm_case_open(BpmInstance *inst, const char *key);
extern void bpm_case_init(void);
extern int64 bpm_case_plan_create(BpmCaseRun *run);
extern void bpm_case_close(BpmCaseRun *run, const char *how, const char *outcome);
extern void bpm_case_start_plan(BpmCaseRun *run, int64 plan_id);
extern void bpm_case_activate(BpmCaseRun *run, BpmItem *item, const char *name);
extern void bpm_case_plan_discretionary(BpmCaseRun *run, int node, int64 stage_id);
extern void bpm_case_occur(BpmCaseRun *run, BpmItem *item);
extern void bpm_case_complete_stage(BpmCaseRun *run, BpmItem *stage);
extern void bpm_case_complete_if_done(BpmCaseRun *run, int64 stage_id);
extern void bpm_case_suspend(BpmCaseRun *run, BpmItem *item);
extern void bpm_case_resume(BpmCaseRun *run, BpmItem *item);
extern void bpm_case_set_state(BpmCaseRun *run, BpmItem *item, const char *state,
							   const char *name);

/* case_role.c */
extern char *bpm_case_role_group(int64 case_id, const char *role);
extern void bpm_case_role_grant(BpmInstance *inst, const char *role, const char *actor);
/* case_api.c, for case_document.c */
extern void bpm_case_lock(BpmInstance *inst, BpmCaseRun *run, int64 case_id, const char *actor,
						  Oid caller,
						  const char *action);
extern void bpm_case_change_file(BpmCaseRun *run, Jsonb *patch);
extern void bpm_case_finish(BpmCaseRun *run);

/* case_sentry.c */
extern void bpm_case_happened(BpmCaseRun *run, const char *item_id, const char *transition);
extern void bpm_case_file_changed(BpmCaseRun *run, Jsonb *before, Jsonb *after);
extern void bpm_case_stage_to_check(BpmCaseRun *run, int64 stage_id);
extern void bpm_case_settle(BpmCaseRun *run);
extern bool bpm_case_sentry_holds_now(BpmCaseRun *run, const BpmSentry *sentries, int n);
extern bool bpm_case_entry_met(BpmCaseRun *run, BpmItem *item);

#endif							/* BPM_CASE_H */
