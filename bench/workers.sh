#!/usr/bin/env bash
#
# bench/workers.sh — the background workers: timer lateness, async job throughput.
#
#   bench/workers.sh           full: 200 idle timers, 1,000 timers/s for 15 s,
#                              5,000 async jobs per throughput run, 3 reps (~10 min)
#   bench/workers.sh --quick   100 idle timers, 1,000/s for 5 s, 2,000 jobs, 1 rep
#
# Options (after --quick): --rate R (timers due per second, loaded phase),
# --seconds S (its length), --idle N (idle timers), --jobs N (per
# throughput run), --reps N, --keep (leave the cluster running),
# --no-install (use the pg_bpm installed now, e.g. while the tree is being
# edited).
#
# What it does: builds and installs pg_bpm, starts a throwaway cluster with
# the test/cluster.sh helpers (cluster "wbench", port PGBPM_PORT, default
# 54361; durability at the defaults: fsync and synchronous_commit on) with
# the workers on (pg_bpm.scheduler = on, pg_bpm.max_job_workers = 2),
# deploys bench/sql/workers_setup.sql, then measures:
#
#   lateness   how late a timer fires: timer_fired.at (the engine's clock:
#              the start of the runner's job transaction) - the job's due_at (from its job_created
#              event), per timer; p50/p90/p99/max in ms
#     idle-ahead  --idle timers due 100 ms apart, created in one transaction
#                 2 s ahead: the scheduler sleeps until each is due
#     idle-soon   --idle timers created one by one by a client, each due
#                 200 ms after its commit, 100 ms apart: the commit wakes
#                 the scheduler, which then sleeps until it is due
#     loaded      --rate x --seconds timers due evenly spread (1/rate s
#                 apart), created ahead of time; then nothing else runs
#     loaded-async  the same with synchronous_commit = off (server-wide),
#                 to show how much of the cost is the WAL flush per job
#     loaded-vacuumed  the same as loaded, with a session running VACUUM
#                 bpm.job every second meanwhile: a diagnosis, to show how
#                 much of the cost is dead job rows (see bench/RESULTS.md)
#   throughput  --jobs instances of wb_async (one async job each) queued
#              while no runner runs (pg_bpm.max_job_workers = 0), then
#              drained by:
#     runners K        pg_bpm.max_job_workers = K (1, 2), set by SIGHUP
#     run_jobs K       K pgbench sessions calling SELECT bpm.run_jobs(1), one
#                      transaction per job: the same engine code driven by
#                      clients (the baseline for the runners)
#     plain-sql K      K pgbench sessions draining a plain SQL queue (one
#                      DELETE ... SKIP LOCKED + one INSERT per transaction):
#                      the least any job queue in SQL costs per job
#              jobs/s = jobs / (last completion - first completion), from
#              the event log's times (wb.done for the plain queue); the
#              modes alternate within each rep, and the report gives
#              medians and ratios from the same run.
#
# Output: the summary on stdout and in bench/results/tmp/<stamp>-workers/
# (summary.md, lateness.tsv, throughput.tsv). No timing is asserted
# anywhere: the figures are reported, never checked.
# shellcheck disable=SC2016  # SQL and markdown in single quotes
set -euo pipefail

export PGBPM_PORT="${PGBPM_PORT:-54361}"
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$BENCH_DIR/lib.sh"

DB=bench
RATE=1000 SECONDS_LOADED=15 IDLE=200 JOBS=5000 REPS=3 INSTALL=1
declare -A OPTIONS=([--rate]=RATE [--seconds]=SECONDS_LOADED [--idle]=IDLE [--jobs]=JOBS [--reps]=REPS)
declare -A QUICK=([SECONDS_LOADED]=5 [IDLE]=100 [JOBS]=2000 [REPS]=1)
# The workers on (the test cluster's settings turn them off).
CLUSTER_CONF="pg_bpm.scheduler = on
pg_bpm.max_job_workers = 2
max_worker_processes = 16"

