# shellcheck shell=bash
#
# test/cluster.sh — shared helpers for test/run and examples/demo.sh.
#
# Source it from a bash script that has `set -euo pipefail`.  It provides:
#
#   install_deps      Debian packages the build and all test suites need
#   build_install     make + make install of the extension (PGXS)
#   select_run_user   the OS user the server and test tools run as
#   cluster_setup N   pick the directory of cluster N, stop and wipe any old one
#   cluster_init      initdb + postgresql.conf
#   cluster_start / cluster_stop / cluster_stop_on_exit (for `trap ... EXIT`)
#   run_as CMD...     run CMD as the run user (keeps PG* env)
#   psql_as ARGS...   psql against the cluster, as the run user
#   prepare_workdir N a copy of the checkout the run user can write, if needed
#
# PostgreSQL refuses to run as root, so when invoked as root everything that
# touches the server runs as PGBPM_RUN_USER (default: postgres); otherwise
# as the invoking user.
#
# Environment knobs:
#   PGBPM_PORT         server port (default 54329; no TCP listener, the
#                      port only names the unix socket)
#   PGBPM_RUN_USER     OS user for the server when invoked as root
#   PGBPM_CLUSTER_BASE parent directory of the cluster directories
#                      (default: <checkout>/.cluster, or /tmp/pg_bpm-... when
#                      the run user cannot reach the checkout)
#   PGBPM_LOCK_WAIT    seconds to wait for another run using the same
#                      cluster directory (default 900)
#   PG_CONFIG          pg_config to build and test against

PGBPM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PGBPM_PG_MAJOR=15
PGBPM_PORT="${PGBPM_PORT:-54329}"

if [[ -z "${PG_CONFIG:-}" ]]; then
    if [[ -x /usr/lib/postgresql/$PGBPM_PG_MAJOR/bin/pg_config ]]; then
        PG_CONFIG=/usr/lib/postgresql/$PGBPM_PG_MAJOR/bin/pg_config
    else
        PG_CONFIG=pg_config
    fi
fi
export PG_CONFIG

# Packages a fresh Debian 12 machine needs.  libkrb5-dev: the server headers
# include <gssapi/gssapi.h> from libpq/libpq-be.h (ENABLE_GSS is on in
# Debian's build), which C code reaching MyProcPort needs.
PGBPM_DEB_PACKAGES=(
    postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap
    libtap-parser-sourcehandler-pgtap-perl libipc-run-perl
    libkrb5-dev make gcc
)

# ---------------------------------------------------------------- messages

