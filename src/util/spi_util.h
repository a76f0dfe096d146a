/*
 * src/util/spi_util.h
 *
 * Small helpers over SPI: saved plans prepared once per backend, execution
 * with an exact check of the result, and typed access to result columns.
 */
#ifndef BPM_SPI_UTIL_H
#define BPM_SPI_UTIL_H

#include "executor/spi.h"
#include "utils/jsonb.h"

/*
 * A statement prepared on first use and kept for the life of the backend.
 * Declare one per call site: static BpmStatement stmt = {"SELECT ...", 2, {INT8OID, TEXTOID}};
 */
typedef struct BpmStatement
{
	const char *sql;
	int			nargs;
	Oid			argtypes[12];
	int			options;		/* BPM_SPI_* below; 0 for most */
	SPIPlanPtr	plan;
} BpmStatement;

/* Run in the caller's snapshot: no new snapshot, no CommandCounterIncrement. */
#define BPM_SPI_READ_ONLY		0x01
/* Plan once for any parameters (a statement run for every row of a query). */
#define BPM_SPI_GENERIC_PLAN	0x02
/* Plan for each run's parameters (a statement run rarely, whose best plan depends on them). */
#define BPM_SPI_CUSTOM_PLAN		0x04

extern void bpm_spi_connect(void);
extern void bpm_spi_finish(void);
extern int	bpm_spi_run(BpmStatement *stmt, Datum *values, const char *nulls);

/*
 * Run fn(arg) in a subtransaction. Returns NULL when it succeeded, else
 * the error it raised (copied into the caller's memory context), with the
 * subtransaction rolled back. Not for hot paths.
 */
extern ErrorData *bpm_try(void (*fn) (void *arg), void *arg);

/* A type input function (cstring, typioparam, typmod) run through bpm_try. */
extern ErrorData *bpm_try_parse(PGFunction parser, const char *text, Datum *result);

extern bool bpm_spi_isnull(int row, int col);
extern int64 bpm_spi_int64(int row, int col);
extern int32 bpm_spi_int32(int row, int col);
extern char *bpm_spi_text(int row, int col);	/* NULL when SQL NULL */
extern Jsonb *bpm_spi_jsonb(int row, int col);	/* NULL when SQL NULL */
extern bytea *bpm_spi_bytea(int row, int col); /* NULL when SQL NULL */
extern Datum bpm_spi_datum(int row, int col, bool *isnull);

/* Nulls array helper: ' ' or 'n' for each value */
#define BPM_NULL(isnull) ((isnull) ? 'n' : ' ')

#endif							/* BPM_SPI_UTIL_H */
