-- src/sql/62_case_file.sql: the documents of a case and the links between
-- cases (src/case/case_document.c, src/case/case_link.c). Comments on cases live in
-- the comment table of tasks and instances (task management), not here.

CREATE TABLE bpm.document (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES bpm.instance,
    name        text NOT NULL CHECK (name <> ''),
    media_type  text,               -- NULL: unknown (a URL document)
    url         text,               -- a document kept elsewhere ...
    content     bytea,              -- ... or its content, kept here
    size        bigint,             -- octet_length(content); NULL for a URL
    sha256      bytea CHECK (octet_length(sha256) = 32),   -- sha256(content); NULL for a URL
    attached_at timestamptz NOT NULL,
    attached_by text NOT NULL,
    CHECK ((content IS NULL) <> (url IS NULL)),
    CHECK ((content IS NULL) = (size IS NULL) AND (content IS NULL) = (sha256 IS NULL))
);
CREATE INDEX document_case_idx ON bpm.document (case_id, id);
COMMENT ON TABLE bpm.document IS
    'Documents attached to cases: content with its size and SHA-256, or a URL; never changed';
COMMENT ON COLUMN bpm.document.sha256 IS
    'SHA-256 of content, as in its document_attached event; NULL for a URL (its bytes were never seen)';

-- "case_id is <kind> of linked_case_id"; a related pair is stored lower id first.
CREATE TABLE bpm.case_link (
    case_id        bigint NOT NULL REFERENCES bpm.instance,
    linked_case_id bigint NOT NULL REFERENCES bpm.instance,
    kind           text NOT NULL CHECK (kind IN ('related', 'duplicate', 'parent')),
    linked_at      timestamptz NOT NULL,
    linked_by      text NOT NULL,
    PRIMARY KEY (case_id, linked_case_id),
    CHECK (case_id <> linked_case_id),
    CHECK (kind <> 'related' OR case_id < linked_case_id)
);
CREATE UNIQUE INDEX case_link_pair_idx
    ON bpm.case_link (least(case_id, linked_case_id), greatest(case_id, linked_case_id));
CREATE UNIQUE INDEX case_link_one_parent_idx ON bpm.case_link (linked_case_id) WHERE kind = 'parent';
CREATE INDEX case_link_linked_idx ON bpm.case_link (linked_case_id);
COMMENT ON TABLE bpm.case_link IS
    'Links between cases, one per pair: case_id is related to, a duplicate of, or the parent of linked_case_id';

-- Each link twice, once from each end. Both ends are read from
-- bpm.instance, so that a reader who may not see one of them (row-level
-- security, 95_row_security.sql) sees the link from neither.
CREATE VIEW bpm.case_links AS
SELECT l.case_id, l.linked_case_id,
       CASE l.kind WHEN 'duplicate' THEN 'duplicate_of' WHEN 'parent' THEN 'parent_of'
                   ELSE l.kind END AS kind,
       i.business_key AS linked_business_key, i.state AS linked_state, l.linked_at, l.linked_by
  FROM bpm.case_link l
  JOIN bpm.instance i ON i.id = l.linked_case_id
 WHERE EXISTS (SELECT FROM bpm.instance o WHERE o.id = l.case_id)
UNION ALL
SELECT l.linked_case_id, l.case_id,
       CASE l.kind WHEN 'duplicate' THEN 'duplicated_by' WHEN 'parent' THEN 'child_of'
                   ELSE l.kind END,
       i.business_key, i.state, l.linked_at, l.linked_by
  FROM bpm.case_link l
  JOIN bpm.instance i ON i.id = l.case_id
 WHERE EXISTS (SELECT FROM bpm.instance o WHERE o.id = l.linked_case_id);
COMMENT ON VIEW bpm.case_links IS
    'Every case link from both ends: case_id is <kind> of linked_case_id (related, duplicate_of, duplicated_by, parent_of, child_of)';

CREATE FUNCTION bpm.attach(case_id bigint, name text, content bytea,
                           media_type text DEFAULT 'application/octet-stream')
    RETURNS bigint LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_attach';
COMMENT ON FUNCTION bpm.attach(bigint, text, bytea, text) IS
    'Attach a document''s content to a case (size and SHA-256 kept); a change of the case file field documents; returns the document id';

CREATE FUNCTION bpm.attach_url(case_id bigint, name text, url text, media_type text DEFAULT NULL)
    RETURNS bigint LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_attach_url';
COMMENT ON FUNCTION bpm.attach_url(bigint, text, text, text) IS
    'Attach a document kept elsewhere to a case, by URL; a change of the case file field documents; returns the document id';

CREATE FUNCTION bpm.link_cases(case_id bigint, linked_case_id bigint, kind text DEFAULT 'related')
    RETURNS void LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_link_cases';
COMMENT ON FUNCTION bpm.link_cases(bigint, bigint, text) IS
    'Link two cases: case_id is related / duplicate_of / duplicated_by / parent_of / child_of linked_case_id';

CREATE FUNCTION bpm.unlink_cases(case_id bigint, linked_case_id bigint)
    RETURNS boolean LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'bpm_unlink_cases';
COMMENT ON FUNCTION bpm.unlink_cases(bigint, bigint) IS
    'Remove the link between two cases; false if there was none';

-- pg_dump keeps them (the other tables are registered in 90_privileges.sql).
SELECT pg_catalog.pg_extension_config_dump('bpm.document', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.document_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bpm.case_link', '');
