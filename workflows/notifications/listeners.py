"""Engine event listeners: a new or newly assigned human task notifies whoever may act on it."""
from __future__ import annotations

from datetime import datetime

from engine.identity import users_holding

from .times import local_date


def task_recipients(session, task) -> list[str]:
    """The assignee, else the named candidates, else every user holding the task's role and scope."""
    get = task.get if isinstance(task, dict) else lambda k: getattr(task, k, None)
    if get("assignee"):
        return [get("assignee")]
    candidates = [c for c in (get("candidates") or "").split(",") if c]
    if candidates:
        return sorted(set(candidates))
    if not get("role"):
        return []
    return users_holding(session, get("role"), get("scope"))


def task_context(task) -> dict:
    get = task.get if isinstance(task, dict) else lambda k: getattr(task, k, None)
    due = get("due_at")
    return {"task_name": get("name"), "title": get("title"), "instance_id": get("instance_id"),
            "task_uuid": get("task_uuid"), "task_id": get("id"), "element_id": get("element_id"),
            # the day, as the task pages show 办理期限 (the time of day is only when the step arrived)
            "due": local_date(due).isoformat() if isinstance(due, datetime) else "无"}


def notify_task_assigned(ctx, event: str, payload: dict) -> None:
    if event != "task_created":
        return
    users = [u for u in task_recipients(ctx.session, payload) if u != ctx.actor.username]
    if not users:
        return
    key = f"task:{payload['task_uuid']}:assigned:{payload.get('assignee') or 'group'}:{ctx.now.isoformat()}"
    ctx.emit("notify", {"template": "task_assigned", "users": users, "context": task_context(payload)}, key)
