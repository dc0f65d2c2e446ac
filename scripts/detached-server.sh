# Sourced by the scripts that run a test server as a detached process with a pidfile (azurite.sh,
# fake-gcs.sh, versitygw.sh): one way to start, wait for and stop such a server.
# The caller sets NAME, ADDRESS (for messages), PIDFILE and LOGFILE and defines answers().

# launch_server CMD [ARG...]: runs CMD in its own session (so a test run's process group ending does not
# take it down mid-run), output to LOGFILE, and waits up to 15 s for answers(); exits 1 with the log's tail.
launch_server() {
  mkdir -p "$(dirname "$PIDFILE")"
  # a pidfile left by a killed server would make a later stop signal an unrelated process
  if [[ -f $PIDFILE ]] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then rm -f "$PIDFILE"; fi
  setsid "$@" >"$LOGFILE" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 150); do
    if answers; then
      echo "$NAME started (pid $(cat "$PIDFILE")) at $ADDRESS"
      return 0
    fi
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
    sleep 0.1
  done
  echo "$NAME did not answer within 15s; last log lines:" >&2
  tail -n 20 "$LOGFILE" >&2 || true
  exit 1
}

# stop_server: TERM, KILL after 10 s, for the instance whose pid is in PIDFILE.
stop_server() {
  if [[ ! -f $PIDFILE ]]; then
    echo "$NAME not running (no $PIDFILE)"
    return 0
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  fi
  rm -f "$PIDFILE"
  echo "$NAME stopped"
}
