# shellcheck shell=bash
#
# bench/lib.sh — shared shell of the benchmark scripts (bench/cases.sh,
# bench/workers.sh, bench/visibility.sh), on top of test/cluster.sh.
#
# Source it from a bash script that has `set -euo pipefail`, sets BENCH_DIR
# and defines parse_args and the variable INSTALL (1: build and install
# pg_bpm, 0: use the one installed). It provides:
#
#   bench_begin CLUSTER ARGS...  parse the arguments, build and install,
#                      init cluster CLUSTER (not started: append to
#                      $PGDATA/postgresql.conf, then cluster_start); sets
#                      ARGS_TEXT, STAMP, GIT_DESC; the cluster stops on exit
#   bench_out FILE...  OUT, the output directory of this run in the cluster
#                      directory, with copies of bench/sql/FILE... the run
#                      user can read
#   bench_header TITLE the first lines of a summary: title, date, command,
#                      commit, server version, machine
#   bench_save NAME FILE...  copy OUT/FILE... to bench/results/tmp/<stamp>-NAME/
#   median [FORMAT]    the median of the numbers on stdin (FORMAT, default
#                      %.2f, for the mean of the middle two)

# shellcheck source-path=SCRIPTDIR source=../test/cluster.sh
. "$BENCH_DIR/../test/cluster.sh"

bench_begin() {
    local cluster="$1"
    BENCH_SCRIPT="bench/$(basename "$0")"
    shift
    ARGS_TEXT="${*:+ $*}"
    parse_args "$@"
    STAMP="$(date -u +%Y%m%d-%H%M%S)"
    GIT_DESC="$(git -C "$PGBPM_ROOT" describe --always --dirty 2>/dev/null || echo 'not a git checkout')"

    if is_root; then install_deps; else pg_paths_init; fi
    command -v "$PG_BINDIR/pgbench" >/dev/null 2>&1 || die "pgbench not found in $PG_BINDIR"
    if ((INSTALL)); then build_install; else pg_paths_init; fi
    select_run_user
    cluster_setup "$cluster"
    trap cluster_stop_on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    cluster_init
}

bench_out() {
    local f
    OUT="$PGBPM_CLUSTER_DIR/out-$STAMP"
    run_as mkdir -p "$OUT"
    for f in "$@"; do cp "$BENCH_DIR/sql/$f" "$OUT/"; done
    own_for_run_user "$OUT"
}

# shellcheck disable=SC2016  # markdown backquotes
bench_header() {
    printf '# %s — %s\n\n' "$1" "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf -- '- command: `bash %s%s`\n' "$BENCH_SCRIPT" "$ARGS_TEXT"
    printf -- '- commit: %s; %s\n' "$GIT_DESC" "$(psql_as -d postgres -At -c 'SELECT version()' | cut -d, -f1)"
    printf -- '- machine: %s cores, %s; load average at the end: %s\n' "$(nproc)" \
        "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

bench_save() {
    local dest="$BENCH_DIR/results/tmp/$STAMP-$1" f
    shift
    mkdir -p "$dest"
    for f in "$@"; do [[ ! -e "$OUT/$f" ]] || cp "$OUT/$f" "$dest/"; done
    log "results saved in $dest"
}

median() {
    sort -n | awk -v f="${1:-%.2f}" '
        { v[NR] = $1 }
        END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf f "\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
