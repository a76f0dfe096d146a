/*
 * src/audit/guard.c
 *
 * The guards that keep the history whole: bpm.event is append-only, an
 * instance row is never deleted (its events, tasks and tokens would be left
 * without it), and the runtime rows of an instance (tokens, tasks, jobs,
 * plan items) are deleted only by the engine, as its steps go.
 *
 * Why triggers and not foreign keys: the instance row is never deleted, so
 * a foreign key from every runtime table to it would only re-check, on each
 * insert of the hot path (several events, a token, a task or job per
 * step), a row the engine holds locked anyway, and bpm.event is to be
 * partitioned by time later. The guards cost nothing on insert; the tables
 * that had foreign keys to bpm.instance in 0.1.0 (plan_item, case_role,
 * document, case_link) keep them.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/rel.h"

#include "security/security.h"
#include "audit/audit.h"
#include "util/util.h"

/*
 * Trigger bpm.event_guard(): BEFORE UPDATE OR DELETE (row) and BEFORE
 * TRUNCATE (statement) on bpm.event. Refuses them for everyone, owner and
 * superuser included; only disabling the trigger gets past it, and the hash
 * chain then shows what was done.
 */
PG_FUNCTION_INFO_V1(bpm_event_guard);
Datum
bpm_event_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *op = "change";

	bpm_require_trigger(fcinfo, "bpm.event_guard()", BPM_TRIGGER_ANY);
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		op = "UPDATE";
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		op = "DELETE";
	else if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		op = "TRUNCATE";
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("bpm.event is append-only: %s is not allowed", op),
			 errdetail("The event log is the audit trail; its rows are never changed or removed."),
			 errhint("Use bpm.verify_events(instance_id) to check an instance's history.")));
	PG_RETURN_NULL();
}

/*
 * Trigger bpm.runtime_guard(instance_column): BEFORE DELETE (row) and
 * BEFORE TRUNCATE (statement) on bpm.instance, bpm.token, bpm.task_store,
 * bpm.job and bpm.plan_item; instance_column names the table's instance id
 * (none for bpm.instance itself).
 *
 * An instance row is never deleted: a running one is cancelled
 * (bpm.cancel), an ended one is history. A row of an instance in the other
 * tables is deleted only by the engine (bpm_engine_writes); rows of no
 * instance (a free task, a start timer) are not guarded. TRUNCATE is
 * refused on all of them. Everyone is refused, owner and superuser
 * included (42501); only disabling the trigger gets past it, and
 * bpm.verify_state then shows what was done.
 */
PG_FUNCTION_INFO_V1(bpm_runtime_guard);
Datum
bpm_runtime_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	const char *table;
	HeapTuple	row;
	bool		isnull = true;
	int64		instance_id = 0;

	bpm_require_trigger(fcinfo, "bpm.runtime_guard()", BPM_TRIGGER_ANY);
	rel = trigdata->tg_relation;
	table = RelationGetRelationName(rel);
	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("bpm.%s cannot be truncated", table),
				 errdetail("Its rows belong to instances whose history the event log keeps."),
				 errhint("Cancel running instances with bpm.cancel(instance_id, reason).")));
	if (!TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "pg_bpm: bpm.runtime_guard() fires before DELETE or TRUNCATE only");
	row = trigdata->tg_trigtuple;

	if (trigdata->tg_trigger->tgnargs == 0)
	{
		Datum		id = heap_getattr(row, SPI_fnumber(RelationGetDescr(rel), "id"),
									  RelationGetDescr(rel), &isnull);

		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("instance %lld cannot be deleted", isnull ? 0LL : (long long) DatumGetInt64(id)),
				 errdetail("An instance keeps its events, tasks and tokens; deleting it would leave them without it."),
				 errhint("Cancel a running instance with bpm.cancel(instance_id, reason); an ended instance is history.")));
	}
	else
	{
		int			col = SPI_fnumber(RelationGetDescr(rel), trigdata->tg_trigger->tgargs[0]);
		Datum		id;

		if (col <= 0)
			elog(ERROR, "pg_bpm: bpm.%s has no column \"%s\"", table, trigdata->tg_trigger->tgargs[0]);
		id = heap_getattr(row, col, RelationGetDescr(rel), &isnull);
		if (!isnull)
			instance_id = DatumGetInt64(id);
	}
	if (isnull || bpm_engine_writes())
		return PointerGetDatum(row);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("rows of instance %lld in bpm.%s are deleted by the engine only",
					(long long) instance_id, table),
			 errdetail("The engine removes tokens, tasks, jobs and plan items as an instance moves on; a row deleted by hand would leave the instance where its events do not say it is."),
			 errhint("Cancel the instance with bpm.cancel(instance_id, reason), or complete its work.")));
	PG_RETURN_NULL();
}
