#!/usr/bin/env bash
# Runs a private Docker engine for the end-to-end tests: vfs storage, no iptables, no bridge,
# everything under /tmp/wharf-docker so it never touches a system daemon.
#   scripts/dockerd.sh start   start it unless its socket already answers; wait until usable
#   scripts/dockerd.sh stop    stop the engine this script started
#   scripts/dockerd.sh env     print the DOCKER_HOST export line
# WHARF_DOCKER_DIR runs another private engine in its own folder (socket, data, exec root, pidfile);
# WHARF_DOCKERD_ARGS adds daemon flags to it (e.g. --registry-mirror for the pull-through cache tests).
set -euo pipefail

DIR="${WHARF_DOCKER_DIR:-/tmp/wharf-docker}"
SOCK="$DIR/docker.sock"
PIDFILE="$DIR/pid"
LOGFILE="$DIR/dockerd.log"
export DOCKER_HOST="unix://$SOCK"
# the docker.io client matches the engine's API; a newer client elsewhere on PATH may not
DOCKER=/usr/bin/docker
[[ -x $DOCKER ]] || DOCKER="$(command -v docker)"

answers() { timeout 10 "$DOCKER" info >/dev/null 2>&1; }

start() {
  if answers; then
    echo "dockerd already running at $DOCKER_HOST"
    return 0
  fi
  command -v dockerd >/dev/null || { echo "dockerd not installed (run scripts/install-deps.sh)" >&2; exit 1; }
  [[ $EUID -eq 0 ]] || { echo "dockerd needs root" >&2; exit 1; }
  mkdir -p "$DIR/root" "$DIR/exec"
  # a stale pidfile from a killed engine makes dockerd refuse to start
  if [[ -f $PIDFILE ]] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then rm -f "$PIDFILE" "$SOCK"; fi
  setsid dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \
    --data-root "$DIR/root" --exec-root "$DIR/exec" \
    -H "$DOCKER_HOST" --pidfile "$PIDFILE" ${WHARF_DOCKERD_ARGS:-} >"$LOGFILE" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 1 120); do
    if answers; then
      echo "dockerd started (pid $pid) at $DOCKER_HOST"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "dockerd exited during startup; last log lines:" >&2
      tail -n 30 "$LOGFILE" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "dockerd did not answer within 60s; last log lines:" >&2
  tail -n 30 "$LOGFILE" >&2
  exit 1
}

stop() {
  if [[ ! -f $PIDFILE ]]; then
    echo "dockerd not running (no $PIDFILE)"
    return 0
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  fi
  rm -f "$PIDFILE"
  echo "dockerd stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
