-- src/sql/40_event.sql: the append-only, hash-chained event log.

CREATE TABLE bpm.event (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id   bigint,
    at            timestamptz NOT NULL,
    txid          bigint NOT NULL,
    actor         text NOT NULL,
    kind          text NOT NULL,
    node_id       text,
    task_id       bigint,
    job_id        bigint,
    definition_id bigint,
    data          jsonb,
    prev_hash     bytea,
    hash          bytea NOT NULL
);
CREATE INDEX event_instance_idx ON bpm.event (instance_id, id);
COMMENT ON TABLE bpm.event IS 'Append-only history: one row per state change, SHA-256 chained per instance';

CREATE FUNCTION bpm.event_guard() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'bpm_event_guard';
COMMENT ON FUNCTION bpm.event_guard() IS 'Refuses UPDATE, DELETE and TRUNCATE of bpm.event';

CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON bpm.event
    FOR EACH ROW EXECUTE FUNCTION bpm.event_guard();
CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON bpm.event
    FOR EACH STATEMENT EXECUTE FUNCTION bpm.event_guard();

CREATE FUNCTION bpm.verify_events(instance_id bigint)
    RETURNS TABLE (ok boolean, first_bad_event bigint)
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'bpm_verify_events';
COMMENT ON FUNCTION bpm.verify_events(bigint) IS
    'Recompute the hash chain of one instance; names the first event that was changed, removed or reordered';

-- The state too (src/audit/verify.c): the chain, then the instance row
-- against what its events say (definition, replayed data, the tokens the
-- engine left); names the first mismatch.
CREATE FUNCTION bpm.verify_state(instance_id bigint)
    RETURNS TABLE (ok boolean, first_bad_event bigint, mismatch text, expected jsonb, found jsonb)
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'bpm_verify_state';
COMMENT ON FUNCTION bpm.verify_state(bigint) IS
    'Verify one instance: its hash chain, then that its definition, data and tokens are what its events say; names the first mismatch';

-- The instances a case started (process and case tasks), and theirs, share
-- its timeline: one history, with the instance of each event.
CREATE FUNCTION bpm.history(instance_id bigint)
    RETURNS TABLE (event_id bigint, at timestamptz, actor text, kind text,
                   node_id text, task_id bigint, job_id bigint, data jsonb,
                   of_instance bigint)
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
        WITH RECURSIVE family(id) AS (
            SELECT $1
            UNION ALL
            SELECT i.id FROM bpm.instance i JOIN family f ON i.parent_id = f.id
        )
        SELECT e.id, e.at, e.actor, e.kind, e.node_id, e.task_id, e.job_id, e.data, e.instance_id
          FROM bpm.event e
         WHERE e.instance_id IN (SELECT id FROM family)
         ORDER BY e.id
    $$;
COMMENT ON FUNCTION bpm.history(bigint) IS
    'The timeline of one instance and of the instances it started, oldest first';
