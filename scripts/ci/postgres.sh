#!/usr/bin/env bash
# CI database: PostgreSQL 15 from Debian 12 plus pgvector built from Debian trixie's *source* package
# (bookworm's binary pgvector is 0.4.1, which has no HNSW), and one throwaway cluster on 127.0.0.1.
# Run as root on Debian 12 with Debian's apt repositories reachable.
#
#   scripts/ci/postgres.sh [DATA_DIR] [PORT]        defaults: /tmp/threadline-pg 54329
#
# Idempotent: skips the install when pgvector >= 0.5 is already installed for PostgreSQL 15, skips
# initdb when DATA_DIR holds a cluster, and leaves a server already running from DATA_DIR on PORT alone.
# Progress goes to stderr as "[postgres] ..." lines; stdout gets exactly one line,
#   DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/postgres
# so CI can do `scripts/ci/postgres.sh >> "$GITHUB_ENV"` or `export "$(scripts/ci/postgres.sh)"`.
# The migrations run CREATE EXTENSION vector themselves. Stop with scripts/ci/postgres-stop.sh DATA_DIR.
set -euo pipefail

PG_MAJOR=15
BIN=/usr/lib/postgresql/$PG_MAJOR/bin
VECTOR_CONTROL=/usr/share/postgresql/$PG_MAJOR/extension/vector.control
VECTOR_MIN=0.5.0 # HNSW indexes
DEB_SRC_LIST=/etc/apt/sources.list.d/threadline-pgvector-trixie-src.list
DATA_DIR=$(realpath -m "${1:-/tmp/threadline-pg}")
PORT=${2:-54329}
export DEBIAN_FRONTEND=noninteractive

[[ $PORT =~ ^[0-9]+$ ]] || { echo "usage: $0 [DATA_DIR] [PORT]" >&2; exit 64; }

log() { echo "[postgres] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
apt_get() { apt-get -o DPkg::Lock::Timeout=300 -q "$@"; }
is_root() { [ "$(id -u)" = 0 ]; }
# initdb and pg_ctl refuse to run as root.
as_postgres() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }

