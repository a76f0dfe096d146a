-- 20_errors: every error of the API, with its SQLSTATE and exact message.
--
-- Clients branch on SQLSTATEs and show messages to people, so both are
-- contract: 42P17 (42883, 42501) for definitions, 42704 unknown object,
-- 55000 wrong state, 23502 missing required data, 42501 not allowed,
-- 20000 no way out of a gateway, 22023 / 22004 bad arguments.
--
-- After each group of errors the test checks that nothing changed (row and
-- event counts, the state of the task or job involved), and then that the
-- same object still works: the next legitimate call succeeds and the event
-- chain verifies. throws_ok runs each statement in a subtransaction, so the
-- counts alone only restate that the statement was atomic; the follow-up
-- calls are what would catch a backend left in a bad state by an error (an
-- identity not restored, an engine flag left set, a stale chain anchor).
--
-- Messages name ids; the test builds them from the ids it created.
BEGIN;
SELECT no_plan();
\ir helpers.psql

-- A role with no privileges of its own (not an operator), and a second
-- superuser (an operator that does not own the extension).
CREATE ROLE bpm_tap_clerk NOLOGIN;
CREATE ROLE bpm_tap_admin NOLOGIN SUPERUSER;

-- pg_temp.with_task: a minimal valid body, start -> t (user task) -> e.
CREATE FUNCTION pg_temp.with_task(key text, task jsonb) RETURNS text LANGUAGE sql AS
    $$SELECT pg_temp.with_node(key, task, 't')$$;

CREATE TEMP TABLE counts_before AS
SELECT (SELECT count(*) FROM bpm.definition) AS definitions,
       (SELECT count(*) FROM bpm.node) AS nodes,
       (SELECT count(*) FROM bpm.flow) AS flows,
       (SELECT count(*) FROM bpm.event) AS events;

-- ================================================== deploy: the document
SELECT pg_temp.deploy_fails('[]',
    'a definition must be a JSON object',
    'deploy: a definition that is not an object');
SELECT pg_temp.deploy_fails('{"nodes": []}',
    'a definition needs a "key"',
    'deploy: no key');
SELECT pg_temp.deploy_fails('{"key": 5, "nodes": []}',
    'a definition''s "key" must be a non-empty string, not number',
    'deploy: a key that is not a string');
SELECT pg_temp.deploy_fails('{"key": "", "nodes": []}',
    'a definition''s "key" must be a non-empty string, not an empty string',
    'deploy: an empty key');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [], "owner": "me"}',
    'definition "bad": the definition has unknown property "owner"',
    'deploy: an unknown top-level property');
SELECT pg_temp.deploy_fails('{"key": "bad", "kind": "decision", "nodes": []}',
    'definition "bad": "kind" must be "process" or "case"',
    'deploy: a kind other than process or case');
SELECT pg_temp.deploy_fails('{"key": "bad", "name": 1, "nodes": []}',
    'definition "bad": the definition: "name" must be a string, not number',
    'deploy: a name that is not a string');
SELECT pg_temp.deploy_fails('{"key": "bad", "name": "", "nodes": []}',
    'definition "bad": the definition: "name" must not be empty',
    'deploy: an empty name');
SELECT pg_temp.deploy_fails('{"key": "bad"}',
    'definition "bad": the definition has no "nodes" array',
    'deploy: no nodes');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": {"s": "start_event"}}',
    'definition "bad": the definition has no "nodes" array',
    'deploy: nodes that are not an array');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [1]}',
    'definition "bad": the definition: node 1 is not an object',
    'deploy: a node that is not an object');

-- ===================================================== deploy: the nodes
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"type": "start_event"}]}',
    'definition "bad": node 1 has no "id"',
    'deploy: a node without id');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": 7, "type": "start_event"}]}',
    'definition "bad": node 1: "id" must be a string, not number',
    'deploy: a node id that is not a string');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s"}]}',
    'definition "bad": node "s" has no "type"',
    'deploy: a node without type');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "begin"}]}',
    'definition "bad": node "s" has unknown type "begin"',
    'deploy: an unknown node type');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "topic": "x"}'),
    'definition "bad": node "t" has unknown property "topic"',
    'deploy: a property the node type does not have');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "name": 5}'),
    'definition "bad": node "t": "name" must be a string, not number',
    'deploy: a node name that is not a string');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "assignee": 5}'),
    'definition "bad": node "t": "assignee" must be a string or a jsonpath string starting with "$"',
    'deploy: an assignee that is not a string');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "assignee": "$.("}'),
    'definition "bad": node "t" property "assignee" has an invalid jsonpath "$.("',
    'deploy: an assignee jsonpath that does not parse');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "candidate_groups": 5}'),
    'definition "bad": node "t": "candidate_groups" must be a string, an array of strings, or a jsonpath string starting with "$"',
    'deploy: candidate_groups of the wrong type');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "candidate_groups": ["a", 1]}'),
    'definition "bad": node "t": "candidate_groups" must be an array of strings',
    'deploy: candidate_groups with a non-string item');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "candidate_groups": []}'),
    'definition "bad": node "t": "candidate_groups" must not be empty',
    'deploy: empty candidate_groups (which would mean everyone)');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "priority": "high"}'),
    'definition "bad": node "t": "priority" must be an integer, not string',
    'deploy: a priority that is not a number');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "priority": -1}'),
    'definition "bad": node "t": "priority" must be at least 0',
    'deploy: a negative priority');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "due": "3 days"}'),
    'definition "bad": node "t": "due" must be an ISO 8601 duration such as "P3D" or "PT4H", not "3 days"',
    'deploy: a due that is not an ISO 8601 duration');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "due": "Pxyz"}'),
    'definition "bad": node "t" has an invalid "due" "Pxyz"',
    'deploy: a due that starts like one but does not parse');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "due": "PT0S"}'),
    'definition "bad": node "t": "due" must be a positive duration, not "PT0S"',
    'deploy: a due of zero');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "priority": 99999999999}'),
    'definition "bad": node "t": "priority" must be an integer, not 99999999999',
    'deploy: a priority beyond the integer range');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "priority": 1.5}'),
    'definition "bad": node "t": "priority" must be an integer, not 1.5',
    'deploy: a fractional priority');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "required": "amount"}'),
    'definition "bad": node "t": "required" must be an array of strings',
    'deploy: required that is not an array');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "four_eyes": "t"}'),
    'definition "bad": node "t": "four_eyes" must be an array of strings',
    'deploy: four_eyes that is not an array');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "four_eyes": ["s"]}'),
    'definition "bad": node "t": four_eyes names "s", which is not a user task of this definition',
    'deploy: four_eyes naming a node that is not a user task');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "user_task", "four_eyes": ["ghost"]}'),
    'definition "bad": node "t": four_eyes names "ghost", which is not a user task of this definition',
    'deploy: four_eyes naming no node');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "service_task"}'),
    'definition "bad": node "t" has no "topic"',
    'deploy: a service task without topic');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "service_task", "topic": "x", "retries": 0}'),
    'definition "bad": node "t": "retries" must be at least 1',
    'deploy: a service task needs at least one try');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "script_task"}'),
    'definition "bad": node "t" has no "function"',
    'deploy: a script task without function');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "script_task", "function": "tap_script"}'),
    'definition "bad": node "t": function "tap_script" must be schema-qualified (schema.function)',
    'deploy: a script function that is not schema-qualified');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "script_task", "function": "otherdb.public.tap_script"}'),
    'definition "bad": node "t": function "otherdb.public.tap_script" must be schema-qualified (schema.function)',
    'deploy: a script function named with a database');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "script_task", "function": "public.\"tap"}'),
    'definition "bad": node "t" has an invalid function name "public."tap"',
    'deploy: a script function name that does not parse');
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "script_task", "function": "public.tap_nope"}'),
    'definition "bad": node "t": function public.tap_nope(jsonb) does not exist',
    'deploy: a script function that does not exist is 42883',
    '42883');
CREATE FUNCTION public.tap_int(data jsonb) RETURNS integer LANGUAGE sql AS 'SELECT 1';
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "script_task", "function": "public.tap_int"}'),
    'definition "bad": node "t": function public.tap_int(jsonb) must return jsonb',
    'deploy: a script function that does not return jsonb');
CREATE FUNCTION public.tap_private(data jsonb) RETURNS jsonb LANGUAGE sql AS 'SELECT $1';
REVOKE EXECUTE ON FUNCTION public.tap_private(jsonb) FROM PUBLIC;
SET LOCAL ROLE bpm_tap_clerk;
SELECT pg_temp.deploy_fails(pg_temp.with_task('bad', '{"type": "script_task", "function": "public.tap_private"}'),
    'definition "bad": node "t": permission denied for function public.tap_private(jsonb)',
    'deploy: a script function the deployer may not execute is 42501',
    '42501');
