#!/usr/bin/env bash
# Bulk-job benchmark of offers-api: how fast a link-brand-locations job links every
# location of a brand, how much memory it takes, and what it does to GET latency.
#
# For each size in BULK_SIZES, on a fresh server and a fresh temporary data dir (loopback,
# ephemeral port): creates one brand with that many locations (batches of 1000) and one
# offer, records the server's RSS, starts the job and, while it runs, samples the server's
# VmRSS every 50 ms, loads GET /v1/offers/{id} with wrk and polls GET /v1/jobs/{id} every
# 100 ms until the job is terminal. Then checks the job's counters and the offer's
# locationsTotal, and prints (and writes to bench/results/bulk-latest.md) a table.
# Everything it starts is stopped on exit, failure or interrupt included.
#
# Environment (defaults in brackets):
#   OFFERS_BIN              the server binary, relative to the repo root [build/offers-api]
#   BULK_SIZES              brand sizes (locations), one server each [10000 100000 1000000]
#   BULK_PAGE_SIZE          offers-api --job-page-size, locations per job step [1000]
#   BULK_WORKERS            offers-api --job-workers [1]
#   BULK_SERVER_THREADS     offers-api --threads, 0 = one per core [0]
#   BULK_SETUP_THREADS      client connections creating the locations in parallel [2]
#   BULK_WRK_THREADS        wrk -t of the GET load during the job [1]
#   BULK_WRK_CONNECTIONS    wrk -c of the GET load during the job [8]
#   BULK_KEEP               1: keep the temporary directory (data, logs, wrk output) [0]
# Exit status: 0 when every job's check passes (the targets are reported, not enforced),
# 1 when a check fails, 2 on a setup problem.
set -euo pipefail

LOG_TAG=bulk
# lib.sh: BENCH_DIR, ROOT, OFFERS_BIN, log/die, the server lifecycle and the cleanup traps.
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZES=${BULK_SIZES:-10000 100000 1000000}
PAGE_SIZE=${BULK_PAGE_SIZE:-1000}
WORKERS=${BULK_WORKERS:-1}
SERVER_THREADS=${BULK_SERVER_THREADS:-0}
SETUP_THREADS=${BULK_SETUP_THREADS:-2}
WRK_THREADS=${BULK_WRK_THREADS:-1}
WRK_CONNECTIONS=${BULK_WRK_CONNECTIONS:-8}
KEEP=${BULK_KEEP:-0}

