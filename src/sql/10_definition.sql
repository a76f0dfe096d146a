-- src/sql/10_definition.sql: deployed definitions, their nodes and flows.
--
-- Definitions are immutable once deployed: a new deployment of a key makes a
-- new version, so backends cache compiled graphs without invalidation.

CREATE TABLE bpm.definition (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key           text NOT NULL,
    version       integer NOT NULL,
    kind          text NOT NULL DEFAULT 'process'
                  CHECK (kind IN ('process', 'case', 'decision')),
    name          text,
    source_format text NOT NULL DEFAULT 'json'
                  CHECK (source_format IN ('json', 'bpmn', 'cmmn', 'dmn')),
    source        jsonb NOT NULL,
    content_hash  bytea NOT NULL,
    deployed_at   timestamptz NOT NULL DEFAULT bpm.now(),
    deployed_by   text NOT NULL,
    deployed_by_oid oid NOT NULL,
    UNIQUE (key, version)
);
COMMENT ON TABLE bpm.definition IS 'One row per deployed version of a process definition; immutable';

CREATE TABLE bpm.node (
    definition_id bigint NOT NULL REFERENCES bpm.definition ON DELETE CASCADE,
    id            text NOT NULL,
    type          text NOT NULL,
    name          text,
    scope         text,
    properties    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (definition_id, id)
);
COMMENT ON TABLE bpm.node IS 'The elements of a deployed definition; scope is the enclosing sub-process';

CREATE TABLE bpm.flow (
    definition_id bigint NOT NULL REFERENCES bpm.definition ON DELETE CASCADE,
    id            text NOT NULL,
    source        text NOT NULL,
    target        text NOT NULL,
    condition     jsonpath,
    is_default    boolean NOT NULL DEFAULT false,
    position      integer NOT NULL,
    PRIMARY KEY (definition_id, id),
    FOREIGN KEY (definition_id, source) REFERENCES bpm.node (definition_id, id),
    FOREIGN KEY (definition_id, target) REFERENCES bpm.node (definition_id, id)
);
COMMENT ON TABLE bpm.flow IS 'Sequence flows of a deployed definition, in definition order';

CREATE VIEW bpm.definitions AS
SELECT d.id, d.key, d.version, d.kind, d.name, d.deployed_at, d.deployed_by,
       d.version = max(d.version) OVER (PARTITION BY d.key) AS is_latest,
       (SELECT count(*) FROM bpm.node n WHERE n.definition_id = d.id) AS nodes
  FROM bpm.definition d;
COMMENT ON VIEW bpm.definitions IS 'Deployed definitions, one row per version';

CREATE FUNCTION bpm.deploy(definition jsonb) RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'bpm_deploy';
COMMENT ON FUNCTION bpm.deploy(jsonb) IS
    'Validate and deploy a definition; identical content to the latest version returns its id';
