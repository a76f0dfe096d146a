-- 10_schema: the installed shape of pg_bpm is its contract with clients.
--
-- Tables, views and their columns (names and types, in order), the exact
-- signatures of the SQL API (argument names and defaults, for named
-- notation), the triggers that enforce the rules, the extension's schema
-- and membership, and what PUBLIC may do: read everything, UPDATE only the
-- seven person-editable columns of the view bpm.task, write nothing else
-- (not bpm.task_store, the table behind the view), call the API but
-- bpm.act_as(text), whose EXECUTE is the right to act for others.
-- Privileges are checked twice: as granted (aclexplode, grantee PUBLIC) and
-- as effective for a fresh role with no grants of its own.
--
-- bpm.task is a view over bpm.task_store so that every UPDATE of a task
-- goes through one INSTEAD OF trigger, which locks the instance before it
-- touches the task row (the engine's lock order; see
-- test/isolation/specs/lock_order.spec). The shape that guarantees it: the
-- view reads only bpm.task_store, has the same columns, and carries only
-- INSTEAD OF triggers; the store carries none and is writable by no one but
-- its owner.
--
-- Runs in its own database (test/run); wrapped in a transaction so the
-- role it creates does not outlive it.
BEGIN;
SELECT no_plan();

CREATE ROLE bpm_tap_nobody NOLOGIN;

-- ------------------------------------------------------------ extension
SELECT has_extension('bpm', 'pg_bpm', 'pg_bpm is installed in schema bpm');
SELECT is(
    (SELECT extrelocatable FROM pg_extension WHERE extname = 'pg_bpm'),
    false,
    'pg_bpm is not relocatable');
SELECT throws_ok(
    'ALTER EXTENSION pg_bpm SET SCHEMA public',
    '0A000',
    'extension "pg_bpm" does not support SET SCHEMA',
    'pg_bpm cannot be moved out of schema bpm');
SELECT is(
    (SELECT nspowner FROM pg_namespace WHERE nspname = 'bpm'),
    (SELECT extowner FROM pg_extension WHERE extname = 'pg_bpm'),
    'schema bpm is owned by the role that created the extension (the engine runs as it)');
SELECT is(
    ARRAY(SELECT c.oid::regclass::text
            FROM pg_class c
           WHERE c.relnamespace = 'bpm'::regnamespace
             AND c.relkind IN ('r', 'v')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d
                              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                AND d.deptype = 'e')
           ORDER BY 1),
    '{}'::text[],
    'every table and view in schema bpm belongs to the extension');
SELECT is(
    ARRAY(SELECT p.oid::regprocedure::text
            FROM pg_proc p
           WHERE p.pronamespace = 'bpm'::regnamespace
             AND NOT EXISTS (SELECT 1 FROM pg_depend d
                              WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                AND d.deptype = 'e')
           ORDER BY 1),
    '{}'::text[],
    'every function in schema bpm belongs to the extension');
SELECT set_eq(
    $$SELECT unnest(extconfig) FROM pg_extension WHERE extname = 'pg_bpm'$$,
    $$SELECT oid FROM pg_class WHERE relnamespace = 'bpm'::regnamespace AND relkind IN ('r', 'S')$$,
    'pg_dump dumps every table and every id sequence of bpm (pg_extension_config_dump)');
SELECT ok(
    (SELECT array_agg(c::regclass) FROM pg_extension, unnest(extconfig) c WHERE extname = 'pg_bpm')
        @> ARRAY['bpm.definition', 'bpm.instance', 'bpm.task_store', 'bpm.job', 'bpm.event',
                 'bpm.actor_group']::regclass[],
    'the key tables are among the dumped ones');
SELECT ok(
    (SELECT array_agg(c::regclass) FROM pg_extension, unnest(extconfig) c WHERE extname = 'pg_bpm')
        @> ARRAY['bpm.task_store', 'bpm.task_store_id_seq']::regclass[],
    'the task rows (bpm.task_store) and their id sequence are dumped');
SELECT ok(
    NOT (SELECT 'bpm.task'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'pg_bpm'),
    'the view bpm.task is not among the dumped relations (its rows are bpm.task_store''s)');
SELECT is(
    pg_get_serial_sequence('bpm.task_store', 'id'),
    'bpm.task_store_id_seq',
    'bpm.task_store_id_seq is the identity sequence of bpm.task_store.id');

-- ------------------------------------------------------- tables and views
SELECT tables_are('bpm',
    ARRAY['actor_group', 'board_card', 'board_column', 'case_link', 'case_role', 'comment', 'definition',
          'document', 'event', 'flow', 'instance', 'job', 'node', 'plan_item', 'task_board', 'task_store',
          'token']);
SELECT views_are('bpm',
    ARRAY['board', 'case_links', 'case_plan', 'cases', 'comments', 'definitions', 'group_tasks', 'incidents',
          'my_cases', 'my_tasks', 'overdue_tasks', 'processes', 'sla_breaches', 'task', 'tasks', 'tasks_by_case',
          'worklist']);
SELECT has_view('bpm', 'task', 'bpm.task is a view');
SELECT has_table('bpm', 'task_store', 'bpm.task_store is a table');
SELECT is(
    ARRAY(SELECT DISTINCT d.refobjid::regclass::text
            FROM pg_rewrite r
            JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                            AND d.refclassid = 'pg_class'::regclass
           WHERE r.ev_class = 'bpm.task'::regclass AND d.refobjid <> 'bpm.task'::regclass
           ORDER BY 1),
    ARRAY['bpm.task_store'],
    'the view bpm.task reads bpm.task_store and nothing else');

