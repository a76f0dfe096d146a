-- 01_deploy: deploying process definitions.
--
-- A definition is a JSON document: a key, nodes and the flows between them.
-- bpm.deploy validates it completely before it stores anything. Deploying
-- identical content again returns the version already stored; changed
-- content becomes the next version. bpm.start always uses the latest
-- version, and a running instance keeps the version it started with.
-- The second half shows every validation error, in tables of one row per
-- refused definition, and that none of them was stored.

\i sql/helpers.psql

-- Ids in this file start above 100000, so that the messages naming them do
-- not depend on the files that ran before.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 100000);
    END LOOP;
END $$;

-- Maria deploys and approves; she is a manager. Who acts is the setting
-- bpm.actor (or, when it is empty, the database role).
INSERT INTO bpm.actor_group (actor, group_name) VALUES ('maria', 'managers');
SET bpm.actor = 'maria';
SELECT bpm.current_actor();

-- A first, small process: start, one user task, end.
SELECT bpm.deploy('{
  "key": "leave", "name": "Leave request",
  "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "approve", "type": "user_task", "name": "Approve leave", "candidate_groups": ["managers"]},
    {"id": "end", "type": "end_event"}
  ],
  "flows": [
    {"from": "start", "to": "approve"},
    {"from": "approve", "to": "end"}
  ]
}') AS leave_v1 \gset
SELECT key, version, kind, name, is_latest, nodes, deployed_by
  FROM bpm.definitions WHERE id = :leave_v1;

-- What was stored: the nodes with their properties, the flows in
-- definition order. A flow without an id is named "<from>-><to>".
SELECT id, type, name, scope, properties FROM bpm.node
 WHERE definition_id = :leave_v1 ORDER BY id;
SELECT position, id, source, target, condition, is_default FROM bpm.flow
 WHERE definition_id = :leave_v1 ORDER BY position;
-- The source is kept as deployed, with a hash of its content.
SELECT source_format, source->'flows' AS flows, length(content_hash) AS hash_bytes
  FROM bpm.definition WHERE id = :leave_v1;

-- Deploying the same content again (whitespace and key order do not
-- matter) returns the same id and stores nothing new.
SELECT bpm.deploy('{"name": "Leave request", "key": "leave",
  "flows": [{"from": "start", "to": "approve"}, {"from": "approve", "to": "end"}],
  "nodes": [{"id": "start", "type": "start_event"},
            {"type": "user_task", "id": "approve", "name": "Approve leave", "candidate_groups": ["managers"]},
            {"id": "end", "type": "end_event"}]}') = :leave_v1 AS same_id;
SELECT count(*) AS versions FROM bpm.definition WHERE key = 'leave';

-- An instance of version 1 waits at "approve".
SELECT bpm.start('leave', '{"days": 3}', 'leave-1') AS leave_1 \gset
SELECT key, version, business_key, state, data, waiting_at FROM bpm.processes WHERE id = :leave_1;

-- Changed content is version 2: the request now goes to HR afterwards.
SELECT bpm.deploy('{
  "key": "leave", "name": "Leave request",
  "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "approve", "type": "user_task", "name": "Approve leave", "candidate_groups": ["managers"]},
    {"id": "record", "type": "user_task", "name": "Record leave", "candidate_groups": ["hr"]},
    {"id": "end", "type": "end_event"}
  ],
  "flows": [
    {"from": "start", "to": "approve"},
    {"from": "approve", "to": "record"},
    {"from": "record", "to": "end"}
  ]
}') AS leave_v2 \gset
SELECT :leave_v2 <> :leave_v1 AS new_id;
SELECT key, version, is_latest, nodes FROM bpm.definitions WHERE key = 'leave' ORDER BY version;

