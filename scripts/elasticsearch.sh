#!/usr/bin/env bash
# Runs a private Elasticsearch for tests and local development: single node on 127.0.0.1:9209, security
# off, 512 MB heap, config/data/logs under .tools/run/elasticsearch (owned by the wharf-es user, because
# Elasticsearch refuses to run as root).
#   scripts/elasticsearch.sh start   start it unless something already answers on the port; wait for yellow
#   scripts/elasticsearch.sh stop    stop the instance this script started (data is kept)
#   scripts/elasticsearch.sh url     print its address (http://127.0.0.1:9209)
# WHARF_ES_PORT and WHARF_ES_DIR pick another port and folder (a test that stops and restarts
# Elasticsearch uses its own instance so the shared one stays up). The transport port is HTTP port + 100.
# WHARF_ES_CLUSTER_PORTS="P1,P2,…" (the HTTP ports of every node, this one included) makes the node one
# of a private multi-node cluster on 127.0.0.1 instead of a single node: seed hosts and initial master
# nodes are derived from the ports. Start its nodes together: the cluster forms, and each start returns,
# once they have found each other. WHARF_ES_HEAP sets the heap (default 512m); WHARF_ES_JAVA_OPTS adds
# JVM options (a short-lived test node starts about twice as fast with -XX:TieredStopAtLevel=1).
# Needs scripts/install-deps.sh (the unpacked distribution, OpenJDK 17, the wharf-es user).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ES_VERSION=8.19.1
ES_HOME="$REPO/.tools/elasticsearch-$ES_VERSION"
PORT="${WHARF_ES_PORT:-9209}"
DIR="${WHARF_ES_DIR:-$REPO/.tools/run/elasticsearch}"
CONF="$DIR/config"
PIDFILE="$DIR/elasticsearch.pid"
URL="http://127.0.0.1:$PORT"
CLUSTER_PORTS="${WHARF_ES_CLUSTER_PORTS:-}"
HEAP="${WHARF_ES_HEAP:-512m}"
EXTRA_JAVA_OPTS="${WHARF_ES_JAVA_OPTS:-}"
CLUSTER_NAME=wharf-dev
[[ -z $CLUSTER_PORTS ]] || CLUSTER_NAME="wharf-cluster-${CLUSTER_PORTS%%,*}"
ES_USER=wharf-es
JAVA_DIR=/usr/lib/jvm/java-17-openjdk-amd64
START_TIMEOUT_S="${WHARF_ES_START_TIMEOUT:-180}"