usage() { sed -n '3,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

sql() { psql_as -d "$DB" "$@"; }
sql_value() { psql_as -d "$DB" -At "$@"; }

# wait_until SQL [timeout s]: poll until the query returns t.
wait_until() {
    local q="$1" limit="${2:-600}" t0=$SECONDS
    until [[ "$(sql_value -c "$q")" == t ]]; do
        ((SECONDS - t0 < limit)) || die "timed out after ${limit}s waiting for: $q"
        sleep 0.2
    done
}

set_workers() {
    sql -c "ALTER SYSTEM SET pg_bpm.max_job_workers = $1" -c 'SELECT pg_reload_conf()' >/dev/null
    if (($1 == 0)); then
        wait_until "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'pg_bpm runner'"
    fi
}

set_sync_commit() {
    sql -c "ALTER SYSTEM SET synchronous_commit = $1" -c 'SELECT pg_reload_conf()' >/dev/null
}

clean_slate() {
    psql_quiet -d "$DB" -c 'VACUUM (ANALYZE) bpm.job, bpm.instance, bpm.token, wb.queue, wb.done' \
        -c 'CHECKPOINT'
}

# ---------------------------------------------------------------- lateness

# lateness LABEL: append the summary of the timers of business key LABEL.
lateness() {
    local label="$1" row
    row="$(sql_value -F $'\t' -c "SELECT * FROM wb.lateness_summary('$label')")"
    printf '%s\t%s\n' "$label" "$row" >>"$OUT/lateness.tsv"
    log "lateness $label: $(printf '%s' "$row" | awk -F'\t' '{printf "n=%s p50=%s p90=%s p99=%s max=%s ms, %s fired/s", $1, $2, $3, $4, $5, $6}')"
}

idle_ahead() {
    log "idle-ahead: $IDLE timers due 100 ms apart, scheduled 2 s ahead"
    clean_slate
    sql -q -c "SELECT count(bpm.start('wb_tick', jsonb_build_object('due',
                 wb.iso(now() + interval '2 s' + g * interval '100 ms')), 'idle-ahead'))
               FROM generate_series(1, $IDLE) g" >/dev/null
    wait_until "SELECT NOT EXISTS (SELECT FROM bpm.instance WHERE business_key = 'idle-ahead' AND state <> 'completed')"
    lateness idle-ahead
}

idle_soon() {
    local i script="$OUT/idle_soon.sql"
    log "idle-soon: $IDLE timers, each created 200 ms before it falls due, 100 ms apart"
    clean_slate
    : >"$script"
    for ((i = 0; i < IDLE; i++)); do
        printf '%s\n' "SELECT bpm.start('wb_soon', '{\"wait\": \"PT0.2S\"}', 'idle-soon');" \
            'SELECT pg_sleep(0.1);' >>"$script"
    done
    own_for_run_user "$script"
    sql -q -o /dev/null -f "$script"
    wait_until "SELECT NOT EXISTS (SELECT FROM bpm.instance WHERE business_key = 'idle-soon' AND state <> 'completed')"
    lateness idle-soon
}

# loaded LABEL [vacuum]: RATE timers due per second for SECONDS_LOADED s,
# created ahead in transactions of 1,000; with "vacuum", VACUUM bpm.job
# runs every second while they fire.
loaded() {
    local label="$1" vacuum="${2:-}" n=$((RATE * SECONDS_LOADED)) chunk=1000 lo margin base ahead vpid=
    # creating a timer instance takes well under 2 ms: 2 ms each, plus 5 s
    margin=$(( 5 + n * 2 / 1000 ))
    log "$label: $n timers due at $RATE/s for ${SECONDS_LOADED}s, the first ${margin}s from now"
    clean_slate
    base="$(sql_value -c "SELECT now() + interval '$margin s'")"
    for ((lo = 0; lo < n; lo += chunk)); do
        sql -q -o /dev/null -c "SELECT count(bpm.start('wb_tick', jsonb_build_object('due',
                 wb.iso('$base'::timestamptz + g * interval '1 s' / $RATE)), '$label'))
               FROM generate_series($lo, least($lo + $chunk, $n) - 1) g"
    done
    ahead="$(sql_value -c "SELECT round(extract(epoch FROM '$base'::timestamptz - clock_timestamp())::numeric, 1)")"
    log "created; the first falls due in ${ahead}s"
    [[ "${ahead%%.*}" != -* ]] || warn "$label: creating the timers took longer than the margin: the first ones were late before the workers saw them"
    if [[ -n $vacuum ]]; then
        rm -f "$OUT/stop-vacuum"
        ( while [[ ! -e "$OUT/stop-vacuum" ]]; do psql_quiet -d "$DB" -c 'VACUUM bpm.job'; sleep 1; done ) &
        vpid=$!
    fi
    wait_until "SELECT NOT EXISTS (SELECT FROM bpm.instance WHERE business_key = '$label' AND state <> 'completed')" \
        $((margin + SECONDS_LOADED + 600))
    if [[ -n $vpid ]]; then touch "$OUT/stop-vacuum"; wait "$vpid"; fi
    lateness "$label"
    # how lateness moves through the phase: p99 per 1/5 of it
    sql_value -F $'\t' -c "
        SELECT '$label', ntile, count(*), round(percentile_cont(0.99) WITHIN GROUP (ORDER BY late_ms)::numeric, 1),
               round(max(late_ms)::numeric, 1)
          FROM (SELECT late_ms, ntile(5) OVER (ORDER BY due) FROM wb.lateness('$label')) s
         GROUP BY ntile ORDER BY ntile" >>"$OUT/lateness_fifths.tsv"
}