-- Deploying version 1's content again is not "identical to the latest"
-- any more: it becomes version 3.
SELECT bpm.deploy('{
  "key": "leave", "name": "Leave request",
  "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "approve", "type": "user_task", "name": "Approve leave", "candidate_groups": ["managers"]},
    {"id": "end", "type": "end_event"}
  ],
  "flows": [
    {"from": "start", "to": "approve"},
    {"from": "approve", "to": "end"}
  ]
}') AS leave_v3 \gset
SELECT key, version, is_latest, nodes FROM bpm.definitions WHERE key = 'leave' ORDER BY version;

-- Back to the two-step version: version 4, the latest.
SELECT bpm.deploy(source) AS leave_v4 FROM bpm.definition WHERE id = :leave_v2 \gset
SELECT version FROM bpm.definitions WHERE id = :leave_v4;

-- bpm.start uses the latest version.
SELECT bpm.start('leave', '{"days": 5}', 'leave-2') AS leave_2 \gset
SELECT business_key, version, waiting_at FROM bpm.processes
 WHERE business_key LIKE 'leave-%' ORDER BY business_key;

-- The instance that started on version 1 keeps it: completing its task
-- ends it, with no "record" step.
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :leave_1 AND node_id = 'approve';
SELECT business_key, version, state, waiting_at FROM bpm.processes WHERE id = :leave_1;
-- The instance on version 4 goes on to "record".
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = :leave_2 AND node_id = 'approve';
SELECT business_key, version, state, waiting_at FROM bpm.processes WHERE id = :leave_2;

-- Deployments are events of their own (outside any instance); the
-- instance_started event of each instance names its definition too.
SELECT kind, data FROM bpm.event WHERE definition_id IN (:leave_v1, :leave_v2, :leave_v3, :leave_v4)
   AND instance_id IS NULL
 ORDER BY id;

-- Unknown keys cannot be started.
SELECT bpm.start('no_such_process');
\echo :LAST_ERROR_SQLSTATE

-- Optional parts: "documentation" anywhere, "kind": "process", names on
-- flows, an explicit flow id.
SELECT bpm.deploy('{
  "key": "documented", "kind": "process", "documentation": "All optional parts.",
  "nodes": [
    {"id": "s", "type": "start_event", "name": "Start", "documentation": "begins here"},
    {"id": "e", "type": "end_event"}
  ],
  "flows": [{"id": "only", "from": "s", "to": "e", "name": "straight through"}]
}') IS NOT NULL AS deployed;
SELECT n.id, n.type, n.name, n.properties FROM bpm.node n JOIN bpm.definition d ON d.id = n.definition_id
 WHERE d.key = 'documented' ORDER BY n.id;
SELECT f.id, f.source, f.target FROM bpm.flow f JOIN bpm.definition d ON d.id = f.definition_id
 WHERE d.key = 'documented';

-- A process with nothing to wait on completes within bpm.start.
SELECT bpm.start('documented') AS documented_1 \gset
SELECT state, waiting_at, started_by, end_reason FROM bpm.processes WHERE id = :documented_1;

