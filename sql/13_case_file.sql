-- 13_case_file: the documents of a case and the links between cases.
--
-- bpm.attach stores a document's content (with its size and SHA-256),
-- bpm.attach_url a reference to a document kept elsewhere; either is a
-- change of the case file: a summary of the document is appended to the
-- field "documents", and the sentries that listen to "file.documents" or
-- read $.documents react in the same transaction. bpm.link_cases links two
-- cases (related, duplicate, parent/child); the view bpm.case_links shows
-- each link from both ends.
--
-- Time is pg_bpm.mock_now, the engine's clock; times print in UTC.

\i sql/helpers.psql

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event',
                             'plan_item', 'document'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 1300000);
    END LOOP;
END $$;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET pg_bpm.mock_now = '2030-05-01 09:00:00+00';
SET bpm.actor = 'ops';
CREATE FUNCTION plan13(c bigint) RETURNS TABLE (item text, state text)
LANGUAGE sql AS $$
    SELECT item_id, state FROM bpm.case_plan WHERE case_id = c ORDER BY plan_item_id $$;

--
-- 1. A complaint whose plan reacts to its documents: a milestone when the
-- first evidence arrives (on-part "file.documents"), a review task that
-- starts with it, and a milestone when the dossier holds two documents
-- (an if-part that reads $.documents).
--
SELECT bpm.deploy('{"key": "complaint13", "kind": "case", "name": "Complaint with evidence",
 "plan": [
  {"id": "triage", "type": "human_task"},
  {"id": "evidence_received", "type": "milestone", "entry": [{"on": ["file.documents"]}]},
  {"id": "review_evidence", "type": "human_task", "entry": [{"on": ["evidence_received.occur"]}]},
  {"id": "dossier_complete", "type": "milestone", "entry": [{"if": "$.documents.size() >= 2"}]}]}')
  IS NOT NULL AS deployed;
SELECT bpm.open_case('complaint13', '{"customer": "ACME"}', 'CMP13-1') AS c1 \gset
SELECT * FROM plan13(:c1);

--
-- 2. The customer sends a photo. Attaching it returns the document id; the
-- first milestone occurs and the review starts, in the same transaction.
--
SET bpm.actor = 'cara13';
SELECT bpm.attach(:c1, 'photo.jpg', '\xffd8ffe000104a464946'::bytea, 'image/jpeg') AS photo \gset
SELECT :photo AS photo;
SELECT * FROM plan13(:c1);
-- The case file lists it: id, name, media type, size and SHA-256 (hex).
SELECT jsonb_pretty(data->'documents') AS documents FROM bpm.cases WHERE id = :c1;

--
-- 3. A document kept elsewhere is attached by its URL: pg_bpm never sees
-- its bytes, so its size and SHA-256 are NULL; its media type may be
-- unknown. The dossier now holds two documents: the second milestone.
--
SELECT bpm.attach_url(:c1, 'Invoice 2030-117', 'https://dms.example.com/docs/2030-117') AS invoice \gset
SELECT * FROM plan13(:c1);
-- The media type of content defaults to application/octet-stream.
SELECT bpm.attach(:c1, 'notes', convert_to('The unit was dropped in transit.', 'UTF8')) AS notes \gset
SELECT id, case_id, name, media_type, url, size, encode(sha256, 'hex') AS sha256,
       attached_at, attached_by
  FROM bpm.document WHERE case_id = :c1 ORDER BY id;
SELECT convert_from(content, 'UTF8') AS notes FROM bpm.document WHERE id = :notes;
SELECT jsonb_path_query(data, '$.documents[*] ? (@.url != null).name') AS linked_documents
  FROM bpm.cases WHERE id = :c1;

--
-- 4. The history: each attach is a document_attached event with the
-- summary, then the case-file change (data_changed), then what the
-- sentries did. The SHA-256 in the hash-chained event is what the stored
-- content can be checked against.
--
-- (data_changed shortened here to the number of documents its patch lists)
SELECT actor, kind, node_id,
       CASE kind WHEN 'data_changed'
                 THEN jsonb_build_object('documents', jsonb_array_length(data->'patch'->'documents'))
                 ELSE data END AS data
  FROM bpm.history(:c1) ORDER BY event_id OFFSET 5;
SELECT d.name, encode(sha256(d.content), 'hex') = e.data->>'sha256' AS content_matches_event
  FROM bpm.document d
  JOIN bpm.event e ON e.instance_id = d.case_id AND e.kind = 'document_attached'
                  AND (e.data->>'id')::bigint = d.id
 WHERE d.case_id = :c1 AND d.content IS NOT NULL ORDER BY d.id;
SELECT ok FROM bpm.verify_events(:c1);

--
-- 5. Links between cases. The same customer complains again: a duplicate
-- of the first complaint. Another complaint is related. A recall case is
-- the parent of both complaints. The view shows each link from both ends:
-- "case_id is <kind> of linked_case_id".
--
SET bpm.actor = 'ops';
SELECT bpm.open_case('complaint13', '{}', 'CMP13-2') AS c2 \gset
SELECT bpm.open_case('complaint13', '{}', 'CMP13-3') AS c3 \gset
SELECT bpm.open_case('complaint13', '{}', 'RECALL13') AS recall \gset
SELECT bpm.link_cases(:c2, :c1, 'duplicate_of');
SELECT bpm.link_cases(:c3, :c1);                        -- related, the default
SELECT bpm.link_cases(:recall, :c1, 'parent_of');
SELECT bpm.link_cases(:c3, :recall, 'child_of');        -- the same as (recall, c3, parent_of)
SELECT case_id, linked_case_id, kind, linked_business_key, linked_state, linked_at, linked_by
  FROM bpm.case_links ORDER BY case_id, linked_case_id;
