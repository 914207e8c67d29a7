"""Process administration, operations (issue 6): instances with their version (suspend, resume,
cancel with a reason), incidents (retry, dismiss), users and roles, the audit trail (filter,
CSV export). Administrators only."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import EngineError
from webapp import auth
from webapp.admin import operations
from webapp.admin.access import admins_only
from webapp.auth import current_actor
from webapp.errors import engine_message
from webapp.users import display_names

bp = Blueprint("admin_ops", __name__, url_prefix="/admin")
admins_only(bp)


def _engine():
    return auth.engine()


@bp.get("/instances")
def instances():
    args = request.args
    engine = _engine()
    rows = operations.instances(engine, version_id=args.get("version", type=int),
                                statuses=[args["status"]] if args.get("status") else None,
                                process_key=args.get("process") or None)
    return render_template("admin/instances.html", rows=operations.with_subjects(engine, rows), args=args,
                           processes=operations.process_names(engine),
                           names=display_names(engine, [r["started_by"] for r in rows]))


def _back() -> str:
    """The page the action was sent from when it is a page of this site, else the instances page."""
    from urllib.parse import urlsplit
    default = url_for("admin_ops.instances")
    parts = urlsplit(request.referrer or "")
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return default
    return auth.safe_next(parts.path + (f"?{parts.query}" if parts.query else ""), default)


@bp.post("/instances/<int:instance_id>/<any(suspend, resume, cancel):action>")
def instance_action(instance_id, action):
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash(_("请填写原因"), "danger")
        return redirect(_back())
    try:
        getattr(_engine(), action)(instance_id, current_actor(), reason)
        done = {"suspend": _("已挂起流程实例 %(id)s", id=instance_id), "resume": _("已恢复流程实例 %(id)s", id=instance_id),
                "cancel": _("已取消流程实例 %(id)s", id=instance_id)}
        flash(done[action], "success")
    except EngineError as exc:
        flash(engine_message(exc), "danger")
    return redirect(_back())


@bp.get("/incidents")
def incidents():
    outbox = _engine().outbox
    return render_template("admin/incidents.html", rows=outbox.incidents(include_dismissed=True), counts=outbox.counts())


@bp.post("/incidents/<int:message_id>/<any(retry, dismiss):action>")
def incident_action(message_id, action):
    outbox = _engine().outbox
    try:
        if action == "retry":
            status = outbox.retry(message_id, current_actor(), current_app.extensions["peidai"])
            states = {"delivered": _("已送达"), "pending": _("等待投递"), "incident": _("投递失败，仍为异常事件"), "dismissed": _("已忽略")}
            flash(_("消息 %(id)s 已重试，当前状态：%(state)s", id=message_id, state=states.get(status, status)),
                  "success" if status == "delivered" else "warning")
        else:
            outbox.dismiss(message_id, current_actor(), request.form.get("reason", ""))
            flash(_("消息 %(id)s 已忽略", id=message_id), "success")
    except EngineError as exc:
        flash(engine_message(exc), "danger")
    return redirect(url_for("admin_ops.incidents"))


@bp.get("/users")
def users():
    from webapp.labels import CATEGORIES, UNITS
    engine = _engine()
    rows = operations.users(engine)
    scoped = {k: r.scope_field for k, r in engine.config.roles.items() if r.scope_field in ("unit_id", "category")}
    return render_template("admin/users.html", rows=rows, roles=engine.config.roles, units=UNITS, categories=CATEGORIES,
                           assignments=operations.scope_assignments(rows, scoped), scoped=scoped, scopes=_scopes())


def _scopes() -> dict[str, dict]:
    """The values a role's scope may take, per scope field: org units and expert categories."""
    from webapp.labels import CATEGORIES, UNITS
    return {"unit_id": {k: str(v) for k, v in UNITS.items()}, "category": {k: str(v) for k, v in CATEGORIES.items()}}


@bp.post("/users")
def save_user():
    f = request.form
    engine = _engine()
    try:
        if "role" in f:   # the pickers: one role and scope per row
            picked = operations.pick_memberships(zip(f.getlist("role"), f.getlist("scope")), engine.config.roles, _scopes())
            operations.save_user(engine, current_actor(), f.get("username", "").strip(), f.get("display_name", ""),
                                 memberships=picked)
        else:
            operations.save_user(engine, current_actor(), f.get("username", ""), f.get("display_name", ""),
                                 f.get("memberships", ""))
        flash(_("已保存用户 %(name)s", name=f.get("username")), "success")
    except EngineError as exc:
        flash(engine_message(exc), "danger")
    return redirect(url_for("admin_ops.users"))


@bp.post("/users/<username>/<any(activate, deactivate):action>")
def user_active(username, action):
    try:
        operations.set_active(_engine(), current_actor(), username, action == "activate")
    except EngineError as exc:
        flash(engine_message(exc), "danger")
    return redirect(url_for("admin_ops.users"))


def _audit_filters():
    a = request.args
    return {"actor": a.get("actor") or None, "instance_id": a.get("instance", type=int), "since": a.get("since") or None,
            "until": a.get("until") or None}


@bp.get("/audit")
def audit():
    filters = _audit_filters()
    rows = operations.audit(_engine(), **filters)
    return render_template("admin/audit.html", rows=rows, args=request.args, preview=operations.data_preview)


@bp.get("/audit.csv")
def audit_export():
    rows = operations.audit(_engine(), **_audit_filters(), limit=None)
    return Response(operations.audit_csv(rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})
