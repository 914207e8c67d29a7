"""REST API /api/v1 (issue 15): the programme as resources, its contract generated from the code
that enforces it.

* Schemas are declared once (:mod:`webapp.api.schemas`); flask-smorest generates the OpenAPI 3.1
  document (/api/v1/openapi.json, :func:`document`) and, through :class:`webapp.api.core.Parser`,
  the same JSON Schema checks every body and query (422, one entry per field).
* Authentication: ``Authorization: Bearer <token>``; a token comes from ``POST /api/v1/tokens``
  (user name and password, throttled like the log-in). The session cookie is never trusted here.
  A token's scopes (read, act, admin; never wider than its user) are checked for every operation
  in one place, :func:`webapp.api.scopes.enforce`.
* Errors: ``{"code", "message", "errors": [{"field", "code", "message"}]}`` in the language of
  ``Accept-Language`` (:mod:`webapp.errors`); JSON is UTF-8 without ``\\uXXXX`` escapes.
* Each resource module holds one or a few blueprints; :func:`install` registers them all (called
  when the ``api`` blueprint of :mod:`webapp.blueprints.api` is registered)."""
from __future__ import annotations

from webapp.params import BigIdConverter, IdConverter, MAX_BIGINT, MAX_INT

import re

from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import BaseConverter

from .core import OPENAPI_VERSION, PREFIX, PeidaiApi, install_error_handlers

_LETTER = "[2-9A-HJKMNP-Za-hjkmnp-z]"   # the code's alphabet (no 0/O, 1/I/L), either case
CODE = f"{_LETTER}{{4}}-?{_LETTER}{{4}}"


_SURROGATE = re.compile("[\ud800-\udfff]")


class Utf8JSON(DefaultJSONProvider):
    """JSON as UTF-8 text (``ensure_ascii`` off: 中文 stays 中文); a lone surrogate, which UTF-8
    cannot carry, is still written as an escape."""

    ensure_ascii = False

    def dumps(self, obj, **kwargs):
        text = super().dumps(obj, **kwargs)
        if _SURROGATE.search(text):
            text = super().dumps(obj, **kwargs | {"ensure_ascii": True})
        return text


class VerificationCodeConverter(BaseConverter):
    """``<vcode:code>``: a certificate's verification code as printed (``K7Q4-M2XD``)."""

    regex = CODE

TITLE = "赤峰市人才培带工程管理系统 API"
DESCRIPTION = (
    "赤峰市人才培带工程（赤组通字〔2014〕21号）的接口：评选轮次、推荐（附件2）、单位审核、评审委员会、名单签批、聘书及查验、"
    "人才培带人库、培带联系书（附件3）、培带对象与培养计划、培带活动、年度考核、激励申请、文书与附件、消息。\n\n"
    "**令牌**：`POST /tokens`（用户名和密码，与登录页同样限制尝试次数）换取令牌，之后每个请求带请求头 "
    "`Authorization: Bearer <令牌>`。令牌的数据范围与其用户在网页上的一致（单位只看本单位，评审专家只看本类别，"
    "评审专家的身份和表决只对人才科、领导小组办公室主任及已表决的专家显示）；令牌另有权限（scopes）：read 查看、act 办理、"
    "admin 管理，换取时选定，不超过用户的角色所允许的，缺少时 403（insufficient_scope）。\n\n"
    "**办理**：`GET /tasks?box=todo|group|done` 列出待办；`GET /tasks/{task_id}` 给出表单（form_schema，取自流程模型）、"
    "表单的初始内容（data）、可选结论（decisions）和办理记录；`POST /tasks/{task_id}/complete` 提交 `decision`（统一词汇："
    "approve、return、reject、submit、withdraw …，按表单映射）、`comment` 和 `data`，答复办理结果"
    "（forwarded 送下一环节、returned 退回、ineligible 不符合条件及原因、completed 办结及结果）。\n\n"
    "**错误**：`{\"code\", \"message\"}`；数据校验失败（422）另有 `errors`，逐项给出 `field`、`code`（required、unknown_field、"
    "enum、maxLength …）和 `message`。查询参数同样校验：未定义的参数、格式或范围不符的值为 422。提示语言按 "
    "`Accept-Language`（默认中文，`en` 为英文）。状态码：400 请求格式有误；401 未登录或令牌无效；403 无权操作；"
    "404 记录不存在或不在您的范围内；409 冲突（已被他人办理，或当前状态不允许）；422 数据校验失败；429 尝试次数过多；"
    "503 系统繁忙（Retry-After）。")


def _modules():
    from . import clock, contacts, files, handover, instances, notifications, programme, rounds, tasks, tokens
    return [
        tokens.blp, rounds.blp, rounds.nominations_blp, tasks.blp, handover.blp, instances.blp, instances.models_blp,
        programme.mentors_blp, programme.mentorships_blp, programme.mentees_blp, programme.assessments_blp,
        programme.benefits_blp, programme.certificates_blp, programme.verify_blp, files.documents_blp,
        files.doc_files_blp, files.uploads_blp, notifications.blp, clock.blp,
        contacts.me_blp, contacts.users_blp, contacts.unreachable_blp,
    ]


