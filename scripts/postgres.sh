#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the tests, benchmarks and README.
#
#   eval "$(scripts/postgres.sh start)"      # installs (apt) if needed, initdb, start, create db, export DURABLE_TEST_PG
#   scripts/postgres.sh env                   # print the export line again
#   scripts/postgres.sh restart -m immediate  # crash-restart (pg_ctl restart -m immediate), used by the crash tests
#   scripts/postgres.sh stop [-m fast|immediate]
#   scripts/postgres.sh status
#
# Settings (environment): DURABLE_PG_DIR (default /tmp/durable-pg), DURABLE_PG_PORT (default 54329),
# DURABLE_PG_DB (default durable_test). PostgreSQL refuses to run as root, so as root the server runs as the
# 'postgres' user (created by the Debian package). Messages go to stderr; stdout carries only the export line.
set -euo pipefail

DIR="${DURABLE_PG_DIR:-/tmp/durable-pg}"
PORT="${DURABLE_PG_PORT:-54329}"
DB="${DURABLE_PG_DB:-durable_test}"
DATA="$DIR/data"
LOG="$DIR/server.log"

say() { echo "postgres.sh: $*" >&2; }

find_bin() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"; return
  fi
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [[ -z "$bin" ]]; then
    say "PostgreSQL is not installed; installing it from Debian's packages"
    if [[ $(id -u) -ne 0 ]]; then say "need root to apt-get install postgresql"; exit 1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; }
    bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
  echo "$bin"
}

BIN="$(find_bin)"

# Runs a server binary as the owner of the data directory (postgres when we are root).
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

conn() { echo "Host=127.0.0.1;Port=$PORT;Username=postgres;Database=$DB;Pooling=true;Maximum Pool Size=50;Timeout=15"; }

pg_ctl_() { as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 "$@" >&2; }

start() {
  mkdir -p "$DIR"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$DIR"; fi
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    say "initdb into $DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >&2
    cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 200
fsync = on
synchronous_commit = on
CONF
  fi
  if as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    say "already running on 127.0.0.1:$PORT"
  else
    say "starting on 127.0.0.1:$PORT (log $LOG)"
    pg_ctl_ start
  fi
  if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" postgres | grep -q 1; then
    "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB" >&2
    say "created database $DB"
  fi
  env_
}

env_() { echo "export DURABLE_TEST_PG='$(conn)'"; }

cmd="${1:-start}"; shift || true
case "$cmd" in
  start) start ;;
  env) env_ ;;
  stop) if [[ $# -eq 0 ]]; then set -- -m fast; fi; pg_ctl_ stop "$@" ;;
  restart) pg_ctl_ restart "$@" ;;
  status) as_owner "$BIN/pg_ctl" -D "$DATA" status >&2 ;;
  *) say "unknown verb '$cmd' (start | env | stop | restart [-m immediate] | status)"; exit 2 ;;
esac
