/*
 * src/security/visibility.h
 *
 * Who may see a case, and everything that belongs to it. See visibility.c
 * and src/sql/95_row_security.sql.
 */
#ifndef BPM_VISIBILITY_H
#define BPM_VISIBILITY_H

extern bool bpm_actor_may_see(int64 instance_id, const char *actor);
extern void bpm_require_may_see_instance(int64 instance_id, bool is_case, const char *actor,
										 Oid caller);
extern void bpm_require_may_see_task(int64 task_id, int64 instance_id, const char *actor,
									 Oid caller);

#endif							/* BPM_VISIBILITY_H */
