#!/usr/bin/env bash
#
# test/valgrind/run.sh [FILE.sql] — run SQL through one backend under
# valgrind (memcheck) and fail on any memory error pg_bpm causes.
#
# A single-user backend (postgres --single) in a throwaway data directory
# runs FILE.sql (default: test/valgrind/steps.sql: a sub-process of 20
# tasks, a case with a stage, their tasks completed). Not part of
# test/run (it takes minutes); run it after touching code that grows
# arrays, frees memory or returns rows from SPI. Needs valgrind
# (apt-get install valgrind). PostgreSQL's WAL padding, which valgrind
# reports as uninitialised bytes written, is suppressed as PostgreSQL's
# own src/tools/valgrind.supp does.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../cluster.sh"
command -v valgrind >/dev/null || die "valgrind is not installed (apt-get install valgrind)"
pg_paths_init
select_run_user
sql="$(cd "$(dirname "${1:-$PGBPM_ROOT/test/valgrind/steps.sql}")" && pwd)/$(basename "${1:-steps.sql}")"
work="$(mktemp -d /tmp/pg_bpm-valgrind-XXXXXX)"
cp "$sql" "$work/input.sql"
cat >"$work/padding.supp" <<'SUPP'
{
   wal_padding
   Memcheck:Param
   pwrite64(buf)
   ...
   fun:XLogFlush
}
{
   wal_padding_write
   Memcheck:Param
   pwrite64(buf)
   ...
   fun:XLogWrite
}
SUPP
own_for_run_user "$work"
run_as "$PG_BINDIR/initdb" -D "$work/data" -A trust >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log"; die "initdb failed"; }
log "valgrind: $sql in a single-user backend ($work)"
if run_as valgrind --quiet --error-exitcode=42 --suppressions="$work/padding.supp" \
        "$PG_BINDIR/postgres" --single -D "$work/data" -j postgres \
        <"$work/input.sql" >"$work/out.log" 2>"$work/valgrind.log"; then
    log "no memory error"
    rm -rf -- "$work"
else
    grep -E '^==[0-9]+== ' "$work/valgrind.log" | head -60
    die "valgrind found memory errors: $work/valgrind.log"
fi
