/*
 * src/case/case_sentry.c
 *
 * How a case reacts: every plan item transition and every change of a
 * case-file field is an on-part that happened ("triage.complete",
 * "file.resolution"). bpm_case_settle takes them in order and offers each
 * to the sentries that listen to it: those that name it as an on-part,
 * and, for a file field, those whose if-part reads that field. A sentry
 * remembers the on-parts it has seen in its item's row (bpm.plan_item.seen,
 * as "e<n>:<part>" for entry sentry n, "x<n>:<part>" for exit sentry n);
 * once all have been seen and its if-part holds, it fires: an entry sentry
 * lets its item proceed, an exit sentry ends it. Whether a stage whose
 * item ended is done is asked after that, when the queue is empty.
 *
 * The work per change is proportional to the sentries of the definition
 * that listen to what changed, and to the occurrences of those items in
 * this one case, never to the number of cases.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "case/case.h"
#include "util/util.h"

static void
push(BpmCaseRun *run, char *part)
{
	if (run->nqueue == run->maxqueue)
	{
		run->maxqueue = Max(16, run->maxqueue * 2);
		run->queue = run->queue ? repalloc(run->queue, sizeof(char *) * run->maxqueue)
			: palloc(sizeof(char *) * run->maxqueue);
	}
	run->queue[run->nqueue++] = part;
}

void
bpm_case_happened(BpmCaseRun *run, const char *item_id, const char *transition)
{
	push(run, psprintf("%s.%s", item_id, transition));
}

/* One on-part "file.<field>" for each top-level field that differs. */
void
bpm_case_file_changed(BpmCaseRun *run, Jsonb *before, Jsonb *after)
{
	int			n;
	char	  **keys;
	int			i;
	JsonbValue	old;
	JsonbValue	new;

	keys = bpm_jb_object_keys(&after->root, &n);
	for (i = 0; i < n; i++)
	{
		bpm_jb_get(&after->root, keys[i], &new);
		if (!bpm_jb_get(&before->root, keys[i], &old) || !bpm_jb_equal(&old, &new))
			push(run, psprintf("file.%s", keys[i]));
	}
	keys = bpm_jb_object_keys(&before->root, &n);
	for (i = 0; i < n; i++)
		if (!bpm_jb_get(&after->root, keys[i], &new))
			push(run, psprintf("file.%s", keys[i]));
}

static bool
names_part(const BpmSentry *s, const char *part)
{
	int			i;

	for (i = 0; i < s->nparts; i++)
		if (strcmp(s->parts[i], part) == 0)
			return true;
	return false;
}

static bool
reads_field(const BpmSentry *s, const char *part)
{
	int			i;

	if (s->condition == NULL || strncmp(part, "file.", 5) != 0)
		return false;
	if (s->any_field)
		return true;
	for (i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i], part + 5) == 0)
			return true;
	return false;
}

static char *
tag(bool entry, int k, const char *part)
{
	return psprintf("%c%d:%s", entry ? 'e' : 'x', k, part);
}

static bool
seen_contains(Datum seen, const char *t)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	deconstruct_array(DatumGetArrayTypeP(seen), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (strcmp(TextDatumGetCString(elems[i]), t) == 0)
			return true;
	return false;
}

/* All on-parts seen, and the if-part holds over the case file now. */
static bool
satisfied(BpmCaseRun *run, const BpmSentry *s, bool entry, int k, Datum seen)
{
	int			i;

	for (i = 0; i < s->nparts; i++)
		if (!seen_contains(seen, tag(entry, k, s->parts[i])))
			return false;
	return s->condition == NULL || bpm_expr_match(s->condition, run->inst->data);
}

/*
 * Offer an on-part (or, with part NULL, a change of a field its if-part
 * reads) to sentry k of a node (-1: the case's own exit criteria), in every
 * occurrence that listens now: for entry sentries available items, and
 * items suspended with their stage while available (they record what they
 * hear and proceed when the stage resumes); for exit sentries items not
 * yet ended, suspended ones too.
 */
static void
offer(BpmCaseRun *run, int node, bool entry, int k, const BpmSentry *s, const char *part)
{
	static BpmStatement listening = {
		"SELECT id, seen FROM bpm.plan_item WHERE case_id = $1 AND item_id = $2 "
		"AND (state = ANY ($3) OR suspended_from = ANY ($3)) ORDER BY id",
		3, {INT8OID, TEXTOID, TEXTARRAYOID}
	};
	static BpmStatement record = {
		"UPDATE bpm.plan_item SET seen = array_append(seen, $2) "
		"WHERE id = $1 AND NOT $2 = ANY (seen) RETURNING seen",
		2, {INT8OID, TEXTOID}
	};
	Datum		values[3];
	int64	   *ids;
	Datum	   *seens;
	int			n;
	int			i;

	values[0] = Int64GetDatum(run->inst->id);
	values[1] = CStringGetTextDatum(node >= 0 ? run->g->nodes[node].id : "");
	values[2] = PointerGetDatum(entry
								? construct_array((Datum[]) {CStringGetTextDatum("available")}, 1,
												  TEXTOID, -1, false, TYPALIGN_INT)
								: construct_array((Datum[]) {CStringGetTextDatum("available"),
		CStringGetTextDatum("enabled"), CStringGetTextDatum("disabled"),
		CStringGetTextDatum("active"), CStringGetTextDatum("suspended")}, 5, TEXTOID, -1, false,
												  TYPALIGN_INT));
	n = bpm_spi_run(&listening, values, NULL);
	ids = palloc(sizeof(int64) * Max(n, 1));
	seens = palloc(sizeof(Datum) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		ids[i] = bpm_spi_int64(i, 1);
		seens[i] = PointerGetDatum(bpm_spi_bytea(i, 2));	/* a copy of the array */
	}
	for (i = 0; i < n; i++)
	{
		BpmItem		item;

		if (run->first_new_item != 0 && ids[i] >= run->first_new_item)
			break;				/* created while this part was being offered: too late for it */
		if (part)
		{
			Datum		rv[2] = {Int64GetDatum(ids[i]), CStringGetTextDatum(tag(entry, k, part))};

			if (bpm_spi_run(&record, rv, NULL) == 1)
				seens[i] = PointerGetDatum(bpm_spi_bytea(0, 1));
		}
		if (!satisfied(run, s, entry, k, seens[i]) || !bpm_case_item_read(run, ids[i], &item))
			continue;
		if (entry && strcmp(item.state, "available") == 0)
			bpm_case_proceed(run, &item);
		else if (!entry)
			bpm_case_exit(run, &item);
	}
}

