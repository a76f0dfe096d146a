/*
 * src/task/board.c
 *
 * Boards (kanban): named boards with ordered columns, the last of which is
 * final, and a card per task placed on them. A task is on one board at
 * most (bpm.board_card's key is the task); its card has a column and a
 * position, dense from 1 within the column (bpm.board_card_slot keeps
 * positions unique; moves renumber so no gaps appear).
 *
 *   card:  (none) --create_task(board) / move_task(board =>)--> in a column
 *          in a column --move_task--> in another column, at a position
 *          in a column --move_task to the final column: the task is completed
 *                        (the rules of task_rules.c; refused: the card stays)--> final
 *          in a column --the task completed by any path--> final (end)
 *          final --(the task is closed)--> may only change position there (55000)
 *
 * Locks: the task's serialisation point first (its instance, or a free
 * task's own row: free_task.c), then the board row (FOR NO KEY UPDATE),
 * which serialises the renumbering of the board's cards. Completing a task
 * on a board (any path) takes the same two in the same order.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "security/security.h"
#include "process/process.h"
#include "util/util.h"
#include "task/task.h"

/* Where a card is. */
typedef struct Card
{
	bool		exists;
	int64		board_id;
	char	   *board;
	int32		column;			/* bpm.board_column.position */
	char	   *column_name;
	int32		position;
} Card;

