"""Fixtures of the worker tests: a system on a file clock with the fixture model, users of three
units, and ``stack`` — worker processes on a real broker and database: the embedded broker
(kombu's SQLAlchemy transport on SQLite) with SQLite, and Redis with PostgreSQL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery

from tests.conftest import get_database, make_system, read_models, require_server

from .smtp_server import smtp_server  # noqa: F401 - a fixture of every worker test
from .support import FIXTURES, FileClock, configure

HERE = Path(__file__).parent
UNITS = ("hongshan", "songshan", "ningcheng")


def wait_for(condition, timeout: float = 60.0, interval: float = 0.2, message: str = "condition"):
    """Poll ``condition()`` until it returns something truthy; fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(interval)


@pytest.fixture
def file_clock(tmp_path):
    return FileClock(tmp_path / "clock.txt", "2014-05-19T09:00:00+08:00")


def fixture_system(database, clock, tmp_path):
    system = make_system(database, clock, tmp_path, configure=configure)
    system.engine.deploy(read_models(FIXTURES), comment="worker fixtures")
    return system


@pytest.fixture
def wsystem(database, file_clock, tmp_path):
    """A system (SQLite and PostgreSQL) on the file clock with the fixture operations."""
    return fixture_system(database, file_clock, tmp_path)


@pytest.fixture
def people(wsystem):
    return add_people(wsystem)


def add_people(wsystem):
    from engine.identity import upsert_user
    with wsystem.engine.unit_of_work() as s:
        for unit in UNITS:
            upsert_user(s, f"sub_{unit}", f"{unit}申报人", email=f"sub_{unit}@example.cn", memberships=[("unit_submitter", unit)])
            upsert_user(s, f"rev_{unit}", f"{unit}审核人", memberships=[("unit_reviewer", unit)])
        upsert_user(s, "section", "人才科", email="section@example.cn", memberships=[("talent_section", None)])
        upsert_user(s, "admin", "管理员", memberships=[("admin", None)])
    return {u: wsystem.engine.actor_for(u) for u in
            [f"{p}_{unit}" for unit in UNITS for p in ("sub", "rev")] + ["section", "admin"]}


class Stack:
    """Worker processes (each may run a beat) on one broker and one database."""

    def __init__(self, name, broker_url, database, clock, tmp_path):
        self.name = name
        self.broker_url = broker_url
        self.database = database
        self.clock = clock
        self.tmp = tmp_path
        self.queue = f"peidai-test-{uuid.uuid4().hex[:10]}"
        self.processes: list[subprocess.Popen] = []
        self.hang_file = tmp_path / "hang"

    def env(self, index: int) -> dict:
        data_dir = self.tmp / f"worker{index}"
        data_dir.mkdir(exist_ok=True)
        return os.environ | {
            "PEIDAI_DATABASE_URL": self.database.url, "PEIDAI_BROKER_URL": self.broker_url, "PEIDAI_QUEUE": self.queue,
            "PEIDAI_DATA_DIR": str(data_dir), "PEIDAI_SECRET_KEY": "test", "PEIDAI_TIMER_INTERVAL": "1",
            "PEIDAI_OUTBOX_INTERVAL": "1", "PEIDAI_OVERDUE_INTERVAL": "1", "PEIDAI_TEST_CLOCK_FILE": str(self.clock.path),
            "PEIDAI_TEST_HANG_FILE": str(self.hang_file), "PYTHONUNBUFFERED": "1",
        }

    def start_worker(self, *, beat: bool = True) -> subprocess.Popen:
        index = len(self.processes)
        log = open(self.tmp / f"worker{index}.log", "w")
        proc = subprocess.Popen([sys.executable, str(HERE / "run_worker.py")] + (["--beat"] if beat else []),
                                env=self.env(index), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool processes, mid-job."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def client(self) -> Celery:
        app = Celery("peidai-test-client", broker=self.broker_url)
        app.conf.update(task_default_queue=self.queue, broker_connection_retry_on_startup=False,
                        broker_connection_max_retries=1)
        return app

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.tmp.glob("worker*.log")))

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGQUIT)   # cold shutdown: the test is over
                except ProcessLookupError:
                    pass
        for proc in self.processes:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)   # pool processes left behind
            except ProcessLookupError:
                pass
            proc.wait(5)


@pytest.fixture(params=["embedded", "redis"])
def stack_name(request):
    return request.param


@pytest.fixture
def stack_database(stack_name, tmp_path_factory):
    """Worker processes pair the embedded broker with SQLite and Redis with PostgreSQL."""
    if stack_name == "redis":
        require_server("Redis", "127.0.0.1", 6379)
        require_server("PostgreSQL", "127.0.0.1", 5432)
        db = get_database("postgresql", tmp_path_factory.getbasetemp())
    else:
        db = get_database("sqlite", tmp_path_factory.getbasetemp())
    db.reset()
    return db


@pytest.fixture
def stack(stack_name, stack_database, file_clock, tmp_path, request):
    url = "redis://127.0.0.1:6379/9" if stack_name == "redis" else f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    s = Stack(stack_name, url, stack_database, file_clock, tmp_path)
    yield s
    s.stop()
    if stack_name == "redis":
        import redis
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"*{s.queue}*"):       # the queue and its bindings
            client.delete(key)
        client.close()
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        print(s.logs())


@pytest.fixture
def ssystem(stack, tmp_path):
    """The test's own system on the stack's database and clock."""
    return fixture_system(stack.database, stack.clock, tmp_path)


@pytest.fixture
def stack_people(ssystem):
    return add_people(ssystem)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class PrivateRedis:
    """A redis-server of the test's own on another port, to stop and start at will (the shared
    one on 6379 is never touched)."""

    def __init__(self, binary: str, port: int, tmp_path):
        self.binary, self.port, self.tmp = binary, port, tmp_path
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.tmp)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from tests.conftest import server_up
        wait_for(lambda: server_up("127.0.0.1", self.port), timeout=20, message="private redis-server")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


@pytest.fixture
def private_redis(tmp_path):
    import shutil

    from tests.conftest import IN_CI, server_up
    binary = shutil.which("redis-server")
    if binary is None:
        if IN_CI:
            pytest.fail("redis-server is not installed (CI=true: it is required)")
        pytest.skip("redis-server is not installed")
    port = next(p for p in range(6390, 6400) if not server_up("127.0.0.1", p))
    redis = PrivateRedis(binary, port, tmp_path)
    redis.start()
    yield redis
    redis.stop()