read -r -a SIZE_LIST <<<"$SIZES"
((${#SIZE_LIST[@]} >= 1)) || die "BULK_SIZES is empty"
for s in "${SIZE_LIST[@]}"; do
  [[ $s =~ ^[0-9]+$ ]] && ((s >= 1)) || die "BULK_SIZES must be whole numbers >= 1, got '$s'"
done
for v in PAGE_SIZE WORKERS SERVER_THREADS SETUP_THREADS WRK_THREADS WRK_CONNECTIONS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done
((PAGE_SIZE >= 1 && WORKERS >= 1 && SETUP_THREADS >= 1)) ||
  die "BULK_PAGE_SIZE, BULK_WORKERS and BULK_SETUP_THREADS must be at least 1"
((WRK_THREADS >= 1 && WRK_CONNECTIONS >= WRK_THREADS)) ||
  die "need 1 <= BULK_WRK_THREADS <= BULK_WRK_CONNECTIONS"
check_tools
[[ -r /proc/self/status ]] || die "needs /proc (Linux) to read the server's memory"

make_work offers-bulk

# ---------------------------------------------------------------------------------------
# The Python side (stdlib only): setup, the job phase (job, RSS sampler, wrk, polling),
# report.
cat >"$WORK/bulk.py" <<'PY'
import http.client, json, os, signal, subprocess, sys, threading, time
from datetime import datetime

from api_client import Api

def on_sigterm(signum, frame):
    raise SystemExit(128 + signum)

def setup(port, size, threads, out):
    api = Api(port)
    t0 = time.monotonic()
    _, brand = api.call("POST", "/v1/brands", {"name": f"Bulk brand {size}"}, {201})
    _, offer = api.call("POST", "/v1/offers",
                        {"name": f"Bulk offer {size}", "brandId": brand["id"]}, {201})
    batches = [(s, min(s + 1000, size)) for s in range(0, size, 1000)]
    created = [0] * threads
    errors = []

    def worker(t):
        # Thread t sends batches t, t+T, t+2T, ... on its own keep-alive connection.
        mine = Api(port)
        try:
            for start, end in batches[t::threads]:
                if errors:
                    return
                items = [{"address": f"{n} Bulk Street", "brandId": brand["id"]}
                         for n in range(start, end)]
                _, page = mine.call("POST", "/v1/locations/batch", {"items": items}, {201})
                if len(page["items"]) != len(items):
                    raise RuntimeError(f"batch returned {len(page['items'])} of {len(items)}")
                created[t] += len(items)
        except Exception as e:  # reported by the main thread
            errors.append(f"{type(e).__name__}: {e}")

    t1 = time.monotonic()
    pool = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    t2 = time.monotonic()
    if errors:
        raise RuntimeError(f"creating the locations: {errors[0]}")
    if sum(created) != size:
        raise RuntimeError(f"created {sum(created)} locations, wanted {size}")
    result = {"brand": brand["id"], "offer": offer["id"], "size": size,
              "batches": len(batches), "locations_s": t2 - t1, "setup_s": t2 - t0}
    with open(os.path.join(out, "setup.json"), "w") as f:
        json.dump(result, f)
    print(f"created 1 brand, 1 offer and {size:,} locations ({len(batches)} batches, "
          f"{threads} connections) in {t2 - t0:.2f}s ({size / max(t2 - t1, 1e-9):,.0f}/s)")

def proc_status(pid):
    """VmRSS and VmHWM of pid in KiB (None when gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        return None
    return out

def parse_ts(text):
    if text is None:
        return None
    text = text.replace("Z", "+0000")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, fmt).timestamp()
        except ValueError:
            pass
    raise ValueError(f"unparseable timestamp {text!r}")

def job_phase(port, pid, work, bench_dir, wrk_threads, wrk_connections, budget_s):
    signal.signal(signal.SIGTERM, on_sigterm)
    with open(os.path.join(work, "setup.json")) as f:
        s = json.load(f)
    size, offer = s["size"], s["offer"]
    api = Api(port)
    _, before_offer = api.call("GET", f"/v1/offers/{offer}", expect={200})
    if before_offer.get("locationsTotal") != 0:
        raise RuntimeError(f"the new offer already has {before_offer.get('locationsTotal')} locations")

    # GET load during the job: wrk with a generous -d, stopped (SIGINT: wrk then prints
    # its numbers and runs done()) as soon as the job is terminal.
    wrk_json = os.path.join(work, "wrk.json")
    env = dict(os.environ, BENCH_RESULT_FILE=wrk_json)
    env.pop("BENCH_PATHS_FILE", None)
    def die_with_parent():
        try:
            import ctypes
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except Exception:
            pass
    wrk_out = open(os.path.join(work, "wrk.txt"), "w")
    wrk = subprocess.Popen(
        ["wrk", "-t", str(wrk_threads), "-c", str(wrk_connections), "-d", f"{budget_s + 30}s",
         "--timeout", "10s", "--latency", "-s", os.path.join(bench_dir, "get.lua"),
         f"http://127.0.0.1:{port}/v1/offers/{offer}"],
        stdout=wrk_out, stderr=subprocess.STDOUT, env=env, preexec_fn=die_with_parent)
    wrk_started = time.monotonic()

    samples = []  # (seconds since the job's POST, VmRSS KiB)
    stop_sampling = threading.Event()
    try:
        time.sleep(0.2)  # let wrk connect and reach its steady state before the job
        if wrk.poll() is not None:
            raise RuntimeError(f"wrk exited at start-up: {open(wrk_out.name).read()[:500]}")
        before = proc_status(pid)
        if before is None:
            raise RuntimeError("the server is gone")
        # Reset VmHWM (peak RSS) so that it covers the job only, not the setup.
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
            hwm_reset = True
        except OSError:
            hwm_reset = False

        t_post = time.monotonic()
        def sampler():
            while not stop_sampling.is_set():
                st = proc_status(pid)
                if st is not None:
                    samples.append((time.monotonic() - t_post, st["VmRSS"]))
                stop_sampling.wait(0.05)
        sampler_thread = threading.Thread(target=sampler, daemon=True)
        sampler_thread.start()

        _, job = api.call("POST", "/v1/jobs", {"type": "link-brand-locations", "offerId": offer},
                          {202})
        t_202 = time.monotonic()
        polls = 0
        progress = [(0.0, job.get("processed") or 0)]  # (seconds since the 202, processed)
        timed_out = False
        while job["status"] not in ("succeeded", "failed", "cancelled"):
            if time.monotonic() - t_202 > budget_s:
                timed_out = True
                break
            time.sleep(0.1)
            _, job = api.call("GET", f"/v1/jobs/{job['id']}", expect={200})
            polls += 1
            progress.append((time.monotonic() - t_202, job.get("processed") or 0))
        t_terminal = time.monotonic()
    finally:
        stop_sampling.set()
        if wrk.poll() is None:
            wrk.send_signal(signal.SIGINT)
        try:
            wrk.wait(timeout=15)
        except subprocess.TimeoutExpired:
            wrk.kill()
            wrk.wait()
        wrk_out.close()
    wrk_stopped = time.monotonic()
    sampler_thread.join()
    after = proc_status(pid) or {}
    _, offer_after = api.call("GET", f"/v1/offers/{offer}", expect={200})
    try:
        with open(wrk_json) as f:
            get = json.load(f)
    except (OSError, ValueError):
        get = None

    started, finished, created = (parse_ts(job.get(k)) for k in ("started", "finished", "created"))
    server_wall = finished - started if started is not None and finished is not None else None
    checks = []
    def check(ok, text):
        checks.append({"ok": bool(ok), "text": text})
        print(f"  [{'ok' if ok else 'FAIL'}] {text}")
    total = job.get("total")
    linked, already, failed = job.get("linked"), job.get("alreadyLinked"), job.get("failed")
    check(not timed_out, f"the job reached a terminal status within {budget_s}s")
    check(job["status"] == "succeeded",
          f"status succeeded: {job['status']}" + (f" {json.dumps(job.get('error'))}"
                                                  if job.get("error") else ""))
    check(linked == size, f"linked = {size:,}: {linked}")
    check(isinstance(total, int) and isinstance(linked, int) and isinstance(already, int)
          and isinstance(failed, int) and linked + already + failed == total == size,
          f"linked + alreadyLinked + failed = total = {size:,}: "
          f"{linked} + {already} + {failed}, total {total}")
    check(offer_after.get("locationsTotal") == size,
          f"offer locationsTotal = {size:,}: {offer_after.get('locationsTotal')}")
    check(get is not None, "wrk reported the GET load during the job")
    peak = max([kib for _, kib in samples] + [before["VmRSS"]])
    # Client-side rate in the first and the second half of the job (from the polls): a
    # job that slows down as the store grows shows here.
    def reached(n):
        return next((t for t, p in progress if p >= n), None)
    t_half, t_end = reached(size / 2), reached(size)
    halves = None
    if t_half and t_end and t_end > t_half:
        halves = [size / 2 / t_half, size / 2 / (t_end - t_half)]
    result = {
        "size": size, "job_id": job["id"], "status": job["status"], "total": total,
        "linked": linked, "already_linked": already, "failed": failed,
        "locations_total": offer_after.get("locationsTotal"),
        "setup_s": s["setup_s"], "locations_setup_s": s["locations_s"],
        "server_wall_s": server_wall,
        "queue_s": started - created if started is not None and created is not None else None,
        "created_to_finished_s": finished - created if finished is not None and created is not None else None,
        "client_wall_s": t_terminal - t_202, "post_s": t_202 - t_post, "polls": polls,
        "rss_before_kib": before["VmRSS"], "rss_peak_kib": peak,
        "rss_after_kib": after.get("VmRSS"), "hwm_kib": after.get("VmHWM"),
        "hwm_reset": hwm_reset, "rss_samples": len(samples),
        "wrk_window_s": wrk_stopped - wrk_started, "get": get, "halves_per_s": halves,
        "pass": all(c["ok"] for c in checks), "checks": checks,
    }
    with open(os.path.join(work, "job.json"), "w") as f:
        json.dump(result, f)
    with open(os.path.join(work, "progress.csv"), "w") as f:
        f.write("seconds_since_202,processed\n")
        f.write("".join(f"{t:.3f},{n}\n" for t, n in progress))
    with open(os.path.join(work, "rss.csv"), "w") as f:
        f.write("seconds_since_post,vmrss_kib\n")
        f.write("".join(f"{t:.3f},{k}\n" for t, k in samples))
    mib = lambda kib: kib / 1024
    rate = f"{size / server_wall:,.0f}/s" if server_wall else "n/a"
    print(f"job {job['status']}: server wall {server_wall if server_wall is None else round(server_wall, 3)}s "
          f"({rate}), client {t_terminal - t_202:.2f}s; RSS {mib(before['VmRSS']):.1f} -> peak "
          f"{mib(peak):.1f} MiB ({len(samples)} samples), VmHWM {mib(after.get('VmHWM', 0)):.1f} MiB"
          + (f"; GET p99 {get['latency_us']['p99'] / 1000:.2f} ms, {get['rps']:,.0f} req/s"
             if get else "")
          + (f"; locations/s first half {halves[0]:,.0f}, second half {halves[1]:,.0f}"
             if halves else ""))
    return result["pass"]

def report(work, sizes, meta_path, out_md):
    with open(meta_path) as f:
        meta = json.load(f)
    rows = []
    for size in sizes:
        with open(os.path.join(work, str(size), "job.json")) as f:
            rows.append(json.load(f))
    mb = lambda kib: f"{kib / 1024:.1f}"
    def secs(x, digits=2):
        return "n/a" if x is None else f"{x:.{digits}f}"
    lines = [
        "# offers-api bulk-job benchmark",
        "",
        f"{meta['date']}, commit {meta['commit']}, {meta['cpus']} CPUs, load generator on the "
        f"same machine. One link-brand-locations job per size, each on a fresh server and data "
        f"dir; --job-page-size {meta['page_size']}, --job-workers {meta['workers']}, --threads "
        f"{meta['server_threads']} (0 = one per core). During the job: wrk -t {meta['wrk_threads']} "
        f"-c {meta['wrk_connections']} on GET /v1/offers/{{id}}, VmRSS sampled every 50 ms, "
        f"GET /v1/jobs/{{id}} every 100 ms. Load average (1, 5, 15 min) before the run "
        f"{meta['load_before']}, after {meta['load_after']}. MB = MiB.",
        "",
        "| locations | setup s | job wall s (server) | locations/s | RSS before MB | peak RSS MB "
        "| RSS growth MB | GET p99 during job ms | GET req/s during job |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        g = r["get"]
        wall = r["server_wall_s"]
        rate = f"{r['size'] / wall:,.0f}" if wall else "n/a"
        p99 = f"{g['latency_us']['p99'] / 1000:.2f}" if g else "n/a"
        rps = f"{g['rps']:,.0f}" if g else "n/a"
        lines.append(
            f"| {r['size']:,} | {r['setup_s']:.1f} | {secs(wall, 3)} | {rate} | "
            f"{mb(r['rss_before_kib'])} | {mb(r['rss_peak_kib'])} | "
            f"{mb(r['rss_peak_kib'] - r['rss_before_kib'])} | {p99} | {rps} |")
    lines += [
        "",
        "| locations | check | created to started s | created to finished s | client 202 to "
        "terminal s | locations/s 1st / 2nd half (polls) | VmHWM during job MB | RSS after MB "
        "| GET p50 ms | GET requests / errors | wrk window s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        g = r["get"]
        if g:
            e = g["errors"]
            errs = e["status"] + e["connect"] + e["read"] + e["write"] + e["timeout"]
            get_cols = f"{g['latency_us']['p50'] / 1000:.2f} | {g['requests']:,} / {errs}"
        else:
            get_cols = "n/a | n/a"
        hwm = mb(r["hwm_kib"]) if r["hwm_kib"] else "n/a"
        h = r.get("halves_per_s")
        halves = f"{h[0]:,.0f} / {h[1]:,.0f}" if h else "n/a (too short)"
        if not r["hwm_reset"]:
            hwm += " (since start)"
        lines.append(
            f"| {r['size']:,} | {'PASS' if r['pass'] else 'FAIL'} | {secs(r['queue_s'], 3)} | "
            f"{secs(r['created_to_finished_s'], 3)} | {r['client_wall_s']:.2f} | {halves} | {hwm} | "
            f"{mb(r['rss_after_kib']) if r['rss_after_kib'] else 'n/a'} | {get_cols} | "
            f"{r['wrk_window_s']:.2f} |")
    by_size = {r["size"]: r for r in rows}
    met = lambda ok: "**met**" if ok else "**not met**"
    lines += ["", "| target | measured | |", "|---|---|---|"]
    r = by_size.get(10000)
    if r:
        w = r["server_wall_s"]
        lines.append(f"| 10,000 locations in well under 1 s | {secs(w, 3)} s | "
                     f"{met(w is not None and w < 1 and r['pass'])} |")
    else:
        lines.append("| 10,000 locations in well under 1 s | not run | |")
    r = by_size.get(1000000)
    if r:
        w = r["server_wall_s"]
        growth = (r["rss_peak_kib"] - r["rss_before_kib"]) / 1024
        lines.append(f"| 1,000,000 locations in under 60 s | {secs(w, 1)} s | "
                     f"{met(w is not None and w < 60 and r['pass'])} |")
        lines.append(f"| 1,000,000 locations: RSS growth under 100 MB | {growth:.1f} MB | "
                     f"{met(growth < 100)} |")
    else:
        lines.append("| 1,000,000 locations in under 60 s, RSS growth under 100 MB | not run | |")
    ok = all(r["pass"] for r in rows)
    lines += ["", f"Job check: **{'PASS' if ok else 'FAIL'}** (status succeeded, linked = size, "
                  "linked + alreadyLinked + failed = total = size, offer locationsTotal = size)."]
    for r in rows:
        for c in r["checks"]:
            if not c["ok"]:
                lines.append(f"- FAILED ({r['size']:,}): {c['text']}")
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(out_md), exist_ok=True)
    with open(out_md, "w") as f:
        f.write(text)
    print(text)

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        if cmd == "setup":
            setup(int(args[0]), int(args[1]), int(args[2]), args[3])
        elif cmd == "job":
            ok = job_phase(int(args[0]), int(args[1]), args[2], args[3], int(args[4]),
                           int(args[5]), int(args[6]))
            sys.exit(0 if ok else 1)
        elif cmd == "report":
            report(args[0], [int(x) for x in args[1].split()], args[2], args[3])
        else:
            sys.exit(f"unknown command {cmd}")
    except (OSError, RuntimeError, KeyError, ValueError, TypeError,
            http.client.HTTPException) as e:
        print(f"bulk.py {cmd}: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)
PY

# ---------------------------------------------------------------------------------------
begin_run
log "server: $OFFERS_BIN (--job-page-size $PAGE_SIZE --job-workers $WORKERS --threads $SERVER_THREADS)"
log "sizes: ${SIZE_LIST[*]}; GET load during the job: wrk -t $WRK_THREADS -c $WRK_CONNECTIONS"

verdict=0
for size in "${SIZE_LIST[@]}"; do
  dir=$WORK/$size
  mkdir -p "$dir"
  start_server "$dir" \
    --threads "$SERVER_THREADS" --job-workers "$WORKERS" --job-page-size "$PAGE_SIZE"
  log "$size locations: server on port $PORT"
  # Generous bounds: about 15 s per 100,000 locations for the setup and for the job.
  budget=$((60 + size * 15 / 100000))
  run_bounded $((budget + 30)) - python3 "$WORK/bulk.py" setup "$PORT" "$size" \
    "$SETUP_THREADS" "$dir" || die "setup of $size locations failed"
  log "$size locations: job (time budget ${budget}s)"
  rc=0
  run_bounded $((budget + 60)) - python3 "$WORK/bulk.py" job "$PORT" "$SERVER_PID" "$dir" \
    "$BENCH_DIR" "$WRK_THREADS" "$WRK_CONNECTIONS" "$budget" || rc=$?
  ((rc <= 1)) || die "the job phase of $size locations could not run"
  ((rc == 0)) || verdict=1
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during the job of $size locations"
  stop_server
  [[ $SERVER_STATUS == 0 ]] || log "warning: the server exited with status $SERVER_STATUS on SIGTERM"
  server_problems "$dir"
  [[ $KEEP == 1 ]] || rm -rf "$dir/data"
done

commit=$(git_commit)
python3 - "$WORK/meta.json" <<EOF
import json, os, sys, time
json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": "$commit",
           "cpus": os.cpu_count(), "page_size": $PAGE_SIZE, "workers": $WORKERS,
           "server_threads": $SERVER_THREADS, "wrk_threads": $WRK_THREADS,
           "wrk_connections": $WRK_CONNECTIONS, "load_before": "$LOAD_BEFORE",
           "load_after": "%.2f %.2f %.2f" % os.getloadavg()}, open(sys.argv[1], "w"))
EOF

echo
python3 "$WORK/bulk.py" report "$WORK" "${SIZE_LIST[*]}" "$WORK/meta.json" \
  "$BENCH_DIR/results/bulk-latest.md"
log "written to bench/results/bulk-latest.md; took $(($(date +%s) - started))s"
pass_or_fail "$verdict"
