/*
 * src/util/spi_util.c
 *
 * SPI helpers. Every engine statement is a BpmStatement: prepared with
 * SPI_prepare on first use, kept with SPI_keepplan, executed with
 * parameters. Values are never pasted into SQL text.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/resowner.h"

#include "util/spi_util.h"

void
bpm_spi_connect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_bpm: SPI_connect failed");
}

void
bpm_spi_finish(void)
{
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "pg_bpm: SPI_finish failed");
}

/*
 * Execute a saved statement; returns SPI_processed. Any SPI failure is an
 * internal error: the statements are ours and fixed.
 */
int
bpm_spi_run(BpmStatement *stmt, Datum *values, const char *nulls)
{
	int			rc;

	if (stmt->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(stmt->sql, stmt->nargs, stmt->argtypes,
											  ((stmt->options & BPM_SPI_GENERIC_PLAN)
											   ? CURSOR_OPT_GENERIC_PLAN : 0) |
											  ((stmt->options & BPM_SPI_CUSTOM_PLAN)
											   ? CURSOR_OPT_CUSTOM_PLAN : 0));

		if (plan == NULL)
			elog(ERROR, "pg_bpm: could not prepare \"%s\": %s",
				 stmt->sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "pg_bpm: SPI_keepplan failed");
		stmt->plan = plan;
	}
	rc = SPI_execute_plan(stmt->plan, values, nulls,
						  (stmt->options & BPM_SPI_READ_ONLY) != 0, 0);
	if (rc < 0)
		elog(ERROR, "pg_bpm: statement \"%s\" failed: %s",
			 stmt->sql, SPI_result_code_string(rc));
	return (int) SPI_processed;
}

Datum
bpm_spi_datum(int row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

bool
bpm_spi_isnull(int row, int col)
{
	bool		isnull;

	(void) bpm_spi_datum(row, col, &isnull);
	return isnull;
}

int64
bpm_spi_int64(int row, int col)
{
	bool		isnull;
	Datum		d = bpm_spi_datum(row, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

int32
bpm_spi_int32(int row, int col)
{
	bool		isnull;
	Datum		d = bpm_spi_datum(row, col, &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}

/*
 * Values are copied into CurrentMemoryContext, so they outlive the next
 * statement's result; inside the engine that is the SPI procedure context,
 * released by SPI_finish.
 */
char *
bpm_spi_text(int row, int col)
{
	bool		isnull;
	Datum		d = bpm_spi_datum(row, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static void *
spi_copy_varlena(int row, int col)
{
	bool		isnull;
	Datum		d = bpm_spi_datum(row, col, &isnull);

	return isnull ? NULL : PG_DETOAST_DATUM_COPY(d);
}

Jsonb *
bpm_spi_jsonb(int row, int col)
{
	return (Jsonb *) spi_copy_varlena(row, col);
}

bytea *
bpm_spi_bytea(int row, int col)
{
	return (bytea *) spi_copy_varlena(row, col);
}

ErrorData *
bpm_try(void (*fn) (void *arg), void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile error = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return error;
}

typedef struct ParseCall
{
	PGFunction	parser;
	const char *text;
	Datum		result;
} ParseCall;

static void
call_parser(void *arg)
{
	ParseCall  *call = arg;

	call->result = DirectFunctionCall3(call->parser, CStringGetDatum(call->text),
									   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

ErrorData *
bpm_try_parse(PGFunction parser, const char *text, Datum *result)
{
	ParseCall	call = {parser, text, (Datum) 0};
	ErrorData  *error = bpm_try(call_parser, &call);

	*result = call.result;
	return error;
}
