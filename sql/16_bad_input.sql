-- 16_bad_input: what the engine refuses before it stores anything.
--
-- Names the engine stores and looks up by index (actors, groups, case
-- roles, business keys, boards, columns, labels, workers, topics,
-- definition keys and node ids) are not empty and at most 1000 bytes
-- (22023, 22001); arrays of names are plain lists, one-dimensional from 1
-- (22023); a worker's lock_for and retry_in are not negative
-- (22023); an assignee or candidate-groups path selects a value (42P17).
-- Each error names the argument or the element and quotes the text;
-- nothing is stored. Then two limits that are about the work, not loops:
-- a case file update of 20,000 fields, and a board of 100,000 columns.

\i sql/helpers.psql

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY array['definition', 'instance', 'token', 'task_store', 'job', 'event',
                             'plan_item'] LOOP
        PERFORM setval(pg_get_serial_sequence('bpm.' || t, 'id'), 1600000);
    END LOOP;
END $$;
SET pg_bpm.mock_now = '2030-06-01 09:00:00+00';
SET bpm.actor = 'ops16';

-- What is stored, to compare after the refusals.
CREATE FUNCTION stored16() RETURNS TABLE (what text, n bigint) LANGUAGE sql AS $$
    SELECT 'definitions', count(*) FROM bpm.definition UNION ALL
    SELECT 'instances', count(*) FROM bpm.instance UNION ALL
    SELECT 'tasks', count(*) FROM bpm.task_store UNION ALL
    SELECT 'boards', count(*) FROM bpm.task_board UNION ALL
    SELECT 'case roles', count(*) FROM bpm.case_role UNION ALL
    SELECT 'locked jobs', count(*) FROM bpm.job WHERE locked_by IS NOT NULL UNION ALL
    SELECT 'events', count(*) FROM bpm.event $$;

--
-- 1. Something to act on: a process with a user task and an external
-- service task, a case with a role, a free task, a job locked by "w16".
--
SELECT bpm.deploy('{"key": "work16",
  "nodes": [{"id": "s", "type": "start_event"},
            {"id": "call", "type": "service_task", "topic": "topic16"},
            {"id": "e", "type": "end_event"}],
  "flows": [{"from": "s", "to": "call"}, {"from": "call", "to": "e"}]}') IS NOT NULL AS deployed;
SELECT bpm.deploy('{"key": "case16", "kind": "case", "roles": ["expert"],
  "plan": [{"id": "look", "type": "human_task"}]}') IS NOT NULL AS deployed;
SELECT bpm.start('work16') IS NOT NULL AS started;
SELECT bpm.open_case('case16') AS c16 \gset
SELECT bpm.create_task('Free task 16', assignee => 'ops16') AS t16 \gset
SELECT id AS j16 FROM bpm.fetch_and_lock('topic16', 'w16') \gset
CREATE TEMP TABLE before16 AS SELECT * FROM stored16();

