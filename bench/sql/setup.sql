-- bench/sql/setup.sql: the benchmark's process definitions and the
-- hand-written baseline it is compared with.
--
-- Run once in a fresh database that has pg_bpm installed (bench/run does).
--
-- Three processes, deployed to the engine:
--   bench_seq5   start -> t1 -> t2 -> t3 -> t4 -> t5 -> end        (user tasks)
--   bench_fork4  start -> fork -> {a, b, c, d} -> join -> end     (parallel gateways)
--   bench_jobs   start -> svc (service task, topic 'bench') -> end
--
-- The baseline (schema "baseline") does the same row writes as the engine,
-- step for step, written by hand in plpgsql: its tables are copies of
-- bpm's (same columns, defaults, checks, indexes and foreign keys), each
-- step writes the same instance, token, task and job rows and the same
-- number of event rows (same kinds, SHA-256 chained per instance, the
-- chain anchored on the instance row), takes the same instance row lock,
-- and sends the same NOTIFY. What it does not have is the engine: the
-- routing is hard-coded per node, there are no triggers, no rule checks
-- beyond "the task is open", no compiled graph, no role switching.
-- bench/run checks that both write the same rows per step (parity check).

SET client_min_messages = warning;

SELECT bpm.deploy($${
  "key": "bench_seq5", "name": "five sequential user tasks",
  "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "t1", "type": "user_task", "name": "task 1"},
    {"id": "t2", "type": "user_task", "name": "task 2"},
    {"id": "t3", "type": "user_task", "name": "task 3"},
    {"id": "t4", "type": "user_task", "name": "task 4"},
    {"id": "t5", "type": "user_task", "name": "task 5"},
    {"id": "end", "type": "end_event"}
  ],
  "flows": [
    {"from": "start", "to": "t1"}, {"from": "t1", "to": "t2"}, {"from": "t2", "to": "t3"},
    {"from": "t3", "to": "t4"}, {"from": "t4", "to": "t5"}, {"from": "t5", "to": "end"}
  ]}$$);

SELECT bpm.deploy($${
  "key": "bench_fork4", "name": "four parallel user tasks",
  "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "fork", "type": "parallel_gateway"},
    {"id": "a", "type": "user_task", "name": "branch a"},
    {"id": "b", "type": "user_task", "name": "branch b"},
    {"id": "c", "type": "user_task", "name": "branch c"},
    {"id": "d", "type": "user_task", "name": "branch d"},
    {"id": "join", "type": "parallel_gateway"},
    {"id": "end", "type": "end_event"}
  ],
  "flows": [
    {"from": "start", "to": "fork"},
    {"from": "fork", "to": "a"}, {"from": "fork", "to": "b"},
    {"from": "fork", "to": "c"}, {"from": "fork", "to": "d"},
    {"from": "a", "to": "join"}, {"from": "b", "to": "join"},
    {"from": "c", "to": "join"}, {"from": "d", "to": "join"},
    {"from": "join", "to": "end"}
  ]}$$);

SELECT bpm.deploy($${
  "key": "bench_jobs", "name": "one external service task",
  "nodes": [
    {"id": "start", "type": "start_event"},
    {"id": "svc", "type": "service_task", "name": "call the service", "topic": "bench"},
    {"id": "end", "type": "end_event"}
  ],
  "flows": [{"from": "start", "to": "svc"}, {"from": "svc", "to": "end"}]}$$);

-- ------------------------------------------------------------- baseline

DROP SCHEMA IF EXISTS baseline CASCADE;
CREATE SCHEMA baseline;

CREATE SCHEMA IF NOT EXISTS bench;

-- The table behind one of bpm's runtime relations: bpm.<name>_store when
-- bpm.<name> is a view over it (bpm.task is), else bpm.<name> itself.
CREATE OR REPLACE FUNCTION bench.bpm_table(p_name text) RETURNS regclass
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(to_regclass('bpm.' || p_name || '_store'), to_regclass('bpm.' || p_name))
$$;

