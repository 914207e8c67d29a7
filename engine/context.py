"""The vocabulary every engine command shares: task and instance states, ids from callers, the
record of the command in progress, and the context handed to service-task handlers and listeners
(``ctx`` in ``handler(ctx, **params)`` and ``listener(ctx, event, payload)``).

A leaf of the engine: it imports none of the modules that make up :class:`engine.service.Engine`,
which all import it. Who is acting (:class:`~engine.access.Actor`) lives in :mod:`engine.access`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from . import spiff
from .access import Actor
from .errors import NotFound

# human task states (human_tasks.state) and instance states (instances.status)
OPEN, DONE, CANCELLED = "open", "completed", "cancelled"
RUNNING, SUSPENDED, COMPLETED, CANCELLED_I, ERROR = "running", "suspended", "completed", "cancelled", "error"

STATUS_LABELS = {RUNNING: "运行中", SUSPENDED: "已挂起", COMPLETED: "已完成", CANCELLED_I: "已取消", ERROR: "出错"}


MAX_ID = 2 ** 63 - 1      # BIGINT keys (human tasks, outbox messages)
MAX_INT_ID = 2 ** 31 - 1  # INTEGER keys (instances, versions, timers): 32 bits on PostgreSQL


def row_id(value, what: str = "记录", limit: int = MAX_INT_ID) -> int:
    """A database id from a caller: an int (or digit string) within its column's range
    (``limit``: INTEGER unless told), or :class:`NotFound` (an id that cannot exist is simply
    not there)."""
    try:
        number = int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not 0 < number <= limit:
        raise NotFound(f"{what}不存在")
    return number


class CommandHost(Protocol):
    """What a context needs of the engine that runs the command. That engine is the
    :class:`engine.service.Engine`: a handler reaches its whole service API as ``ctx.engine``."""

    def _emit(self, session, topic: str, payload: dict, key: str, instance_id: int | None, now: datetime) -> None: ...

    def _start_in(self, s, process_key: str, data: dict, actor: Actor, now: datetime, **kwargs) -> int: ...


@dataclass
class EventContext:
    """Passed to listeners and service-task handlers: the transaction and what it is about."""

    engine: CommandHost
    session: Session
    instance_id: int | None
    actor: Actor
    now: datetime
    task: spiff.TaskView | None = None

    def emit(self, topic: str, payload: dict, key: str) -> None:
        """Write a side effect to the outbox (same transaction). ``key`` makes it idempotent."""
        self.engine._emit(self.session, topic, payload, key, self.instance_id, self.now)

    def start_instance(self, process_key: str, data: dict, **kwargs) -> int:
        return self.engine._start_in(self.session, process_key, data, self.actor, self.now, parent_id=self.instance_id, **kwargs)


ServiceContext = EventContext


@dataclass
class _Command:
    session: Session
    instance_id: int
    actor: Actor
    now: datetime
    events: list = field(default_factory=list)


class _NothingToDo(Exception):
    """Raised inside a command to roll it back quietly (nothing to change)."""
