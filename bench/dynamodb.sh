#!/usr/bin/env bash
# DynamoDB-engine benchmark (run by `make bench-dynamodb` after the build), against
# dynalite in memory on this machine.
#
# 1. Starts dynalite (tests/support/dynalite_launcher.js: in memory, loopback, an ephemeral
#    port), kept alive by a pipe only this script holds, so it goes when the script goes.
# 2. Runs build/bench_dynamodb_cost (bench/dynamodb_cost.cpp) against it: dynalite's own
#    ceiling (conditional PutItem of small items), then location creates (one at a time
#    and a batch of DDB_JOB_LOCATIONS), single links and unlinks and a
#    link job and an unlink job through DynamoDbStore in process, with the DynamoDB
#    requests each one takes, by operation.
# 3. Starts `offers-api serve --store dynamodb --create-table --dynamodb-event-lag-ms 0` on
#    a fresh table and measures new links over HTTP with wrk and bench/link.lua, followed
#    by run.sh's exactness check (the same code: it is taken from run.sh, not copied),
#    then GET /v1/offers/{id} over the same offers with wrk and bench/get.lua.
# 4. Starts another server on another fresh table and times one link-brand-locations job
#    over DDB_BULK_LOCATIONS locations (server side, from the job's started/finished).
# 5. Starts a server on a fresh table and leaves it idle for DDB_IDLE_SECONDS: the DynamoDB
#    requests it sends meanwhile (its background scans), from offers_aws_requests_total.
# 6. Prints a report that sets every rate beside dynalite's PutItem ceiling and writes it
#    to bench/results/dynamodb-latest.md (numbers in dynamodb-latest.json).
# Everything it starts is stopped on exit, failure or interrupt included.
#
# Environment (defaults in brackets):
#   OFFERS_BIN            the server binary, relative to the repo root [build/offers-api]
#   DDB_COST_BIN          the cost program, likewise [build/bench_dynamodb_cost]
#   DDB_THREADS           cost program: client threads of the single links [8]
#   DDB_PUTS              cost program: conditional puts per ceiling level [10000]
#   DDB_CEILING_THREADS   cost program: the ceiling's concurrency levels; the best counts [8,16,32]
#   DDB_LINKS             cost program: single links (then as many unlinks) [2000]
#   DDB_OFFERS            cost program: offers the single links spread over [10]
#   DDB_JOB_LOCATIONS     cost program: locations of its link and unlink jobs [1000]
#   DDB_PAGE_SIZE         job page size, in process and --job-page-size over HTTP [1000]
#   DDB_DURATION          wrk -d of the HTTP link phase [10s]
#   DDB_CONNECTIONS       wrk -c [32]
#   DDB_WRK_THREADS       wrk -t [2]
#   DDB_SERVER_THREADS    offers-api --threads, 0 = the server's own default [0]
#   DDB_HTTP_OFFERS       offers for the HTTP link phase [10]
#   DDB_HTTP_LOCATIONS    locations for it, rounded up to a multiple of the offers [2000]
#   DDB_BULK_LOCATIONS    locations of the HTTP link job [10000]
#   DDB_IDLE_SECONDS      how long the idle server is watched [60]
#   DDB_KEEP              1: keep the temporary directory (logs, raw results) [0]
# Exit status: 0 when every check passes (rates are reported, not enforced), 1 when a
# check fails, 2 on a setup problem.
set -euo pipefail

