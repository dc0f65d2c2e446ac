#!/usr/bin/env bash
# Runs every test: builds, then one `node --test` over the compiled unit tests (libs/, apps/) and the
# end-to-end suites (test/). Exits non-zero on any failure; the last lines are node's own TAP summary.
# Environment: WHARF_E2E_TARGET=reference aims the e2e suites at docker-registry instead of Wharf.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

echo "[test] npm run build"
npm run build

shopt -s globstar nullglob
unit=(libs/*/dist/**/*.test.js apps/*/dist/**/*.test.js)
e2e=(test/dist/**/*.test.js)
if ((${#unit[@]} + ${#e2e[@]} == 0)); then
  echo "[test] no compiled test files found" >&2
  exit 1
fi
echo "[test] ${#unit[@]} unit test files, ${#e2e[@]} e2e test files"

# the e2e suites drive real services; start each once here (so start-up is not charged to one
# test's timeout) and stop only what this run started
started=()
tap="$(mktemp)"
cleanup() {
  rm -f "$tap"
  for service in "${started[@]}"; do bash "scripts/$service.sh" stop >/dev/null || true; done
}
trap cleanup EXIT
if ((${#e2e[@]})); then
  for service in dockerd redis postgres elasticsearch azurite fake-gcs swift versitygw; do
    [[ -f "scripts/$service.sh" ]] || continue
    out="$(bash "scripts/$service.sh" start)" || { echo "$out" >&2; echo "[test] could not start $service" >&2; exit 1; }
    echo "[test] $out"
    [[ $out == *"already running"* ]] || started+=("$service")
  done
fi

# one run so node's summary counts everything; files run one at a time because the e2e files contend
# for the docker engine and the two cores; a per-test timeout bounds any hang
set +e
node --test --test-reporter=tap --test-concurrency=1 --test-timeout=900000 "${unit[@]}" "${e2e[@]}" | tee "$tap"
status=${PIPESTATUS[0]}
set -e

# a skipped or todo test counts as a failure here: nothing may pass by not running
skipped=$(grep -E '^# (skipped|todo) [0-9]+$' "$tap" | awk '{s += $3} END {print s + 0}')
if ((status == 0 && skipped > 0)); then
  echo "[test] FAIL: $skipped tests were skipped or marked todo" >&2
  exit 1
fi
exit "$status"
