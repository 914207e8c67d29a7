"""Fixtures of the operations tests (issue 16): the app on the shared test system, an admin and a
plain user with API tokens, and helpers to run ``peidai`` processes."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from engine.identity import upsert_user

ROOT = Path(__file__).resolve().parents[2]
PEIDAI = [sys.executable, "-c", "from peidai.cli import main; main()"]


def wait_for(condition, timeout: float = 60.0, interval: float = 0.2, message: str = "condition"):
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 30):
    """(status, headers, body) of a real HTTP request; errors are answers too."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def answers(url: str) -> bool:
    try:
        return http("GET", url, timeout=2)[0] == 200
    except OSError:
        return False


def clean_env(**extra) -> dict:
    """The environment of a child ``peidai`` process: none of the caller's PEIDAI_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEIDAI_", "PROMETHEUS_"))}
    env.update({"PYTHONUNBUFFERED": "1", "PEIDAI_SECRET_KEY": "ops-test"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def descendants(pid: int) -> set[int]:
    """Every process whose parent chain leads to ``pid``."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().split(") ", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    found, frontier = set(), {pid}
    while frontier:
        children = {p for p, pp in parents.items() if pp in frontier and p not in found}
        found |= children
        frontier = children
    return found


class Processes:
    """``peidai`` processes started by a test, each in its own session; all killed at the end."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict, cmd: list[str] | None = None) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "w")
        proc = subprocess.Popen((cmd or PEIDAI) + args, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=ROOT)
        self.procs.append((name, proc))
        return proc

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"----- {n}\n{self.log(n)[-4000:]}" for n, _ in self.procs)

    def kill_all(self) -> None:
        for _name, proc in self.procs:
            tree = descendants(proc.pid)
            for pid in [proc.pid, *tree]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass


@pytest.fixture
def processes(tmp_path, request):
    p = Processes(tmp_path)
    yield p
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        print(p.logs())
    p.kill_all()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def ops_users(engine):
    from webapp.users import issue_token
    with engine.unit_of_work() as s:
        upsert_user(s, "admin", "管理员", memberships=[("admin", None)])
        upsert_user(s, "reviewer", "李审核", memberships=[("unit_reviewer", "hongshan")])
    return {"admin": issue_token(engine, "admin"), "reviewer": issue_token(engine, "reviewer")}
