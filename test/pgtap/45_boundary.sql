-- 45_boundary: boundary events and BPMN errors, as contracts.
--
--   deploy      every validation rule of boundary events (attachment,
--               scope, triggers, error codes, escalation boundaries, flows,
--               cycles) and of escalation tasks: SQLSTATE 42P17 and the
--               exact message naming the element; nothing stored
--   recurrence  cycles from the data: a value that is not a repeating
--               interval is 22023 naming the node
--   errors      bpm.throw_error: unknown job (42704), not locked and
--               internal jobs (55000), another worker's job (42501),
--               NULL arguments (22004), an empty code (22023);
--               bpm.bpmn_error: SQLSTATE BPMNE with the code as message
--               and the message as detail, 22004 / 22023 for its code
--   behaviour   interrupting and non-interrupting timers, their jobs and
--               events; completion in time removes the timer; a caught
--               error from an SQL function and from throw_error; chains
--               verify
--
-- Runs in its own database (test/run), in one transaction; the clock is
-- pg_bpm.mock_now, set with SET LOCAL.
BEGIN;
SELECT no_plan();
\ir helpers.psql
SET LOCAL TimeZone = 'UTC';
SET LOCAL pg_bpm.mock_now = '2030-01-01 09:00:00+00';

-- start s -> n -> e, and a boundary event b on n (unless given) -> e2.
CREATE FUNCTION pg_temp.with_boundary(key text, activity jsonb, boundary jsonb,
                                      more_nodes jsonb DEFAULT '[]', more_flows jsonb DEFAULT '[]')
RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'key', key,
        'nodes', jsonb_build_array('{"id": "s", "type": "start_event"}'::jsonb,
                                   jsonb_build_object('id', 'n') || activity,
                                   jsonb_build_object('id', 'b', 'type', 'boundary_event',
                                                      'attached_to', 'n') || boundary,
                                   '{"id": "e", "type": "end_event"}'::jsonb,
                                   '{"id": "e2", "type": "end_event"}'::jsonb) || more_nodes,
        'flows', '[{"from": "s", "to": "n"}, {"from": "n", "to": "e"}, {"from": "b", "to": "e2"}]'::jsonb
                 || more_flows)::text
$$;

CREATE TEMP TABLE counts_before AS
SELECT (SELECT count(*) FROM bpm.definition) AS definitions, (SELECT count(*) FROM bpm.event) AS events;