static void
read_card(int64 task_id, Card *card)
{
	static BpmStatement stmt = {
		"SELECT c.board_id, b.name, c.column_position, col.name, c.position "
		"FROM bpm.board_card c JOIN bpm.task_board b ON b.id = c.board_id "
		"JOIN bpm.board_column col ON col.board_id = c.board_id AND col.position = c.column_position "
		"WHERE c.task_id = $1",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(task_id);

	memset(card, 0, sizeof(Card));
	if (bpm_spi_run(&stmt, &arg, NULL) != 1)
		return;
	card->exists = true;
	card->board_id = bpm_spi_int64(0, 1);
	card->board = bpm_spi_text(0, 2);
	card->column = bpm_spi_int32(0, 3);
	card->column_name = bpm_spi_text(0, 4);
	card->position = bpm_spi_int32(0, 5);
}

/* Lock a board by id or, when name is given, by name (42704 if unknown). */
static int64
lock_board(int64 board_id, const char *name)
{
	static BpmStatement by_id = {
		"SELECT id FROM bpm.task_board WHERE id = $1 FOR NO KEY UPDATE", 1, {INT8OID}
	};
	static BpmStatement by_name = {
		"SELECT id FROM bpm.task_board WHERE name = $1 FOR NO KEY UPDATE", 1, {TEXTOID}
	};
	Datum		arg = name ? CStringGetTextDatum(name) : Int64GetDatum(board_id);

	if (bpm_spi_run(name ? &by_name : &by_id, &arg, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("board \"%s\" does not exist", name),
				 errhint("Create it with bpm.create_board(name, columns).")));
	return bpm_spi_int64(0, 1);
}

/*
 * Put a task's card at a position of a column (0: at the end; past the
 * end: at the end), closing the gap it leaves and opening one where it
 * goes. The caller holds the board's lock. Returns the position.
 */
static int32
place_card(int64 task_id, int64 board_id, int32 column, int32 position)
{
	static BpmStatement take = {
		"DELETE FROM bpm.board_card WHERE task_id = $1 RETURNING board_id, column_position, position",
		1, {INT8OID}
	};
	static BpmStatement close_gap = {
		"UPDATE bpm.board_card SET position = position - 1 "
		"WHERE board_id = $1 AND column_position = $2 AND position > $3",
		3, {INT8OID, INT4OID, INT4OID}
	};
	static BpmStatement count = {
		"SELECT count(*)::integer FROM bpm.board_card WHERE board_id = $1 AND column_position = $2",
		2, {INT8OID, INT4OID}
	};
	static BpmStatement open_gap = {
		"UPDATE bpm.board_card SET position = position + 1 "
		"WHERE board_id = $1 AND column_position = $2 AND position >= $3",
		3, {INT8OID, INT4OID, INT4OID}
	};
	static BpmStatement put = {
		"INSERT INTO bpm.board_card (task_id, board_id, column_position, position) "
		"VALUES ($1, $2, $3, $4)",
		4, {INT8OID, INT8OID, INT4OID, INT4OID}
	};
	Datum		values[4];
	int32		n;

	values[0] = Int64GetDatum(task_id);
	if (bpm_spi_run(&take, values, NULL) == 1)
	{
		Datum		old[3];

		old[0] = Int64GetDatum(bpm_spi_int64(0, 1));
		old[1] = Int32GetDatum(bpm_spi_int32(0, 2));
		old[2] = Int32GetDatum(bpm_spi_int32(0, 3));
		bpm_spi_run(&close_gap, old, NULL);
	}
	values[0] = Int64GetDatum(board_id);
	values[1] = Int32GetDatum(column);
	bpm_spi_run(&count, values, NULL);
	n = bpm_spi_int32(0, 1);
	if (position == 0 || position > n + 1)
		position = n + 1;
	values[2] = Int32GetDatum(position);
	bpm_spi_run(&open_gap, values, NULL);
	values[0] = Int64GetDatum(task_id);
	values[1] = Int64GetDatum(board_id);
	values[2] = Int32GetDatum(column);
	values[3] = Int32GetDatum(position);
	bpm_spi_run(&put, values, NULL);
	return position;
}

static void
record_move(TaskScope *scope, int64 task_id, const char *node_id, const char *board,
			const char *from, const char *to, int32 position)
{
	bpm_task_event(scope, "task_moved", node_id, task_id,
				   bpm_jb_build(4, (const char *[]) {"board", "from", "to", "position"},
								(Jsonb *[]) {bpm_jb_string(board), from ? bpm_jb_string(from) : NULL,
					bpm_jb_string(to), bpm_jb_int(position)}));
}

/*
 * A new free task's card: at the end of the board's first column (locks
 * the board; 42704 for an unknown one). Records task_moved.
 */
void
bpm_board_place_new(TaskScope *scope, int64 task_id, const char *board)
{
	static BpmStatement first = {
		"SELECT name FROM bpm.board_column WHERE board_id = $1 AND position = 1", 1, {INT8OID}
	};
	int64		board_id = lock_board(0, board);
	Datum		arg = Int64GetDatum(board_id);
	char	   *column;

	bpm_spi_run(&first, &arg, NULL);
	column = bpm_spi_text(0, 1);
	record_move(scope, task_id, NULL, board, NULL, column, place_card(task_id, board_id, 1, 0));
}

/*
 * A task was completed (task_trigger.c, any path): its card, if it has
 * one, goes to the end of its board's final column. No event of its own:
 * the task_completed event says it. The caller holds the task's lock.
 */
void
bpm_board_task_completed(int64 task_id)
{
	static BpmStatement stmt = {
		"SELECT c.board_id, f.position FROM bpm.board_card c "
		"JOIN bpm.board_column f ON f.board_id = c.board_id AND f.is_final "
		"WHERE c.task_id = $1 AND c.column_position <> f.position",
		1, {INT8OID}
	};
	Datum		arg = Int64GetDatum(task_id);
	int64		board_id;
	int32		final;

	if (bpm_spi_run(&stmt, &arg, NULL) != 1)
		return;
	board_id = bpm_spi_int64(0, 1);
	final = bpm_spi_int32(0, 2);
	lock_board(board_id, NULL);
	place_card(task_id, board_id, final, 0);
}

/* qsort: column names in byte order (the C collation texteq uses) */
static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The columns of a new board: at least two, a plain list (util/names.h),
 * no null, empty, too long or repeated name. A sorted copy finds a repeat
 * in n log n: a board of 40,000 columns is checked at once.
 */
static void
check_columns(const char *board, ArrayType *arr)
{
	Datum	   *items;
	bool	   *nulls;
	char	  **sorted;
	int			n;
	int			i;

	bpm_check_list(arr, "columns");
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls, &n);
	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("board \"%s\" needs at least two columns, not %d", board, n),
				 errhint("The last column is the final one: moving a card there completes its task, e.g. ARRAY['todo', 'doing', 'done'].")));
	sorted = palloc(sizeof(char *) * n);
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (nulls[i] || VARSIZE_ANY_EXHDR(DatumGetPointer(items[i])) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("board \"%s\": column names must not be null or empty", board)));
		sorted[i] = TextDatumGetCString(items[i]);
		bpm_check_name(sorted[i], psprintf("column %d of board \"%s\"", i + 1, board));
	}
	qsort(sorted, n, sizeof(char *), compare_names);
	for (i = 1; i < n; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("board \"%s\": column \"%s\" is named twice", board, sorted[i])));
}