RESET ROLE;
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "sp", "type": "subprocess"}, {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "sp"}, {"from": "sp", "to": "e"}]}',
    'definition "bad": node "sp" has no "nodes" array',
    'deploy: a sub-process without nodes');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "sp", "type": "subprocess", "nodes": [{"id": "in", "type": "end_event"}]},
        {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "sp"}, {"from": "sp", "to": "e"}]}',
    'definition "bad": node "sp" has no start event',
    'deploy: a sub-process without start event');

-- ============================================ deploy: the graph and flows
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "e", "type": "end_event"}]}',
    'definition "bad": the definition has no start event',
    'deploy: no start event');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "s2", "type": "start_event"}, {"id": "e", "type": "end_event"}]}',
    'definition "bad": the definition has more than one start event: "s" and "s2"',
    'deploy: two start events');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"}], "flows": {}}',
    'definition "bad": the definition: "flows" must be an array',
    'deploy: flows that are not an array');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"}], "flows": ["s->e"]}',
    'definition "bad": the definition: flow 1 is not an object',
    'deploy: a flow that is not an object');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"}], "flows": [{"to": "s"}]}',
    'definition "bad": flow 1 has no "from"',
    'deploy: a flow without from');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"}], "flows": [{"from": "s"}]}',
    'definition "bad": flow 1 has no "to"',
    'deploy: a flow without to');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"}, {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "e", "label": "go"}]}',
    'definition "bad": flow "s->e" has unknown property "label"',
    'deploy: an unknown flow property (the flow named by its default id)');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"}, {"id": "e", "type": "end_event"}],
      "flows": [{"from": "x", "to": "e"}]}',
    'definition "bad": flow "x->e" comes from unknown node "x"',
    'deploy: a flow from an unknown node');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"}, {"id": "e", "type": "end_event"}],
      "flows": [{"id": "f", "from": "s", "to": "y"}]}',
    'definition "bad": flow "f" goes to unknown node "y"',
    'deploy: a flow to an unknown node (named by its id)');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "sp", "type": "subprocess",
         "nodes": [{"id": "is", "type": "start_event"}, {"id": "ie", "type": "end_event"}],
         "flows": [{"from": "is", "to": "ie"}]},
        {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "ie"}, {"from": "s", "to": "sp"}, {"from": "sp", "to": "e"}]}',
    'definition "bad": flow "s->ie" connects nodes of different scopes (it is declared in the process)',
    'deploy: a flow into a sub-process');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "t", "type": "user_task"}, {"id": "t", "type": "end_event"}]}',
    'definition "bad": node id "t" is used more than once',
    'deploy: a duplicate node id');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "sp", "type": "subprocess",
         "nodes": [{"id": "s", "type": "start_event"}, {"id": "ie", "type": "end_event"}],
         "flows": [{"from": "s", "to": "ie"}]},
        {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "sp"}, {"from": "sp", "to": "e"}]}',
    'definition "bad": node id "s" is used more than once',
    'deploy: node ids are unique across sub-processes too');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"}, {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "e"}, {"from": "s", "to": "e"}]}',
    'definition "bad": flow id "s->e" is used more than once',
    'deploy: a duplicate flow id');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "t", "type": "user_task"}, {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "s"}, {"from": "t", "to": "e"}]}',
    'definition "bad": start event "s" has an incoming flow "t->s"',
    'deploy: a flow into the start event');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "t", "type": "user_task"}, {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "e"}, {"from": "e", "to": "t"}]}',
    'definition "bad": end event "e" has an outgoing flow "e->t"',
    'deploy: a flow out of an end event');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "t", "type": "user_task"}, {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e", "when": "$.ok == true"}]}',
    'definition "bad": flow "t->e" has a condition but leaves user_task "t"; only flows leaving an exclusive or inclusive gateway may',
    'deploy: a condition on a flow that does not leave a gateway');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "t", "type": "user_task"}, {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "e", "default": true}]}',
    'definition "bad": flow "t->e" has a default mark but leaves user_task "t"; only flows leaving an exclusive or inclusive gateway may',
    'deploy: a default flow that does not leave a gateway');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "end_event"}, {"id": "b", "type": "end_event"}],
      "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "when": 5}, {"from": "g", "to": "b", "default": true}]}',
    'definition "bad": flow "g->a": "when" must be a string, not number',
    'deploy: a condition that is not a string');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "end_event"}, {"id": "b", "type": "end_event"}],
      "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "when": "$.a ==="}, {"from": "g", "to": "b", "default": true}]}',
    'definition "bad": flow "g->a" has an invalid jsonpath "$.a ==="',
    'deploy: a condition that does not parse');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "end_event"}, {"id": "b", "type": "end_event"}],
      "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "when": "$.a"}, {"from": "g", "to": "b", "default": true}]}',
    'definition "bad": flow "g->a": condition "$.a" is not a predicate',
    'deploy: a condition that is a path, not a predicate');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "end_event"}, {"id": "b", "type": "end_event"}],
      "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "when": "$.a > $limit"}, {"from": "g", "to": "b", "default": true}]}',
    'definition "bad": flow "g->a": condition "$.a > $limit" uses a jsonpath variable',
    'deploy: a condition with a jsonpath variable (conditions see only the data)');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "end_event"}, {"id": "b", "type": "end_event"}],
      "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "when": "$.a > 1"}, {"from": "g", "to": "b", "default": "yes"}]}',
    'definition "bad": flow "g->b": "default" must be true or false',
    'deploy: a default mark that is not a boolean');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "end_event"}, {"id": "b", "type": "end_event"}],
      "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "when": "$.a > 1"}, {"from": "g", "to": "b", "default": true, "when": "$.a <= 1"}]}',
    'definition "bad": flow "g->b" is the default flow and cannot also have a condition',
    'deploy: a default flow with a condition');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "end_event"}, {"id": "b", "type": "end_event"}],
      "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "default": true}, {"from": "g", "to": "b", "default": true}]}',
    'definition "bad": gateway "g" has more than one default flow',
    'deploy: two default flows');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "g", "type": "exclusive_gateway"}, {"id": "a", "type": "end_event"}, {"id": "b", "type": "end_event"}],
      "flows": [{"from": "s", "to": "g"}, {"from": "g", "to": "a", "when": "$.a > 1"}, {"from": "g", "to": "b"}]}',
    'definition "bad": gateway "g" is ambiguous: 1 of its outgoing flows have no condition',
    'deploy: a deciding gateway with an unconditional flow among others');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "o", "type": "user_task"}, {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "e"}, {"from": "o", "to": "e"}]}',
    'definition "bad": node "o" is not reachable from the start event of the process',
    'deploy: an unreachable node');
SELECT pg_temp.deploy_fails('{"key": "bad", "nodes": [{"id": "s", "type": "start_event"},
        {"id": "l", "type": "user_task"}, {"id": "e", "type": "end_event"}],
      "flows": [{"from": "s", "to": "l"}, {"from": "l", "to": "l"}, {"from": "s", "to": "e"}]}',
    'definition "bad": no end event of the process is reachable from node "l"',
    'deploy: a node from which no end can be reached');

SELECT results_eq(
    $$SELECT (SELECT count(*) FROM bpm.definition), (SELECT count(*) FROM bpm.node),
             (SELECT count(*) FROM bpm.flow), (SELECT count(*) FROM bpm.event)$$,
    $$SELECT definitions, nodes, flows, events FROM counts_before$$,
    'no failed deployment stored a definition, node, flow or event');
CREATE TEMP TABLE deployed AS
SELECT bpm.deploy(pg_temp.with_task('bad', '{"type": "user_task"}')::jsonb) AS id;
SELECT results_eq(
    $$SELECT d.key, d.version FROM bpm.definition d JOIN deployed USING (id)$$,
    $$VALUES ('bad', 1)$$,
    'after all those failures, the key deploys cleanly as version 1');

-- ================================================================ start
-- Ids by name (helpers.psql), and the id the next instance will get (for
-- messages that name an instance the failing call itself created).
GRANT SELECT ON ids TO PUBLIC;   -- read by pg_temp.id() under SET ROLE
CREATE FUNCTION pg_temp.next_instance_id() RETURNS bigint LANGUAGE sql AS
    $$SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM bpm.instance_id_seq$$;

INSERT INTO ids VALUES ('def:plain', bpm.deploy(pg_temp.with_task('plain', '{"type": "user_task", "required": ["amount", "iban"]}')::jsonb));
-- a gateway right after the start, and one after a task; neither has a default
INSERT INTO ids VALUES ('def:gw_start', bpm.deploy('{"key": "gw_start", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "g", "type": "exclusive_gateway"},
    {"id": "big", "type": "end_event"}, {"id": "small", "type": "end_event"}],
  "flows": [{"from": "s", "to": "g"},
    {"from": "g", "to": "big", "when": "$.amount > 1000"},
    {"from": "g", "to": "small", "when": "$.amount <= 1000"}]}'::jsonb));