-- What is stored: one row per pair, "case_id is <kind> of linked_case_id".
SELECT case_id, linked_case_id, kind FROM bpm.case_link ORDER BY case_id, linked_case_id;
-- Linking the same pair the same way again, from either end, changes nothing.
SELECT bpm.link_cases(:c2, :c1, 'duplicate_of');
SELECT bpm.link_cases(:c1, :c2, 'duplicated_by');
SELECT count(*) AS links FROM bpm.case_link;
-- Each link is an event on both cases' chains, as seen from that case.
SELECT instance_id, kind, data FROM bpm.event
 WHERE kind IN ('case_linked', 'case_unlinked') ORDER BY id;

--
-- 6. A link made by mistake is removed; unlinking a pair that has no link
-- returns false. A closed case can be linked (and unlinked): the link is
-- not a change of its file.
--
SELECT bpm.unlink_cases(:c1, :c3) AS removed;
SELECT bpm.unlink_cases(:c1, :c3) AS removed_again;
SELECT bpm.close_case(:c2, 'duplicate');
SELECT bpm.unlink_cases(:c2, :c1) AS removed;
SELECT bpm.link_cases(:c2, :c1, 'duplicate');           -- short for duplicate_of
SELECT case_id, linked_case_id, kind, linked_state FROM bpm.case_links
 WHERE case_id = :c1 ORDER BY linked_case_id;
SELECT kind, data FROM bpm.history(:c2) WHERE kind LIKE 'case_%' ORDER BY event_id;
SELECT ok FROM bpm.verify_events(:c2);

--
-- 7. Refusals, each with its SQLSTATE, changing nothing.
--
\set VERBOSITY terse
SELECT bpm.deploy('{"key": "proc13", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "w", "type": "user_task"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "w"}, {"from": "w", "to": "e"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('proc13') AS p1 \gset
-- Documents. (Case 3's file gets a "documents" that is not a list.)
SELECT bpm.update_case(:c3, '{"documents": "see the DMS"}');
SELECT c.why, e.* FROM (VALUES
  ('empty name',                  format($$SELECT bpm.attach(%s, '', 'x')$$, :c1)),
  ('blank name',                  format($$SELECT bpm.attach(%s, '   ', 'x')$$, :c1)),
  ('not type/subtype',            format($$SELECT bpm.attach(%s, 'a', 'x', 'pdf')$$, :c1)),
  ('no scheme',                   format($$SELECT bpm.attach_url(%s, 'a', 'dms/docs/1')$$, :c1)),
  ('no case',                     $$SELECT bpm.attach(NULL, 'a', 'x')$$),
  ('no name',                     format($$SELECT bpm.attach(%s, NULL, 'x')$$, :c1)),
  ('no content',                  format($$SELECT bpm.attach(%s, 'a', NULL)$$, :c1)),
  ('content needs a media type',  format($$SELECT bpm.attach(%s, 'a', 'x', NULL)$$, :c1)),
  ('no url',                      format($$SELECT bpm.attach_url(%s, 'a', NULL)$$, :c1)),
  ('no such case',                $$SELECT bpm.attach(1399999, 'a', 'x')$$),
  ('a process',                   format($$SELECT bpm.attach(%s, 'a', 'x')$$, :p1)),
  ('closed',                      format($$SELECT bpm.attach(%s, 'a', 'x')$$, :c2)),
  ('"documents" is not a list',   format($$SELECT bpm.attach(%s, 'a', 'x')$$, :c3))
) AS c(why, statement), pg_temp.error_of(c.statement, terse => true) AS e;
-- Links.
SELECT c.why, e.* FROM (VALUES
  ('itself',                               format($$SELECT bpm.link_cases(%s, %s)$$, :c1, :c1)),
  ('no such kind',                         format($$SELECT bpm.link_cases(%s, %s, 'sibling')$$, :c1, :c3)),
  ('linked otherwise already',             format($$SELECT bpm.link_cases(%s, %s, 'related')$$, :c1, :c2)),
  ('c3 has a parent (recall)',             format($$SELECT bpm.link_cases(%s, %s, 'child_of')$$, :c3, :c1)),
  ('linked otherwise already (child_of)',  format($$SELECT bpm.link_cases(%s, %s, 'parent_of')$$, :c1, :recall))
) AS c(why, statement), pg_temp.error_of(c.statement, terse => true) AS e;
SELECT bpm.open_case('complaint13', '{}', 'CMP13-4') AS c4 \gset
SELECT bpm.link_cases(:c1, :c4, 'parent_of');
SELECT c.why, e.* FROM (VALUES
  ('recall > c1 > c4: a cycle',  format($$SELECT bpm.link_cases(%s, %s, 'parent_of')$$, :c4, :recall)),
  ('a process',                  format($$SELECT bpm.link_cases(%s, %s)$$, :c1, :p1)),
  ('no such case',               format($$SELECT bpm.link_cases(%s, 1399999)$$, :c1)),
  ('no other case',              format($$SELECT bpm.link_cases(%s, NULL)$$, :c1)),
  ('no kind',                    format($$SELECT bpm.link_cases(%s, %s, NULL)$$, :c1, :c3)),
  ('no case',                    format($$SELECT bpm.unlink_cases(NULL, %s)$$, :c1))
) AS c(why, statement), pg_temp.error_of(c.statement, terse => true) AS e;
\set VERBOSITY default
SELECT count(*) AS documents FROM bpm.document;
SELECT count(*) AS links FROM bpm.case_link;
RESET pg_bpm.mock_now;
RESET bpm.actor;