def install(app) -> None:
    """Register every API blueprint on ``app`` and build the document."""
    from webapp.auth import csrf

    from . import scopes, strict
    from .schemas import ErrorSchema

    app.json = Utf8JSON(app)   # JSON answered as UTF-8 text, not \\uXXXX
    app.config.setdefault("API_TITLE", TITLE)
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", OPENAPI_VERSION)
    PeidaiApi.ERROR_SCHEMA = ErrorSchema
    api = PeidaiApi(app, spec_kwargs={
        "info": {"description": DESCRIPTION},
        "servers": [{"url": PREFIX}],
        "security": [{"bearerAuth": []}],
    })
    api.spec.components.security_scheme(scopes.SCHEME, {"type": "http", "scheme": "bearer",
                                                        "description": scopes.describe()})
    app.url_map.converters.setdefault("vcode", VerificationCodeConverter)
    api.register_converter(VerificationCodeConverter, lambda _c: {"type": "string", "pattern": f"^{CODE}$",
                                                                  "example": "K7Q4-M2XD"})
    api.register_converter(IdConverter, lambda _c: {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_INT})
    api.register_converter(BigIdConverter, lambda _c: {"type": "integer", "format": "int64", "minimum": 1,
                                                       "maximum": MAX_BIGINT})
    for blp in _modules():
        if scopes.enforce not in blp.before_request_funcs.get(None, []):   # once: apps share the blueprints
            blp.before_request(scopes.enforce)   # after the blueprint's own check that a user is signed in
            blp.before_request(strict.refuse_undeclared_query)
        api.register_blueprint(blp)
        csrf.exempt(blp)   # token-authenticated; no cookies are trusted here
    install_error_handlers(app)
    app.extensions["peidai_api"] = api


ERRORS = {  # status: (component name, description)
    "400": ("BAD_REQUEST", "请求格式有误（如请求体不是有效的 JSON）"),
    "401": ("UNAUTHORIZED", "未提供令牌或令牌无效、已过期、已撤销"),
    "403": ("FORBIDDEN", "无权操作，或令牌缺少此操作所需的权限（insufficient_scope）"),
    "404": ("NOT_FOUND", "记录不存在或不在您的范围内（编号超出范围同样为 404）"),
    "409": ("CONFLICT", "冲突：已被他人办理，或当前状态不允许此操作"),
    "422": ("UNPROCESSABLE_ENTITY", "数据校验失败：errors 逐项说明（字段、代码、提示）"),
    "503": ("BUSY", "系统繁忙，请按 Retry-After 稍后重试"),
}


def document() -> dict:
    """The OpenAPI document of the running app (paths relative to the server ``/api/v1``), every
    operation with the error statuses it may answer."""
    from flask import current_app
    from . import scopes
    spec = relative_paths(current_app.extensions["peidai_api"].spec.to_dict())
    scopes.document(spec)
    error = {"$ref": "#/components/schemas/Error"}
    responses = spec.setdefault("components", {}).setdefault("responses", {})
    for status, (name, text) in ERRORS.items():
        responses[name] = {"description": text, "content": {"application/json": {"schema": error}}}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            wanted = ["400", "503"]
            if op.get("security") != []:
                wanted += ["401", "403"]
            if "{" in path:
                wanted.append("404")
            if method != "get":
                wanted += ["404", "409", "422"]
            wanted.append("422")   # an undocumented query parameter is refused everywhere (webapp.api.strict)
            for status in wanted:
                op["responses"].setdefault(status, {"$ref": f"#/components/responses/{ERRORS[status][0]}"})
            op["responses"] = dict(sorted(op["responses"].items(), key=lambda kv: (kv[0] == "default", kv[0])))
    return spec


def relative_paths(spec: dict) -> dict:
    """Paths relative to the server ``/api/v1``; tags named by resource (``tasks``, not the
    blueprint's ``api_tasks``)."""
    spec = dict(spec)
    spec["paths"] = {(p[len(PREFIX):] or "/") if p.startswith(PREFIX) else p: ops for p, ops in spec["paths"].items()}
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "tags" in op:
                op["tags"] = [t.removeprefix("api_") for t in op["tags"]]
    spec["tags"] = [t | {"name": t["name"].removeprefix("api_")} for t in spec.get("tags", [])]
    return spec


def standalone_document() -> dict:
    """The document without a running system (for tools and tests that list the operations)."""
    from flask import Flask

    from webapp.params import CONVERTERS
    app = Flask("peidai_api_document")
    app.url_map.converters.update(CONVERTERS)
    install(app)
    with app.app_context():
        return document()