INSERT INTO ids VALUES ('def:gw_task', bpm.deploy('{"key": "gw_task", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "t", "type": "user_task"}, {"id": "g", "type": "exclusive_gateway"},
    {"id": "big", "type": "end_event"}, {"id": "small", "type": "end_event"}],
  "flows": [{"from": "s", "to": "t"}, {"from": "t", "to": "g"},
    {"from": "g", "to": "big", "when": "$.amount > 1000"},
    {"from": "g", "to": "small", "when": "$.amount <= 1000"}]}'::jsonb));
-- a loop that never waits
INSERT INTO ids VALUES ('def:spin', bpm.deploy('{"key": "spin", "nodes": [{"id": "s", "type": "start_event"},
    {"id": "i", "type": "intermediate_event"}, {"id": "g", "type": "exclusive_gateway"},
    {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "i"}, {"from": "i", "to": "g"},
    {"from": "g", "to": "i", "when": "$.spin == true"}, {"from": "g", "to": "e", "default": true}]}'::jsonb));
-- script tasks
CREATE FUNCTION public.tap_array(data jsonb) RETURNS jsonb LANGUAGE sql AS $$SELECT '[1]'::jsonb$$;
CREATE FUNCTION public.tap_raise(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'tap_raise: no'; END$$;
INSERT INTO ids VALUES ('def:script_array', bpm.deploy(pg_temp.with_task('script_array', '{"type": "script_task", "function": "public.tap_array"}')::jsonb));
INSERT INTO ids VALUES ('def:script_raise', bpm.deploy(pg_temp.with_task('script_raise', '{"type": "script_task", "function": "public.tap_raise"}')::jsonb));

CREATE FUNCTION public.tap_gone(data jsonb) RETURNS jsonb LANGUAGE sql AS 'SELECT $1';
INSERT INTO ids VALUES ('def:script_gone', bpm.deploy(pg_temp.with_task('script_gone', '{"type": "script_task", "function": "public.tap_gone"}')::jsonb));
DROP FUNCTION public.tap_gone(jsonb);
CREATE FUNCTION public.tap_reenter(d jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bpm.cancel(i.id) FROM bpm.instance i WHERE i.business_key = d ->> 'bk';
    RETURN '{}';
END
$$;
INSERT INTO ids VALUES ('def:reenter', bpm.deploy(pg_temp.with_task('reenter', '{"type": "script_task", "function": "public.tap_reenter"}')::jsonb));
INSERT INTO ids VALUES ('def:nobody', bpm.deploy(pg_temp.with_task('nobody', '{"type": "user_task", "assignee": "$.owner"}')::jsonb));
INSERT INTO ids VALUES ('def:instant', bpm.deploy(pg_temp.with_task('instant', '{"type": "intermediate_event"}')::jsonb));

CREATE TEMP TABLE counts_runtime AS
SELECT (SELECT count(*) FROM bpm.instance) AS instances,
       (SELECT count(*) FROM bpm.event) AS events;

SELECT throws_ok($$SELECT bpm.start('nope')$$, '42704',
    'process definition "nope" does not exist',
    'start: an unknown process key is 42704');
SELECT throws_ok($$SELECT bpm.start(NULL)$$, '22004',
    'process key must not be null',
    'start: a NULL key is 22004');
SELECT throws_ok($$SELECT bpm.start('plain', '[1, 2]')$$, '22023',
    'instance data must be a JSON object',
    'start: data that is not an object is 22023');
SELECT throws_ok($$SELECT bpm.start('gw_start')$$, '20000',
    'gateway "g" of process "gw_start": no outgoing flow''s condition holds and there is no default flow',
    'start: an exclusive gateway with no true condition and no default is 20000');
SELECT throws_ok(
    $$SELECT bpm.start('spin', '{"spin": true}')$$, '54000',
    format('instance %s entered node "i" more than 10000 times in one step', pg_temp.next_instance_id()),
    'start: a loop that never waits is stopped (54000)');
SELECT throws_ok($$SELECT bpm.start('script_array')$$, '42804',
    'script_task "t": public.tap_array returned a JSON array, not an object',
    'start: a script returning a non-object is 42804');
SELECT throws_ok($$SELECT bpm.start('script_raise')$$, 'P0001', 'tap_raise: no',
    'start: a script''s own error reaches the caller unchanged');
SELECT throws_ok($$SELECT bpm.start('script_gone')$$, '42883',
    'script_task "t" of process "script_gone": function public.tap_gone(jsonb) RETURNS jsonb does not exist',
    'start: a script function dropped after deployment is 42883');
SELECT throws_ok($$SELECT bpm.start('reenter', '{"bk": "R-1"}', 'R-1')$$, '55000',
    format('instance %s is running a script task, which may not act on its own instance',
           pg_temp.next_instance_id()),
    'start: a script acting on its own instance is 55000');
SELECT throws_ok($$SELECT bpm.start('nobody', '{"team": "x"}')$$, '23502',
    'user task "t" of process "nobody" has neither an assignee nor candidate groups in the instance data',
    'start: a task whose assignee path selects nothing is 23502 (not a task for everyone)');
SELECT results_eq(
    $$SELECT (SELECT count(*) FROM bpm.instance), (SELECT count(*) FROM bpm.event)$$,
    $$SELECT instances, events FROM counts_runtime$$,
    'no failed start left an instance or an event');
-- the guard counts entries of one node: a long acyclic chain is no loop
SELECT bpm.deploy(jsonb_build_object('key', 'long_chain',
    'nodes', jsonb_build_array(jsonb_build_object('id', 's', 'type', 'start_event'),
                               jsonb_build_object('id', 'e', 'type', 'end_event'))
             || (SELECT jsonb_agg(jsonb_build_object('id', 'g' || i, 'type', 'exclusive_gateway'))
                   FROM generate_series(1, 10001) i),
    'flows', jsonb_build_array(jsonb_build_object('from', 's', 'to', 'g1'),
                               jsonb_build_object('from', 'g10001', 'to', 'e'))
             || (SELECT jsonb_agg(jsonb_build_object('from', 'g' || i, 'to', 'g' || (i + 1)))
                   FROM generate_series(1, 10000) i))) > 0 AS deployed;
SELECT bpm.start('long_chain') AS long_chain \gset
SELECT is((SELECT state FROM bpm.instance WHERE id = :long_chain), 'completed',
    'start: an acyclic chain of 10,001 gateways runs to its end (no loop guard trips)');
INSERT INTO ids VALUES ('gw_ok', bpm.start('gw_start', '{"amount": 5}'));
SELECT results_eq(
    format($$SELECT state, (SELECT ok FROM bpm.verify_events(id)) FROM bpm.instance WHERE id = %s$$, pg_temp.id('gw_ok')),
    $$VALUES ('completed', true)$$,
    'after those failures, the same gateway process runs to its end with data that decides');

-- =============================================================== cancel
INSERT INTO ids VALUES ('done', bpm.start('instant'));
INSERT INTO ids VALUES ('killed', bpm.start('plain'));
SELECT bpm.cancel(pg_temp.id('killed'), 'test');
SELECT throws_ok($$SELECT bpm.cancel(-1)$$, '42704', 'instance -1 does not exist',
    'cancel: an unknown instance is 42704');
SELECT throws_ok($$SELECT bpm.cancel(NULL)$$, '22004', 'instance id must not be null',
    'cancel: a NULL id is 22004');
SELECT throws_ok(format('SELECT bpm.cancel(%s)', pg_temp.id('done')), '55000',
    format('cannot cancel: instance %s is completed', pg_temp.id('done')),
    'cancel: a completed instance is 55000');
SELECT throws_ok(format('SELECT bpm.cancel(%s)', pg_temp.id('killed')), '55000',
    format('cannot cancel: instance %s is terminated', pg_temp.id('killed')),
    'cancel: a terminated instance is 55000');
SELECT results_eq(
    format($$SELECT state, end_reason FROM bpm.instance WHERE id IN (%s, %s) ORDER BY id$$,
           pg_temp.id('done'), pg_temp.id('killed')),
    $$VALUES ('completed', NULL), ('terminated', 'test')$$,
    'a refused cancel changes neither the state nor the end reason');

-- ============================================= tasks: existence and state
INSERT INTO ids VALUES ('p1', bpm.start('plain', '{"amount": 0}'));
INSERT INTO ids SELECT 't1', id FROM bpm.task WHERE instance_id = pg_temp.id('p1');
INSERT INTO ids SELECT 'tk', id FROM bpm.task WHERE instance_id = pg_temp.id('killed');
CREATE TEMP TABLE p1_before AS
SELECT (SELECT count(*) FROM bpm.event WHERE instance_id = pg_temp.id('p1')) AS events,
       (SELECT data FROM bpm.instance WHERE id = pg_temp.id('p1')) AS data;

SELECT throws_ok($$SELECT bpm.complete_task(-1)$$, '42704', 'task -1 does not exist',
    'complete_task: an unknown task is 42704');
SELECT throws_ok($$SELECT bpm.complete_task(NULL)$$, '22004', 'task id must not be null',
    'complete_task: a NULL id is 22004');
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('tk')), '55000',
    format('task %s is already cancelled', pg_temp.id('tk')),
    'complete_task: a task cancelled with its instance is 55000');
