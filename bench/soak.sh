#!/usr/bin/env bash
# Crash-and-load soak of offers-api (run by `make bench-soak` after the build): client
# threads link and unlink under a ledger and bulk jobs run while the server is kill -9ed
# and restarted again and again on the same data; afterwards every acknowledged change
# must be there, every counter exact and every job ended. The driver is the integration
# test's (tests/support/soak.hpp), built as build/soak from bench/soak.cpp; this script
# gives it a temporary data directory, runs it and writes the figures to
# bench/results/soak-latest.md. Everything it starts is stopped on exit, failure or
# interrupt included (the server dies with the soak program, see ServerProcess).
#
# Environment (defaults in brackets):
#   OFFERS_BIN            the server binary, relative to the repo root [build/offers-api]
#   SOAK_BIN              the soak program, likewise [build/soak]
#   SOAK_DURATION         seconds of load [180]
#   SOAK_KILLS            kill -9s during it, at random moments [12]
#   SOAK_CLIENTS          client threads [8]
#   SOAK_OFFERS           offers of the client brand [8]
#   SOAK_LOCATIONS        locations of the client brand (pairs = offers x locations) [1000]
#   SOAK_JOB_LOCATIONS    locations of the brand the bulk jobs link and unlink, 0: no jobs [5000]
#   SOAK_JOB_OFFERS       offers the jobs take in turn [40]
#   SOAK_PAGE_SIZE        offers-api --job-page-size [100]
#   SOAK_SERVER_THREADS   offers-api --threads, 0 = the server's default [0]
#   SOAK_MAX_DOWNTIME_MS  longest pause between a kill and the restart [300]
#   SOAK_STORE            rocksdb, or dynamodb (on dynalite; needs node, keep it small) [rocksdb]
#   SOAK_SEED             seed of the random choices, 0 = pick one [0]
#   SOAK_KEEP             1: keep the temporary directory (the server's data) [0]
# Exit status: 0 when nothing was lost and everything is exact, 1 when not, 2 on a setup
# problem.
set -euo pipefail

LOG_TAG=soak
# lib.sh: BENCH_DIR, ROOT, OFFERS_BIN, log/die, the temporary directory and its traps.
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SOAK_BIN=${SOAK_BIN:-build/soak}
[[ $SOAK_BIN == /* ]] || SOAK_BIN=$ROOT/$SOAK_BIN
DURATION=${SOAK_DURATION:-180}
KILLS=${SOAK_KILLS:-12}
CLIENTS=${SOAK_CLIENTS:-8}
OFFERS=${SOAK_OFFERS:-8}
LOCATIONS=${SOAK_LOCATIONS:-1000}
JOB_LOCATIONS=${SOAK_JOB_LOCATIONS:-5000}
JOB_OFFERS=${SOAK_JOB_OFFERS:-40}
PAGE_SIZE=${SOAK_PAGE_SIZE:-100}
SERVER_THREADS=${SOAK_SERVER_THREADS:-0}
MAX_DOWNTIME_MS=${SOAK_MAX_DOWNTIME_MS:-300}
STORE=${SOAK_STORE:-rocksdb}
SEED=${SOAK_SEED:-0}
KEEP=${SOAK_KEEP:-0}

for v in DURATION KILLS CLIENTS OFFERS LOCATIONS JOB_LOCATIONS JOB_OFFERS PAGE_SIZE \
  SERVER_THREADS MAX_DOWNTIME_MS SEED; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done
((DURATION >= 1 && CLIENTS >= 1 && OFFERS >= 1 && LOCATIONS >= 1 && PAGE_SIZE >= 1)) ||
  die "SOAK_DURATION, SOAK_CLIENTS, SOAK_OFFERS, SOAK_LOCATIONS and SOAK_PAGE_SIZE must be at least 1"
[[ $STORE == rocksdb || $STORE == dynamodb ]] || die "SOAK_STORE is rocksdb or dynamodb, got '$STORE'"
[[ -x $OFFERS_BIN ]] || die "no server binary at $OFFERS_BIN (build it, or set OFFERS_BIN)"
[[ -x $SOAK_BIN ]] || die "no soak program at $SOAK_BIN (build it, or set SOAK_BIN)"
if [[ $STORE == dynamodb ]]; then
  command -v node >/dev/null || die "node is not installed (scripts/setup.sh installs it)"
fi

make_work soak
begin_run
log "server: $OFFERS_BIN ($STORE, --job-page-size $PAGE_SIZE, --threads $SERVER_THREADS)"
log "$DURATION s of load, $KILLS kills; $CLIENTS clients over $OFFERS x $LOCATIONS pairs;" \
  "jobs over $JOB_LOCATIONS locations"

# Generous bound: the load, plus the setup, the drain, the jobs' end and the verification.
rc=0
run_bounded $((DURATION * 2 + 600)) - "$SOAK_BIN" --binary "$OFFERS_BIN" --data-dir "$WORK" \
  --store "$STORE" --duration "$DURATION" --kills "$KILLS" --clients "$CLIENTS" \
  --offers "$OFFERS" --locations "$LOCATIONS" --job-locations "$JOB_LOCATIONS" \
  --job-offers "$JOB_OFFERS" --job-page-size "$PAGE_SIZE" --server-threads "$SERVER_THREADS" \
  --max-downtime-ms "$MAX_DOWNTIME_MS" --seed "$SEED" --report "$WORK/figures.md" || rc=$?
((rc <= 1)) || die "the soak could not run (status $rc)"

mkdir -p "$BENCH_DIR/results"
{
  echo "# offers-api crash-and-load soak"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git_commit), $(nproc) CPUs, load generator on" \
    "the same machine. Load average (1, 5, 15 min) before the run $LOAD_BEFORE, after" \
    "$(python3 -c 'import os; print("%.2f %.2f %.2f" % os.getloadavg())')."
  echo
  cat "$WORK/figures.md"
} >"$BENCH_DIR/results/soak-latest.md"
log "written to bench/results/soak-latest.md; took $(($(date +%s) - started))s"
pass_or_fail "$rc"
