/*
 * src/process/job_kind.h
 *
 * The kinds of job: the one list of them. bpm.job.kind stays text for SQL
 * users (its CHECK constraint lists the same names); in C a kind is a
 * BpmJobKind. Every place that creates a job names its kind by the enum
 * (process/, case/), and the runners parse the column once and dispatch
 * on it through the table of job/dispatch.c, which gives each kind its
 * handler; no kind is a string compared in C. SQL statements still spell
 * a kind where a partial index must match (kind <> 'external',
 * kind = 'start_timer').
 *
 * Why here and not in job/: job/ sits above process/ and case/ (its
 * handlers move tokens and plan items on, and job.c's external API calls
 * the engine), while the jobs are created below it, as tokens and plan
 * items come to wait. So the names live with the lowest creator, with no
 * call in them (bpm_job_kind_name is inline), and the dispatch table
 * lives in job/, where naming the owners' functions (the engine's, the
 * case's) is a call downwards, rather than handlers registered by their
 * owners at load time: the whole dispatch then reads in one place.
 *
 *   external     a topic that workers in any language fetch over SQL (job/job.c)
 *   timer        an intermediate timer event: the token moves on
 *   async        an async continuation: the token continues into its node
 *   service      an SQL service task: its function is called, then the token moves on
 *   escalation   a user task's deadline passed (job/escalation.c)
 *   boundary     a timer boundary event of an activity (job/boundary_timer.c)
 *   start_timer  a timer start event; it has no instance yet, so the runners
 *                pick it apart, before instance jobs (process/start_timer.c)
 *   case_timer   a timer event listener of a case occurs
 */
#ifndef BPM_JOB_KIND_H
#define BPM_JOB_KIND_H

/* X(kind, its name in bpm.job.kind) */
#define BPM_JOB_KINDS(X) \
	X(BPM_JOB_EXTERNAL,    "external") \
	X(BPM_JOB_TIMER,       "timer") \
	X(BPM_JOB_ASYNC,       "async") \
	X(BPM_JOB_SERVICE,     "service") \
	X(BPM_JOB_ESCALATION,  "escalation") \
	X(BPM_JOB_BOUNDARY,    "boundary") \
	X(BPM_JOB_START_TIMER, "start_timer") \
	X(BPM_JOB_CASE_TIMER,  "case_timer")

#define BPM_JOB_KIND_ENUM(kind, name) kind,
typedef enum BpmJobKind
{
	BPM_JOB_KINDS(BPM_JOB_KIND_ENUM)
	BPM_JOB_NKINDS
} BpmJobKind;
#undef BPM_JOB_KIND_ENUM

/* What the kind is called in bpm.job.kind. */
static inline const char *
bpm_job_kind_name(BpmJobKind kind)
{
#define BPM_JOB_KIND_NAME(kind, name) [kind] = name,
	static const char *const names[BPM_JOB_NKINDS] = {BPM_JOB_KINDS(BPM_JOB_KIND_NAME)};
#undef BPM_JOB_KIND_NAME

	return names[kind];
}

#endif							/* BPM_JOB_KIND_H */
