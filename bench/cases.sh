#!/usr/bin/env bash
#
# bench/cases.sh — case-file updates: the cost of bpm.update_case.
#
#   bench/cases.sh           full: 1k then 100k open cases, 10 s per run, 3 reps (~12 min)
#   bench/cases.sh --quick   1k then 20k open cases, 5 s per run, 1 rep (~3 min)
#
# Options (after --quick): --cases N (open cases of the large point),
# --seconds S (per pgbench run), --reps N, --clients N (pgbench clients,
# default 1), --keep (leave the cluster running), --no-install (use the
# pg_bpm installed now, e.g. while the tree is being edited).
#
# What it does: builds and installs pg_bpm, starts a throwaway cluster with
# the test/cluster.sh helpers (cluster "cbench", port PGBPM_PORT, default
# 54401; durability at the defaults: fsync and synchronous_commit on, the
# background workers off), loads bench/sql/cases_setup.sql: the case
# definition bench_case with 20 sentries (10 entry sentries whose if-part
# reads the field "hot"; 10 that listen to other fields) and the baseline
# table bench.plain. It opens 1,000 cases (and 1,000 baseline rows),
# measures, fills up to --cases open cases (open_case in a loop, 10,000 per
# transaction), measures again. Each measurement is pgbench -M prepared on
# random cases, for each of
#
#   plain   UPDATE bench.plain SET data = data || {"hot": x} WHERE id = k:
#           the baseline, a plain jsonb update in a table of the same size
#   cold    bpm.update_case(case, {"cold": x}): a field no sentry listens to
#   hot     bpm.update_case(case, {"hot": x}): a field 10 sentries listen
#           to (each re-evaluated; none holds, so the plan stays as it is)
#
# in two shapes: one update per transaction (the commit's WAL flush
# included) and ten updates per transaction (the flush shared, so the
# engine's own cost shows). The modes alternate within each rep; the report
# gives medians of updates/s and the ratios baseline / mode from the same
# run (1.5 means the update costs 1.5 times the plain UPDATE).
#
# Output: the summary on stdout and in bench/results/tmp/<stamp>-cases/
# (summary.md, runs.tsv). No timing is asserted anywhere.
# shellcheck disable=SC2016  # SQL and markdown in single quotes
set -euo pipefail

export PGBPM_PORT="${PGBPM_PORT:-54401}"
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$BENCH_DIR/lib.sh"

DB=bench
CASES=100000 SECS=10 REPS=3 CLIENTS=1 INSTALL=1
SMALL=1000
declare -A OPTIONS=([--cases]=CASES [--seconds]=SECS [--reps]=REPS [--clients]=CLIENTS)
declare -A QUICK=([CASES]=20000 [SECS]=5 [REPS]=1)