-- ============================================================ deploy errors
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"attached_to": "x", "timer": {"duration": "PT1H"}}'),
    'definition "bad": boundary event "b" is attached to unknown node "x"',
    'deploy: attached to a node that does not exist');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"attached_to": null, "timer": {"duration": "PT1H"}}' ),
    'definition "bad": node "b": "attached_to" must be a string, not null',
    'deploy: attached_to is not a string');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"timer": {"duration": "PT1H"}}') ::jsonb #- '{nodes,2,attached_to}' #>> '{}',
    'definition "bad": node "b" has no "attached_to"',
    'deploy: a boundary event without attached_to');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "script_task", "function": "pg_catalog.jsonb_strip_nulls"}', '{"error": true}'),
    'definition "bad": boundary event "b" is attached to script_task "n"; only user tasks, service tasks and sub-processes have boundary events',
    'deploy: a script task has no boundary events');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "exclusive_gateway"}', '{"timer": {"duration": "PT1H"}}'),
    'definition "bad": boundary event "b" is attached to exclusive_gateway "n"; only user tasks, service tasks and sub-processes have boundary events',
    'deploy: a gateway has no boundary events');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"attached_to": "e", "timer": {"duration": "PT1H"}}'),
    'definition "bad": boundary event "b" is attached to end_event "e"; only user tasks, service tasks and sub-processes have boundary events',
    'deploy: an event has no boundary events');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad',
        '{"type": "subprocess", "nodes": [{"id": "is", "type": "start_event"}, {"id": "it", "type": "user_task"}, {"id": "ie", "type": "end_event"}], "flows": [{"from": "is", "to": "it"}, {"from": "it", "to": "ie"}]}',
        '{"attached_to": "it", "timer": {"duration": "PT1H"}}'),
    'definition "bad": boundary event "b" is declared in the process but attached to "it" of sub-process "n"',
    'deploy: a boundary event in another scope than its activity');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{}'),
    'definition "bad": node "b": a boundary event has exactly one of "timer", "error" and "escalation"',
    'deploy: a boundary event without a trigger');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"timer": {"duration": "PT1H"}, "error": "X"}'),
    'definition "bad": node "b": a boundary event has exactly one of "timer", "error" and "escalation"',
    'deploy: a boundary event with two triggers');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"timer": {"duration": "PT1H"}, "topic": "x"}'),
    'definition "bad": node "b" has unknown property "topic"',
    'deploy: an unknown property of a boundary event');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"timer": {"duration": "PT1H"}, "interrupting": "no"}'),
    'definition "bad": node "b": "interrupting" must be true or false, not string',
    'deploy: interrupting is a boolean');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "service_task", "topic": "t"}', '{"error": "X", "interrupting": false}'),
    'definition "bad": node "b": an error boundary event always interrupts its activity; remove "interrupting": false',
    'deploy: an error boundary event cannot be non-interrupting');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "service_task", "topic": "t"}', '{"error": false}'),
    'definition "bad": node "b": "error" must be an error code (a non-empty string), or true for any error',
    'deploy: "error": false');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "service_task", "topic": "t"}', '{"error": ""}'),
    'definition "bad": node "b": "error" must be an error code (a non-empty string), or true for any error',
    'deploy: an empty error code');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "service_task", "topic": "t"}', '{"error": 42}'),
    'definition "bad": node "b": "error" must be an error code (a non-empty string), or true for any error',
    'deploy: a numeric error code');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "service_task", "topic": "t"}', '{"error": "X"}',
        '[{"id": "b2", "type": "boundary_event", "attached_to": "n", "error": "X"}]', '[{"from": "b2", "to": "e2"}]'),
    'definition "bad": service_task "n" has more than one error boundary event for code "X": "b" and "b2"',
    'deploy: two error boundary events for one code');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "service_task", "topic": "t"}', '{"error": true}',
        '[{"id": "b2", "type": "boundary_event", "attached_to": "n", "error": true}]', '[{"from": "b2", "to": "e2"}]'),
    'definition "bad": service_task "n" has more than one error boundary event for any error: "b" and "b2"',
    'deploy: two catch-all error boundary events');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task", "due": "PT1H"}', '{"escalation": "yes"}'),
    'definition "bad": node "b": "escalation" must be true',
    'deploy: "escalation" is true or absent');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "service_task", "topic": "t"}', '{"escalation": true}'),
    'definition "bad": boundary event "b": only a user task escalates, not service_task "n"',
    'deploy: an escalation boundary event on a service task');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"escalation": true}'),
    'definition "bad": boundary event "b": user task "n" has no "due" duration to escalate after',
    'deploy: an escalation boundary event on a task without due');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task", "due": "PT1H"}', '{"escalation": true}',
        '[{"id": "b2", "type": "boundary_event", "attached_to": "n", "escalation": true}]', '[{"from": "b2", "to": "e2"}]'),
    'definition "bad": user task "n" has more than one escalation boundary event: "b" and "b2"',
    'deploy: two escalation boundary events on one task');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"timer": {"duration": "PT1H"}}',
        '[]', '[{"from": "s", "to": "b"}]'),
    'definition "bad": boundary event "b" has an incoming flow "s->b"',
    'deploy: a flow into a boundary event');
SELECT pg_temp.deploy_fails(
    (pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"timer": {"duration": "PT1H"}}')::jsonb
     #- '{flows,2}')::text,
    'definition "bad": boundary event "b" has no outgoing flow',
    'deploy: a boundary event without an outgoing flow');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"timer": {"cycle": "R/PT1H"}}'),
    'definition "bad": node "b": an endless timer cycle needs "interrupting": false (an interrupting boundary event fires once)',
    'deploy: an endless cycle on an interrupting boundary event');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"interrupting": false, "timer": {"cycle": "R3/XYZ"}}'),
    'definition "bad": node "b" has an invalid timer cycle "R3/XYZ"',
    'deploy: a cycle whose duration is not ISO 8601');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"interrupting": false, "timer": {"cycle": "R0/PT1H"}}'),
    'definition "bad": node "b" has an invalid timer cycle "R0/PT1H"',
    'deploy: a cycle of no repetitions');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"interrupting": false, "timer": {"cycle": "PT1H"}}'),
    'definition "bad": node "b" has an invalid timer cycle "PT1H"',
    'deploy: a cycle without R');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"interrupting": false, "timer": {"cycle": "R2/2030-01-01T09:00:00Z/2030-01-02T09:00:00Z"}}'),
    'definition "bad": node "b" has an invalid timer cycle "R2/2030-01-01T09:00:00Z/2030-01-02T09:00:00Z"',
    'deploy: a cycle from a start to an end');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"interrupting": false, "timer": {"cycle": "R2/PT-1H"}}'),
    'definition "bad": node "b" has an invalid timer cycle "R2/PT-1H"',
    'deploy: a cycle with a negative duration');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"timer": {"cycle": "R2/PT1H", "duration": "PT1H"}}'),
    'definition "bad": node "b": a timer has exactly one of "duration", "date" and "cycle"',
    'deploy: a boundary timer with a cycle and a duration');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task"}', '{"timer": {"cycle": "$.a["}}'),
    'definition "bad": node "b" timer has an invalid jsonpath "$.a["',
    'deploy: a cycle path that does not parse');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task", "due": "PT1H", "escalation": {"task": "boss"}}', '{"timer": {"duration": "PT1H"}}'),
    'definition "bad": node "n" escalation: "task" must be an object such as {"name": "Call the customer", "candidate_groups": ["leads"]}',
    'deploy: an escalation task that is not an object');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task", "due": "PT1H", "escalation": {"task": {"title": "x"}}}', '{"timer": {"duration": "PT1H"}}'),
    'definition "bad": node "n" escalation task has unknown property "title"',
    'deploy: an unknown property of an escalation task');