CREATE FUNCTION pg_temp.columns_of(rel regclass) RETURNS TABLE (name name, type text)
LANGUAGE sql AS $$
    SELECT attname, format_type(atttypid, atttypmod)
      FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped
     ORDER BY attnum
$$;

SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.definition')$$,
    $$VALUES ('id'::name, 'bigint'), ('key', 'text'), ('version', 'integer'), ('kind', 'text'),
             ('name', 'text'), ('source_format', 'text'), ('source', 'jsonb'),
             ('content_hash', 'bytea'), ('deployed_at', 'timestamp with time zone'),
             ('deployed_by', 'text'), ('deployed_by_oid', 'oid')$$,
    'bpm.definition has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.node')$$,
    $$VALUES ('definition_id'::name, 'bigint'), ('id', 'text'), ('type', 'text'),
             ('name', 'text'), ('scope', 'text'), ('properties', 'jsonb')$$,
    'bpm.node has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.flow')$$,
    $$VALUES ('definition_id'::name, 'bigint'), ('id', 'text'), ('source', 'text'),
             ('target', 'text'), ('condition', 'jsonpath'), ('is_default', 'boolean'),
             ('position', 'integer')$$,
    'bpm.flow has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.instance')$$,
    $$VALUES ('id'::name, 'bigint'), ('kind', 'text'), ('definition_id', 'bigint'),
             ('parent_id', 'bigint'), ('parent_token', 'bigint'), ('business_key', 'text'), ('state', 'text'),
             ('data', 'jsonb'), ('started_at', 'timestamp with time zone'),
             ('started_by', 'text'), ('due_at', 'timestamp with time zone'),
             ('ended_at', 'timestamp with time zone'),
             ('ended_by', 'text'), ('end_reason', 'text'), ('last_event_id', 'bigint'),
             ('last_event_hash', 'bytea'), ('root_id', 'bigint'), ('tokens_hash', 'bytea')$$,
    'bpm.instance has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.token')$$,
    $$VALUES ('instance_id'::name, 'bigint'), ('id', 'bigint'), ('node_id', 'text'),
             ('scope_id', 'bigint'), ('state', 'text'), ('arrived_via', 'text'),
             ('created_at', 'timestamp with time zone')$$,
    'bpm.token has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.task')$$,
    $$VALUES ('id'::name, 'bigint'), ('instance_id', 'bigint'), ('token_id', 'bigint'),
             ('node_id', 'text'), ('title', 'text'), ('status', 'text'), ('assignee', 'text'),
             ('candidate_groups', 'text[]'), ('priority', 'integer'),
             ('due_at', 'timestamp with time zone'), ('required', 'text[]'), ('output', 'jsonb'),
             ('created_at', 'timestamp with time zone'),
             ('completed_at', 'timestamp with time zone'), ('completed_by', 'text'),
             ('escalation_of', 'bigint'), ('description', 'text'), ('parent_task_id', 'bigint'),
             ('labels', 'text[]'), ('follow_up_at', 'timestamp with time zone'),
             ('owner', 'text'), ('delegation_state', 'text'), ('created_by', 'text')$$,
    'bpm.task has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.task_store')$$,
    $$SELECT * FROM pg_temp.columns_of('bpm.task')$$,
    'bpm.task_store has the columns of bpm.task, in the same order, with the same types');
SELECT is(
    (SELECT attidentity FROM pg_attribute WHERE attrelid = 'bpm.task_store'::regclass AND attname = 'id'),
    'a'::"char",
    'bpm.task_store.id is GENERATED ALWAYS AS IDENTITY');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.job')$$,
    $$VALUES ('id'::name, 'bigint'), ('instance_id', 'bigint'), ('definition_id', 'bigint'), ('token_id', 'bigint'),
             ('node_id', 'text'), ('kind', 'text'), ('topic', 'text'), ('retries', 'integer'),
             ('attempts', 'integer'), ('due_at', 'timestamp with time zone'),
             ('locked_by', 'text'), ('lock_expires_at', 'timestamp with time zone'),
             ('last_error', 'text'), ('created_at', 'timestamp with time zone'),
             ('cycle_start', 'timestamp with time zone'), ('occurrence', 'integer')$$,
    'bpm.job has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.actor_group')$$,
    $$VALUES ('actor'::name, 'text'), ('group_name', 'text')$$,
    'bpm.actor_group has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.event')$$,
    $$VALUES ('id'::name, 'bigint'), ('instance_id', 'bigint'),
             ('at', 'timestamp with time zone'), ('txid', 'bigint'), ('actor', 'text'),
             ('kind', 'text'), ('node_id', 'text'), ('task_id', 'bigint'), ('job_id', 'bigint'),
             ('definition_id', 'bigint'), ('data', 'jsonb'), ('prev_hash', 'bytea'),
             ('hash', 'bytea')$$,
    'bpm.event has its columns, in order, with their types');

SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.definitions')$$,
    $$VALUES ('id'::name, 'bigint'), ('key', 'text'), ('version', 'integer'), ('kind', 'text'),
             ('name', 'text'), ('deployed_at', 'timestamp with time zone'),
             ('deployed_by', 'text'), ('is_latest', 'boolean'), ('nodes', 'bigint')$$,
    'view bpm.definitions has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.processes')$$,
    $$VALUES ('id'::name, 'bigint'), ('key', 'text'), ('version', 'integer'),
             ('business_key', 'text'), ('state', 'text'), ('data', 'jsonb'),
             ('started_at', 'timestamp with time zone'), ('started_by', 'text'),
             ('due_at', 'timestamp with time zone'),
             ('ended_at', 'timestamp with time zone'), ('end_reason', 'text'),
             ('waiting_at', 'text[]')$$,
    'view bpm.processes has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.tasks')$$,
    $$VALUES ('id'::name, 'bigint'), ('instance_id', 'bigint'), ('business_key', 'text'),
             ('process_key', 'text'), ('node_id', 'text'), ('title', 'text'),
             ('assignee', 'text'), ('candidate_groups', 'text[]'), ('priority', 'integer'),
             ('due_at', 'timestamp with time zone'), ('required', 'text[]'),
             ('created_at', 'timestamp with time zone'), ('description', 'text'),
             ('parent_task_id', 'bigint'), ('labels', 'text[]'),
             ('follow_up_at', 'timestamp with time zone'), ('owner', 'text'),
             ('delegation_state', 'text')$$,
    'view bpm.tasks has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.my_tasks')$$,
    $$SELECT * FROM pg_temp.columns_of('bpm.tasks')$$,
    'view bpm.my_tasks has the columns of bpm.tasks');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.group_tasks')$$,
    $$SELECT * FROM pg_temp.columns_of('bpm.tasks')$$,
    'view bpm.group_tasks has the columns of bpm.tasks');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.overdue_tasks')$$,
    $$SELECT * FROM pg_temp.columns_of('bpm.tasks')
      UNION ALL VALUES ('overdue_by'::name, 'interval')$$,
    'view bpm.overdue_tasks has the columns of bpm.tasks and overdue_by');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.tasks_by_case')$$,
    $$VALUES ('instance_id'::name, 'bigint'), ('kind', 'text'), ('business_key', 'text'),
             ('process_key', 'text'), ('open_tasks', 'bigint'), ('task_ids', 'bigint[]'),
             ('next_due_at', 'timestamp with time zone')$$,
    'view bpm.tasks_by_case has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.comment')$$,
    $$VALUES ('id'::name, 'bigint'), ('instance_id', 'bigint'), ('task_id', 'bigint'),
             ('actor', 'text'), ('body', 'text'), ('created_at', 'timestamp with time zone')$$,
    'bpm.comment has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.comments')$$,
    $$VALUES ('id'::name, 'bigint'), ('task_id', 'bigint'), ('task_title', 'text'),
             ('instance_id', 'bigint'), ('actor', 'text'), ('body', 'text'),
             ('created_at', 'timestamp with time zone')$$,
    'view bpm.comments has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.task_board')$$,
    $$VALUES ('id'::name, 'bigint'), ('name', 'text'), ('created_at', 'timestamp with time zone'),
             ('created_by', 'text')$$,
    'bpm.task_board has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.board_column')$$,
    $$VALUES ('board_id'::name, 'bigint'), ('position', 'integer'), ('name', 'text'),
             ('is_final', 'boolean')$$,
    'bpm.board_column has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.board_card')$$,
    $$VALUES ('task_id'::name, 'bigint'), ('board_id', 'bigint'), ('column_position', 'integer'),
             ('position', 'integer')$$,
    'bpm.board_card has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.board')$$,
    $$VALUES ('board'::name, 'text'), ('column', 'text'), ('position', 'integer'),
             ('task_id', 'bigint'), ('title', 'text'), ('status', 'text'), ('assignee', 'text'),
             ('owner', 'text'), ('delegation_state', 'text'), ('candidate_groups', 'text[]'),
             ('priority', 'integer'), ('due_at', 'timestamp with time zone'),
             ('labels', 'text[]'), ('parent_task_id', 'bigint'), ('instance_id', 'bigint'),
             ('column_position', 'integer'), ('is_final', 'boolean')$$,
    'view bpm.board has its columns, in order, with their types');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.worklist')$$,
    $$SELECT * FROM pg_temp.columns_of('bpm.tasks')$$,
    'view bpm.worklist has the columns of bpm.tasks');
SELECT results_eq($$SELECT * FROM pg_temp.columns_of('bpm.incidents')$$,
    $$VALUES ('instance_id'::name, 'bigint'), ('job_id', 'bigint'), ('node_id', 'text'),
             ('topic', 'text'), ('error', 'text'), ('attempts', 'integer'),
             ('created_at', 'timestamp with time zone'), ('business_key', 'text'),
             ('kind', 'text')$$,
    'view bpm.incidents has its columns, in order, with their types');

SELECT col_is_pk('bpm', 'instance', 'id', 'bpm.instance.id is its primary key');
SELECT col_is_pk('bpm', 'task_store', 'id', 'bpm.task_store.id is its primary key');
SELECT col_is_pk('bpm', 'job', 'id', 'bpm.job.id is its primary key');
SELECT col_is_pk('bpm', 'event', 'id', 'bpm.event.id is its primary key');
SELECT col_is_unique('bpm', 'definition', ARRAY['key', 'version'],
    'a definition key has each version once');
SELECT col_is_pk('bpm', 'board_card', 'task_id', 'a task has one card at most');
SELECT results_eq(
    $$SELECT conname::text COLLATE "default", pg_get_constraintdef(oid)
        FROM pg_constraint
       WHERE conname IN ('task_free_shape', 'task_delegation_shape', 'comment_target', 'board_card_slot')
       ORDER BY 1$$,
    $$VALUES
      ('board_card_slot', 'UNIQUE (board_id, column_position, "position") DEFERRABLE'),
      ('comment_target', 'CHECK (((task_id IS NOT NULL) OR (instance_id IS NOT NULL)))'),
      ('task_delegation_shape', 'CHECK (((owner IS NULL) = (delegation_state IS NULL)))'),
      ('task_free_shape', 'CHECK (((instance_id IS NOT NULL) OR ((token_id IS NULL) AND (node_id IS NULL) AND (escalation_of IS NULL))))')$$,
    'free tasks have no token, node or escalation; a delegated task has an owner; a comment has a target; card slots are unique per statement');
