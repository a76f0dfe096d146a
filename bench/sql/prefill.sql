-- bench/sql/prefill.sql: procedures that fill the tables with completed
-- bench_seq5 instances before a measurement (bench/run calls them).
--
--   CALL bench.prefill('bpm', n, batch)       run the engine itself n times:
--   CALL bench.prefill('baseline', n, batch)  start + complete its 5 tasks,
--                                             a COMMIT every batch instances
--   CALL bench.replicate('bpm', first, last, copies)
--       copy the completed instances first..last (with their tasks and
--       events, ids shifted past the current ones) copies times, a COMMIT
--       per copy: a fast way to a million instances. The copies are
--       ballast for table and index sizes: their event hashes are copied
--       verbatim, so bpm.verify_events reports their chains as broken.
--       It writes the tables themselves (bpm.task_store behind the view
--       bpm.task) as their owner; bpm.event's guard only refuses UPDATE,
--       DELETE and TRUNCATE.

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bench;

CREATE OR REPLACE PROCEDURE bench.prefill(p_side text, p_n integer, p_batch integer DEFAULT 1000)
    LANGUAGE plpgsql AS $$
DECLARE
    v_inst bigint;
    v_task bigint;
BEGIN
    IF p_side NOT IN ('bpm', 'baseline') THEN
        RAISE EXCEPTION 'side must be bpm or baseline, not %', p_side;
    END IF;
    FOR i IN 1 .. p_n LOOP
        -- static statements (cached plans), one branch per side
        IF p_side = 'bpm' THEN
            v_inst := bpm.start('bench_seq5');
            LOOP
                SELECT min(id) FILTER (WHERE status = 'open') INTO v_task FROM bpm.task WHERE instance_id = v_inst;
                EXIT WHEN v_task IS NULL;
                PERFORM bpm.complete_task(v_task, '{"ok": true}');
            END LOOP;
        ELSE
            v_inst := baseline.start('bench_seq5');
            LOOP
                SELECT min(id) FILTER (WHERE status = 'open') INTO v_task FROM baseline.task WHERE instance_id = v_inst;
                EXIT WHEN v_task IS NULL;
                PERFORM baseline.complete_task(v_task, '{"ok": true}');
            END LOOP;
        END IF;
        IF i % p_batch = 0 THEN
            COMMIT;
        END IF;
    END LOOP;
END $$;

CREATE OR REPLACE PROCEDURE bench.replicate(p_side text, p_first bigint, p_last bigint, p_copies integer)
    LANGUAGE plpgsql AS $$
DECLARE
    v_task_first  bigint;
    v_task_last   bigint;
    v_ev_first    bigint;
    v_ev_last     bigint;
    v_inst_shift  bigint;
    v_task_shift  bigint;
    v_ev_shift    bigint;
    -- the tables themselves (bpm.task is a view over bpm.task_store)
    v_instance    regclass := bench.side_table(p_side, 'instance');
    v_task        regclass := bench.side_table(p_side, 'task');
    v_event       regclass := bench.side_table(p_side, 'event');
BEGIN
    EXECUTE format('SELECT min(id), max(id) FROM %s WHERE instance_id BETWEEN $1 AND $2', v_task)
        INTO v_task_first, v_task_last USING p_first, p_last;
    EXECUTE format('SELECT min(id), max(id) FROM %s WHERE instance_id BETWEEN $1 AND $2', v_event)
        INTO v_ev_first, v_ev_last USING p_first, p_last;
    FOR k IN 1 .. p_copies LOOP
        -- shift every id past the largest one in the table now
        EXECUTE format('SELECT max(id) - $1 + 1 FROM %s', v_instance) INTO v_inst_shift USING p_first;
        EXECUTE format('SELECT max(id) - $1 + 1 FROM %s', v_task) INTO v_task_shift USING v_task_first;
        EXECUTE format('SELECT max(id) - $1 + 1 FROM %s', v_event) INTO v_ev_shift USING v_ev_first;
        EXECUTE format($q$
            INSERT INTO %1$s (id, kind, definition_id, parent_id, business_key, state, data,
                              started_at, started_by, ended_at, ended_by, end_reason,
                              last_event_id, last_event_hash) OVERRIDING SYSTEM VALUE
            SELECT id + $3, kind, definition_id, parent_id + $3, business_key, state, data,
                   started_at, started_by, ended_at, ended_by, end_reason,
                   last_event_id + $4, last_event_hash
              FROM %1$s WHERE id BETWEEN $1 AND $2 AND state = 'completed' ORDER BY id$q$, v_instance)
            USING p_first, p_last, v_inst_shift, v_ev_shift;
        EXECUTE format($q$
            INSERT INTO %1$s (id, instance_id, token_id, node_id, title, status, assignee,
                              candidate_groups, priority, due_at, required, output, created_at,
                              completed_at, completed_by) OVERRIDING SYSTEM VALUE
            SELECT t.id + $4, t.instance_id + $3, NULL, t.node_id, t.title, t.status, t.assignee,
                   t.candidate_groups, t.priority, t.due_at, t.required, t.output, t.created_at,
                   t.completed_at, t.completed_by
              FROM %1$s t JOIN %2$s i ON i.id = t.instance_id
             WHERE t.id BETWEEN $5 AND $6 AND i.id BETWEEN $1 AND $2 AND i.state = 'completed'
             ORDER BY t.id$q$, v_task, v_instance)
            USING p_first, p_last, v_inst_shift, v_task_shift, v_task_first, v_task_last;
        EXECUTE format($q$
            INSERT INTO %1$s (id, instance_id, at, txid, actor, kind, node_id, task_id, job_id,
                              definition_id, data, prev_hash, hash) OVERRIDING SYSTEM VALUE
            SELECT e.id + $4, e.instance_id + $3, e.at, e.txid, e.actor, e.kind, e.node_id,
                   e.task_id + $5, e.job_id, e.definition_id, e.data, e.prev_hash, e.hash
              FROM %1$s e JOIN %2$s i ON i.id = e.instance_id
             WHERE e.id BETWEEN $6 AND $7 AND i.id BETWEEN $1 AND $2 AND i.state = 'completed'
             ORDER BY e.id$q$, v_event, v_instance)
            USING p_first, p_last, v_inst_shift, v_ev_shift, v_task_shift, v_ev_first, v_ev_last;
        COMMIT;
    END LOOP;
    -- new rows get ids after the copies
    EXECUTE format($q$SELECT setval(pg_get_serial_sequence(%1$L, 'id'), (SELECT max(id) FROM %1$s)),
                             setval(pg_get_serial_sequence(%2$L, 'id'), (SELECT max(id) FROM %2$s)),
                             setval(pg_get_serial_sequence(%3$L, 'id'), (SELECT max(id) FROM %3$s))$q$,
                   v_instance, v_task, v_event);
END $$;