/*
 * bpm.create_board(name text, columns text[]) RETURNS bigint
 *
 * A board with its columns in order; the last is the final one, where a
 * card's task is completed. Records board_created (no instance, not
 * chained). Raises 22004, 22023 (empty name; fewer than two columns, a
 * null, empty or repeated column name, columns that are not a plain
 * list), 22001 (a name longer than 1000 bytes), 42710 (the name is taken).
 */
PG_FUNCTION_INFO_V1(bpm_create_board);
Datum
bpm_create_board(PG_FUNCTION_ARGS)
{
	static BpmStatement insert = {
		"INSERT INTO bpm.task_board (name, created_by) VALUES ($1, $2) "
		"ON CONFLICT (name) DO NOTHING RETURNING id",
		2, {TEXTOID, TEXTOID}
	};
	static BpmStatement columns = {
		"INSERT INTO bpm.board_column (board_id, position, name, is_final) "
		"SELECT $1, n, c, n = cardinality($2) FROM unnest($2::text[]) WITH ORDINALITY u(c, n)",
		2, {INT8OID, TEXTARRAYOID}
	};
	char	   *name;
	char	   *actor = bpm_current_actor_name();
	ArrayType  *arr;
	Datum		values[2];
	BpmIdentity caller;
	TaskScope	none;
	int64		board_id;

	bpm_require_arg(fcinfo, 0, "board name");
	bpm_require_arg(fcinfo, 1, "columns");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strspn(name, " \t\r\n") == strlen(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a board's name must not be empty")));
	bpm_check_name(name, "board name");
	arr = PG_GETARG_ARRAYTYPE_P(1);
	check_columns(name, arr);

	bpm_engine_enter(&caller);
	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(actor);
	if (bpm_spi_run(&insert, values, NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("board \"%s\" already exists", name)));
	board_id = bpm_spi_int64(0, 1);
	values[0] = Int64GetDatum(board_id);
	values[1] = PointerGetDatum(arr);
	bpm_spi_run(&columns, values, NULL);
	bpm_task_scope_init(&none, 0, actor);	/* a board belongs to no instance */
	bpm_task_event(&none, "board_created", NULL, 0,
				   bpm_jb_build(2, (const char *[]) {"board", "columns"},
								(Jsonb *[]) {bpm_jb_string(name), bpm_jb_text_array(PointerGetDatum(arr))}));
	bpm_engine_leave(&caller);
	PG_RETURN_INT64(board_id);
}

/* The target column by name: its position and whether it is final. 42704 if none. */
static int32
find_column(int64 board_id, const char *board, const char *name, bool *is_final)
{
	static BpmStatement stmt = {
		"SELECT position, is_final, "
		"(SELECT string_agg(name, ', ' ORDER BY position) FROM bpm.board_column WHERE board_id = $1) "
		"FROM bpm.board_column WHERE board_id = $1 AND name = $2 "
		"UNION ALL SELECT NULL, NULL, string_agg(name, ', ' ORDER BY position) "
		"FROM bpm.board_column WHERE board_id = $1 "
		"HAVING NOT bool_or(name = $2)",
		2, {INT8OID, TEXTOID}
	};
	Datum		values[2];

	values[0] = Int64GetDatum(board_id);
	values[1] = CStringGetTextDatum(name);
	bpm_spi_run(&stmt, values, NULL);
	if (bpm_spi_isnull(0, 1))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("board \"%s\" has no column \"%s\"", board, name),
				 errhint("Its columns are: %s.", bpm_spi_text(0, 3))));
	*is_final = DatumGetBool(bpm_spi_datum(0, 2, &(bool) {false}));
	return bpm_spi_int32(0, 1);
}

/* Complete the task as the caller: an UPDATE of the view, so every rule applies (task_rules.c). */
static void
complete_as_caller(const BpmIdentity *caller, int64 task_id, Jsonb *data)
{
	static BpmStatement complete = {
		"UPDATE bpm.task SET status = 'completed', output = $2 WHERE id = $1",
		2, {INT8OID, JSONBOID}
	};
	BpmIdentity owner;
	Datum		values[2];

	values[0] = Int64GetDatum(task_id);
	values[1] = JsonbPGetDatum(data ? data : bpm_jb_empty_object());
	bpm_become(caller->userid, &owner);
	bpm_spi_run(&complete, values, NULL);
	bpm_restore_identity(&owner);
}