SELECT results_eq(
    $$SELECT indexname::text COLLATE "default", indexdef FROM pg_indexes
       WHERE schemaname = 'bpm' AND tablename = 'task_store' ORDER BY 1$$,
    $$VALUES
      ('task_assignee_idx', 'CREATE INDEX task_assignee_idx ON bpm.task_store USING btree (assignee) WHERE (assignee IS NOT NULL)'),
      ('task_completed_by_idx', 'CREATE INDEX task_completed_by_idx ON bpm.task_store USING btree (completed_by) WHERE (completed_by IS NOT NULL)'),
      ('task_instance_idx', 'CREATE INDEX task_instance_idx ON bpm.task_store USING btree (instance_id, node_id)'),
      ('task_open_assignee_idx', 'CREATE INDEX task_open_assignee_idx ON bpm.task_store USING btree (assignee) WHERE (status = ''open''::text)'),
      ('task_open_groups_idx', 'CREATE INDEX task_open_groups_idx ON bpm.task_store USING gin (candidate_groups) WHERE (status = ''open''::text)'),
      ('task_owner_idx', 'CREATE INDEX task_owner_idx ON bpm.task_store USING btree (owner) WHERE (owner IS NOT NULL)'),
      ('task_parent_idx', 'CREATE INDEX task_parent_idx ON bpm.task_store USING btree (parent_task_id) WHERE (parent_task_id IS NOT NULL)'),
      ('task_store_pkey', 'CREATE UNIQUE INDEX task_store_pkey ON bpm.task_store USING btree (id)')$$,
    'bpm.task_store has exactly its primary key, the instance, open-assignee and subtask indexes, and those of an actor''s tasks (assignee, owner, completer, open groups)');

-- ------------------------------------------------------------ functions
SELECT functions_are('bpm', ARRAY[
    'act_as', 'add_task', 'assign', 'attach', 'attach_url', 'bpmn_error', 'cancel', 'case_update', 'claim',
    'close_case', 'comment', 'comment_case', 'complete_stage', 'grant_case_role', 'revoke_case_role',
    'complete_job', 'complete_task', 'create_board', 'create_task', 'current_actor', 'delegate', 'deploy',
    'disable_item', 'escalate_to_case', 'event_guard', 'fail_job', 'fetch_and_lock', 'history',
    'instance_refuse_new_family',
    'job_wake_scheduler', 'link_cases', 'may_see', 'move_task', 'now', 'open_case', 'plan_item', 'reenable_item',
    'reopen_case', 'resume_item', 'retry_incident', 'run_jobs', 'runtime_guard', 'start', 'start_item',
    'suspend_item', 'task_refuse_write', 'task_update',
    'throw_error', 'trigger_listener', 'unclaim', 'unlink_cases', 'update_case',
    'verify_events', 'verify_state']);

SELECT has_function('bpm', 'deploy', ARRAY['jsonb']);
SELECT function_returns('bpm', 'deploy', ARRAY['jsonb'], 'bigint');
SELECT has_function('bpm', 'start', ARRAY['text', 'jsonb', 'text']);
SELECT function_returns('bpm', 'start', ARRAY['text', 'jsonb', 'text'], 'bigint');
SELECT has_function('bpm', 'cancel', ARRAY['bigint', 'text']);
SELECT function_returns('bpm', 'cancel', ARRAY['bigint', 'text'], 'void');
SELECT has_function('bpm', 'complete_task', ARRAY['bigint', 'jsonb']);
SELECT function_returns('bpm', 'complete_task', ARRAY['bigint', 'jsonb'], 'void');
SELECT has_function('bpm', 'claim', ARRAY['bigint']);
SELECT function_returns('bpm', 'claim', ARRAY['bigint'], 'void');
SELECT has_function('bpm', 'unclaim', ARRAY['bigint']);
SELECT function_returns('bpm', 'unclaim', ARRAY['bigint'], 'void');
SELECT has_function('bpm', 'assign', ARRAY['bigint', 'text']);
SELECT function_returns('bpm', 'assign', ARRAY['bigint', 'text'], 'void');
SELECT has_function('bpm', 'current_actor', ARRAY[]::name[]);
SELECT function_returns('bpm', 'current_actor', ARRAY[]::name[], 'text');
SELECT has_function('bpm', 'act_as', ARRAY['text']);
SELECT function_returns('bpm', 'act_as', ARRAY['text'], 'void');
SELECT has_function('bpm', 'fetch_and_lock', ARRAY['text', 'text', 'integer', 'interval']);
SELECT function_returns('bpm', 'fetch_and_lock', ARRAY['text', 'text', 'integer', 'interval'],
                        'setof bpm.job');
