/*
 * src/definition/definition.h
 *
 * A process definition compiled into an in-memory graph. Compilation
 * validates the JSON form (see docs/definitions.md) and is the only parser:
 * bpm.deploy compiles to validate, the engine compiles a deployed version
 * once per backend and caches it (deployed definitions never change).
 */
#ifndef BPM_DEFINITION_H
#define BPM_DEFINITION_H

#include "utils/jsonb.h"
#include "utils/jsonpath.h"
#include "utils/timestamp.h"

#include "time/time.h"

typedef enum BpmNodeKind
{
	BPM_START_EVENT,
	BPM_END_EVENT,
	BPM_TERMINATE_END_EVENT,
	BPM_INTERMEDIATE_EVENT,
	BPM_USER_TASK,
	BPM_SERVICE_TASK,
	BPM_SCRIPT_TASK,
	BPM_EXCLUSIVE_GATEWAY,
	BPM_PARALLEL_GATEWAY,
	BPM_INCLUSIVE_GATEWAY,
	BPM_SUBPROCESS,
	BPM_BOUNDARY_EVENT,
	BPM_ESCALATE_TO_CASE,		/* opens a case, then waits for it or ends the process */
	/* plan items of a case (case_compile.c); a case's human task is a BPM_USER_TASK */
	BPM_STAGE,
	BPM_MILESTONE,
	BPM_TIMER_LISTENER,
	BPM_USER_LISTENER,
	BPM_PROCESS_TASK,
	BPM_CASE_TASK
} BpmNodeKind;

/*
 * A sentry of a case plan item: every on-part must have happened ("triage.complete",
 * "file.documents") and the if-part must hold over the case file.
 */
typedef struct BpmSentry
{
	int			nparts;
	char	  **parts;
	JsonPath   *condition;		/* NULL: none */
	char	   *condition_text;
	int			nfields;		/* the top-level case-file fields the if-part reads */
	char	  **fields;
	bool		any_field;		/* it may read any field ($, $.*, $[*], ...) */
} BpmSentry;

typedef enum BpmTimerKind
{
	BPM_TIMER_NONE,
	BPM_TIMER_DURATION,			/* wait this long from when the token arrives */
	BPM_TIMER_DATE,				/* wait until this moment */
	BPM_TIMER_CYCLE,			/* repeat (boundary and start events) */
	BPM_TIMER_CRON				/* at the moments a cron expression matches (start events) */
} BpmTimerKind;

/* Where a timer sits decides what it may be. */
typedef enum BpmTimerPlace
{
	BPM_TIMER_ON_INTERMEDIATE,	/* passed once: duration or date */
	BPM_TIMER_ON_BOUNDARY,		/* may repeat while its activity runs: also cycle */
	BPM_TIMER_ON_START			/* starts instances: also cycle and cron; no instance data */
} BpmTimerPlace;

/* A timer: a constant duration, date or cycle, or a jsonpath to one in the data. */
typedef struct BpmTimer
{
	BpmTimerKind kind;
	Interval   *duration;
	TimestampTz date;
	BpmRecurrence *cycle;
	BpmCron    *cron;
	pg_tz	   *zone;			/* cron: the time zone of its wall-clock times */
	char	   *zone_name;		/* cron: "timezone" as written, NULL for UTC */
	JsonPath   *path;
	char	   *text;			/* the value as written: a constant, or the path */
} BpmTimer;

/* A property that is either a constant or a jsonpath into the instance data. */
typedef struct BpmValueSpec
{
	Jsonb	   *constant;		/* NULL when unset or a path */
	JsonPath   *path;			/* NULL when unset or a constant */
} BpmValueSpec;

/*
 * A user task's escalation: when its due date passes while it is open, it
 * gets a new assignee and/or candidate groups and/or priority.
 */
typedef struct BpmEscalation
{
	bool		defined;
	BpmValueSpec assignee;
	BpmValueSpec candidate_groups;
	int			priority;		/* -1: unchanged */
	/* an escalation task opened beside the overdue one */
	bool		opens_task;
	char	   *task_name;
	BpmValueSpec task_assignee;
	BpmValueSpec task_groups;
	int			task_priority;
} BpmEscalation;

/* What a boundary event waits for on the activity it is attached to. */
typedef enum BpmBoundaryKind
{
	BPM_BOUNDARY_TIMER,
	BPM_BOUNDARY_ERROR,
	BPM_BOUNDARY_ESCALATION
} BpmBoundaryKind;

