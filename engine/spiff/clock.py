"""The clock seam.

SpiffWorkflow 3.2.0's timer module calls ``datetime.now(timezone.utc)`` directly; we rebind that
module's ``datetime`` name to a subclass whose ``now`` reads the engine clock of the current
context (falling back to the system time), which is the only library global we touch.
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
            return super().now(tz)
        value = source()
        return value.astimezone(tz) if tz is not None else value.astimezone(timezone.utc).replace(tzinfo=None)


_timer_module.datetime = _ClockedDatetime


@contextlib.contextmanager
def use_clock(now: Callable[[], _std_datetime]):
    token = _clock.set(now)
    try:
        yield
    finally:
        _clock.reset(token)
