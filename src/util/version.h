/*
 * src/util/version.h
 *
 * Which version of pg_bpm's SQL a database has, against the version this
 * library serves (BPM_EXTVERSION, the Makefile's EXTVERSION). Between a
 * package upgrade and ALTER EXTENSION pg_bpm UPDATE the two differ.
 */
#ifndef BPM_VERSION_H
#define BPM_VERSION_H

extern const char *bpm_installed_version(void);
extern void bpm_require_current_sql(void);
extern void bpm_forget_sql_version(void);

#endif							/* BPM_VERSION_H */