# this distribution has no rest-root module (GET / answers 405): probe the health API instead
answers() { [[ "$(curl -sS -m 2 -o /dev/null -w '%{http_code}' "$URL/_cluster/health" 2>/dev/null)" == 200 ]]; }
healthy() { curl -fsS -m 5 "$URL/_cluster/health?wait_for_status=yellow&timeout=4s" 2>/dev/null | grep -q '"timed_out":false'; }
running_pid() {
  [[ -f $PIDFILE ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null)"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}
# A node whose pidfile is gone (Elasticsearch deletes it when a second start on the same data path
# fails) is still found through its own API, and is ours only when it runs as wharf-es.
node_pid() {
  local pid
  pid="$(curl -sS -m 2 "$URL/_nodes/_local/process?filter_path=nodes.*.process.id" 2>/dev/null | grep -o '"id":[0-9]*' | cut -d: -f2)"
  [[ -n $pid && "$(ps -o user= -p "$pid" 2>/dev/null)" == "$ES_USER" ]] && echo "$pid"
}

discovery_settings() {
  if [[ -z $CLUSTER_PORTS ]]; then
    echo 'discovery.type: single-node'
    return
  fi
  local port seeds=() masters=()
  IFS=, read -ra ports <<<"$CLUSTER_PORTS"
  for port in "${ports[@]}"; do
    seeds+=("127.0.0.1:$((port + 100))")
    masters+=("wharf-dev-$port")
  done
  local IFS=,
  echo "discovery.seed_hosts: [${seeds[*]}]"
  # read only when the cluster is first formed; ignored once the node has joined it
  echo "cluster.initial_master_nodes: [${masters[*]}]"
}

# The settings must be in place before the very first start: otherwise Elasticsearch enables security
# and appends TLS settings to elasticsearch.yml. Rewritten on every start so a damaged file heals.
write_config() {
  mkdir -p "$CONF" "$DIR/data" "$DIR/logs" "$DIR/tmp"
  if [[ ! -f $CONF/jvm.options ]]; then
    cp -r "$ES_HOME/config/." "$CONF/"
    # the stock options write GC logs, crash files and heap dumps relative to the working directory
    sed -i -e "s#logs/gc.log#$DIR/logs/gc.log#" -e "s#logs/hs_err_pid#$DIR/logs/hs_err_pid#" \
      -e "s#HeapDumpPath=data#HeapDumpPath=$DIR/tmp#" "$CONF/jvm.options"
  fi
  cat >"$CONF/elasticsearch.yml" <<EOF
# written by scripts/elasticsearch.sh; edits are overwritten on the next start
cluster.name: $CLUSTER_NAME
node.name: wharf-dev-$PORT
path.data: $DIR/data
path.logs: $DIR/logs
network.host: 127.0.0.1
http.port: $PORT
transport.port: $((PORT + 100))
$(discovery_settings)
xpack.security.enabled: false
# a test machine's disk may be fuller than the production watermarks allow
cluster.routing.allocation.disk.threshold_enabled: false
EOF
  chown -R "$ES_USER:" "$DIR"
}

start() {
  if answers; then
    echo "elasticsearch already running at $URL"
    healthy || { echo "elasticsearch at $URL is not yellow yet" >&2; exit 1; }
    return 0
  fi
  [[ -x $ES_HOME/bin/elasticsearch ]] || { echo "elasticsearch is not unpacked at $ES_HOME (run scripts/install-deps.sh)" >&2; exit 1; }
  [[ -x $JAVA_DIR/bin/java ]] || { echo "OpenJDK 17 is missing at $JAVA_DIR (run scripts/install-deps.sh)" >&2; exit 1; }
  id "$ES_USER" >/dev/null 2>&1 || { echo "user $ES_USER is missing (run scripts/install-deps.sh)" >&2; exit 1; }
  [[ $EUID -eq 0 ]] || { echo "starting elasticsearch as $ES_USER needs root" >&2; exit 1; }
  # a pidfile left by a killed node would make a later stop signal an unrelated process
  if [[ -f $PIDFILE ]] && ! running_pid >/dev/null; then rm -f "$PIDFILE"; fi
  write_config

  # ES_JAVA_HOME, not JAVA_HOME: the launcher ignores the latter
  runuser -u "$ES_USER" -- env -i PATH=/usr/bin:/bin HOME="$DIR" ES_JAVA_HOME="$JAVA_DIR" ES_PATH_CONF="$CONF" \
    ES_TMPDIR="$DIR/tmp" ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP -XX:-UsePerfData $EXTRA_JAVA_OPTS" \
    "$ES_HOME/bin/elasticsearch" -d -p "$PIDFILE" >"$DIR/logs/launcher.out" 2>&1 </dev/null ||
    { echo "elasticsearch failed to launch:" >&2; tail -n 30 "$DIR/logs/launcher.out" >&2; exit 1; }

  local deadline=$((SECONDS + START_TIMEOUT_S))
  while ((SECONDS < deadline)); do
    if answers && healthy; then
      echo "elasticsearch started (pid $(running_pid || echo '?')) at $URL"
      return 0
    fi
    if [[ -f $PIDFILE ]] && ! running_pid >/dev/null; then break; fi
    sleep 0.5
  done
  echo "elasticsearch did not reach yellow at $URL within ${START_TIMEOUT_S}s; last log lines:" >&2
  tail -n 30 "$DIR/logs/$CLUSTER_NAME.log" "$DIR/logs/launcher.out" >&2 2>/dev/null || true
  exit 1
}

stop() {
  local pid
  if ! pid="$(running_pid)" && ! pid="$(node_pid)"; then
    rm -f "$PIDFILE"
    echo "elasticsearch not running (no live pid in $PIDFILE)"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -f "$PIDFILE"
  echo "elasticsearch stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
