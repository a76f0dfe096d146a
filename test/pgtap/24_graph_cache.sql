-- 24_graph_cache: a step keeps the compiled definition it runs, even when
-- the backend's cache of definitions is invalidated under it (issue 10,
-- hole 1: a pointer that outlived its memory).
--
-- VACUUM and ANALYZE of bpm.definition (autovacuum does them, on a busy
-- server at any time) and a full invalidation queue drop the cache; the
-- invalidation arrives whenever the backend takes a lock, in the middle of
-- a step. The cache used to be freed at once, under the graph the step
-- was reading: the backend crashed or a token "rested at unknown node".
-- Here the step's own script task analyzes bpm.definition, then starts
-- another process (compiled into a new cache, where the old one was) and
-- allocates some more, and the step goes on through 300 gateways.
--
-- Runs in its own database (test/run), in one transaction, as the
-- superuser (who may ANALYZE bpm.definition).
BEGIN;
SELECT no_plan();
\ir helpers.psql

CREATE FUNCTION public.invalidate_definitions(data jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    ANALYZE bpm.definition;
    PERFORM bpm.start('other');     -- compiled into a new cache
    PERFORM length(string_agg(repeat('x', 1000 + i), '')) FROM generate_series(1, 3000) i;
    RETURN data;
END
$$;

SELECT bpm.deploy(jsonb_build_object('key', 'other',
    'nodes', jsonb_build_array('{"id": "other_start", "type": "start_event"}'::jsonb,
                               '{"id": "other_end", "type": "end_event"}'::jsonb)
        || (SELECT jsonb_agg(jsonb_build_object('id', 'other_' || i, 'type', 'user_task'))
              FROM generate_series(1, 300) i),
    'flows', jsonb_build_array('{"from": "other_start", "to": "other_1"}'::jsonb,
                               '{"from": "other_300", "to": "other_end"}'::jsonb)
        || (SELECT jsonb_agg(jsonb_build_object('from', 'other_' || i, 'to', 'other_' || (i + 1)))
              FROM generate_series(1, 299) i)));

-- s -> script task -> g1 -> ... -> g300 -> user task -> e
SELECT bpm.deploy(jsonb_build_object('key', 'invalidated',
    'nodes', jsonb_build_array(
        '{"id": "s", "type": "start_event"}'::jsonb,
        '{"id": "x", "type": "script_task", "function": "public.invalidate_definitions"}'::jsonb,
        '{"id": "t", "type": "user_task"}'::jsonb,
        '{"id": "e", "type": "end_event"}'::jsonb)
        || (SELECT jsonb_agg(jsonb_build_object('id', 'g' || i, 'type', 'parallel_gateway'))
              FROM generate_series(1, 300) i),
    'flows', jsonb_build_array(
        '{"from": "s", "to": "x"}'::jsonb, '{"from": "x", "to": "g1"}'::jsonb,
        '{"from": "g300", "to": "t"}'::jsonb, '{"from": "t", "to": "e"}'::jsonb)
        || (SELECT jsonb_agg(jsonb_build_object('from', 'g' || i, 'to', 'g' || (i + 1)))
              FROM generate_series(1, 299) i)));

INSERT INTO ids SELECT 'p' || n, bpm.start('invalidated') FROM generate_series(1, 5) n;

SELECT is((SELECT count(*) FROM bpm.task WHERE node_id = 't' AND instance_id IN (SELECT id FROM ids)),
    5::bigint, 'every instance went through its 300 gateways to the user task');
SELECT is((SELECT count(*) FROM bpm.event
            WHERE kind = 'token_moved' AND instance_id IN (SELECT id FROM ids)),
    5 * 303::bigint, 'every node entered is a token_moved event');
SELECT is((SELECT count(*) FROM bpm.event
            WHERE kind = 'token_moved' AND node_id IS NULL AND instance_id IN (SELECT id FROM ids)),
    0::bigint, 'every token_moved event names its node');
SELECT lives_ok($$ SELECT bpm.complete_task(pg_temp.task(pg_temp.id('p1'), 't')) $$,
    'the task completes');
SELECT is((SELECT state FROM bpm.instance WHERE id = pg_temp.id('p1')), 'completed',
    'and the instance with it');
SELECT is((SELECT bool_and(v.ok) FROM ids, bpm.verify_events(ids.id) v), true,
    'every event chain verifies');

SELECT * FROM finish();
ROLLBACK;
