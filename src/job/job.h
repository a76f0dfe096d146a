/*
 * src/job/job.h
 *
 * Jobs: work to do later or elsewhere, one bpm.job row each. What job/
 * offers the others: running a due job of the engine's (the job runners
 * and bpm.run_jobs, worker/runner.c, pick it; bpm_job_run dispatches it on
 * its kind, process/job_kind.h, to the handler dispatch.c's table names).
 * The external workers' API (fetch, complete, fail, throw a BPMN error,
 * retry an incident) is SQL-callable only (job.c).
 */
#ifndef BPM_JOB_H
#define BPM_JOB_H

#include "process/process.h"

/* A due job of the engine's, as a runner picked it (its row and instance locked). */
typedef struct BpmDueJob
{
	int64		id;
	int64		instance_id;
	int64		token_id;		/* the waiting token; of a case timer, its plan item */
	BpmJobKind	kind;
	char	   *node_id;
	const char *actor;
	bool		in_function;	/* a service task's function is running */
} BpmDueJob;

/* What a runner does when a job of a kind falls due: under the instance lock. */
typedef void (*BpmJobHandler) (BpmInstance *inst, BpmNode *node, BpmDueJob *job);

/* dispatch.c */
extern BpmJobKind bpm_job_kind_parse(const char *name);
extern void bpm_job_run(BpmDueJob *job);
extern void bpm_job_done(BpmInstance *inst, const BpmDueJob *job, const char *event);

/* the handlers of dispatch.c's table: dispatch.c, escalation.c, boundary_timer.c */
extern void bpm_job_fire_timer(BpmInstance *inst, BpmNode *node, BpmDueJob *job);
extern void bpm_job_continue(BpmInstance *inst, BpmNode *node, BpmDueJob *job);
extern void bpm_job_call_service(BpmInstance *inst, BpmNode *node, BpmDueJob *job);
extern void bpm_job_fire_case_timer(BpmInstance *inst, BpmNode *node, BpmDueJob *job);
extern void bpm_job_escalate(BpmInstance *inst, BpmNode *task, BpmDueJob *job);
extern void bpm_job_fire_boundary_timer(BpmInstance *inst, BpmNode *boundary, BpmDueJob *job);

#endif							/* BPM_JOB_H */
