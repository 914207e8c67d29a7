"""The one source of time. Production uses :class:`SystemClock`; tests and the simulator use
:class:`VirtualClock` to run years of the programme in seconds."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class Clock:
    def now(self) -> datetime:  # pragma: no cover - interface
        raise NotImplementedError


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class VirtualClock(Clock):
    """A clock that only moves when told to. Thread-safe."""

    def __init__(self, start: datetime | str = "2014-05-19T09:00:00+08:00"):
        if isinstance(start, str):
            start = datetime.fromisoformat(start)
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("aware datetime required")
        with self._lock:
            self._now = when.astimezone(timezone.utc)

    def advance(self, **kwargs) -> datetime:
        with self._lock:
            self._now += timedelta(**kwargs)
            return self._now