SELECT has_function('bpm', 'complete_job', ARRAY['bigint', 'text', 'jsonb']);
SELECT function_returns('bpm', 'complete_job', ARRAY['bigint', 'text', 'jsonb'], 'void');
SELECT has_function('bpm', 'fail_job', ARRAY['bigint', 'text', 'text', 'interval']);
SELECT function_returns('bpm', 'fail_job', ARRAY['bigint', 'text', 'text', 'interval'], 'void');
SELECT has_function('bpm', 'throw_error', ARRAY['bigint', 'text', 'text', 'text']);
SELECT function_returns('bpm', 'throw_error', ARRAY['bigint', 'text', 'text', 'text'], 'void');
SELECT has_function('bpm', 'bpmn_error', ARRAY['text', 'text']);
SELECT function_returns('bpm', 'bpmn_error', ARRAY['text', 'text'], 'void');
SELECT has_function('bpm', 'retry_incident', ARRAY['bigint', 'integer']);
SELECT function_returns('bpm', 'retry_incident', ARRAY['bigint', 'integer'], 'void');
SELECT has_function('bpm', 'now', ARRAY[]::name[]);
SELECT function_returns('bpm', 'now', ARRAY[]::name[], 'timestamp with time zone');
SELECT has_function('bpm', 'run_jobs', ARRAY['integer']);
SELECT function_returns('bpm', 'run_jobs', ARRAY['integer'], 'integer');
SELECT has_function('bpm', 'history', ARRAY['bigint']);
SELECT function_returns('bpm', 'history', ARRAY['bigint'], 'setof record');
SELECT has_function('bpm', 'verify_events', ARRAY['bigint']);
SELECT function_returns('bpm', 'verify_events', ARRAY['bigint'], 'setof record');
SELECT has_function('bpm', 'verify_state', ARRAY['bigint']);
SELECT function_returns('bpm', 'verify_state', ARRAY['bigint'], 'setof record');

-- Argument names and defaults are API too: clients call with named notation.
SELECT results_eq(
    $$SELECT p.proname::text COLLATE "default", pg_get_function_arguments(p.oid), pg_get_function_result(p.oid)
        FROM pg_proc p
       WHERE p.pronamespace = 'bpm'::regnamespace AND p.prorettype <> 'trigger'::regtype
       ORDER BY 1$$,
    $$VALUES
      ('act_as', 'actor text', 'void'),
      ('add_task', 'case_id bigint, title text, assignee text DEFAULT NULL::text, candidate_groups text[] DEFAULT ''{}''::text[], priority integer DEFAULT 50, due interval DEFAULT NULL::interval', 'bigint'),
      ('assign', 'task_id bigint, actor text', 'void'),
      ('attach', 'case_id bigint, name text, content bytea, media_type text DEFAULT ''application/octet-stream''::text', 'bigint'),
      ('attach_url', 'case_id bigint, name text, url text, media_type text DEFAULT NULL::text', 'bigint'),
      ('bpmn_error', 'code text, message text DEFAULT NULL::text', 'void'),
      ('cancel', 'instance_id bigint, reason text DEFAULT NULL::text', 'void'),
      ('claim', 'task_id bigint', 'void'),
      ('close_case', 'case_id bigint, outcome text', 'void'),
      ('comment', 'task_id bigint, body text', 'bigint'),
      ('comment_case', 'case_id bigint, body text', 'bigint'),
      ('complete_job', 'job_id bigint, worker text, data jsonb DEFAULT ''{}''::jsonb', 'void'),
      ('complete_stage', 'case_id bigint, stage_id text', 'void'),
      ('complete_task', 'task_id bigint, data jsonb DEFAULT ''{}''::jsonb', 'void'),
      ('create_board', 'name text, columns text[]', 'bigint'),
      ('create_task', 'title text, description text DEFAULT NULL::text, assignee text DEFAULT NULL::text, candidate_groups text[] DEFAULT ''{}''::text[], priority integer DEFAULT 50, due_at timestamp with time zone DEFAULT NULL::timestamp with time zone, parent_task_id bigint DEFAULT NULL::bigint, labels text[] DEFAULT ''{}''::text[], follow_up_at timestamp with time zone DEFAULT NULL::timestamp with time zone, board text DEFAULT NULL::text', 'bigint'),
      ('current_actor', '', 'text'),
      ('delegate', 'task_id bigint, to_actor text', 'void'),
      ('deploy', 'definition jsonb', 'bigint'),
      ('disable_item', 'case_id bigint, item_id text', 'void'),
      ('escalate_to_case', 'instance_id bigint, case_key text, reason text', 'bigint'),
      ('fail_job', 'job_id bigint, worker text, error text, retry_in interval DEFAULT ''00:00:10''::interval', 'void'),
      ('fetch_and_lock', 'topic text, worker text, max_jobs integer DEFAULT 1, lock_for interval DEFAULT ''00:05:00''::interval', 'SETOF bpm.job'),
      ('grant_case_role', 'case_id bigint, role text, actor text', 'void'),
      ('history', 'instance_id bigint', 'TABLE(event_id bigint, at timestamp with time zone, actor text, kind text, node_id text, task_id bigint, job_id bigint, data jsonb, of_instance bigint)'),
      ('link_cases', 'case_id bigint, linked_case_id bigint, kind text DEFAULT ''related''::text', 'void'),
      ('may_see', 'instance_id bigint', 'boolean'),
      ('move_task', 'task_id bigint, column_name text, pos integer DEFAULT NULL::integer, board text DEFAULT NULL::text, data jsonb DEFAULT NULL::jsonb', 'void'),
      ('now', '', 'timestamp with time zone'),
      ('open_case', 'key text, data jsonb DEFAULT ''{}''::jsonb, business_key text DEFAULT NULL::text', 'bigint'),
      ('plan_item', 'case_id bigint, item_id text', 'bigint'),
      ('reenable_item', 'case_id bigint, item_id text', 'void'),
      ('reopen_case', 'case_id bigint, reason text', 'void'),
      ('resume_item', 'case_id bigint, item_id text', 'void'),
      ('retry_incident', 'job_id bigint, retries integer DEFAULT 1', 'void'),
      ('revoke_case_role', 'case_id bigint, role text, actor text', 'void'),
      ('run_jobs', 'max_jobs integer DEFAULT 100', 'integer'),
      ('start', 'key text, data jsonb DEFAULT ''{}''::jsonb, business_key text DEFAULT NULL::text', 'bigint'),
      ('start_item', 'case_id bigint, item_id text', 'bigint'),
      ('suspend_item', 'case_id bigint, item_id text', 'void'),
      ('throw_error', 'job_id bigint, worker text, code text, message text DEFAULT NULL::text', 'void'),
      ('trigger_listener', 'case_id bigint, listener_id text', 'void'),
      ('unclaim', 'task_id bigint', 'void'),
      ('unlink_cases', 'case_id bigint, linked_case_id bigint', 'boolean'),
      ('update_case', 'case_id bigint, patch jsonb', 'void'),
      ('verify_events', 'instance_id bigint', 'TABLE(ok boolean, first_bad_event bigint)'),
      ('verify_state', 'instance_id bigint',
       'TABLE(ok boolean, first_bad_event bigint, mismatch text, expected jsonb, found jsonb)')$$,
    'the API functions have exactly these arguments (names, types, defaults) and results');

