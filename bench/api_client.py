"""The benchmarks' HTTP client: one keep-alive connection to the server under test.

Shared by the Python embedded in run.sh and bulk.sh (lib.sh puts this folder on
PYTHONPATH). Standard library only.
"""
import http.client
import json


class Api:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def call(self, method, path, body=None, expect=None):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, data, headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2 or method != "GET":
                    raise
        if expect is not None and resp.status not in expect:
            raise RuntimeError(f"{method} {path}: HTTP {resp.status}: {raw[:300]!r}")
        return resp.status, (json.loads(raw) if raw else None)