-- Every element kind, stored with its properties and its scope (the
-- enclosing sub-process). A script task names its function, which must
-- exist at deploy time, with its schema.
CREATE FUNCTION deploy_noop(data jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
SELECT bpm.deploy('{
  "key": "all_kinds",
  "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "wait", "type": "intermediate_event"},
    {"id": "ask", "type": "user_task", "assignee": "$.owner", "candidate_groups": "clerks",
     "priority": 70, "due": "P2D", "required": ["answer"]},
    {"id": "check", "type": "user_task", "four_eyes": ["ask"]},
    {"id": "call", "type": "service_task", "topic": "billing", "retries": 5},
    {"id": "compute", "type": "script_task", "function": "public.deploy_noop"},
    {"id": "split", "type": "parallel_gateway"},
    {"id": "join", "type": "parallel_gateway"},
    {"id": "choose", "type": "exclusive_gateway"},
    {"id": "some", "type": "inclusive_gateway"},
    {"id": "sub", "type": "subprocess", "nodes": [
        {"id": "sub_start", "type": "start_event"},
        {"id": "sub_end", "type": "end_event"}],
     "flows": [{"from": "sub_start", "to": "sub_end"}]},
    {"id": "end", "type": "end_event"},
    {"id": "stop", "type": "terminate_end_event"}
  ],
  "flows": [
    {"from": "start", "to": "wait"},
    {"from": "wait", "to": "ask"},
    {"from": "ask", "to": "check"},
    {"from": "check", "to": "split"},
    {"from": "split", "to": "call"},
    {"from": "split", "to": "compute"},
    {"from": "call", "to": "join"},
    {"from": "compute", "to": "join"},
    {"from": "join", "to": "choose"},
    {"from": "choose", "to": "some", "when": "$.go == true"},
    {"from": "choose", "to": "stop", "default": true},
    {"from": "some", "to": "sub", "when": "$.n > 1"},
    {"from": "some", "to": "end", "default": true},
    {"from": "sub", "to": "end"}
  ]
}') AS all_kinds \gset
SELECT id, type, scope, properties FROM bpm.node WHERE definition_id = :all_kinds ORDER BY id;
SELECT position, id, condition, is_default FROM bpm.flow
 WHERE definition_id = :all_kinds ORDER BY position;

--
-- Validation. Every error is SQLSTATE 42P17 (42883 for a missing script
-- function) and names the definition and the element; nothing is stored.
-- Each table below has one row per definition that is refused: what is
-- wrong with it, the SQLSTATE and the error; after them, how many
-- definitions were stored. Where one node is wrong, the row is that node,
-- deployed between a start and an end event (pg_temp.one_node).
--
SELECT count(*) AS definitions_before FROM bpm.definition \gset

-- The document: its shape, its key, its properties.
SELECT c.wrong, e.* FROM (VALUES
  ('not an object', '[]'),
  ('no key', '{"nodes": []}'),
  ('a key that is not a string', '{"key": 7, "nodes": []}'),
  ('an empty key', '{"key": "", "nodes": []}'),
  ('an unknown property at the top level', '{"key": "bad", "version": 2, "nodes": []}'),
  ('a kind other than process', '{"key": "bad", "kind": "decision", "nodes": []}'),
  ('no nodes array', '{"key": "bad"}'),
  ('nodes that are an object', '{"key": "bad", "nodes": {"id": "s"}}'),
  ('a node that is not an object', '{"key": "bad", "nodes": ["s"]}')
) AS c(wrong, definition), pg_temp.error_of(format('SELECT bpm.deploy(%L)', c.definition)) AS e;

-- Nodes and flows: ids, types, properties, ends.
SELECT c.wrong, e.* FROM (VALUES
  ('a node without id', '{"key": "bad", "nodes": [{"type": "start_event"}]}'),
  ('a node without type', '{"key": "bad", "nodes": [{"id": "s"}]}'),
  ('a node of an unknown type', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "timer_event"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}'),
  ('an unknown property on a node', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task", "asignee": "bob"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}'),
  ('a property of another node type', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task", "topic": "mail"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}'),
  ('an unknown property on a flow', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "e", "condition": "$.x > 1"}]}'),
  ('a duplicate node id', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task"}, {"id": "t", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}]}'),
  ('a sub-process node with its parent''s id', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "sub", "type": "subprocess",
     "nodes": [{"id": "s", "type": "start_event"}, {"id": "e2", "type": "end_event"}],
     "flows": [{"from": "s", "to": "e2"}]},
    {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "sub"}, {"from": "sub", "to": "e"}]}'),
  ('a duplicate flow id', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"id": "f", "from": "s", "to": "t"}, {"id": "f", "from": "t", "to": "e"}]}'),
  ('a flow without "from"', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "e", "type": "end_event"}], "flows": [{"to": "e"}]}'),
  ('a flow from an unknown node', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "e"}, {"from": "nowhere", "to": "e"}]}'),
  ('a flow to an unknown node', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "e"}, {"from": "s", "to": "nowhere"}]}'),
  ('a flow from a sub-process''s inside to its parent', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "sub", "type": "subprocess",
     "nodes": [{"id": "s2", "type": "start_event"}, {"id": "e2", "type": "end_event"}],
     "flows": [{"from": "s2", "to": "e2"}]},
    {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "sub"}, {"from": "sub", "to": "e"}, {"from": "s", "to": "e2"}]}')
) AS c(wrong, definition), pg_temp.error_of(format('SELECT bpm.deploy(%L)', c.definition)) AS e;

