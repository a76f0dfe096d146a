/*
 * src/security/identity.c
 *
 * The engine's identity: the switch to the owner of schema bpm, as which
 * the engine writes, with a pinned search_path (and, for a deployer's
 * code, to the deployer); how SQL-callable functions and triggers enter
 * and leave the engine on it; and whether a write is the engine's.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"

#include "security/actor.h"
#include "security/identity.h"
#include "util/util.h"

/*
 * Switch to a role for the engine's own statements. Restored by
 * bpm_restore_identity, or by transaction abort if an error escapes.
 */
void
bpm_become(Oid role, BpmIdentity *saved)
{
	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	saved->guc_level = 0;
	SetUserIdAndSecContext(role, saved->sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

void
bpm_become_owner(BpmIdentity *saved)
{
	bpm_become(bpm_schema_owner(), saved);
	saved->guc_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Is this the engine's own write: made as the owner of schema bpm, to whom
 * bpm_become switched (a deployer's code runs as its deployer)? The
 * runtime guards (audit/guard.c) let only these delete an instance's rows.
 */
bool
bpm_engine_writes(void)
{
	Oid			userid;
	int			sec_context;

	GetUserIdAndSecContext(&userid, &sec_context);
	return (sec_context & SECURITY_LOCAL_USERID_CHANGE) != 0 && userid == bpm_schema_owner();
}

void
bpm_restore_identity(const BpmIdentity *saved)
{
	if (saved->guc_level > 0)
		AtEOXact_GUC(true, saved->guc_level);
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}

/*
 * Enter and leave the engine from an SQL-callable function or trigger: act
 * as the schema owner with the pinned search_path (bpm_become_owner), SPI
 * connected, once the installed SQL is known to be the library's
 * (util/version.c). Every folder enters so: the process and case engines,
 * bpm.deploy, the verification of the log.
 */
void
bpm_engine_enter(BpmIdentity *saved)
{
	bpm_become_owner(saved);
	bpm_spi_connect();
	bpm_require_current_sql();
}

void
bpm_engine_leave(const BpmIdentity *saved)
{
	bpm_spi_finish();
	bpm_restore_identity(saved);
}