# ---------------------------------------------------------------- throughput

queue_async() {
    local label="$1" lo
    for ((lo = 0; lo < JOBS; lo += 1000)); do
        sql -q -o /dev/null -c "SELECT count(bpm.start('wb_async', '{}', '$label'))
                                FROM generate_series($lo, least($lo + 1000, $JOBS) - 1)"
    done
}

# jobs/s of the async jobs of business key LABEL, from their completion events
engine_rate() {
    sql_value -c "
        SELECT round((count(*) - 1) / extract(epoch FROM max(e.at) - min(e.at)))
          FROM bpm.instance i JOIN bpm.event e ON e.instance_id = i.id AND e.kind = 'job_completed'
         WHERE i.business_key = '$1'"
}

# throughput MODE K REP: one drain of JOBS jobs; appends to throughput.tsv
throughput() {
    local mode="$1" k="$2" rep="$3" label="tp-$1-$2-$3" rate per t0 wall
    set_workers 0
    clean_slate
    case $mode in
        runners)
            queue_async "$label"
            t0=$(date +%s.%N)
            set_workers "$k"
            wait_until "SELECT NOT EXISTS (SELECT FROM bpm.instance WHERE business_key = '$label' AND state <> 'completed')"
            rate="$(engine_rate "$label")"
            ;;
        run_jobs)
            queue_async "$label"
            printf 'SELECT bpm.run_jobs(1);\n' >"$OUT/run_jobs.sql"
            own_for_run_user "$OUT/run_jobs.sql"
            per=$(( (JOBS + k - 1) / k ))
            t0=$(date +%s.%N)
            run_as "$PG_BINDIR/pgbench" -n -c "$k" -j "$k" -t "$per" -f "$OUT/run_jobs.sql" "$DB" \
                >"$OUT/pgbench-$label.log" 2>&1
            # jobs a session skipped (another held them) are left: count only what the sessions ran
            rate="$(sql_value -c "
                SELECT round((count(*) - 1) / extract(epoch FROM max(e.at) - min(e.at)))
                  FROM bpm.instance i JOIN bpm.event e ON e.instance_id = i.id AND e.kind = 'job_completed'
                 WHERE i.business_key = '$label'")"
            sql -q -o /dev/null -c 'SELECT bpm.run_jobs(100000)'
            ;;
        plain-sql)
            sql -q -c "INSERT INTO wb.queue (payload) SELECT '{}' FROM generate_series(1, $JOBS)"
            cat >"$OUT/plain.sql" <<'EOF'
WITH j AS (DELETE FROM wb.queue WHERE id = (SELECT id FROM wb.queue WHERE due_at <= now()
                                             ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING id)
INSERT INTO wb.done SELECT id, clock_timestamp() FROM j;
EOF
            own_for_run_user "$OUT/plain.sql"
            per=$(( (JOBS + k - 1) / k ))
            t0=$(date +%s.%N)
            run_as "$PG_BINDIR/pgbench" -n -c "$k" -j "$k" -t "$per" -f "$OUT/plain.sql" "$DB" \
                >"$OUT/pgbench-$label.log" 2>&1
            rate="$(sql_value -c "SELECT round((count(*) - 1) / extract(epoch FROM max(at) - min(at))) FROM wb.done")"
            psql_quiet -d "$DB" -c 'TRUNCATE wb.queue, wb.done'
            ;;
    esac
    wall="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
    printf '%s\t%s\t%s\t%s\t%s\n' "$mode" "$k" "$rep" "$rate" "$wall" >>"$OUT/throughput.tsv"
    log "throughput $mode $k (rep $rep): $rate jobs/s (wall ${wall}s for $JOBS)"
}