WORK_DIR=$(mktemp -d /tmp/threadline-pg-ci.XXXXXX)
ADDED_DEB_SRC=
remove_deb_src() {
  rm -f "$DEB_SRC_LIST"
  ADDED_DEB_SRC=
  apt_get update -qq >/dev/null 2>&1 || log "warning: apt-get update after removing the deb-src line failed"
}
cleanup() {
  local rc=$?
  if [ -n "$ADDED_DEB_SRC" ]; then log "removing the temporary deb-src line"; remove_deb_src; fi
  rm -rf "$WORK_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run LABEL CMD...: runs CMD with its output in a log; on failure shows that log and stops.
run() {
  local label=$1 rc=0
  shift
  local out="$WORK_DIR/${label//[^a-zA-Z0-9]/_}.log"
  "$@" >"$out" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    log "FAILED ($rc): $label"
    log "  command: $*"
    sed 's/^/    /' "$out" >&2
    exit "$rc"
  fi
}

vector_version() {
  [ -f "$VECTOR_CONTROL" ] || return 0
  sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$VECTOR_CONTROL"
}

# --- 1. PostgreSQL 15 + pgvector ------------------------------------------------------------------
install_postgres_and_pgvector() {
  is_root || die "installing PostgreSQL and pgvector needs root"
  log "installing postgresql-$PG_MAJOR and building pgvector from Debian trixie's source package"

  echo "deb-src http://deb.debian.org/debian trixie main" >"$DEB_SRC_LIST"
  ADDED_DEB_SRC=1
  log "apt-get update (with a temporary deb-src trixie line)"
  run "apt-get update" apt_get update
  log "apt-get install postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR"
  run "apt-get install" apt_get install -y --no-install-recommends \
    "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" dpkg-dev gcc make libc6-dev

  local build=$WORK_DIR/build
  mkdir -p "$build" && chmod 755 "$WORK_DIR" "$build" # lets apt's _apt user write the download
  log "apt-get source pgvector"
  (cd "$build" && run "apt-get source pgvector" apt_get source pgvector)
  local src
  src=$(find "$build" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)
  [ -n "$src" ] || die "apt-get source pgvector unpacked nothing in $build"

  # OPTFLAGS= : no -march=native, like Debian's own build (portable, e.g. across cached CI images).
  log "building ${src##*/}"
  run "make pgvector" make -C "$src" PG_CONFIG="$BIN/pg_config" OPTFLAGS= -j"$(nproc)"
  run "make install pgvector" make -C "$src" PG_CONFIG="$BIN/pg_config" OPTFLAGS= install

  log "removing the temporary deb-src line (apt-get update)"
  remove_deb_src
}

installed_vector=$(vector_version)
if [ -x "$BIN/postgres" ] && [ -n "$installed_vector" ] && dpkg --compare-versions "$installed_vector" ge "$VECTOR_MIN"; then
  log "PostgreSQL $PG_MAJOR and pgvector $installed_vector already installed, skipping install"
else
  [ -z "$installed_vector" ] || log "pgvector $installed_vector is older than $VECTOR_MIN (no HNSW), rebuilding"
  install_postgres_and_pgvector
  installed_vector=$(vector_version)
  [ -n "$installed_vector" ] || die "pgvector did not install ($VECTOR_CONTROL is missing)"
  log "installed pgvector $installed_vector ($SECONDS s)"
fi

# --- 2. The cluster -------------------------------------------------------------------------------
# Another server answering on PORT would silently be used instead of ours.
port_is_free() {
  if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -t 2; then
    die "another PostgreSQL server already answers on 127.0.0.1:$PORT"
  elif [ $? = 1 ]; then
    die "another PostgreSQL server (starting up or rejecting connections) is on 127.0.0.1:$PORT"
  fi
}
id postgres >/dev/null 2>&1 || die "there is no 'postgres' user"
if [ -f "$DATA_DIR/PG_VERSION" ]; then
  cluster_version=$(cat "$DATA_DIR/PG_VERSION")
  [ "$cluster_version" = "$PG_MAJOR" ] || die "$DATA_DIR holds a PostgreSQL $cluster_version cluster, not $PG_MAJOR"
  log "cluster already initialised in $DATA_DIR, skipping initdb"
else
  port_is_free
  log "initdb $DATA_DIR (trust auth, UTF8)"
  mkdir -p "$DATA_DIR"
  if is_root; then chown postgres:postgres "$DATA_DIR"; fi
  chmod 700 "$DATA_DIR"
  run "initdb" as_postgres "$BIN/initdb" -D "$DATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8
fi

# --- 3. The server --------------------------------------------------------------------------------
if as_postgres "$BIN/pg_ctl" status -D "$DATA_DIR" >/dev/null 2>&1; then
  running_port=$(sed -n 4p "$DATA_DIR/postmaster.pid")
  [ "$running_port" = "$PORT" ] ||
    die "the server in $DATA_DIR is already running on port $running_port, not $PORT (scripts/ci/postgres-stop.sh $DATA_DIR)"
  log "server already running on 127.0.0.1:$PORT"
else
  port_is_free
  log "starting the server on 127.0.0.1:$PORT (log: $DATA_DIR/server.log)"
  rc=0
  as_postgres "$BIN/pg_ctl" start -D "$DATA_DIR" -l "$DATA_DIR/server.log" -w -t 60 \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -k /tmp" >"$WORK_DIR/pg_ctl.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    log "FAILED ($rc): pg_ctl start"
    sed 's/^/    /' "$WORK_DIR/pg_ctl.log" >&2
    log "last lines of $DATA_DIR/server.log:"
    tail -n 40 "$DATA_DIR/server.log" 2>/dev/null | sed 's/^/    /' >&2 || true
    exit "$rc"
  fi
fi

ready=
for _ in $(seq 1 60); do
  if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -t 2; then ready=1; break; fi
  sleep 0.5
done
[ -n "$ready" ] || die "the server on 127.0.0.1:$PORT did not accept connections within 30 s (see $DATA_DIR/server.log)"

info=$("$BIN/psql" -X -qAt -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c \
  "SELECT current_setting('server_version') || ', pgvector ' || coalesce((SELECT default_version FROM pg_available_extensions WHERE name = 'vector'), 'MISSING')" 2>&1) ||
  die "psql could not query the server: $info"
case $info in *MISSING*) die "the server does not see the vector extension ($info)" ;; esac
log "ready: PostgreSQL $info on 127.0.0.1:$PORT ($SECONDS s)"

echo "DATABASE_URL=postgresql://postgres@127.0.0.1:$PORT/postgres"
