"""暂存: a user's unfinished form on a task, kept outside the workflow (:class:`webapp.tables.TaskDraft`)."""
from __future__ import annotations

import json

from sqlalchemy import delete, select

from .tables import TaskDraft

SKIP = ("csrf_token", "_action", "_next")
MAX_VALUE = 20000     # characters per field kept (the form's own limits are smaller)
MAX_FIELDS = 200


def form_values(form) -> dict:
    """The submitted inputs as {name: text or [texts]} (what the form macro refills)."""
    out = {}
    for key in list(form.keys())[:MAX_FIELDS]:
        if key in SKIP or key == "comment":
            continue
        values = [v[:MAX_VALUE] for v in form.getlist(key)]
        out[key] = values if len(values) > 1 else (values[0] if values else "")
    return out


def save(engine, task_id: int, username: str, values: dict, comment: str = "", kind: str = "draft") -> None:
    now = engine.now()
    with engine.unit_of_work() as s:
        row = s.scalar(select(TaskDraft).where(TaskDraft.task_id == task_id, TaskDraft.username == username))
        if row is None:
            row = TaskDraft(task_id=task_id, username=username)
            s.add(row)
        row.values_json = json.dumps(values, ensure_ascii=False, default=str)
        row.comment = (comment or "")[:MAX_VALUE]
        row.kind = kind
        row.saved_at = now


def load(engine, task_id: int, username: str) -> dict | None:
    """{"values", "comment", "kind", "saved_at"} or None."""
    with engine.sessions() as s:
        row = s.scalar(select(TaskDraft).where(TaskDraft.task_id == task_id, TaskDraft.username == username))
        if row is None:
            return None
        try:
            values = json.loads(row.values_json or "{}")
        except ValueError:
            values = {}
        return {"values": values if isinstance(values, dict) else {}, "comment": row.comment, "kind": row.kind,
                "saved_at": row.saved_at}


def discard(engine, task_id: int, username: str | None = None) -> None:
    """Remove the task's drafts (one user's, or everybody's once the task is done)."""
    q = delete(TaskDraft).where(TaskDraft.task_id == task_id)
    if username is not None:
        q = q.where(TaskDraft.username == username)
    with engine.unit_of_work() as s:
        s.execute(q)
