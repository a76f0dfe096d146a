-- 62_case_file: documents of cases and links between cases, as contract.
--
--   attach       stores content with size = octet_length and sha256 =
--                sha256(content), on the engine clock, by the actor;
--                appends {id, name, media_type, url, size, sha256 hex} to
--                the case file's "documents" (a null field starts a new
--                list); writes document_attached (the same summary) then
--                data_changed; sentries on "file.documents" and if-parts
--                over $.documents react in the same statement; a failing
--                reaction rolls the document back with it
--   attach_url   the same with a URL: size and sha256 NULL, media type may
--                be NULL
--   link_cases   one row per pair, "case_id is <kind> of linked_case_id",
--                shown from both ends by bpm.case_links; the same link
--                again is a no-op without events; an event on both chains
--   unlink_cases true and an event on both chains, or false and nothing
--   errors       every refusal with its SQLSTATE and message, nothing
--                changed; the same case works afterwards
--   roles        a role with no privileges of its own can attach and link
BEGIN;
SELECT no_plan();
\ir helpers.psql

CREATE ROLE bpm_tap_clerk NOLOGIN;
GRANT SELECT, INSERT ON ids TO PUBLIC;
CREATE FUNCTION pg_temp.state(c bigint, item text) RETURNS text LANGUAGE sql AS
    $$SELECT state FROM bpm.plan_item WHERE case_id = c AND item_id = item ORDER BY id DESC LIMIT 1$$;
CREATE FUNCTION pg_temp.kinds(c bigint) RETURNS text[] LANGUAGE sql AS
    $$SELECT array_agg(kind ORDER BY event_id) FROM bpm.history(c)$$;
CREATE FUNCTION pg_temp.counts() RETURNS bigint[] LANGUAGE sql AS
    $$SELECT ARRAY[(SELECT count(*) FROM bpm.document), (SELECT count(*) FROM bpm.case_link),
                   (SELECT count(*) FROM bpm.event)]$$;

SET pg_bpm.mock_now = '2030-06-01 12:00:00+00';
SET bpm.actor = 'dora';

SELECT bpm.deploy('{"key": "tap_docs", "kind": "case", "plan": [
  {"id": "got_one", "type": "milestone", "entry": [{"on": ["file.documents"]}]},
  {"id": "got_two", "type": "milestone", "entry": [{"if": "$.documents.size() >= 2"}]},
  {"id": "review", "type": "human_task", "assignee": "$.reviewer",
   "entry": [{"if": "$.documents[*].media_type == \"application/pdf\""}]}]}');
SELECT bpm.deploy('{"key": "tap_proc", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "w", "type": "user_task"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "w"}, {"from": "w", "to": "e"}]}');
INSERT INTO ids VALUES ('c1', bpm.open_case('tap_docs', '{"reviewer": "rita"}'));
INSERT INTO ids VALUES ('c2', bpm.open_case('tap_docs', '{"documents": null}'));
INSERT INTO ids VALUES ('c3', bpm.open_case('tap_docs'));
INSERT INTO ids VALUES ('c4', bpm.open_case('tap_docs'));
INSERT INTO ids VALUES ('p1', bpm.start('tap_proc'));

