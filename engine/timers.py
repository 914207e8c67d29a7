"""Timers: the sweep that fires what is due (DESIGN.md, invariant 4). Timers are projected as due
times in the indexed ``timers`` table, so the sweep touches only what is due; it is safe to run
twice at once, and one broken instance is marked as failed (an incident) without stopping it.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select, update

from . import spiff
from .access import SYSTEM, SYSTEM_ACTOR
from .context import ERROR, _NothingToDo
from .errors import Conflict, InvalidState
from .sql import _SQL_DUE_INSTANCES, _SQL_STILL_DUE
from .tables import Instance, Timer

log = logging.getLogger(__name__)


class Timers:
    """The timer sweep.

    Uses the engine's ``runtime``, ``fast`` and ``sessions`` (set by ``Engine.__init__``), ``now``,
    ``raw_reading``, ``unit_of_work``, ``_audit`` and ``_emit``
    (:class:`~engine.transactions.UnitOfWork`) and ``_command`` (:class:`~engine.store.WorkflowStore`)."""

    def fire_due_timers(self, now: datetime | None = None, limit: int = 500) -> dict:
        """Fire what is due. Safe to run twice at once: each instance is locked (or its optimistic
        lock decides), a locked one is skipped, an error is logged and the sweep goes on."""
        now = now or self.now()
        counts = {"due": 0, "fired": 0, "skipped": 0, "errors": 0}
        with self.raw_reading() as raw:
            # a timer due at a moment fires at that moment (engine.spiff.clock); suspended instances wait for resume
            ids = [r[0] for r in self.fast.all(raw, _SQL_DUE_INSTANCES, {"now": self.fast.time(now), "lim": limit})]
        counts["due"] = len(ids)

        for instance_id in ids:
            try:
                done = self.fire_timers_for(instance_id, now)
                counts["fired" if done else "skipped"] += 1
            except (Conflict, InvalidState) as exc:
                if isinstance(exc, InvalidState) and exc.details.get("status") is None:
                    counts["errors"] += 1
                    self._record_error(instance_id, exc, now)
                else:
                    counts["skipped"] += 1
            except Exception as exc:  # one broken instance must not stop the sweep
                log.exception("timer on instance %s failed", instance_id)
                counts["errors"] += 1
                self._record_error(instance_id, exc, now)
        return counts

    def fire_timers_for(self, instance_id: int, now: datetime | None = None) -> bool:
        """Fire the due timers of one instance. Returns False when there was nothing to fire or
        another process holds the instance (it will fire them)."""

        def fn(cmd, inst, version, wf):
            # another sweep may have fired it between our query and our lock
            if self.fast.one(cmd.session, _SQL_STILL_DUE, {"b_id": inst["id"], "now": self.fast.time(cmd.now)}) is None:
                raise _NothingToDo()
            try:
                self.runtime.fire_timers(wf)
            except spiff.WorkflowFailure as exc:  # an incident with the element, not a logged traceback
                raise InvalidState(f"流程执行出错（{exc.element_id or '定时器'}）：{exc}", element=exc.element_id) from exc
            self._audit(cmd.session, cmd.now, SYSTEM, "timer_fired", inst["id"])
            return True, {}

        return bool(self._command(instance_id, SYSTEM_ACTOR, fn, lock=True, skip_locked=True, now=now or self.now()))

    def _record_error(self, instance_id: int, exc: Exception, now: datetime) -> None:
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        with self.unit_of_work() as s:
            s.execute(update(Instance).where(Instance.id == instance_id).values(
                status=ERROR, error=message, lock_version=Instance.lock_version + 1))
            s.execute(delete(Timer).where(Timer.instance_id == instance_id))
            self._audit(s, now, SYSTEM, "instance_failed", instance_id, comment=message)
            self._emit(s, "incident", {"instance_id": instance_id, "error": message}, f"incident:{instance_id}:{now.isoformat()}",
                       instance_id, now)

    def next_timer_due(self) -> datetime | None:
        with self.sessions() as s:
            return s.scalar(select(Timer.due_at).order_by(Timer.due_at).limit(1))
