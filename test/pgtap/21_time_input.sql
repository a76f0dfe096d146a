-- 21_time_input: every time a definition or the data can give, read
-- strictly (issue 10, section 2).
--
--   durations  ISO 8601 only: "P", years, months, weeks, days, then "T"
--              and hours, minutes, seconds, each once and in order, a
--              fraction only on the last; PostgreSQL's interval input
--              alone read "P1" as a second and "PT1H1H" as two hours. A
--              duration that would pass 294276 AD from a moment before
--              the year 10000 is refused, so no start fails later with a
--              bare "timestamp out of range"
--   cycles     a constant cycle of a boundary or start event that has no
--              occurrence from now on is refused at deploy, with the true
--              reason (the last occurrence, or the last that pg_bpm counts
--              of an endless cycle), and only when a new version is
--              stored: a stored version is not refused later
--   cron       "a/n" runs from a to the field's last value, as in Quartz;
--              a time zone is a name of pg_timezone_names ("UTC+5", a
--              POSIX specification, fired at UTC-5)
--   data       the same rules for a value from the data (22023 naming the
--              node and the value), and a due date past the last timestamp
--              names the node, for a constant too
--
-- Each refusal: SQLSTATE, message, detail (and hint where it teaches the
-- form), and nothing stored. Runs in its own database (test/run), in one
-- transaction; the clock is pg_bpm.mock_now, set with SET LOCAL.
BEGIN;
SELECT no_plan();
\ir helpers.psql
SET LOCAL TimeZone = 'UTC';
SET LOCAL pg_bpm.mock_now = '2030-01-01 09:00:00+00';

-- The error of a statement: "SQLSTATE message", then DETAIL and HINT lines.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
    detail text;
    hint text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN concat_ws(E'\n', state || ' ' || message, 'DETAIL: ' || nullif(detail, ''),
                     'HINT: ' || nullif(hint, ''));
