"""The caller's in-app notifications (消息中心), written by the worker from the same templates as
the mails: listed newest first, marked read."""
from __future__ import annotations

import json

from webapp import auth
from webapp.auth import current_actor

from . import schemas
from .core import blueprint, paged

blp = blueprint("notifications", __name__, "/notifications", "我的消息")


def _service():
    from workflows.notifications import service
    return service


def _out(row: dict) -> dict:
    try:
        context = json.loads(row.get("context_json") or "{}")
    except ValueError:
        context = {}
    return {"id": row["id"], "template": row["template"], "title": row["title"], "body": row["body"],
            "instance_id": row.get("instance_id"), "context": context if isinstance(context, dict) else {},
            "created_at": row["created_at"], "read_at": row.get("read_at")}


@blp.get("")
@blp.arguments(schemas.NotificationListArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.NotificationPage)
def list_notifications(page=1, per_page=20, unread=None):
    """我的消息（最新在前）"""
    svc, engine, me = _service(), auth.engine(), current_actor().username
    rows, total = svc.notifications(engine, me, unread_only=unread == "1", page=page, per_page=per_page)
    return paged([_out(r) for r in rows], total, page, per_page) | {"unread": svc.unread_count(engine, me)}


@blp.post("/read")
@blp.arguments(schemas.MarkReadRequest, required=False)
@blp.response(200, schemas.MarkReadResult)
def mark_notifications_read(body):
    """标为已读（ids 不填则全部）"""
    svc, engine, me = _service(), auth.engine(), current_actor().username
    marked = svc.mark_read(engine, me, body.get("ids"))
    return {"marked": marked, "unread": svc.unread_count(engine, me)}
