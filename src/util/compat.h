/*
 * src/util/compat.h
 *
 * The one place for PostgreSQL version differences. pg_bpm targets
 * PostgreSQL 15; code elsewhere uses the names defined here.
 */
#ifndef BPM_COMPAT_H
#define BPM_COMPAT_H

#if PG_VERSION_NUM < 150000
#error "pg_bpm requires PostgreSQL 15 or later"
#endif

#endif							/* BPM_COMPAT_H */
