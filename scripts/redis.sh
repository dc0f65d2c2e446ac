#!/usr/bin/env bash
# Runs a private Redis for tests and local development: 127.0.0.1:6390, data under .tools/run/redis,
# so it never touches a system Redis on 6379.
#   scripts/redis.sh start   start it unless something already answers PING on the port; wait for PONG
#   scripts/redis.sh stop    stop the instance this script started (SHUTDOWN flushes the AOF first)
#   scripts/redis.sh url     print its address (redis://127.0.0.1:6390)
# WHARF_REDIS_PORT and WHARF_REDIS_DIR pick another port and data folder (a test that stops and restarts
# Redis uses its own instance so the shared one stays up).
#
# Persistence is on (appendonly, fsync every second): a stop/start keeps queued jobs, as a production
# Redis behind BullMQ must. maxmemory-policy stays noeviction: BullMQ must never have keys evicted.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${WHARF_REDIS_PORT:-6390}"
DIR="${WHARF_REDIS_DIR:-$REPO/.tools/run/redis}"
PIDFILE="$DIR/redis.pid"
LOGFILE="$DIR/redis.log"
CLI=(redis-cli -h 127.0.0.1 -p "$PORT")

answers() { [[ "$(timeout 2 "${CLI[@]}" ping 2>/dev/null)" == PONG ]]; }

start() {
  if answers; then
    echo "redis already running at 127.0.0.1:$PORT"
    return 0
  fi
  command -v redis-server >/dev/null || { echo "redis-server not installed (run scripts/install-deps.sh)" >&2; exit 1; }
  mkdir -p "$DIR"
  # a pidfile left by a killed server would make a later stop signal an unrelated process
  if [[ -f $PIDFILE ]] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then rm -f "$PIDFILE"; fi
  redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --daemonize yes \
    --pidfile "$PIDFILE" --logfile "$LOGFILE" \
    --appendonly yes --appendfsync everysec --save '' \
    --maxmemory-policy noeviction --protected-mode yes
  for _ in $(seq 1 100); do
    if answers; then
      echo "redis started (pid $(cat "$PIDFILE" 2>/dev/null || echo '?')) at 127.0.0.1:$PORT"
      return 0
    fi
    sleep 0.1
  done
  echo "redis did not answer PING within 10s; last log lines:" >&2
  tail -n 20 "$LOGFILE" >&2 || true
  exit 1
}

stop() {
  if [[ ! -f $PIDFILE ]]; then
    echo "redis not running (no $PIDFILE)"
    return 0
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null; then
    timeout 10 "${CLI[@]}" shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  fi
  rm -f "$PIDFILE"
  echo "redis stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "redis://127.0.0.1:$PORT" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