# ---------------------------------------------------------------- report

median_rate() {
    awk -F'\t' -v m="$1" -v k="$2" '$1 == m && $2 == k { print $4 }' "$OUT/throughput.tsv" | median '%.0f'
}

# median over reps of the per-rep ratio rate(m1,k1) / rate(m2,k2)
median_ratio() {
    awk -F'\t' -v a="$1" -v ka="$2" -v b="$3" -v kb="$4" '
        $1 == a && $2 == ka { x[$3] = $4 }
        $1 == b && $2 == kb { y[$3] = $4 }
        END { for (r in x) if (r in y && y[r] > 0) printf "%.2f\n", x[r] / y[r] }' "$OUT/throughput.tsv" | median '%.2f'
}

summarize() {
    local s="$OUT/summary.md" label n p50 p90 p99 max fps
    {
        bench_header bench/workers.sh
        printf -- '- settings: fsync on, synchronous_commit on (except loaded-async), pg_bpm.max_job_workers = 2 for lateness\n\n'
        printf '## Timer lateness (timer_fired.at - due_at), ms\n\n'
        printf '| phase | timers | p50 | p90 | p99 | max | fired/s |\n|---|---:|---:|---:|---:|---:|---:|\n'
        while IFS=$'\t' read -r label n p50 p90 p99 max fps; do
            printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$n" "$p50" "$p90" "$p99" "$max" "$fps"
        done <"$OUT/lateness.tsv"
        if [[ -s "$OUT/lateness_fifths.tsv" ]]; then
            printf '\nLoaded phases by fifth of the due dates (p99 / max ms):\n\n'
            awk -F'\t' '{ r[$1] = r[$1] sprintf(" %s/%s", $4, $5) } END { for (l in r) printf "- %s:%s\n", l, r[l] }' \
                "$OUT/lateness_fifths.tsv" | sort
        fi
        printf '\n## Async job throughput, %s jobs per run, median of %s reps (jobs/s)\n\n' "$JOBS" "$REPS"
        printf '| drained by | 1 | 2 | 2 vs 1 |\n|---|---:|---:|---:|\n'
        for m in runners run_jobs plain-sql; do
            printf '| %s | %s | %s | %s |\n' "$m" "$(median_rate "$m" 1)" "$(median_rate "$m" 2)" \
                "$(median_ratio "$m" 2 "$m" 1)"
        done
        printf '\nRatios (medians of per-rep ratios): runners / run_jobs sessions: %s (1), %s (2); ' \
            "$(median_ratio runners 1 run_jobs 1)" "$(median_ratio runners 2 run_jobs 2)"
        printf 'runners / plain SQL queue: %s (1), %s (2)\n' \
            "$(median_ratio runners 1 plain-sql 1)" "$(median_ratio runners 2 plain-sql 2)"
        printf '\nEvery run (mode, K, rep, jobs/s, wall s incl. start-up):\n\n```\n'
        cat "$OUT/throughput.tsv"
        printf '```\n'
    } >"$s"
}

main() {
    local rep m k
    bench_begin wbench "$@"

    bench_out workers_setup.sql
    : >"$OUT/lateness.tsv"
    : >"$OUT/lateness_fifths.tsv"
    : >"$OUT/throughput.tsv"

    log "mode $MODE: $IDLE idle timers, $RATE timers/s for ${SECONDS_LOADED}s, $JOBS jobs x $REPS reps"
    psql_quiet -d postgres -c "CREATE DATABASE $DB"
    psql_quiet -d "$DB" -c 'CREATE EXTENSION pg_bpm' -f "$OUT/workers_setup.sql"
    wait_until "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_bpm scheduler' AND datname = '$DB'" 60

    idle_ahead
    idle_soon
    loaded loaded
    set_sync_commit off
    loaded loaded-async
    set_sync_commit on
    loaded loaded-vacuumed vacuum

    for ((rep = 1; rep <= REPS; rep++)); do
        for k in 1 2; do
            for m in runners run_jobs plain-sql; do throughput "$m" "$k" "$rep"; done
        done
    done
    set_workers 2

    summarize
    printf '\n'
    cat "$OUT/summary.md"
    bench_save workers summary.md lateness.tsv throughput.tsv lateness_fifths.tsv
}

main "$@"
