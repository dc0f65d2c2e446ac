#!/usr/bin/env bash
# Runs fake-gcs-server (a Google Cloud Storage emulator, built by install-deps.sh into .tools/bin) for
# the gcs driver's tests: plain HTTP on 127.0.0.1:4443, objects under .tools/run/fake-gcs.
#   scripts/fake-gcs.sh start   start it unless something already answers on the port; wait until it does
#   scripts/fake-gcs.sh stop    stop the instance this script started
#   scripts/fake-gcs.sh url     print its endpoint (http://127.0.0.1:4443)
# -public-host is its own address, so it also serves path-style object URLs (/<bucket>/<object>,
# the form of V4 signed URLs) as storage.googleapis.com does.
# WHARF_GCS_PORT and WHARF_GCS_DIR pick another port and data folder (a test that stops the server
# mid-upload runs its own instance so the shared one stays up).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${WHARF_GCS_PORT:-4443}"
DIR="${WHARF_GCS_DIR:-$REPO/.tools/run/fake-gcs}"
BIN="$REPO/.tools/bin/fake-gcs-server"
PIDFILE="$DIR/fake-gcs.pid"
LOGFILE="$DIR/fake-gcs.log"
NAME=fake-gcs-server
ADDRESS="127.0.0.1:$PORT"
# shellcheck source=detached-server.sh
source "$REPO/scripts/detached-server.sh"
URL="http://127.0.0.1:$PORT"

answers() { [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$URL/storage/v1/b" 2>/dev/null)" == 200 ]]; }

start() {
  if answers; then
    echo "fake-gcs-server already running at 127.0.0.1:$PORT"
    return 0
  fi
  [[ -x $BIN ]] || { echo "fake-gcs-server is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
  mkdir -p "$DIR/data"
  launch_server "$BIN" -scheme http -host 127.0.0.1 -port "$PORT" -backend filesystem \
    -filesystem-root "$DIR/data" -external-url "$URL" -public-host "127.0.0.1:$PORT" -log-level warn
}

case "${1:-}" in
  start) start ;;
  stop) stop_server ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
