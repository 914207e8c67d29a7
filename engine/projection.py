"""Task projection: ``_save`` writes a command's result with the optimistic lock (one statement on
PostgreSQL, :mod:`engine.savesql`) — the workflow state on the instance row, its open human tasks
and its timers, the audit rows —
and tells the listeners what opened, closed or completed. Inboxes, lists and the timer sweep
read these tables only, never a workflow (DESIGN.md, invariant 2).
"""
from __future__ import annotations

from datetime import datetime

from . import forms, spiff
from .access import SYSTEM
from .context import CANCELLED, CANCELLED_I, COMPLETED, DONE, ERROR, OPEN, RUNNING, SUSPENDED, EventContext, _Command
from .errors import Conflict
from .registry import LoadedVersion
from .savesql import SaveWrites, write_save
from .sql import _SQL_DONE_ELEMENTS, _SQL_OPEN_TASKS
from .store import _Entry
from .tables import HumanTask


class TaskProjection:
    """The projection of a workflow after a command.

    Uses the engine's ``config``, ``runtime`` and ``fast`` (set by ``Engine.__init__``) and
    ``_audit`` and ``_notify`` (:class:`~engine.transactions.UnitOfWork`)."""

    def _task_row(self, version: LoadedVersion, process_key: str, inst, task: spiff.TaskView, now) -> dict:
        info = version.element(process_key, task.element_id)
        props = task.properties or info.get("properties", {})
        role = self.config.role_for_lane(task.lane)
        scope = None
        if role is not None and role.scope_field:
            value = task.data.get(role.scope_field)
            scope = None if value is None else str(value)
        assignee = None
        if props.get("assignee"):
            value = self.runtime.environment.evaluate(props["assignee"], dict(task.data))
            assignee = str(value) if value else None
        due = None
        if props.get("dueIn"):
            expr = self.runtime.environment.evaluate(props["dueIn"], dict(task.data))
            if expr:
                due = spiff.iso_duration_from(now, str(expr))
        elif props.get("dueAt"):
            value = self.runtime.environment.evaluate(props["dueAt"], dict(task.data))
            if value:
                due = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        fields = {col: task.data.get(src) for col, src in self.config.projected_fields.items()}
        title = None
        if props.get("title"):   # the task's own subject (one mentee of five): cosmetic, never fails a command
            try:
                title = _s(self.runtime.environment.evaluate(props["title"], dict(task.data)))
            except Exception:  # noqa: BLE001 - a subject that cannot be computed falls back to the instance's
                title = None
        return {
            "task_uuid": task.uuid, "instance_id": inst["id"], "process_key": process_key,
            "element_id": task.element_id, "name": task.name or task.element_id,
            "role": role.key if role else (task.lane or ""), "scope": scope,
            "candidates": f",{assignee}," if assignee else None, "assignee": assignee,
            "state": OPEN, "form": props.get("form"),
            "org_unit": _s(fields.get("org_unit", inst.get("org_unit"))),
            "category": _s(fields.get("category", inst.get("category"))),
            "batch": _s(fields.get("batch", inst.get("batch"))),
            "title": (title or _s(task.data.get(self.config.projected_fields.get("title", "title"))) or inst.get("title")
                      or "")[:300],
            "created_at": now, "due_at": due, "started_by": inst.get("started_by", ""),
        }

    def _save(self, cmd: _Command, inst: dict, version: LoadedVersion, wf, entry: _Entry | None,
              completed: dict[str, tuple[str, str | None]] | None = None) -> _Entry:
        """Write state + projections + audit with the optimistic lock; returns the new cache entry."""
        s, now, fast = cmd.session, cmd.now, self.fast
        self.runtime.check_depth(wf)
        ready = {t.uuid: t for t in self.runtime.ready_human_tasks(wf)}
        if entry is not None:
            before = entry.open_tasks
            before_timers = entry.timers
        else:
            before = {uuid: {"element_id": el} for uuid, el in fast.all(s, _SQL_OPEN_TASKS, {"b_id": inst["id"]})}
            before_timers = None
        done = entry.done if entry is not None else None
        opened = [t for u, t in ready.items() if u not in before]
        if opened:  # elements that leave in this command count as done (the next iteration opened at once)
            left = {row["element_id"] for uuid, row in before.items() if uuid not in ready}
            done = self._start_clean(s, inst["id"], version, opened, done, left)
        fragments = entry.fragments if entry else {}
        self.runtime.prune(wf, fragments)
        state_text = self.runtime.dump(wf, fragments)
        waiting = self.runtime.waiting_timers(wf)
        # a full tree walk, so only when nothing visibly waits
        if inst["status"] in (RUNNING, ERROR) and not ready and not waiting and self.runtime.is_completed(wf):
            status = COMPLETED
        else:
            status = inst["status"] if inst["status"] != ERROR else RUNNING
        if status not in (RUNNING, SUSPENDED):
            waiting = []
        newly_completed = status == COMPLETED and inst["status"] != COMPLETED
        if newly_completed:
            self._audit(s, now, SYSTEM, "instance_completed", inst["id"])

        completed = completed or {}
        new_rows = [self._task_row(version, inst["process_key"], inst, t, now) for u, t in ready.items() if u not in before]
        timers = set((u, d) for u, _, d in waiting)
        t_now = fast.time(now)

        # The instance update decides the lock; a loser's other writes cannot fail (task inserts
        # ignore duplicates) and are rolled back with the Conflict below.
        if before_timers is None:
            gone, all_gone = [], True
            before_timers = set()
        else:
            gone, all_gone = [uuid for uuid, _ in before_timers - timers], False
        elements = {u: e for u, e, _ in waiting}
        writes = SaveWrites(
            instance={"b_id": inst["id"], "b_lock": inst["lock_version"], "state": state_text,
                      "lock_version": inst["lock_version"] + 1, "status": status,
                      "ended_at": t_now if status in (COMPLETED, CANCELLED_I) else None},
            closed=[{"task_uuid": uuid, "state": DONE, "completed_by": completed[uuid][0], "outcome": completed[uuid][1]}
                    if uuid in completed else {"task_uuid": uuid, "state": CANCELLED, "completed_by": None, "outcome": None}
                    for uuid in before.keys() - ready.keys()],
            opened=[r | {"created_at": t_now, "due_at": fast.time(r["due_at"]), "completed_at": None, "completed_by": None,
                         "outcome": None} for r in new_rows],
            all_timers_gone=all_gone, timers_gone=gone,
            timers_new=[{"instance_id": inst["id"], "task_uuid": u, "element_id": elements.get(u, ""), "due_at": fast.time(d)}
                        for u, d in timers - before_timers],
            audits=s.info.pop("peidai_audits", None) or [])
        if write_save(fast, s, writes, t_now) != 1:
            raise Conflict("该事项已被他人处理或正在处理，请刷新后重试", instance_id=inst["id"])
        open_tasks = {u: {"element_id": t.element_id} for u, t in ready.items()}

        ctx = EventContext(self, s, inst["id"], cmd.actor, now)
        for row in new_rows:
            self._notify(ctx, "task_created", row)
        for uuid, (actor, outcome) in completed.items():
            self._notify(ctx, "task_completed", {"task_uuid": uuid, "actor": actor, "outcome": outcome})
        if newly_completed:
            self._notify(ctx, "instance_completed", {"instance_id": inst["id"], "process_key": inst["process_key"],
                                                     "data": self.runtime.data(wf)})
        inst["lock_version"] += 1
        inst["status"] = status
        if done is not None:
            done = done | {row["element_id"] for uuid, row in before.items() if uuid not in ready}
        return _Entry(inst["lock_version"], wf, fragments, open_tasks, timers, finished=status in (COMPLETED, CANCELLED_I),
                      done=done)

    def _start_clean(self, s, instance_id: int, version: LoadedVersion, opened: list, done: set | None,
                     left: set) -> set:
        """Each loop iteration starts clean: a human task that opens again (its element was
        completed or cancelled before in this instance) loses the previous answers to its form,
        except the fields the task names in ``keepFields`` (``*``: all). Returns the set of
        elements done so far (read from the projection when the cache does not know it)."""
        if done is None:
            done = {r[0] for r in self.fast.all(s, _SQL_DONE_ELEMENTS, {"b_id": instance_id})}
        done = done | left
        for task in opened:
            if task.element_id not in done:
                continue
            props = task.properties or {}
            keep = str(props.get("keepFields") or "").strip()
            if keep == "*":
                continue
            kept = {n.strip() for n in keep.split(",") if n.strip()}
            for name in forms.writable_fields(version.form_schema(props.get("form"))):
                if name not in kept:
                    task.data.pop(name, None)
        return done


def _s(value) -> str | None:
    return None if value is None else str(value)


def _row_dict(t: HumanTask) -> dict:
    return {c.key: getattr(t, c.key) for c in HumanTask.__table__.columns}
