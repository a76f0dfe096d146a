-- test/fuzz/setup.sql — the SQL side of the fuzz harness (test/fuzz/fuzz.pl).
--
-- fuzz.try(definition, data, output) runs one generated input: deploy the
-- definition, start it (a process) or open it (a case) with data, then
-- drive it for a few rounds: complete every open task and every external
-- job with output (a task as its assignee), start every enabled plan item, move the clock 40 days
-- on and run the due jobs. Everything runs in a subtransaction that is
-- rolled back at the end, so inputs cannot see each other and errors are
-- an outcome like any other. The result names how far the input got and
-- the SQLSTATEs met, each with its first message (separated by \x1f). A crash of the backend is what
-- fuzz.pl looks for: the connection is lost.

CREATE SCHEMA fuzz;

-- Script tasks and SQL service tasks of generated definitions call these.
CREATE FUNCTION fuzz.pass(data jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT data $$;
CREATE FUNCTION fuzz.grow(data jsonb) RETURNS jsonb LANGUAGE sql
    AS $$ SELECT jsonb_build_object('n', coalesce((data->>'n')::numeric, 0) + 1, 'ok', true) $$;
CREATE FUNCTION fuzz.fail(data jsonb) RETURNS jsonb LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'fuzz failure'; END $$;
CREATE FUNCTION fuzz.bpmn_error(data jsonb) RETURNS jsonb LANGUAGE plpgsql
    AS $$ BEGIN PERFORM bpm.bpmn_error('E1', 'fuzz error'); RETURN data; END $$;
CREATE FUNCTION fuzz.scalar(data jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '42'::jsonb $$;

-- Note the SQLSTATE of a failed step, once, with its message.
CREATE FUNCTION fuzz.note(seen text[], state text, message text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT FROM unnest(seen) s WHERE s LIKE state || ':%') THEN seen
                ELSE seen || (state || ':' || translate(coalesce(message, ''), E'\x1f\n', '  ')) END
$$;

CREATE FUNCTION fuzz.try(definition jsonb, data jsonb, output jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    reached text := 'refused';
    seen text[] := '{}';
    is_case boolean := coalesce(definition->>'kind', '') = 'case';
    iid bigint;
    r record;
    round integer;
    st text;
    msg text;
BEGIN
    BEGIN
        BEGIN
            PERFORM bpm.deploy(definition);
            reached := 'deployed';
            IF is_case THEN
                iid := bpm.open_case(definition->>'key', data);
            ELSE
                iid := bpm.start(definition->>'key', data);
            END IF;
            reached := 'started';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
            seen := fuzz.note(seen, st, msg);
        END;
        FOR round IN 1..5 LOOP
            EXIT WHEN iid IS NULL;
            FOR r IN SELECT id, assignee FROM bpm.task_store WHERE status = 'open' ORDER BY id LIMIT 50 LOOP
                BEGIN
                    PERFORM bpm.act_as(r.assignee);     -- NULL: as this role
                    PERFORM bpm.complete_task(r.id, output);
                EXCEPTION WHEN OTHERS THEN
                    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                    seen := fuzz.note(seen, st, msg);
                END;
            END LOOP;
            FOR r IN SELECT DISTINCT topic FROM bpm.job WHERE kind = 'external' AND topic IS NOT NULL LOOP
                BEGIN
                    PERFORM bpm.complete_job(j.id, 'fuzz', output)
                       FROM bpm.fetch_and_lock(r.topic, 'fuzz', 10) j;
                EXCEPTION WHEN OTHERS THEN
                    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                    seen := fuzz.note(seen, st, msg);
                END;
            END LOOP;
            FOR r IN SELECT case_id, item_id FROM bpm.plan_item WHERE state = 'enabled' ORDER BY id LIMIT 20 LOOP
                BEGIN
                    PERFORM bpm.start_item(r.case_id, r.item_id);
                EXCEPTION WHEN OTHERS THEN
                    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                    seen := fuzz.note(seen, st, msg);
                END;
            END LOOP;
            BEGIN
                IF is_case THEN
                    PERFORM bpm.update_case(iid, output);
                END IF;
                PERFORM set_config('pg_bpm.mock_now',
                                   (timestamptz '2030-01-01 00:00:00+00' + round * interval '40 days')::text,
                                   true);
                PERFORM bpm.run_jobs(50);
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                seen := fuzz.note(seen, st, msg);
            END;
            EXIT WHEN NOT EXISTS (SELECT FROM bpm.instance WHERE id = iid AND state = 'running');
        END LOOP;
        IF iid IS NOT NULL THEN
            SELECT CASE WHEN state = 'running' THEN 'started' ELSE state END INTO reached
              FROM bpm.instance WHERE id = iid;
            IF NOT (SELECT ok FROM bpm.verify_events(iid)) THEN
                seen := fuzz.note(seen, 'chain', NULL);
            END IF;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'F0Z01';  -- undo the input's work
    EXCEPTION WHEN SQLSTATE 'F0Z01' THEN
        NULL;
    END;
    RETURN reached || CASE WHEN seen = '{}' THEN '' ELSE ' ' || array_to_string(seen, E'\x1f') END;
END
$$;
