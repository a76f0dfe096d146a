/*
 * src/task/task.h
 *
 * Human tasks. The task row has one description, the column list below:
 * the struct TaskRow, reading a row, which columns an UPDATE of bpm.task
 * may change, writing it back and the row the trigger reports all come
 * from it (task_row.c). The rules that judge a change live beside it
 * (task_rules.c), the trigger dispatches what a change does
 * (task_trigger.c), and the SQL functions that work tasks build on them
 * (task_api.c, free_task.c, delegation.c, board.c, comment.c).
 */
#ifndef BPM_TASK_H
#define BPM_TASK_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/jsonb.h"

#include "process/process.h"

/*
 * The columns of the view bpm.task, in its order: the column, its C form,
 * who changes it, and whether it may be NULL.
 *
 * C forms:  ID     int64; NULL is 0
 *           INT4   int32
 *           TEXT   char *; NULL is NULL
 *           TEXTS  a text[] Datum, never NULL: a NULL given in an UPDATE reads as '{}'
 *           TIME   a timestamptz Datum, and bool <column>_null
 *           JSONB  Jsonb *; NULL is NULL
 *
 * Who:      FIXED    the engine's; an UPDATE that changes it is refused (42501)
 *           RULED    the same, but the rules of a change set it (the trigger writes it)
 *           WORKED   an UPDATE may change it, as the rules allow
 *           CLOSING  set when the task closes; an UPDATE that changes it is refused (42501)
 *
 * Null:     NOT_NULL an UPDATE that sets it to NULL is refused (23502), as
 *                    bpm.task_store's NOT NULL would, before any rule reads it
 *           NULLABLE NULL is a value
 *
 * A new column is a line here — at the end: a view gains columns only at
 * its end, and task_row.c finds them by name fastest in the view's order
 * — and the column in bpm.task_store (20_runtime.sql), the view bpm.task
 * (35_task.sql) and the upgrade script.
 */
#define BPM_TASK_COLUMNS(X) \
	X(id,				ID,		FIXED, NULLABLE) \
	X(instance_id,		ID,		FIXED, NULLABLE)		/* 0: a task with no instance (a free task) */ \
	X(token_id,			ID,		FIXED, NULLABLE)		/* the token waiting for it; a case's task: its plan item */ \
	X(node_id,			TEXT,	FIXED, NULLABLE) \
	X(title,			TEXT,	FIXED, NULLABLE) \
	X(status,			TEXT,	WORKED, NOT_NULL)		/* open, completed, cancelled */ \
	X(assignee,			TEXT,	WORKED, NULLABLE) \
	X(candidate_groups,	TEXTS,	FIXED, NOT_NULL) \
	X(priority,			INT4,	WORKED, NOT_NULL) \
	X(due_at,			TIME,	WORKED, NULLABLE) \
	X(required,			TEXTS,	FIXED, NOT_NULL) \
	X(output,			JSONB,	WORKED, NULLABLE) \
	X(created_at,		TIME,	FIXED, NOT_NULL) \
	X(completed_at,		TIME,	CLOSING, NULLABLE) \
	X(completed_by,		TEXT,	CLOSING, NULLABLE) \
	X(escalation_of,	ID,		FIXED, NULLABLE)		/* an escalation task: the overdue task */ \
	X(description,		TEXT,	FIXED, NULLABLE) \
	X(parent_task_id,	ID,		FIXED, NULLABLE) \
	X(labels,			TEXTS,	WORKED, NULLABLE) \
	X(follow_up_at,		TIME,	WORKED, NULLABLE) \
	X(owner,			TEXT,	FIXED, NULLABLE)		/* a delegated task: who completes it once resolved */ \
	X(delegation_state,	TEXT,	RULED, NULLABLE)		/* NULL, "pending" or "resolved" */ \
	X(created_by,		TEXT,	FIXED, NULLABLE)

#define BPM_TASK_FIELD_ID(column)		int64 column;
#define BPM_TASK_FIELD_INT4(column)		int32 column;
#define BPM_TASK_FIELD_TEXT(column)		char *column;
#define BPM_TASK_FIELD_TEXTS(column)	Datum column;
#define BPM_TASK_FIELD_TIME(column)		Datum column; bool column##_null;
#define BPM_TASK_FIELD_JSONB(column)	Jsonb *column;
#define BPM_TASK_FIELD(column, form, who, null) BPM_TASK_FIELD_##form(column)