SELECT throws_ok(format('SELECT bpm.complete_task(%s, %L)', pg_temp.id('t1'), '{}'), '23502',
    format('task %s ("t") cannot be completed without: iban', pg_temp.id('t1')),
    'complete_task: missing required fields are 23502; amount, in the instance data, is not missing');
SELECT throws_ok(format('SELECT bpm.complete_task(%s, %L)', pg_temp.id('t1'), '{"amount": 5, "iban": null}'), '23502',
    format('task %s ("t") cannot be completed without: iban', pg_temp.id('t1')),
    'complete_task: a required field given as null is missing');
SELECT throws_ok(format($$UPDATE bpm.task SET status = 'completed', output = '{"amount": 1}' WHERE id = %s$$, pg_temp.id('t1')), '23502',
    format('task %s ("t") cannot be completed without: iban', pg_temp.id('t1')),
    'plain UPDATE: missing required fields are 23502 too');
SELECT throws_ok(format($$UPDATE bpm.task SET status = 'completed' WHERE id = %s$$, pg_temp.id('t1')), '23502',
    format('task %s ("t") cannot be completed without: iban', pg_temp.id('t1')),
    'plain UPDATE: completing without output misses every required field the data lacks');
SELECT throws_ok(format('SELECT bpm.complete_task(%s, %L)', pg_temp.id('t1'), '[1]'), '22023',
    format('task %s: output must be a JSON object', pg_temp.id('t1')),
    'complete_task: output that is not an object is 22023');
SELECT throws_ok(format($$UPDATE bpm.task SET title = 'mine' WHERE id = %s$$, pg_temp.id('t1')), '42501',
    format('task %s: column "title" is maintained by the engine and cannot be changed', pg_temp.id('t1')),
    'UPDATE of an engine column (title) is 42501, even for the owner');
SELECT throws_ok(format($$UPDATE bpm.task SET node_id = 'e' WHERE id = %s$$, pg_temp.id('t1')), '42501',
    format('task %s: column "node_id" is maintained by the engine and cannot be changed', pg_temp.id('t1')),
    'UPDATE of node_id is 42501');
SELECT throws_ok(format($$UPDATE bpm.task SET candidate_groups = '{g1}' WHERE id = %s$$, pg_temp.id('t1')), '42501',
    format('task %s: column "candidate_groups" is maintained by the engine and cannot be changed', pg_temp.id('t1')),
    'UPDATE of candidate_groups is 42501');
SELECT throws_ok(format($$UPDATE bpm.task SET required = '{}' WHERE id = %s$$, pg_temp.id('t1')), '42501',
    format('task %s: column "required" is maintained by the engine and cannot be changed', pg_temp.id('t1')),
    'UPDATE of required (to dodge the rule) is 42501');
SELECT throws_ok(format($$UPDATE bpm.task SET instance_id = %s WHERE id = %s$$, pg_temp.id('done'), pg_temp.id('t1')), '42501',
    format('task %s: column "instance_id" is maintained by the engine and cannot be changed', pg_temp.id('t1')),
    'UPDATE of instance_id is 42501');
SELECT throws_ok(format($$UPDATE bpm.task SET status = 'cancelled' WHERE id = %s$$, pg_temp.id('t1')), '42501',
    format('task %s cannot be cancelled on its own', pg_temp.id('t1')),
    'setting status = cancelled directly is 42501');
SELECT throws_ok(format($$DELETE FROM bpm.task WHERE id = %s$$, pg_temp.id('t1')), '42501',
    format('task %s cannot be deleted', pg_temp.id('t1')),
    'DELETE of a task is 42501, even for the owner');
SELECT throws_ok(
    format($$INSERT INTO bpm.task (instance_id, node_id, title) VALUES (%s, 't', 'forged')$$, pg_temp.id('p1')),
    '42501', 'tasks are created by the engine when a process reaches a user task',
    'INSERT of a task through the view is 42501, even for the owner');
SET LOCAL ROLE bpm_tap_admin;
SELECT throws_ok(
    format($$INSERT INTO bpm.task (instance_id, node_id, title) VALUES (%s, 't', 'forged')$$, pg_temp.id('p1')),
    '42501', 'tasks are created by the engine when a process reaches a user task',
    'INSERT of a task through the view is 42501 for any superuser (an operator)');
SELECT throws_ok(format($$DELETE FROM bpm.task WHERE id = %s$$, pg_temp.id('t1')), '42501',
    format('task %s cannot be deleted', pg_temp.id('t1')),
    'DELETE of a task through the view is 42501 for any superuser (an operator)');
RESET ROLE;
SET LOCAL ROLE bpm_tap_clerk;
SELECT throws_ok(
    format($$INSERT INTO bpm.task (instance_id, node_id, title) VALUES (%s, 't', 'forged')$$, pg_temp.id('p1')),
    '42501', 'permission denied for view task',
    'INSERT of a task by a plain role is refused by its privileges');
RESET ROLE;
GRANT INSERT ON bpm.task TO bpm_tap_clerk;
SET LOCAL ROLE bpm_tap_clerk;
SELECT throws_ok(
    format($$INSERT INTO bpm.task (instance_id, node_id, title) VALUES (%s, 't', 'forged')$$, pg_temp.id('p1')),
    '42501', 'tasks are created by the engine when a process reaches a user task',
    'INSERT of a task by a role that is not an operator is refused by the trigger, even with the privilege');
RESET ROLE;
REVOKE INSERT ON bpm.task FROM bpm_tap_clerk;
SET LOCAL ROLE bpm_tap_clerk;
SELECT throws_ok(format($$DELETE FROM bpm.task WHERE id = %s$$, pg_temp.id('t1')),
    '42501', 'permission denied for view task',
    'DELETE of a task by a plain role is refused by its privileges');
SELECT throws_ok(format($$UPDATE bpm.task SET title = 'mine' WHERE id = %s$$, pg_temp.id('t1')),
    '42501', 'permission denied for view task',
    'UPDATE of an engine column by a plain role is refused by its privileges');
SELECT throws_ok(format($$UPDATE bpm.task_store SET status = 'completed' WHERE id = %s$$, pg_temp.id('t1')),
    '42501', 'permission denied for table task_store',
    'UPDATE of bpm.task_store by a plain role is refused: tasks change only through the view');
SELECT throws_ok(
    format($$INSERT INTO bpm.task_store (instance_id, node_id, title) VALUES (%s, 't', 'forged')$$, pg_temp.id('p1')),
    '42501', 'permission denied for table task_store',
    'INSERT into bpm.task_store by a plain role is refused');
SELECT throws_ok(format($$DELETE FROM bpm.task_store WHERE id = %s$$, pg_temp.id('t1')),
    '42501', 'permission denied for table task_store',
    'DELETE from bpm.task_store by a plain role is refused');
SELECT throws_ok(format($$INSERT INTO bpm.instance (definition_id, started_by) SELECT definition_id, 'x' FROM bpm.instance WHERE id = %s$$, pg_temp.id('p1')),
    '42501', 'permission denied for table instance',
    'INSERT into bpm.instance by a plain role is refused');
RESET ROLE;

SELECT results_eq(
    format($$SELECT status, output, completed_by, title, node_id FROM bpm.task WHERE id = %s$$, pg_temp.id('t1')),
    $$VALUES ('open', NULL::jsonb, NULL, 't', 't')$$,
    'after the refused writes the task is open and unchanged');
SELECT results_eq(
    format($$SELECT (SELECT count(*) FROM bpm.event WHERE instance_id = %1$s),
                    (SELECT data FROM bpm.instance WHERE id = %1$s),
                    (SELECT count(*) FROM bpm.task WHERE instance_id = %1$s)$$, pg_temp.id('p1')),
    $$SELECT events, data, 1::bigint FROM p1_before$$,
    'after the refused writes the instance has the same events, data and tasks');
SELECT lives_ok(
    format('SELECT bpm.complete_task(%s, %L)', pg_temp.id('t1'), '{"amount": 7, "iban": "DE00"}'),
    'the same task then completes with its required fields');
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('t1')), '55000',
    format('task %s is already completed', pg_temp.id('t1')),
    'complete_task: a completed task is 55000');
