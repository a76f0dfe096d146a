/*
 * src/job/escalation.c
 *
 * A user task's deadline passed: its job (kind "escalation", created with
 * the task when the node escalates) fell due. If the task is still open,
 * it is escalated as the node's "escalation" says (process/activity.c),
 * then its escalation boundary event, if it has one, fires. The task
 * stays where it is, in other hands, unless a boundary takes over.
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "job/job.h"
#include "util/util.h"

void
bpm_job_escalate(BpmInstance *inst, BpmNode *task, BpmDueJob *job)
{
	static BpmStatement is_open = {
		"SELECT 1 FROM bpm.task_store WHERE instance_id = $1 AND token_id = $2 "
		"AND status = 'open' AND escalation_of IS NULL",
		2, {INT8OID, INT8OID}
	};
	Datum		values[2] = {Int64GetDatum(inst->id), Int64GetDatum(job->token_id)};
	bool		open;

	bpm_job_done(inst, job, "job_completed");
	if (task->escalation.defined)
		open = bpm_activity_escalate_task(inst, task, job->token_id);
	else
		open = bpm_spi_run(&is_open, values, NULL) > 0;
	if (open && task->escalation_boundary >= 0)
		bpm_engine_fire_boundary(inst, job->token_id, task->escalation_boundary, job->id, NULL, 0);
	else
		bpm_instance_save(inst);
}
