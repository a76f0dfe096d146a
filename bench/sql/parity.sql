-- bench/sql/parity.sql: checks that the baseline writes the same rows per
-- step as the engine. For every step of the three bench processes it
-- records, on each side, the rows inserted/updated/deleted per table
-- (pg_stat_xact_user_tables of the step's own transaction) and the kinds of
-- the events written, then prints them side by side; bench/run stops if
-- they differ. Not a timing test: it runs one instance of each process.

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bench;

CREATE TABLE IF NOT EXISTS bench.parity (
    side     text NOT NULL,
    scenario text NOT NULL,
    step     integer NOT NULL,
    what     text NOT NULL,
    writes   text NOT NULL,
    events   text NOT NULL,
    PRIMARY KEY (side, scenario, step)
);
TRUNCATE bench.parity;

-- Rows written so far in this transaction to the schema's runtime tables
-- (the pending counters of pg_stat_xact_user_tables; inside a procedure
-- they run on across COMMITs, so steps are measured as differences).
-- Tables by their logical name (bpm.task_store counts as "task").
CREATE OR REPLACE FUNCTION bench.xact_counts(p_schema text) RETURNS jsonb
    LANGUAGE sql AS $$
    SELECT coalesce(jsonb_object_agg(n.name, jsonb_build_array(s.n_tup_ins, s.n_tup_upd, s.n_tup_del)), '{}')
      FROM unnest(ARRAY['instance', 'token', 'task', 'job', 'event']) AS n(name)
      JOIN pg_stat_xact_user_tables s ON s.relid = bench.side_table(p_schema, n.name)
$$;

-- "event:+4 instance:+1,~1 ...": what was written between two counts.
CREATE OR REPLACE FUNCTION bench.writes_between(p_before jsonb, p_after jsonb) RETURNS text
    LANGUAGE sql AS $$
    SELECT coalesce(string_agg(t.rel || ':' || concat_ws(',', nullif('+' || t.ins, '+0'),
                                                          nullif('~' || t.upd, '~0'),
                                                          nullif('-' || t.del, '-0')),
                               ' ' ORDER BY t.rel), '')
      FROM (SELECT a.key AS rel,
                   (a.value->>0)::bigint - coalesce((p_before->a.key->>0)::bigint, 0) AS ins,
                   (a.value->>1)::bigint - coalesce((p_before->a.key->>1)::bigint, 0) AS upd,
                   (a.value->>2)::bigint - coalesce((p_before->a.key->>2)::bigint, 0) AS del
              FROM jsonb_each(p_after) a) t
     WHERE t.ins + t.upd + t.del > 0
$$;

CREATE OR REPLACE PROCEDURE bench.parity_side(p_side text)
    LANGUAGE plpgsql AS $$
DECLARE
    v_scenario text;
    v_inst     bigint;
    v_id       bigint;
    v_step     integer;
    v_ev0      bigint;
    v_what     text;
    v_before   jsonb;
BEGIN
    FOREACH v_scenario IN ARRAY ARRAY['bench_seq5', 'bench_fork4', 'bench_jobs'] LOOP
        v_step := 0;
        LOOP
            EXECUTE format('SELECT coalesce(max(id), 0) FROM %I.event', p_side) INTO v_ev0;
            v_before := bench.xact_counts(p_side);
            IF v_step = 0 THEN
                EXECUTE format('SELECT %I.start(%L)', p_side, v_scenario) INTO v_inst;
                v_what := 'start';
            ELSIF v_scenario = 'bench_jobs' AND v_step = 1 THEN
                EXECUTE format('SELECT id FROM %I.fetch_and_lock(''bench'', ''w1'', 1)', p_side) INTO v_id;
                v_what := 'fetch_and_lock';
            ELSIF v_scenario = 'bench_jobs' THEN
                EXECUTE format('SELECT %I.complete_job($1, ''w1'', ''{"ok": true}'')', p_side) USING v_id;
                v_what := 'complete_job';
            ELSE
                EXECUTE format('SELECT min(id) FILTER (WHERE status = ''open'') FROM %I.task WHERE instance_id = $1',
                               p_side) INTO v_id USING v_inst;
                EXIT WHEN v_id IS NULL;
                EXECUTE format('SELECT %I.complete_task($1, ''{"ok": true}'')', p_side) USING v_id;
                v_what := 'complete_task';
            END IF;
            EXECUTE format($q$
                INSERT INTO bench.parity
                SELECT %L, %L, %s, %L, bench.writes_between(%L, bench.xact_counts(%L)),
                       coalesce(string_agg(kind, ' ' ORDER BY id), '')
                  FROM %I.event WHERE id > %s$q$,
                p_side, v_scenario, v_step, v_what, v_before, p_side, p_side, v_ev0);
            COMMIT;
            v_step := v_step + 1;
            EXIT WHEN v_scenario = 'bench_jobs' AND v_step = 3;
        END LOOP;
    END LOOP;
END $$;

CALL bench.parity_side('bpm');
CALL bench.parity_side('baseline');

\pset footer off
SELECT e.scenario, e.step, e.what, e.writes AS "rows written per step (+ins ~upd -del)",
       e.events AS "events written",
       CASE WHEN e.writes = b.writes AND e.events = b.events THEN 'same'
            ELSE 'DIFFERENT: baseline ' || b.writes || ' / ' || b.events END AS baseline
  FROM bench.parity e
  JOIN bench.parity b ON b.side = 'baseline' AND b.scenario = e.scenario AND b.step = e.step
 WHERE e.side = 'bpm'
 ORDER BY array_position(ARRAY['bench_seq5', 'bench_fork4', 'bench_jobs'], e.scenario), e.step;

SELECT count(*) FILTER (WHERE e.writes IS DISTINCT FROM b.writes OR e.events IS DISTINCT FROM b.events)
           AS parity_differences
  FROM bench.parity e
  FULL JOIN (SELECT * FROM bench.parity WHERE side = 'baseline') b USING (scenario, step)
 WHERE e.side = 'bpm' OR e.side IS NULL \gset
\echo parity_differences :parity_differences