SELECT throws_ok(format($$UPDATE bpm.task SET status = 'completed' WHERE id = %s$$, pg_temp.id('t1')), '55000',
    format('task %s is already completed', pg_temp.id('t1')),
    'plain UPDATE: a completed task is 55000');
SELECT throws_ok(format($$UPDATE bpm.task SET priority = 1 WHERE id = %s$$, pg_temp.id('t1')), '55000',
    format('task %s is already completed', pg_temp.id('t1')),
    'plain UPDATE of any column of a completed task is 55000');
SELECT throws_ok(format('SELECT bpm.claim(%s)', pg_temp.id('t1')), '55000',
    format('task %s is already completed', pg_temp.id('t1')),
    'claim: a completed task is 55000');
SELECT throws_ok(format('SELECT bpm.assign(%s, %L)', pg_temp.id('t1'), 'bob'), '55000',
    format('task %s is already completed', pg_temp.id('t1')),
    'assign: a completed task is 55000');
SELECT results_eq(
    format($$SELECT i.state, i.data, t.output FROM bpm.instance i JOIN bpm.task t ON t.instance_id = i.id WHERE i.id = %s$$, pg_temp.id('p1')),
    $$VALUES ('completed', '{"amount": 7, "iban": "DE00"}'::jsonb, '{"amount": 7, "iban": "DE00"}'::jsonb)$$,
    'the completion that succeeded is the only one recorded');
SELECT is((SELECT ok FROM bpm.verify_events(pg_temp.id('p1'))), true,
    'the event chain of the instance verifies after all the refused writes');

-- The owner of bpm.task_store may write it directly (pg_restore does; no
-- one else may, and no one through the view), but a row the engine did not
-- create has no token waiting for it and cannot be completed.
INSERT INTO ids VALUES ('forge', bpm.start('plain'));
INSERT INTO bpm.task_store (instance_id, node_id, title) VALUES (pg_temp.id('forge'), 't', 'forged');
INSERT INTO ids SELECT 'forged', id FROM bpm.task WHERE instance_id = pg_temp.id('forge') AND title = 'forged';
SELECT throws_ok(
    format('SELECT bpm.complete_task(%s, %L)', pg_temp.id('forged'), '{"amount": 1, "iban": "x"}'), '55000',
    format('task %s was not created by the engine: no process waits for it', pg_temp.id('forged')),
    'complete_task: a hand-inserted task row is 55000');
SELECT results_eq(
    format($$SELECT t.status, i.state, (SELECT ok FROM bpm.verify_events(i.id))
               FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id WHERE t.id = %s$$, pg_temp.id('forged')),
    $$VALUES ('open', 'running', true)$$,
    'the refusal changed nothing');

-- ============================================ who may complete and claim
INSERT INTO ids VALUES ('def:guarded', bpm.deploy('{"key": "guarded", "nodes": [
    {"id": "s", "type": "start_event"}, {"id": "fork", "type": "parallel_gateway"},
    {"id": "grp", "type": "user_task", "candidate_groups": ["g1"]},
    {"id": "mine", "type": "user_task", "assignee": "bob"},
    {"id": "join", "type": "parallel_gateway"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "fork"}, {"from": "fork", "to": "grp"}, {"from": "fork", "to": "mine"},
    {"from": "grp", "to": "join"}, {"from": "mine", "to": "join"}, {"from": "join", "to": "e"}]}'::jsonb));
INSERT INTO bpm.actor_group VALUES ('alice', 'g1');
INSERT INTO ids VALUES ('g', bpm.start('guarded'));
INSERT INTO ids SELECT 'grp', id FROM bpm.task WHERE instance_id = pg_temp.id('g') AND node_id = 'grp';
INSERT INTO ids SELECT 'mine', id FROM bpm.task WHERE instance_id = pg_temp.id('g') AND node_id = 'mine';
CREATE TEMP TABLE g_before AS
SELECT count(*) AS events FROM bpm.event WHERE instance_id = pg_temp.id('g');

SET LOCAL bpm.actor = 'carol';
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('grp')), '42501',
    format('"carol" may not complete task %s ("grp")', pg_temp.id('grp')),
    'complete_task: an actor in none of the candidate groups is 42501');
SELECT throws_ok(format($$UPDATE bpm.task SET status = 'completed' WHERE id = %s$$, pg_temp.id('grp')), '42501',
    format('"carol" may not complete task %s ("grp")', pg_temp.id('grp')),
    'plain UPDATE: an actor in none of the candidate groups is 42501');
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('mine')), '42501',
    format('"carol" may not complete task %s ("mine")', pg_temp.id('mine')),
    'complete_task: someone else''s assigned task is 42501');
SELECT throws_ok(format('SELECT bpm.claim(%s)', pg_temp.id('grp')), '42501',
    format('"carol" may not claim task %s: not in its candidate groups ["g1"]', pg_temp.id('grp')),
    'claim: an actor in none of the candidate groups is 42501');
SELECT throws_ok(format('SELECT bpm.claim(%s)', pg_temp.id('mine')), '55000',
    format('task %s is already claimed by "bob"', pg_temp.id('mine')),
    'claim: a task assigned to someone else is 55000');
SELECT throws_ok(format('SELECT bpm.unclaim(%s)', pg_temp.id('grp')), '55000',
    format('task %s is not claimed', pg_temp.id('grp')),
    'unclaim: a task nobody claimed is 55000');
SELECT throws_ok(format('SELECT bpm.unclaim(%s)', pg_temp.id('mine')), '42501',
    format('task %s is claimed by "bob"; only they can unclaim it', pg_temp.id('mine')),
    'unclaim: someone else''s task is 42501');
SELECT throws_ok($$SELECT bpm.claim(-1)$$, '42704', 'task -1 does not exist',
    'claim: an unknown task is 42704');
SELECT throws_ok($$SELECT bpm.unclaim(-1)$$, '42704', 'task -1 does not exist',
    'unclaim: an unknown task is 42704');
SELECT throws_ok($$SELECT bpm.assign(-1, 'bob')$$, '42704', 'task -1 does not exist',
    'assign: an unknown task is 42704');
SELECT throws_ok($$SELECT bpm.assign(NULL, 'bob')$$, '22004', 'task id must not be null',
    'assign: a NULL task id is 22004');
SELECT throws_ok(format($$UPDATE bpm.task SET assignee = 'carol', status = 'completed' WHERE id = %s$$, pg_temp.id('mine')), '42501',
    format('"carol" may not complete task %s ("mine")', pg_temp.id('mine')),
    'plain UPDATE cannot reassign a task to oneself and complete it in one go');
