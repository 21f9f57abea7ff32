#!/usr/bin/env bash
# Runs one libFuzzer target for FUZZ_SECONDS (default 5) from its committed seed corpus:
#   run.sh FUZZER SEED_CORPUS_DIR WORK_DIR
# New inputs go to WORK_DIR/corpus (kept, so later runs start from what earlier ones
# found; the seeds stay as committed) and an input that fails to
# WORK_DIR/artifacts/crash-<sha1> (or leak-, timeout-, oom-). Reproduce one with
# `FUZZER WORK_DIR/artifacts/crash-...`. Fails on any crash, leak, sanitizer report, broken
# property, input slower than 10 s, or a fuzzer that cannot start.
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 FUZZER SEED_CORPUS_DIR WORK_DIR" >&2
  exit 2
fi
fuzzer=$1 seeds=$2 work=$3
seconds=${FUZZ_SECONDS:-5}
mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
# Temporary files (the api target's store) next to the rest, not left in the system's
# temporary directory when a finding aborts the run.
export TMPDIR="$work/tmp"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -detect_leaks=1 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
