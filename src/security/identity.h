/*
 * src/security/identity.h
 *
 * The engine's identity (identity.c): acting as the owner of schema bpm,
 * or as a deployer, and back.
 */
#ifndef BPM_IDENTITY_H
#define BPM_IDENTITY_H

typedef struct BpmIdentity
{
	Oid			userid;
	int			sec_context;
	int			guc_level;		/* 0, or the GUC nest level of a pinned search_path */
} BpmIdentity;

extern void bpm_become(Oid role, BpmIdentity *saved);
extern void bpm_become_owner(BpmIdentity *saved);
extern void bpm_restore_identity(const BpmIdentity *saved);
extern bool bpm_engine_writes(void);
extern void bpm_engine_enter(BpmIdentity *saved);
extern void bpm_engine_leave(const BpmIdentity *saved);

#endif							/* BPM_IDENTITY_H */