-- Assignment and rescheduling by someone who is not an operator (a role
-- without the privileges of the extension's owner), still acting as carol:
-- an application role, which an operator allowed to act for others.
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO bpm_tap_clerk;
SET LOCAL ROLE bpm_tap_clerk;
SELECT throws_ok(format($$UPDATE bpm.task SET assignee = 'carol' WHERE id = %s$$, pg_temp.id('grp')), '42501',
    format('"carol" may not claim task %s: not in its candidate groups ["g1"]', pg_temp.id('grp')),
    'plain UPDATE: taking a task one is not a candidate for is 42501, as with bpm.claim');
SELECT throws_ok(format($$SELECT bpm.assign(%s, 'carol')$$, pg_temp.id('grp')), '42501',
    format('"carol" may not claim task %s: not in its candidate groups ["g1"]', pg_temp.id('grp')),
    'assign: assigning oneself a task one is not a candidate for is 42501');
SELECT throws_ok(format($$UPDATE bpm.task SET assignee = 'alice' WHERE id = %s$$, pg_temp.id('grp')), '42501',
    format('"carol" may not reassign task %s', pg_temp.id('grp')),
    'plain UPDATE: assigning a task to someone else is for operators (42501)');
SELECT throws_ok(format($$SELECT bpm.assign(%s, 'carol')$$, pg_temp.id('mine')), '42501',
    format('"carol" may not reassign task %s', pg_temp.id('mine')),
    'assign: taking someone else''s task is 42501');
SELECT throws_ok(format($$SELECT bpm.unclaim(%s)$$, pg_temp.id('mine')), '42501',
    format('task %s is claimed by "bob"; only they can unclaim it', pg_temp.id('mine')),
    'unclaim: someone else''s task is 42501 for a plain role too');
SELECT throws_ok(format($$UPDATE bpm.task SET priority = 1 WHERE id = %s$$, pg_temp.id('mine')), '42501',
    format('"carol" may not reschedule task %s', pg_temp.id('mine')),
    'plain UPDATE: changing the priority of someone else''s task is 42501');
SELECT throws_ok(format($$UPDATE bpm.task SET due_at = now() WHERE id = %s$$, pg_temp.id('grp')), '42501',
    format('"carol" may not reschedule task %s', pg_temp.id('grp')),
    'plain UPDATE: changing the due date of an unassigned task is 42501');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION bpm.act_as(text) FROM bpm_tap_clerk;
RESET bpm.actor;
SELECT results_eq(
    format($$SELECT node_id, status, assignee FROM bpm.task WHERE instance_id = %s ORDER BY node_id$$, pg_temp.id('g')),
    $$VALUES ('grp', 'open', NULL), ('mine', 'open', 'bob')$$,
    'the refused calls left both tasks open and their assignees unchanged');
SELECT is((SELECT count(*) FROM bpm.event WHERE instance_id = pg_temp.id('g')),
    (SELECT events FROM g_before),
    'the refused calls wrote no event');
-- An operator (here the superuser) acting as carol: bpm.claim is for
-- candidates whoever calls it, but a plain UPDATE of the assignee by an
-- operator may assign anyone, carol included.
SET LOCAL bpm.actor = 'carol';
SELECT throws_ok(format('SELECT bpm.claim(%s)', pg_temp.id('grp')), '42501',
    format('"carol" may not claim task %s: not in its candidate groups ["g1"]', pg_temp.id('grp')),
    'claim: an operator acting as a non-candidate is refused too (42501)');
SELECT lives_ok(format($$UPDATE bpm.task SET assignee = 'carol' WHERE id = %s$$, pg_temp.id('grp')),
    'plain UPDATE: an operator may assign a task to anyone, even outside its candidate groups');
SELECT is((SELECT assignee FROM bpm.task WHERE id = pg_temp.id('grp')), 'carol',
    'the operator''s assignment is written');
SELECT lives_ok(format($$UPDATE bpm.task SET assignee = NULL WHERE id = %s$$, pg_temp.id('grp')),
    'and the operator can take it back');
RESET bpm.actor;
SET LOCAL bpm.actor = 'alice';
SELECT lives_ok(format('SELECT bpm.claim(%s)', pg_temp.id('grp')),
    'a member of the candidate group can then claim the task');
RESET bpm.actor;
SET LOCAL bpm.actor = 'bob';
SELECT throws_ok(format('SELECT bpm.claim(%s)', pg_temp.id('grp')), '55000',
    format('task %s is already claimed by "alice"', pg_temp.id('grp')),
    'claim: a task claimed by someone else is 55000');
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('grp')), '42501',
    format('"bob" may not complete task %s ("grp")', pg_temp.id('grp')),
    'complete_task: once claimed, only the assignee may complete');
RESET bpm.actor;
INSERT INTO bpm.actor_group VALUES ('dave', 'g1');
SET LOCAL bpm.actor = 'dave';
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('grp')), '42501',
    format('"dave" may not complete task %s ("grp")', pg_temp.id('grp')),
    'complete_task: once claimed, not even another candidate may complete');
RESET bpm.actor;
SET LOCAL bpm.actor = 'bob';
SELECT lives_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('mine')),
    'the assignee completes their task');
RESET bpm.actor;
SET LOCAL bpm.actor = 'alice';
SELECT lives_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('grp')),
    'the claimer completes theirs');
RESET bpm.actor;
SELECT results_eq(
    format($$SELECT state, (SELECT ok FROM bpm.verify_events(id)) FROM bpm.instance WHERE id = %s$$, pg_temp.id('g')),
    $$VALUES ('completed', true)$$,
    'the instance then completes and its chain verifies');

-- ============================================== who may act for others
-- A role that names another user in bpm.actor is refused (42501) wherever
-- the actor is used, unless it holds EXECUTE on bpm.act_as(text), the
-- right to act for others. The role checked is the session's (after SET
-- ROLE), so a SECURITY DEFINER function cannot lend the right.
INSERT INTO ids VALUES ('def:actfor', bpm.deploy(pg_temp.with_task('actfor', '{"type": "user_task", "candidate_groups": ["g1"]}')::jsonb));
INSERT INTO ids VALUES ('af', bpm.start('actfor'));
INSERT INTO ids SELECT 'af_task', id FROM bpm.task WHERE instance_id = pg_temp.id('af');
CREATE TEMP TABLE af_before AS
SELECT count(*) AS events FROM bpm.event WHERE instance_id = pg_temp.id('af');
CREATE ROLE bpm_tap_app NOLOGIN;
GRANT EXECUTE ON FUNCTION bpm.act_as(text) TO bpm_tap_app;
CREATE FUNCTION public.tap_claim_for(actor text, task_id bigint) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT bpm.act_as(actor); SELECT bpm.claim(task_id) $$;
ALTER FUNCTION public.tap_claim_for(text, bigint) OWNER TO bpm_tap_app;

SET LOCAL ROLE bpm_tap_clerk;
SET LOCAL bpm.actor = 'alice';
SELECT throws_ok(format('SELECT bpm.claim(%s)', pg_temp.id('af_task')), '42501',
    'role "bpm_tap_clerk" may not act as "alice"',
    'claim: a role that may not act for others, acting as another user, is 42501');
SELECT throws_ok(format($$UPDATE bpm.task SET assignee = 'alice' WHERE id = %s$$, pg_temp.id('af_task')), '42501',
    'role "bpm_tap_clerk" may not act as "alice"',
    'plain UPDATE: the same role and setting are 42501');
SELECT throws_ok('SELECT bpm.current_actor()', '42501',
    'role "bpm_tap_clerk" may not act as "alice"',
    'current_actor: the same role and setting are 42501');
SET LOCAL bpm.actor = 'bpm_tap_clerk';
SELECT is(bpm.current_actor(), 'bpm_tap_clerk',
    'a role may name itself: that is no acting for others');
SELECT throws_ok($$SELECT bpm.act_as('alice')$$, '42501',
    'permission denied for function act_as',
    'act_as: a role without EXECUTE on it may not call it (42501)');
RESET bpm.actor;
SELECT throws_ok(format($$SELECT public.tap_claim_for('alice', %s)$$, pg_temp.id('af_task')), '42501',
    'role "bpm_tap_clerk" may not act as "alice"',
    'a SECURITY DEFINER function owned by a role with the right does not lend it to its caller (42501)');
RESET ROLE;
SELECT results_eq(
    format($$SELECT t.status, t.assignee, (SELECT count(*) FROM bpm.event WHERE instance_id = %s)
               FROM bpm.task t WHERE t.id = %s$$, pg_temp.id('af'), pg_temp.id('af_task')),
    $$SELECT 'open', NULL::text, events FROM af_before$$,
    'the refusals left the task open and unclaimed, and wrote no event');
SET LOCAL ROLE bpm_tap_app;
SELECT lives_ok(format($$SELECT public.tap_claim_for('alice', %s)$$, pg_temp.id('af_task')),
    'the same function works for a caller that holds the right');
RESET ROLE;
RESET bpm.actor;
SELECT results_eq(
    format($$SELECT t.assignee, e.actor FROM bpm.task t
               JOIN bpm.event e ON e.task_id = t.id AND e.kind = 'task_claimed'
              WHERE t.id = %s$$, pg_temp.id('af_task')),
    $$VALUES ('alice', 'alice')$$,
    'that claim is Alice''s, in the task and in the event log');
SET LOCAL ROLE bpm_tap_admin;
SET LOCAL bpm.actor = 'bob';
SELECT is(bpm.current_actor(), 'bob',
    'an operator that does not own the extension (a superuser) may act for others');
RESET ROLE;
RESET bpm.actor;

