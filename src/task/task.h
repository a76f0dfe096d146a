/*
 * src/task/task.h
 *
 * Human tasks: a task row as the rules see it (task.c), shared with the SQL
 * functions that claim, assign and complete tasks (task_api.c).
 */
#ifndef BPM_TASK_H
#define BPM_TASK_H

#include "utils/jsonb.h"

typedef struct TaskRow
{
	int64		id;
	int64		instance_id;
	int64		token_id;
	char	   *node_id;
	char	   *status;
	char	   *assignee;
	Datum		candidate_groups;
	bool		has_groups;
	Datum		required;
	Jsonb	   *output;
	int32		priority;
	Datum		due_at;
	bool		due_null;
	char	   *completed_by;
	char	   *completed_at;
	int64		escalation_of;	/* an escalation task: the overdue task; else 0 */
	/* task management: free tasks (instance_id 0), subtasks, delegation */
	char	   *title;
	int64		parent_task_id; /* 0: none */
	Datum		labels;			/* text[] */
	Datum		follow_up_at;
	bool		follow_up_null;
	char	   *owner;			/* a delegated task: who completes it once resolved */
	char	   *delegation_state;	/* NULL, "pending" or "resolved" */
	char	   *created_by;
} TaskRow;

#define BPM_TASK_IS_FREE(row) ((row)->instance_id == 0)
#define BPM_TASK_DELEGATED(row) \
	((row)->delegation_state != NULL && strcmp((row)->delegation_state, "pending") == 0)

struct BpmInstance;

/* task.c */
extern void bpm_task_read(int64 task_id, TaskRow *row);
extern void bpm_task_refuse_unless_open(const TaskRow *row);
extern char *bpm_task_groups_text(Datum groups);
extern bool bpm_task_may_work(const TaskRow *row, const char *actor);
extern void bpm_task_require_object_output(const TaskRow *cur, TaskRow *next);

/* free_task.c: tasks outside any process or case, and subtasks */
extern int64 bpm_task_lock(int64 task_id);
extern void bpm_task_begin(struct BpmInstance *inst, int64 task_id, const char *actor);
extern void bpm_task_stand_in(struct BpmInstance *inst, const char *actor);
extern void bpm_free_task_check_cancel(const TaskRow *cur, const char *actor, Oid caller);
extern void bpm_task_refuse_open_subtasks(const TaskRow *cur, const char *action);

/* delegation.c */
extern void bpm_delegation_check_change(const TaskRow *cur, const TaskRow *next,
										const char *actor);
extern void bpm_delegation_resolve(const TaskRow *cur, TaskRow *next);

/* board.c */
extern void bpm_board_task_completed(int64 task_id);
extern void bpm_board_place_new(struct BpmInstance *inst, int64 task_id, const char *board);

#endif							/* BPM_TASK_H */