-- ------------------------------------------------------------- triggers
SELECT triggers_are('bpm', 'task', ARRAY['task_refuse_write', 'task_update']);
SELECT triggers_are('bpm', 'task_store', ARRAY['task_engine_only', 'task_no_truncate']);
SELECT triggers_are('bpm', 'event', ARRAY['event_append_only', 'event_no_truncate']);
SELECT triggers_are('bpm', 'job', ARRAY['job_engine_only', 'job_no_truncate', 'job_wake_scheduler']);
SELECT triggers_are('bpm', 'instance', ARRAY['instance_family_immutable', 'instance_kept', 'instance_no_truncate']);
SELECT triggers_are('bpm', 'token', ARRAY['token_engine_only', 'token_no_truncate']);
SELECT triggers_are('bpm', 'plan_item', ARRAY['plan_item_engine_only', 'plan_item_no_truncate']);
SELECT triggers_are('bpm', 'cases', ARRAY['case_update']);
SELECT results_eq(
    $$SELECT pg_get_triggerdef(t.oid)
        FROM pg_trigger t
       WHERE t.tgrelid IN ('bpm.task'::regclass, 'bpm.task_store'::regclass, 'bpm.event'::regclass,
                           'bpm.job'::regclass, 'bpm.instance'::regclass, 'bpm.token'::regclass,
                           'bpm.plan_item'::regclass)
         AND NOT t.tgisinternal
       ORDER BY t.tgname$$,
    $$VALUES
      ('CREATE TRIGGER event_append_only BEFORE DELETE OR UPDATE ON bpm.event FOR EACH ROW EXECUTE FUNCTION bpm.event_guard()'),
      ('CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON bpm.event FOR EACH STATEMENT EXECUTE FUNCTION bpm.event_guard()'),
      ('CREATE TRIGGER instance_family_immutable BEFORE UPDATE OF parent_id, root_id ON bpm.instance FOR EACH ROW EXECUTE FUNCTION bpm.instance_refuse_new_family()'),
      ('CREATE TRIGGER instance_kept BEFORE DELETE ON bpm.instance FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard()'),
      ('CREATE TRIGGER instance_no_truncate BEFORE TRUNCATE ON bpm.instance FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard()'),
      ('CREATE TRIGGER job_engine_only BEFORE DELETE ON bpm.job FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard(''instance_id'')'),
      ('CREATE TRIGGER job_no_truncate BEFORE TRUNCATE ON bpm.job FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard()'),
      ('CREATE TRIGGER job_wake_scheduler BEFORE INSERT OR UPDATE OF due_at, retries ON bpm.job FOR EACH ROW EXECUTE FUNCTION bpm.job_wake_scheduler()'),
      ('CREATE TRIGGER plan_item_engine_only BEFORE DELETE ON bpm.plan_item FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard(''case_id'')'),
      ('CREATE TRIGGER plan_item_no_truncate BEFORE TRUNCATE ON bpm.plan_item FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard()'),
      ('CREATE TRIGGER task_engine_only BEFORE DELETE ON bpm.task_store FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard(''instance_id'')'),
      ('CREATE TRIGGER task_no_truncate BEFORE TRUNCATE ON bpm.task_store FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard()'),
      ('CREATE TRIGGER task_refuse_write INSTEAD OF INSERT OR DELETE ON bpm.task FOR EACH ROW EXECUTE FUNCTION bpm.task_refuse_write()'),
      ('CREATE TRIGGER task_update INSTEAD OF UPDATE ON bpm.task FOR EACH ROW EXECUTE FUNCTION bpm.task_update()'),
      ('CREATE TRIGGER token_engine_only BEFORE DELETE ON bpm.token FOR EACH ROW EXECUTE FUNCTION bpm.runtime_guard(''instance_id'')'),
      ('CREATE TRIGGER token_no_truncate BEFORE TRUNCATE ON bpm.token FOR EACH STATEMENT EXECUTE FUNCTION bpm.runtime_guard()')$$,
    'the rule triggers fire on the right events, timing and level (on the view: INSTEAD OF, per row)');
