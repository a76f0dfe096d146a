-- 23_nesting: wide and deep sub-processes and stages compile and run to
-- the end (issue 10, hole 1).
--
--   wide        a sub-process whose scope grows the compiler's node array
--               (13 user tasks in the process and 13 in the sub-process):
--               every task is reached in order, every token_moved event
--               names its node, the instance completes
--   deep        sub-processes nested 6 levels, 2 tasks each: the same
--   stack       sub-processes nested 500 levels and stages nested 500
--               levels deploy, and run to the end; compiled again in a
--               session with a small max_stack_depth they are refused
--               with 54001 (the compiler's recursion is guarded), not a
--               crash
--
-- Runs in its own database (test/run), in one transaction.
BEGIN;
SELECT no_plan();
\ir helpers.psql

-- depth sub-processes nested in one another; each scope is
-- start -> width user tasks -> (the next sub-process) -> end.
CREATE FUNCTION pg_temp.nested(key text, depth int, width int) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    scope jsonb;
    nodes jsonb;
    flows jsonb;
    prev text;
    lvl int;
    i int;
BEGIN
    FOR lvl IN REVERSE depth..0 LOOP
        nodes := jsonb_build_array(jsonb_build_object('id', 's' || lvl, 'type', 'start_event'));
        flows := '[]';
        prev := 's' || lvl;
        FOR i IN 1..width LOOP
            nodes := nodes || jsonb_build_object('id', 't' || lvl || '_' || i, 'type', 'user_task');
            flows := flows || jsonb_build_object('from', prev, 'to', 't' || lvl || '_' || i);
            prev := 't' || lvl || '_' || i;
        END LOOP;
        IF lvl < depth THEN
            nodes := nodes || (jsonb_build_object('id', 'sp' || lvl, 'type', 'subprocess') || scope);
            flows := flows || jsonb_build_object('from', prev, 'to', 'sp' || lvl);
            prev := 'sp' || lvl;
        END IF;
        nodes := nodes || jsonb_build_object('id', 'e' || lvl, 'type', 'end_event');
        flows := flows || jsonb_build_object('from', prev, 'to', 'e' || lvl);
        scope := jsonb_build_object('nodes', nodes, 'flows', flows);
    END LOOP;
    RETURN jsonb_build_object('key', key) || scope;
END
$$;

-- The user tasks of nested(depth, width) in the order a token reaches them.
CREATE FUNCTION pg_temp.task_order(depth int, width int) RETURNS text[]
LANGUAGE sql AS $$
    SELECT array_agg('t' || lvl || '_' || i ORDER BY lvl, i)
      FROM generate_series(0, depth) lvl, generate_series(1, width) i
$$;

-- Complete the open tasks of an instance one by one; the node of each.
CREATE FUNCTION pg_temp.work_through(instance bigint) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    done text[] := '{}';
    t record;
BEGIN
    LOOP
        SELECT id, node_id INTO t FROM bpm.task_store
         WHERE instance_id = instance AND status = 'open' ORDER BY id LIMIT 1;
        EXIT WHEN NOT FOUND;
        PERFORM bpm.complete_task(t.id);
        done := done || t.node_id;
    END LOOP;
    RETURN done;
END
$$;

CREATE FUNCTION pg_temp.runs_to_the_end(key text, depth int, width int, what text)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    inst bigint;
BEGIN
    PERFORM bpm.deploy(pg_temp.nested(key, depth, width));
    inst := bpm.start(key);
    RETURN NEXT is(pg_temp.work_through(inst), pg_temp.task_order(depth, width),
                   what || ': every task is reached, in order');
    RETURN NEXT is((SELECT state FROM bpm.instance WHERE id = inst), 'completed',
                   what || ': the instance completes');
    RETURN NEXT is((SELECT count(*) FROM bpm.event
                     WHERE instance_id = inst AND kind = 'token_moved' AND node_id IS NULL),
                   0::bigint, what || ': every token_moved event names its node');
    RETURN NEXT is((SELECT count(*) FROM bpm.event
                     WHERE instance_id = inst AND kind = 'token_moved'),
                   -- every start, task, sub-process and end of every level
                   ((depth + 1) * (width + 2) + depth)::bigint,
                   what || ': a token entered each node once');
END
$$;

SELECT * FROM pg_temp.runs_to_the_end('wide', 1, 13, 'a sub-process of 13 tasks');
SELECT * FROM pg_temp.runs_to_the_end('deep', 6, 2, 'sub-processes nested 6 levels');

-- The state of a new instance of key once bpm.start returns.
CREATE FUNCTION pg_temp.state_after_start(key text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    inst bigint := bpm.start(key);
BEGIN
    RETURN (SELECT state FROM bpm.instance WHERE id = inst);
END
$$;

-- Deep nesting: deployed with the usual stack, it runs to the end.
SELECT lives_ok($$ SELECT bpm.deploy(pg_temp.nested('deep500', 500, 0)) $$,
    'sub-processes nested 500 levels deploy');
SELECT is(pg_temp.state_after_start('deep500'), 'completed',
    'sub-processes nested 500 levels run to the end');

-- stages nested depth levels, a human task in the innermost.
CREATE FUNCTION pg_temp.stages(key text, depth int) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    items jsonb := '[{"id": "h", "type": "human_task"}]';
    lvl int;
BEGIN
    FOR lvl IN 1..depth LOOP
        items := jsonb_build_array(jsonb_build_object('id', 'st' || lvl, 'type', 'stage',
                                                      'auto_complete', true, 'items', items));
    END LOOP;
    RETURN jsonb_build_object('key', key, 'kind', 'case', 'auto_complete', true, 'plan', items);
END
$$;

SELECT lives_ok($$ SELECT bpm.deploy(pg_temp.stages('stages500', 500)) $$,
    'stages nested 500 levels deploy');
CREATE TEMP TABLE opened AS SELECT bpm.open_case('stages500') AS id;
SELECT is(pg_temp.work_through((SELECT id FROM opened)), '{h}',
    'the task in the innermost of 500 stages is open');
SELECT is((SELECT state FROM bpm.instance WHERE id = (SELECT id FROM opened)), 'completed',
    'the case of 500 nested stages completes');

-- A backend compiles a definition again when it first runs it: with a small
-- stack, the compiler's guard refuses the nesting (and the engine's guards
-- no less), instead of overflowing the stack.
SELECT bpm.deploy(pg_temp.nested('deep_again', 500, 0));
SELECT bpm.deploy(pg_temp.stages('stages_again', 500));
SET LOCAL max_stack_depth = '100kB';
SELECT throws_ok($$ SELECT bpm.start('deep_again') $$, '54001', NULL,
    'sub-processes nested 500 levels, compiled with a 100kB stack: 54001');
SELECT throws_ok($$ SELECT bpm.open_case('stages_again') $$, '54001', NULL,
    'stages nested 500 levels, compiled with a 100kB stack: 54001');
RESET max_stack_depth;
SELECT is(pg_temp.state_after_start('deep_again'), 'completed',
    'with the usual stack it runs to the end');

SELECT is((SELECT bool_and(v.ok) FROM bpm.instance i, bpm.verify_events(i.id) v), true,
    'every event chain verifies');

SELECT * FROM finish();
ROLLBACK;
