"""Unit of work: the transaction of an engine command, the audit rows and outbox messages written
in it, and the command in progress that service tasks and listeners run inside.

* ``unit_of_work()`` is the write transaction for callers (an ORM session; on SQLite it takes the
  write lock up front with ``BEGIN IMMEDIATE``);
* ``_command_scope()`` is the engine commands' own: the ORM session is made only if a handler, a
  listener or the registry asks for one (:class:`_LazySession`);
* ``raw_reading()`` is a DB-API connection for the engine's one-statement reads.

Workflows saved in a transaction enter the cache (:class:`~engine.store.WorkflowStore`) only once
it committed.
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from . import spiff
from .access import Actor
from .clock import Clock
from .config import EngineConfig
from .context import EventContext, _Command
from .errors import InvalidState
from .fastsql import FastSQL
from .sql import _SQL_INSERT_AUDIT
from .tables import OutboxMessage


class UnitOfWork:
    """Transactions, audit and outbox writes, listeners and service-task dispatch.

    Uses the engine's ``sessions``, ``clock``, ``config``, ``dialect``, ``fast`` and ``_local``
    (set by ``Engine.__init__``) and ``_put`` (:class:`~engine.store.WorkflowStore`). It is all
    :class:`~engine.outbox.Outbox` needs of the engine."""

    sessions: sessionmaker
    clock: Clock
    config: EngineConfig
    dialect: str
    fast: FastSQL
    _local: threading.local

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One write transaction. Workflows saved in it enter the cache only once it committed."""
        with self.sessions() as session:
            with session.begin():
                conn = session.connection(execution_options={"peidai_write": True})
                session.info["peidai_raw"] = conn.connection.driver_connection
                try:
                    yield session
                    self._flush_audits(session)
                finally:
                    session.info.pop("peidai_audits", None)
                    session.info.pop("peidai_raw", None)
            for instance_id, entry in session.info.pop("peidai_cache", {}).items():
                self._put(instance_id, entry)

    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def _command_scope(self) -> Iterator["_LazySession"]:
        """The transaction of one engine command: like ``unit_of_work``, but on a pooled DB-API
        connection with no SQLAlchemy ``Connection`` or ORM session around it unless a handler, a
        listener or the registry asks for one (:class:`_LazySession`): most commands need none,
        and that frame cost about 0.05 ms of every command."""
        s = _LazySession(self.sessions.kw["bind"])
        try:
            s._begin()
            yield s
            self._flush_audits(s)
            s._commit()
        except BaseException:
            s._rollback()
            raise
        finally:
            s._close()
        for instance_id, entry in s.info.pop("peidai_cache", {}).items():
            self._put(instance_id, entry)

    @contextmanager
    def raw_reading(self):
        """A DB-API connection for the engine's own one-statement reads: no ORM session, and no
        transaction around a single SELECT (autocommit on PostgreSQL, SQLite's own implicit
        read transaction). Inside a read scope (:meth:`~engine.reads.Reads.reading`) it is that
        scope's connection, which holds no transaction between reads."""
        scope = getattr(self._local, "reads", None)
        if scope is not None:
            yield scope.conn.connection.driver_connection
            return
        pooled = self.sessions.kw["bind"].raw_connection()  # no SQLAlchemy Connection around it
        raw = pooled.driver_connection
        try:
            if self.dialect == "postgresql":
                raw.autocommit = True  # client side only: no round trip
            yield raw
        finally:
            try:
                if self.dialect == "postgresql":
                    raw.autocommit = False  # as the pool hands it out
            finally:
                pooled.close()

    def _emit(self, session, topic, payload, key, instance_id, now):
        exists = session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))
        if exists is not None:
            return
        session.execute(insert(OutboxMessage).values(
            idempotency_key=key, topic=topic, payload_json=json.dumps(payload, ensure_ascii=False, default=str),
            instance_id=instance_id, status="pending", attempts=0, created_at=now, next_attempt_at=now,
        ))

    def _audit(self, session, now, actor, action, instance_id=None, task_uuid=None, element_id=None, data=None, comment=""):
        """Queue an audit row; it is written with the command's save, or before the commit."""
        session.info.setdefault("peidai_audits", []).append({
            "at": self.fast.time(now), "actor": actor.username if isinstance(actor, Actor) else actor, "action": action,
            "instance_id": instance_id, "task_uuid": task_uuid, "element_id": element_id,
            "data_json": json.dumps(data or {}, ensure_ascii=False, default=str), "comment": comment or "",
        })

    def audit(self, session: Session, actor: Actor | str, action: str, *, instance_id: int | None = None,
              task_uuid: str | None = None, element_id: str | None = None, data: dict | None = None,
              comment: str = "", now: datetime | None = None) -> None:
        """Append an audit row in the caller's transaction (``unit_of_work``), for actions that
        happen outside the engine's commands (an urge, a document download, an admin change)."""
        self._audit(session, now or self.now(), actor, action, instance_id, task_uuid, element_id, data, comment)

    def _flush_audits(self, session, batch=None) -> None:
        rows = session.info.pop("peidai_audits", None)
        if not rows:
            return
        if batch is not None:
            batch.executemany(_SQL_INSERT_AUDIT, rows)
        else:
            with self.fast.batch(session) as b:
                b.executemany(_SQL_INSERT_AUDIT, rows)

    def _notify(self, ctx: EventContext, event: str, payload: dict) -> None:
        for listener in self.config.listeners:
            listener(ctx, event, payload)

    def _dispatch(self, task: spiff.TaskView, operation: str, params: dict):
        cmd: _Command | None = getattr(self._local, "command", None)
        handler = self.config.operations.get(operation)
        if handler is None:
            raise InvalidState(f"服务任务操作“{operation}”未注册", operation=operation)
        if cmd is None:
            raise RuntimeError("service task ran outside an engine command")
        ctx = EventContext(self, cmd.session, cmd.instance_id, cmd.actor, cmd.now, task)
        return handler(ctx, **params)

    @contextmanager
    def _running(self, cmd: _Command):
        previous = getattr(self._local, "command", None)
        self._local.command = cmd
        try:
            with spiff.use_clock(lambda: cmd.now):
                yield
        finally:
            self._local.command = previous