-- tgtype bits: 1 ROW, 4 INSERT, 8 DELETE, 16 UPDATE, 64 INSTEAD
SELECT results_eq(
    $$SELECT t.tgname::text COLLATE "default", (t.tgtype & 64) <> 0, (t.tgtype & 1) <> 0,
             (t.tgtype & 4) <> 0, (t.tgtype & 16) <> 0, (t.tgtype & 8) <> 0
        FROM pg_trigger t
       WHERE t.tgrelid = 'bpm.task'::regclass AND NOT t.tgisinternal
       ORDER BY 1$$,
    $$VALUES ('task_refuse_write', true, true, true, false, true),
             ('task_update', true, true, false, true, false)$$,
    'the task triggers are INSTEAD OF, FOR EACH ROW; task_update on UPDATE only, task_refuse_write on INSERT and DELETE only');
SELECT is(
    ARRAY(SELECT t.tgname::text FROM pg_trigger t
           WHERE t.tgrelid IN ('bpm.task'::regclass, 'bpm.event'::regclass)
             AND NOT t.tgisinternal AND t.tgenabled <> 'O'
           ORDER BY 1),
    '{}'::text[],
    'the rule triggers are enabled');

-- ----------------------------------------------------------- privileges
SELECT results_eq(
    $$SELECT c.relname::text COLLATE "default", a.privilege_type
        FROM pg_class c, aclexplode(c.relacl) a
       WHERE c.relnamespace = 'bpm'::regnamespace AND a.grantee = 0
       ORDER BY 1, 2$$,
    $$VALUES ('actor_group', 'SELECT'), ('board', 'SELECT'), ('board_card', 'SELECT'),
             ('board_column', 'SELECT'), ('case_link', 'SELECT'), ('case_links', 'SELECT'),
             ('case_plan', 'SELECT'), ('case_role', 'SELECT'), ('cases', 'SELECT'),
             ('comment', 'SELECT'), ('comments', 'SELECT'),
             ('definition', 'SELECT'), ('definitions', 'SELECT'), ('document', 'SELECT'),
             ('event', 'SELECT'), ('flow', 'SELECT'), ('group_tasks', 'SELECT'), ('incidents', 'SELECT'),
             ('instance', 'SELECT'), ('job', 'SELECT'), ('my_cases', 'SELECT'), ('my_tasks', 'SELECT'), ('node', 'SELECT'),
             ('overdue_tasks', 'SELECT'), ('plan_item', 'SELECT'), ('processes', 'SELECT'), ('sla_breaches', 'SELECT'),
             ('task', 'SELECT'), ('task_board', 'SELECT'), ('task_store', 'SELECT'),
             ('tasks', 'SELECT'), ('tasks_by_case', 'SELECT'), ('token', 'SELECT'),
             ('worklist', 'SELECT')$$,
    'PUBLIC is granted SELECT, and only SELECT, on every table and view (no sequence)');
SELECT results_eq(
    $$SELECT c.relname::text COLLATE "default", att.attname::text COLLATE "default", a.privilege_type
        FROM pg_class c
        JOIN pg_attribute att ON att.attrelid = c.oid, aclexplode(att.attacl) a
       WHERE c.relnamespace = 'bpm'::regnamespace AND a.grantee = 0
       ORDER BY 1, 2, 3$$,
    $$VALUES ('cases', 'data', 'UPDATE'),
             ('task', 'assignee', 'UPDATE'), ('task', 'due_at', 'UPDATE'),
             ('task', 'follow_up_at', 'UPDATE'), ('task', 'labels', 'UPDATE'),
             ('task', 'output', 'UPDATE'), ('task', 'priority', 'UPDATE'),
             ('task', 'status', 'UPDATE')$$,
    'PUBLIC is granted column UPDATE only on the views bpm.task (status, output, assignee, priority, due_at, labels, follow_up_at) and bpm.cases (data)');
SELECT results_eq(
    $$SELECT a.privilege_type FROM pg_namespace n, aclexplode(n.nspacl) a
       WHERE n.nspname = 'bpm' AND a.grantee = 0$$,
    $$VALUES ('USAGE')$$,
    'PUBLIC is granted USAGE, not CREATE, on schema bpm');

-- Effective privileges of a role that was granted nothing.
SELECT schema_privs_are('bpm', 'bpm_tap_nobody', ARRAY['USAGE']);
SELECT table_privs_are('bpm', 'instance', 'bpm_tap_nobody', ARRAY['SELECT'],
    'a plain role may only SELECT bpm.instance (no INSERT, UPDATE, DELETE, TRUNCATE)');
SELECT table_privs_are('bpm', 'task', 'bpm_tap_nobody', ARRAY['SELECT'],
    'a plain role has no view-wide write privilege on bpm.task (no INSERT, DELETE)');
SELECT table_privs_are('bpm', 'task_store', 'bpm_tap_nobody', ARRAY['SELECT'],
    'a plain role may only SELECT bpm.task_store (no INSERT, UPDATE, DELETE, TRUNCATE)');
SELECT is(
    ARRAY(SELECT att.attname::text FROM pg_attribute att
           WHERE att.attrelid = 'bpm.task_store'::regclass AND att.attnum > 0 AND NOT att.attisdropped
             AND has_column_privilege('bpm_tap_nobody', 'bpm.task_store'::regclass, att.attnum, 'INSERT,UPDATE,REFERENCES')
           ORDER BY att.attnum),
    '{}'::text[],
    'a plain role may UPDATE no column of bpm.task_store (not even status): tasks change through the view');
SELECT table_privs_are('bpm', 'event', 'bpm_tap_nobody', ARRAY['SELECT'],
    'a plain role may only SELECT bpm.event');
SELECT table_privs_are('bpm', 'job', 'bpm_tap_nobody', ARRAY['SELECT'],
    'a plain role may only SELECT bpm.job');
