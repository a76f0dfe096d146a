#!/usr/bin/env bash
#
# examples/demo.sh — run the invoice demo against a fresh local cluster.
#
#   bash examples/demo.sh          build, install, start, run the demo, stop
#   bash examples/demo.sh --keep   same, but leave the cluster running and
#                                  print how to connect to it
#   bash examples/demo.sh --stop   stop a cluster left running by --keep
#
# The cluster is the "demo" one of test/cluster.sh (normally .cluster/demo/
# in the checkout), separate from the one test/run uses.
set -euo pipefail

# shellcheck source=test/cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/../test/cluster.sh"

DEMO_DB=pg_bpm_demo
DEMO_SQL=examples/invoice_demo.sql

usage() { sed -n '3,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

stop_demo() {
    pg_paths_init
    select_run_user
    cluster_setup demo
    if cluster_running; then
        cluster_stop
    else
        log "no demo cluster is running in $PGBPM_CLUSTER_DIR"
    fi
}

run_demo() {
    [[ -f "$PGBPM_ROOT/$DEMO_SQL" ]] ||
        die "$DEMO_SQL does not exist yet: nothing to demonstrate"

    install_deps
    build_install
    select_run_user
    cluster_setup demo
    prepare_workdir demo
    trap cluster_stop_on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    cluster_init
    cluster_start

    log "creating database $DEMO_DB with pg_bpm"
    fresh_db "$DEMO_DB" pg_bpm

    log "running $DEMO_SQL"
    # cwd = the work tree, so \i / \ir paths in the demo resolve there.
    (cd "$PGBPM_WORKDIR" &&
        run_as "$PG_BINDIR/psql" -X -v ON_ERROR_STOP=1 -d "$DEMO_DB" -f "$DEMO_SQL")
    log "demo finished"

    if [[ "${PGBPM_KEEP_CLUSTER:-0}" == 1 ]]; then
        cat <<MSG

The demo cluster is still running (log: $PGBPM_LOGFILE). Connect with:

    $PG_BINDIR/psql -h $PGHOST -p $PGPORT -U $PGUSER $DEMO_DB

Stop it with:

    bash examples/demo.sh --stop
MSG
    fi
}

main() {
    case "${1:-}" in
        "") run_demo ;;
        --keep) PGBPM_KEEP_CLUSTER=1; run_demo ;;
        --stop) stop_demo ;;
        -h|--help) usage ;;
        *) printf 'unknown option: %s\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
}

main "$@"
