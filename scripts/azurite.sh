#!/usr/bin/env bash
# Runs Azurite's blob service (Microsoft's Azure Storage emulator, installed by install-deps.sh into
# .tools/azurite) for the azure driver's tests: 127.0.0.1:10000, data under .tools/run/azurite.
#   scripts/azurite.sh start   start it unless something already answers on the port; wait until it does
#   scripts/azurite.sh stop    stop the instance this script started
#   scripts/azurite.sh url     print its account endpoint (http://127.0.0.1:10000/devstoreaccount1)
# WHARF_AZURITE_PORT and WHARF_AZURITE_DIR pick another port and data folder (a test that stops the
# server mid-upload runs its own instance so the shared one stays up).
#
# --disableTelemetry always: without it Azurite reports to an outside host. --skipApiVersionCheck lets
# a newer @azure/storage-blob talk to it; --loose accepts headers it does not implement.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${WHARF_AZURITE_PORT:-10000}"
DIR="${WHARF_AZURITE_DIR:-$REPO/.tools/run/azurite}"
BIN="$REPO/.tools/azurite/node_modules/.bin/azurite-blob"
PIDFILE="$DIR/azurite.pid"
LOGFILE="$DIR/azurite.log"
NAME=azurite
ADDRESS="127.0.0.1:$PORT"
# shellcheck source=detached-server.sh
source "$REPO/scripts/detached-server.sh"

# any HTTP status means it is listening (an unsigned request is refused with 4xx)
answers() { [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$PORT/devstoreaccount1?comp=list" 2>/dev/null)" != 000 ]]; }

start() {
  if answers; then
    echo "azurite already running at 127.0.0.1:$PORT"
    return 0
  fi
  [[ -x $BIN ]] || { echo "azurite is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
  mkdir -p "$DIR/data"
  launch_server "$BIN" --blobHost 127.0.0.1 --blobPort "$PORT" --location "$DIR/data" \
    --skipApiVersionCheck --loose --disableTelemetry
}

case "${1:-}" in
  start) start ;;
  stop) stop_server ;;
  url) echo "http://127.0.0.1:$PORT/devstoreaccount1" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