--
-- 2. Names: empty, or longer than 1000 bytes (the longest one taken is
-- exactly 1000 bytes, below).
--
SELECT c.what, e.* FROM (VALUES
  ('start: empty business key',       $$SELECT bpm.start('work16', '{}', '')$$),
  ('start: long business key',        $$SELECT bpm.start('work16', '{}', repeat('k', 1001))$$),
  ('open_case: long business key',    $$SELECT bpm.open_case('case16', '{}', repeat('k', 1001))$$),
  ('create_task: empty assignee',     $$SELECT bpm.create_task('t', assignee => '')$$),
  ('create_task: long assignee',      $$SELECT bpm.create_task('t', assignee => repeat('a', 1001))$$),
  ('create_task: long group',         $$SELECT bpm.create_task('t', candidate_groups => ARRAY[repeat('g', 1001)])$$),
  ('create_task: long label',         $$SELECT bpm.create_task('t', labels => ARRAY['ok', repeat('l', 1001)])$$),
  ('assign: empty actor',             format($$SELECT bpm.assign(%s, '')$$, :t16)),
  ('assign: long actor',              format($$SELECT bpm.assign(%s, repeat('a', 1001))$$, :t16)),
  ('UPDATE bpm.task: empty assignee', format($$UPDATE bpm.task SET assignee = '' WHERE id = %s$$, :t16)),
  ('delegate: empty delegate',        format($$SELECT bpm.delegate(%s, '')$$, :t16)),
  ('add_task: empty assignee',        format($$SELECT bpm.add_task(%s, 't', assignee => '')$$, :c16)),
  ('add_task: empty group',           format($$SELECT bpm.add_task(%s, 't', candidate_groups => '{""}')$$, :c16)),
  ('grant_case_role: empty actor',    format($$SELECT bpm.grant_case_role(%s, 'expert', '')$$, :c16)),
  ('grant_case_role: long actor',     format($$SELECT bpm.grant_case_role(%s, 'expert', repeat('a', 1001))$$, :c16)),
  ('revoke_case_role: empty actor',   format($$SELECT bpm.revoke_case_role(%s, 'expert', '')$$, :c16)),
  ('create_board: long name',         $$SELECT bpm.create_board(repeat('b', 1001), '{todo,done}')$$),
  ('create_board: long column',       $$SELECT bpm.create_board('b16', ARRAY['todo', repeat('c', 1001)])$$),
  ('fetch_and_lock: empty worker',    $$SELECT bpm.fetch_and_lock('topic16', '')$$),
  ('fetch_and_lock: long topic',      $$SELECT bpm.fetch_and_lock(repeat('t', 1001), 'w16')$$),
  ('complete_job: empty worker',      format($$SELECT bpm.complete_job(%s, '')$$, :j16)),
  ('fail_job: empty worker',          format($$SELECT bpm.fail_job(%s, '', 'boom')$$, :j16)),
  ('throw_error: empty worker',       format($$SELECT bpm.throw_error(%s, '', 'E1')$$, :j16))
) AS c(what, statement), pg_temp.error_of(c.statement) AS e;
-- The setting bpm.actor itself (PostgreSQL's message quotes all of it).
SELECT sqlstate, split_part(error, E'\n', 2) AS detail
  FROM pg_temp.error_of($$SELECT bpm.act_as(repeat('a', 1001))$$);

--
-- 3. Arrays of names are plain lists: '{{a},{b}}' and '[0:1]={a,b}' are
-- refused, where they were stored as given and read wrong.
--
SELECT c.what, e.* FROM (VALUES
  ('create_task: 2-D groups',        $$SELECT bpm.create_task('t', candidate_groups => '{{a},{b}}')$$),
  ('create_task: groups from 0',     $$SELECT bpm.create_task('t', candidate_groups => '[0:1]={a,b}')$$),
  ('create_task: 2-D labels',        $$SELECT bpm.create_task('t', labels => '{{a},{b}}')$$),
  ('UPDATE bpm.task: labels from 2', format($$UPDATE bpm.task SET labels = '[2:2]={x}' WHERE id = %s$$, :t16)),
  ('add_task: groups from 0',        format($$SELECT bpm.add_task(%s, 't', candidate_groups => '[0:1]={a,b}')$$, :c16)),
  ('add_task: 2-D groups',           format($$SELECT bpm.add_task(%s, 't', candidate_groups => '{{a},{b}}')$$, :c16)),
  ('create_board: 2-D columns',      $$SELECT bpm.create_board('b16', '{{todo},{done}}')$$),
  ('create_board: columns from 0',   $$SELECT bpm.create_board('b16', '[0:1]={todo,done}')$$)
) AS c(what, statement), pg_temp.error_of(c.statement, true) AS e;

--
-- 4. A worker's intervals: a lock that expires before it is taken, a retry
-- due in the past.
--
SELECT c.what, e.* FROM (VALUES
  ('fetch_and_lock: negative lock_for', $$SELECT bpm.fetch_and_lock('topic16', 'w16', 1, '-5 minutes')$$),
  ('fail_job: negative retry_in',       format($$SELECT bpm.fail_job(%s, 'w16', 'boom', '-1 hour')$$, :j16))
) AS c(what, statement), pg_temp.error_of(c.statement) AS e;

-- Nothing of all that was stored.
SELECT b.what, b.n AS before, s.n AS after FROM before16 b JOIN stored16() s USING (what);

-- The longest name is 1000 bytes; a fail_job may retry at once.
SELECT bpm.start('work16', '{}', repeat('k', 1000)) IS NOT NULL AS started;
SELECT bpm.grant_case_role(:c16, 'expert', repeat('é', 500));
SELECT octet_length(actor) FROM bpm.case_role WHERE case_id = :c16 AND role = 'expert';
SELECT bpm.fail_job(:j16, 'w16', 'boom', '0');

--
-- 5. Definitions: every name they store is at most 1000 bytes (a topic
-- too, so that NOTIFY can always announce it), and an assignee or
-- candidate-groups path selects a value from the data: not a predicate,
-- no $variable. 42P17, naming the element.
--
SELECT c.what, e.* FROM (VALUES
  ('long key',        pg_temp.one_node(repeat('k', 1001), '{"id": "u", "type": "user_task"}')),
  ('long node id',    pg_temp.one_node('bad16', jsonb_build_object('id', repeat('n', 1001), 'type', 'user_task')::text)),
  ('long topic',      pg_temp.one_node('bad16', jsonb_build_object('id', 'call', 'type', 'service_task', 'topic', repeat('t', 8000))::text)),
  ('long assignee',   pg_temp.one_node('bad16', jsonb_build_object('id', 'u', 'type', 'user_task', 'assignee', repeat('a', 1001))::text)),
  ('long group',      pg_temp.one_node('bad16', jsonb_build_object('id', 'u', 'type', 'user_task', 'candidate_groups', jsonb_build_array('ok', repeat('g', 1001)))::text)),
  ('predicate path',  pg_temp.one_node('bad16', '{"id": "u", "type": "user_task", "assignee": "$.a == \"x\""}')),
  ('variable path',   pg_temp.one_node('bad16', '{"id": "u", "type": "user_task", "assignee": "$.a == $x"}')),
  ('variable only',   pg_temp.one_node('bad16', '{"id": "u", "type": "user_task", "candidate_groups": "$groups"}')),
  ('groups predicate', pg_temp.one_node('bad16', '{"id": "u", "type": "user_task", "candidate_groups": "$.groups.size() > 0"}')),
  ('long role',       jsonb_build_object('key', 'bad16', 'kind', 'case', 'roles', jsonb_build_array(repeat('r', 975)),
                                         'plan', '[{"id": "t", "type": "human_task"}]'::jsonb))
) AS c(what, definition), pg_temp.error_of(format('SELECT bpm.deploy(%L)', c.definition)) AS e;
SELECT count(*) AS deployed FROM bpm.definition WHERE key = 'bad16';
-- A role is at most 974 bytes: its holders' group, "case:<id>:<role>",
-- is a name too, and the role's task is for that group.
SELECT bpm.deploy(jsonb_build_object('key', 'role16', 'kind', 'case', 'roles', jsonb_build_array(repeat('r', 974)),
    'plan', jsonb_build_array(jsonb_build_object('id', 't', 'type', 'human_task', 'role', repeat('r', 974)))))
  IS NOT NULL AS deployed;
SELECT bpm.open_case('role16') AS rc \gset
SELECT octet_length(candidate_groups[1]) AS group_bytes FROM bpm.task_store WHERE instance_id = :rc;

-- Names a task takes from the data at run time are checked when the task
-- is created: the step fails, naming the task, and nothing is stored. A
-- case's task is named as one (it said 'process "c1"').
SELECT bpm.deploy(pg_temp.one_node('data16', '{"id": "u", "type": "user_task", "assignee": "$.who", "candidate_groups": "$.groups"}')) IS NOT NULL AS deployed;
SELECT bpm.deploy('{"key": "datacase16", "kind": "case", "plan": [{"id": "t", "type": "human_task", "assignee": "$.who"}]}') IS NOT NULL AS deployed;
SELECT c.what, e.* FROM (VALUES
  ('empty assignee',        $$SELECT bpm.start('data16', '{"who": ""}')$$),
  ('long assignee',         $$SELECT bpm.start('data16', jsonb_build_object('who', repeat('w', 1001)))$$),
  ('empty group',           $$SELECT bpm.start('data16', '{"groups": ["ok", ""]}')$$),
  ('case: nobody',          $$SELECT bpm.open_case('datacase16')$$)
) AS c(what, statement), pg_temp.error_of(c.statement) AS e;
SELECT count(*) AS instances FROM bpm.instance i JOIN bpm.definition d ON d.id = i.definition_id
 WHERE d.key IN ('data16', 'datacase16');

--
-- 6. Limits that are not loops. A case file update of 20,000 fields sets
-- off 20,000 on-parts, and nothing listens to most of them: it is no
-- loop (it was refused as "more than 10000 plan item events").
--
SELECT bpm.deploy('{"key": "wide16", "kind": "case",
  "plan": [{"id": "t", "type": "human_task"},
           {"id": "seen", "type": "milestone", "entry": [{"on": ["file.k20000"]}]}]}') IS NOT NULL AS deployed;
SELECT bpm.open_case('wide16') AS wide \gset
SELECT bpm.update_case(:wide, (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 20000) i));
SELECT (SELECT count(*) FROM jsonb_object_keys(data)) AS fields FROM bpm.cases WHERE id = :wide;
SELECT item_id, state FROM bpm.case_plan WHERE case_id = :wide ORDER BY plan_item_id;

