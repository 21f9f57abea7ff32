#!/usr/bin/env python3
"""bench/lambda.py: what running as a Lambda function costs offers-api, measured on this
machine with a Runtime API of our own on loopback (no AWS involved).

    python3 bench/lambda.py [--zip build/lambda/offers-api-lambda.zip]
                            [--binary build/offers-api] [--starts 20] [--invocations 2000]

- cold start: from the process's start (fork/exec of the zip's `bootstrap`, unpacked, as
  Lambda starts it) to its first `GET .../invocation/next`, which comes once the
  configuration is read and the store is open; and the same for the binary started
  directly (`offers-api lambda`), so the bundled loader's share shows;
- warm invocation: the round trip of an API Gateway event for `GET /healthz` through the
  Runtime API (our server hands the event over, the function answers), from handing it
  over to receiving the answer, over --invocations invocations: the function's overhead
  per call beyond Api::handle (which for /healthz does no store work);
- the zip's size, zipped and unzipped.
The function's DynamoDB endpoint is a closed loopback port: neither measurement sends a
store request (the api role opens the store without a request, /healthz reads nothing).
Prints a table; figures go to bench/README.md.
"""
import argparse
import http.server
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile


class Runtime(http.server.ThreadingHTTPServer):
    """The Lambda Runtime API's three calls, enough for the api role."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.events = queue.Queue()
        self.answers = {}
        self.answered = threading.Condition()
        self.first_next = threading.Event()
        self.first_next_at = 0.0
        self.counter = 0

    def address(self):
        return f"127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        rt = self.server
        if not self.path.endswith("/invocation/next"):
            self.send_error(404)
            return
        if not rt.first_next.is_set():
            rt.first_next_at = time.perf_counter()
            rt.first_next.set()
        request_id, body = rt.events.get()
        data = body.encode()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        rt = self.server
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        parts = self.path.split("/")
        request_id = parts[-2] if len(parts) >= 2 else ""
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        with rt.answered:
            rt.answers[request_id] = (time.perf_counter(), self.path.endswith("/response"), body)
            rt.answered.notify_all()


def environment(runtime, root):
    return {
        "AWS_LAMBDA_RUNTIME_API": runtime.address(),
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "LAMBDA_TASK_ROOT": root,
        "OFFERS_ROLE": "api",
        "OFFERS_DYNAMODB_ENDPOINT": "http://127.0.0.1:9",
        "OFFERS_DYNAMODB_TABLE": "bench",
        "OFFERS_JOBS_QUEUE_URL": "http://127.0.0.1:9/000000000000/jobs",
        "OFFERS_SQS_ENDPOINT": "http://127.0.0.1:9",
        "OFFERS_ALLOW_UNAUTHENTICATED": "on",
    }


HEALTHZ = json.dumps({
    "version": "2.0", "rawPath": "/healthz", "rawQueryString": "", "headers": {},
    "requestContext": {"http": {"method": "GET", "sourceIp": "192.0.2.1"},
                       "requestId": "bench"},
    "isBase64Encoded": False})


def cold_start(command, root, starts):
    """Seconds from exec to the first `next`, one process per start."""
    times = []
    for _ in range(starts):
        rt = Runtime()
        threading.Thread(target=rt.serve_forever, daemon=True).start()
        t0 = time.perf_counter()
        proc = subprocess.Popen(command, env=environment(rt, root),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not rt.first_next.wait(30):
            proc.kill()
            sys.exit("bench/lambda.py: the function never asked for an invocation")
        times.append(rt.first_next_at - t0)
        proc.kill()
        proc.wait()
        rt.shutdown()
        rt.server_close()
    return times


def warm(command, root, invocations):
    rt = Runtime()
    threading.Thread(target=rt.serve_forever, daemon=True).start()
    proc = subprocess.Popen(command, env=environment(rt, root),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rt.first_next.wait(30)
    times = []
    try:
        for i in range(invocations):
            request_id = f"bench-{i}"
            t0 = time.perf_counter()
            rt.events.put((request_id, HEALTHZ))
            with rt.answered:
                while request_id not in rt.answers:
                    if not rt.answered.wait(10):
                        sys.exit("bench/lambda.py: no answer within 10 s")
                done, ok, body = rt.answers.pop(request_id)
            if not ok or json.loads(body)["statusCode"] != 200:
                sys.exit(f"bench/lambda.py: /healthz answered {body[:200]!r}")
            times.append(done - t0)
    finally:
        proc.kill()
        proc.wait()
        rt.shutdown()
        rt.server_close()
    return times


def summary(times):
    ms = sorted(t * 1000 for t in times)
    return (f"median {statistics.median(ms):.2f} ms, p90 {ms[int(len(ms) * 0.9)]:.2f} ms, "
            f"min {ms[0]:.2f} ms ({len(ms)} runs)")


def main():
    root_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--zip", default=os.path.join(root_dir, "build/lambda/offers-api-lambda.zip"))
    ap.add_argument("--binary", default=os.path.join(root_dir, "build/offers-api"))
    ap.add_argument("--starts", type=int, default=20)
    ap.add_argument("--invocations", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as task:
        unzip = shutil.which("unzip")
        if not unzip:
            sys.exit("bench/lambda.py: unzip is not installed (scripts/setup.sh)")
        subprocess.run([unzip, "-q", args.zip, "-d", task], check=True)
        with zipfile.ZipFile(args.zip) as zf:
            unzipped = sum(i.file_size for i in zf.infolist())
        print(f"zip: {os.path.getsize(args.zip) / 1e6:.1f} MB zipped, {unzipped / 1e6:.1f} MB "
              f"unzipped ({args.zip})")
        bootstrap = [os.path.join(task, "bootstrap")]
        direct = [args.binary, "lambda"]
        print("cold start, exec to first next, zip's bootstrap: " +
              summary(cold_start(bootstrap, task, args.starts)))
        print("cold start, exec to first next, binary directly: " +
              summary(cold_start(direct, task, args.starts)))
        print("warm invocation round trip, GET /healthz, zip's bootstrap: " +
              summary(warm(bootstrap, task, args.invocations)))


if __name__ == "__main__":
    main()
