/*
 * src/process/process.c
 *
 * bpm.start and bpm.cancel: the SQL entry points that create and end
 * process instances. Each runs the engine as the owner of the bpm schema,
 * recording the calling actor.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "security/security.h"
#include "process/engine.h"
#include "util/util.h"

/*
 * bpm.start(key text, data jsonb DEFAULT '{}', business_key text DEFAULT NULL) RETURNS bigint
 *
 * Starts the latest version of the process key and runs it until every
 * token rests. The new instance row is locked by its insert. Raises 42704
 * for an unknown key, 22023 for data that is not an object or an empty
 * business key, 22001 for a business key longer than 1000 bytes
 * (util/names.h), and whatever the first step raises (a gateway with no way out, a failing script),
 * with nothing written.
 */
PG_FUNCTION_INFO_V1(bpm_start);
Datum
bpm_start(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(bpm_instance_begin(fcinfo, "process"));
}

/*
 * bpm.start and bpm.open_case, from their arguments (key text, data jsonb,
 * business_key text): a new instance of the latest version of the key,
 * which must be of this kind, run as far as it goes. Returns its id.
 */
int64
bpm_instance_begin(FunctionCallInfo fcinfo, const char *kind)
{
	char	   *key;
	Jsonb	   *data;
	char	   *business_key;
	char	   *actor = bpm_current_actor_name();
	BpmIdentity saved;
	BpmInstance inst;

	bpm_require_arg(fcinfo, 0, psprintf("%s key", kind));
	key = text_to_cstring(PG_GETARG_TEXT_PP(0));
	data = PG_ARGISNULL(1) ? bpm_jb_empty_object() : PG_GETARG_JSONB_P(1);
	business_key = PG_ARGISNULL(2) ? NULL : bpm_name_arg(fcinfo, 2, "business_key");

	bpm_engine_enter(&saved);
	bpm_instance_create(&inst, bpm_definition_latest(key, kind), data, business_key, actor,
						NULL, 0);
	bpm_family_open(&inst, key);
	bpm_engine_leave(&saved);
	return inst.id;
}

/*
 * bpm.cancel(instance_id bigint, reason text DEFAULT NULL) RETURNS void
 *
 * Terminates a running instance: its open tasks become cancelled, its jobs
 * are removed, its tokens dropped, each with an event. Locks the instance
 * row. Raises 42704 for an unknown instance and 55000 if it has ended.
 */
PG_FUNCTION_INFO_V1(bpm_cancel);
Datum
bpm_cancel(PG_FUNCTION_ARGS)
{
	int64		instance_id;
	char	   *reason;
	char	   *actor = bpm_current_actor_name();
	BpmIdentity saved;
	BpmInstance inst;

	bpm_require_arg(fcinfo, 0, "instance id");
	instance_id = PG_GETARG_INT64(0);
	reason = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));

	bpm_engine_enter(&saved);
	bpm_instance_lock(&inst, instance_id, actor);
	bpm_require_may_see(&inst, saved.userid);
	bpm_instance_require_running(&inst, "cancel");
	bpm_family_cancel(&inst, reason);
	bpm_engine_leave(&saved);
	PG_RETURN_VOID();
}