typedef struct TaskRow
{
	BPM_TASK_COLUMNS(BPM_TASK_FIELD)
	bool		has_groups;		/* candidate_groups is not empty */
} TaskRow;

#define BPM_TASK_IS_FREE(row) ((row)->instance_id == 0)
#define BPM_TASK_DELEGATED(row) \
	((row)->delegation_state != NULL && strcmp((row)->delegation_state, "pending") == 0)

/*
 * What work on a task is done against: its instance, locked, whose event
 * chain the task's events join and whose row is saved after them; or none,
 * for a task with no instance (a free task): its own row is its lock, its
 * events stand alone (hashed, not chained) and there is nothing to save.
 * Boards and a case's comments are worked the same way.
 */
typedef struct TaskScope
{
	const char *actor;
	BpmInstance *inst;			/* NULL: no instance */
	BpmInstance instance;		/* what inst points to when there is one */
} TaskScope;

/* What an UPDATE of bpm.task does to an open task, as the rules judge it. */
typedef enum TaskChange
{
	BPM_TASK_CHANGED,			/* still open: assignee, schedule, labels changed */
	BPM_TASK_RESOLVED,			/* the delegate completed it: back to its owner, open */
	BPM_TASK_COMPLETED,
	BPM_TASK_CANCELLED,			/* a free task */
} TaskChange;

/* task_row.c: the row, as the column list describes it */
extern void bpm_task_read(int64 task_id, TaskRow *row);
extern void bpm_task_row_from_tuple(HeapTuple tuple, TupleDesc desc, TaskRow *row);
extern uint32 bpm_task_row_asked(HeapTuple seen, HeapTuple asked, TupleDesc desc, int64 task_id);
extern void bpm_task_row_take(TaskRow *row, const TaskRow *asked, uint32 columns);
extern void bpm_task_row_write(const TaskRow *row);
extern HeapTuple bpm_task_row_report(HeapTuple statement_row, TupleDesc desc, const TaskRow *row);

/* task_rules.c: who may do what to a task */
extern TaskChange bpm_task_judge(TaskScope *scope, const TaskRow *cur, TaskRow *next, Oid caller);
extern void bpm_task_refuse_unless_open(const TaskRow *row);
extern char *bpm_task_groups_text(Datum groups);
extern bool bpm_task_may_work(const TaskRow *row, const char *actor);
extern void bpm_task_require_object_output(const TaskRow *cur, TaskRow *next);
extern bool bpm_task_reassigned(const TaskRow *old, const TaskRow *new);
extern bool bpm_task_output_changed(const TaskRow *old, const TaskRow *new);
extern bool bpm_task_rescheduled(const TaskRow *old, const TaskRow *new);
extern bool bpm_task_details_changed(const TaskRow *old, const TaskRow *new);

/* free_task.c: the lock and scope of a task; tasks outside any process or case, and subtasks */
extern int64 bpm_task_lock(int64 task_id);
extern int64 bpm_task_begin(TaskScope *scope, int64 task_id, const char *actor);
extern void bpm_task_scope_init(TaskScope *scope, int64 instance_id, const char *actor);
extern void bpm_task_event(TaskScope *scope, const char *kind, const char *node_id,
						   int64 task_id, Jsonb *data);
extern void bpm_task_save(TaskScope *scope);
extern void bpm_free_task_check_cancel(const TaskRow *cur, const char *actor, Oid caller);
extern void bpm_task_refuse_open_subtasks(const TaskRow *cur, const char *action);

/* delegation.c */
extern void bpm_delegation_check_change(const TaskRow *cur, const TaskRow *next,
										const char *actor);
extern void bpm_delegation_resolve(const TaskRow *cur, TaskRow *next);

/* board.c */
extern void bpm_board_task_completed(int64 task_id);
extern void bpm_board_place_new(TaskScope *scope, int64 task_id, const char *board);

#endif							/* BPM_TASK_H */
