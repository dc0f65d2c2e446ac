#!/usr/bin/env bash
# Runs versitygw, a real S3 gateway (Apache-2.0), for the S3 driver's tests and the bench: 127.0.0.1:7070,
# posix backend (every bucket is a folder under .tools/run/versitygw/data, metadata in xattrs).
#   scripts/versitygw.sh start   start it unless something already answers on the port; wait until it does
#   scripts/versitygw.sh stop    stop the instance this script started
#   scripts/versitygw.sh url     print its endpoint (http://127.0.0.1:7070)
# WHARF_VERSITYGW_PORT and WHARF_VERSITYGW_DIR pick another port and folder (a test that stops the object
# store mid-upload runs its own instance so the shared one stays up). The root credentials are
# WHARF_VERSITYGW_ACCESS / WHARF_VERSITYGW_SECRET (test-only defaults below); tests create their own buckets.
# WHARF_VERSITYGW_REGION is the region requests must be signed for (us-east-1; the OSS test uses an OSS one).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${WHARF_VERSITYGW_PORT:-7070}"
DIR="${WHARF_VERSITYGW_DIR:-$REPO/.tools/run/versitygw}"
ACCESS="${WHARF_VERSITYGW_ACCESS:-wharf-test-access}"
SECRET="${WHARF_VERSITYGW_SECRET:-wharf-test-secret-key}"
REGION="${WHARF_VERSITYGW_REGION:-us-east-1}"
BIN="$REPO/.tools/bin/versitygw"
PIDFILE="$DIR/versitygw.pid"
LOGFILE="$DIR/versitygw.log"
NAME=versitygw
ADDRESS="http://127.0.0.1:$PORT"
# shellcheck source=detached-server.sh
source "$REPO/scripts/detached-server.sh"

# any HTTP answer (403 to an unsigned request) means the gateway is up
answers() { [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$PORT/" 2>/dev/null)" != 000 ]]; }

start() {
  if answers; then
    echo "versitygw already running at http://127.0.0.1:$PORT"
    return 0
  fi
  [[ -x $BIN ]] || { echo "versitygw not built (run scripts/install-deps.sh)" >&2; exit 1; }
  mkdir -p "$DIR/data"
  # --keep-alive: without it every S3 request pays a new TCP connection
  launch_server "$BIN" --access "$ACCESS" --secret "$SECRET" --port "127.0.0.1:$PORT" --region "$REGION" --keep-alive --quiet \
    posix "$DIR/data"
}

case "${1:-}" in
  start) start ;;
  stop) stop_server ;;
  url) echo "http://127.0.0.1:$PORT" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
