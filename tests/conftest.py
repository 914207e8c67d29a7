"""Shared fixtures.

* ``backend`` / ``system``: a fully wired system (``peidai.bootstrap``) on SQLite and, where the
  server answers, on PostgreSQL (127.0.0.1:5432, user postgres). Without the server the
  PostgreSQL variant is skipped with a printed reason, except under ``CI=true``, where a missing
  server is a failure. Migrations run once per session per backend; each test starts with
  empty tables.
* ``clock``: a :class:`VirtualClock` the system uses.
* ``deploy_fixture_models``: deploys ``tests/fixtures/models``.
"""
from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import Actor, VirtualClock
from engine.identity import upsert_user
from peidai.bootstrap import bootstrap
from peidai.db import make_engine, upgrade
from peidai.models import metadata
from peidai.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("PEIDAI_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def server_up(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_server(name: str, host: str, port: int) -> None:
    """Skip (with the reason printed by ``-ra``) or, under CI=true, fail when a server is missing."""
    if server_up(host, port):
        return
    message = f"{name} is not running on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: the server is required)")
    pytest.skip(message)


def _create_pg_database() -> str:
    name = f"peidai_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(PG_ADMIN_URL)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name


def _drop_pg_database(name: str) -> None:
    admin = make_engine(PG_ADMIN_URL)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Database:
    """A migrated database reused by the session's tests; ``reset()`` empties every table."""

    def __init__(self, url: str, backend: str):
        self.url = url
        self.backend = backend
        upgrade(url)
        self.engine = make_engine(url)

    def reset(self) -> None:
        from sqlalchemy import inspect
        existing = set(inspect(self.engine).get_table_names())  # a table whose migration is not written yet is skipped
        tables = [t.name for t in reversed(metadata.sorted_tables) if t.name in existing]
        # DELETE, children first, rather than TRUNCATE: on PostgreSQL a TRUNCATE of forty small tables
        # costs about a second (files are swapped), a DELETE of a test's few rows a tenth of that
        with self.engine.begin() as conn:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            if self.backend == "postgresql":   # ids start at 1 again, as TRUNCATE … RESTART IDENTITY did
                seqs = conn.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")).scalars().all()
                if seqs:
                    conn.execute(text("SELECT " + ", ".join(f"setval('\"{q}\"', 1, false)" for q in seqs)))


_databases: dict[str, Database] = {}
_pg_names: list[str] = []


def get_database(backend: str, tmp_root: Path) -> Database:
    if backend not in _databases:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_root / 'peidai-test.sqlite'}"
        else:
            require_server("PostgreSQL", "127.0.0.1", 5432)
            name = _create_pg_database()
            _pg_names.append(name)
            url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        _databases[backend] = Database(url, backend)
    return _databases[backend]


def pytest_sessionfinish(session, exitstatus):
    for db in _databases.values():
        db.engine.dispose()
    for name in _pg_names:
        try:
            _drop_pg_database(name)
        except Exception:
            pass


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def database(backend, tmp_path_factory):
    if backend == "postgresql":
        require_server("PostgreSQL", "127.0.0.1", 5432)
    db = get_database(backend, tmp_path_factory.getbasetemp())
    db.reset()
    return db


@pytest.fixture
def sqlite_database(tmp_path_factory):
    db = get_database("sqlite", tmp_path_factory.getbasetemp())
    db.reset()
    return db


@pytest.fixture
def clock():
    return VirtualClock("2014-05-19T09:00:00+08:00")


def make_system(database: Database, clock, tmp_path, **kwargs):
    settings = Settings(database_url=database.url, data_dir=tmp_path / "data", secret_key="test-secret", testing=True)
    return bootstrap(settings, clock=clock, db=database.engine, **kwargs)


@pytest.fixture
def system(database, clock, tmp_path):
    return make_system(database, clock, tmp_path)


@pytest.fixture
def engine(system):
    return system.engine


def read_models(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in (".bpmn", ".dmn", ".json")}


@pytest.fixture
def fixture_models() -> dict[str, str]:
    return read_models(FIXTURES / "models")


@pytest.fixture
def deploy_fixture_models(engine, fixture_models):
    return engine.deploy(fixture_models, comment="fixtures")


@pytest.fixture
def add_user(engine):
    """``add_user('name', ('role', 'scope'), ...)`` -> Actor"""

    def add(username: str, *memberships):
        with engine.unit_of_work() as s:
            upsert_user(s, username, username, memberships=list(memberships))
        return Actor(username, frozenset(memberships))

    return add


CHROMIUM = os.environ.get("PEIDAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Chromium (Debian's) for every browser test, one per test process: two Playwright sync
    instances cannot run at once in one thread, so there is exactly one, opened on first use."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (make system-deps installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


# Under pytest-xdist (`make test` runs two test processes), tests that share something outside
# their own database run in one process, one after another: the browser tests share Chromium and
# test-artifacts/; the process tests start servers and workers on Redis databases they share.
SERIAL_GROUPS = {
    "browser": ("tests/browser/", "tests/admin/test_browser"),
    "processes": ("tests/ops/", "tests/worker/test_serve.py", "tests/worker/test_worker_processes.py",
                  "tests/web/test_security.py"),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for group, prefixes in SERIAL_GROUPS.items():
            if item.nodeid.startswith(prefixes):
                item.add_marker(pytest.mark.xdist_group(group))
