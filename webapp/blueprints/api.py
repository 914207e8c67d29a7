"""REST API /api/v1: token authentication (``Authorization: Bearer <token>``), the same scopes as
the pages, errors as ``{"code", "message"}``; the OpenAPI 3 document is at /api/v1/openapi.json."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _

from engine import InvalidData, NotFound
from engine.queries import inbox, instance_tasks
from webapp import auth, schema_forms
from webapp.auth import can_see_instance, current_actor, holds_any, login_required
from webapp.blueprints.inbox import BOXES, inbox_filters, page_number
from webapp.errors import json_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf_exempt = True  # token-authenticated; no cookies are trusted here

MAX_PER_PAGE = 100


def _json(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise InvalidData(_("请求体必须是 JSON 对象"))
    return body


def _task_out(t: dict) -> dict:
    keys = ("id", "instance_id", "process_key", "element_id", "name", "role", "scope", "assignee", "state", "form",
            "org_unit", "category", "batch", "title", "created_at", "due_at", "completed_at", "completed_by", "outcome")
    return _json({k: t.get(k) for k in keys})


def _visible_instance(instance_id: int) -> dict:
    try:
        inst = auth.engine().instance(instance_id)
    except NotFound:
        abort(404)
    if not can_see_instance(current_actor(), instance_id, inst):
        abort(404)
    return inst


@bp.before_request
def api_login_required():
    if request.endpoint == "api.openapi":
        return None
    from flask_login import current_user
    if not current_user.is_authenticated:
        return json_error("unauthorized", _("需要登录或有效的访问令牌"), 401)
    return None


@bp.get("/openapi.json")
def openapi():
    from webapp.openapi import document
    return jsonify(document(url_for("api.openapi", _external=False).rsplit("/", 1)[0]))


@bp.get("/process-models")
@login_required
def process_models():
    engine = auth.engine()
    out = []
    for v in engine.list_versions():
        out.append({"version": v["version"], "hash": v["hash"], "created_at": _json(v["created_at"]),
                    "author": v["author"], "comment": v["comment"],
                    "processes": [{"key": k, "name": n} for k, n in dict(v["processes"]).items()]})
    return jsonify({"items": out})


@bp.post("/instances")
@login_required
def start_instance():
    body = _body()
    key, data = body.get("process_key"), body.get("data", {})
    if not isinstance(key, str) or not key:
        raise InvalidData(_("缺少 process_key"))
    if not isinstance(data, dict):
        raise InvalidData(_("data 必须是 JSON 对象"))
    actor = current_actor()
    # a scoped submitter may only start for its own unit
    scopes = {s for r, s in actor.memberships if r == "unit_submitter"}
    if not holds_any(actor, "unit_submitter", "talent_section", "admin"):
        return json_error("forbidden", _("您无权发起流程"), 403)
    if None not in scopes and not holds_any(actor, "talent_section", "admin"):
        if str(data.get("unit_id")) not in scopes:
            return json_error("forbidden", _("只能为本单位发起申报"), 403)
    iid = auth.engine().start(key, data, actor, business_key=body.get("business_key"), title=body.get("title", ""))
    return jsonify(_json(auth.engine().instance(iid))), 201


@bp.get("/instances/<int:instance_id>")
@login_required
def get_instance(instance_id):
    inst = _visible_instance(instance_id)
    tasks = [_task_out(t) for t in instance_tasks(auth.engine(), instance_id)]
    return jsonify(_json(inst) | {"tasks": tasks})


@bp.post("/instances/<int:instance_id>/cancel")
@login_required
def cancel_instance(instance_id):
    from webapp.blueprints.instances import may_cancel
    inst = _visible_instance(instance_id)
    if not may_cancel(current_actor(), inst):
        return json_error("forbidden", _("您无权取消此流程"), 403)
    auth.engine().cancel(instance_id, current_actor(), str(_body().get("reason", "")))
    return jsonify(_json(auth.engine().instance(instance_id)))


@bp.get("/tasks")
@login_required
def list_tasks():
    box = request.args.get("box", "todo")
    if box not in BOXES or box == "started":
        return json_error("invalid_data", _("box 只能是 todo、group 或 done"), 422)
    try:
        per_page = min(MAX_PER_PAGE, max(1, int(request.args.get("per_page", 20))))
    except ValueError:
        per_page = 20
    page = page_number(request.args)
    engine = auth.engine()
    rows, total = inbox(engine, current_actor(), box, page=page, per_page=per_page, now=engine.now(), **inbox_filters(request.args))
    return jsonify({"items": [_task_out(r) for r in rows], "total": total, "page": page, "per_page": per_page})


@bp.get("/tasks/<int:task_id>")
@login_required
def get_task(task_id):
    engine = auth.engine()
    t = engine.get_task(task_id, auth.reading_actor())
    schema = engine.form(t["version_id"], t["form"]) if t.get("form") else None
    return jsonify(_task_out(t) | {"can_act": t["can_act"], "can_claim": t["can_claim"], "form_schema": schema})


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id):
    engine = auth.engine()
    engine.get_task(task_id, auth.reading_actor())
    engine.claim(task_id, current_actor())
    return jsonify(_task_out(engine.get_task(task_id, auth.reading_actor())))


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id):
    engine = auth.engine()
    engine.get_task(task_id, auth.reading_actor())
    engine.unclaim(task_id, current_actor())
    return jsonify(_task_out(engine.get_task(task_id, auth.reading_actor())))


@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id):
    engine = auth.engine()
    engine.get_task(task_id, auth.reading_actor())
    body = _body()
    username = body.get("username")
    if not isinstance(username, str) or not username:
        raise InvalidData(_("缺少 username"))
    engine.assign(task_id, current_actor(), username, str(body.get("comment", "")))
    return jsonify(_task_out(engine.get_task(task_id, auth.reading_actor())))


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id):
    engine = auth.engine()
    actor = current_actor()
    t = engine.get_task(task_id, auth.reading_actor())
    body = _body()
    data, comment, outcome = body.get("data", {}), str(body.get("comment", "")), body.get("outcome")
    if not isinstance(data, dict):
        raise InvalidData(_("data 必须是 JSON 对象"))
    schema = engine.form(t["version_id"], t["form"]) if t.get("form") else None
    decision = schema_forms.decision_field(schema)
    if decision and outcome is None:
        outcome = data.get(decision)
    errors = schema_forms.validate(schema, data)
    if decision and data.get(decision) not in (None, "approve") and not (comment or str(data.get("comment") or "")).strip():
        errors["comment"] = _("退回修改或不同意时必须填写审批意见")
    if errors:
        return json_error("invalid_data", _("提交的数据有误"), 422, fields=errors)
    result = engine.complete_task(task_id, data, actor, comment=comment, outcome=outcome)
    return jsonify(_json(result))


@bp.get("/mentors")
@login_required
def mentors():
    from webapp import pool
    if not holds_any(current_actor(), *pool.POOL_ROLES):
        return json_error("forbidden", _("您无权查看人才培带人库"), 403)
    page = page_number(request.args)
    rows, total = pool.search(auth.engine(), pool.filters_from(request.args), current_actor(), page=page, per_page=MAX_PER_PAGE)
    return jsonify({"items": _json(rows), "total": total, "page": page})

