/*
 * src/task/task_row.c
 *
 * The task row, as the column list of task.h (BPM_TASK_COLUMNS) describes
 * it: one descriptor per column — its name, its C form, who changes it —
 * and the conversions that walk them: reading a row of bpm.task_store or a
 * tuple of the view bpm.task, finding the columns an UPDATE asks to change
 * (refusing the engine's), taking them, writing the row back, and the row
 * the trigger reports. None of them names a column, so a new column is one
 * line of the list. The statements are built from the list on first use
 * and prepared once, like every other.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"

#include "task/task.h"
#include "util/util.h"

/* The C forms and who changes a column: see BPM_TASK_COLUMNS. */
typedef enum TaskForm
{
	FORM_ID, FORM_INT4, FORM_TEXT, FORM_TEXTS, FORM_TIME, FORM_JSONB
} TaskForm;

typedef enum TaskWho
{
	WHO_FIXED, WHO_RULED, WHO_WORKED, WHO_CLOSING
} TaskWho;

typedef struct TaskColumn
{
	const char *name;
	TaskForm	form;
	TaskWho		who;
	bool		not_null;
	size_t		offset;			/* of its field in TaskRow */
	size_t		null_offset;	/* TIME: of its <column>_null flag */
} TaskColumn;

#define NULL_OFFSET_ID(column)		0
#define NULL_OFFSET_INT4(column)	0
#define NULL_OFFSET_TEXT(column)	0
#define NULL_OFFSET_TEXTS(column)	0
#define NULL_OFFSET_TIME(column)	offsetof(TaskRow, column##_null)
#define NULL_OFFSET_JSONB(column)	0
#define NOT_NULL_NOT_NULL	true
#define NOT_NULL_NULLABLE	false
#define DESCRIBE(column, form, who, null) \
	{#column, FORM_##form, WHO_##who, NOT_NULL_##null, offsetof(TaskRow, column), \
	 NULL_OFFSET_##form(column)},

static const TaskColumn task_columns[] = {BPM_TASK_COLUMNS(DESCRIBE)};

#define NCOLUMNS ((int) lengthof(task_columns))

/* The SQL type of each C form. */
static const Oid form_type[] = {INT8OID, INT4OID, TEXTOID, TEXTARRAYOID, TIMESTAMPTZOID, JSONBOID};

/* The trigger writes every column but the fixed ones: with the id, one parameter each. */
#define WRITTEN(column, form, who, null) + (WHO_##who != WHO_FIXED)
StaticAssertDecl(1 BPM_TASK_COLUMNS(WRITTEN) <= lengthof(((BpmStatement *) 0)->argtypes),
				 "the written task columns do not fit in one statement's parameters");
StaticAssertDecl(lengthof(task_columns) <= 32, "a mask of task columns is a uint32");

static bool
written(const TaskColumn *col)
{
	return col->who != WHO_FIXED;
}

/* A column's value in a TaskRow, as a Datum. */
static Datum
field_get(const TaskRow *row, const TaskColumn *col, bool *isnull)
{
	const char *field = (const char *) row + col->offset;

	*isnull = false;
	switch (col->form)
	{
		case FORM_ID:
			*isnull = *(const int64 *) field == 0;
			return Int64GetDatum(*(const int64 *) field);
		case FORM_INT4:
			return Int32GetDatum(*(const int32 *) field);
		case FORM_TEXT:
			*isnull = *(char *const *) field == NULL;
			return *isnull ? (Datum) 0 : CStringGetTextDatum(*(char *const *) field);
		case FORM_TEXTS:
			return *(const Datum *) field;
		case FORM_TIME:
			*isnull = *(const bool *) ((const char *) row + col->null_offset);
			return *(const Datum *) field;
		case FORM_JSONB:
			*isnull = *(Jsonb *const *) field == NULL;
			return *isnull ? (Datum) 0 : JsonbPGetDatum(*(Jsonb *const *) field);
	}
	pg_unreachable();
}

/* Set a column of a TaskRow from a Datum. */
static void
field_set(TaskRow *row, const TaskColumn *col, Datum value, bool isnull)
{
	char	   *field = (char *) row + col->offset;

	switch (col->form)
	{
		case FORM_ID:
			*(int64 *) field = isnull ? 0 : DatumGetInt64(value);
			break;
		case FORM_INT4:
			*(int32 *) field = isnull ? 0 : DatumGetInt32(value);
			break;
		case FORM_TEXT:
			*(char **) field = isnull ? NULL : TextDatumGetCString(value);
			break;
		case FORM_TEXTS:
			*(Datum *) field = isnull ? PointerGetDatum(construct_empty_array(TEXTOID)) : value;
			break;
		case FORM_TIME:
			*(Datum *) field = isnull ? (Datum) 0 : value;
			*(bool *) ((char *) row + col->null_offset) = isnull;
			break;
		case FORM_JSONB:
			*(Jsonb **) field = isnull ? NULL : DatumGetJsonbP(value);
			break;
	}
}

/*
 * Where column i of the list is in a tuple. The view bpm.task and the
 * statements here list the columns in the list's order, so this is a
 * check of one name; a tuple in another order is searched.
 */
static int
column_attnum(TupleDesc desc, int i)
{
	const char *name = task_columns[i].name;
	int			attnum;

	if (i < desc->natts && strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
		return i + 1;
	attnum = SPI_fnumber(desc, name);
	if (attnum <= 0)
		elog(ERROR, "pg_bpm: the task row has no column \"%s\"", name);
	return attnum;
}

/*
 * The text of a statement over the columns, kept as long as its plan:
 * before, the columns (with assignments, only the written ones, each
 * "= $n" from $2 on), after.
 */
static const char *
columns_sql(const char *before, bool assignments, const char *after)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	StringInfoData sql;
	int			n = 0;
	int			i;

	initStringInfo(&sql);
	appendStringInfoString(&sql, before);
	for (i = 0; i < NCOLUMNS; i++)
	{
		if (assignments && !written(&task_columns[i]))
			continue;
		appendStringInfo(&sql, "%s%s", n > 0 ? ", " : "", task_columns[i].name);
		if (assignments)
			appendStringInfo(&sql, " = $%d", n + 2);
		n++;
	}
	appendStringInfoString(&sql, after);
	MemoryContextSwitchTo(old);
	return sql.data;
}

/* A tuple with the task's columns (of bpm.task_store or the view bpm.task), by name. */
void
bpm_task_row_from_tuple(HeapTuple tuple, TupleDesc desc, TaskRow *row)
{
	ArrayType  *groups;
	int			i;

	for (i = 0; i < NCOLUMNS; i++)
	{
		bool		isnull;
		Datum		value = heap_getattr(tuple, column_attnum(desc, i), desc, &isnull);

		field_set(row, &task_columns[i], value, isnull);
	}
	groups = DatumGetArrayTypeP(row->candidate_groups);
	row->has_groups = ArrayGetNItems(ARR_NDIM(groups), ARR_DIMS(groups)) > 0;
}

/* The task as it is now (read under its lock). 42704 if there is none. */
void
bpm_task_read(int64 task_id, TaskRow *row)
{
	static BpmStatement stmt = {NULL, 1, {INT8OID}};
	Datum		arg = Int64GetDatum(task_id);

	if (stmt.sql == NULL)
		stmt.sql = columns_sql("SELECT ", false, " FROM bpm.task_store WHERE id = $1");
	if (bpm_spi_run(&stmt, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("task %lld does not exist", (long long) task_id)));
	bpm_task_row_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, row);
}