END $$;
CREATE FUNCTION pg_temp.deploy_error(definition text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.error_of(format('SELECT bpm.deploy(%L::jsonb)', definition))
$$;
-- n waits for the timer
CREATE FUNCTION pg_temp.waits(key text, timer jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.with_node(key, jsonb_build_object('type', 'intermediate_event', 'timer', timer))
$$;
-- n is a user task with a non-interrupting timer boundary event b -> e2
CREATE FUNCTION pg_temp.repeats(key text, timer jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'key', key,
        'nodes', jsonb_build_array('{"id": "s", "type": "start_event"}'::jsonb,
                                   '{"id": "n", "type": "user_task"}'::jsonb,
                                   jsonb_build_object('id', 'b', 'type', 'boundary_event', 'attached_to', 'n',
                                                      'interrupting', false, 'timer', timer),
                                   '{"id": "e", "type": "end_event"}'::jsonb,
                                   '{"id": "e2", "type": "end_event"}'::jsonb),
        'flows', '[{"from": "s", "to": "n"}, {"from": "n", "to": "e"}, {"from": "b", "to": "e2"}]'::jsonb)::text
$$;
-- the start event s has the timer, then a user task n
CREATE FUNCTION pg_temp.starts(key text, timer jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_set(pg_temp.with_node(key, '{"type": "user_task"}')::jsonb,
                     '{nodes,0,timer}', timer)::text
$$;
CREATE FUNCTION pg_temp.due_of(key text) RETURNS timestamptz LANGUAGE sql AS $$
    SELECT j.due_at FROM bpm.job j JOIN bpm.definition d ON d.id = j.definition_id
     WHERE d.key = $1 ORDER BY j.id DESC LIMIT 1
$$;
-- The first n moments a start timer falls due, deployed now: each fired in turn.
CREATE FUNCTION pg_temp.schedule(key text, timer jsonb, n int) RETURNS timestamptz[] LANGUAGE plpgsql AS $$
DECLARE
    now text := current_setting('pg_bpm.mock_now');
    due timestamptz[] := '{}';
BEGIN
    PERFORM bpm.deploy(pg_temp.starts(key, timer)::jsonb);
    FOR i IN 1 .. n LOOP
        due := due || pg_temp.due_of(key);
        PERFORM set_config('pg_bpm.mock_now', due[i]::text, true);
        PERFORM bpm.run_jobs();
    END LOOP;
    PERFORM set_config('pg_bpm.mock_now', now, true);
    RETURN due;
END $$;

CREATE TEMP TABLE counts_before AS
SELECT (SELECT count(*) FROM bpm.definition) AS definitions, (SELECT count(*) FROM bpm.job) AS jobs;

-- ================================================================ durations
CREATE FUNCTION pg_temp.duration_error(duration text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.deploy_error(pg_temp.waits('bad', jsonb_build_object('duration', duration)))
$$;
CREATE TEMP TABLE duration_hint AS SELECT
    'HINT: An ISO 8601 duration is "P", then years, months, weeks and days, then "T" and hours, minutes and seconds, each at most once: "P1Y2M10D", "PT4H30M", "P1DT12H".'::text AS hint;
SELECT is(pg_temp.duration_error(d), format(E'42P17 definition "bad": node "n" has an invalid "duration" "%s"\nDETAIL: %s\n%s',
                                          d, detail, (SELECT hint FROM duration_hint)),
          format('deploy: the duration %s', d))
  FROM (VALUES
    ('P1', 'A number has no designator after it (Y, M, W or D, or H, M or S after "T").'),
    ('PT1', 'A number has no designator after it (H, M or S after "T").'),
    ('P1DT', '"T" is followed by no hours, minutes or seconds.'),
    ('PT1H1H', '"H" appears twice.'),
    ('P1Y1Y', '"Y" appears twice.'),
    ('PT1M1H', '"H" comes after "M"; write years, months, weeks and days, then "T" and hours, minutes and seconds.'),
    ('P1H', '"H" is not a designator before "T": hours, minutes and seconds follow "T", as in "PT1H".'),
    ('PT1D', '"D" is not a designator after "T" (H, M or S).'),
    ('P', '"P" is followed by no years, months, weeks, days or time.'),
    ('PD', '"D" has no number before it.'),
    ('P1DT-1H', 'A duration has no sign (it is always positive).'),
    ('P1.5DT2H', 'Only the last number of a duration may have a fraction.'),
    ('P0001-02-03', 'The alternative format ("P0001-02-03T04:05:06") is not read; write designators, as in "P1Y2M3DT4H5M6S".'),
    ('P1d', 'Designators are upper case: "D", not "d".'),
    ('P1e3D', '"e" is not a designator (Y, M, W or D, or H, M or S after "T").'),
    ('P1000000Y', 'It is too long: added to a moment before the year 10000 it would pass 294276 AD, the last moment PostgreSQL can represent.'),
    ('P99999999999D', 'Interval field value out of range: "P99999999999D".')
  ) AS refused(d, detail);
-- a timer read from the data is a path to a value, as an assignee is
SELECT alike(pg_temp.deploy_error(pg_temp.waits('bad', '{"duration": "$.wait == \"PT1H\""}')),
    '42P17 definition "bad": node "n" timer: "$.wait == \"PT1H\"" is a predicate, not a path to a value%',
    'deploy: a timer duration that is a jsonpath predicate is refused');
SELECT alike(pg_temp.deploy_error(pg_temp.waits('bad', '{"date": "$.dates[$i]"}')),
    '42P17 definition "bad": node "n" timer: "$.dates[$i]" uses a jsonpath variable%',
    'deploy: a timer date path with a jsonpath variable is refused');
SELECT is(pg_temp.deploy_error(pg_temp.with_node('bad', '{"type": "user_task", "due": "P1000000Y"}')),
    format(E'42P17 definition "bad": node "n" has an invalid "due" "P1000000Y"\nDETAIL: %s\n%s',
           'It is too long: added to a moment before the year 10000 it would pass 294276 AD, the last moment PostgreSQL can represent.',
           (SELECT hint FROM duration_hint)),
    'deploy: a task due so far away that no task could be created');
SELECT is(pg_temp.deploy_error(pg_temp.repeats('bad', jsonb_build_object('cycle', cycle))),
          format(E'42P17 definition "bad": node "b" has an invalid timer cycle "%s"\nDETAIL: %s\n%s', cycle, detail,
                 'HINT: Write an ISO 8601 repeating interval: "R3/PT1H" (three times, an hour apart), "R/P1D" (every day), "R5/2030-01-01T09:00:00Z/P1W".'),
          format('deploy: the cycle %s, whose duration follows the same rules', cycle))
  FROM (VALUES
    ('R/PT1', '"PT1" is not an ISO 8601 duration: a number has no designator after it (H, M or S after "T").'),
    ('R/P1000000Y', '"P1000000Y" is not an ISO 8601 duration: it is too long: added to a moment before the year 10000 it would pass 294276 AD, the last moment PostgreSQL can represent.')
  ) AS refused(cycle, detail);

-- what the grammar allows still means what interval input makes of it
CREATE TEMP TABLE accepted (n int, d text);
INSERT INTO accepted VALUES (1, 'P1Y2M10DT2H30M'), (2, 'P2W'), (3, 'P1W2D'), (4, 'P1.5D'), (5, 'PT1.5H'),
                            (6, 'PT0.5S'), (7, 'P280000Y');
SELECT lives_ok(format('SELECT bpm.deploy(%L::jsonb)', pg_temp.waits('good_' || n, jsonb_build_object('duration', d))),
                format('deploy: the duration %s', d))
  FROM accepted ORDER BY n;
CREATE TEMP TABLE good AS SELECT n, bpm.start('good_' || n) AS id FROM accepted WHERE n < 7;
SELECT results_eq(
    $$SELECT g.n, j.due_at FROM good g JOIN bpm.job j ON j.instance_id = g.id ORDER BY g.n$$,
    $$SELECT n, bpm.now() + d::interval FROM accepted WHERE n < 7 ORDER BY n$$,
    'each waits as long as its duration says');

-- =================================================================== cycles
SELECT is(pg_temp.deploy_error(pg_temp.starts('bad', '{"cycle": "R/1000-01-01T00:00:00Z/PT0.000001S"}')),
    E'42P17 definition "bad": node "s": the timer cycle "R/1000-01-01T00:00:00Z/PT0.000001S" never falls due from now on\n'
    'DETAIL: An endless cycle ends at its occurrence 2147483647, the last that pg_bpm counts, which was at 1000-01-01 00:35:47.483646+00.\n'
    'HINT: A cycle with a start skips the occurrences before now: give a later start, more repetitions, or no start ("R3/PT1H" counts from when the timer is armed).',
    'deploy: an endless cycle whose counted occurrences are all past says so');
SELECT is(pg_temp.deploy_error(pg_temp.repeats('bad', '{"cycle": "R3/2029-12-25T09:00:00Z/P1D"}')),
    E'42P17 definition "bad": node "b": the timer cycle "R3/2029-12-25T09:00:00Z/P1D" never falls due from now on\n'
    'DETAIL: Its last occurrence was at 2029-12-27 09:00:00+00.\n'
    'HINT: A cycle with a start skips the occurrences before now: give a later start, more repetitions, or no start ("R3/PT1H" counts from when the timer is armed).',
    'deploy: a boundary cycle whose occurrences are all past would never fire');
SELECT lives_ok(format('SELECT bpm.deploy(%L::jsonb)', pg_temp.repeats('soon', '{"cycle": "R3/2029-12-31T09:00:00Z/P1D"}')),
    'deploy: a boundary cycle with occurrences left (the second is now)');
SELECT lives_ok(format('SELECT bpm.deploy(%L::jsonb)', pg_temp.repeats('endless', '{"cycle": "R/2020-01-01T00:00:00Z/PT1M"}')),
    'deploy: an endless cycle with a start in the past counts on from now');
-- a stored version is not judged again: in February the boundary cycle of
-- "soon" is all past, yet deploying it again returns the version, and an
-- instance starts (nothing is armed: every occurrence is past)
SET LOCAL pg_bpm.mock_now = '2030-02-01 00:00:00+00';
SELECT is(bpm.deploy(pg_temp.repeats('soon', '{"cycle": "R3/2029-12-31T09:00:00Z/P1D"}')::jsonb),
          (SELECT id FROM bpm.definition WHERE key = 'soon'),
          'redeploying identical content after its cycle ended returns the stored version');
CREATE TEMP TABLE soon AS SELECT bpm.start('soon') AS id;
SELECT is((SELECT count(*) FROM bpm.job j, soon WHERE j.instance_id = soon.id), 0::bigint,
          'an instance of it starts, and arms no timer for a cycle that has ended');
SET LOCAL pg_bpm.mock_now = '2030-01-01 09:00:00+00';

-- ===================================================================== cron
SELECT is(pg_temp.schedule('quartz', '{"cron": "1/20 * * * *"}', 4),
    ARRAY['2030-01-01 09:01:00+00', '2030-01-01 09:21:00+00', '2030-01-01 09:41:00+00',
          '2030-01-01 10:01:00+00']::timestamptz[],
    '"1/20" in the minutes is "1-59/20" (it was minute 1 alone)');
SELECT is(pg_temp.schedule('weekdays', '{"cron": "0 9 * * 3/2"}', 4),
    ARRAY['2030-01-02 09:00:00+00', '2030-01-04 09:00:00+00', '2030-01-09 09:00:00+00',
          '2030-01-11 09:00:00+00']::timestamptz[],
    '"3/2" in the day of week is Wednesday and Friday: it runs to Saturday, not to Sunday (7)');
SELECT is(pg_temp.deploy_error(pg_temp.starts('bad', '{"cron": "70/5 * * * *"}')),
    E'42P17 definition "bad": node "s" has an invalid cron expression "70/5 * * * *"\n'
    'DETAIL: Minute: 70 is outside 0-59.\n'
    'HINT: Write five fields, minute hour day-of-month month day-of-week: "0 9 * * MON-FRI", "*/15 * * * *", or @daily, @hourly, ...',
    'deploy: the start of "a/n" is in the field''s range');

CREATE TEMP TABLE zone_hint AS SELECT
    'HINT: For a fixed offset write a name such as "Etc/GMT-5" (five hours ahead of UTC: POSIX signs count westwards), or better the place, such as "Asia/Karachi".'::text AS hint;
SELECT is(pg_temp.deploy_error(pg_temp.starts('bad', jsonb_build_object('cron', '0 9 * * *', 'timezone', z))),
          format(E'42P17 definition "bad": node "s": unknown time zone "%s" (use a name from pg_timezone_names, such as "Europe/Berlin")\n%s',
                 z, (SELECT hint FROM zone_hint)),
          format('deploy: the time zone %s, which is not in pg_timezone_names', z))
  FROM unnest(ARRAY['UTC+5', '+05', 'CET-1CEST', 'Mars/Olympus']) AS z;
SELECT lives_ok(format('SELECT bpm.deploy(%L::jsonb)', pg_temp.starts('karachi', '{"cron": "0 9 * * *", "timezone": "Etc/GMT-5"}')),
    'deploy: a fixed offset by its name');
SELECT is(pg_temp.due_of('karachi'), '2030-01-02 04:00:00+00', '09:00 in Etc/GMT-5 is 04:00 UTC (the next day: it is 14:00 there now)');
SELECT lives_ok(format('SELECT bpm.deploy(%L::jsonb)', pg_temp.starts('berlin', '{"cron": "0 12 * * *", "timezone": "europe/berlin"}')),
    'deploy: a name of pg_timezone_names in another case, as PostgreSQL reads it');
SELECT is(pg_temp.due_of('berlin'), '2030-01-01 11:00:00+00', 'noon in Berlin is 11:00 UTC in winter');

SELECT results_eq(
    $$SELECT count(*) FROM bpm.definition WHERE key = 'bad'$$,
    ARRAY[0::bigint],
    'no refused definition was stored');

-- ===================================================== values from the data
SELECT lives_ok(format('SELECT bpm.deploy(%L::jsonb)', pg_temp.waits('from_data', '{"duration": "$.wait"}')),
    'deploy: a duration from the data');
SELECT lives_ok(format('SELECT bpm.deploy(%L::jsonb)', pg_temp.repeats('cycle_data', '{"cycle": "$.every"}')),
    'deploy: a cycle from the data');
CREATE TEMP TABLE runtime_before AS
SELECT (SELECT count(*) FROM bpm.instance) AS instances, (SELECT count(*) FROM bpm.event) AS events,
       (SELECT count(*) FROM bpm.job) AS jobs;
SELECT is(pg_temp.error_of(format($$SELECT bpm.start('from_data', %L)$$, jsonb_build_object('wait', w))),
          format(E'22023 timer of "n" in process "from_data": $.wait does not select a positive ISO 8601 duration\nDETAIL: It selects "%s": %s',
                 w, detail),
          format('start: the duration %s from the data', w))
  FROM (VALUES
    ('P1', 'a number has no designator after it (Y, M, W or D, or H, M or S after "T").'),
    ('PT1H1H', '"H" appears twice.'),
    ('P1DT', '"T" is followed by no hours, minutes or seconds.'),
    ('P1000000Y', 'it is too long: added to a moment before the year 10000 it would pass 294276 AD, the last moment PostgreSQL can represent.')
  ) AS refused(w, detail);
SELECT is(pg_temp.error_of($$SELECT bpm.start('cycle_data', '{"every": "R/PT1H1H"}')$$),
    E'22023 timer of "b" in process "cycle_data": $.every does not select an ISO 8601 repeating interval such as "R3/PT1H"\n'
    'DETAIL: It selects "R/PT1H1H": "PT1H1H" is not an ISO 8601 duration: "H" appears twice.',
    'start: a cycle from the data follows the same grammar');
SELECT results_eq(
    $$SELECT (SELECT count(*) FROM bpm.instance) - instances, (SELECT count(*) FROM bpm.event) - events,
             (SELECT count(*) FROM bpm.job) - jobs FROM runtime_before$$,
    $$VALUES (0::bigint, 0::bigint, 0::bigint)$$,
    'no refused start left an instance, an event or a job');
CREATE TEMP TABLE ended AS SELECT bpm.start('cycle_data', '{"every": "R2/2020-01-01T00:00:00Z/P1D"}') AS id;
SELECT results_eq(
    $$SELECT p.waiting_at, (SELECT count(*) FROM bpm.job j WHERE j.instance_id = p.id)
        FROM bpm.processes p JOIN ended USING (id)$$,
    $$VALUES ('{n}'::text[], 0::bigint)$$,
    'a cycle from the data that has ended arms nothing: the instance waits at its task');

-- a clock past the year 9999 (only a test's mock clock gets there): a due
-- date past the last timestamp names the node, constant or from the data
SELECT lives_ok(format('SELECT bpm.deploy(%L::jsonb)', pg_temp.waits('far', '{"duration": "P280000Y"}')),
    'deploy: a long duration that fits from the year 9999');
SET LOCAL pg_bpm.mock_now = '20000-01-01 00:00:00+00';
SELECT is(pg_temp.error_of($$SELECT bpm.start('far')$$),
    E'22023 timer of "n" in process "far": "P280000Y" from now passes 294276 AD, the last moment PostgreSQL can represent\n'
    'DETAIL: The engine''s clock says 20000-01-01 00:00:00+00.',
    'start: a constant duration from a clock past 9999 names the node');
SELECT is(pg_temp.error_of($$SELECT bpm.start('from_data', '{"wait": "P280000Y"}')$$),
    E'22023 timer of "n" in process "from_data": "P280000Y" from now passes 294276 AD, the last moment PostgreSQL can represent\n'
    'DETAIL: The engine''s clock says 20000-01-01 00:00:00+00.',
    'start: so does a duration from the data');
SET LOCAL pg_bpm.mock_now = '2030-01-01 09:00:00+00';

SELECT is(
    (SELECT count(*) FROM bpm.instance i, bpm.verify_events(i.id) v WHERE NOT v.ok),
    0::bigint,
    'every instance of this file verifies');

SELECT * FROM finish();
ROLLBACK;
