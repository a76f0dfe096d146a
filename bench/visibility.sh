#!/usr/bin/env bash
#
# bench/visibility.sh — case visibility: what row-level security costs readers.
#
#   bench/visibility.sh           full: 10,000 open process tasks and 10,000 open
#                                 cases, 10 s per run, 3 reps (~7 min)
#   bench/visibility.sh --quick   2,000 and 2,000, 5 s per run, 1 rep (~2 min)
#
# Options (after --quick): --cases N (open cases, and as many open process
# tasks), --seconds S (per pgbench run), --reps N, --clients N (pgbench
# clients, default 1), --keep (leave the cluster running), --no-install
# (use the pg_bpm installed now, e.g. while the tree is being edited).
#
# What it does: builds and installs pg_bpm, starts a throwaway cluster with
# the test/cluster.sh helpers (cluster "vbench", port PGBPM_PORT, default
# 54421; durability at the defaults, the background workers off), loads
# bench/sql/visibility_setup.sql and fills it: N instances of a process
# with one open user task for anyone (no case above them: every role sees
# them) and N open cases, each with one open human task for the candidate
# group "clerks". Three readers run the same queries:
#
#   owner     the owner of schema bpm (the run user, who installed the
#             extension): bypasses row-level security, the baseline; in
#             group "clerks", so its worklist is the member's
#   member    LOGIN role in group "clerks": participates in every case
#   stranger  LOGIN role with no part in any case: sees the processes only
#
# member and stranger are plain roles: pgbench connects as them (-U; the
# cluster trusts local connections) with bpm.actor unset, so the actor is
# the role's name. Every row they read of a table with a policy goes
# through bpm.may_see (src/sql/95_row_security.sql, src/security/visibility.c).
# The queries, one pgbench script each (bench/sql/visibility_*.sql), run
# with pgbench -M prepared, the readers alternating within each rep:
#
#   count     SELECT count(*) FROM bpm.worklist              the whole worklist
#   page      SELECT * FROM bpm.worklist ORDER BY priority DESC, id LIMIT 20
#   case      SELECT * FROM bpm.cases WHERE id = <random case>
#   history   SELECT * FROM bpm.history(<random case>)
#
# Figures come from pgbench's per-transaction log (-l), without each
# client's first transaction: a new backend's first read fills its cache of
# instance scopes (the cases above each instance), which is measured apart:
# the first and the second SELECT count(*) FROM bpm.tasks of a fresh psql
# session per reader, medians of 5 sessions. Reported: transactions/s,
# p50/p99 latency, and owner tps / reader tps (median of the per-rep
# ratios; 1.0 = visibility is free, 3.0 = the reader's query costs 3x).
#
# Output: the summary on stdout and in bench/results/tmp/<stamp>-visibility/
# (summary.md, runs.tsv, first_read.tsv, rows.tsv). No timing is asserted anywhere:
# the figures are reported, never checked.
# shellcheck disable=SC2016  # SQL and markdown in single quotes
set -euo pipefail

export PGBPM_PORT="${PGBPM_PORT:-54421}"
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$BENCH_DIR/lib.sh"

DB=bench
CASES=10000 SECS=10 REPS=3 CLIENTS=1 INSTALL=1 WARMUP=2 FIRST_READS=5
declare -A OPTIONS=([--cases]=CASES [--seconds]=SECS [--reps]=REPS [--clients]=CLIENTS)
declare -A QUICK=([CASES]=2000 [SECS]=5 [REPS]=1)
QUERIES=(count page case history)
READERS=(owner member stranger)
declare -A TITLE=(
    [count]='`SELECT count(*) FROM bpm.worklist`'
    [page]='`SELECT * FROM bpm.worklist ORDER BY priority DESC, id LIMIT 20`'
    [case]='`SELECT * FROM bpm.cases WHERE id = :random_case`'
    [history]='`SELECT * FROM bpm.history(:random_case)`'
)

