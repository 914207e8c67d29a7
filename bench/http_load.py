"""The load driver of ``make bench-http`` (:mod:`bench.http_bench`): closed-loop clients over
keep-alive HTTP connections, the web server started and stopped as a process group, percentiles.

A client is a reviewer going through a task: the group inbox, the task, claim, complete with valid
data. Each request's kind, status (or ``conn`` for a failed connection) and seconds are recorded.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEIDAI = [sys.executable, "-c", "from peidai.cli import main; main()"]
DECISION = {"decision": "approve"}
KINDS = ("inbox", "task", "claim", "complete")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


class Client(threading.Thread):
    def __init__(self, host: str, port: int, token: str, iterations: int, deadline: float, results: list):
        super().__init__(daemon=True)
        self.host, self.port, self.token = host, port, token
        self.iterations, self.deadline, self.results = iterations, deadline, results
        self.conn = None

    def request(self, kind: str, method: str, path: str, body: dict | None = None):
        headers = {"Authorization": f"Bearer {self.token}", "Connection": "keep-alive"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, payload, headers)
                resp = self.conn.getresponse()
                raw = resp.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    self.results.append((kind, "conn", time.perf_counter() - t0))
                    return None, None
                continue
            self.results.append((kind, resp.status, time.perf_counter() - t0))
            if resp.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return resp.status, (json.loads(raw) if raw[:1] == b"{" else None)
        return None, None

    def run(self):
        for _ in range(self.iterations):
            if time.monotonic() > self.deadline:
                break
            status, page = self.request("inbox", "GET", "/api/v1/tasks?box=group&per_page=20")
            items = [t for t in (page or {}).get("items", []) if t.get("element_id") == "Task_Review"]
            if not items:
                break
            tid = items[0]["id"]
            self.request("task", "GET", f"/api/v1/tasks/{tid}")
            self.request("claim", "POST", f"/api/v1/tasks/{tid}/claim", {})
            self.request("complete", "POST", f"/api/v1/tasks/{tid}/complete", {"data": dict(DECISION)})
        if self.conn is not None:
            self.conn.close()


def server_cpu(session_id: int | None) -> float | None:
    """CPU seconds (user + system) used so far by the processes of the server's session (the
    gunicorn master and its workers), from /proc; None where there is no /proc. Unlike latency,
    CPU time per request hardly changes with the other work on the machine."""
    if session_id is None or not os.path.isdir("/proc"):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id:   # field 6 of stat: the session id
            total += int(fields[11]) + int(fields[12])
    return total / tick


def run_level(port: int, data, clients: int, iterations: int, duration: float, server_pid: int | None = None) -> dict:
    """One level: ``clients`` clients (client ``c`` with ``data.tokens[c]``) until their iterations
    are done or ``duration`` seconds have passed. ``server_pid``: the server's session, whose CPU
    time per request is reported."""
    cpu0 = server_cpu(server_pid)
    results: list = []
    per_client = max(1, iterations // clients)
    deadline = time.monotonic() + duration
    threads = [Client("127.0.0.1", port, data.tokens[c], per_client, deadline, results) for c in range(clients)]
    before = load()
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 120)
    wall = time.perf_counter() - t0
    times = [r[2] for r in results]
    by_kind = defaultdict(list)
    for kind, _status, seconds in results:
        by_kind[kind].append(seconds)
    statuses = Counter(r[1] for r in results)
    return {"clients": clients, "requests": len(results), "wall": wall, "rps": len(results) / wall if wall else 0,
            "p50": percentile(times, .5), "p95": percentile(times, .95), "p99": percentile(times, .99),
            "kinds": {k: (percentile(v, .5), percentile(v, .95), percentile(v, .99), len(v)) for k, v in by_kind.items()},
            "errors": {str(s): n for s, n in statuses.items() if not (isinstance(s, int) and 200 <= s < 300)},
            "load": f"{before} -> {load()}",
            "cpu_ms": (server_cpu(server_pid) - cpu0) * 1000 / len(results) if cpu0 is not None and results else None}


def start_server(url: str, data_dir: Path, port: int, workers: int | None, threads: int | None, log: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEIDAI_", "PROMETHEUS_"))}
    env.update({"PEIDAI_DATABASE_URL": url, "PEIDAI_DATA_DIR": str(data_dir), "PEIDAI_SECRET_KEY": "bench",
                "PEIDAI_LOG_LEVEL": "WARNING"})
    args = ["web", "--port", str(port)] + ([f"--workers={workers}"] if workers else []) + \
        ([f"--threads={threads}"] if threads else [])
    proc = subprocess.Popen(PEIDAI + args, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=ROOT)
    end = time.monotonic() + 120
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the web server exited: {log.read_text()[-2000:]}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                c.close()
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the web server did not become ready")


def stop_server(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