/* "status, assignee, ... and follow_up_at": the columns an UPDATE may change, from the list. */
static const char *
worked_columns_text(void)
{
	static char *text = NULL;
	StringInfoData buf;
	int			n = 0;
	int			i;

	if (text)
		return text;
	for (i = 0; i < NCOLUMNS; i++)
		n += task_columns[i].who == WHO_WORKED;
	initStringInfo(&buf);
	for (i = 0; i < NCOLUMNS; i++)
	{
		if (task_columns[i].who != WHO_WORKED)
			continue;
		appendStringInfoString(&buf, task_columns[i].name);
		if (--n > 1)
			appendStringInfoString(&buf, ", ");
		else if (n == 1)
			appendStringInfoString(&buf, " and ");
	}
	text = MemoryContextStrdup(TopMemoryContext, buf.data);
	pfree(buf.data);
	return text;
}

/*
 * The columns an UPDATE of the view asks to change, a bit per column of
 * the list: those whose value in its new row differs from the row its
 * scan saw. A change of any other column is refused (42501): the engine
 * maintains it, or sets it when the task closes (completed_at and
 * completed_by say who closed it, when).
 */
uint32
bpm_task_row_asked(HeapTuple seen, HeapTuple asked, TupleDesc desc, int64 task_id)
{
	uint32		columns = 0;
	int			i;

	for (i = 0; i < NCOLUMNS; i++)
	{
		const TaskColumn *col = &task_columns[i];
		int			attnum = column_attnum(desc, i);
		Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
		bool		oldnull;
		bool		newnull;
		Datum		o = heap_getattr(seen, attnum, desc, &oldnull);
		Datum		n = heap_getattr(asked, attnum, desc, &newnull);

		if (oldnull == newnull && (oldnull || datumIsEqual(o, n, att->attbyval, att->attlen)))
			continue;
		if (col->who != WHO_WORKED)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("task %lld: column \"%s\" is maintained by the engine and cannot be changed",
							(long long) task_id, col->name),
					 errhint("A task's %s may be updated.", worked_columns_text())));
		if (newnull && col->not_null)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("task %lld: column \"%s\" cannot be set to null",
							(long long) task_id, col->name)));
		columns |= (uint32) 1 << i;
	}
	return columns;
}

