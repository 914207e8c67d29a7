"""The clock seam.

SpiffWorkflow 3.2.0's timer module calls ``datetime.now(timezone.utc)`` directly; we rebind that
module's ``datetime`` name to a subclass whose ``now`` reads the engine clock of the current
context (falling back to the system time), which is the only library global we touch.

The library fires a timer when ``due < now``, so a timer due at 09:00 would wait for the first
command after 09:00:00. Our "now" is an :class:`_Inclusive` moment that a due time equal to it
counts as reached: ``due < now`` reads ``due <= now`` (Python asks the right operand's reflected
``__gt__`` first when it is a subclass), so a timer due at a moment fires at that moment, like the
sweep's ``due_at <= :now`` query.
"""
from __future__ import annotations

import contextlib
import contextvars
from datetime import datetime as _std_datetime, timezone
from typing import Callable

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_clock: contextvars.ContextVar[Callable[[], _std_datetime] | None] = contextvars.ContextVar(
    "peidai_clock", default=None
)


class _ClockedDatetime(_std_datetime):
    """``datetime`` whose ``now`` asks the engine clock bound to the current context."""

    @classmethod
    def now(cls, tz=None):
        source = _clock.get()
        if source is None:
            return _inclusive(super().now(tz))
        value = source()
        value = value.astimezone(tz) if tz is not None else value.astimezone(timezone.utc).replace(tzinfo=None)
        return _inclusive(value)


class _Inclusive(_ClockedDatetime):
    """A "now" that a moment equal to it has reached: ``due < now`` is true when ``due == now``. A
    subclass of the module's ``datetime`` (whose ``fromisoformat`` parses due times), so that Python
    asks this reflected ``__gt__`` first."""

    def __gt__(self, other):
        if isinstance(other, _std_datetime):
            return _std_datetime.__ge__(self, other)
        return NotImplemented


def _inclusive(value: _std_datetime) -> _Inclusive:
    return _Inclusive(value.year, value.month, value.day, value.hour, value.minute, value.second,
                      value.microsecond, value.tzinfo, fold=value.fold)


_timer_module.datetime = _ClockedDatetime


@contextlib.contextmanager
def use_clock(now: Callable[[], _std_datetime]):
    token = _clock.set(now)
    try:
        yield
    finally:
        _clock.reset(token)