SELECT pg_temp.deploy_fails(pg_temp.with_boundary('bad', '{"type": "user_task", "due": "PT1H", "escalation": {"task": {"priority": -1}}}', '{"timer": {"duration": "PT1H"}}'),
    'definition "bad": node "n" escalation task: "priority" must be at least 0',
    'deploy: an escalation task''s priority');
SELECT results_eq($$SELECT (SELECT count(*) FROM bpm.definition) - definitions,
                           (SELECT count(*) FROM bpm.event) - events FROM counts_before$$,
    $$VALUES (0::bigint, 0::bigint)$$, 'failed deployments store nothing');

-- ============================================================ cycles from the data
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.with_boundary('cyc', '{"type": "user_task"}',
    '{"interrupting": false, "timer": {"cycle": "$.every"}}')::jsonb)$$, 'deploy: a cycle from the data');
SELECT throws_ok($$SELECT bpm.start('cyc', '{"every": "PT1H"}')$$, '22023',
    'timer of "b" in process "cyc": $.every does not select an ISO 8601 repeating interval such as "R3/PT1H"',
    'a cycle from the data must be a repeating interval');
SELECT throws_ok($$SELECT bpm.start('cyc', '{}')$$, '22023',
    'timer of "b" in process "cyc": $.every does not select an ISO 8601 repeating interval such as "R3/PT1H"',
    'a cycle path that selects nothing');
SELECT lives_ok($$SELECT bpm.start('cyc', '{"every": "R2/2030-01-01T08:00:00Z/PT1H"}', 'cyc-1')$$,
    'a cycle with a start: occurrences before the clock are skipped');
SELECT results_eq($$SELECT j.due_at, j.occurrence FROM bpm.job j JOIN bpm.processes p ON p.id = j.instance_id
                     WHERE p.business_key = 'cyc-1'$$,
    $$VALUES ('2030-01-01 09:00:00+00'::timestamptz, 2)$$,
    'R2/08:00/PT1H armed at 09:00 waits for its second occurrence, at 09:00');

-- ============================================================ throw_error / bpmn_error errors
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.with_boundary('thr', '{"type": "service_task", "topic": "tap_thr"}',
    '{"error": "X"}')::jsonb)$$, 'deploy: an external task with an error boundary');
INSERT INTO ids VALUES ('thr-1', bpm.start('thr', '{}', 'thr-1'));
CREATE TEMP TABLE jobs AS SELECT id FROM bpm.job WHERE instance_id = pg_temp.id('thr-1');
SELECT throws_ok($$SELECT bpm.throw_error(id, 'w', 'X') FROM jobs$$, '55000',
    format('job %s is not locked', (SELECT id FROM jobs)), 'throw_error on a job nobody fetched');
SELECT is((SELECT count(*) FROM bpm.fetch_and_lock('tap_thr', 'w')), 1::bigint, 'w fetches the job');
SELECT throws_ok($$SELECT bpm.throw_error(id, 'v', 'X') FROM jobs$$, '42501',
    format('job %s is locked by worker "w", not "v"', (SELECT id FROM jobs)), 'throw_error by another worker');
SELECT throws_ok($$SELECT bpm.throw_error(NULL, 'w', 'X')$$, '22004', 'job id must not be null', 'NULL job id');
SELECT throws_ok($$SELECT bpm.throw_error(id, NULL, 'X') FROM jobs$$, '22004', 'worker must not be null', 'NULL worker');
SELECT throws_ok($$SELECT bpm.throw_error(id, 'w', NULL) FROM jobs$$, '22004', 'error code must not be null', 'NULL code');
SELECT throws_ok($$SELECT bpm.throw_error(id, 'w', '') FROM jobs$$, '22023', 'error code must not be empty', 'empty code');
SELECT lives_ok($$SELECT bpm.throw_error(id, 'w', 'X', NULL) FROM jobs$$, 'a NULL message is no message');
SELECT throws_ok($$SELECT bpm.throw_error(id, 'w', 'X') FROM jobs$$, '42704',
    format('job %s does not exist', (SELECT id FROM jobs)), 'throw_error on a job that was caught');
