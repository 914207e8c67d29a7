"""SQLite's WAL is checkpointed by a background thread (peidai.walcheckpoint), not inside the commit
of whichever command passes the threshold; the log stays bounded without the thread."""
from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import text

from peidai import walcheckpoint
from peidai.db import make_engine


def _threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "peidai-wal-checkpoint"]


def _write(engine, n: int) -> None:
    with engine.begin() as c:
        c.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"))
    for i in range(n):
        with engine.begin() as c:
            c.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": "x" * 3000})


def test_commits_leave_the_checkpoint_to_the_thread(tmp_path, monkeypatch):
    """1200 pages of log (past SQLite's default threshold of 1000, where a commit would copy the
    log back and wait for two fsyncs): no commit copied anything; the thread's turn does."""
    path = tmp_path / "db.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    turns = []
    real = walcheckpoint.CHECKPOINTER._checkpoint
    monkeypatch.setattr(walcheckpoint.CHECKPOINTER, "_checkpoint", lambda p, c: turns.append(p))
    try:
        with engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == walcheckpoint.SAFETY_PAGES
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert _threads(), "no checkpoint thread runs for a database on a file"
        _write(engine, 1200)
        assert path.stat().st_size < 100_000, "a commit copied the log back into the database file"
        monkeypatch.setattr(walcheckpoint.CHECKPOINTER, "_checkpoint", real)
        walcheckpoint.CHECKPOINTER.checkpoint_now()
        assert path.stat().st_size > 1200 * 3000
    finally:
        engine.dispose()


def test_the_thread_copies_the_log_back_on_its_own(tmp_path, monkeypatch):
    """Without anyone calling a checkpoint, the database file receives the rows within a few turns."""
    monkeypatch.setattr(walcheckpoint, "INTERVAL", 0.05)
    path = tmp_path / "db.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    try:
        _write(engine, 50)
        size_before = path.stat().st_size
        deadline = time.monotonic() + 10
        while path.stat().st_size <= size_before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size > size_before + 50 * 3000 // 2, "the main file never received the log's pages"
    finally:
        engine.dispose()


def test_disposing_the_engine_stops_its_checkpoints(tmp_path, monkeypatch):
    monkeypatch.setattr(walcheckpoint, "INTERVAL", 0.05)
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    _write(engine, 1)
    assert str(tmp_path / "db.sqlite") in walcheckpoint.CHECKPOINTER._paths
    engine.dispose()
    assert str(tmp_path / "db.sqlite") not in walcheckpoint.CHECKPOINTER._paths
    _write(engine, 1)   # an engine used again after dispose() is watched again
    assert str(tmp_path / "db.sqlite") in walcheckpoint.CHECKPOINTER._paths
    engine.dispose()


def test_memory_databases_have_no_checkpoints():
    engine = make_engine("sqlite://")
    with engine.connect() as c:
        c.exec_driver_sql("SELECT 1")
    assert all(":memory:" not in p for p in walcheckpoint.CHECKPOINTER._paths)
    engine.dispose()


def test_disposing_while_the_thread_checkpoints_is_safe(tmp_path, monkeypatch):
    """Engines come and go while the thread works (a test suite makes hundreds): a connection is
    never closed while the thread runs a statement on it (that could crash the process)."""
    monkeypatch.setattr(walcheckpoint, "INTERVAL", 0.001)
    for i in range(60):
        engine = make_engine(f"sqlite:///{tmp_path / f'db{i % 3}.sqlite'}")
        _write(engine, 3)
        engine.dispose()
    assert all(str(tmp_path) not in p for p in walcheckpoint.CHECKPOINTER._paths)


def test_a_forked_child_starts_its_own_checkpoints(tmp_path):
    import os
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    _write(engine, 1)
    pid = os.fork()
    if pid == 0:   # the child: fresh locks and registry; its own engine use registers again
        ok = False
        try:
            lock = walcheckpoint.CHECKPOINTER._lock
            ok = not walcheckpoint.CHECKPOINTER._paths and lock.acquire(timeout=1)
            if ok:
                lock.release()
            engine.dispose(close=False)
            _write(engine, 1)
            ok = ok and str(tmp_path / "db.sqlite") in walcheckpoint.CHECKPOINTER._paths
        finally:
            os._exit(0 if ok else 1)   # never back into the test runner
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    engine.dispose()
