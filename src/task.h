/*
 * src/task.h
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
} TaskRow;

extern void bpm_task_read(int64 task_id, TaskRow *row);
extern void bpm_task_refuse_unless_open(const TaskRow *row);
extern char *bpm_task_groups_text(Datum groups);

#endif							/* BPM_TASK_H */