SELECT results_eq($$SELECT p.waiting_at, p.data, (SELECT ok FROM bpm.verify_events(p.id))
                      FROM bpm.processes p WHERE p.business_key = 'thr-1'$$,
    $$VALUES ('{}'::text[], '{"error": {"code": "X", "message": null}}'::jsonb, true)$$,
    'the caught error completed the instance by the boundary''s path, data has the error, the chain verifies');
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.with_boundary('thr_sql', '{"type": "service_task", "implementation": "sql", "function": "pg_catalog.jsonb_strip_nulls"}',
    '{"error": "X"}')::jsonb)$$, 'deploy: an SQL task with an error boundary');
SELECT lives_ok($$SELECT bpm.start('thr_sql', '{}', 'thr-2')$$, 'start it');
SELECT throws_ok($$SELECT bpm.throw_error(j.id, 'w', 'X') FROM bpm.job j JOIN bpm.processes p ON p.id = j.instance_id WHERE p.business_key = 'thr-2'$$,
    '55000', NULL, 'throw_error on an internal job: workers may not report on it');
SELECT throws_ok($$SELECT bpm.bpmn_error('CARD_DECLINED', 'The bank said no')$$, 'BPMNE', 'CARD_DECLINED',
    'bpmn_error raises SQLSTATE BPMNE with the code as message');
SELECT throws_ok($$SELECT bpm.bpmn_error(NULL)$$, '22004', 'error code must not be null', 'bpmn_error: NULL code');
SELECT throws_ok($$SELECT bpm.bpmn_error('')$$, '22023', 'error code must not be empty', 'bpmn_error: empty code');

-- ============================================================ timers
SELECT lives_ok($$SELECT bpm.deploy(pg_temp.with_boundary('tim', '{"type": "user_task"}',
    '{"timer": {"duration": "PT1H"}}')::jsonb)$$, 'deploy: a user task with a timer boundary');
INSERT INTO ids VALUES ('tim-1', bpm.start('tim', '{}', 'tim-1'));
INSERT INTO ids VALUES ('tim-2', bpm.start('tim', '{}', 'tim-2'));
SELECT results_eq($$SELECT j.node_id, j.kind, j.due_at FROM bpm.job j JOIN bpm.processes p ON p.id = j.instance_id
                     WHERE p.business_key = 'tim-1'$$,
    $$VALUES ('b'::text, 'boundary'::text, '2030-01-01 10:00:00+00'::timestamptz)$$,
    'entering the task arms a boundary job an hour from the clock');
SELECT lives_ok($$SELECT bpm.complete_task(t.id) FROM bpm.task t JOIN bpm.processes p ON p.id = t.instance_id
                   WHERE p.business_key = 'tim-2'$$, 'tim-2 is completed in time');
SET LOCAL pg_bpm.mock_now = '2030-01-01 10:00:00+00';
SELECT is(bpm.run_jobs(), 3,
    'at 10:00 three jobs run: tim-1''s boundary timer, cyc-1''s last occurrence and thr-2''s SQL task (tim-2''s timer was removed)');
SELECT is((SELECT count(*) FROM bpm.job j JOIN bpm.processes p ON p.id = j.instance_id WHERE p.key = 'cyc'),
    0::bigint, 'cyc-1''s cycle of two is exhausted: nothing is re-armed');
SELECT results_eq($$SELECT p.business_key, p.state, t.status,
                           (SELECT array_agg(h.kind ORDER BY h.event_id) FROM bpm.history(p.id) h
                             WHERE h.kind IN ('boundary_fired', 'job_cancelled', 'task_cancelled'))
                      FROM bpm.processes p JOIN bpm.task t ON t.instance_id = p.id
                     WHERE p.key = 'tim' ORDER BY p.id$$,
    $$VALUES ('tim-1'::text, 'completed'::text, 'cancelled'::text, '{boundary_fired,task_cancelled}'::text[]),
             ('tim-2', 'completed', 'completed', '{job_cancelled}')$$,
    'tim-1: fired, task cancelled, ended by the boundary path; tim-2: its timer cancelled on completion');
SELECT is((SELECT bool_and(v.ok) FROM bpm.instance i, bpm.verify_events(i.id) v), true,
    'every event chain verifies');

SELECT * FROM finish();
ROLLBACK;