-- ============================================================== shapes
SELECT results_eq(
    $$SELECT attrelid::regclass::text, attname::text COLLATE "default", format_type(atttypid, atttypmod)
        FROM pg_attribute
       WHERE attrelid IN ('bpm.document'::regclass, 'bpm.case_link'::regclass, 'bpm.case_links'::regclass)
         AND attnum > 0 AND NOT attisdropped
       ORDER BY attrelid::regclass::text, attnum$$,
    $$VALUES ('bpm.case_link', 'case_id', 'bigint'), ('bpm.case_link', 'linked_case_id', 'bigint'),
             ('bpm.case_link', 'kind', 'text'), ('bpm.case_link', 'linked_at', 'timestamp with time zone'),
             ('bpm.case_link', 'linked_by', 'text'),
             ('bpm.case_links', 'case_id', 'bigint'), ('bpm.case_links', 'linked_case_id', 'bigint'),
             ('bpm.case_links', 'kind', 'text'), ('bpm.case_links', 'linked_business_key', 'text'),
             ('bpm.case_links', 'linked_state', 'text'),
             ('bpm.case_links', 'linked_at', 'timestamp with time zone'), ('bpm.case_links', 'linked_by', 'text'),
             ('bpm.document', 'id', 'bigint'), ('bpm.document', 'case_id', 'bigint'),
             ('bpm.document', 'name', 'text'), ('bpm.document', 'media_type', 'text'),
             ('bpm.document', 'url', 'text'), ('bpm.document', 'content', 'bytea'),
             ('bpm.document', 'size', 'bigint'), ('bpm.document', 'sha256', 'bytea'),
             ('bpm.document', 'attached_at', 'timestamp with time zone'), ('bpm.document', 'attached_by', 'text')$$,
    'bpm.case_link, the view bpm.case_links and bpm.document have their columns, in order, with their types');
SELECT ok(
    (SELECT array_agg(c::regclass) FROM pg_extension, unnest(extconfig) c WHERE extname = 'pg_bpm')
        @> ARRAY['bpm.document', 'bpm.document_id_seq', 'bpm.case_link']::regclass[],
    'pg_dump keeps documents, their id sequence and case links');

-- ============================================================== attach
INSERT INTO ids VALUES ('d1', bpm.attach(pg_temp.id('c1'), 'scan.pdf', '\x255044462d'::bytea, 'application/pdf'));
SELECT results_eq(
    format($$SELECT case_id, name, media_type, url, content, size, sha256, attached_at, attached_by
               FROM bpm.document WHERE id = %s$$, pg_temp.id('d1')),
    format($$VALUES (%s::bigint, 'scan.pdf', 'application/pdf', NULL::text, '\x255044462d'::bytea,
                     5::bigint, sha256('\x255044462d'::bytea), '2030-06-01 12:00:00+00'::timestamptz,
                     'dora')$$, pg_temp.id('c1')),
    'attach stores the content, its size and SHA-256, the engine clock and the actor');
SELECT is(
    (SELECT data->'documents' FROM bpm.instance WHERE id = pg_temp.id('c1')),
    jsonb_build_array(jsonb_build_object('id', pg_temp.id('d1'), 'name', 'scan.pdf',
        'media_type', 'application/pdf', 'url', NULL, 'size', 5,
        'sha256', encode(sha256('\x255044462d'::bytea), 'hex'))),
    'attach appends the summary to the case file field documents');
SELECT is((pg_temp.kinds(pg_temp.id('c1')))[6:8],
    ARRAY['document_attached', 'data_changed', 'item_occur'],
    'attach writes document_attached, then data_changed, then what the sentries did');
SELECT is(
    (SELECT data FROM bpm.event WHERE instance_id = pg_temp.id('c1') AND kind = 'document_attached'),
    (SELECT data->'documents'->0 FROM bpm.instance WHERE id = pg_temp.id('c1')),
    'document_attached holds the summary that went into the case file');
SELECT is(
    (SELECT actor FROM bpm.event WHERE instance_id = pg_temp.id('c1') AND kind = 'document_attached'),
    'dora', 'document_attached names the actor');
SELECT is(pg_temp.state(pg_temp.id('c1'), 'got_one'), 'completed',
    'a milestone with on-part file.documents occurs in the same statement');
SELECT is(pg_temp.state(pg_temp.id('c1'), 'got_two'), 'available',
    'an if-part over $.documents that does not hold yet waits');
SELECT is(pg_temp.state(pg_temp.id('c1'), 'review'), 'active',
    'an if-part over the documents'' media types holds: the review starts');
SELECT is((SELECT assignee FROM bpm.task WHERE instance_id = pg_temp.id('c1') AND node_id = 'review'),
    'rita', 'the review task went to the case file''s reviewer');

