#!/usr/bin/env bash
# HTTP load benchmark of offers-api (run by `make bench` after the build).
#
# Starts the release binary on a fresh temporary data dir (loopback, ephemeral port),
# creates one brand, BENCH_OFFERS offers, one more "hot" offer and BENCH_LOCATIONS
# locations, then runs wrk against /healthz, GET /v1/offers/{id}, new offer<->location
# links spread over the offers, and the same new links all to the hot offer; checks that
# the link counters of both link phases are exact, and prints (and writes to
# bench/results/latest.md) a table.
# Everything it starts is stopped on exit, failure or interrupt included.
#
# Environment (defaults in brackets):
#   OFFERS_BIN            the server binary, relative to the repo root [build/offers-api]
#   BENCH_DURATION        wrk -d per measured phase [10s]
#   BENCH_CONNECTIONS     wrk -c [64]
#   BENCH_THREADS         wrk -t [2]
#   BENCH_SERVER_THREADS  offers-api --threads, 0 = one per core [0]
#   BENCH_WARMUP          unmeasured GET warm-up before the measured phases, 0 to skip [2s]
#   BENCH_OFFERS          offers to create [50]
#   BENCH_LOCATIONS       locations to create, rounded up to a multiple of BENCH_OFFERS [200000]
#   BENCH_KEEP            1: keep the temporary directory (data, logs, wrk output) [0]
# Exit status: 0 when the exactness check passes (the throughput targets are reported,
# not enforced), 1 when it fails, 2 on a setup problem.
set -euo pipefail

LOG_TAG=bench
# lib.sh: BENCH_DIR, ROOT, OFFERS_BIN, log/die, the server lifecycle and the cleanup traps.
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
SERVER_THREADS=${BENCH_SERVER_THREADS:-0}
WARMUP=${BENCH_WARMUP:-2s}
N_OFFERS=${BENCH_OFFERS:-50}
N_LOCATIONS=${BENCH_LOCATIONS:-200000}
KEEP=${BENCH_KEEP:-0}

