"""消息中心: the in-app notifications the worker writes (:mod:`workflows.notifications`), with a bell
and the unread count on every page, links to the task or record each one is about, mark read and
mark all read. Mails and these messages come from the same templates."""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import auth
from webapp.auth import current_actor, login_required
from webapp.blueprints.inbox import page_number
from webapp.i18n import is_chinese

bp = Blueprint("messages", __name__, url_prefix="/messages")


def service():
    """``workflows.notifications.service`` (notifications, unread_count, mark_read), or None."""
    try:
        from workflows.notifications import service as module
    except ImportError:
        return None
    return module if hasattr(module, "unread_count") else None


@bp.app_context_processor
def bell():
    """The unread count for the bell (None: no bell, e.g. not signed in or no message service)."""
    svc = service()
    if svc is None or not getattr(current_user, "is_authenticated", False) or getattr(current_user, "via_token", False):
        return {"bell": None}
    try:
        return {"bell": svc.unread_count(auth.engine(), current_actor().username)}
    except Exception:  # the count never breaks a page (the table may not be migrated yet)
        current_app.logger.exception("unread count failed")
        return {"bell": None}


def target(context: dict) -> str | None:
    """The page a message is about: its task, its nomination's current step, its process."""
    views = current_app.view_functions
    if isinstance(context.get("task_id"), int):
        return url_for("tasks.show", task_id=context["task_id"])
    if isinstance(context.get("task_uuid"), str) and context["task_uuid"]:
        return url_for("tasks.by_uuid", task_uuid=context["task_uuid"])
    if context.get("kind") == "nomination" and isinstance(context.get("id"), int):
        return url_for("tasks.for_nomination", nomination_id=context["id"])
    if isinstance(context.get("instance_id"), int):
        return url_for("instances.show", instance_id=context["instance_id"])
    if isinstance(context.get("certificate_id"), int) and "documents.certificate" in views:
        return url_for("documents.certificate", certificate_id=context["certificate_id"])
    return None


def _shown(row: dict) -> dict:
    try:
        context = json.loads(row.get("context_json") or "{}")
    except ValueError:
        context = {}
    context = context if isinstance(context, dict) else {}
    if row.get("instance_id") and "instance_id" not in context:
        context["instance_id"] = row["instance_id"]
    title, body = row["title"], row["body"]
    if not is_chinese():
        try:
            from workflows.notifications.templates import render
            title, body = render(row["template"], context, "en")
        except (ImportError, KeyError):
            pass
    return row | {"title": title, "body": body, "url": target(context)}


@bp.get("/")
@login_required
def index():
    svc = service()
    if svc is None:
        abort(404)
    unread = request.args.get("show") == "unread"
    page = page_number(request.args)
    per_page = current_app.config["PER_PAGE"]
    rows, total = svc.notifications(auth.engine(), current_actor().username, unread_only=unread, page=page,
                                    per_page=per_page)
    pages = max(1, (total + per_page - 1) // per_page)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("messages/index.html", rows=[_shown(r) for r in rows], total=total, page=page, pages=pages,
                           unread=unread, args=args)


@bp.get("/<int:message_id>")
@login_required
def open_message(message_id):
    """Open a message: it is read now; go to what it is about (or back to the list)."""
    svc = service()
    if svc is None:
        abort(404)
    row = _own(svc, message_id)
    svc.mark_read(auth.engine(), current_actor().username, [message_id])
    return redirect(_shown(row)["url"] or url_for("messages.index"))


def _own(svc, message_id: int) -> dict:
    row = svc.notification(auth.engine(), current_actor().username, message_id)
    if row is None:
        abort(404)
    return row


@bp.post("/<int:message_id>/read")
@login_required
def mark_read(message_id):
    svc = service()
    if svc is None:
        abort(404)
    _own(svc, message_id)
    svc.mark_read(auth.engine(), current_actor().username, [message_id])
    return redirect(auth.safe_next(request.form.get("next"), url_for("messages.index")))


@bp.post("/read-all")
@login_required
def mark_all_read():
    svc = service()
    if svc is None:
        abort(404)
    n = svc.mark_read(auth.engine(), current_actor().username, None)
    flash(_("已将 %(n)s 条消息标为已读", n=n), "success")
    return redirect(auth.safe_next(request.form.get("next"), url_for("messages.index")))