-- A real loop makes new occurrences of one item without end: two
-- repeating milestones that set each other off, and a repeating
-- milestone with no entry criteria (it occurs as soon as it is created,
-- and comes back: this one used to end in "stack depth limit exceeded").
SELECT bpm.deploy('{"key": "pingpong16", "kind": "case",
  "plan": [{"id": "ping", "type": "milestone", "repeat": true, "entry": [{"on": ["file.go"]}, {"on": ["pong.occur"]}]},
           {"id": "pong", "type": "milestone", "repeat": true, "entry": [{"on": ["ping.occur"]}]}]}') IS NOT NULL AS deployed;
SELECT bpm.deploy('{"key": "again16", "kind": "case",
  "plan": [{"id": "again", "type": "milestone", "repeat": true}]}') IS NOT NULL AS deployed;
SELECT bpm.open_case('pingpong16') AS pp \gset
SELECT c.what, e.* FROM (VALUES
  ('sentries feed each other', format($$SELECT bpm.update_case(%s, '{"go": true}')$$, :pp)),
  ('comes back at once',       $$SELECT bpm.open_case('again16')$$)
) AS c(what, statement), pg_temp.error_of(c.statement) AS e;
SELECT count(*) AS occurrences FROM bpm.plan_item WHERE case_id = :pp;

-- A board's columns are checked in n log n (repeats are found in a
-- sorted copy), not by comparing every pair, and the check can be
-- cancelled: a board of 100,000 columns is made, and a repeat among them
-- is found (40,000 took 11 s before; no time is asserted here).
SELECT bpm.create_board('wide16', ARRAY(SELECT 'c' || i FROM generate_series(1, 100000) i)) IS NOT NULL AS created;
SELECT count(*) AS columns FROM bpm.board_column c JOIN bpm.task_board b ON b.id = c.board_id
 WHERE b.name = 'wide16';
SELECT e.* FROM pg_temp.error_of($$SELECT bpm.create_board('twice16',
    ARRAY(SELECT 'c' || i FROM generate_series(1, 100000) i) || ARRAY['c7'])$$) AS e;
