-- the baseline: a plain UPDATE of a jsonb column, one row of a table of the same size (bench/cases.sh)
\set k random(1, :ncases)
UPDATE bench.plain SET data = data || jsonb_build_object('hot', :k::float8 + random()) WHERE id = :k::bigint;
