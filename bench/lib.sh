# Shared by the benchmark scripts (sourced, not run): the server lifecycle, the
# temporary directory and its cleanup, logging, wrk phases, and the checks and bits of
# reporting they share. The sourcing script has already run `set -euo pipefail` and sets
# LOG_TAG (the log prefix) before sourcing, and KEEP (1: keep the temporary directory)
# before calling make_work.
#
# Sets:  BENCH_DIR (bench/), ROOT (the repository), OFFERS_BIN (absolute);
#        make_work:     WORK, SERVER_PID, CHILD_PID, SERVER_STATUS, and the traps;
#        start_server:  SERVER_PID, PORT;
#        begin_run:     started, LOAD_BEFORE.
# Those variables are read by the scripts that source this file, hence SC2034 off:
# shellcheck shell=bash disable=SC2034

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# The Python embedded in the scripts imports api_client.py from here; no bytecode in the tree.
export PYTHONPATH="$BENCH_DIR${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1

OFFERS_BIN=${OFFERS_BIN:-build/offers-api}
[[ $OFFERS_BIN == /* ]] || OFFERS_BIN=$ROOT/$OFFERS_BIN

log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

# check_tools: the server binary and the tools both benchmarks need.
check_tools() {
  [[ -x $OFFERS_BIN ]] || die "no server binary at $OFFERS_BIN (build it, or set OFFERS_BIN)"
  local tool
  for tool in wrk curl python3 timeout; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
  done
}

# make_work NAME: creates the temporary directory WORK (mktemp -d -t NAME.XXXXXX) and
# installs the traps that stop everything and remove it on exit, failure or interrupt.
make_work() {
  WORK=$(mktemp -d -t "$1.XXXXXX")
  SERVER_PID=
  CHILD_PID=
  SERVER_STATUS=
  trap cleanup EXIT
  trap 'log "interrupted"; exit 130' INT
  trap 'log "terminated"; exit 143' TERM
}

# stop_server: SIGTERM to the server (SIGKILL after 15 s); sets SERVER_STATUS.
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  local pid=$SERVER_PID
  SERVER_PID=
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "server did not stop within 15s of SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  SERVER_STATUS=0
  wait "$pid" 2>/dev/null || SERVER_STATUS=$?
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $CHILD_PID ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
    kill -TERM "$CHILD_PID" 2>/dev/null || true
    wait "$CHILD_PID" 2>/dev/null || true
  fi
  stop_server
  if [[ $KEEP == 1 ]]; then
    log "kept the work directory: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}

# run_bounded SECONDS OUTPUT COMMAND...: runs COMMAND in the background (its stdout and
# stderr to the file OUTPUT, or inherited for "-") and waits for it, so that a signal
# reaches the traps at once instead of after the command; `timeout` bounds it.
run_bounded() {
  local seconds=$1 output=$2
  shift 2
  if [[ $output == - ]]; then
    timeout --signal=TERM --kill-after=5 "$seconds" "$@" &
  else
    timeout --signal=TERM --kill-after=5 "$seconds" "$@" >"$output" 2>&1 &
  fi
  CHILD_PID=$!
  local rc=0
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=
  return "$rc"
}

# wrk_phase NAME SCRIPT URL THREADS CONNECTIONS DURATION BOUND_S [VAR=VALUE...]: wrk with
# bench/SCRIPT on URL, given at most BOUND_S seconds, the VARs in its environment; its
# result in $WORK/NAME.json, its output in $WORK/NAME.txt (echoed, indented, to stderr).
# Dies when wrk fails, writes no result, or the server (SERVER_PID) died meanwhile.
wrk_phase() {
  local name=$1 script=$2 url=$3 threads=$4 connections=$5 duration=$6 bound=$7
  shift 7
  log "wrk: $name ($url, -t $threads -c $connections -d $duration)"
  run_bounded "$bound" "$WORK/$name.txt" \
    env BENCH_RESULT_FILE="$WORK/$name.json" BENCH_THREADS="$threads" "$@" \
    wrk -t "$threads" -c "$connections" -d "$duration" --timeout 10s --latency \
    -s "$BENCH_DIR/$script" "$url" || {
    cat "$WORK/$name.txt" >&2
    die "wrk failed in phase $name"
  }
  grep -v '^BENCH_RESULT ' "$WORK/$name.txt" | sed 's/^/    /' >&2
  [[ -s $WORK/$name.json ]] || die "wrk phase $name wrote no result (Lua error?)"
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during phase $name"
}

# start_server DIR [SERVER OPTION...]: starts offers-api on loopback, an ephemeral port and
# DIR/data (logs to DIR/server.log and DIR/server.err), reads the port from its
# "listening" log line and checks /healthz; sets SERVER_PID and PORT.
start_server() {
  local dir=$1
  shift
  "$OFFERS_BIN" serve --host 127.0.0.1 --port 0 --data-dir "$dir/data" "$@" \
    >"$dir/server.log" 2>"$dir/server.err" &
  SERVER_PID=$!
  PORT=
  for _ in $(seq 1 150); do
    PORT=$(sed -n 's/.*"msg":"listening".*"port":\([0-9][0-9]*\).*/\1/p' "$dir/server.log" | head -n1)
    [[ -n $PORT ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $PORT ]]; then
    cat "$dir/server.log" "$dir/server.err" >&2 || true
    die "the server did not report listening within 15s"
  fi
  curl -fsS --max-time 5 "http://127.0.0.1:$PORT/healthz" >/dev/null || die "GET /healthz failed"
}

# server_problems DIR: reports warning/error lines of the server's log.
server_problems() {
  local dir=$1 problems
  problems=$(grep -c -E '"level":"(error|warn|warning|fatal)"' "$dir/server.log" || true)
  if [[ $problems != 0 || -s $dir/server.err ]]; then
    log "warning: the server logged $problems warning/error lines; stderr: $(wc -l <"$dir/server.err") lines"
    grep -E '"level":"(error|warn|warning|fatal)"' "$dir/server.log" | head -n 5 >&2 || true
    head -n 5 "$dir/server.err" >&2 || true
  fi
}

# begin_run: records the start time (started) and the load average (LOAD_BEFORE), and
# warns when the machine is already busy.
begin_run() {
  started=$(date +%s)
  LOAD_BEFORE=$(python3 -c 'import os; print("%.2f %.2f %.2f" % os.getloadavg())')
  if python3 -c 'import os, sys; sys.exit(os.getloadavg()[0] <= os.cpu_count() / 4)'; then
    log "warning: load average $LOAD_BEFORE before the run: other work on this machine will skew the numbers"
  fi
}

# git_commit: the short commit of the repository, "(dirty tree)" appended when it has
# uncommitted changes, "unknown" outside git.
git_commit() {
  local commit
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || commit="$commit (dirty tree)"
  printf '%s\n' "$commit"
}

# pass_or_fail VERDICT: prints PASS for 0; otherwise FAIL, and exits with status 1.
pass_or_fail() {
  if (($1 == 0)); then
    echo "PASS"
  else
    echo "FAIL"
    exit 1
  fi
}
