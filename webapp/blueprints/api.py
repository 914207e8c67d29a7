"""REST API /api/v1: token authentication (``Authorization: Bearer <token>``), the same scopes as
the pages. Errors are ``{"code", "message"}`` (plus ``errors``, one per field, for bad input), in
the language of ``Accept-Language`` (Chinese by default); see :mod:`webapp.errors`.

Request bodies and query parameters are checked against the OpenAPI document
(:mod:`webapp.openapi`, served at /api/v1/openapi.json); form data against the model's own form,
by the engine."""
from __future__ import annotations

import json
import re
from datetime import datetime

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _

from engine import NotFound
from engine.forms import problems
from engine.queries import inbox, instance_tasks
from webapp import auth, openapi
from webapp.auth import can_see_instance, current_actor, holds_any, login_required
from webapp.blueprints.inbox import inbox_filters
from webapp.errors import json_error, translate_field_errors

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf_exempt = True  # token-authenticated; no cookies are trusted here


def _json(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


class BadInput(Exception):
    """Request data that break the OpenAPI document: 422 with one entry per field."""

    def __init__(self, errors: list[dict]):
        super().__init__("bad input")
        self.errors = errors


class BadRequest(Exception):
    """A body that is not JSON at all: 400."""


@bp.errorhandler(BadInput)
def _bad_input(exc: BadInput):
    return json_error("invalid_data", _("提交的数据有误"), 422, exc.errors)


@bp.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    return json_error("bad_request", _("请求体不是有效的 JSON"), 400)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no database stores them


def _unstorable_paths(value, path: str = "") -> list[str]:
    """Where a string (or a key) holds a character no database stores; walked without recursion."""
    found, stack = [], [(path, value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            if _UNSTORABLE.search(v):
                found.append(where)
        elif isinstance(v, dict):
            for k, item in v.items():
                here = f"{where}.{k}" if where else str(k)
                if _UNSTORABLE.search(str(k)):
                    found.append(where)
                    continue
                stack.append((here, item))
        elif isinstance(v, list):
            stack.extend((where, item) for item in v)
    return found


def _body(op_id: str | None = None) -> dict:
    """The JSON request body (``{}`` when there is none), checked against the operation's
    documented schema."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        body = {}
    else:
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise BadRequest() from None
    if op_id is None:
        return body if isinstance(body, dict) else {}
    bad = _unstorable_paths(body)
    if bad:
        raise BadInput([{"field": p, "code": "pattern", "message": _("不能包含空字符或无效字符")} for p in dict.fromkeys(bad)])
    found = problems(openapi.BODIES[op_id], body)
    if found:
        raise BadInput(translate_field_errors(found))
    return body


def _int_or_text(text: str):
    if len(text) <= 30 and text.lstrip("-+").isascii() and text.lstrip("-+").isdigit():
        return int(text)
    return text


def _query(op_id: str) -> dict:
    """The operation's documented query parameters that were given, typed and checked."""
    params = {p["name"]: p["schema"] for p in openapi.QUERIES[op_id]}
    values = {}
    for name, schema in params.items():
        if name not in request.args:
            continue
        text = request.args.get(name, "")
        values[name] = _int_or_text(text) if schema.get("type") == "integer" else text
    found = problems({"type": "object", "properties": params}, values)
    if found:
        raise BadInput(translate_field_errors(found))
    return values


def _task_out(t: dict) -> dict:
    keys = ("id", "instance_id", "process_key", "element_id", "name", "role", "scope", "assignee", "state", "form",
            "org_unit", "category", "batch", "title", "created_at", "due_at", "completed_at", "completed_by", "outcome")
    return _json({k: t.get(k) for k in keys})


def _instance_out(inst: dict) -> dict:
    keys = ("id", "process_key", "version_id", "status", "title", "org_unit", "category", "batch", "business_key",
            "started_by", "started_at", "ended_at")
    out = _json({k: inst.get(k) for k in keys})
    out["title"] = out.get("title") or ""
    return out


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


@bp.get("/openapi.json", endpoint="openapi")
def openapi_document():
    return jsonify(openapi.document(url_for("api.openapi", _external=False).rsplit("/", 1)[0]))


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
    """Who may start what, for which scope, and with which data is the engine's (the process's
    ``startRoles`` and start form): unknown process 404, not allowed 403, bad data 422."""
    body = _body("startInstance")
    engine = auth.engine()
    iid = engine.start(body["process_key"], body.get("data", {}), current_actor(),
                       business_key=body.get("business_key"), title=body.get("title", ""))
    return jsonify(_instance_out(engine.instance(iid))), 201


@bp.get("/instances/<int:instance_id>")
@login_required
def get_instance(instance_id):
    inst = _visible_instance(instance_id)
    tasks = [_task_out(t) for t in instance_tasks(auth.engine(), instance_id)]
    return jsonify(_instance_out(inst) | {"tasks": tasks})


@bp.post("/instances/<int:instance_id>/cancel")
@login_required
def cancel_instance(instance_id):
    from webapp.blueprints.instances import may_cancel
    inst = _visible_instance(instance_id)
    if not may_cancel(current_actor(), inst):
        return json_error("forbidden", _("您无权取消此流程"), 403)
    body = _body("cancelInstance")
    auth.engine().cancel(instance_id, current_actor(), body["reason"])
    return jsonify(_instance_out(auth.engine().instance(instance_id)))


@bp.get("/tasks")
@login_required
def list_tasks():
    args = _query("listTasks")
    box = args.get("box", "todo")  # the document's enum: todo, group, done
    page, per_page = args.get("page", 1), args.get("per_page", 20)
    engine = auth.engine()
    rows, total = inbox(engine, current_actor(), box, page=page, per_page=per_page, now=engine.now(), **inbox_filters(request.args))
    return jsonify({"items": [_task_out(r) for r in rows], "total": total, "page": page, "per_page": per_page})


def _task(task_id: int) -> dict:
    return auth.engine().get_task(task_id, auth.reading_actor())


@bp.get("/tasks/<bigint:task_id>")
@login_required
def get_task(task_id):
    t = _task(task_id)
    schema = auth.engine().form(t["version_id"], t["form"]) if t.get("form") else None
    return jsonify(_task_out(t) | {"can_act": t["can_act"], "can_claim": t["can_claim"], "form_schema": schema})


@bp.post("/tasks/<bigint:task_id>/claim")
@login_required
def claim(task_id):
    _task(task_id)  # 404 outside the user's scope
    auth.engine().claim(task_id, current_actor())
    return jsonify(_task_out(_task(task_id)))


@bp.post("/tasks/<bigint:task_id>/unclaim")
@login_required
def unclaim(task_id):
    _task(task_id)
    auth.engine().unclaim(task_id, current_actor())
    return jsonify(_task_out(_task(task_id)))


@bp.post("/tasks/<bigint:task_id>/assign")
@login_required
def assign(task_id):
    _task(task_id)
    body = _body("assignTask")
    try:
        auth.engine().assign(task_id, current_actor(), body["username"], body.get("comment", ""))
    except NotFound:  # the task was found above: it is the user named in the body that is not
        raise BadInput([{"field": "username", "code": "unknown_user", "message": _("用户不存在或已停用")}]) from None
    return jsonify(_task_out(_task(task_id)))


@bp.post("/tasks/<bigint:task_id>/complete")
@login_required
def complete(task_id):
    """The engine checks ``data`` against the task's form: 422 with one entry per field."""
    from webapp import schema_forms
    engine = auth.engine()
    t = _task(task_id)
    body = _body("completeTask")
    data, comment, outcome = dict(body.get("data", {})), body.get("comment", ""), body.get("outcome")
    schema = engine.form(t["version_id"], t["form"]) if t.get("form") else None
    decision = schema_forms.decision_field(schema)
    if decision and isinstance(data.get(decision), str):
        outcome = data[decision]
    if comment.strip() and "comment" in ((schema or {}).get("properties") or {}) and "comment" not in data:
        data["comment"] = comment  # as on the task page: the 审批意见 is the form's own comment
    result = engine.complete_task(task_id, data, current_actor(), comment=comment, outcome=outcome)
    return jsonify(_json(result))


@bp.get("/mentors")
@login_required
def mentors():
    from webapp import pool
    if not holds_any(current_actor(), *pool.POOL_ROLES):
        return json_error("forbidden", _("您无权查看人才培带人库"), 403)
    args = _query("listMentors")
    page = args.get("page", 1)
    rows, total = pool.search(auth.engine(), pool.filters_from(request.args), current_actor(), page=page, per_page=openapi.MAX_PER_PAGE)
    return jsonify({"items": _json(rows), "total": total, "page": page})

