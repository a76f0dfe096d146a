-- src/sql/30_process.sql: starting and cancelling process instances.

CREATE FUNCTION bpm.start(key text, data jsonb DEFAULT '{}', business_key text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'bpm_start';
COMMENT ON FUNCTION bpm.start(text, jsonb, text) IS
    'Start an instance of the latest version of a process definition; returns the instance id';

CREATE FUNCTION bpm.cancel(instance_id bigint, reason text DEFAULT NULL)
    RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'bpm_cancel';
COMMENT ON FUNCTION bpm.cancel(bigint, text) IS
    'Terminate a running instance, cancelling its open tasks and jobs';

CREATE VIEW bpm.processes AS
SELECT i.id, d.key, d.version, i.business_key, i.state, i.data,
       i.started_at, i.started_by, i.due_at, i.ended_at, i.end_reason,
       ARRAY(SELECT t.node_id FROM bpm.token t
              WHERE t.instance_id = i.id AND t.state <> 'scope'
              ORDER BY t.id) AS waiting_at
  FROM bpm.instance i
  JOIN bpm.definition d ON d.id = i.definition_id
 WHERE i.kind = 'process';
COMMENT ON VIEW bpm.processes IS 'Process instances with their definition and the nodes where they wait';
