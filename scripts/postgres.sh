#!/usr/bin/env bash
# Runs a private PostgreSQL (Debian's postgresql package, any installed major) for the tests and
# local development: its own cluster under /tmp/wharf-postgres, listening on 127.0.0.1:5439 only,
# with role wharf/wharf owning database wharf_test. Never touches the system's clusters.
#   scripts/postgres.sh start    start it unless something already answers on the port; ensure the
#                                role and database exist; wait until it accepts connections
#   scripts/postgres.sh stop     fast shutdown of the cluster this script runs (open transactions abort)
#   scripts/postgres.sh status   exit 0 when it accepts connections
#   scripts/postgres.sh url      print the connection URL
# Environment: WHARF_PG_DIR (default /tmp/wharf-postgres), WHARF_PG_PORT (default 5439). A test that
# stops PostgreSQL on purpose runs its own cluster with both set, so other tests are not disturbed.
set -euo pipefail

DIR="${WHARF_PG_DIR:-/tmp/wharf-postgres}"
PORT="${WHARF_PG_PORT:-5439}"
DATA="$DIR/data"
LOGFILE="$DIR/postgres.log"
USER_NAME=wharf
PASSWORD=wharf
DATABASE=wharf_test

# the newest installed major, e.g. /usr/lib/postgresql/15/bin
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
[[ -n $BIN && -x $BIN/pg_ctl ]] || { echo "postgresql is not installed (run scripts/install-deps.sh)" >&2; exit 1; }

# Run as the postgres system user (the server refuses root); from /, which that user can always read.
as_postgres() {
  if [[ $(id -un) == postgres ]]; then (cd / && "$@"); else (cd / && runuser -u postgres -- "$@"); fi
}

answers() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2 >/dev/null 2>&1; }

psql_admin() {
  # over the cluster's own unix socket as the superuser: works before any password exists
  as_postgres "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -d postgres "$@"
}

ensure_role_and_db() {
  psql_admin -tA -c "SELECT 1 FROM pg_roles WHERE rolname = '$USER_NAME'" | grep -q 1 ||
    psql_admin -c "CREATE ROLE $USER_NAME LOGIN PASSWORD '$PASSWORD'"
  psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1 ||
    psql_admin -c "CREATE DATABASE $DATABASE OWNER $USER_NAME"
}

ours_running() { [[ -f $DATA/postmaster.pid ]] && as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  if answers; then
    # our own cluster: make sure the role and database exist (an earlier start may have been cut short)
    if ours_running; then ensure_role_and_db; fi
    echo "postgres already running on 127.0.0.1:$PORT"
    return 0
  fi
  [[ $EUID -eq 0 || $(id -un) == postgres ]] || { echo "postgres.sh needs root (or the postgres user)" >&2; exit 1; }
  mkdir -p "$DIR"
  chown postgres:postgres "$DIR"
  chmod 700 "$DIR"
  if [[ ! -f $DATA/PG_VERSION ]]; then
    rm -rf "$DATA"
    as_postgres "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 ||
      { echo "initdb failed:" >&2; tail -n 20 "$DIR/initdb.log" >&2; exit 1; }
    # durability settings stay at their defaults: the outage tests must see committed data survive
    cat >>"$DATA/postgresql.conf" <<EOF
# --- wharf (scripts/postgres.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
max_connections = 200
shared_buffers = 128MB
logging_collector = off
EOF
  fi
  # a stale pid file from a killed server makes pg_ctl refuse to start
  if [[ -f $DATA/postmaster.pid ]] && ! ours_running; then rm -f "$DATA/postmaster.pid"; fi
  as_postgres "$BIN/pg_ctl" -D "$DATA" -o "-p $PORT" -l "$LOGFILE" -w -t 60 start >/dev/null ||
    { echo "postgres did not start; last log lines:" >&2; tail -n 30 "$LOGFILE" >&2; exit 1; }
  for _ in $(seq 1 60); do
    if answers; then
      ensure_role_and_db
      echo "postgres started on 127.0.0.1:$PORT (data $DATA)"
      return 0
    fi
    sleep 0.5
  done
  echo "postgres did not accept connections within 30s; last log lines:" >&2
  tail -n 30 "$LOGFILE" >&2
  exit 1
}

stop() {
  if ! ours_running; then
    echo "postgres not running from $DATA"
    return 0
  fi
  as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
  echo "postgres stopped ($DATA)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  url) echo "postgres://$USER_NAME:$PASSWORD@127.0.0.1:$PORT/$DATABASE" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