typedef struct BpmNode
{
	char	   *id;
	BpmNodeKind kind;
	char	   *name;
	int			scope;			/* index of the enclosing sub-process, -1 at top */
	int			nout;
	int		   *outgoing;		/* flow indexes, in definition order */
	int			nin;
	int		   *incoming;
	int			start;			/* sub-process: index of its start event */
	Jsonb	   *object;			/* as written; kept only while deploying */

	/* user task */
	BpmValueSpec assignee;
	BpmValueSpec candidate_groups;
	int			priority;
	Interval   *due;
	int			nrequired;
	char	  **required;
	int			nfour_eyes;
	char	  **four_eyes;
	BpmEscalation escalation;	/* what happens when the task is overdue */

	/* any activity: stop before it and let a job runner continue */
	bool		async;

	/* service task: external (topic) or run by the job runners (function) */
	char	   *topic;
	int			retries;

	/* script task, and service task implemented in SQL */
	char	   *function;

	/* intermediate event, timer boundary event */
	BpmTimer	timer;

	/* boundary event */
	BpmBoundaryKind boundary;
	char	   *attached_id;
	int			attached_to;	/* index of the activity, -1 for other nodes */
	bool		interrupting;
	char	   *error_code;		/* error boundary: the code, NULL for any error */

	/* activity: its boundary events, in definition order */
	int			nboundaries;
	int		   *boundaries;
	bool		has_timer_boundary;
	int			escalation_boundary;	/* index, -1 for none */
	bool		error_scoped;	/* an enclosing sub-process catches errors */

	/* inclusive join: which nodes of the same scope can still reach it */
	bool	   *reaches_me;

	/* case plan item (scope: index of its stage, -1 for the case plan) */
	int			nentry;
	BpmSentry  *entry;
	int			nexit;
	BpmSentry  *exit;
	bool		item_required;	/* the case (or stage) cannot complete without it */
	bool		manual;			/* waits enabled until someone starts it */
	bool		repeat;			/* a new occurrence each time it is entered again */
	bool		discretionary;	/* exists only once planned at run time */
	JsonPath   *applicability;	/* discretionary: may it be planned now? */
	char	   *applicability_text;
	bool		auto_complete;	/* stage: completes when its work is done */
	char	   *case_role;		/* case human task: only holders of this role of the case work it */
	char	   *target_key;		/* process task, escalate_to_case: the process; case task: the case */
	bool		wait;			/* process or case task, escalate_to_case: until the child ends */
} BpmNode;

typedef struct BpmFlow
{
	char	   *id;
	int			source;
	int			target;
	JsonPath   *condition;		/* NULL: unconditional */
	char	   *condition_text;
	bool		is_default;
} BpmFlow;

typedef struct BpmGraph
{
	int64		definition_id;
	char	   *key;
	char	   *name;
	int			nnodes;
	BpmNode    *nodes;
	int			nflows;
	BpmFlow    *flows;
	int			start;			/* the top-level start event */
	int		   *by_id;			/* node indexes sorted by id, for lookup */
	bool		is_case;		/* a case plan (nodes are its plan items), not a process */
	int			nexit;			/* case: exit criteria of the whole case */
	BpmSentry  *exit;
	bool		auto_complete;	/* case: completes when its plan's work is done */
	int			nroles;			/* case: the roles people hold in it, "owner" first */
	char	  **roles;
	Oid			owner;			/* role that deployed it: runs its scripts */
	Interval   *due;			/* how long an instance may run (its SLA), or NULL */
} BpmGraph;

/* compile.c */
extern BpmGraph *bpm_graph_compile(Jsonb *source, bool deploying);
extern const char *bpm_node_kind_name(BpmNodeKind kind);
/* case_compile.c */
extern BpmGraph *bpm_case_compile(Jsonb *source, bool deploying);
extern const char *bpm_case_item_type(BpmNodeKind kind);
extern bool bpm_case_has_role(const BpmGraph *g, const char *role);
/* graph.c */
extern void bpm_index_nodes(const char *key, BpmGraph *g);
extern int	bpm_graph_find(const BpmGraph *graph, const char *node_id);
extern int	bpm_graph_catching(const BpmGraph *graph, int node, const char *code);
extern bool bpm_node_escalates(const BpmNode *node);

/* cache.c */
extern BpmGraph *bpm_graph_get(int64 definition_id);

/*
 * deploy.c: what a new version means to the folders above (start timers
 * are armed by process/, which registers this at load time, so that
 * definition/ names nothing above it). Runs in bpm.deploy's transaction,
 * as the owner of schema bpm, SPI connected.
 */
typedef void (*BpmDeployedHook) (BpmGraph *graph, int64 definition_id);
extern void bpm_deploy_register_hook(BpmDeployedHook hook);
extern int64 bpm_definition_latest(const char *key, const char *kind);

#endif							/* BPM_DEFINITION_H */
