-- bench/sql/workers_setup.sql: the processes and baseline of bench/workers.sh
-- (the background workers: timer lateness and async job throughput).
--
-- Run once in a fresh database that has pg_bpm installed.
--
--   wb_tick   start -> t (timer, "date": "$.due") -> end
--             due at a moment the driver puts in the data: lateness is
--             timer_fired.at - the due_at of the job (its job_created event)
--   wb_soon   start -> t (timer, "duration": "$.wait") -> end
--             a timer created shortly before it falls due, so that the
--             commit that creates it must wake the scheduler
--   wb_async  start -> a (script task wb.noop, "async": true) -> end
--             one async job per instance; running it completes the instance
--
-- The plain-SQL baseline for throughput: a queue table drained one row per
-- transaction (DELETE ... FOR UPDATE SKIP LOCKED, and a row in wb.done), the
-- least a job queue in SQL can do per job.

SET client_min_messages = warning;

CREATE SCHEMA wb;

CREATE FUNCTION wb.noop(data jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE AS $$ SELECT NULL::jsonb $$;

-- ISO 8601 with microseconds and a UTC offset, as timer dates must be.
CREATE FUNCTION wb.iso(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

SELECT bpm.deploy($${"key": "wb_tick", "name": "timer at a date from the data",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "t", "type": "intermediate_event", "timer": {"date": "$.due"}},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "t"}, {"from": "t", "to": "end"}]}$$);

SELECT bpm.deploy($${"key": "wb_soon", "name": "timer after a duration from the data",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "t", "type": "intermediate_event", "timer": {"duration": "$.wait"}},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "t"}, {"from": "t", "to": "end"}]}$$);

SELECT bpm.deploy($${"key": "wb_async", "name": "one async step",
  "nodes": [{"id": "start", "type": "start_event"},
            {"id": "a", "type": "script_task", "function": "wb.noop", "async": true},
            {"id": "end", "type": "end_event"}],
  "flows": [{"from": "start", "to": "a"}, {"from": "a", "to": "end"}]}$$);

CREATE TABLE wb.queue (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    due_at  timestamptz NOT NULL DEFAULT now(),
    payload jsonb);
CREATE INDEX queue_due_idx ON wb.queue (due_at);
CREATE TABLE wb.done (id bigint NOT NULL, at timestamptz NOT NULL);

-- Lateness of the timers of the instances with a business key, in ms.
CREATE FUNCTION wb.lateness(bk text)
    RETURNS TABLE (due timestamptz, fired timestamptz, late_ms double precision)
    LANGUAGE sql STABLE AS $$
    SELECT (c.data->>'due_at')::timestamptz, f.at,
           extract(epoch FROM f.at - (c.data->>'due_at')::timestamptz) * 1000
      FROM bpm.instance i
      JOIN bpm.event c ON c.instance_id = i.id AND c.kind = 'job_created'
      JOIN bpm.event f ON f.instance_id = i.id AND f.job_id = c.job_id AND f.kind = 'timer_fired'
     WHERE i.business_key = bk $$;

-- count | p50 | p90 | p99 | max (ms) | fired/s, of one business key's timers.
CREATE FUNCTION wb.lateness_summary(bk text)
    RETURNS TABLE (n bigint, p50 numeric, p90 numeric, p99 numeric, max numeric, fired_per_s numeric)
    LANGUAGE sql STABLE AS $$
    SELECT count(*),
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY late_ms)::numeric, 1),
           round(percentile_cont(0.9) WITHIN GROUP (ORDER BY late_ms)::numeric, 1),
           round(percentile_cont(0.99) WITHIN GROUP (ORDER BY late_ms)::numeric, 1),
           round(max(late_ms)::numeric, 1),
           round((count(*) - 1) / nullif(extract(epoch FROM max(fired) - min(fired)), 0), 0)
      FROM wb.lateness(bk) $$;
