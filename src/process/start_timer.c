/*
 * src/process/start_timer.c
 *
 * Timer start events: a process whose start event has a timer starts
 * instances by itself.
 *
 * Deploying a version arms its start timer as a job of kind start_timer,
 * which has a definition and no instance, and disarms the start timers of
 * the key's other versions: the latest version's schedule is the one that
 * runs, and a version without a timer stops the schedule. When the job
 * falls due, a runner (or bpm.run_jobs) starts an instance of that version
 * with empty data, records timer_fired as its first step, and re-arms the
 * job for the first occurrence after now, or deletes it when there is
 * none. Occurrences missed while nothing ran jobs (a server down for a
 * day) are not made up: one instance for the overdue occurrence, then the
 * schedule goes on from now.
 *
 * A start whose first step fails (a script that raises) is rolled back
 * alone, recorded as the event start_failed on the definition, and the
 * schedule goes on: like a cron job, a scheduled start is not repeated
 * later. Make the first activity async to get retries and incidents for it.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "audit/audit.h"
#include "process/engine.h"
#include "process/job_kind.h"
#include "util/util.h"
#include "time/time.h"
#include "process/start_timer.h"

/*
 * The first occurrence of a start timer at or after 'from', given the one
 * that last fired (0: none yet); false when there is none. The anchor is
 * the deployment: durations and cycles without a start count from it.
 */
static bool
next_occurrence(const BpmTimer *timer, TimestampTz anchor, TimestampTz from, int last,
				TimestampTz *due, int *occurrence)
{
	*occurrence = last + 1;
	switch (timer->kind)
	{
		case BPM_TIMER_DATE:
			*due = timer->date;
			return last == 0;
		case BPM_TIMER_DURATION:
			/* asked only at deployment, when the anchor is now */
			*due = bpm_clock_after(timer->duration);
			return last == 0;
		case BPM_TIMER_CYCLE:
			return bpm_recurrence_next(timer->cycle, anchor, from, due, occurrence);
		case BPM_TIMER_CRON:
			return bpm_cron_next(timer->cron, timer->zone, from - 1, due);
		default:
			return false;
	}
}

static void
arm(int64 definition_id, const char *node_id, TimestampTz due, TimestampTz anchor, int occurrence)
{
	static BpmStatement insert = {
		"INSERT INTO bpm.job (definition_id, node_id, kind, retries, due_at, cycle_start, occurrence) "
		"VALUES ($1, $2, $6, 1, $3, $4, $5)",
		6, {INT8OID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID, TEXTOID}
	};
	Datum		values[6];

	values[0] = Int64GetDatum(definition_id);
	values[1] = CStringGetTextDatum(node_id);
	values[2] = TimestampTzGetDatum(due);
	values[3] = TimestampTzGetDatum(anchor);
	values[4] = Int32GetDatum(occurrence);
	values[5] = CStringGetTextDatum(bpm_job_kind_name(BPM_JOB_START_TIMER));
	bpm_spi_run(&insert, values, NULL);
}

/*
 * A new version was stored: its start timer replaces those of the key's
 * other versions. A timer that would never fall due again is refused
 * (42P17), so that the deployment, written in the same transaction, is not
 * stored either. A date already past fires at once.
 */
static void
start_timer_deployed(BpmGraph *graph, int64 definition_id)
{
	static BpmStatement disarm = {
		"DELETE FROM bpm.job j USING bpm.definition d "
		"WHERE j.kind = 'start_timer' AND d.id = j.definition_id AND d.key = $1 AND d.id <> $2",
		2, {TEXTOID, INT8OID}
	};
	BpmNode    *start;
	TimestampTz now = bpm_clock_now();
	TimestampTz due;
	int			occurrence;
	Datum		values[2];

	values[0] = CStringGetTextDatum(graph->key);
	values[1] = Int64GetDatum(definition_id);
	bpm_spi_run(&disarm, values, NULL);
	if (graph->is_case)
		return;
	start = &graph->nodes[graph->start];
	if (start->timer.kind == BPM_TIMER_NONE)
		return;
	if (!next_occurrence(&start->timer, now, now, 0, &due, &occurrence))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition \"%s\": node \"%s\": the timer never falls due from now on",
						graph->key, start->id),
				 errhint("A cron expression that matches no day, such as \"0 0 30 2 *\", would start nothing.")));
	arm(definition_id, start->id, due, now, occurrence);
}

