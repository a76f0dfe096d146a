/*
 * src/case/case_document.c
 *
 * Documents of a case. bpm.attach stores a document's content with its
 * size and SHA-256, bpm.attach_url a reference to a document kept
 * elsewhere; each is one bpm.document row. Attaching is a change of the
 * case file: a summary of the document is appended to the file's field
 * "documents" (an array), so sentries with the on-part "file.documents",
 * or an if-part that reads $.documents, react in the same transaction.
 * Everything happens under the case's instance row lock, taken first.
 *
 * Documents are never changed or removed: bpm.document is the record, the
 * "documents" field a summary that sentries and applications can read,
 * and the document_attached event (hash-chained with the case's history)
 * holds the SHA-256 that the stored content can be checked against.
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "security/security.h"
#include "case/case.h"
#include "util/util.h"
#include "time/time.h"

static bool
blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char) *s))
			return false;
	return true;
}

/* A restricted-name of RFC 6838: 1 to 127 of A-Z a-z 0-9 ! # $ & - ^ _ . +, first alphanumeric. */
static const char *
media_name_end(const char *s)
{
	const char *start = s;

	if (!isalnum((unsigned char) *s))
		return NULL;
	while (*s && (isalnum((unsigned char) *s) || strchr("!#$&-^_.+", *s)))
		s++;
	return s - start <= 127 ? s : NULL;
}

/* "type/subtype", optionally followed by "; parameters" (not checked further). */
static void
check_media_type(const char *media_type)
{
	const char *s = media_name_end(media_type);

	if (s && *s == '/')
		s = media_name_end(s + 1);
	else
		s = NULL;
	while (s && *s == ' ')
		s++;
	if (s == NULL || (*s != '\0' && *s != ';'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a media type", media_type),
				 errhint("A media type is type/subtype, such as application/pdf or text/plain; charset=utf-8.")));
}

/* An absolute URI: a scheme (letter, then letters, digits, + - .), a colon, something after it. */
static void
check_url(const char *url)
{
	const char *s = url;

	if (isalpha((unsigned char) *s))
		while (isalnum((unsigned char) *s) || *s == '+' || *s == '-' || *s == '.')
			s++;
	if (s == url || *s != ':' || s[1] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not an absolute URL", url),
				 errhint("Give the scheme too, as in https://example.com/a.pdf or s3://bucket/key.")));
}

static Jsonb *
empty_array(void)
{
	JsonbParseState *state = NULL;

	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_ARRAY, NULL));
}

/* The case file's list of documents: [] when absent or null, 55000 when not an array. */
static Jsonb *
file_documents(BpmCaseRun *run)
{
	JsonbValue	v;

	if (!bpm_jb_get(&run->inst->data->root, "documents", &v) || v.type == jbvNull)
		return empty_array();
	if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("case %lld: the case file field \"documents\" is %s, not an array",
						(long long) run->inst->id, bpm_jb_type_name(&v)),
				 errhint("bpm.attach lists the case's documents in that field; set it to null to start a new list.")));
	return bpm_jb_value_to_jsonb(&v);
}

/*
 * bpm.attach and bpm.attach_url: their arguments are (case_id, name,
 * content or url, media_type). Stores the row, writes the event, changes
 * the case file and lets the sentries react.
 */
static int64
attach(FunctionCallInfo fcinfo, bool by_url)
{
	static BpmStatement insert = {
		"INSERT INTO bpm.document (case_id, name, media_type, url, content, size, sha256, "
		"attached_at, attached_by) "
		"VALUES ($1, $2, $3, $4, $5, octet_length($5), sha256($5), $6, $7) "
		"RETURNING id, jsonb_build_object('id', id, 'name', name, 'media_type', media_type, "
		"'url', url, 'size', size, 'sha256', encode(sha256, 'hex'))",
		7, {INT8OID, TEXTOID, TEXTOID, TEXTOID, BYTEAOID, TIMESTAMPTZOID, TEXTOID}
	};
	char	   *actor = bpm_current_actor_name();
	char	   *name;
	bytea	   *content = NULL;
	char	   *url = NULL;
	char	   *media_type;
	BpmIdentity saved;
	BpmInstance inst;
	BpmCaseRun	run;
	Jsonb	   *documents;
	Jsonb	   *entry;
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int64		id;

	bpm_require_arg(fcinfo, 0, "case id");
	bpm_require_arg(fcinfo, 1, "document name");
	bpm_require_arg(fcinfo, 2, by_url ? "url" : "content");
	if (!by_url)
		bpm_require_arg(fcinfo, 3, "media type");	/* only a URL's may be unknown */
	name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (by_url)
		url = text_to_cstring(PG_GETARG_TEXT_PP(2));
	else
		content = PG_GETARG_BYTEA_PP(2);
	media_type = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (blank(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("document name must not be empty")));
	if (media_type)
		check_media_type(media_type);
	if (url)
		check_url(url);

	bpm_engine_enter(&saved);
	bpm_case_lock(&inst, &run, PG_GETARG_INT64(0), actor, saved.userid, "attach a document");
	documents = file_documents(&run);
	values[0] = Int64GetDatum(inst.id);
	values[1] = CStringGetTextDatum(name);
	values[2] = media_type ? CStringGetTextDatum(media_type) : (Datum) 0;
	nulls[2] = BPM_NULL(media_type == NULL);
	values[3] = url ? CStringGetTextDatum(url) : (Datum) 0;
	nulls[3] = BPM_NULL(url == NULL);
	values[4] = PointerGetDatum(content);
	nulls[4] = BPM_NULL(content == NULL);
	values[5] = TimestampTzGetDatum(bpm_clock_now());
	values[6] = CStringGetTextDatum(actor);
	bpm_spi_run(&insert, values, nulls);
	id = bpm_spi_int64(0, 1);
	entry = bpm_spi_jsonb(0, 2);
	bpm_event(&inst, "document_attached", NULL, 0, 0, entry);
	bpm_case_change_file(&run, bpm_jb_build(1, (const char *[]) {"documents"},
											(Jsonb *[]) {bpm_jb_concat(documents, entry)}));
	bpm_case_finish(&run);
	bpm_engine_leave(&saved);
	return id;
}

/*
 * bpm.attach(case_id bigint, name text, content bytea,
 *            media_type text DEFAULT 'application/octet-stream') RETURNS bigint
 *
 * Stores a document's content in bpm.document with its size and SHA-256
 * (PostgreSQL's sha256()), and appends {"id", "name", "media_type", "url":
 * null, "size", "sha256": hex} to the case file's "documents". Locks the
 * case's instance row. Returns the document id. 22004 a NULL argument,
 * 22023 a blank name or a media type that is not type/subtype, 42704 no
 * such case, 42809 a process instance, 55000 a case that is not running or
 * whose "documents" is not an array.
 */
PG_FUNCTION_INFO_V1(bpm_attach);
Datum
bpm_attach(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(attach(fcinfo, false));
}

/*
 * bpm.attach_url(case_id bigint, name text, url text, media_type text DEFAULT NULL)
 *     RETURNS bigint
 *
 * Attaches a document kept elsewhere, by its absolute URL: no content, so
 * size and sha256 are NULL (pg_bpm has not seen the bytes and vouches for
 * none). The media type may be unknown (NULL). Otherwise as bpm.attach;
 * 22023 also for a URL without a scheme.
 */
PG_FUNCTION_INFO_V1(bpm_attach_url);
Datum
bpm_attach_url(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(attach(fcinfo, true));
}
