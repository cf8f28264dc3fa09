#!/usr/bin/env bash
# Stops the server scripts/ci/postgres.sh started (pg_ctl stop -m fast); does nothing if it is not running.
#
#   scripts/ci/postgres-stop.sh [DATA_DIR]        default: /tmp/threadline-pg
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin
DATA_DIR=$(realpath -m "${1:-/tmp/threadline-pg}")

log() { echo "[postgres] $*" >&2; }
# pg_ctl refuses to run as root.
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ ! -x "$BIN/pg_ctl" ] || [ ! -f "$DATA_DIR/PG_VERSION" ]; then
  log "no cluster in $DATA_DIR, nothing to stop"
  exit 0
fi
if ! as_postgres "$BIN/pg_ctl" status -D "$DATA_DIR" >/dev/null 2>&1; then
  log "no server running from $DATA_DIR"
  exit 0
fi
log "stopping the server in $DATA_DIR"
if ! out=$(as_postgres "$BIN/pg_ctl" stop -D "$DATA_DIR" -m fast -w -t 60 2>&1); then
  # It may have exited on its own between the status check and the stop.
  if as_postgres "$BIN/pg_ctl" status -D "$DATA_DIR" >/dev/null 2>&1; then
    log "FAILED: pg_ctl stop"
    printf '    %s\n' "${out//$'\n'/$'\n    '}" >&2
    exit 1
  fi
fi
log "stopped"