/* Lock the next due start timer (SKIP LOCKED); false when none is due. */
bool
bpm_start_timer_pick(TimestampTz now, BpmStartTimerJob *job)
{
	static BpmStatement stmt = {
		"SELECT id, definition_id, node_id, cycle_start, occurrence FROM bpm.job "
		"WHERE kind = 'start_timer' AND retries > 0 AND due_at <= $1 "
		"ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
		1, {TIMESTAMPTZOID}
	};
	Datum		arg = TimestampTzGetDatum(now);
	bool		isnull;

	if (bpm_spi_run(&stmt, &arg, NULL) == 0)
		return false;
	job->id = bpm_spi_int64(0, 1);
	job->definition_id = bpm_spi_int64(0, 2);
	job->node_id = bpm_spi_text(0, 3);
	job->anchor = DatumGetTimestampTz(bpm_spi_datum(0, 4, &isnull));
	job->occurrence = bpm_spi_int32(0, 5);
	return true;
}

/* Move the job on to the next occurrence after now, or remove it. */
static void
rearm(BpmStartTimerJob *job)
{
	static BpmStatement update = {
		"UPDATE bpm.job SET due_at = $2, occurrence = $3 WHERE id = $1",
		3, {INT8OID, TIMESTAMPTZOID, INT4OID}
	};
	static BpmStatement remove = {
		"DELETE FROM bpm.job WHERE id = $1",
		1, {INT8OID}
	};
	BpmGraph   *graph = bpm_graph_get(job->definition_id);
	BpmNode    *start = &graph->nodes[graph->start];
	TimestampTz due;
	int			occurrence;
	Datum		values[3];

	values[0] = Int64GetDatum(job->id);
	if (!next_occurrence(&start->timer, job->anchor, bpm_clock_now() + 1, job->occurrence,
						 &due, &occurrence))
	{
		bpm_spi_run(&remove, values, NULL);
		return;
	}
	values[1] = TimestampTzGetDatum(due);
	values[2] = Int32GetDatum(occurrence);
	bpm_spi_run(&update, values, NULL);
}

/*
 * Start the instance of a due start timer and re-arm the timer. Runs in
 * the subtransaction that picked it (runner.c).
 */
void
bpm_start_timer_fire(BpmStartTimerJob *job)
{
	BpmInstance inst;

	bpm_instance_create(&inst, job->definition_id, bpm_jb_empty_object(), NULL, job->actor,
						NULL, 0);
	bpm_event(&inst, "timer_fired", job->node_id, 0, job->id,
			  bpm_jb_build(1, (const char *[]) {"occurrence"},
						   (Jsonb *[]) {bpm_jb_int(job->occurrence)}));
	bpm_engine_start(&inst);
	rearm(job);
}

/*
 * The start failed and was rolled back: record it on the definition (an
 * event outside any instance's chain) and go on with the schedule, unless
 * another runner took the timer meanwhile.
 */
void
bpm_start_timer_failed(BpmStartTimerJob *job, ErrorData *error)
{
	static BpmStatement lock = {
		"SELECT 1 FROM bpm.job WHERE id = $1 FOR UPDATE SKIP LOCKED",
		1, {INT8OID}
	};
	Datum		id = Int64GetDatum(job->id);
	BpmEvent	ev = {0};

	if (bpm_spi_run(&lock, &id, NULL) == 0)
		return;

	ev.kind = "start_failed";
	ev.node_id = job->node_id;
	ev.job_id = job->id;
	ev.definition_id = job->definition_id;
	ev.data = bpm_jb_build(3, (const char *[]) {"error", "sqlstate", "occurrence"},
						   (Jsonb *[]) {bpm_jb_string(error->message),
		bpm_jb_string(unpack_sql_state(error->sqlerrcode)),
		bpm_jb_int(job->occurrence)});
	bpm_event_write(NULL, job->actor, &ev);
	rearm(job);
}

/* Every new version arms its timer start events (bpm.deploy calls back). */
void
bpm_start_timer_init(void)
{
	bpm_deploy_register_hook(start_timer_deployed);
}