usage() { sed -n '3,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

check_args() { ((CASES > 0)) || die "--cases must be positive"; }

sql_value() { psql_as -d "$DB" -At "$@"; }

# The role a reader connects as: the owner is the run user.
role_of() { if [[ $1 == owner ]]; then printf '%s' "$PGBPM_RUN_USER"; else printf '%s' "$1"; fi; }

# ---------------------------------------------------------------- data

fill() {
    local kind have n t0=$SECONDS
    log "filling: $CASES open process tasks, then $CASES open cases (bench.fill, 1,000 per transaction)"
    for kind in process case; do
        have=0
        while ((have < CASES)); do
            n=$((CASES - have)); ((n <= 1000)) || n=1000
            psql_quiet -d "$DB" -c "SELECT bench.fill('$kind', $n)"
            have=$((have + n))
        done
    done
    # Every table, bpm.actor_group (a group per case and role) and bpm.token
    # too: autovacuum must not analyze them in the middle of the runs.
    psql_quiet -d "$DB" -c 'VACUUM (ANALYZE)' -c 'CHECKPOINT'
    read -r FIRST_CASE NCASES LAST_CASE < <(sql_value -F ' ' -c "SELECT min(id), count(*), max(id) FROM bpm.cases")
    ((LAST_CASE - FIRST_CASE + 1 == CASES && NCASES == CASES)) ||
        die "the cases are not one run of $CASES ids: $NCASES cases from $FIRST_CASE to $LAST_CASE"
    log "filled in $((SECONDS - t0)) s: $(sql_value -c "SELECT count(*) FROM bpm.tasks") open tasks, $(sql_value -c \
        "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'bpm' AND c.relkind = 'r'") in bpm tables"
}

# What each reader sees: rows of each query (for a case in the middle).
rows_seen() {
    local r c=$((FIRST_CASE + CASES / 2))
    for r in "${READERS[@]}"; do
        printf '%s\t%s\n' "$r" "$(psql_as -d "$DB" -U "$(role_of "$r")" -At -F $'\t' -c "
            SELECT (SELECT count(*) FROM bpm.worklist),
                   (SELECT count(*) FROM (SELECT * FROM bpm.worklist ORDER BY priority DESC, id LIMIT 20) p),
                   (SELECT count(*) FROM bpm.cases WHERE id = $c),
                   (SELECT count(*) FROM bpm.history($c))")"
    done >"$OUT/rows.tsv"
    # What the readers should see of the cases: all (member), none (stranger).
    VISIBLE_CASES="$(for r in member stranger; do
        psql_as -d "$DB" -U "$r" -At -c "SELECT '$r sees ' || count(*) || ' of the $CASES cases' FROM bpm.cases"
    done | paste -sd ';' | sed 's/;/; /')"
    log "visibility: $VISIBLE_CASES"
    [[ $VISIBLE_CASES == "member sees $CASES of the $CASES cases; stranger sees 0 of the $CASES cases" ]] ||
        warn "the readers do not see what the policies say (member: every case, stranger: none): $VISIBLE_CASES"
}

# ---------------------------------------------------------------- measure