/*
 * bpm.move_task(task_id bigint, column_name text, pos integer DEFAULT NULL,
 *     board text DEFAULT NULL, data jsonb DEFAULT NULL) RETURNS void
 *
 * Moves a task's card to a column of its board, at a position (NULL or
 * past the end: the end). board is needed for a task on no board yet, and
 * moves a card to another board. Moving an open task into the final column
 * completes it with data, exactly as bpm.complete_task (every rule of the
 * task applies, the process moves on; refused, the card stays); when the
 * delegate of a delegated task does it, the task is resolved instead and
 * its card stays. A closed task's card may only change position within its
 * column. Who may move an open task's card: whoever may work the task, the
 * owner of a delegated one, the creator of a free one, operators. Records
 * task_moved. Locks: the task's instance (a free task: its row), then the
 * board. Raises 42704 (task, board, column), 55000 (on no board; a closed
 * task leaving its column), 42501, 22023 (position < 1), 22004; and the
 * errors of completing the task.
 */
PG_FUNCTION_INFO_V1(bpm_move_task);
Datum
bpm_move_task(PG_FUNCTION_ARGS)
{
	int64		task_id;
	char	   *column_name;
	int32		position = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2);
	char	   *board = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	Jsonb	   *data = PG_ARGISNULL(4) ? NULL : PG_GETARG_JSONB_P(4);
	char	   *actor = bpm_current_actor_name();
	BpmIdentity caller;
	TaskScope	scope;
	int64		instance_id;
	TaskRow		task;
	Card		card;
	int64		board_id;
	int32		column;
	bool		is_final;

	bpm_require_arg(fcinfo, 0, "task id");
	bpm_require_arg(fcinfo, 1, "column name");
	task_id = PG_GETARG_INT64(0);
	column_name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (!PG_ARGISNULL(2) && position < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pos must be at least 1, not %d", position)));

	bpm_engine_enter(&caller);
	instance_id = bpm_task_begin(&scope, task_id, actor);
	bpm_require_may_see_task(task_id, instance_id, actor, caller.userid);
	bpm_task_read(task_id, &task);
	read_card(task_id, &card);
	if (board == NULL && !card.exists)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task %lld is on no board", (long long) task_id),
				 errhint("Name the board: bpm.move_task(%lld, '%s', board => 'name').",
						 (long long) task_id, column_name)));
	if (board == NULL)
		board = card.board;
	board_id = lock_board(0, board);
	column = find_column(board_id, board, column_name, &is_final);

	if (strcmp(task.status, "open") != 0)
	{
		if (!card.exists || card.board_id != board_id || card.column != column)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("task %lld is %s: its card cannot move to column \"%s\"",
							(long long) task_id, task.status, column_name),
					 card.exists
					 ? errdetail("Its card is in column \"%s\" of board \"%s\"; it may only change its position there.",
								 card.column_name, card.board)
					 : errdetail("It is on no board.")));
	}
	else if (!bpm_task_may_work(&task, actor) &&
			 !(BPM_TASK_DELEGATED(&task) && strcmp(task.owner, actor) == 0) &&
			 !(BPM_TASK_IS_FREE(&task) && task.created_by && strcmp(task.created_by, actor) == 0) &&
			 !bpm_is_operator(caller.userid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("\"%s\" may not move task %lld (\"%s\")", actor, (long long) task_id,
						task.title),
				 errdetail("A card is moved by whoever may work its task, the owner of a delegated task, the creator of a free task and operators.")));
	else if (is_final)
	{
		complete_as_caller(&caller, task_id, data);
		/* the trigger wrote events: reload the instance (its chain), and the task */
		bpm_task_begin(&scope, task_id, actor);
		bpm_task_read(task_id, &task);
		if (strcmp(task.status, "open") == 0)
		{
			/* resolved by its delegate: back to the owner, the card stays */
			bpm_engine_leave(&caller);
			PG_RETURN_VOID();
		}
	}
	position = place_card(task_id, board_id, column, position);
	if (!card.exists || card.board_id != board_id || card.column != column ||
		card.position != position)
		record_move(&scope, task_id, task.node_id, board,
					card.exists && card.board_id == board_id ? card.column_name : NULL,
					column_name, position);
	bpm_task_save(&scope);
	bpm_engine_leave(&caller);
	PG_RETURN_VOID();
}