-- The same for either side: baseline's tables have the plain names.
CREATE OR REPLACE FUNCTION bench.side_table(p_side text, p_name text) RETURNS regclass
    LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_side = 'bpm' THEN bench.bpm_table(p_name)
                ELSE to_regclass(quote_ident(p_side) || '.' || quote_ident(p_name)) END
$$;

-- Same columns, defaults, identities, checks and indexes as bpm's tables
-- (LIKE ... INCLUDING ALL), and the same foreign keys (LIKE copies none).
DO $$
DECLARE
    v_name text;
BEGIN
    FOREACH v_name IN ARRAY ARRAY['definition', 'instance', 'token', 'task', 'job', 'event'] LOOP
        EXECUTE format('CREATE TABLE baseline.%I (LIKE %s INCLUDING ALL)', v_name, bench.bpm_table(v_name));
    END LOOP;
END $$;
ALTER TABLE baseline.instance
    ADD FOREIGN KEY (definition_id) REFERENCES baseline.definition,
    ADD FOREIGN KEY (parent_id) REFERENCES baseline.instance;

INSERT INTO baseline.definition (key, version, kind, name, source_format, source,
                                 content_hash, deployed_by, deployed_by_oid)
SELECT key, version, kind, name, source_format, source, content_hash, deployed_by, deployed_by_oid
  FROM bpm.definition WHERE key LIKE 'bench\_%' ORDER BY id;

-- The newest event of an instance: its id and hash (the chain anchor).
CREATE TYPE baseline.ev AS (id bigint, hash bytea);

-- One event row, hash-chained to the previous one of the instance: SHA-256
-- over the previous hash and the event's fields. Returns its id and hash.
-- Called as an assignment (v := baseline.event(...)), the cheap way to
-- call a function from plpgsql.
CREATE FUNCTION baseline.event(p_instance bigint, p_prev bytea, p_kind text, p_node text,
                               p_task bigint, p_job bigint, p_data jsonb)
    RETURNS baseline.ev LANGUAGE plpgsql AS $$
DECLARE
    v_at    timestamptz := clock_timestamp();
    v_txid  bigint := txid_current();
    v_actor text := current_user;
    v       baseline.ev;
BEGIN
    v.hash := sha256(coalesce(p_prev, '\x'::bytea) ||
                     convert_to(concat_ws('|', p_instance, v_at, v_txid, v_actor, p_kind, p_node,
                                          p_task, p_job, p_data), 'UTF8'));
    INSERT INTO baseline.event (instance_id, at, txid, actor, kind, node_id, task_id,
                                job_id, data, prev_hash, hash)
    VALUES (p_instance, v_at, v_txid, v_actor, p_kind, p_node, p_task, p_job, p_data,
            p_prev, v.hash)
    RETURNING id INTO v.id;
    RETURN v;
END $$;