# pgbench_run QUERY READER SECONDS TAG: one pgbench run as READER's role;
# sets TPS, P50, P99 (ms), N from its per-transaction log, without each
# client's first transaction, and PGBENCH_TPS (pgbench's own figure).
pgbench_run() {
    local q="$1" reader="$2" secs="$3" tag="$4" out="$OUT/raw/$4.out" logdir="$OUT/raw/$4.log"
    run_as mkdir -p "$logdir"
    run_as "$PG_BINDIR/pgbench" -n -M prepared -U "$(role_of "$reader")" -c "$CLIENTS" -j "$CLIENTS" -T "$secs" \
        -D first="$FIRST_CASE" -D ncases="$CASES" -l --log-prefix="$logdir/tx" \
        -f "$OUT/visibility_$q.sql" "$DB" >"$out" 2>&1 ||
        { cat "$out" >&2; die "pgbench failed: $q as $reader"; }
    grep -q '^number of failed transactions: 0 ' "$out" || { cat "$out" >&2; die "pgbench reported failed transactions ($tag)"; }
    PGBENCH_TPS="$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$out")"
    # Per-transaction log: client_id transaction_no time(us) script_no epoch us.
    # tps = the sum over clients of (transactions - 1) / (last end - first end).
    read -r TPS P50 P99 N < <(cat "$logdir"/tx.* | awk '
        $2 == 0 { next }
        { t = $5 + $6 / 1e6; n[$1]++; if (!($1 in lo) || t < lo[$1]) lo[$1] = t; if (t > hi[$1]) hi[$1] = t; print $3 }
        END { for (c in n) if (hi[c] > lo[c]) tps += n[c] / (hi[c] - lo[c]); printf "TPS %.1f\n", tps }' |
        sort -n | awk '
        /^TPS / { tps = $2; next }
        { v[++k] = $1 }
        function pct(p,   r) { r = int(p * k / 100); if (r < p * k / 100) r++; if (r < 1) r = 1; return v[r] / 1000 }
        END { if (k < 2) print "NA NA NA " k; else printf "%s %.3f %.3f %d\n", tps, pct(50), pct(99), k }')
    rm -rf "$logdir"
}

# measure REP: every query, every reader once, the readers alternating.
measure() {
    local rep="$1" q r
    for q in "${QUERIES[@]}"; do
        for r in "${READERS[@]}"; do
            pgbench_run "$q" "$r" "$SECS" "$q-$r-r$rep"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$q" "$r" "$rep" "$TPS" "$P50" "$P99" "$N" "$PGBENCH_TPS" \
                >>"$OUT/runs.tsv"
            log "$q as $r, rep $rep: $TPS tps, p50 $P50 ms, p99 $P99 ms ($N transactions)"
        done
    done
}

warm_up() {
    local q r
    log "warm-up: every query as every reader for ${WARMUP}s"
    for q in "${QUERIES[@]}"; do
        for r in "${READERS[@]}"; do pgbench_run "$q" "$r" "$WARMUP" "warmup-$q-$r"; done
    done
}

# The first read of a new backend: a fresh psql session per reader runs
# SELECT count(*) FROM bpm.tasks twice; FIRST_READS sessions each.
first_reads() {
    local r i
    log "first read: $FIRST_READS fresh sessions per reader, SELECT count(*) FROM bpm.tasks twice in each"
    for r in "${READERS[@]}"; do
        for ((i = 1; i <= FIRST_READS; i++)); do
            psql_as -d "$DB" -U "$(role_of "$r")" -At \
                -c '\timing on' -c 'SELECT count(*) FROM bpm.tasks' -c 'SELECT count(*) FROM bpm.tasks' |
                awk -v r="$r" -v i="$i" '/^Time: / { t[++n] = $2 } /^[0-9]+$/ { rows = $1 }
                    END { printf "%s\t%s\t%s\t%s\t%s\n", r, i, t[1], t[2], rows }'
        done
    done >"$OUT/first_read.tsv"
}

# ---------------------------------------------------------------- report

# med QUERY READER COLUMN: the median of a runs.tsv column over the reps
# (tps: column 4, p50: 5, p99: 6).
med() {
    local f='%.3f'
    (($3 != 4)) || f='%.1f'
    awk -F'\t' -v q="$1" -v r="$2" -v c="$3" '$1 == q && $2 == r { print $c }' "$OUT/runs.tsv" | median "$f"
}

# ratio QUERY READER: the median over the reps of owner tps / READER tps.
ratio() {
    awk -F'\t' -v q="$1" -v r="$2" '
        $1 == q && $2 == "owner" { o[$3] = $4 }
        $1 == q && $2 == r { x[$3] = $4 }
        END { for (k in o) if (x[k] > 0) printf "%.2f\n", o[k] / x[k] }' "$OUT/runs.tsv" | median '%.2f'
}