LOG_TAG=bench-dynamodb
# lib.sh: BENCH_DIR, ROOT, OFFERS_BIN, log/die, the server lifecycle and the cleanup traps.
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COST_BIN=${DDB_COST_BIN:-build/bench_dynamodb_cost}
[[ $COST_BIN == /* ]] || COST_BIN=$ROOT/$COST_BIN
THREADS=${DDB_THREADS:-8}
PUTS=${DDB_PUTS:-10000}
CEILING_THREADS=${DDB_CEILING_THREADS:-8,16,32}
LINKS=${DDB_LINKS:-2000}
OFFERS=${DDB_OFFERS:-10}
JOB_LOCATIONS=${DDB_JOB_LOCATIONS:-1000}
PAGE_SIZE=${DDB_PAGE_SIZE:-1000}
DURATION=${DDB_DURATION:-10s}
CONNECTIONS=${DDB_CONNECTIONS:-32}
WRK_THREADS=${DDB_WRK_THREADS:-2}
SERVER_THREADS=${DDB_SERVER_THREADS:-0}
HTTP_OFFERS=${DDB_HTTP_OFFERS:-10}
HTTP_LOCATIONS=${DDB_HTTP_LOCATIONS:-2000}
BULK_LOCATIONS=${DDB_BULK_LOCATIONS:-10000}
IDLE_SECONDS=${DDB_IDLE_SECONDS:-60}
KEEP=${DDB_KEEP:-0}

for v in THREADS PUTS LINKS OFFERS JOB_LOCATIONS PAGE_SIZE CONNECTIONS WRK_THREADS \
  SERVER_THREADS HTTP_OFFERS HTTP_LOCATIONS BULK_LOCATIONS IDLE_SECONDS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done
((THREADS >= 1 && PUTS >= 1 && LINKS >= 1 && OFFERS >= 1 && JOB_LOCATIONS >= 1)) ||
  die "DDB_THREADS, DDB_PUTS, DDB_LINKS, DDB_OFFERS and DDB_JOB_LOCATIONS must be at least 1"
[[ $CEILING_THREADS =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] ||
  die "DDB_CEILING_THREADS must be numbers >= 1 separated by commas, got '$CEILING_THREADS'"
((PAGE_SIZE >= 1 && HTTP_OFFERS >= 1 && HTTP_LOCATIONS >= 1 && BULK_LOCATIONS >= 1)) ||
  die "DDB_PAGE_SIZE, DDB_HTTP_OFFERS, DDB_HTTP_LOCATIONS and DDB_BULK_LOCATIONS must be at least 1"
((WRK_THREADS >= 1 && CONNECTIONS >= WRK_THREADS)) || die "need 1 <= DDB_WRK_THREADS <= DDB_CONNECTIONS"
# link.lua needs the locations to be a multiple of the offers (see the pair formula there).
HTTP_LOCATIONS=$(((HTTP_LOCATIONS + HTTP_OFFERS - 1) / HTTP_OFFERS * HTTP_OFFERS))
check_tools
[[ -x $COST_BIN ]] || die "no cost program at $COST_BIN (build it, or set DDB_COST_BIN)"
command -v node >/dev/null || die "node is not installed (scripts/setup.sh installs it)"
LAUNCHER=$ROOT/tests/support/dynalite_launcher.js
[[ -f $LAUNCHER ]] || die "no $LAUNCHER"
[[ -d $ROOT/node_modules/dynalite ]] || die "dynalite is not installed: run scripts/setup.sh (npm ci)"
duration_s=$(python3 -c 'import re,sys
m = re.fullmatch(r"(\d+)([smh]?)", sys.argv[1])
print(int(m[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[m[2]] if m else "")' "$DURATION")
[[ -n $duration_s ]] || die "DDB_DURATION must look like 10s, 2m or 30, got '$DURATION'"

# dynalite takes any well-formed signature; these keys exist only so that requests are
# signed, and they keep real credentials in the environment away from a test endpoint.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN

make_work offers-ddb-bench
DYNALITE_PID=
# Stops dynalite, then lib.sh's cleanup (which reads the exit status first thing).
stop_all() {
  local rc=$?
  if [[ -n $DYNALITE_PID ]]; then
    exec 7>&- || true
    kill -TERM "$DYNALITE_PID" 2>/dev/null || true
    wait "$DYNALITE_PID" 2>/dev/null || true
    DYNALITE_PID=
  fi
  (exit "$rc")
  cleanup
}
trap stop_all EXIT

# start_dynalite: dynalite on loopback and an ephemeral port; sets DYNALITE_PID and
# ENDPOINT. Its stdin is a FIFO held open by fd 7 of this script (and of the processes it
# starts, which inherit it): the launcher leaves when its stdin ends, so dynalite does not
# outlive them even when this script is killed without running its traps.
start_dynalite() {
  mkfifo "$WORK/dynalite.in"
  node "$LAUNCHER" <"$WORK/dynalite.in" >"$WORK/dynalite.out" 2>"$WORK/dynalite.err" &
  DYNALITE_PID=$!
  exec 7>"$WORK/dynalite.in"
  local port=
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*"dynalite":"listening".*"port":\([0-9][0-9]*\).*/\1/p' "$WORK/dynalite.out")
    [[ -n $port ]] && break
    kill -0 "$DYNALITE_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $port ]]; then
    cat "$WORK/dynalite.err" >&2 || true
    die "dynalite did not report listening within 10s"
  fi
  ENDPOINT=http://127.0.0.1:$port
}

# ddb_call OPERATION JSON: one signed DynamoDB request to dynalite; prints the response.
ddb_call() {
  curl -fsS --max-time 10 --aws-sigv4 "aws:amz:$AWS_REGION:dynamodb" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H 'Content-Type: application/x-amz-json-1.0' -H "X-Amz-Target: DynamoDB_20120810.$1" \
    --data "$2" "$ENDPOINT/"
}

# wait_fanout TABLE: waits (up to 120 s) until the server's dispatcher has fanned out every
# event, so that a measurement does not share dynalite with the setup's event backlog.
# The queue is GSI3 partitions FANOUT#0..3 (docs/dynamodb-model.md).
wait_fanout() {
  local table=$1 backlog shard n
  for _ in $(seq 1 600); do
    backlog=0
    for shard in 0 1 2 3; do
      n=$(ddb_call Query "{\"TableName\":\"$table\",\"IndexName\":\"GSI3\",\"Select\":\"COUNT\",
        \"KeyConditionExpression\":\"GSI3PK = :p\",
        \"ExpressionAttributeValues\":{\":p\":{\"S\":\"FANOUT#$shard\"}}}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["Count"])') || n=0
      backlog=$((backlog + n))
    done
    ((backlog == 0)) && return 0
    sleep 0.2
  done
  log "warning: $backlog events still waiting for fan-out after 120s"
}

# start_ddb_server DIR TABLE [SERVER OPTION...]: offers-api on the DynamoDB engine, on a
# table of its own that it creates; the feed needs no lag with one process.
start_ddb_server() {
  local dir=$1 table=$2
  shift 2
  mkdir -p "$dir"
  start_server "$dir" --threads "$SERVER_THREADS" --store dynamodb \
    --dynamodb-endpoint "$ENDPOINT" --dynamodb-table "$table" --aws-region "$AWS_REGION" \
    --create-table --dynamodb-event-lag-ms 0 "$@"
}

# ddb_wrk NAME SCRIPT [VAR=VALUE...]: lib.sh's wrk_phase on the server's /v1/offers with
# this benchmark's wrk settings.
ddb_wrk() {
  local name=$1 script=$2
  shift 2
  wrk_phase "$name" "$script" "http://127.0.0.1:$PORT/v1/offers" "$WRK_THREADS" "$CONNECTIONS" \
    "$DURATION" $((duration_s + 60)) "$@"
}

# ---------------------------------------------------------------------------------------
# run.sh's embedded helper (setup of brand/offers/locations, and the exactness check of a
# link phase) is the one copy of that code: take it from there rather than copy it.
awk '/^cat >"\$WORK\/bench.py" <<.PY.$/ { on = 1; next } on && /^PY$/ { exit } on' \
  "$BENCH_DIR/run.sh" >"$WORK/bench.py"
if ! grep -q '^def setup(' "$WORK/bench.py" || ! grep -q '^def verify(' "$WORK/bench.py"; then
  die "could not take the setup/verify helper from bench/run.sh (its layout changed?)"
fi

# This script's own Python (stdlib only): the HTTP job phase and the report.
cat >"$WORK/ddb.py" <<'PY'
import http.client, json, os, sys, time
from datetime import datetime

from api_client import Api

def parse_ts(text):
    return datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()

def aws_requests(port):
    """offers_aws_requests_total from /metrics, summed over its series, by operation."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("offers_aws_requests_total{"):
            labels, value = line[len("offers_aws_requests_total{"):].rsplit("} ", 1)
            op = dict(kv.split("=", 1) for kv in labels.split(","))["operation"].strip('"')
            out[op] = out.get(op, 0) + float(value)
    return out

def idle(port, seconds, out_path):
    time.sleep(2)  # past start-up (table creation, the first scans)
    before = aws_requests(port)
    time.sleep(seconds)
    after = aws_requests(port)
    ops = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}
    total = sum(ops.values())
    with open(out_path, "w") as f:
        json.dump({"seconds": seconds, "requests": total, "per_minute": total * 60 / seconds,
                   "ops": ops}, f)
    return True

def job(port, ids_dir, size, budget_s, out_path):
    api = Api(port)
    with open(os.path.join(ids_dir, "offers.txt")) as f:
        offer = f.readline().strip()
    _, before = api.call("GET", f"/v1/offers/{offer}", expect={200})
    if before["locationsTotal"] != 0:
        raise RuntimeError(f"the offer already has {before['locationsTotal']} locations")
    t0 = time.monotonic()
    _, j = api.call("POST", "/v1/jobs", {"type": "link-brand-locations", "offerId": offer}, {202})
    while j["status"] not in ("succeeded", "failed", "cancelled"):
        if time.monotonic() - t0 > budget_s:
            break
        time.sleep(0.1)
        _, j = api.call("GET", f"/v1/jobs/{j['id']}", expect={200})
    client_s = time.monotonic() - t0
    _, after = api.call("GET", f"/v1/offers/{offer}", expect={200})
    wall = (parse_ts(j["finished"]) - parse_ts(j["started"])
            if j.get("started") and j.get("finished") else None)
    checks = [
        (j["status"] == "succeeded", f"status succeeded: {j['status']} {json.dumps(j.get('error'))}"),
        (j.get("linked") == size, f"linked = {size}: {j.get('linked')}"),
        (j.get("linked", 0) + j.get("alreadyLinked", 0) + j.get("failed", 0) == j.get("total") == size,
         f"linked + alreadyLinked + failed = total = {size}: total {j.get('total')}"),
        (after["locationsTotal"] == size, f"offer locationsTotal = {size}: {after['locationsTotal']}"),
    ]
    for ok, text in checks:
        print(f"  [{'ok' if ok else 'FAIL'}] {text}")
    result = {"size": size, "status": j["status"], "server_wall_s": wall, "client_s": client_s,
              "locations_per_s": size / wall if wall else None,
              "pass": all(ok for ok, _ in checks),
              "checks": [{"ok": ok, "text": t} for ok, t in checks]}
    with open(out_path, "w") as f:
        json.dump(result, f)
    return result["pass"]

def report(work, out_md, out_json):
    def load(name):
        with open(os.path.join(work, name)) as f:
            return json.load(f)
    meta, cost, wrk, verify, bulk, get = (
        load(n) for n in ("meta.json", "cost.json", "link.json", "verify.json", "job.json",
                          "get.json"))
    puts = cost["ceiling"]["puts_per_s"]
    link, unlink = cost["links"]["link"], cost["links"]["unlink"]
    ljob, ujob = cost["bulk"]["link_job"], cost["bulk"]["unlink_job"]
    per_link = link["requests_per_op"]
    per_location = ljob["requests_per_location"]
    http_links = wrk["created"] / (wrk["duration_us"] / 1e6)
    http_bulk = bulk["locations_per_s"] or float("nan")

    def n(x, d=0):
        return f"{x:,.{d}f}"
    def pct(x):
        return f"{x:.0%}"
    lines = [
        "# offers-api DynamoDB-engine benchmark (dynalite)",
        "",
        f"{meta['date']}, commit {meta['commit']}, {meta['cpus']} CPUs; dynalite {meta['dynalite']} "
        f"(in memory, one node {meta['node']} process), the server, the cost program and wrk all on "
        f"this machine. Load average (1, 5, 15 min) before {meta['load_before']}, after "
        f"{meta['load_after']}.",
        "",
        "## The endpoint, and the engine in process (`bench_dynamodb_cost`)",
        "",
        "The ceiling is dynalite's best conditional-PutItem rate over "
        + ", ".join(f"{x['threads']} threads ({n(x['puts_per_s'])}/s)" for x in cost["ceiling"]["levels"])
        + f". The single links run on {cost['links']['threads']} threads, the jobs keep "
        f"{cost['bulk']['parallelism']} requests in flight. A request is one DynamoDB call; "
        "\"of the ceiling\" is requests/s as a share of the ceiling's puts/s.",
        "",
        "| measurement | rate | requests each | requests/s | of the ceiling | p50 / p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
        f"| dynalite: conditional PutItem, small item, {cost['ceiling']['threads']} threads | "
        f"{n(puts)} puts/s | 1 | {n(puts)} | 100% | {cost['ceiling']['p50_ms']:.1f} / "
        f"{cost['ceiling']['p99_ms']:.1f} |",
    ]
    for name, x in (("single link", link), ("single unlink", unlink)):
        lines.append(f"| {name} ({n(x['count'])}, {cost['links']['offers']} offers) | "
                     f"{n(x['per_s'])}/s | {x['requests_per_op']:.2f} | "
                     f"{n(x['per_s'] * x['requests_per_op'])} | "
                     f"{pct(x['per_s'] * x['requests_per_op'] / puts)} | "
                     f"{x['p50_ms']:.1f} / {x['p99_ms']:.1f} |")
    for name, x in (("link job", ljob), ("unlink job", ujob)):
        lines.append(f"| {name}, {n(cost['bulk']['locations'])} locations, page "
                     f"{n(cost['bulk']['page_size'])} | {n(x['locations_per_s'])} locations/s | "
                     f"{x['requests_per_location']:.2f} per location | "
                     f"{n(x['locations_per_s'] * x['requests_per_location'])} | "
                     f"{pct(x['locations_per_s'] * x['requests_per_location'] / puts)} | |")
    lines += [
        "",
        "## Over HTTP (`offers-api serve --store dynamodb`)",
        "",
        "Ratios: the rate over dynalite's puts/s, and over what dynalite could serve at that "
        f"put rate given the requests each one needs in process ({per_link:.2f} per link, "
        f"{per_location:.2f} per job location). The server also fans out each event (one more "
        "UpdateItem) and polls its queues, which the in-process figures leave out.",
        "",
        "| measurement | rate | p50 / p99 ms | / puts/s | / (puts/s / requests each) |",
        "|---|---:|---:|---:|---:|",
        f"| new links: wrk -t {meta['wrk_threads']} -c {meta['connections']} -d {meta['duration']}, "
        f"{meta['http_offers']} offers x {n(meta['http_locations'])} locations | "
        f"{n(http_links)} links/s | {wrk['latency_us']['p50'] / 1000:.1f} / "
        f"{wrk['latency_us']['p99'] / 1000:.1f} | {http_links / puts:.3f} | "
        f"{pct(http_links / (puts / per_link))} |",
        f"| GET /v1/offers/{{id}}: same server and wrk settings, after the links "
        f"({get['errors']['status']} errors) | {n(get['rps'])} requests/s | "
        f"{get['latency_us']['p50'] / 1000:.1f} / {get['latency_us']['p99'] / 1000:.1f} | "
        f"{get['rps'] / puts:.3f} | |",
        f"| link job, {n(bulk['size'])} locations, --job-page-size {meta['page_size']} "
        f"(server wall {bulk['server_wall_s']:.2f} s) | {n(http_bulk)} locations/s | | "
        f"{http_bulk / puts:.3f} | {pct(http_bulk / (puts / per_location))} |",
        "",
        "## DynamoDB requests per operation, in process",
        "",
        "| operation | GetItem | BatchGetItem | Query | PutItem | UpdateItem | DeleteItem | total |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    def ops_row(name, ops, total):
        cells = [f"{ops.get(k, 0):,.2f}".rstrip("0").rstrip(".") for k in
                 ("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem")]
        return f"| {name} | " + " | ".join(cells) + f" | {total:,.2f}".rstrip("0").rstrip(".") + " |"
    lines.append(ops_row("single link", link["ops"], link["requests_per_op"]))
    lines.append(ops_row("single unlink", unlink["ops"], unlink["requests_per_op"]))
    for name, x in (("link job", ljob), ("unlink job", ujob)):
        for i, st in enumerate(x["steps"], 1):
            what = (f"page of {n(st['locations'])} locations" if st["locations"]
                    else "empty page: the job ends")
            lines.append(ops_row(f"{name} step {i}: {what}", st["ops"], st["requests"]))
    idle_path = os.path.join(work, "idle.json")
    if os.path.exists(idle_path):
        idle = load("idle.json")
        lines += ["", "## An idle server", "",
                  f"DynamoDB requests a server sent while idle for {idle['seconds']} s: "
                  f"**{n(idle['per_minute'])} per minute** ("
                  + ", ".join(f"{k} {n(v)}" for k, v in sorted(idle["ops"].items())) + ")."]
    lines += ["", "## Item sizes (DynamoDB's item-size rules)", "",
              "| item | bytes | indexes |", "|---|---:|---|"]
    for it in cost["items"]:
        lines.append(f"| {it['type']} | {it['bytes']} | {', '.join(it['indexes']) or '-'} |")
    checks = ([(c["ok"], "in process: " + c["text"]) for c in cost["checks"]] +
              [(c["ok"], "HTTP links: " + c["text"]) for c in verify["checks"]] +
              [(c["ok"], "HTTP job: " + c["text"]) for c in bulk["checks"]])
    ok = all(c for c, _ in checks)
    lines += ["", f"Checks: **{'PASS' if ok else 'FAIL'}**"]
    lines += [f"- {'ok' if c else 'FAILED'}: {t}" for c, t in checks]
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(out_md), exist_ok=True)
    with open(out_md, "w") as f:
        f.write(text)
    with open(out_json, "w") as f:
        json.dump({"meta": meta, "cost": cost, "get_offer": get,
                   "http_links": {"links_per_s": http_links, "wrk": wrk,
                   "verify": verify}, "http_job": bulk}, f, indent=1)
    print(text)

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "idle":
            sys.exit(0 if idle(int(args[0]), int(args[1]), args[2]) else 1)
        elif cmd == "job":
            sys.exit(0 if job(int(args[0]), args[1], int(args[2]), int(args[3]), args[4]) else 1)
        elif cmd == "report":
            report(args[0], args[1], args[2])
        else:
            sys.exit(f"unknown command {cmd}")
    except (OSError, RuntimeError, KeyError, ValueError, TypeError,
            http.client.HTTPException) as e:
        print(f"ddb.py {cmd}: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)
PY

# ---------------------------------------------------------------------------------------
begin_run
start_dynalite
log "dynalite at $ENDPOINT"
verdict=0

log "cost program: $PUTS puts at each of $CEILING_THREADS threads; $LINKS links over $OFFERS offers ($THREADS threads); jobs over $JOB_LOCATIONS locations"
rc=0
run_bounded 900 - "$COST_BIN" --endpoint "$ENDPOINT" --threads "$THREADS" --puts "$PUTS" \
  --ceiling-threads "$CEILING_THREADS" \
  --links "$LINKS" --offers "$OFFERS" --bulk "$JOB_LOCATIONS" --page-size "$PAGE_SIZE" \
  --json "$WORK/cost.json" || rc=$?
((rc <= 1)) || die "the cost program could not run"
((rc == 0)) || verdict=1
kill -0 "$DYNALITE_PID" 2>/dev/null || die "dynalite died during the cost program"

# New links over HTTP, then run.sh's exactness check.
table=links-$(date +%s)
start_ddb_server "$WORK/links" "$table"
log "link phase: server on port $PORT, table $table; $HTTP_OFFERS offers, $HTTP_LOCATIONS locations"
run_bounded 600 - python3 "$WORK/bench.py" setup "$PORT" "$HTTP_OFFERS" "$HTTP_LOCATIONS" \
  "$WORK/links" || die "setup of the link phase failed"
wait_fanout "$table"
ddb_wrk link link.lua BENCH_OFFERS_FILE="$WORK/links/offers.txt" \
  BENCH_LOCATIONS_FILE="$WORK/links/locations.txt"
log "verifying the link counters"
rc=0
run_bounded 600 - python3 "$WORK/bench.py" verify "$PORT" "$WORK/links" "$WORK/link.json" \
  "$WORK/verify.json" || rc=$?
((rc <= 1)) || die "verification could not run"
((rc == 0)) || verdict=1
# Reads on the same server: GET /v1/offers/{id} over the phase's offers.
ddb_wrk get get.lua BENCH_PATHS_FILE="$WORK/links/offer-paths.txt"
stop_server
[[ $SERVER_STATUS == 0 ]] || log "warning: the server exited with status $SERVER_STATUS on SIGTERM"
server_problems "$WORK/links"

# One link job over HTTP, on a fresh table.
table=bulk-$(date +%s)
start_ddb_server "$WORK/bulk" "$table" --job-page-size "$PAGE_SIZE"
log "job phase: server on port $PORT, table $table; $BULK_LOCATIONS locations"
run_bounded 900 - python3 "$WORK/bench.py" setup "$PORT" 1 "$BULK_LOCATIONS" "$WORK/bulk" ||
  die "setup of the job phase failed"
wait_fanout "$table"
# Generous: a tenth of dynalite's slowest plausible rate.
budget=$((60 + BULK_LOCATIONS / 20))
rc=0
run_bounded $((budget + 30)) - python3 "$WORK/ddb.py" job "$PORT" "$WORK/bulk" "$BULK_LOCATIONS" \
  "$budget" "$WORK/job.json" || rc=$?
((rc <= 1)) || die "the job phase could not run"
((rc == 0)) || verdict=1
stop_server
[[ $SERVER_STATUS == 0 ]] || log "warning: the server exited with status $SERVER_STATUS on SIGTERM"
server_problems "$WORK/bulk"

# An idle server: what its background scans cost.
if ((IDLE_SECONDS > 0)); then
  table=idle-$(date +%s)
  start_ddb_server "$WORK/idle" "$table"
  log "idle phase: server on port $PORT, table $table, watched for ${IDLE_SECONDS}s"
  run_bounded $((IDLE_SECONDS + 60)) - python3 "$WORK/ddb.py" idle "$PORT" "$IDLE_SECONDS" \
    "$WORK/idle.json" || die "the idle phase could not run"
  stop_server
  server_problems "$WORK/idle"
fi

commit=$(git_commit)
python3 - "$WORK/meta.json" "$ROOT" <<EOF
import json, os, subprocess, sys, time
root = sys.argv[2]
with open(os.path.join(root, "node_modules", "dynalite", "package.json")) as f:
    dynalite = json.load(f)["version"]
node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": "$commit",
           "cpus": os.cpu_count(), "dynalite": dynalite, "node": node,
           "wrk_threads": $WRK_THREADS, "connections": $CONNECTIONS, "duration": "$DURATION",
           "http_offers": $HTTP_OFFERS, "http_locations": $HTTP_LOCATIONS,
           "page_size": $PAGE_SIZE, "load_before": "$LOAD_BEFORE",
           "load_after": "%.2f %.2f %.2f" % os.getloadavg()}, open(sys.argv[1], "w"))
EOF

echo
python3 "$WORK/ddb.py" report "$WORK" "$BENCH_DIR/results/dynamodb-latest.md" \
  "$BENCH_DIR/results/dynamodb-latest.json"
log "written to bench/results/dynamodb-latest.md; took $(($(date +%s) - started))s"
pass_or_fail "$verdict"
