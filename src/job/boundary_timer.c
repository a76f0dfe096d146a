/*
 * src/job/boundary_timer.c
 *
 * A timer boundary event's job fell due. The job (kind "boundary", armed
 * by process/boundary.c when the token entered the activity) has the
 * boundary event as its node and the activity's token as its token.
 * Firing is the engine's (bpm_engine_fire_boundary): an interrupting
 * boundary cancels the activity and moves its token, a non-interrupting
 * one starts a new token. A repeating cycle is re-armed for its next
 * occurrence while the activity runs and occurrences are left; each job
 * records which occurrence it waits for.
 *
 * Boundary job states:
 *
 *   armed (due_at) --activity ends first--> (row deleted, job_cancelled)
 *      |  \--runner: fires--> (row deleted, boundary_fired) --cycle, more left--> armed (next occurrence)
 *      \--the step after firing fails--> retries - 1, due again after a backoff, or incident
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "job/job.h"
#include "time/time.h"
#include "util/util.h"

/*
 * Remove the job, fire the boundary event, and re-arm a cycle for its
 * next occurrence while the activity still runs.
 */
void
bpm_job_fire_boundary_timer(BpmInstance *inst, BpmNode *boundary, BpmDueJob *job)
{
	static BpmStatement remove = {
		"DELETE FROM bpm.job WHERE id = $1 RETURNING cycle_start, occurrence",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(job->id);
	bool		isnull;
	TimestampTz cycle_start;
	TimestampTz next;
	int			occurrence;
	BpmRecurrence *cycle;

	if (bpm_spi_run(&remove, &arg, NULL) != 1)
		elog(ERROR, "pg_bpm: boundary job %lld vanished while locked", (long long) job->id);
	cycle_start = DatumGetTimestampTz(bpm_spi_datum(0, 1, &isnull));
	occurrence = bpm_spi_int32(0, 2);
	if (!bpm_engine_fire_boundary(inst, job->token_id, bpm_graph_find(inst->graph, boundary->id),
								  job->id, NULL, occurrence) ||
		boundary->timer.kind != BPM_TIMER_CYCLE)
		return;
	cycle = bpm_timer_cycle(inst, boundary);
	if (!bpm_recurrence_after(cycle, cycle_start, occurrence, &next))
		return;
	bpm_activity_create_cycle_job(inst, boundary, job->token_id, BPM_JOB_BOUNDARY, next,
								  cycle_start, occurrence + 1);
	bpm_instance_save(inst);
}