for v in CONNECTIONS THREADS SERVER_THREADS N_OFFERS N_LOCATIONS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done
((THREADS >= 1 && CONNECTIONS >= THREADS)) || die "need 1 <= BENCH_THREADS <= BENCH_CONNECTIONS"
((N_OFFERS >= 1 && N_LOCATIONS >= 1)) || die "need at least one offer and one location"
# link.lua needs the locations to be a multiple of the offers (see the pair formula there).
N_LOCATIONS=$(((N_LOCATIONS + N_OFFERS - 1) / N_OFFERS * N_OFFERS))
check_tools
duration_s=$(python3 -c 'import re,sys
m = re.fullmatch(r"(\d+)([smh]?)", sys.argv[1])
print(int(m[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[m[2]] if m else "")' "$DURATION")
[[ -n $duration_s ]] || die "BENCH_DURATION must look like 10s, 2m or 30, got '$DURATION'"

make_work offers-bench

# ---------------------------------------------------------------------------------------
# The Python side (stdlib only): setup, verification, report.
cat >"$WORK/bench.py" <<'PY'
import http.client, json, os, random, sys, time
from collections import Counter

from api_client import Api

def read_ids(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]

def setup(port, n_offers, n_locations, out):
    api = Api(port)
    t0 = time.monotonic()
    _, brand = api.call("POST", "/v1/brands", {"name": "Bench Brand"}, {201})
    offers = []
    for i in range(n_offers):
        _, offer = api.call("POST", "/v1/offers",
                            {"name": f"Bench offer {i}", "brandId": brand["id"]}, {201})
        offers.append(offer["id"])
    # The hot offer: the one-offer link phase links every location to it alone.
    _, hot = api.call("POST", "/v1/offers", {"name": "Bench hot offer", "brandId": brand["id"]},
                      {201})
    t1 = time.monotonic()
    locations = []
    for start in range(0, n_locations, 1000):
        items = [{"address": f"{n} Benchmark Street", "brandId": brand["id"]}
                 for n in range(start, min(start + 1000, n_locations))]
        _, page = api.call("POST", "/v1/locations/batch", {"items": items}, {201})
        if len(page["items"]) != len(items):
            raise RuntimeError(f"batch returned {len(page['items'])} of {len(items)} locations")
        locations.extend(l["id"] for l in page["items"])
    t2 = time.monotonic()
    if len(set(locations)) != n_locations or len(set(offers)) != n_offers:
        raise RuntimeError("duplicate ids in the setup")
    with open(os.path.join(out, "offers.txt"), "w") as f:
        f.write("".join(i + "\n" for i in offers))
    with open(os.path.join(out, "locations.txt"), "w") as f:
        f.write("".join(i + "\n" for i in locations))
    with open(os.path.join(out, "offer-paths.txt"), "w") as f:
        f.write("".join(f"/v1/offers/{i}\n" for i in offers))
    os.makedirs(os.path.join(out, "hot"), exist_ok=True)
    with open(os.path.join(out, "hot", "offers.txt"), "w") as f:
        f.write(hot["id"] + "\n")
    with open(os.path.join(out, "hot", "locations.txt"), "w") as f:
        f.write("".join(i + "\n" for i in locations))
    with open(os.path.join(out, "setup.json"), "w") as f:
        json.dump({"offers_s": t1 - t0, "locations_s": t2 - t1, "total_s": t2 - t0}, f)
    print(f"created 1 brand, {n_offers} offers in {t1 - t0:.2f}s, "
          f"{n_locations} locations in {t2 - t1:.2f}s "
          f"({n_locations / max(t2 - t1, 1e-9):,.0f}/s)")

def verify(port, ids_dir, link_result_path, out_path, shared_locations=False):
    # shared_locations: the locations were linked in an earlier phase too (the one-offer
    # phase after the spread one), so a location's offersTotal counts those links as well.
    api = Api(port)
    offers = read_ids(os.path.join(ids_dir, "offers.txt"))
    locations = read_ids(os.path.join(ids_dir, "locations.txt"))
    with open(link_result_path) as f:
        r = json.load(f)
    n_off, n_loc = len(offers), len(locations)
    stride = r["stride"]
    per_thread = r["per_thread_issued"] or []
    pending = r["pending"] or []
    checks = []  # (ok, text)

    def check(ok, text):
        checks.append((bool(ok), text))
        print(f"  [{'ok' if ok else 'FAIL'}] {text}")

    def pair(k):
        return (offers[(k % n_off + k // n_loc) % n_off], locations[k % n_loc])

    # Every pair wrk issued, reconstructed from the per-thread counts.
    issued = [t + stride * i for t, n in enumerate(per_thread) for i in range(n)]
    issued_set = set(issued)
    answered = issued_set - {k for _, k in pending}

    t0 = time.monotonic()
    totals_before = {o: api.call("GET", f"/v1/offers/{o}", expect={200})[1]["locationsTotal"]
                     for o in offers}
    sum_before = sum(totals_before.values())

    # Settle the pairs wrk issued but never saw answered (in flight when the duration
    # ended, or the one request wrk builds at start-up only to check its syntax): linking
    # again answers 200 if the server did link it, 201 if it never got it.
    landed = not_landed = odd = 0
    for path, k in pending:
        o, l = pair(k)
        if path != f"/v1/offers/{o}/locations/{l}":
            odd += 1
            continue
        status, _ = api.call("POST", path)
        if status == 200:
            landed += 1
        elif status == 201:
            not_landed += 1
        else:
            odd += 1

    print(f"link phase: issued {r['issued']}, answered 201 {r['created']}, 200 {r['existing']}, "
          f"other {r['failed']}{' ' + json.dumps(r['statuses']) if r['statuses'] else ''}, unanswered {len(pending)} "
          f"(of which the server had linked {landed})")
    check(not r["exhausted"], "the pair list was not exhausted (else raise BENCH_LOCATIONS)")
    check(len(issued) == r["issued"] and len(issued_set) == len(issued)
          and all(k < n_off * n_loc for k in issued),
          f"{r['issued']} issued pairs, all distinct")
    check(r["created"] + r["existing"] + r["failed"] + len(pending) == r["issued"]
          and r["unmatched"] == 0 and odd == 0,
          "every issued pair answered exactly once or still unanswered "
          f"(unmatched responses {r['unmatched']}, odd unanswered {odd})")
    check(r["existing"] == 0, f"no 'already linked' (200) answers to new pairs: {r['existing']}")
    check(r["failed"] == 0, f"no non-2xx answers in the link phase: {r['failed']}"
          f"{' ' + json.dumps(r['statuses']) if r['statuses'] else ''}")
    check(sum_before == r["created"] + landed,
          f"sum of offers' locationsTotal after the run = 201s seen by wrk + unanswered "
          f"pairs the server linked: {sum_before} vs {r['created']} + {landed}")

    # From here on every issued pair is linked, exactly once.
    offer_count = Counter(pair(k)[0] for k in issued)
    totals_after = {o: api.call("GET", f"/v1/offers/{o}", expect={200})[1]["locationsTotal"]
                    for o in offers}
    check(all(totals_after[o] == offer_count.get(o, 0) for o in offers),
          f"each offer's locationsTotal = its issued pairs (sum {sum(totals_after.values())} "
          f"= {len(issued)})")

    # Page through every offer's locations (limit=1000, start=last): the listing must be
    # exactly the issued pairs of that offer. The busiest offer is reported.
    expected_by_offer = {}
    for k in issued:
        o, l = pair(k)
        expected_by_offer.setdefault(o, set()).add(l)
    listing_ok, pages, busiest = True, 0, (None, -1)
    for o in offers:
        seen, start = [], None
        while True:
            q = "limit=1000" + (f"&start={start}" if start else "")
            _, page = api.call("GET", f"/v1/offers/{o}/locations?{q}", expect={200})
            pages += 1
            seen.extend(item["id"] for item in page["items"])
            if page["count"] != len(page["items"]):
                listing_ok = False
            start = page.get("last")
            if not start or not page["items"]:
                break
        if len(seen) != len(set(seen)) or set(seen) != expected_by_offer.get(o, set()) \
                or len(seen) != totals_after[o]:
            listing_ok = False
            print(f"    offer {o}: listed {len(seen)} ({len(set(seen))} distinct), "
                  f"locationsTotal {totals_after[o]}, expected {len(expected_by_offer.get(o, ()))}")
        if len(seen) > busiest[1]:
            busiest = (o, len(seen))
    check(listing_ok, f"paging every offer's /locations ({pages} pages) lists exactly its links "
                      f"and as many as its locationsTotal (busiest offer: {busiest[1]})")

    # A sample of linked locations: hasOffer and offersTotal.
    location_count = Counter(pair(k)[1] for k in issued)
    rng = random.Random(20240601)
    sample = rng.sample(sorted(answered), min(500, len(answered)))
    bad = []
    for k in sample:
        _, l = pair(k)
        _, loc = api.call("GET", f"/v1/locations/{l}", expect={200})
        total = loc.get("offersTotal")
        if loc.get("hasOffer") is not True or total is None or (
                total < location_count[l] if shared_locations else total != location_count[l]):
            bad.append((l, loc.get("hasOffer"), loc.get("offersTotal"), location_count[l]))
    check(not bad and sample, f"{len(sample)} sampled linked locations have hasOffer true and "
                              f"offersTotal {'>=' if shared_locations else '='} their links "
                              f"of this phase" + (f"; wrong: {bad[:3]}" if bad else ""))
    ok = all(c for c, _ in checks)
    print(f"verification took {time.monotonic() - t0:.1f}s")
    with open(out_path, "w") as f:
        json.dump({"pass": ok, "checks": [{"ok": c, "text": t} for c, t in checks],
                   "issued": r["issued"], "created": r["created"], "existing": r["existing"],
                   "failed": r["failed"], "statuses": r["statuses"] or {},
                   "unanswered": len(pending), "landed": landed,
                   "sum_before": sum_before}, f)
    return ok

def report(work, meta_path, out_md):
    with open(meta_path) as f:
        meta = json.load(f)
    def load(name):
        with open(os.path.join(work, name)) as f:
            return json.load(f)
    h, g, l = load("healthz.json"), load("get-offer.json"), load("link.json")
    hot = load("link-hot.json")
    v = load("verify.json")
    vh = load("verify-hot.json")
    s = load("setup.json")
    def ms(us):
        return f"{us / 1000:.2f}"
    def errors(x, non2xx=None):
        e = x["errors"]
        sock = e["connect"] + e["read"] + e["write"] + e["timeout"]
        return f"{e['status'] if non2xx is None else non2xx} / {sock}"
    rows = [("GET /healthz", h, errors(h)),
            ("GET /v1/offers/{id}", g, errors(g)),
            ("POST /v1/offers/{id}/locations/{id} (new link, 50 offers)", l,
             errors(l, l["failed"])),
            ("POST /v1/offers/{id}/locations/{id} (new link, one offer)", hot,
             errors(hot, hot["failed"]))]
    base = h["rps"] or float("nan")
    lines = [
        f"# offers-api HTTP benchmark",
        "",
        f"{meta['date']}, commit {meta['commit']}, {meta['cpus']} CPUs, load generator on the "
        f"same machine. wrk -t {meta['threads']} -c {meta['connections']} -d {meta['duration']} "
        f"per phase; server --threads {meta['server_threads']} (0 = one per core); "
        f"{meta['offers']} offers, {meta['locations']} locations "
        f"(setup {s['total_s']:.1f}s). Load average (1, 5, 15 min) before the run "
        f"{meta['load_before']}, after {meta['load_after']}.",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | ratio to /healthz | non-2xx / socket errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, x, err in rows:
        lat = x["latency_us"]
        lines.append(f"| {name} | {x['rps']:,.0f} | {ms(lat['p50'])} | {ms(lat['p99'])} | "
                     f"{x['rps'] / base:.0%} | {err} |")
    get_ratio, link_ratio = g["rps"] / base, l["rps"] / base
    get_ok = get_ratio >= 0.60 and g["latency_us"]["p99"] < 5000
    link_ok = link_ratio >= 0.30
    hot_ratio, hot_to_spread = hot["rps"] / base, hot["rps"] / (l["rps"] or float("nan"))
    hot_p99 = hot["latency_us"]["p99"]
    hot_ok = hot_ratio >= 0.30 and hot_to_spread >= 0.80 and hot_p99 <= 10000
    met = lambda ok: "**met**" if ok else "**not met**"
    lines += [
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| GET /v1/offers/{{id}} >= 60% of /healthz, p99 < 5 ms | {get_ratio:.0%}, "
        f"p99 {ms(g['latency_us']['p99'])} ms | {met(get_ok)} |",
        f"| new links >= 30% of /healthz | {link_ratio:.0%} | {met(link_ok)} |",
        f"| new links to one offer >= 30% of /healthz and >= 80% of links over 50 offers, "
        f"p99 <= 10 ms | {hot_ratio:.0%}, {hot_to_spread:.0%}, p99 {ms(hot_p99)} ms | "
        f"{met(hot_ok)} |",
        "",
        f"Link exactness check: **{'PASS' if v['pass'] else 'FAIL'}** - {v['issued']} pairs issued, "
        f"{v['created']} answered 201, {v['existing']} answered 200, {v['failed']} other"
        f"{' ' + json.dumps(v['statuses']) if v['statuses'] else ''}; {v['unanswered']} unanswered when wrk stopped (the server had "
        f"linked {v['landed']} of them); sum of locationsTotal {v['sum_before']} = "
        f"{v['created']} + {v['landed']}.",
    ]
    lines.append(
        f"One-offer link exactness check: **{'PASS' if vh['pass'] else 'FAIL'}** - "
        f"{vh['issued']} pairs issued, {vh['created']} answered 201, {vh['existing']} answered "
        f"200, {vh['failed']} other; {vh['unanswered']} unanswered (linked {vh['landed']}); "
        f"locationsTotal {vh['sum_before']} = {vh['created']} + {vh['landed']}.")
    for c in v["checks"] + vh["checks"]:
        if not c["ok"]:
            lines.append(f"- FAILED: {c['text']}")
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(out_md), exist_ok=True)
    with open(out_md, "w") as f:
        f.write(text)
    print(text)

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "setup":
            setup(int(args[0]), int(args[1]), int(args[2]), args[3])
        elif cmd == "verify":
            shared = len(args) > 4 and args[4] == "shared"
            sys.exit(0 if verify(int(args[0]), args[1], args[2], args[3], shared) else 1)
        elif cmd == "report":
            report(args[0], args[1], args[2])
        else:
            sys.exit(f"unknown command {cmd}")
    except (OSError, RuntimeError, KeyError, ValueError, http.client.HTTPException) as e:
        print(f"bench.py {cmd}: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)
PY

# ---------------------------------------------------------------------------------------
begin_run
log "server: $OFFERS_BIN (--threads $SERVER_THREADS); wrk -t $THREADS -c $CONNECTIONS -d $DURATION"
start_server "$WORK" --threads "$SERVER_THREADS"
BASE=http://127.0.0.1:$PORT
log "server listening on port $PORT"

log "setup: 1 brand, $N_OFFERS offers, $N_LOCATIONS locations"
run_bounded 150 - python3 "$WORK/bench.py" setup "$PORT" "$N_OFFERS" "$N_LOCATIONS" "$WORK" ||
  die "setup failed"

# run_wrk NAME SCRIPT URL [VAR=VALUE...]: one wrk phase; its JSON lands in $WORK/NAME.json.
run_wrk() {
  local name=$1 script=$2 url=$3
  shift 3
  wrk_phase "$name" "$script" "$url" "$THREADS" "$CONNECTIONS" "${WRK_DURATION:-$DURATION}" \
    $((duration_s + 60)) "$@"
}

if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
  WRK_DURATION=$WARMUP run_wrk warmup get.lua "$BASE/v1/offers" \
    BENCH_PATHS_FILE="$WORK/offer-paths.txt"
fi
run_wrk healthz get.lua "$BASE/healthz"
run_wrk get-offer get.lua "$BASE/v1/offers" BENCH_PATHS_FILE="$WORK/offer-paths.txt"
run_wrk link link.lua "$BASE/v1/offers" \
  BENCH_OFFERS_FILE="$WORK/offers.txt" BENCH_LOCATIONS_FILE="$WORK/locations.txt"
log "verifying the link counters"
verdict=0
run_bounded 300 - python3 "$WORK/bench.py" verify "$PORT" "$WORK" "$WORK/link.json" \
  "$WORK/verify.json" || verdict=$?
((verdict <= 1)) || die "verification could not run"
# The hot offer: the same new links, every one to one offer, verified on their own (the
# locations' offersTotal now counts the spread phase's links too).
run_wrk link-hot link.lua "$BASE/v1/offers" \
  BENCH_OFFERS_FILE="$WORK/hot/offers.txt" BENCH_LOCATIONS_FILE="$WORK/hot/locations.txt"
log "verifying the one-offer link counters"
hot_verdict=0
run_bounded 300 - python3 "$WORK/bench.py" verify "$PORT" "$WORK/hot" "$WORK/link-hot.json" \
  "$WORK/verify-hot.json" shared || hot_verdict=$?
((hot_verdict <= 1)) || die "verification of the one-offer phase could not run"
((hot_verdict == 0)) || verdict=1

commit=$(git_commit)
python3 - "$WORK/meta.json" <<EOF
import json, os, sys, time
json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": "$commit",
           "cpus": os.cpu_count(), "threads": $THREADS, "connections": $CONNECTIONS,
           "duration": "$DURATION", "server_threads": $SERVER_THREADS,
           "offers": $N_OFFERS, "locations": $N_LOCATIONS, "load_before": "$LOAD_BEFORE",
           "load_after": "%.2f %.2f %.2f" % os.getloadavg()}, open(sys.argv[1], "w"))
EOF

stop_server
log "server stopped, exit status $SERVER_STATUS"
[[ $SERVER_STATUS == 0 ]] || log "warning: the server exited with status $SERVER_STATUS on SIGTERM"
server_problems "$WORK"

echo
python3 "$WORK/bench.py" report "$WORK" "$WORK/meta.json" "$BENCH_DIR/results/latest.md"
log "written to bench/results/latest.md; took $(($(date +%s) - started))s"
pass_or_fail "$verdict"
