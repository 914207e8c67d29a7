"""``peidai serve`` (what ``make run`` ends with): web, worker and beat start with one command on
the embedded broker and all stop on Ctrl-C."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request

from .conftest import wait_for

PEIDAI = [sys.executable, "-c", "from peidai.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_serve_runs_web_worker_and_beat_and_ctrl_c_stops_them_all(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIDAI_")} | {
        "PEIDAI_DATA_DIR": str(tmp_path), "PEIDAI_PORT": str(port), "PEIDAI_TIMER_INTERVAL": "1",
        "PEIDAI_QUEUE": f"serve-{port}", "PEIDAI_LOG_LEVEL": "INFO"}  # the test reads the worker's task log
    subprocess.run(PEIDAI + ["db", "upgrade"], env=env, check=True, capture_output=True)
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(PEIDAI + ["serve"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        match = wait_for(lambda: re.search(r"worker 进程 (\d+)，beat 进程 (\d+)", log.read_text()), timeout=60,
                         message="worker and beat started")
        children = [int(match.group(1)), int(match.group(2))]
        wait_for(lambda: healthy(port), timeout=60, message="web server answering")
        # the beat wakes the worker through the embedded broker: the worker runs the timer sweep
        wait_for(lambda: "peidai.fire_due_timers" in log.read_text() and "succeeded" in log.read_text(),
                 timeout=60, message="a beat-sent task run by the worker")
        assert (tmp_path / "broker.sqlite").exists()

        os.killpg(proc.pid, signal.SIGINT)                   # Ctrl-C in the terminal
        proc.wait(40)
        wait_for(lambda: not any(alive(pid) for pid in children), timeout=30, message="worker and beat stopped")
        assert "培带系统已停止" in log.read_text()
        assert not healthy(port)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
