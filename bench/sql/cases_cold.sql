-- one case-file update of a field no sentry listens to (bench/cases.sh)
\set k random(1, :ncases)
SELECT bpm.update_case(:first::bigint + :k::bigint - 1, jsonb_build_object('cold', :k::float8 + random()));
