-- one case-file update of a field 10 sentries listen to (bench/cases.sh)
\set k random(1, :ncases)
SELECT bpm.update_case(:first::bigint + :k::bigint - 1, jsonb_build_object('hot', :k::float8 + random()));
