/*
 * src/util/names.h
 *
 * The names the engine stores and looks up by index (actors, groups, case
 * roles, business keys, boards and their columns, labels, definition keys,
 * node ids, topics): not empty and at most BPM_NAME_MAX bytes, and, given
 * as arrays, plain lists.
 */
#ifndef BPM_NAMES_H
#define BPM_NAMES_H

#include "fmgr.h"
#include "utils/array.h"

/*
 * The longest name, in bytes. PostgreSQL's btree refuses an index entry
 * over about 2700 bytes and some indexes hold two names (a case role and
 * its actor, a board and a column): two of 1000 bytes fit. It is far below
 * what NOTIFY can carry (7999 bytes), so any topic can be announced.
 */
#define BPM_NAME_MAX 1000

/* How much of a name too long to store an error quotes, in bytes (cut at a character). */
#define BPM_NAME_QUOTED 40

extern char *bpm_name_clip(const char *name);
extern void bpm_check_name(const char *name, const char *what);
extern char *bpm_name_arg(FunctionCallInfo fcinfo, int argno, const char *what);
extern void bpm_check_list(ArrayType *list, const char *what);
extern void bpm_check_names(ArrayType *names, const char *what);

#endif							/* BPM_NAMES_H */