summarize() {
    local s="$OUT/summary.md" q r
    {
        bench_header "bench/visibility.sh"
        printf -- '- data: %s open process tasks (no case) and %s open cases with one open task each for group clerks\n' \
            "$CASES" "$CASES"
        printf -- '- what the readers see (member: every case, stranger: none, is the rule): %s\n' "$VISIBLE_CASES"
        printf -- '- settings: pgbench -M prepared, %s client(s), %s s per run, %s rep(s); medians; each client'"'"'s first transaction left out\n\n' \
            "$CLIENTS" "$SECS" "$REPS"
        printf '| query | rows owner / member / stranger | owner tps | member tps | stranger tps | owner/member | owner/stranger |\n'
        printf '|---|---:|---:|---:|---:|---:|---:|\n'
        for q in "${QUERIES[@]}"; do
            printf '| %s | %s | %s | %s | %s | %s | %s |\n' "${TITLE[$q]}" "$(rows_of "$q")" \
                "$(med "$q" owner 4)" "$(med "$q" member 4)" "$(med "$q" stranger 4)" \
                "$(ratio "$q" member)" "$(ratio "$q" stranger)"
        done
        printf '\nowner/member, owner/stranger: owner tps / reader tps of the same rep, median over the reps (1.0: the policies cost nothing; 5.0: the reader'"'"'s query costs 5 times the owner'"'"'s).\n'
        printf '\nLatency, ms (p50 / p99 of every transaction but the first of each client):\n\n'
        printf '| query | owner | member | stranger |\n|---|---:|---:|---:|\n'
        for q in "${QUERIES[@]}"; do
            printf '| %s |' "$q"
            for r in "${READERS[@]}"; do printf ' %s / %s |' "$(med "$q" "$r" 5)" "$(med "$q" "$r" 6)"; done
            printf '\n'
        done
        printf '\nFirst read of a new backend: `SELECT count(*) FROM bpm.tasks`, ms, median of %s fresh sessions:\n\n' \
            "$FIRST_READS"
        printf '| reader | rows | first in the session | second | first - second |\n|---|---:|---:|---:|---:|\n'
        for r in "${READERS[@]}"; do
            awk -F'\t' -v r="$r" '$1 == r { print $3 "\t" $4 "\t" $5 }' "$OUT/first_read.tsv" | awk -F'\t' -v r="$r" '
                function median(a, n,   i, j, t) {
                    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
                    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
                }
                { f[NR] = $1 + 0; s[NR] = $2 + 0; d[NR] = $1 - $2; rows = $3 }
                END { printf "| %s | %s | %.1f | %.1f | %.1f |\n", r, rows, median(f, NR), median(s, NR), median(d, NR) }'
        done
        printf '\nEvery run (query, reader, rep, tps, p50, p99, transactions, pgbench tps with the first transactions):\n\n```\n'
        cat "$OUT/runs.tsv"
        printf '```\n'
    } >"$s"
}

rows_of() {
    local col
    case $1 in count) col=2 ;; page) col=3 ;; case) col=4 ;; history) col=5 ;; esac
    awk -F'\t' -v c="$col" '{ v[NR] = $c } END { printf "%s / %s / %s", v[1], v[2], v[3] }' "$OUT/rows.tsv"
}

# ---------------------------------------------------------------- main

main() {
    local rep
    bench_begin vbench "$@"
    bench_out visibility_setup.sql visibility_count.sql visibility_page.sql visibility_case.sql visibility_history.sql
    run_as mkdir -p "$OUT/raw"
    : >"$OUT/runs.tsv"

    log "mode $MODE: $CASES process tasks and $CASES cases, ${SECS}s per run, $REPS rep(s), $CLIENTS client(s)"
    psql_quiet -d postgres -c "CREATE DATABASE $DB"
    psql_quiet -d "$DB" -c 'CREATE EXTENSION pg_bpm' -f "$OUT/visibility_setup.sql"
    fill
    rows_seen
    first_reads
    warm_up
    for ((rep = 1; rep <= REPS; rep++)); do measure "$rep"; done

    summarize
    printf '\n'
    cat "$OUT/summary.md"
    bench_save visibility summary.md runs.tsv first_read.tsv rows.tsv
}

main "$@"