usage() { sed -n '3,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

check_args() { ((CASES > SMALL)) || die "--cases must be more than $SMALL"; }

sql_value() { psql_as -d "$DB" -At "$@"; }

# A pgbench script of ten updates in one transaction, from a one-update script.
batch_script() {
    local one="$1" out="$2" i
    {
        printf 'BEGIN;\n'
        for ((i = 1; i <= 10; i++)); do grep -v '^--' "$one"; done
        printf 'COMMIT;\n'
    } >"$out"
}

# measure SIZE REP: every mode and shape once, alternating; appends to runs.tsv.
measure() {
    local size="$1" rep="$2" shape mode script tps first
    first="$(sql_value -c "SELECT min(id) FROM bpm.cases WHERE key = 'bench_case'")"
    for shape in 1 10; do
        for mode in plain cold hot; do
            script="$OUT/cases_$mode.sql"
            ((shape == 1)) || script="$OUT/cases_${mode}_x10.sql"
            run_as "$PG_BINDIR/pgbench" -n -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$SECS" \
                -D ncases="$size" -D first="$first" -f "$script" "$DB" >"$OUT/pgbench-$size-$shape-$mode-$rep.log" 2>&1 ||
                { cat "$OUT/pgbench-$size-$shape-$mode-$rep.log" >&2; die "pgbench failed"; }
            tps="$(awk '/^tps = / { print $3; exit }' "$OUT/pgbench-$size-$shape-$mode-$rep.log")"
            printf '%s\t%s\t%s\t%s\t%s\n' "$size" "$shape" "$mode" "$rep" \
                "$(awk -v t="$tps" -v s="$shape" 'BEGIN { printf "%.1f", t * s }')" >>"$OUT/runs.tsv"
            log "$size cases, $shape/txn, $mode, rep $rep: $(tail -1 "$OUT/runs.tsv" | cut -f5) updates/s"
        done
    done
}

fill_to() {
    local target="$1" have n
    have="$(sql_value -c 'SELECT count(*) FROM bench.plain')"
    while ((have < target)); do
        n=$((target - have)); ((n <= 10000)) || n=10000
        psql_quiet -d "$DB" -c "SELECT bench.fill($n)"
        have=$((have + n))
    done
    psql_quiet -d "$DB" -c 'VACUUM (ANALYZE) bpm.instance, bpm.plan_item, bpm.event, bench.plain' -c 'CHECKPOINT'
    log "$(sql_value -c "SELECT count(*) FROM bpm.cases WHERE state = 'running'") open cases, $(sql_value -c 'SELECT count(*) FROM bpm.plan_item') plan items, $(sql_value -c "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'bpm' AND c.relkind = 'r'") in bpm tables"
}

summarize() {
    local s="$OUT/summary.md" size shape mode m base
    {
        bench_header bench/cases.sh
        printf -- '- settings: fsync on, synchronous_commit on; %s pgbench client(s), %s s per run, %s rep(s); medians\n\n' \
            "$CLIENTS" "$SECS" "$REPS"
        printf '| open cases | updates per transaction | plain UPDATE/s | cold: update_case/s (0 sentries) | hot: update_case/s (10 sentries) | cost cold | cost hot | hot / cold |\n'
        printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
        for size in "$SMALL" "$CASES"; do
            for shape in 1 10; do
                declare -A med=()
                for mode in plain cold hot; do
                    med[$mode]="$(awk -F'\t' -v z="$size" -v h="$shape" -v m="$mode" '$1 == z && $2 == h && $3 == m { print $5 }' "$OUT/runs.tsv" | median '%.1f')"
                done
                base="${med[plain]}"
                printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$size" "$shape" "$base" "${med[cold]}" "${med[hot]}" \
                    "$(awk -v b="$base" -v m="${med[cold]}" 'BEGIN { printf "%.2f", b / m }')" \
                    "$(awk -v b="$base" -v m="${med[hot]}" 'BEGIN { printf "%.2f", b / m }')" \
                    "$(awk -v c="${med[cold]}" -v h="${med[hot]}" 'BEGIN { printf "%.2f", c / h }')"
                unset med
            done
        done
        printf '\ncost = plain UPDATE/s / update_case/s in the same run (1.5: an update of the case file costs 1.5 plain jsonb updates);\n'
        printf 'hot / cold = what the 10 listening sentries add. Compare the rows of %s and %s open cases: flat means the cost does not grow with the cases.\n' "$SMALL" "$CASES"
    } >"$s"
}

main() {
    local rep m
    bench_begin cbench "$@"
    bench_out cases_setup.sql cases_plain.sql cases_cold.sql cases_hot.sql
    for m in plain cold hot; do batch_script "$OUT/cases_$m.sql" "$OUT/cases_${m}_x10.sql"; done
    : >"$OUT/runs.tsv"
    own_for_run_user "$OUT"

    log "mode $MODE: $SMALL then $CASES open cases, ${SECS}s per run, $REPS rep(s), $CLIENTS client(s)"
    psql_quiet -d postgres -c "CREATE DATABASE $DB"
    psql_quiet -d "$DB" -c 'CREATE EXTENSION pg_bpm' -f "$OUT/cases_setup.sql"

    fill_to "$SMALL"
    for ((rep = 1; rep <= REPS; rep++)); do measure "$SMALL" "$rep"; done
    fill_to "$CASES"
    for ((rep = 1; rep <= REPS; rep++)); do measure "$CASES" "$rep"; done

    summarize
    printf '\n'
    cat "$OUT/summary.md"
    bench_save cases summary.md runs.tsv
}

main "$@"