INSERT INTO ids VALUES ('d2', bpm.attach_url(pg_temp.id('c1'), 'contract', 'https://dms.example.com/7'));
SELECT results_eq(
    format($$SELECT name, media_type, url, content, size, sha256 FROM bpm.document WHERE id = %s$$,
           pg_temp.id('d2')),
    $$VALUES ('contract', NULL::text, 'https://dms.example.com/7', NULL::bytea, NULL::bigint, NULL::bytea)$$,
    'attach_url stores the URL: no content, size or SHA-256; the media type may be unknown');
SELECT is(
    (SELECT data->'documents'->1 FROM bpm.instance WHERE id = pg_temp.id('c1')),
    jsonb_build_object('id', pg_temp.id('d2'), 'name', 'contract', 'media_type', NULL,
        'url', 'https://dms.example.com/7', 'size', NULL, 'sha256', NULL),
    'attach_url appends its summary second');
SELECT is(pg_temp.state(pg_temp.id('c1'), 'got_two'), 'completed',
    'the second document makes $.documents.size() >= 2 hold');
SELECT is(
    bpm.attach_url(pg_temp.id('c1'), 'spec', 'urn:isbn:0451450523', 'text/plain; charset=utf-8'),
    pg_temp.id('d2') + 1,
    'attach_url takes any absolute URI and a media type with parameters; ids follow');
INSERT INTO ids VALUES ('d4', bpm.attach(pg_temp.id('c1'), 'blob', '\x00'::bytea));
INSERT INTO ids VALUES ('d5', bpm.attach(pg_temp.id('c1'), 'empty', ''::bytea, 'text/plain'));
SELECT is((SELECT media_type FROM bpm.document WHERE id = pg_temp.id('d4')), 'application/octet-stream',
    'attach''s media type defaults to application/octet-stream');
SELECT results_eq(format($$SELECT size, sha256 FROM bpm.document WHERE id = %s$$, pg_temp.id('d5')),
    $$VALUES (0::bigint, sha256(''::bytea))$$,
    'empty content is a document of size 0, with the SHA-256 of nothing');
SELECT is(
    (SELECT jsonb_array_length(data->'documents') FROM bpm.instance WHERE id = pg_temp.id('c1')),
    5, 'five attaches, five documents in the case file');
SELECT is(
    (SELECT jsonb_agg(id ORDER BY id) FROM bpm.document WHERE case_id = pg_temp.id('c1')),
    (SELECT jsonb_path_query_array(data, '$.documents[*].id') FROM bpm.instance WHERE id = pg_temp.id('c1')),
    'the case file lists the documents in the order of their ids');

-- A null "documents" starts a new list.
SELECT lives_ok(
    format($$SELECT bpm.attach(%s, 'a', 'x')$$, pg_temp.id('c2')),
    'attach to a case whose documents field is null');
SELECT is((SELECT jsonb_array_length(data->'documents') FROM bpm.instance WHERE id = pg_temp.id('c2')),
    1, 'a null documents field becomes a list of one');

-- A reaction that fails rolls the document back with it: the review task
-- of c3 has no reviewer in its case file (task rights fail closed, 23502).
SELECT throws_ok(
    format($$SELECT bpm.attach(%s, 'claim.pdf', 'x', 'application/pdf')$$, pg_temp.id('c3')),
    '23502', NULL,
    'a sentry reaction that fails fails the attach');
SELECT is((SELECT count(*) FROM bpm.document WHERE case_id = pg_temp.id('c3')), 0::bigint,
    '... and no document is stored');
SELECT is((SELECT data FROM bpm.instance WHERE id = pg_temp.id('c3')), '{}'::jsonb,
    '... and the case file is unchanged');
SELECT ok((SELECT ok FROM bpm.verify_events(pg_temp.id('c1'))), 'the chain of the case verifies');

-- ========================================================= attach errors
SELECT bpm.update_case(pg_temp.id('c4'), '{"documents": {"n": 1}}');
SELECT bpm.close_case(pg_temp.id('c2'), 'done');
CREATE TEMP TABLE before AS SELECT pg_temp.counts() AS counts;
SELECT throws_ok(format($$SELECT bpm.attach(%s, '', 'x')$$, pg_temp.id('c1')),
    '22023', 'document name must not be empty', 'attach: an empty name');