SELECT table_privs_are('bpm', 'actor_group', 'bpm_tap_nobody', ARRAY['SELECT'],
    'a plain role may only SELECT bpm.actor_group (groups are managed by the owner)');
SELECT is(
    ARRAY(SELECT c.relname || ':' || p.priv
            FROM pg_class c,
                 unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p(priv)
           WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind IN ('r', 'v')
             AND has_table_privilege('bpm_tap_nobody', c.oid, p.priv)
           ORDER BY 1),
    '{}'::text[],
    'a plain role has no table-level write privilege on any bpm table or view');
SELECT is(
    ARRAY(SELECT c.relname::text FROM pg_class c
           WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind IN ('r', 'v')
             AND NOT has_table_privilege('bpm_tap_nobody', c.oid, 'SELECT')
           ORDER BY 1),
    '{}'::text[],
    'a plain role may SELECT every bpm table and view');
SELECT is(
    ARRAY(SELECT c.relname::text FROM pg_class c
           WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind = 'S'
             AND CASE WHEN c.relkind = 'S'   -- the check errors on other relations
                      THEN has_sequence_privilege('bpm_tap_nobody', c.oid, 'USAGE,SELECT,UPDATE')
                 END
           ORDER BY 1),
    '{}'::text[],
    'a plain role may not use the id sequences');
SELECT is(
    ARRAY(SELECT att.attname::text FROM pg_attribute att
           WHERE att.attrelid = 'bpm.task'::regclass AND att.attnum > 0 AND NOT att.attisdropped
             AND has_column_privilege('bpm_tap_nobody', 'bpm.task'::regclass, att.attnum, 'UPDATE')
           ORDER BY att.attnum),
    ARRAY['status', 'assignee', 'priority', 'due_at', 'output', 'labels', 'follow_up_at'],
    'a plain role may UPDATE exactly status, assignee, priority, due_at, output, labels and follow_up_at of bpm.task');
SELECT column_privs_are('bpm', 'task', 'status', 'bpm_tap_nobody', ARRAY['SELECT', 'UPDATE']);
SELECT column_privs_are('bpm', 'task', 'node_id', 'bpm_tap_nobody', ARRAY['SELECT']);
SELECT is(
    ARRAY(SELECT c.relname || '.' || att.attname
            FROM pg_class c JOIN pg_attribute att ON att.attrelid = c.oid
           WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind IN ('r', 'v')
             AND c.oid NOT IN ('bpm.task'::regclass, 'bpm.cases'::regclass)
             AND att.attnum > 0 AND NOT att.attisdropped
             AND has_column_privilege('bpm_tap_nobody', c.oid, att.attnum, 'INSERT,UPDATE,REFERENCES')
           ORDER BY 1),
    '{}'::text[],
    'a plain role may write no column of any other bpm table or view');
SELECT is(
    ARRAY(SELECT p.proname::text FROM pg_proc p
           WHERE p.pronamespace = 'bpm'::regnamespace AND p.prorettype <> 'trigger'::regtype
             AND NOT has_function_privilege('bpm_tap_nobody', p.oid, 'EXECUTE')
           ORDER BY 1),
    ARRAY['act_as'],
    'a plain role may call every API function but bpm.act_as');
-- EXECUTE on bpm.act_as(text) is the right to act for others (name another
-- user in bpm.actor): not PUBLIC's, the owner's (operators') to grant.
SELECT is(
    ARRAY(SELECT a.grantee::regrole::text || ':' || a.privilege_type
            FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
           WHERE p.oid = 'bpm.act_as(text)'::regprocedure
           ORDER BY 1),
    ARRAY[(SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'pg_bpm') || ':EXECUTE'],
    'PUBLIC may not execute bpm.act_as(text): only its owner, who may grant it');
SELECT function_privs_are('bpm', 'act_as', ARRAY['text'], 'bpm_tap_nobody', ARRAY[]::text[],
    'a plain role may not act for others');
SELECT is(
    ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
           WHERE p.pronamespace = 'bpm'::regnamespace AND p.prosecdef
           ORDER BY 1),
    '{}'::text[],
    'no function is SECURITY DEFINER: the engine switches to the owner itself, around its own statements');
SELECT is(
    ARRAY(SELECT c.relname::text FROM pg_class c
           WHERE c.relnamespace = 'bpm'::regnamespace AND c.relrowsecurity
             AND EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid AND p.polcmd = 'r')
           ORDER BY 1),
    ARRAY['actor_group', 'case_link', 'case_role', 'comment', 'document', 'event', 'instance', 'job', 'plan_item',
          'task_store', 'token'],
    'row-level security (a SELECT policy) guards every table that holds what belongs to a case');
SELECT is(
    ARRAY(SELECT c.relname::text FROM pg_class c
           WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind = 'v'
             AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'], false)
           ORDER BY 1),
    '{}'::text[],
    'every view reads as the role that queries it, so that the policies apply to what it shows');

-- -------------------------------------------------------- documentation
SELECT is(
    ARRAY(SELECT c.oid::regclass::text FROM pg_class c
           WHERE c.relnamespace = 'bpm'::regnamespace AND c.relkind IN ('r', 'v')
             AND obj_description(c.oid, 'pg_class') IS NULL
           ORDER BY 1),
    '{}'::text[],
    'every table and view has a COMMENT');
SELECT is(
    ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
           WHERE p.pronamespace = 'bpm'::regnamespace
             AND obj_description(p.oid, 'pg_proc') IS NULL
           ORDER BY 1),
    '{}'::text[],
    'every function has a COMMENT');

SELECT * FROM finish();
ROLLBACK;