-- The graph: one start, every node reached from it, an end reachable from
-- every node.
SELECT c.wrong, e.* FROM (VALUES
  ('no start event', '{"key": "bad", "nodes": [{"id": "t", "type": "user_task"},
    {"id": "e", "type": "end_event"}], "flows": [{"from": "t", "to": "e"}]}'),
  ('two start events', '{"key": "bad", "nodes": [{"id": "s1", "type": "start_event"},
    {"id": "s2", "type": "start_event"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s1", "to": "e"}, {"from": "s2", "to": "e"}]}'),
  ('a sub-process without a start event', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "sub", "type": "subprocess",
     "nodes": [{"id": "t2", "type": "user_task"}, {"id": "e2", "type": "end_event"}],
     "flows": [{"from": "t2", "to": "e2"}]},
    {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "sub"}, {"from": "sub", "to": "e"}]}'),
  ('a sub-process without nodes', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "sub", "type": "subprocess"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "sub"}, {"from": "sub", "to": "e"}]}'),
  ('a flow into the start event', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}, {"from": "t", "to": "s"}]}'),
  ('a flow out of an end event', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "e"}, {"from": "e", "to": "t"}, {"from": "t", "to": "e"}]}'),
  ('a node nothing leads to', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "orphan", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "e"}, {"from": "orphan", "to": "e"}]}'),
  ('a dead end', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "parallel_gateway"}, {"id": "stuck", "type": "user_task"},
    {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "e"}, {"from": "g", "to": "stuck"}]}'),
  ('a loop with no way out', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "a", "type": "user_task"}, {"id": "b", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "a"}, {"from": "a", "to": "b"}, {"from": "b", "to": "a"}]}')
) AS c(wrong, definition), pg_temp.error_of(format('SELECT bpm.deploy(%L)', c.definition)) AS e;

-- Gateways and conditions.
SELECT c.wrong, e.* FROM (VALUES
  ('an exclusive gateway, no conditions', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "user_task"},
    {"id": "b", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a"}, {"from": "g", "to": "b"},
              {"from": "a", "to": "e"}, {"from": "b", "to": "e"}]}'),
  ('an inclusive gateway, one condition', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "inclusive_gateway"}, {"id": "a", "type": "user_task"},
    {"id": "b", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "when": "$.a == 1"},
              {"from": "g", "to": "b"}, {"from": "a", "to": "e"}, {"from": "b", "to": "e"}]}'),
  ('two default flows', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "user_task"},
    {"id": "b", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "default": true},
              {"from": "g", "to": "b", "default": true}, {"from": "a", "to": "e"}, {"from": "b", "to": "e"}]}'),
  ('a default flow with a condition', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "user_task"},
    {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "when": "$.x > 1", "default": true},
              {"from": "g", "to": "e", "when": "$.x <= 1"}, {"from": "a", "to": "e"}]}'),
  ('"default" that is not a boolean', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "user_task"},
    {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "default": "yes"},
              {"from": "g", "to": "e", "when": "$.x <= 1"}, {"from": "a", "to": "e"}]}'),
  ('an invalid jsonpath', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "exclusive_gateway"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "e", "when": "$.amount >"}]}'),
  ('a path, not a predicate', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "exclusive_gateway"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "e", "when": "$.approved"}]}'),
  ('an empty condition', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "exclusive_gateway"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "e", "when": ""}]}'),
  ('a condition on a flow out of a task', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e", "when": "$.ok == true"}]}'),
  ('a default out of a parallel gateway', '{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "p", "type": "parallel_gateway"}, {"id": "e", "type": "end_event"}],
    "flows": [{"from": "s", "to": "p"}, {"from": "p", "to": "e", "default": true}]}')
) AS c(wrong, definition), pg_temp.error_of(format('SELECT bpm.deploy(%L)', c.definition)) AS e;