SELECT throws_ok(format($$SELECT bpm.attach(%s, E' \t', 'x')$$, pg_temp.id('c1')),
    '22023', 'document name must not be empty', 'attach: a blank name');
SELECT throws_ok(format($$SELECT bpm.attach(%s, 'a', 'x', 'pdf')$$, pg_temp.id('c1')),
    '22023', '"pdf" is not a media type', 'attach: a media type without a subtype');
SELECT throws_ok(format($$SELECT bpm.attach(%s, 'a', 'x', 'text/')$$, pg_temp.id('c1')),
    '22023', '"text/" is not a media type', 'attach: an empty subtype');
SELECT throws_ok(format($$SELECT bpm.attach(%s, 'a', 'x', 'text/plain x')$$, pg_temp.id('c1')),
    '22023', '"text/plain x" is not a media type', 'attach: something after the media type');
SELECT throws_ok(format($$SELECT bpm.attach_url(%s, 'a', 'example.com/a.pdf')$$, pg_temp.id('c1')),
    '22023', '"example.com/a.pdf" is not an absolute URL', 'attach_url: no scheme');
SELECT throws_ok(format($$SELECT bpm.attach_url(%s, 'a', 'https:')$$, pg_temp.id('c1')),
    '22023', '"https:" is not an absolute URL', 'attach_url: nothing after the scheme');
SELECT throws_ok($$SELECT bpm.attach(NULL, 'a', 'x')$$,
    '22004', 'case id must not be null', 'attach: a NULL case');
SELECT throws_ok(format($$SELECT bpm.attach(%s, NULL, 'x')$$, pg_temp.id('c1')),
    '22004', 'document name must not be null', 'attach: a NULL name');
SELECT throws_ok(format($$SELECT bpm.attach(%s, 'a', NULL)$$, pg_temp.id('c1')),
    '22004', 'content must not be null', 'attach: NULL content');
SELECT throws_ok(format($$SELECT bpm.attach(%s, 'a', 'x', NULL)$$, pg_temp.id('c1')),
    '22004', 'media type must not be null', 'attach: a NULL media type');
SELECT throws_ok(format($$SELECT bpm.attach_url(%s, 'a', NULL)$$, pg_temp.id('c1')),
    '22004', 'url must not be null', 'attach_url: a NULL URL');
SELECT throws_ok($$SELECT bpm.attach(-1, 'a', 'x')$$,
    '42704', 'instance -1 does not exist', 'attach: no such case');
SELECT throws_ok(format($$SELECT bpm.attach(%s, 'a', 'x')$$, pg_temp.id('p1')),
    '42809', format('instance %s is a process, not a case', pg_temp.id('p1')), 'attach: a process');
SELECT throws_ok(format($$SELECT bpm.attach(%s, 'a', 'x')$$, pg_temp.id('c4')),
    '55000', format('case %s: the case file field "documents" is object, not an array', pg_temp.id('c4')),
    'attach: a documents field that is not a list');
SELECT throws_ok(format($$SELECT bpm.attach_url(%s, 'a', 'https://x')$$, pg_temp.id('c2')),
    '55000', format('cannot attach a document: instance %s is completed', pg_temp.id('c2')),
    'attach: a closed case');
SELECT is(pg_temp.counts(), (SELECT counts FROM before), 'the refusals changed nothing');
SELECT lives_ok(format($$SELECT bpm.attach(%s, 'after', 'x')$$, pg_temp.id('c1')),
    'the case takes a document after the refusals');

-- =============================================================== links
-- c1 (duplicate) -> c3 (original); c4 parent of c1; c3 related to c4.
SELECT lives_ok(format($$SELECT bpm.link_cases(%s, %s, 'duplicate_of')$$, pg_temp.id('c1'), pg_temp.id('c3')),
    'link_cases: duplicate_of');
