/*
 * src/job/dispatch.c
 *
 * Running a due job of the engine's: the dispatch table, one handler per
 * kind of process/job_kind.h (which says why the table is here), and the
 * handlers of the kinds that only move a token or a plan item on. A
 * runner (worker/runner.c) has locked the job and its instance and runs it
 * in a subtransaction of its own: what a handler raises rolls the job back
 * alone, to be retried.
 *
 * Engine job states (timer, async, service, escalation, case_timer; the
 * boundary timer's own are drawn in boundary_timer.c):
 *
 *   scheduled (due_at) --runner: done--> (row deleted, instance moves on)
 *      ^   \--fails--> retries - 1, due again after a backoff, or incident
 *      \--retry_incident-- incident
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "case/case.h"
#include "job/job.h"
#include "util/util.h"

/* What a runner does when a job of each kind falls due; NULL: the runners never run it. */
static const BpmJobHandler handlers[BPM_JOB_NKINDS] = {
	[BPM_JOB_EXTERNAL] = NULL,	/* fetched by workers over SQL (job.c) */
	[BPM_JOB_TIMER] = bpm_job_fire_timer,
	[BPM_JOB_ASYNC] = bpm_job_continue,
	[BPM_JOB_SERVICE] = bpm_job_call_service,
	[BPM_JOB_ESCALATION] = bpm_job_escalate,
	[BPM_JOB_BOUNDARY] = bpm_job_fire_boundary_timer,
	[BPM_JOB_START_TIMER] = NULL,	/* no instance: picked and fired by process/start_timer.c */
	[BPM_JOB_CASE_TIMER] = bpm_job_fire_case_timer,
};

/* The kind bpm.job.kind names (its CHECK constraint admits no other). */
BpmJobKind
bpm_job_kind_parse(const char *name)
{
	int			kind;

	for (kind = 0; kind < BPM_JOB_NKINDS; kind++)
		if (strcmp(bpm_job_kind_name(kind), name) == 0)
			return kind;
	elog(ERROR, "pg_bpm: unknown job kind \"%s\"", name);
	pg_unreachable();
}

/* Run a due job: its kind's handler, under the lock of its instance. */
void
bpm_job_run(BpmDueJob *job)
{
	BpmJobHandler handler = handlers[job->kind];
	BpmInstance inst;
	int			node;

	if (handler == NULL)
		elog(ERROR, "pg_bpm: job %lld of kind %s is not run by the job runners",
			 (long long) job->id, bpm_job_kind_name(job->kind));
	job->in_function = false;
	bpm_instance_lock(&inst, job->instance_id, job->actor);
	node = bpm_graph_find(inst.graph, job->node_id);
	if (node < 0)				/* a row written by hand: it fails, and becomes an incident */
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("job %lld names node \"%s\", which %s \"%s\" does not have",
						(long long) job->id, job->node_id ? job->node_id : "",
						inst.graph->is_case ? "case" : "process", inst.graph->key)));
	handler(&inst, &inst.graph->nodes[node], job);
}

/* The job is done: remove its row and record the event that says so. */
void
bpm_job_done(BpmInstance *inst, const BpmDueJob *job, const char *event)
{
	static BpmStatement remove = {
		"DELETE FROM bpm.job WHERE id = $1",
		1, {INT8OID}
	};
	Datum		id = Int64GetDatum(job->id);

	bpm_spi_run(&remove, &id, NULL);
	bpm_event(inst, event, job->node_id, 0, job->id, NULL);
}

/* An intermediate timer event fell due: its token moves on. */
void
bpm_job_fire_timer(BpmInstance *inst, BpmNode *node, BpmDueJob *job)
{
	bpm_job_done(inst, job, "timer_fired");
	bpm_engine_resume(inst, job->token_id);
}

/* An async continuation: the token continues into the node it waited before. */
void
bpm_job_continue(BpmInstance *inst, BpmNode *node, BpmDueJob *job)
{
	bpm_job_done(inst, job, "job_completed");
	bpm_engine_continue(inst, job->token_id);
}

/*
 * An SQL service task: call its function (a BPMN error it raises may be
 * caught by an error boundary event, worker/runner.c), then move on.
 */
void
bpm_job_call_service(BpmInstance *inst, BpmNode *node, BpmDueJob *job)
{
	bpm_job_done(inst, job, "job_completed");
	job->in_function = true;
	bpm_activity_run_script(inst, node, job->id);
	job->in_function = false;
	bpm_engine_resume(inst, job->token_id);
}

/* A timer event listener of a case occurs (its plan item is the job's token). */
void
bpm_job_fire_case_timer(BpmInstance *inst, BpmNode *node, BpmDueJob *job)
{
	bpm_job_done(inst, job, "timer_fired");
	bpm_case_timer_fired(inst, job->token_id);
}