-- Script and service tasks. A script task's function must exist (42883),
-- return jsonb and be schema-qualified (scripts run with a fixed
-- search_path).
CREATE FUNCTION deploy_text(data jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;
SELECT c.wrong, e.* FROM (VALUES
  ('a script function that does not exist',  '{"id": "calc", "type": "script_task", "function": "public.no_such_function"}'),
  ('one that does not return jsonb',         '{"id": "calc", "type": "script_task", "function": "public.deploy_text"}'),
  ('one that is not schema-qualified',       '{"id": "calc", "type": "script_task", "function": "deploy_noop"}'),
  ('a script task without a function',       '{"id": "calc", "type": "script_task"}'),
  ('a service task without a topic',         '{"id": "call", "type": "service_task"}'),
  ('retries below zero',                     '{"id": "call", "type": "service_task", "topic": "mail", "retries": -1}')
) AS c(wrong, node), pg_temp.error_of(format('SELECT bpm.deploy(%L)', pg_temp.one_node('bad', c.node))) AS e;
-- Script tasks run as the role that deployed the definition, so that role
-- must be allowed to execute the function (42501 otherwise).
CREATE ROLE regress_bpm_deployer;
CREATE FUNCTION deploy_secret(data jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
REVOKE EXECUTE ON FUNCTION deploy_secret(jsonb) FROM PUBLIC;
SET ROLE regress_bpm_deployer;
RESET bpm.actor;    -- it acts as itself: it may not act for Maria
SELECT bpm.deploy('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
  {"id": "calc", "type": "script_task", "function": "public.deploy_secret"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "calc"}, {"from": "calc", "to": "e"}]}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET bpm.actor = 'maria';
DROP ROLE regress_bpm_deployer;

-- User tasks: four_eyes must name a user task; a due is an ISO 8601
-- duration (when it starts with "P" but is not valid, PostgreSQL's own
-- complaint is the detail), a priority an integer, required an array of
-- strings, candidate groups strings, an assignee a valid jsonpath.
SELECT c.wrong, e.* FROM (VALUES
  ('four_eyes naming a node that is no user task',  '{"id": "t", "type": "user_task", "four_eyes": ["s"]}'),
  ('four_eyes naming no node at all',               '{"id": "t", "type": "user_task", "four_eyes": ["nobody"]}'),
  ('a due that is no ISO 8601 duration',            '{"id": "t", "type": "user_task", "due": "3 days"}'),
  ('a due that starts with "P"',                    '{"id": "t", "type": "user_task", "due": "P3X"}'),
  ('a priority that is no integer',                 '{"id": "t", "type": "user_task", "priority": "high"}'),
  ('required that is no array',                     '{"id": "t", "type": "user_task", "required": "reason"}'),
  ('candidate groups that are a number',            '{"id": "t", "type": "user_task", "candidate_groups": 5}'),
  ('an assignee that is an invalid jsonpath',       '{"id": "t", "type": "user_task", "assignee": "$.owner[["}')
) AS c(wrong, node), pg_temp.error_of(format('SELECT bpm.deploy(%L)', pg_temp.one_node('bad', c.node))) AS e;

-- None of these was stored: the key "bad" never was.
SELECT count(*) - :definitions_before AS stored FROM bpm.definition;
SELECT count(*) AS bad_versions FROM bpm.definition WHERE key = 'bad';
RESET bpm.actor;