SELECT lives_ok(format($$SELECT bpm.link_cases(%s, %s, 'child')$$, pg_temp.id('c1'), pg_temp.id('c4')),
    'link_cases: child (short for child_of)');
SELECT lives_ok(format($$SELECT bpm.link_cases(%s, %s)$$, pg_temp.id('c4'), pg_temp.id('c3')),
    'link_cases: related by default');
SELECT results_eq(
    $$SELECT case_id, linked_case_id, kind FROM bpm.case_link ORDER BY 1, 2$$,
    format($$VALUES (%1$s::bigint, %2$s::bigint, 'duplicate'), (%2$s, %3$s, 'related'), (%3$s, %1$s, 'parent')$$,
           pg_temp.id('c1'), pg_temp.id('c3'), pg_temp.id('c4')),
    'one row per pair: the duplicate first, the parent first, a related pair by id');
SELECT set_eq(
    $$SELECT case_id, linked_case_id, kind FROM bpm.case_links$$,
    format($$VALUES (%1$s::bigint, %2$s::bigint, 'duplicate_of'), (%2$s, %1$s, 'duplicated_by'),
                    (%1$s, %3$s, 'child_of'), (%3$s, %1$s, 'parent_of'),
                    (%2$s, %3$s, 'related'), (%3$s, %2$s, 'related')$$,
           pg_temp.id('c1'), pg_temp.id('c3'), pg_temp.id('c4')),
    'bpm.case_links shows each link from both ends');
SELECT results_eq(
    format($$SELECT instance_id, data FROM bpm.event WHERE kind = 'case_linked'
              AND instance_id IN (%s, %s) ORDER BY id$$, pg_temp.id('c1'), pg_temp.id('c3')),
    format($$VALUES (%1$s::bigint, '{"kind": "duplicate_of", "linked_case": %2$s}'::jsonb),
                    (%2$s, '{"kind": "duplicated_by", "linked_case": %1$s}'),
                    (%1$s, '{"kind": "child_of", "linked_case": %3$s}'),
                    (%2$s, '{"kind": "related", "linked_case": %3$s}')$$,
           pg_temp.id('c1'), pg_temp.id('c3'), pg_temp.id('c4')),
    'case_linked on both chains, as seen from each case');
DELETE FROM before;
INSERT INTO before SELECT pg_temp.counts();
SELECT lives_ok(format($$SELECT bpm.link_cases(%s, %s, 'duplicated_by')$$, pg_temp.id('c3'), pg_temp.id('c1')),
    'the same link again, from the other end');
SELECT is(pg_temp.counts(), (SELECT counts FROM before), '... changes nothing and writes no event');

-- ========================================================= link errors
SELECT throws_ok(format($$SELECT bpm.link_cases(%s, %s)$$, pg_temp.id('c1'), pg_temp.id('c1')),
    '22023', format('case %s cannot be linked to itself', pg_temp.id('c1')), 'link: a case to itself');
SELECT throws_ok(format($$SELECT bpm.link_cases(%s, %s, 'twin')$$, pg_temp.id('c1'), pg_temp.id('c2')),
    '22023', '"twin" is not a kind of case link', 'link: an unknown kind');
SELECT throws_ok(format($$SELECT bpm.link_cases(%s, %s, 'related')$$, pg_temp.id('c3'), pg_temp.id('c1')),
    '23505', format('cases %1$s and %2$s are linked already: %1$s is duplicated_by %2$s',
                    pg_temp.id('c3'), pg_temp.id('c1')),
    'link: a pair linked otherwise');
SELECT throws_ok(format($$SELECT bpm.link_cases(%s, %s, 'parent_of')$$, pg_temp.id('c2'), pg_temp.id('c1')),
    '23505', format('case %s has a parent already: case %s', pg_temp.id('c1'), pg_temp.id('c4')),
    'link: a second parent');
SELECT lives_ok(format($$SELECT bpm.link_cases(%s, %s, 'parent_of')$$, pg_temp.id('c1'), pg_temp.id('c2')),
    'link: a closed case can be a child');
