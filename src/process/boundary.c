/*
 * src/process/boundary.c
 *
 * Boundary events (see boundary.h). A timer boundary event is a bpm.job of
 * kind "boundary" whose node is the boundary event and whose token is the
 * activity's: armed here when the token enters the activity, removed when
 * the activity ends (bpm_activity_disarm, from the engine), fired by the
 * job runners (job/boundary_timer.c, which draws the job's states).
 *
 * An error boundary event has no job: it catches a BPMN error raised where
 * it is attached (an SQL service task's function, an external worker's
 * bpm.throw_error) or inside the sub-process it is attached to (a script
 * task's function); the nearest catches (bpm_graph_catching).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "security/security.h"
#include "process/boundary.h"
#include "util/util.h"
#include "time/time.h"

/* Arm the timer boundary events of the activity token_id has just entered. */
void
bpm_boundary_arm(BpmInstance *inst, BpmNode *node, int64 token_id)
{
	TimestampTz now = bpm_clock_now();
	int			i;

	for (i = 0; i < node->nboundaries; i++)
	{
		BpmNode    *b = &inst->graph->nodes[node->boundaries[i]];
		TimestampTz due;
		int			n;

		if (b->boundary != BPM_BOUNDARY_TIMER)
			continue;
		if (b->timer.kind != BPM_TIMER_CYCLE)
			bpm_activity_create_job(inst, b, token_id, BPM_JOB_BOUNDARY, bpm_timer_due(inst, b));
		else if (bpm_recurrence_next(bpm_timer_cycle(inst, b), now, now, &due, &n))
			bpm_activity_create_cycle_job(inst, b, token_id, BPM_JOB_BOUNDARY, due, now, n);
	}
}

/*
 * A BPMN error raised at node, on which token_id waits (job_id: the job
 * that raised it, removed here; 0 for none). When an error boundary event
 * catches it, records error_thrown, fires the boundary and returns true;
 * otherwise changes nothing and returns false.
 */
bool
bpm_boundary_catch(BpmInstance *inst, int node, int64 token_id, int64 job_id,
				   const char *code, const char *message, const char *worker)
{
	static BpmStatement remove = {
		"DELETE FROM bpm.job WHERE id = $1",
		1, {INT8OID}
	};
	int			b = bpm_graph_catching(inst->graph, node, code);
	const char *keys[3] = {"code", "message", "worker"};
	Jsonb	   *vals[3];
	Datum		arg = Int64GetDatum(job_id);

	if (b < 0)
		return false;
	if (job_id)
		bpm_spi_run(&remove, &arg, NULL);
	vals[0] = bpm_jb_string(code);
	vals[1] = message ? bpm_jb_string(message) : NULL;
	vals[2] = worker ? bpm_jb_string(worker) : NULL;
	bpm_event(inst, "error_thrown", inst->graph->nodes[node].id, 0, job_id,
			  bpm_jb_build(worker ? 3 : 2, keys, vals));
	bpm_engine_fire_boundary(inst, token_id, b, 0, bpm_error_object(code, message), 0);
	return true;
}

bool
bpm_is_bpmn_error(ErrorData *error)
{
	return error->sqlerrcode == BPM_ERRCODE_BPMN_ERROR && error->message != NULL;
}

/* {"code": ..., "message": ...}: what a caught error puts into the data */
Jsonb *
bpm_error_object(const char *code, const char *message)
{
	return bpm_jb_build(2, (const char *[]) {"code", "message"},
						(Jsonb *[]) {bpm_jb_string(code), message ? bpm_jb_string(message) : NULL});
}

/*
 * bpm.bpmn_error(code text, message text DEFAULT NULL) RETURNS void
 *
 * Raises a BPMN error from a script or SQL service task function: SQLSTATE
 * BPMNE, the code as message, the message as detail. An error boundary
 * event for the code (or for any error) catches it; uncaught, it is an
 * ordinary error. Raises 22004 for a NULL code, 22023 for an empty one.
 */
PG_FUNCTION_INFO_V1(bpm_bpmn_error);
Datum
bpm_bpmn_error(PG_FUNCTION_ARGS)
{
	char	   *code;

	bpm_require_arg(fcinfo, 0, "error code");
	code = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (code[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("error code must not be empty")));
	ereport(ERROR,
			(errcode(BPM_ERRCODE_BPMN_ERROR),
			 errmsg_internal("%s", code),
			 PG_ARGISNULL(1) ? 0 : errdetail_internal("%s", text_to_cstring(PG_GETARG_TEXT_PP(1)))));
	PG_RETURN_VOID();
}