/* Take the asked columns (bpm_task_row_asked) from asked into row. */
void
bpm_task_row_take(TaskRow *row, const TaskRow *asked, uint32 columns)
{
	int			i;

	for (i = 0; i < NCOLUMNS; i++)
	{
		bool		isnull;
		Datum		value;

		if ((columns & ((uint32) 1 << i)) == 0)
			continue;
		value = field_get(asked, &task_columns[i], &isnull);
		field_set(row, &task_columns[i], value, isnull);
	}
}

/* Write the columns the trigger writes (all but the fixed ones) to bpm.task_store. */
void
bpm_task_row_write(const TaskRow *row)
{
	static BpmStatement stmt = {NULL, 1, {INT8OID}};
	Datum		values[lengthof(stmt.argtypes)];
	char		nulls[lengthof(stmt.argtypes)];
	int			n = 1;
	int			i;

	if (stmt.sql == NULL)
	{
		for (i = 0; i < NCOLUMNS; i++)
			if (written(&task_columns[i]))
				stmt.argtypes[stmt.nargs++] = form_type[task_columns[i].form];
		stmt.sql = columns_sql("UPDATE bpm.task_store SET ", true, " WHERE id = $1");
	}
	values[0] = Int64GetDatum(row->id);
	nulls[0] = ' ';
	for (i = 0; i < NCOLUMNS; i++)
	{
		bool		isnull;

		if (!written(&task_columns[i]))
			continue;
		values[n] = field_get(row, &task_columns[i], &isnull);
		nulls[n++] = BPM_NULL(isnull);
	}
	if (bpm_spi_run(&stmt, values, nulls) != 1)
		elog(ERROR, "pg_bpm: task %lld vanished while locked", (long long) row->id);
}

/*
 * The row the trigger reports (RETURNING): the statement's row, with what
 * was written in the columns the trigger writes.
 */
HeapTuple
bpm_task_row_report(HeapTuple statement_row, TupleDesc desc, const TaskRow *row)
{
	int			cols[NCOLUMNS];
	Datum		values[NCOLUMNS];
	bool		nulls[NCOLUMNS];
	int			n = 0;
	int			i;

	for (i = 0; i < NCOLUMNS; i++)
	{
		if (!written(&task_columns[i]))
			continue;
		cols[n] = column_attnum(desc, i);
		values[n] = field_get(row, &task_columns[i], &nulls[n]);
		n++;
	}
	return heap_modify_tuple_by_cols(statement_row, desc, n, cols, values, nulls);
}
