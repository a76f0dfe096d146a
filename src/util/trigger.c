/*
 * src/util/trigger.c
 *
 * A trigger function of pg_bpm called otherwise than as the trigger it is
 * (SELECT bpm.event_guard(), or attached by hand to another table the
 * wrong way) is refused with PostgreSQL's own SQLSTATE for it, 39P01, as
 * its built-in trigger functions are, before it reads anything.
 */
#include "postgres.h"

#include "commands/trigger.h"

#include "util/trigger.h"

static const char *const trigger_kind_name[] = {
	[BPM_TRIGGER_ANY] = "a trigger",
	[BPM_TRIGGER_INSTEAD] = "an INSTEAD OF trigger",
	[BPM_TRIGGER_BEFORE_ROW] = "a BEFORE ROW trigger",
};

void
bpm_require_trigger(FunctionCallInfo fcinfo, const char *function, BpmTriggerKind kind)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	bool		ok = CALLED_AS_TRIGGER(fcinfo);

	if (ok && kind == BPM_TRIGGER_INSTEAD)
		ok = TRIGGER_FIRED_INSTEAD(td->tg_event);
	if (ok && kind == BPM_TRIGGER_BEFORE_ROW)
		ok = TRIGGER_FIRED_BEFORE(td->tg_event) && TRIGGER_FIRED_FOR_ROW(td->tg_event);
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function %s must be called as %s", function, trigger_kind_name[kind])));
}