SELECT throws_ok(format($$SELECT bpm.link_cases(%s, %s, 'parent_of')$$, pg_temp.id('c2'), pg_temp.id('c4')),
    '23514', format('case %s cannot be the parent of case %s: it is a descendant of it',
                    pg_temp.id('c2'), pg_temp.id('c4')),
    'link: a parent link that closes a cycle');
SELECT throws_ok(format($$SELECT bpm.link_cases(%s, %s)$$, pg_temp.id('c1'), pg_temp.id('p1')),
    '42809', format('instance %s is a process, not a case', pg_temp.id('p1')), 'link: a process');
SELECT throws_ok(format($$SELECT bpm.link_cases(-1, %s)$$, pg_temp.id('c1')),
    '42704', 'instance -1 does not exist', 'link: no such case');
SELECT throws_ok(format($$SELECT bpm.link_cases(%s, NULL)$$, pg_temp.id('c1')),
    '22004', 'linked case id must not be null', 'link: a NULL case');
SELECT throws_ok(format($$SELECT bpm.link_cases(%s, %s, NULL)$$, pg_temp.id('c1'), pg_temp.id('c2')),
    '22004', 'kind must not be null', 'link: a NULL kind');
SELECT throws_ok($$SELECT bpm.unlink_cases(NULL, 1)$$,
    '22004', 'case id must not be null', 'unlink: a NULL case');

-- ============================================================== unlink
SELECT is(bpm.unlink_cases(pg_temp.id('c1'), pg_temp.id('c3')), true, 'unlink removes a link');
SELECT is(
    (SELECT array_agg(instance_id ORDER BY id) FROM bpm.event WHERE kind = 'case_unlinked'),
    ARRAY[pg_temp.id('c1'), pg_temp.id('c3')],
    '... with case_unlinked on both chains');
DELETE FROM before;
INSERT INTO before SELECT pg_temp.counts();
SELECT is(bpm.unlink_cases(pg_temp.id('c3'), pg_temp.id('c1')), false, 'unlinking again returns false');
SELECT is(pg_temp.counts(), (SELECT counts FROM before), '... and changes nothing');
SELECT ok((SELECT bool_and(ok) FROM ids, bpm.verify_events(ids.id) WHERE name LIKE 'c%'),
    'every case''s chain verifies');

-- ================================================================ roles
SET ROLE bpm_tap_clerk;
RESET bpm.actor;
SELECT throws_ok(format($$SELECT bpm.attach(%s, 'by clerk', 'x')$$, pg_temp.id('c1')),
    '42501', format('"bpm_tap_clerk" may not see case %s', pg_temp.id('c1')),
    'a role with no part in a case may not attach to it');
SELECT is((SELECT count(*) FROM bpm.document WHERE case_id = pg_temp.id('c1'))::int, 0,
    '... nor read its documents');
RESET ROLE;
DO $$ BEGIN
    PERFORM bpm.grant_case_role(pg_temp.id('c1'), 'owner', 'bpm_tap_clerk');
    PERFORM bpm.grant_case_role(pg_temp.id('c3'), 'owner', 'bpm_tap_clerk');
END $$;
SET ROLE bpm_tap_clerk;
SELECT lives_ok(format($$SELECT bpm.attach(%s, 'by clerk', 'x')$$, pg_temp.id('c1')),
    'a role with no table privileges but a role in the case attaches through the API');
SELECT lives_ok(format($$SELECT bpm.link_cases(%s, %s)$$, pg_temp.id('c1'), pg_temp.id('c3')),
    '... and links through the API');
SELECT throws_ok(format($$INSERT INTO bpm.document (case_id, name, url, attached_at, attached_by)
                          VALUES (%s, 'x', 'https://x', now(), 'me')$$, pg_temp.id('c1')),
    '42501', NULL, '... but writes no document directly');
RESET ROLE;
SELECT is((SELECT attached_by FROM bpm.document WHERE name = 'by clerk'), 'bpm_tap_clerk',
    'the document names the role as who attached it');

SELECT * FROM finish();
ROLLBACK;