-- A deployer's code (a script task) runs in whatever session moves its
-- process on, an operator's or the background runner's included. It
-- keeps the actor its step began with, and names another user only with
-- the deployer's own right: the session does not lend its right.
CREATE FUNCTION public.tap_act_in_script(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF data ? 'task' THEN
        PERFORM set_config('bpm.actor', 'alice', true);
        PERFORM bpm.claim((data->>'task')::bigint);
    END IF;
    RETURN jsonb_build_object('seen_actor', bpm.current_actor());
END $$;
CREATE FUNCTION pg_temp.script_process(key text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('key', key, 'nodes', jsonb_build_array(
        '{"id": "s", "type": "start_event"}'::jsonb,
        '{"id": "x", "type": "script_task", "function": "public.tap_act_in_script"}'::jsonb,
        '{"id": "e", "type": "end_event"}'::jsonb),
        'flows', '[{"from": "s", "to": "x"}, {"from": "x", "to": "e"}]'::jsonb)
$$;
SELECT pg_temp.script_process('actscript_clerk') AS def \gset clerk_
SELECT pg_temp.script_process('actscript_app') AS def \gset app_
GRANT INSERT ON ids TO bpm_tap_clerk, bpm_tap_app;
SET LOCAL ROLE bpm_tap_clerk;
INSERT INTO ids VALUES ('def:actscript_clerk', bpm.deploy(:'clerk_def'));
SET LOCAL ROLE bpm_tap_app;
INSERT INTO ids VALUES ('def:actscript_app', bpm.deploy(:'app_def'));
RESET ROLE;
INSERT INTO ids VALUES ('af3', bpm.start('actfor'));
INSERT INTO ids SELECT 'af3_task', id FROM bpm.task WHERE instance_id = pg_temp.id('af3');
SET LOCAL bpm.actor = 'bob';
INSERT INTO ids VALUES ('as1', bpm.start('actscript_clerk'));
SELECT is((SELECT data->>'seen_actor' FROM bpm.instance WHERE id = pg_temp.id('as1')), 'bob',
    'a deployer''s script sees the actor its step began with, though the deployer may not act for others');
SELECT throws_ok(format($$SELECT bpm.start('actscript_clerk', '{"task": %s}')$$, pg_temp.id('af3_task')),
    '42501', 'role "bpm_tap_clerk" may not act as "alice"',
    'a deployer''s script may name no other actor without the deployer''s right, even in an operator''s session');
SELECT is((SELECT assignee FROM bpm.task WHERE id = pg_temp.id('af3_task')), NULL,
    '... and the task stays unclaimed');
SELECT lives_ok(format($$SELECT bpm.start('actscript_app', '{"task": %s}')$$, pg_temp.id('af3_task')),
    'a script deployed by a role with the right may act for others');
SELECT is((SELECT assignee FROM bpm.task WHERE id = pg_temp.id('af3_task')), 'alice',
    '... and claims as Alice');
RESET bpm.actor;

-- ============================================================ four eyes
INSERT INTO ids VALUES ('def:four', bpm.deploy('{"key": "four", "nodes": [
    {"id": "s", "type": "start_event"}, {"id": "prepare", "type": "user_task"},
    {"id": "approve", "type": "user_task", "four_eyes": ["prepare"]}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "prepare"}, {"from": "prepare", "to": "approve"}, {"from": "approve", "to": "e"}]}'::jsonb));
INSERT INTO ids VALUES ('f', bpm.start('four'));
SET LOCAL bpm.actor = 'alice';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = pg_temp.id('f') AND node_id = 'prepare';
INSERT INTO ids SELECT 'approve', id FROM bpm.task WHERE instance_id = pg_temp.id('f') AND node_id = 'approve';
SELECT throws_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('approve')), '42501',
    format('four-eyes rule: "alice" completed "prepare" of instance %s and may not also complete "approve"', pg_temp.id('f')),
    'complete_task: the four-eyes rule is 42501');
SELECT throws_ok(format($$UPDATE bpm.task SET status = 'completed' WHERE id = %s$$, pg_temp.id('approve')), '42501',
    format('four-eyes rule: "alice" completed "prepare" of instance %s and may not also complete "approve"', pg_temp.id('f')),
    'plain UPDATE: the four-eyes rule is 42501');
RESET bpm.actor;
SELECT is((SELECT status FROM bpm.task WHERE id = pg_temp.id('approve')), 'open',
    'the four-eyes refusals left the task open');
SET LOCAL bpm.actor = 'bob';
SELECT lives_ok(format('SELECT bpm.complete_task(%s)', pg_temp.id('approve')),
    'another person completes it');
RESET bpm.actor;

-- four eyes is symmetric: x names y, and y completed first still binds x
INSERT INTO ids VALUES ('def:four_par', bpm.deploy('{"key": "four_par", "nodes": [
    {"id": "s", "type": "start_event"}, {"id": "fork", "type": "parallel_gateway"},
    {"id": "x", "type": "user_task", "four_eyes": ["y"]}, {"id": "y", "type": "user_task"},
    {"id": "join", "type": "parallel_gateway"}, {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "fork"}, {"from": "fork", "to": "x"}, {"from": "fork", "to": "y"},
    {"from": "x", "to": "join"}, {"from": "y", "to": "join"}, {"from": "join", "to": "e"}]}'::jsonb));
INSERT INTO ids VALUES ('fp', bpm.start('four_par'));
SET LOCAL bpm.actor = 'alice';
SELECT bpm.complete_task(id) FROM bpm.task WHERE instance_id = pg_temp.id('fp') AND node_id = 'y';
SELECT throws_ok(
    format('SELECT bpm.complete_task(%s)', (SELECT id FROM bpm.task WHERE instance_id = pg_temp.id('fp') AND node_id = 'x')),
    '42501',
    format('four-eyes rule: "alice" completed "y" of instance %s and may not also complete "x"', pg_temp.id('fp')),
    'complete_task: the four-eyes rule binds both tasks of the pair, whichever is completed first');
RESET bpm.actor;

-- one statement completing two tasks whose paths both end the instance
INSERT INTO ids VALUES ('def:two_ends', bpm.deploy('{"key": "two_ends", "nodes": [
    {"id": "s", "type": "start_event"}, {"id": "fork", "type": "parallel_gateway"},
    {"id": "a", "type": "user_task"}, {"id": "b", "type": "user_task"},
    {"id": "stop_a", "type": "terminate_end_event"}, {"id": "stop_b", "type": "terminate_end_event"}],
  "flows": [{"from": "s", "to": "fork"}, {"from": "fork", "to": "a"}, {"from": "fork", "to": "b"},
    {"from": "a", "to": "stop_a"}, {"from": "b", "to": "stop_b"}]}'::jsonb));
INSERT INTO ids VALUES ('te', bpm.start('two_ends'));
SELECT throws_ok(
    format($$UPDATE bpm.task SET status = 'completed' WHERE instance_id = %s$$, pg_temp.id('te')),
    '55000',
    format('task %s is already cancelled',
           (SELECT id FROM bpm.task WHERE instance_id = pg_temp.id('te') AND node_id = 'b')),
    'plain UPDATE of two tasks, when the first completion terminates the instance, is 55000 for the second (read afresh: cancelled)');
SELECT results_eq(
    format($$SELECT i.state, (SELECT count(*) FROM bpm.task t WHERE t.instance_id = i.id AND t.status = 'open')
               FROM bpm.instance i WHERE i.id = %s$$, pg_temp.id('te')),
    $$VALUES ('running', 2::bigint)$$,
    'and changes nothing: the instance runs, both tasks open');

-- ================================ a gateway with no way out, on completion
INSERT INTO ids VALUES ('gt', bpm.start('gw_task', '{"note": "keep"}'));
INSERT INTO ids SELECT 'gt_task', id FROM bpm.task WHERE instance_id = pg_temp.id('gt');
CREATE TEMP TABLE gt_before AS
SELECT (SELECT count(*) FROM bpm.event WHERE instance_id = pg_temp.id('gt')) AS events;
GRANT SELECT ON gt_before TO PUBLIC;
SET LOCAL ROLE bpm_tap_clerk;
SELECT throws_ok(format('SELECT bpm.complete_task(%s, %L)', pg_temp.id('gt_task'), '{"amount": null}'), '20000',
    'gateway "g" of process "gw_task": no outgoing flow''s condition holds and there is no default flow',
    'complete_task: a gateway with no way out is 20000 (as a plain role)');
SELECT is(current_user::text, 'bpm_tap_clerk',
    'after an error deep in the engine the caller''s identity is restored');
SELECT throws_ok(format($$UPDATE bpm.instance SET state = 'completed' WHERE id = %s$$, pg_temp.id('gt')),
    '42501', 'permission denied for table instance',
    'and the caller still has only its own privileges');
SELECT results_eq(
    format($$SELECT t.status, i.state, i.data, (SELECT count(*) FROM bpm.event e WHERE e.instance_id = i.id)
               FROM bpm.task t JOIN bpm.instance i ON i.id = t.instance_id WHERE t.id = %s$$, pg_temp.id('gt_task')),
    $$SELECT 'open', 'running', '{"note": "keep"}'::jsonb, events FROM gt_before$$,
    'the failed completion changed nothing: task open, data and events as before');
SELECT lives_ok(format('SELECT bpm.complete_task(%s, %L)', pg_temp.id('gt_task'), '{"amount": 5}'),
    'the same task completes with data that satisfies a condition');
RESET ROLE;
SELECT results_eq(
    format($$SELECT state, data, (SELECT ok FROM bpm.verify_events(id)) FROM bpm.instance WHERE id = %s$$, pg_temp.id('gt')),
    $$VALUES ('completed', '{"note": "keep", "amount": 5}'::jsonb, true)$$,
    'the instance went on to its end and its chain verifies');

-- ================================================================= jobs
INSERT INTO ids VALUES ('def:svc', bpm.deploy(pg_temp.with_task('svc',
    '{"type": "service_task", "topic": "tap_topic", "retries": 1}')::jsonb));
INSERT INTO ids VALUES ('j_inst', bpm.start('svc'));
INSERT INTO ids SELECT 'j', id FROM bpm.job WHERE instance_id = pg_temp.id('j_inst');

