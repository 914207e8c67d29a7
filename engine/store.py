"""Workflow store and cache: the instance row, its workflow (from the cache or deserialized from
the row), and ``_command``, the frame every command on one instance runs in: load -> ``fn`` ->
save (:mod:`engine.projection`), in one transaction (:mod:`engine.transactions`).

Loaded workflows are kept in a small per-process cache keyed by ``(instance id, lock_version)``;
a command takes its workflow out of the cache (so no two threads share one) and puts it back only
after its commit succeeded, so the cache never holds state the database does not.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy.orm import Session

from . import spiff
from .access import Actor
from .context import RUNNING, STATUS_LABELS, _Command, _NothingToDo, row_id
from .errors import Conflict, InvalidState, NotFound
from .fastsql import FastSQL
from .registry import ModelRegistry
from .sql import _INSTANCE_KEYS, _SQL_LOAD_INSTANCE, _SQL_LOAD_STATE


@dataclass
class _Entry:
    lock_version: int
    wf: Any
    fragments: dict
    open_tasks: dict[str, dict]        # task uuid -> projected row values
    timers: set[tuple[str, datetime]]  # (task uuid, due)
    finished: bool = False
    done: set[str] | None = None       # elements with a completed or cancelled task (None: not read yet)


class WorkflowStore:
    """Loading, caching and the command frame.

    Uses the engine's ``models``, ``runtime``, ``fast``, ``dialect``, ``_cache``, ``_cache_lock``
    and ``_cache_size`` (set by ``Engine.__init__``), ``now``, ``_command_scope`` and ``_running``
    (:class:`~engine.transactions.UnitOfWork`) and ``_save``
    (:class:`~engine.projection.TaskProjection`)."""

    models: ModelRegistry
    runtime: spiff.Runtime
    fast: FastSQL
    dialect: str
    _cache: OrderedDict[int, _Entry]
    _cache_lock: threading.Lock
    _cache_size: int

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def _take(self, instance_id: int, lock_version: int) -> _Entry | None:
        with self._cache_lock:
            entry = self._cache.pop(instance_id, None)
        if entry is not None and entry.lock_version == lock_version:
            return entry
        return None

    def _put(self, instance_id: int, entry: _Entry) -> None:
        if self._cache_size <= 0:
            return
        with self._cache_lock:
            self._cache[instance_id] = entry
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _bump(self, instance_id: int, lock_version: int) -> None:
        """The row's lock moved on from ``lock_version`` without a change to the workflow
        (suspend, resume): a cached entry of that version follows it."""
        with self._cache_lock:
            entry = self._cache.get(instance_id)
            if entry is not None and entry.lock_version == lock_version:
                entry.lock_version += 1

    def _load_row(self, s: Session, instance_id: int, lock: bool = False, skip_locked: bool = False):
        sql = _SQL_LOAD_INSTANCE
        if lock and self.dialect == "postgresql":
            sql += " FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE"
        row = self.fast.one(s, sql, {"b_id": instance_id})
        return dict(zip(_INSTANCE_KEYS, row)) if row is not None else None

    def _checkout(self, s: Session, inst: dict):
        version = self.models.load(s, inst["version_id"])
        entry = self._take(inst["id"], inst["lock_version"])
        if entry is not None:
            return version, entry.wf, entry
        spec = version.specs[inst["process_key"]]
        row = self.fast.one(s, _SQL_LOAD_STATE, {"b_id": inst["id"], "b_lock": inst["lock_version"]})
        state = row[0] if row is not None else None
        if state is None:
            raise Conflict("该事项已被他人处理，请刷新后重试", instance_id=inst["id"])
        wf = self.runtime.load(state, spec["spec"], spec["subprocess_specs"])
        return version, wf, None

    @staticmethod
    def _after_commit(s: Session, instance_id: int, entry: _Entry) -> None:
        """Cache the workflow once the surrounding transaction has committed (see unit_of_work).
        A finished instance takes no more commands: it is not cached."""
        if entry.wf is not None and not entry.finished:
            s.info.setdefault("peidai_cache", {})[instance_id] = entry

    def _run(self, wf) -> None:
        try:
            self.runtime.run(wf)
        except spiff.WorkflowFailure as exc:
            raise InvalidState(f"流程执行出错（{exc.element_id or '未知元素'}）：{exc}", element=exc.element_id) from exc

    def _command(self, instance_id: int | Callable[[Session], int], actor: Actor, fn: Callable, *, allow=(RUNNING,), lock=False,
                 skip_locked=False, now: datetime | None = None, after: Callable | None = None):
        """Load -> fn(cmd, inst, version, wf) -> save, in one transaction. Returns fn's result, or
        what ``after(cmd, inst, result)`` makes of it: run after the save, before the commit (to
        read what the command did in its own transaction)."""
        now = now or self.now()
        try:
            return self._command_tx(instance_id, actor, fn, allow, lock, skip_locked, now, after)
        except _NothingToDo:
            return None

    def _command_tx(self, instance_id, actor, fn, allow, lock, skip_locked, now, after=None):
        with self._command_scope() as s:
            inst = None
            if callable(instance_id):
                instance_id = instance_id(s)
                if isinstance(instance_id, dict):  # the resolver read the row already
                    inst, instance_id = instance_id, instance_id["id"]
            if inst is None:
                inst = self._load_row(s, row_id(instance_id, "流程实例"), lock=lock, skip_locked=skip_locked)
            if inst is None:
                if skip_locked:
                    return None
                raise NotFound(f"流程实例 {instance_id} 不存在")
            if inst["status"] not in allow:
                raise InvalidState(f"流程实例当前状态为“{STATUS_LABELS.get(inst['status'], inst['status'])}”，不能执行此操作",
                                   status=inst["status"])
            version, wf, entry = self._checkout(s, inst)
            cmd = _Command(s, instance_id, actor, now)
            with self._running(cmd):
                result, completed = fn(cmd, inst, version, wf)
                new_entry = self._save(cmd, inst, version, wf, entry, completed)
                if after is not None:
                    result = after(cmd, inst, result)
            self._after_commit(s, instance_id, new_entry)
            return result