-- The patch/replaced payload of a data_changed event.
CREATE FUNCTION baseline.data_changed(p_old jsonb, p_patch jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('patch', p_patch, 'replaced',
             coalesce((SELECT jsonb_object_agg(k, p_old -> k)
                         FROM jsonb_object_keys(p_patch) AS k WHERE p_old ? k), '{}'))
$$;

-- A user task row and its task_created event; returns the event.
CREATE FUNCTION baseline.create_task(p_instance bigint, p_token bigint, p_node text,
                                     p_title text, p_prev bytea)
    RETURNS baseline.ev LANGUAGE plpgsql AS $$
DECLARE
    v_task bigint;
BEGIN
    INSERT INTO baseline.task (instance_id, token_id, node_id, title, assignee,
                               candidate_groups, priority, due_at, required)
    VALUES (p_instance, p_token, p_node, p_title, NULL, '{}', 50, NULL, '{}')
    RETURNING id INTO v_task;
    RETURN baseline.event(p_instance, p_prev, 'task_created', p_node, v_task, NULL,
                          '{"assignee": null, "candidate_groups": [], "priority": 50}');
END $$;

-- baseline.start: like bpm.start for the three bench processes.
CREATE FUNCTION baseline.start(p_key text, p_data jsonb DEFAULT '{}', p_business_key text DEFAULT NULL)
    RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_def   bigint;
    v_inst  bigint;
    v_token bigint;
    v_job   bigint;
    v       baseline.ev;
    v_node  text;
BEGIN
    SELECT id INTO v_def FROM baseline.definition
     WHERE key = p_key AND kind = 'process' ORDER BY version DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'process definition "%" does not exist', p_key USING ERRCODE = '42704';
    END IF;
    -- a root instance is its own family's root (root_id), as the engine writes it
    INSERT INTO baseline.instance (id, definition_id, business_key, data, started_by, root_id)
    OVERRIDING SYSTEM VALUE
    SELECT n, v_def, p_business_key, p_data, current_user, n
      FROM nextval(pg_get_serial_sequence('baseline.instance', 'id')) AS n
    RETURNING id INTO v_inst;
    v := baseline.event(v_inst, NULL, 'instance_started', NULL, NULL, NULL,
                        jsonb_build_object('definition', p_key, 'data', p_data));
    v := baseline.event(v_inst, v.hash, 'token_moved', 'start', NULL, NULL, NULL);
    IF p_key = 'bench_seq5' THEN
        v := baseline.event(v_inst, v.hash, 'token_moved', 't1', NULL, NULL, '{"flow": "start->t1"}');
        INSERT INTO baseline.token (instance_id, node_id, scope_id, state, arrived_via)
        VALUES (v_inst, 't1', NULL, 'waiting', 'start->t1') RETURNING id INTO v_token;
        v := baseline.create_task(v_inst, v_token, 't1', 'task 1', v.hash);
    ELSIF p_key = 'bench_fork4' THEN
        v := baseline.event(v_inst, v.hash, 'token_moved', 'fork', NULL, NULL, '{"flow": "start->fork"}');
        FOREACH v_node IN ARRAY ARRAY['a', 'b', 'c', 'd'] LOOP
            v := baseline.event(v_inst, v.hash, 'token_moved', v_node, NULL, NULL,
                                jsonb_build_object('flow', 'fork->' || v_node));
            INSERT INTO baseline.token (instance_id, node_id, scope_id, state, arrived_via)
            VALUES (v_inst, v_node, NULL, 'waiting', 'fork->' || v_node) RETURNING id INTO v_token;
            v := baseline.create_task(v_inst, v_token, v_node, 'branch ' || v_node, v.hash);
        END LOOP;
    ELSIF p_key = 'bench_jobs' THEN
        v := baseline.event(v_inst, v.hash, 'token_moved', 'svc', NULL, NULL, '{"flow": "start->svc"}');
        INSERT INTO baseline.token (instance_id, node_id, scope_id, state, arrived_via)
        VALUES (v_inst, 'svc', NULL, 'waiting', 'start->svc') RETURNING id INTO v_token;
        INSERT INTO baseline.job (instance_id, token_id, node_id, topic, retries)
        VALUES (v_inst, v_token, 'svc', 'bench', 3) RETURNING id INTO v_job;
        v := baseline.event(v_inst, v.hash, 'job_created', 'svc', NULL, v_job, '{"topic": "bench"}');
        PERFORM pg_notify('baseline_jobs', 'bench');
    ELSE
        RAISE EXCEPTION 'baseline: no hand-written process "%"', p_key;
    END IF;
    UPDATE baseline.instance
       SET data = p_data, state = 'running', ended_at = NULL, ended_by = NULL,
           last_event_id = v.id, last_event_hash = v.hash
     WHERE id = v_inst;
    RETURN v_inst;
END $$;

-- After a task or job: the token that waited there moves on. Routing is
-- hard-coded by node (node ids are unique across the three processes).
-- Returns the instance state and its newest event.
CREATE TYPE baseline.moved AS (state text, id bigint, hash bytea);

CREATE FUNCTION baseline.move_on(p_instance bigint, p_token bigint, p_node text, p_ev baseline.ev)
    RETURNS baseline.moved LANGUAGE plpgsql AS $$
DECLARE
    v_next    text;
    v_joining integer;
    v         baseline.ev := p_ev;
BEGIN
    IF p_node IN ('t1', 't2', 't3', 't4') THEN
        v_next := 't' || (substr(p_node, 2)::int + 1);
        v := baseline.event(p_instance, v.hash, 'token_moved', v_next, NULL, NULL,
                            jsonb_build_object('flow', p_node || '->' || v_next));
        UPDATE baseline.token SET node_id = v_next, scope_id = NULL, state = 'waiting',
                                  arrived_via = p_node || '->' || v_next
         WHERE instance_id = p_instance AND id = p_token;
        v := baseline.create_task(p_instance, p_token, v_next, 'task ' || substr(v_next, 2), v.hash);
        RETURN ('running'::text, v.id, v.hash);
    ELSIF p_node IN ('a', 'b', 'c', 'd') THEN
        v := baseline.event(p_instance, v.hash, 'token_moved', 'join', NULL, NULL,
                            jsonb_build_object('flow', p_node || '->join'));
        SELECT count(*) INTO v_joining FROM baseline.token
         WHERE instance_id = p_instance AND state = 'joining';
        IF v_joining < 3 THEN
            UPDATE baseline.token SET node_id = 'join', scope_id = NULL, state = 'joining',
                                      arrived_via = p_node || '->join'
             WHERE instance_id = p_instance AND id = p_token;
            RETURN ('running'::text, v.id, v.hash);
        END IF;
        DELETE FROM baseline.token WHERE instance_id = p_instance;
        v := baseline.event(p_instance, v.hash, 'token_moved', 'end', NULL, NULL, '{"flow": "join->end"}');
    ELSE  -- t5, svc: to the end event
        v := baseline.event(p_instance, v.hash, 'token_moved', 'end', NULL, NULL,
                            jsonb_build_object('flow', p_node || '->end'));
        DELETE FROM baseline.token WHERE instance_id = p_instance AND id = p_token;
    END IF;
    v := baseline.event(p_instance, v.hash, 'instance_completed', NULL, NULL, NULL, NULL);
    RETURN ('completed'::text, v.id, v.hash);
END $$;

-- baseline.complete_task: like bpm.complete_task.
CREATE FUNCTION baseline.complete_task(p_task bigint, p_data jsonb DEFAULT '{}') RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    v_inst  bigint;
    v_token bigint;
    v_node  text;
    v_state text;
    v_status text;
    v_data  jsonb;
    v       baseline.ev;
    m       baseline.moved;
BEGIN
    SELECT instance_id INTO v_inst FROM baseline.task WHERE id = p_task;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'task % does not exist', p_task USING ERRCODE = '42704';
    END IF;
    -- the instance row lock first, as the engine does, then the task as it is now
    SELECT state, data, last_event_id, last_event_hash INTO v_state, v_data, v.id, v.hash
      FROM baseline.instance WHERE id = v_inst FOR NO KEY UPDATE;
    IF v_state <> 'running' THEN
        RAISE EXCEPTION 'task % cannot be completed: instance % is %', p_task, v_inst, v_state
            USING ERRCODE = '55000';
    END IF;
    SELECT status, token_id, node_id INTO v_status, v_token, v_node FROM baseline.task WHERE id = p_task;
    IF v_status <> 'open' THEN
        RAISE EXCEPTION 'task % is already %', p_task, v_status USING ERRCODE = '55000';
    END IF;
    -- by id alone: "AND status = 'open'" here can be planned as a scan of
    -- the partial index on open tasks (see bench/RESULTS.md)
    UPDATE baseline.task
       SET status = 'completed', output = p_data, completed_at = now(), completed_by = current_user
     WHERE id = p_task;
    v := baseline.event(v_inst, v.hash, 'task_completed', v_node, p_task, NULL, NULL);
    IF p_data <> '{}' THEN
        v := baseline.event(v_inst, v.hash, 'data_changed', v_node, p_task, NULL,
                            baseline.data_changed(v_data, p_data));
        v_data := v_data || p_data;
    END IF;
    m := baseline.move_on(v_inst, v_token, v_node, v);
    UPDATE baseline.instance
       SET data = v_data, state = m.state,
           ended_at = CASE WHEN m.state = 'running' THEN NULL ELSE coalesce(ended_at, now()) END,
           ended_by = CASE WHEN m.state = 'running' THEN NULL ELSE coalesce(ended_by, current_user) END,
           last_event_id = m.id, last_event_hash = m.hash
     WHERE id = v_inst;
END $$;

-- baseline.fetch_and_lock: like bpm.fetch_and_lock.
CREATE FUNCTION baseline.fetch_and_lock(p_topic text, p_worker text, p_max integer DEFAULT 1,
                                        p_lock_for interval DEFAULT '5 minutes')
    RETURNS SETOF baseline.job LANGUAGE plpgsql AS $$
DECLARE
    r     record;
    v_job baseline.job;
    v     baseline.ev;
BEGIN
    FOR r IN
        SELECT j.id, j.instance_id, j.node_id FROM baseline.job j
          JOIN baseline.instance inst ON inst.id = j.instance_id
         WHERE j.topic = p_topic AND j.retries > 0 AND j.due_at <= now()
           AND (j.lock_expires_at IS NULL OR j.lock_expires_at <= now())
         ORDER BY j.due_at, j.id LIMIT p_max
           FOR UPDATE OF j SKIP LOCKED FOR NO KEY UPDATE OF inst SKIP LOCKED
    LOOP
        UPDATE baseline.job
           SET locked_by = p_worker, lock_expires_at = now() + p_lock_for, attempts = attempts + 1
         WHERE id = r.id RETURNING * INTO v_job;
        SELECT last_event_hash INTO v.hash FROM baseline.instance WHERE id = r.instance_id;
        v := baseline.event(r.instance_id, v.hash, 'job_locked', r.node_id, NULL, r.id,
                            jsonb_build_object('worker', p_worker));
        UPDATE baseline.instance SET last_event_id = v.id, last_event_hash = v.hash
         WHERE id = r.instance_id;
        RETURN NEXT v_job;
    END LOOP;
END $$;

-- baseline.complete_job: like bpm.complete_job.
CREATE FUNCTION baseline.complete_job(p_job bigint, p_worker text, p_data jsonb DEFAULT '{}')
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_inst  bigint;
    j       record;
    v_state text;
    v_data  jsonb;
    v       baseline.ev;
    m       baseline.moved;
BEGIN
    SELECT instance_id INTO v_inst FROM baseline.job WHERE id = p_job;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job % does not exist', p_job USING ERRCODE = '42704';
    END IF;
    SELECT state, data, last_event_id, last_event_hash INTO v_state, v_data, v.id, v.hash
      FROM baseline.instance WHERE id = v_inst FOR NO KEY UPDATE;
    SELECT token_id, node_id, topic, locked_by, retries INTO j
      FROM baseline.job WHERE id = p_job FOR UPDATE;
    IF j.retries = 0 OR j.locked_by IS DISTINCT FROM p_worker THEN
        RAISE EXCEPTION 'job % is not locked by worker "%"', p_job, p_worker USING ERRCODE = '55000';
    END IF;
    DELETE FROM baseline.job WHERE id = p_job;
    v := baseline.event(v_inst, v.hash, 'job_completed', j.node_id, NULL, p_job,
                        jsonb_build_object('worker', p_worker));
    IF p_data <> '{}' THEN
        v := baseline.event(v_inst, v.hash, 'data_changed', j.node_id, NULL, p_job,
                            baseline.data_changed(v_data, p_data));
        v_data := v_data || p_data;
    END IF;
    m := baseline.move_on(v_inst, j.token_id, j.node_id, v);
    UPDATE baseline.instance
       SET data = v_data, state = m.state,
           ended_at = CASE WHEN m.state = 'running' THEN NULL ELSE coalesce(ended_at, now()) END,
           ended_by = CASE WHEN m.state = 'running' THEN NULL ELSE coalesce(ended_by, current_user) END,
           last_event_id = m.id, last_event_hash = m.hash
     WHERE id = v_inst;
END $$;