SELECT throws_ok($$SELECT bpm.complete_job(-1, 'w1')$$, '42704', 'job -1 does not exist',
    'complete_job: an unknown job is 42704');
SELECT throws_ok($$SELECT bpm.fail_job(-1, 'w1', 'boom')$$, '42704', 'job -1 does not exist',
    'fail_job: an unknown job is 42704');
SELECT throws_ok($$SELECT bpm.retry_incident(-1)$$, '42704', 'job -1 does not exist',
    'retry_incident: an unknown job is 42704');
SELECT throws_ok(format($$SELECT bpm.complete_job(%s, 'w1')$$, pg_temp.id('j')), '55000',
    format('job %s is not locked', pg_temp.id('j')),
    'complete_job: a job nobody fetched is 55000');
SELECT throws_ok(format($$SELECT bpm.fail_job(%s, 'w1', 'boom')$$, pg_temp.id('j')), '55000',
    format('job %s is not locked', pg_temp.id('j')),
    'fail_job: a job nobody fetched is 55000');
SELECT throws_ok($$SELECT * FROM bpm.fetch_and_lock('tap_topic', 'w1', 0)$$, '22023',
    'max_jobs must be at least 1, not 0',
    'fetch_and_lock: max_jobs below 1 is 22023');
SELECT results_eq($$SELECT id FROM bpm.fetch_and_lock('tap_topic', 'w1')$$,
    format('VALUES (%s::bigint)', pg_temp.id('j')),
    'worker w1 fetches the job');
SELECT throws_ok(format($$SELECT bpm.complete_job(%s, 'w2')$$, pg_temp.id('j')), '42501',
    format('job %s is locked by worker "w1", not "w2"', pg_temp.id('j')),
    'complete_job: another worker''s job is 42501');
SELECT throws_ok(format($$SELECT bpm.fail_job(%s, 'w2', 'boom')$$, pg_temp.id('j')), '42501',
    format('job %s is locked by worker "w1", not "w2"', pg_temp.id('j')),
    'fail_job: another worker''s job is 42501');
SELECT throws_ok(format($$SELECT bpm.retry_incident(%s)$$, pg_temp.id('j')), '55000',
    format('job %s is not an incident: it has 1 retries left', pg_temp.id('j')),
    'retry_incident: a job that is not an incident is 55000');
SELECT throws_ok(format($$SELECT bpm.retry_incident(%s, 0)$$, pg_temp.id('j')), '22023',
    'retries must be at least 1, not 0',
    'retry_incident: retries below 1 is 22023');
SELECT results_eq(
    format($$SELECT locked_by, retries, attempts, last_error FROM bpm.job WHERE id = %s$$, pg_temp.id('j')),
    $$VALUES ('w1', 1, 1, NULL::text)$$,
    'the refused job calls left the job as w1 locked it');
SELECT lives_ok(format($$SELECT bpm.fail_job(%s, 'w1', 'boom')$$, pg_temp.id('j')),
    'w1 reports a failure: with no retries left the job becomes an incident');
SELECT throws_ok(format($$SELECT bpm.complete_job(%s, 'w1')$$, pg_temp.id('j')), '55000',
    format('job %s is an incident', pg_temp.id('j')),
    'complete_job: an incident is 55000');
SELECT throws_ok(format($$SELECT bpm.fail_job(%s, 'w1', 'again')$$, pg_temp.id('j')), '55000',
    format('job %s is an incident', pg_temp.id('j')),
    'fail_job: an incident is 55000');
SELECT is_empty($$SELECT * FROM bpm.fetch_and_lock('tap_topic', 'w2')$$,
    'an incident is not fetchable');
SELECT results_eq(
    format($$SELECT job_id, error, attempts FROM bpm.incidents WHERE instance_id = %s$$, pg_temp.id('j_inst')),
    format($$VALUES (%s::bigint, 'boom', 1)$$, pg_temp.id('j')),
    'the refused calls on the incident left it as it was');
SELECT lives_ok(format($$SELECT bpm.retry_incident(%s, 2)$$, pg_temp.id('j')),
    'an operator retries the incident');
SELECT results_eq($$SELECT id, retries FROM bpm.fetch_and_lock('tap_topic', 'w2')$$,
    format('VALUES (%s::bigint, 2)', pg_temp.id('j')),
    'the retried job is fetchable again, with the retries it was given');
SELECT lives_ok(format($$SELECT bpm.complete_job(%s, 'w2')$$, pg_temp.id('j')),
    'and completes');
SELECT throws_ok(format($$SELECT bpm.complete_job(%s, 'w2')$$, pg_temp.id('j')), '42704',
    format('job %s does not exist', pg_temp.id('j')),
    'complete_job: a completed job is gone (42704)');
SELECT results_eq(
    format($$SELECT state, (SELECT ok FROM bpm.verify_events(id)) FROM bpm.instance WHERE id = %s$$, pg_temp.id('j_inst')),
    $$VALUES ('completed', true)$$,
    'the job''s instance completed and its chain verifies');

-- ======================================================= NULL arguments
SELECT throws_ok($$SELECT bpm.deploy(NULL)$$, '22004', 'definition must not be null',
    'deploy: NULL is 22004');
SELECT throws_ok($$SELECT bpm.claim(NULL)$$, '22004', 'task id must not be null',
    'claim: NULL is 22004');
SELECT throws_ok($$SELECT bpm.unclaim(NULL)$$, '22004', 'task id must not be null',
    'unclaim: NULL is 22004');
SELECT throws_ok($$SELECT * FROM bpm.fetch_and_lock(NULL, 'w1')$$, '22004', 'topic must not be null',
    'fetch_and_lock: a NULL topic is 22004');
SELECT throws_ok($$SELECT * FROM bpm.fetch_and_lock('tap_topic', NULL)$$, '22004', 'worker must not be null',
    'fetch_and_lock: a NULL worker is 22004');
SELECT throws_ok($$SELECT bpm.complete_job(NULL, 'w1')$$, '22004', 'job id must not be null',
    'complete_job: a NULL job id is 22004');
SELECT throws_ok($$SELECT bpm.complete_job(1, NULL)$$, '22004', 'worker must not be null',
    'complete_job: a NULL worker is 22004');
SELECT throws_ok($$SELECT bpm.fail_job(1, 'w1', NULL)$$, '22004', 'error must not be null',
    'fail_job: a NULL error is 22004');
SELECT throws_ok($$SELECT bpm.retry_incident(NULL)$$, '22004', 'job id must not be null',
    'retry_incident: a NULL job id is 22004');
SELECT throws_ok($$SELECT bpm.retry_incident(1, NULL)$$, '22004', 'retries must not be null',
    'retry_incident: NULL retries is 22004');
SELECT throws_ok($$SELECT * FROM bpm.verify_events(NULL)$$, '22004', 'instance id must not be null',
    'verify_events: NULL is 22004');
SELECT throws_ok($$SELECT * FROM bpm.verify_events(-1)$$, '42704', 'instance -1 does not exist',
    'verify_events: an unknown instance is 42704');

-- ========================================================== the event log
CREATE TEMP TABLE events_before AS SELECT count(*) AS n, max(id) AS last FROM bpm.event;
SELECT throws_ok($$UPDATE bpm.event SET actor = 'mallory' WHERE id = (SELECT min(id) FROM bpm.event)$$,
    '42501', 'bpm.event is append-only: UPDATE is not allowed',
    'UPDATE of an event is 42501, even for the owner');
SELECT throws_ok($$DELETE FROM bpm.event WHERE id = (SELECT max(id) FROM bpm.event)$$,
    '42501', 'bpm.event is append-only: DELETE is not allowed',
    'DELETE of an event is 42501, even for the owner');
SELECT throws_ok($$TRUNCATE bpm.event$$,
    '42501', 'bpm.event is append-only: TRUNCATE is not allowed',
    'TRUNCATE of the event log is 42501, even for the owner');
SET LOCAL ROLE bpm_tap_admin;
SELECT throws_ok($$DELETE FROM bpm.event$$,
    '42501', 'bpm.event is append-only: DELETE is not allowed',
    'DELETE of the event log is 42501 for any superuser');
RESET ROLE;
SET LOCAL ROLE bpm_tap_clerk;
SELECT throws_ok($$UPDATE bpm.event SET actor = 'mallory'$$,
    '42501', 'permission denied for table event',
    'a plain role may not even try');
RESET ROLE;
SELECT results_eq(
    $$SELECT count(*), max(id), bool_or(actor = 'mallory') FROM bpm.event$$,
    $$SELECT n, last, false FROM events_before$$,
    'the event log is intact');
SELECT is(
    (SELECT count(*) FROM bpm.instance i, bpm.verify_events(i.id) v WHERE NOT v.ok),
    0::bigint,
    'every instance of this file verifies');

SELECT * FROM finish();
ROLLBACK;
