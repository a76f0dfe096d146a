-- bench/sql/cases_setup.sql: the case definition and the baseline table of
-- bench/cases.sh.
--
-- bench_case has 20 sentries: 10 milestones whose entry if-part reads the
-- field "hot", and 10 whose entry sentry has the on-part file.o<n> (a
-- field the benchmark never changes) and an if-part on "amount". None of
-- them ever holds (the values are positive), so each update of "hot"
-- re-evaluates 10 sentries and leaves every item as it was; an update of
-- "cold" is read by no sentry.
-- bench.plain is the baseline: one jsonb row per case, the same file.
CREATE SCHEMA bench;
CREATE TABLE bench.plain (id bigint PRIMARY KEY, data jsonb NOT NULL);

SELECT bpm.deploy(jsonb_build_object(
    'key', 'bench_case', 'kind', 'case',
    'plan', (SELECT jsonb_agg(jsonb_build_object('id', 'hot' || i, 'type', 'milestone',
                                                 'entry', jsonb_build_array(jsonb_build_object('if', format('$.hot < %s', -i)))))
               FROM generate_series(1, 10) i)
         || (SELECT jsonb_agg(jsonb_build_object('id', 'other' || i, 'type', 'milestone',
                                                 'entry', jsonb_build_array(jsonb_build_object('on', jsonb_build_array('file.o' || i), 'if', '$.amount < 0'))))
               FROM generate_series(1, 10) i))) IS NOT NULL AS deployed;

-- Open n more cases (and n more baseline rows), in one transaction.
CREATE FUNCTION bench.fill(n integer) RETURNS void LANGUAGE sql AS $$
    SELECT count(bpm.open_case('bench_case', '{"hot": 1, "cold": 1, "customer": "ACME", "amount": 100}'))
      FROM generate_series(1, n);
    INSERT INTO bench.plain
    SELECT coalesce((SELECT max(id) FROM bench.plain), 0) + g,
           '{"hot": 1, "cold": 1, "customer": "ACME", "amount": 100}'
      FROM generate_series(1, n) g;
$$;