static void
offer_to_sentries(BpmCaseRun *run, int node, bool entry, BpmSentry *sentries, int n,
				  const char *part)
{
	int			k;

	for (k = 0; k < n; k++)
	{
		bool		named = names_part(&sentries[k], part);

		if (named || reads_field(&sentries[k], part))
			offer(run, node, entry, k, &sentries[k], named ? part : NULL);
	}
}

/*
 * An item of the stage ended (or the stage started): whether the stage is
 * done is asked once every on-part that happened meanwhile has been taken.
 * stage_id 0 (above the case plan) is nothing to check.
 */
void
bpm_case_stage_to_check(BpmCaseRun *run, int64 stage_id)
{
	int			i;

	if (stage_id == 0)
		return;
	for (i = 0; i < run->nstages; i++)
		if (run->stages[i] == stage_id)
			return;
	if (run->nstages == run->maxstages)
	{
		run->maxstages = Max(8, run->maxstages * 2);
		run->stages = run->stages ? repalloc(run->stages, sizeof(int64) * run->maxstages)
			: palloc(sizeof(int64) * run->maxstages);
	}
	run->stages[run->nstages++] = stage_id;
}

/* Offer one on-part that happened to every sentry that listens to it. */
static void
take_part(BpmCaseRun *run, const char *part)
{
	int			i;

	CHECK_FOR_INTERRUPTS();
	run->first_new_item = 0;	/* items created from here on did not see this part happen */
	for (i = 0; i < run->g->nnodes; i++)
	{
		BpmNode    *node = &run->g->nodes[i];

		offer_to_sentries(run, i, true, node->entry, node->nentry, part);
		offer_to_sentries(run, i, false, node->exit, node->nexit, part);
	}
	offer_to_sentries(run, -1, false, run->g->exit, run->g->nexit, part);
}

/*
 * Take the on-parts that happened, in order, until nothing more happens.
 * Only then is a stage that an item ended in asked whether it is done
 * (sentries before completion, as Flowable's CMMN agenda does), one stage
 * at a time: a stage completing is an on-part again, taken before the next
 * stage is asked, so nested stages complete innermost first and each sees
 * what the one inside it set off.
 */
void
bpm_case_settle(BpmCaseRun *run)
{
	int			head = 0;

	for (;;)
	{
		int64		stage_id;

		while (head < run->nqueue)
			take_part(run, run->queue[head++]);
		if (run->nstages == 0)
			break;
		stage_id = run->stages[0];
		run->nstages--;
		memmove(run->stages, run->stages + 1, sizeof(int64) * run->nstages);
		bpm_case_complete_if_done(run, stage_id);
	}
	run->nqueue = 0;
}

/*
 * Does one of the sentries hold without any on-part, by its if-part over
 * the case file as it is? (For an occurrence just created, which has seen
 * no on-part yet.)
 */
bool
bpm_case_sentry_holds_now(BpmCaseRun *run, const BpmSentry *sentries, int n)
{
	int			k;

	for (k = 0; k < n; k++)
		if (sentries[k].nparts == 0 &&
			bpm_expr_match(sentries[k].condition, run->inst->data))
			return true;
	return false;
}

/*
 * Is one of the entry sentries of an available occurrence satisfied by the
 * on-parts it has seen and the case file now? (An item back from being
 * suspended with its stage: what it heard meanwhile.)
 */
bool
bpm_case_entry_met(BpmCaseRun *run, BpmItem *item)
{
	static BpmStatement stmt = {
		"SELECT seen FROM bpm.plan_item WHERE id = $1", 1, {INT8OID}
	};
	BpmNode    *node = &run->g->nodes[item->node];
	Datum		id = Int64GetDatum(item->id);
	Datum		seen;
	int			k;

	bpm_spi_run(&stmt, &id, NULL);
	seen = PointerGetDatum(bpm_spi_bytea(0, 1));
	for (k = 0; k < node->nentry; k++)
		if (satisfied(run, &node->entry[k], true, k, seen))
			return true;
	return false;
}
