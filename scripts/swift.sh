#!/usr/bin/env bash
# Runs a one-node OpenStack Swift (Debian's swift 2.30 packages) for tests and local development:
# the proxy on 127.0.0.1:6480 with tempauth, one account, container and object server with one
# device and one replica, and a private memcached (tempauth keeps its tokens there). Data and
# generated config under .tools/run/swift; nothing under /etc/swift is read or written.
#   scripts/swift.sh start   start it unless the proxy already answers /healthcheck; wait until an
#                            authenticated account request succeeds (rings and servers are all up)
#   scripts/swift.sh stop    stop the processes this script started
#   scripts/swift.sh url     print the auth URL (v1 / tempauth)
# Account AUTH_wharf, user wharf:tester, key testing (an admin of its account: it may set the
# container's temp-URL key as registry:2's driver does).
# WHARF_SWIFT_PORT and WHARF_SWIFT_DIR pick another proxy port and folder; the account, container
# and object servers and memcached take the four ports after it. A test that stops Swift on purpose
# runs its own instance with both set, so the shared one stays up.
#
# Pipeline: tempurl (registry:2 redirects to temp URLs), bulk (its driver bulk-deletes when /info
# offers it), slo and dlo (large objects: registry:2 writes DLO manifests), copy (server-side moves).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${WHARF_SWIFT_PORT:-6480}"
DIR="${WHARF_SWIFT_DIR:-$REPO/.tools/run/swift}"
ETC="$DIR/etc"
SRV="$DIR/srv"
RUN="$DIR/run"
LOGS="$DIR/log"
OBJECT_PORT=$((PORT + 1))
CONTAINER_PORT=$((PORT + 2))
ACCOUNT_PORT=$((PORT + 3))
MEMCACHED_PORT=$((PORT + 4))
AUTH_URL="http://127.0.0.1:$PORT/auth/v1.0"
USER_NAME="wharf:tester"
KEY=testing
SERVERS=(account container object proxy)

answers() { curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/healthcheck" 2>/dev/null; }

# an authenticated HEAD of the account goes proxy → memcached → account server: every part is up
account_answers() {
  local token url headers
  headers="$(curl -fsS -m 5 -D - -o /dev/null -H "X-Auth-User: $USER_NAME" -H "X-Auth-Key: $KEY" "$AUTH_URL" 2>/dev/null)" || return 1
  token="$(tr -d '\r' <<<"$headers" | awk -F': ' 'tolower($1) == "x-auth-token" {print $2}')"
  url="$(tr -d '\r' <<<"$headers" | awk -F': ' 'tolower($1) == "x-storage-url" {print $2}')"
  [[ -n $token && -n $url ]] || return 1
  curl -fsS -m 5 -o /dev/null -I -H "X-Auth-Token: $token" "$url" 2>/dev/null
}

write_config() {
  local user
  user="$(id -un)"
  mkdir -p "$ETC" "$SRV/d1" "$RUN" "$LOGS"
  cat >"$ETC/swift.conf" <<EOF
[swift-hash]
swift_hash_path_prefix = wharf-test
swift_hash_path_suffix = wharf-test

[storage-policy:0]
name = Policy-0
default = yes
EOF
  local server port
  for server in account container object; do
    case $server in
      account) port=$ACCOUNT_PORT ;;
      container) port=$CONTAINER_PORT ;;
      object) port=$OBJECT_PORT ;;
    esac
    cat >"$ETC/$server-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
user = $user
swift_dir = $ETC
devices = $SRV
mount_check = false
log_level = WARNING

[pipeline:main]
pipeline = $server-server

[app:$server-server]
use = egg:swift#$server
EOF
  done
  cat >"$ETC/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PORT
workers = 0
user = $user
swift_dir = $ETC
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_wharf_tester = $KEY .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT

[filter:dlo]
use = egg:swift#dlo
# Swift slows DLO reads to one segment a second after the 10th by default; an upload pushed in
# many small chunks has that many segments, and the tests read them back
rate_limit_after_segment = 1000000
EOF
  local filter
  for filter in catch_errors gatekeeper healthcheck proxy-logging listing_formats bulk tempurl copy slo; do
    printf '[filter:%s]\nuse = egg:swift#%s\n' "$filter" "${filter//-/_}" >>"$ETC/proxy-server.conf"
  done
}

build_rings() {
  local kind port
  for kind in account container object; do
    [[ -f "$ETC/$kind.ring.gz" ]] && continue
    case $kind in
      account) port=$ACCOUNT_PORT ;;
      container) port=$CONTAINER_PORT ;;
      object) port=$OBJECT_PORT ;;
    esac
    # part power 6 is plenty for one device; 1 replica; rebalance exits 1 on a mere warning
    swift-ring-builder "$ETC/$kind.builder" create 6 1 1 >/dev/null
    swift-ring-builder "$ETC/$kind.builder" add "r1z1-127.0.0.1:$port/d1" 100 >/dev/null
    swift-ring-builder "$ETC/$kind.builder" rebalance >/dev/null || [[ $? -eq 1 ]]
  done
}

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid="$(pid_of "$1")"; [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }

start() {
  if answers; then
    echo "swift already running at $AUTH_URL"
    return 0
  fi
  command -v swift-proxy-server >/dev/null && command -v memcached >/dev/null ||
    { echo "swift or memcached not installed (run scripts/install-deps.sh)" >&2; exit 1; }
  # a ring built for other ports (another WHARF_SWIFT_PORT on the same folder) would point elsewhere
  if [[ -f "$ETC/object.ring.gz" ]] && ! grep -q "bind_port = $PORT\$" "$ETC/proxy-server.conf" 2>/dev/null; then
    rm -f "$ETC"/*.ring.gz "$ETC"/*.builder
    rm -rf "$ETC/backups"
  fi
  write_config
  build_rings
  if ! alive memcached; then
    memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64 -u "$(id -un)" -d -P "$RUN/memcached.pid"
  fi
  local server
  for server in "${SERVERS[@]}"; do
    alive "$server" && continue
    setsid "swift-$server-server" "$ETC/$server-server.conf" >"$LOGS/$server.log" 2>&1 </dev/null &
    echo $! >"$RUN/$server.pid"
  done
  for _ in $(seq 1 300); do
    if account_answers; then
      echo "swift started (proxy pid $(pid_of proxy)) at $AUTH_URL"
      return 0
    fi
    for server in "${SERVERS[@]}"; do
      if ! alive "$server"; then
        echo "swift-$server-server exited; its log:" >&2
        tail -n 30 "$LOGS/$server.log" >&2 || true
        exit 1
      fi
    done
    sleep 0.1
  done
  echo "swift did not answer an authenticated request within 30s; last log lines:" >&2
  for server in "${SERVERS[@]}"; do tail -n 10 "$LOGS/$server.log" >&2 || true; done
  exit 1
}

stop() {
  local name pid stopped=0
  for name in proxy object container account memcached; do
    pid="$(pid_of "$name")"
    [[ -n $pid ]] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
      stopped=1
    fi
    rm -f "$RUN/$name.pid"
  done
  if ((stopped)); then echo "swift stopped"; else echo "swift not running"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$AUTH_URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