log()  { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# ---------------------------------------------------------------- packages

deb_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

install_deps() {
    if is_root && command -v apt-get >/dev/null 2>&1; then
        local missing=() p
        for p in "${PGBPM_DEB_PACKAGES[@]}"; do
            deb_installed "$p" || missing+=("$p")
        done
        if ((${#missing[@]})); then
            # Install the whole list, so that an already installed server is
            # upgraded to the version of the headers we build against.
            log "missing Debian packages: ${missing[*]}; installing"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq -o=Dpkg::Use-Pty=0 --no-install-recommends \
                "${PGBPM_DEB_PACKAGES[@]}"
        else
            log "Debian packages already installed"
        fi
    else
        is_root || log "not root: not installing packages, only checking tools"
    fi
    pg_paths_init
    local t missing_tools=()
    for t in make gcc prove pg_prove perl; do
        command -v "$t" >/dev/null 2>&1 || missing_tools+=("$t")
    done
    for t in "$PG_BINDIR/initdb" "$PG_BINDIR/pg_ctl" "$PG_BINDIR/psql" \
             "$PG_REGRESS_BIN" "$PG_ISOLATION_REGRESS_BIN" \
             "$PG_TAP_PERL_DIR/PostgreSQL/Test/Cluster.pm" \
             "$(pg_cfg --includedir-server)/postgres.h"; do
        [[ -e "$t" ]] || missing_tools+=("$t")
    done
    perl -MIPC::Run -e 1 2>/dev/null || missing_tools+=("perl module IPC::Run")
    [[ -e "$(pg_cfg --sharedir)/extension/pgtap.control" ]] || missing_tools+=("pgTAP extension")
    if ((${#missing_tools[@]})); then
        die "missing: ${missing_tools[*]}
  install (as root): apt-get install --no-install-recommends ${PGBPM_DEB_PACKAGES[*]}"
    fi
}

# ------------------------------------------------------------ pg locations

pg_cfg() { "$PG_CONFIG" "$@"; }

pg_paths_init() {
    command -v "$PG_CONFIG" >/dev/null 2>&1 || die "pg_config not found ($PG_CONFIG)"
    PG_BINDIR="$(pg_cfg --bindir)"
    PG_PKGLIBDIR="$(pg_cfg --pkglibdir)"
    PG_PGXS_DIR="$PG_PKGLIBDIR/pgxs"
    PG_REGRESS_BIN="$PG_PGXS_DIR/src/test/regress/pg_regress"
    PG_ISOLATION_REGRESS_BIN="$PG_PGXS_DIR/src/test/isolation/pg_isolation_regress"
    PG_TAP_PERL_DIR="$PG_PGXS_DIR/src/test/perl"
}

# ------------------------------------------------------------------- build

build_install() {
    pg_paths_init
    local jobs
    jobs="$(nproc 2>/dev/null || echo 2)"
    log "building pg_bpm ($(pg_cfg --version))"
    make -C "$PGBPM_ROOT" -j"$jobs" PG_CONFIG="$PG_CONFIG" with_llvm=no
    local sharedir
    sharedir="$(pg_cfg --sharedir)/extension"
    if [[ -w "$PG_PKGLIBDIR" && -w "$sharedir" ]]; then
        log "installing pg_bpm into $PG_PKGLIBDIR and $sharedir"
        make -C "$PGBPM_ROOT" PG_CONFIG="$PG_CONFIG" with_llvm=no install
    elif installed_up_to_date "$sharedir"; then
        log "pg_bpm is already installed and identical to this build: not installing"
    else
        command -v sudo >/dev/null 2>&1 ||
            die "$PG_PKGLIBDIR is not writable and sudo is missing: run as root or install by hand"
        log "$PG_PKGLIBDIR is not writable: installing with sudo"
        sudo make -C "$PGBPM_ROOT" PG_CONFIG="$PG_CONFIG" with_llvm=no install
    fi
}

# True when the built .so, control and script files equal the installed ones.
installed_up_to_date() {
    local sharedir="$1" f
    cmp -s "$PGBPM_ROOT/pg_bpm.so" "$PG_PKGLIBDIR/pg_bpm.so" || return 1
    for f in "$PGBPM_ROOT"/pg_bpm.control "$PGBPM_ROOT"/pg_bpm--*.sql "$PGBPM_ROOT"/src/sql/versions/*.sql; do
        cmp -s "$f" "$sharedir/$(basename "$f")" || return 1
    done
}

# ---------------------------------------------------------------- run user

select_run_user() {
    if is_root; then
        PGBPM_RUN_USER="${PGBPM_RUN_USER:-postgres}"
        [[ "$PGBPM_RUN_USER" != root ]] || die "PostgreSQL cannot run as root"
        id -u "$PGBPM_RUN_USER" >/dev/null 2>&1 ||
            die "run user '$PGBPM_RUN_USER' does not exist (install postgresql-15 or set PGBPM_RUN_USER)"
    else
        PGBPM_RUN_USER="$(id -un)"
    fi
    export PGBPM_RUN_USER
    # A clean PATH for the run user: root's PATH may hold dirs it can't read.
    PGBPM_RUN_PATH="$PG_BINDIR:/usr/local/bin:/usr/bin:/bin"
}

# run_as CMD...: run CMD as the run user, keeping the environment (PGHOST...)
# but with a known PATH and locale (C.UTF-8 ships with Debian's libc).
run_as() {
    local path="$PGBPM_RUN_PATH"
    is_root || path+=":$PATH"
    local envs=(env -u LANGUAGE PATH="$path" LANG=C.UTF-8 LC_ALL=C.UTF-8)
    if is_root; then
        # From a cwd it cannot enter (/root/...), the run user starts in /.
        # shellcheck disable=SC2016  # expanded by the inner bash
        runuser -u "$PGBPM_RUN_USER" -- "${envs[@]}" \
            bash -c '[ -x "$(pwd -P)" ] || cd /; exec "$@"' run_as "$@"
    else
        "${envs[@]}" "$@"
    fi
}

# run_user_can TESTARGS...: e.g. run_user_can -w DIR
run_user_can() { run_as test "$@" 2>/dev/null; }

# Owned by the run user (when root) and writable by it.
own_for_run_user() {
    if is_root; then chown -R "$PGBPM_RUN_USER:" "$@"; fi
}

# /tmp/pg_bpm-<user>-<hash of checkout path>: per user and per checkout, so
# several checkouts on one machine don't collide.
tmp_base() {
    local h
    h="$(printf '%s' "$PGBPM_ROOT" | md5sum | cut -c1-8)"
    printf '/tmp/pg_bpm-%s-%s' "$PGBPM_RUN_USER" "$h"
}

ensure_tmp_base() {
    local d
    d="$(tmp_base)"
    mkdir -p "$d"
    own_for_run_user "$d"
    [[ "$(stat -c %U "$d")" == "$PGBPM_RUN_USER" ]] ||
        die "$d exists but is not owned by $PGBPM_RUN_USER"
    chmod 755 "$d"
    printf '%s' "$d"
}

# ------------------------------------------------------------------ cluster

# cluster_setup NAME: sets PGBPM_CLUSTER_DIR (NAME under the base dir),
# PGDATA, PGBPM_LOGFILE and PGHOST/PGPORT/PGUSER, and takes a lock so that
# two runs never share the cluster (the second one waits).
cluster_setup() {
    local name="$1" base
    base="${PGBPM_CLUSTER_BASE:-$PGBPM_ROOT/.cluster}"
    if ! cluster_base_usable "$base" "$name"; then
        [[ -z "${PGBPM_CLUSTER_BASE:-}" ]] ||
            die "PGBPM_CLUSTER_BASE=$base is not usable by $PGBPM_RUN_USER"
        base="$(ensure_tmp_base)"
        log "$PGBPM_RUN_USER cannot use $PGBPM_ROOT/.cluster: using $base"
        cluster_base_usable "$base" "$name" || die "cannot use $base either"
    fi
    PGBPM_CLUSTER_DIR="$base/$name"
    PGDATA="$PGBPM_CLUSTER_DIR/data"
    PGBPM_LOGFILE="$PGBPM_CLUSTER_DIR/postgresql.log"
    export PGBPM_CLUSTER_DIR PGDATA PGBPM_LOGFILE
    export PGHOST="$PGBPM_CLUSTER_DIR" PGPORT="$PGBPM_PORT" PGUSER="$PGBPM_RUN_USER"
    unset PGDATABASE PGSERVICE PGPASSWORD PGHOSTADDR 2>/dev/null || true
    cluster_lock
}

# The run user must be able to write BASE/NAME, and the socket path
# (at most 107 bytes on Linux) must fit.
cluster_base_usable() {
    local base="$1" name="$2" dir="$1/$2"
    (( ${#dir} + 16 < 100 )) || return 1
    mkdir -p "$dir" 2>/dev/null || return 1
    if own_for_run_user "$dir" 2>/dev/null && run_user_can -w "$dir" -a -x "$dir"; then
        return 0
    fi
    # Leave no empty probe directories behind in the checkout.
    rmdir "$dir" 2>/dev/null || true
    [[ "$base" != "$PGBPM_ROOT/.cluster" ]] || rmdir "$base" 2>/dev/null || true
    return 1
}

cluster_lock() {
    local lockfile="$PGBPM_CLUSTER_DIR.lock"
    local wait="${PGBPM_LOCK_WAIT:-900}"
    exec {PGBPM_LOCK_FD}>"$lockfile"
    if ! flock -n "$PGBPM_LOCK_FD"; then
        log "another run is using $PGBPM_CLUSTER_DIR: waiting up to ${wait}s for it"
        flock -w "$wait" "$PGBPM_LOCK_FD" ||
            die "$PGBPM_CLUSTER_DIR is still in use (lock $lockfile)"
    fi
}

cluster_running() {
    [[ -f "$PGDATA/postmaster.pid" ]] &&
        run_as "$PG_BINDIR/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

# cluster_init: stop and wipe any previous cluster there, then initdb.
cluster_init() {
    if cluster_running; then
        log "stopping the previous cluster in $PGBPM_CLUSTER_DIR"
        cluster_stop
    fi
    # Remove only what we create, never a directory we did not make.
    rm -rf -- "$PGDATA" "$PGBPM_LOGFILE"
    mkdir -p "$PGBPM_CLUSTER_DIR"
    own_for_run_user "$PGBPM_CLUSTER_DIR"
    chmod 755 "$PGBPM_CLUSTER_DIR"

    log "initdb in $PGDATA (as $PGBPM_RUN_USER)"
    run_as "$PG_BINDIR/initdb" -D "$PGDATA" -U "$PGBPM_RUN_USER" \
        --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PGBPM_CLUSTER_DIR/initdb.log" 2>&1 ||
        { cat "$PGBPM_CLUSTER_DIR/initdb.log" >&2; die "initdb failed"; }

    # Durability settings (fsync...) are left at their defaults on purpose.
    run_as tee -a "$PGDATA/postgresql.conf" >/dev/null <<EOF

# ---- pg_bpm test cluster (test/cluster.sh) ----
port = $PGBPM_PORT
listen_addresses = ''
unix_socket_directories = '$PGBPM_CLUSTER_DIR'
shared_preload_libraries = 'pg_bpm'
# Transcripts drive time with pg_bpm.mock_now and bpm.run_jobs: no background
# scheduler may run their jobs behind their back (test/t/ starts its own
# clusters with the workers on).
pg_bpm.scheduler = off
max_connections = 50
max_prepared_transactions = 10
lc_messages = 'C'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

cluster_start() {
    log "starting PostgreSQL: socket $PGHOST port $PGPORT, log $PGBPM_LOGFILE"
    # The server must not inherit the lock: it may outlive this script (--keep).
    if ! run_as "$PG_BINDIR/pg_ctl" -D "$PGDATA" -l "$PGBPM_LOGFILE" -w -t 60 start \
            >/dev/null {PGBPM_LOCK_FD}>&-; then
        tail -n 50 "$PGBPM_LOGFILE" >&2 || true
        die "the cluster did not start"
    fi
}

cluster_stop() {
    [[ -n "${PGDATA:-}" ]] || return 0
    cluster_running || return 0
    log "stopping PostgreSQL in $PGBPM_CLUSTER_DIR"
    run_as "$PG_BINDIR/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null ||
        run_as "$PG_BINDIR/pg_ctl" -D "$PGDATA" -m immediate -w -t 30 stop >/dev/null ||
        warn "could not stop the cluster in $PGDATA"
}

# For `trap cluster_stop_on_exit EXIT`; set PGBPM_KEEP_CLUSTER=1 to leave it
# running after a successful run.
cluster_stop_on_exit() {
    local rc=$?
    if [[ "${PGBPM_KEEP_CLUSTER:-0}" != 1 || $rc -ne 0 ]]; then
        cluster_stop || true
    fi
    return "$rc"
}

# psql_as ARGS...: psql as the run user against the cluster, stop on error.
psql_as() {
    run_as "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# psql_quiet ARGS...: psql_as without NOTICEs (for the harness's own DDL).
psql_quiet() {
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" psql_as "$@" >/dev/null
}

# fresh_db NAME [EXTENSION...]: drop and create database NAME with extensions.
fresh_db() {
    local db="$1" ext sql=""
    shift
    psql_quiet -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\""
    for ext in "$@"; do sql+="CREATE EXTENSION \"$ext\";"; done
    [[ -z "$sql" ]] || psql_quiet -d "$db" -c "$sql"
}

# ----------------------------------------------------------------- workdir

# prepare_workdir NAME: sets PGBPM_WORKDIR to a tree the run user can write
# (pg_regress writes results/, TAP writes tmp_check/).  That is the checkout
# itself when possible, else a fresh copy under /tmp (work-NAME).  Call it
# after cluster_setup NAME, whose lock also guards the copy.
prepare_workdir() {
    local name="$1"
    if run_user_can -w "$PGBPM_ROOT" -a -x "$PGBPM_ROOT"; then
        PGBPM_WORKDIR="$PGBPM_ROOT"
    else
        PGBPM_WORKDIR="$(ensure_tmp_base)/work-$name"
        log "$PGBPM_RUN_USER cannot write $PGBPM_ROOT: using a copy of it in $PGBPM_WORKDIR"
        rm -rf -- "$PGBPM_WORKDIR"
        mkdir -p "$PGBPM_WORKDIR"
        tar -C "$PGBPM_ROOT" -cf - \
            --exclude=./.git --exclude=./.cluster --exclude=./results \
            --exclude=./output_iso --exclude=./tmp_check --exclude=./log \
            --exclude='*.o' --exclude='*.bc' --exclude='*.so' . |
            tar -C "$PGBPM_WORKDIR" -xf -
        own_for_run_user "$PGBPM_WORKDIR"
    fi
    export PGBPM_WORKDIR
}