class _LazySession:
    """Stands in for the ORM ``Session`` of an engine command (see ``Engine._command_scope``).

    The command runs on a pooled DB-API connection (``info["peidai_raw"]``, what
    :mod:`engine.fastsql` writes on). ``connection()`` makes a SQLAlchemy ``Connection`` on that
    same DB-API connection, inside the transaction already open; anything else of ``Session``
    makes the real ORM session, bound to that ``Connection``, and is passed on to it. The
    transaction is committed through SQLAlchemy when it was asked for, on the DB-API connection
    otherwise."""

    _orm = _conn = _tx = None  # (class defaults: __getattr__ must never be asked for these)

    def __init__(self, bind):
        self._bind = bind
        self._pooled = bind.raw_connection()
        self._conn: Connection | None = None
        self._tx = None
        self._orm: Session | None = None
        self.info = {"peidai_raw": self._pooled.driver_connection}

    def _begin(self) -> None:
        if self._bind.dialect.name == "sqlite":  # the write lock up front, as unit_of_work takes it
            self.info["peidai_raw"].execute("BEGIN IMMEDIATE")
        # psycopg opens the transaction with the command's first statement

    def connection(self, **_kwargs) -> Connection:
        if self._conn is None:
            conn = Connection(self._bind, connection=self._pooled)
            self._tx = conn.begin()  # joins the open transaction (the begin listener sees it open)
            self._conn = conn
        return self._conn

    @property
    def orm(self) -> Session:
        if self._orm is None:
            self._orm = Session(bind=self.connection(), expire_on_commit=False)
        return self._orm

    def _commit(self) -> None:
        if self._orm is not None:
            self._orm.flush()
        if self._tx is not None:
            self._tx.commit()
        else:
            self.info["peidai_raw"].commit()

    def _rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()
        else:
            self.info["peidai_raw"].rollback()

    def _close(self) -> None:
        try:
            if self._orm is not None:
                self._orm.close()
        finally:
            if self._conn is not None:
                self._conn.close()  # gives the DB-API connection back to the pool
            else:
                self._pooled.close()

    def __getattr__(self, name):
        return getattr(self.orm, name)
