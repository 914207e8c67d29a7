"""SQLite's WAL checkpoints, off the commands' path.

In WAL mode SQLite copies the log back into the database file (a *checkpoint*) from inside the
commit that makes the log pass ``wal_autocheckpoint`` pages (1000 by default): that commit also
waits for two ``fsync`` calls. Measured with ``make bench`` on the 2-core machine (2026-11-29):
one commit in about 250 took 3.5–4 ms instead of 0.06 ms, 0.075 ms of every engine step on
average (9 %), and the wait falls on whichever user's request happens to be that commit.

So each process runs one daemon thread that checkpoints every database it opened, once a second
(``PRAGMA wal_checkpoint(PASSIVE)``: it copies what no reader still needs and never blocks a
reader or a writer), on a connection of its own; the connections set ``wal_autocheckpoint`` to
:data:`SAFETY_PAGES`, so the log still stays bounded (about 40 MB) if the thread is not running
(another program writing to the file, a process that forked after it started).

A database leaves the thread when its SQLAlchemy engine is disposed or garbage-collected.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Engine as SAEngine

log = logging.getLogger(__name__)

SAFETY_PAGES = 10000   # the connections' own wal_autocheckpoint: the bound when the thread does not run
INTERVAL = 1.0         # seconds between two checkpoints of a database


class _Checkpointer:
    """One thread per process; a database per registered engine (by file path)."""

    def __init__(self):
        self._lock = threading.Lock()   # the registry: _paths, _conns, _thread, _pid
        # every use of a connection (a checkpoint, a close) holds this one: a connection closed in
        # one thread while another runs a statement on it can crash the process (sqlite3 module).
        # Order: _io, then _lock; never the other way round.
        self._io = threading.Lock()
        self._paths: dict[str, int] = {}          # path -> engines using it
        self._conns: dict[str, sqlite3.Connection] = {}
        self._thread: threading.Thread | None = None
        self._pid = None
        self._wake = threading.Event()

    def add(self, engine: SAEngine, path: str) -> None:
        """Called at each new connection of ``engine``: registers it once per process."""
        pid = os.getpid()
        if getattr(engine, "_peidai_wal_pid", None) == pid:
            return
        with self._lock:
            if getattr(engine, "_peidai_wal_pid", None) == pid:
                return
            if self._pid != pid:   # a child forked without the fork hook (it resets this below)
                self._paths, self._conns, self._thread, self._pid = {}, {}, None, pid
            engine._peidai_wal_pid = pid
            self._paths[path] = self._paths.get(path, 0) + 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="peidai-wal-checkpoint", daemon=True)
                self._thread.start()
        ref = weakref.ref(engine)

        def remove(*_args):
            with self._lock:
                eng = ref()
                if eng is not None:
                    if getattr(eng, "_peidai_wal_pid", None) != pid:
                        return
                    eng._peidai_wal_pid = None   # used again after dispose(): registered again
                if os.getpid() != pid:
                    return
            self._remove(path)
        finalizer = weakref.finalize(engine, remove)
        finalizer.atexit = False

        def disposed(_engine):
            finalizer.detach()
            remove()
        event.listen(engine, "engine_disposed", disposed, once=True)

    def _remove(self, path: str) -> None:
        with self._io:
            with self._lock:
                left = self._paths.get(path, 0) - 1
                if left > 0:
                    self._paths[path] = left
                    return
                self._paths.pop(path, None)
                conn = self._conns.pop(path, None)
            if conn is not None:
                try:   # what is left in the log, before the file may go away
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:
                    log.debug("last checkpoint of %s: %s", path, exc)
                conn.close()

    def _checkpoint(self, path: str, conn: sqlite3.Connection) -> None:
        with self._io:
            with self._lock:
                if self._conns.get(path) is not conn:   # removed (and closed) meanwhile
                    return
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:   # a file removed or replaced under us: the next turn opens it again
                log.debug("checkpoint of %s: %s", path, exc)
                with self._lock:
                    if self._conns.get(path) is conn:
                        del self._conns[path]
                conn.close()

    def _todo(self) -> list[tuple[str, sqlite3.Connection]]:
        """Each registered database with the thread's connection to it (opened on first use).
        Called with the lock held."""
        todo = []
        for path in self._paths:
            conn = self._conns.get(path)
            if conn is None and os.path.exists(path):
                conn = self._conns[path] = sqlite3.connect(path, timeout=5, check_same_thread=False,
                                                           isolation_level=None)
            if conn is not None:
                todo.append((path, conn))
        return todo

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            self._wake.wait(INTERVAL)
            with self._lock:
                if self._thread is not me or self._pid != os.getpid():
                    return
                if not self._paths:
                    self._thread = None
                    return
                todo = self._todo()
            for path, conn in todo:
                self._checkpoint(path, conn)

    def checkpoint_now(self) -> None:
        """Every registered database, at once (tests, and before a backup's copy)."""
        with self._lock:
            todo = self._todo() if self._pid == os.getpid() else []
        for path, conn in todo:
            self._checkpoint(path, conn)


    def _after_fork_in_child(self) -> None:
        """A forked child starts afresh: the parent's thread did not come along and may have held
        a lock at the fork. The parent's connections are kept, never used nor closed (SQLite
        connections must not cross a fork; closing one here could disturb the parent's)."""
        _INHERITED.extend(self._conns.values())
        self._lock, self._io = threading.Lock(), threading.Lock()
        self._paths, self._conns, self._thread, self._pid = {}, {}, None, os.getpid()
        self._wake = threading.Event()


_INHERITED: list = []
CHECKPOINTER = _Checkpointer()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=CHECKPOINTER._after_fork_in_child)


def watch(engine: SAEngine, path: str) -> None:
    """Checkpoint ``path`` (the engine's SQLite file) in the background while ``engine`` lives
    (call it from the engine's ``connect`` event: it registers once per engine and process)."""
    CHECKPOINTER.add(engine, os.path.abspath(path))
