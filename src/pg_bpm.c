/*
 * src/pg_bpm.c
 *
 * Module entry point: PG_MODULE_MAGIC, _PG_init and the settings. The
 * behaviour lives in the concept modules; this file only wires them up.
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
}
