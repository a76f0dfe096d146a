# shellcheck shell=bash
#
# bench/lib.sh — shared shell of bench/cases.sh, bench/workers.sh and
# bench/visibility.sh, on top of test/cluster.sh.
#
# Source it from a bash script that has `set -euo pipefail`, sets BENCH_DIR,
# defines usage() and declares:
#
#   INSTALL=1          1: build and install pg_bpm, 0: use the one installed
#                      (--no-install)
#   OPTIONS            associative: valued option -> variable (--seconds SECS)
#   QUICK              associative: variable -> its value with --quick, unless
#                      an option set it
#   check_args         (optional function) checks the variables once parsed
#   CLUSTER_CONF       (optional) postgresql.conf lines of its own
#
# It provides:
#
#   bench_begin CLUSTER ARGS...  parse the arguments (--quick, --keep,
#                      --no-install, -h and OPTIONS), build and install, start
#                      cluster CLUSTER: the test cluster's settings (the
#                      workers off, durability at the defaults), 512 MB of
#                      shared buffers, checkpoints far apart, CLUSTER_CONF.
#                      Sets MODE (quick or full), ARGS_TEXT, STAMP, GIT_DESC;
#                      the cluster stops on exit, unless --keep
#   bench_out FILE...  OUT, the output directory of this run in the cluster
#                      directory, with copies of bench/sql/FILE... that the
#                      run user can read
#   bench_header TITLE the first lines of a summary: title, date, command,
#                      commit, server version, machine
#   bench_save NAME FILE...  copy OUT/FILE... (those that exist) to
#                      bench/results/tmp/<stamp>-NAME/
#   median [FORMAT]    the median of the numbers on stdin, one a line ("-"
#                      for none); FORMAT (default %.2f) prints the mean of
#                      the middle two

# shellcheck source-path=SCRIPTDIR source=../test/cluster.sh
. "$BENCH_DIR/../test/cluster.sh"

MODE=full

bench_args() {
    local -A set_by_user=()
    local var
    while (($#)); do
        case $1 in
            --quick) MODE=quick ;;
            --keep) export PGBPM_KEEP_CLUSTER=1 ;;
            --no-install) INSTALL=0 ;;
            -h|--help) usage; exit 0 ;;
            *)
                var="${OPTIONS[$1]:-}"
                if [[ -z $var || $# -lt 2 ]]; then
                    printf 'unknown option or missing value: %s\n' "$1" >&2; usage >&2; exit 2
                fi
                printf -v "$var" '%s' "$2"
                set_by_user[$var]=1
                shift ;;
        esac
        shift
    done
    if [[ $MODE == quick ]]; then
        for var in "${!QUICK[@]}"; do
            [[ -n ${set_by_user[$var]:-} ]] || printf -v "$var" '%s' "${QUICK[$var]}"
        done
    fi
    if declare -F check_args >/dev/null; then check_args; fi
}

bench_begin() {
    local cluster="$1"
    shift
    BENCH_SCRIPT="bench/$(basename "$0")"
    ARGS_TEXT="${*:+ $*}"
    bench_args "$@"
    STAMP="$(date -u +%Y%m%d-%H%M%S)"
    GIT_DESC="$(git -C "$PGBPM_ROOT" describe --always --dirty 2>/dev/null || echo 'not a git checkout')"

    if is_root; then install_deps; else pg_paths_init; fi
    command -v "$PG_BINDIR/pgbench" >/dev/null 2>&1 || die "pgbench not found in $PG_BINDIR"
    if ((INSTALL)); then build_install; fi
    select_run_user
    cluster_setup "$cluster"
    trap cluster_stop_on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    cluster_init
    run_as tee -a "$PGDATA/postgresql.conf" >/dev/null <<CONF

# ---- pg_bpm benchmark cluster ($BENCH_SCRIPT) ----
shared_buffers = 512MB
max_wal_size = 4GB
checkpoint_timeout = 30min
${CLUSTER_CONF:-}
CONF
    cluster_start
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
    for f in "$@"; do [[ ! -s "$OUT/$f" ]] || cp "$OUT/$f" "$dest/"; done
    log "results saved in $dest"
}

median() {
    sort -n | awk -v f="${1:-%.2f}" '
        { v[NR] = $1 }
        END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf f "\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
