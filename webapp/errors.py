"""Errors say what happened, in the user's language, and never more.

* HTML pages get ``errors/error.html``; everything under /api/ gets JSON
  ``{"code": ..., "message": ..., "errors": [{"field", "code", "message"}]}`` (``errors`` only for
  bad input, one entry per field).
* Engine errors (:class:`engine.EngineError`) are translated here from their ``code`` and
  ``details`` (a table per code, and per field-error code), with gettext, so ``en`` reads English.
  Where code and details say too little, the error's own Chinese text is used: translated when
  the catalogue knows it (:data:`KNOWN_MESSAGES`, :data:`KNOWN_PATTERNS`), as written for zh
  when it is a message for users; never when it carries an exception's words (a model failing at
  run time, a script, English text): then the code's general message.
* Anything unexpected is logged with its traceback and answered with a general 500 message.

Views that catch an :class:`EngineError` to show it in place use :func:`engine_message` and
:func:`field_errors`.
"""
from __future__ import annotations

import logging
import re

from flask import current_app, g, has_request_context, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from engine import EngineError
from webapp.field_errors import FIELD_MESSAGES, field_errors, field_message, translate_field_errors  # noqa: F401  (for views)

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return has_request_context() and request.path.startswith("/api/")


def json_error(code: str, message, status: int, errors: list[dict] | None = None):
    body = {"code": code, "message": str(message)}
    if errors:
        body["errors"] = [{"field": e["field"], "code": e["code"], "message": str(e["message"])} for e in errors]
    return jsonify(body), status


def _messages():
    return {
        400: _("请求有误"), 401: _("需要登录"), 403: _("您无权访问此页面"), 404: _("页面或记录不存在"),
        405: _("不支持此请求方式"), 409: _("操作冲突，请刷新后重试"), 413: _("上传的文件过大"),
        415: _("请求内容的格式不受支持"), 422: _("提交的数据有误"), 429: _("尝试次数过多，请稍后再试"),
        500: _("系统内部错误，请稍后再试；问题已记录"),
    }


def _codes():
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid_data",
            429: "too_many_requests", 500: "internal_error"}


# ---------------------------------------------------------------- engine errors

def N_(text: str) -> str:
    """Marks a text for the catalogue without translating it here."""
    return text


# The engine's fixed texts, in the catalogue so that ``en`` reads them in English.
KNOWN_MESSAGES = [
    N_("待办事项不存在"), N_("该待办已经办理完毕"), N_("该待办已经办理完毕或已被撤销"), N_("您无权办理此事项"),
    N_("该事项已被他人处理，请刷新后重试"), N_("该事项已被他人处理或正在处理，请刷新后重试"), N_("该待办已被他人处理，请刷新后重试"),
    N_("您已认领此事项"), N_("此事项已被他人认领"), N_("您不在此事项的办理范围内"), N_("只能退回自己认领的事项"),
    N_("您无权分派此事项"), N_("您无权转办此事项"), N_("转办必须填写说明"), N_("不能转办给自己"),
    N_("该事项无法撤回"), N_("取消流程必须填写原因"), N_("启动数据必须是 JSON 对象"), N_("提交的数据必须是 JSON 对象"),
    N_("流程不存在"), N_("只能撤回本人已办理的事项"), N_("流程已结束，不能撤回"), N_("后续环节已办理，不能撤回"),
    N_("会签尚未结束，不能撤回单个意见"),
    # contacts, message channels, mail and reminders (workflows.notifications)
    N_("电子邮箱必须是文字"), N_("电子邮箱格式不正确，例如 wangli@example.cn"), N_("手机号码必须是文字"),
    N_("手机号码应为 11 位数字，以 13—19 开头，例如 13912345678"), N_("账号不存在"),
    N_("只有系统管理员可以修改他人的联系方式"), N_("确认链接无效或已过期，请在“我的账户”重新填写邮箱"),
    N_("请选择要导入的 Excel 文件（.xlsx）"), N_("无法读取该文件，请上传 Excel 文件（.xlsx），可先下载联系方式模板填写"),
    N_("没有找到表头：第一行须有“用户名”列，以及“电子邮箱”或“手机号码”列"), N_("表中既没有“电子邮箱”列，也没有“手机号码”列"),
    N_("名单中没有任何账号"), N_("用户名不能为空"), N_("不能是公式，请填写文字"), N_("消息接收方式必须是“消息类别 → 方式”的对应表"),
    N_("接收方式只能是“仅站内消息”或“站内消息和邮件”"), N_("邮件编号必须是整数"),
    N_("尚未配置邮件服务器（PEIDAI_SMTP_HOST），邮件已保存，配置后会自动发送"), N_("通知编号必须是整数"),
    N_("该事项已办理完毕，无需催办"), N_("该事项尚未超过办理期限，不能催办"), N_("该事项暂无可催办的办理人"),
    N_("今天已催办过该事项，每个事项每天只能催办一次，请明天再试"),
    # accounts, passwords and tokens (webapp.accounts, engine.identity, engine.passwords)
    N_("请填写用户名"), N_("用户名只能由字母、数字和 . _ - @ 组成，不超过 80 个字符"), N_("用户名不能为空，且不超过 80 个字符"),
    N_("您只能为本人管理范围内的角色创建账号"), N_("只有系统管理员可以停用或启用账号"), N_("不能停用自己的账号"),
    N_("两次输入的密码不一致"), N_("当前密码不正确"), N_("新密码不能与当前密码相同"),
    N_("链接无效或已过期，请联系人才科或系统管理员重新获取"), N_("令牌名称不超过 80 个字符"), N_("令牌不存在"),
    N_("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类"), N_("密码不能包含用户名"), N_("密码不能包含姓名"),
    N_("密码中不同的字符太少"), N_("密码过于常见或容易猜到，请换一个"),
    # webapp.busy
    N_("系统繁忙，请稍后重试（数据库正被其他操作占用，您的操作未保存）"),
    # the test mail of /admin/mail (workflows.notifications.mailer)
    N_("尚未配置邮件服务器：请设置 PEIDAI_SMTP_HOST（以及端口、用户名、密码、发件人）后重启系统"),
]

# The engine's texts with a value in them: (pattern, message id with the same named values).
KNOWN_PATTERNS = [
    (re.compile(r"用户 (?P<username>\S{1,80}) 不具备办理此事项的角色或范围"), N_("用户 %(username)s 不具备办理此事项的角色或范围")),
    (re.compile(r"流程实例当前状态为“(?P<status>[^”]{1,20})”，不能执行此操作"), N_("流程实例当前状态为“%(status)s”，不能执行此操作")),
    (re.compile(r"用户 (?P<username>\S{1,80}) 不存在或已停用"), N_("用户 %(username)s 不存在或已停用")),
    (re.compile(r"电子邮箱不能超过 (?P<n>\d{1,6}) 个字符"), N_("电子邮箱不能超过 %(n)s 个字符")),
    (re.compile(r"文件不能超过 (?P<n>\d{1,6}) MB"), N_("文件不能超过 %(n)s MB")),
    (re.compile(r"一次最多导入 (?P<n>\d{1,9}) 行"), N_("一次最多导入 %(n)s 行")),
    (re.compile(r"名单中有 (?P<n>\d{1,9}) 行有误，未修改任何联系方式"), N_("名单中有 %(n)s 行有误，未修改任何联系方式")),
    (re.compile(r"没有这类消息：(?P<kind>.{1,40})"), N_("没有这类消息：%(kind)s")),
    (re.compile(r"账号 (?P<username>.{1,80}) 不存在"), N_("账号 %(username)s 不存在")),
    (re.compile(r"与第 (?P<n>\d{1,9}) 行重复"), N_("与第 %(n)s 行重复")),
    (re.compile(r"邮件 (?P<id>\d{1,18}) 不存在"), N_("邮件 %(id)s 不存在")),
    (re.compile(r"邮件 (?P<id>\d{1,18}) 当前状态为“(?P<status>[^”]{1,20})”，不能重新发送"),
     N_("邮件 %(id)s 当前状态为“%(status)s”，不能重新发送")),
    (re.compile(r"催办说明不能超过 (?P<n>\d{1,6}) 个字"), N_("催办说明不能超过 %(n)s 个字")),
    (re.compile(r"角色“(?P<role>[^”]{1,80})”不存在"), N_("角色“%(role)s”不存在")),
    (re.compile(r"角色“(?P<role>[^”]{1,80})”不存在；可用角色：(?P<roles>[^；]{1,1000})"),
     N_("角色“%(role)s”不存在；可用角色：%(roles)s")),
    (re.compile(r"用户名 (?P<username>\S{1,80}) 已被使用"), N_("用户名 %(username)s 已被使用")),
    (re.compile(r"账号 (?P<username>\S{1,80}) 已停用，请先启用"), N_("账号 %(username)s 已停用，请先启用")),
    (re.compile(r"密码长度至少 (?P<n>\d{1,4}) 个字符"), N_("密码长度至少 %(n)s 个字符")),
    (re.compile(r"密码长度不能超过 (?P<n>\d{1,4}) 个字符"), N_("密码长度不能超过 %(n)s 个字符")),
    # why a mail did not go out (workflows.notifications.mailer.reason), with the server's own words
    (re.compile(r"测试邮件已由 (?P<server>\S{1,300}) 接收，发往 (?P<to>\S{1,300})，请查收"),
     N_("测试邮件已由 %(server)s 接收，发往 %(to)s，请查收")),
    (re.compile(r"邮件服务器 (?P<server>\S{1,300}) 拒绝了用户名或密码（(?P<code>[^）]{1,20})）"),
     N_("邮件服务器 %(server)s 拒绝了用户名或密码（%(code)s）")),
    (re.compile(r"邮件服务器拒收收件人：(?P<detail>[\s\S]{1,2000})"), N_("邮件服务器拒收收件人：%(detail)s")),
    (re.compile(r"邮件服务器拒绝发件人 (?P<sender>\S{1,300})：(?P<detail>[\s\S]{1,2000})"),
     N_("邮件服务器拒绝发件人 %(sender)s：%(detail)s")),
    (re.compile(r"邮件服务器 (?P<server>\S{1,300}) 拒绝发送：(?P<detail>[\s\S]{1,2000})"),
     N_("邮件服务器 %(server)s 拒绝发送：%(detail)s")),
    (re.compile(r"无法连接邮件服务器 (?P<server>\S{1,300})：(?P<detail>[\s\S]{1,2000})"),
     N_("无法连接邮件服务器 %(server)s：%(detail)s")),
    (re.compile(r"找不到邮件服务器 (?P<server>\S{1,300})：(?P<detail>[\s\S]{1,2000})"),
     N_("找不到邮件服务器 %(server)s：%(detail)s")),
    (re.compile(r"发送失败（(?P<kind>\w{1,80})）：(?P<detail>[\s\S]{0,2000})"), N_("发送失败（%(kind)s）：%(detail)s")),
]

# what exception text looks like: Python's names, tracebacks, or English sentences
_RAW = re.compile(r"Traceback|Error\b|Exception\b|File \"|object at 0x|\b(?:[A-Za-z_]+[ ,.:;'\"()]+){3}[A-Za-z_]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _presentable(message) -> bool:
    """A message written for users: Chinese, short, and without anything of an exception in it."""
    return (isinstance(message, str) and 0 < len(message) <= 300 and _CJK.search(message) is not None
            and _RAW.search(message) is None)


def _is_chinese() -> bool:
    from webapp.i18n import is_chinese
    return is_chinese()


def _catalogued(message: str) -> str | None:
    """``message`` in the user's language when the web area knows it, else None."""
    if message in _KNOWN:
        return _(message)
    for pattern, msgid in KNOWN_PATTERNS:
        m = pattern.fullmatch(message)
        if m:
            values = m.groupdict()
            if "status" in values:  # a status label (办理中, 已取消, ...; a mail's 发送失败, ...) in the catalogue
                values["status"] = _(values["status"])
            return _(msgid, **values)
    parts = message.split("；")   # several messages in one (the password rules): each of them known
    if len(parts) > 1:
        known = [_catalogued(part) for part in parts if part]
        if known and all(k is not None for k in known):
            return _("；").join(known)
    return None


def user_text(message: str) -> str:
    """A message of the services for users (a password rule, ...) in the page's language when the
    catalogue knows it, else as written."""
    return (_catalogued(message) if isinstance(message, str) and message else None) or message


_KNOWN = frozenset(KNOWN_MESSAGES)


def _own_text(exc: EngineError) -> str | None:
    """The error's own text, when it may be shown: translated when the catalogue has it; in
    Chinese as written when it is a user's message (and the user reads Chinese)."""
    message = exc.message
    if not _presentable(message):
        return None
    known = _catalogued(message)
    if known is not None:
        return known
    return message if _is_chinese() else None


def _process_name(key: str | None) -> str:
    """The deployed name of a process, or its key."""
    if not key:
        return ""
    try:
        from webapp import auth
        for version in auth.engine().list_versions():
            name = dict(version["processes"]).get(key)
            if name:
                return name if _is_chinese() else key
    except Exception:  # a label is not worth an error page
        log.debug("no process name for %s", key, exc_info=True)
    return key


def _status_label(status: str | None) -> str:
    from webapp.labels import INSTANCE_STATUS
    return str(INSTANCE_STATUS.get(status, status or ""))


def _forbidden(exc: EngineError, d: dict) -> str:
    reason, name = d.get("reason"), _process_name(d.get("process_key"))
    if reason == "not_startable":
        return _("“%(name)s”由系统按流程自动发起，不能手动发起", name=name)
    if reason == "role":
        return _("您无权发起“%(name)s”", name=name)
    if reason == "scope":
        return _("您只能为本人负责的范围发起“%(name)s”", name=name)
    if reason == "not_cancellable":
        return _("“%(name)s”由系统按流程推进，不能手动取消；如确需取消，请联系系统管理员", name=name)
    return _own_text(exc) or _("您无权执行此操作")


def _not_found(exc: EngineError, d: dict) -> str:
    if d.get("process_key") is not None:
        return _("流程“%(name)s”不存在", name=str(d["process_key"])[:80])
    return _own_text(exc) or _("记录不存在或不在您的范围内")


def _invalid_state(exc: EngineError, d: dict) -> str:
    if "element" in d:  # the model failed at run time: its text is the library's
        return _("流程执行出错，请联系管理员处理")
    if isinstance(d.get("status"), str):
        return _("流程实例当前状态为“%(status)s”，不能执行此操作", status=_status_label(d["status"]))
    return _own_text(exc) or _("当前状态不允许此操作，请刷新后重试")


def _invalid_data(exc: EngineError, d: dict) -> str:
    if d.get("errors"):
        return _("提交的数据有误，请按提示修改")
    return _own_text(exc) or _("提交的数据有误")


ENGINE_MESSAGES = {
    "not_found": _not_found,
    "forbidden": _forbidden,
    "conflict": lambda exc, d: _own_text(exc) or _("操作冲突，请刷新后重试"),
    "invalid_state": _invalid_state,
    "invalid_data": _invalid_data,
    # texts of these carry a model's source or the library's words
    "script_forbidden": lambda exc, d: _("流程模型中的脚本不被允许，请联系管理员"),
    "model_invalid": lambda exc, d: _("流程模型校验失败，请联系管理员"),
    "loop_depth": lambda exc, d: _("流程执行出错，请联系管理员处理"),
}


def engine_message(exc: EngineError) -> str:
    """What the user reads for an engine error, in the user's language: from a table by the
    error's code and details; the error's own text only when it is a message written for users
    (never an exception's text)."""
    details = exc.details if isinstance(exc.details, dict) else {}
    fn = ENGINE_MESSAGES.get(exc.code)
    if fn is not None:
        return fn(exc, details)
    return _own_text(exc) or _messages().get(_status(exc)) or _("操作未能完成")


def _status(exc: EngineError) -> int:
    status = getattr(exc, "http_status", 400)
    return status if isinstance(status, int) and 400 <= status < 500 else 400


# ---------------------------------------------------------------- handlers

def _size(n: int) -> str:
    return f"{n / 1048576:g} MB" if n >= 1048576 else f"{max(1, n // 1024)} KB"


def _page(status: int, message: str):
    return render_template("errors/error.html", status=status, message=message), status


# the bodies werkzeug parses into ``request.form``; any other (JSON) leaves it empty
_FORM_TYPES = frozenset(("application/x-www-form-urlencoded", "multipart/form-data"))


def _has_nul(values) -> bool:
    return any((isinstance(k, str) and "\x00" in k) or any("\x00" in v for v in vs if isinstance(v, str))
               for k, vs in values)


def init_app(app) -> None:
    @app.before_request
    def refuse_nul_characters():
        """A NUL character in a query or a form field is never data (and databases refuse it)."""
        form = request.method == "POST" and request.mimetype in _FORM_TYPES
        if request.method == "POST" and not form:   # as reading the form would: an oversized body first
            limit = request.max_content_length
            if limit is not None and (request.content_length or 0) > limit:
                raise RequestEntityTooLarge()
        if _has_nul(request.args.lists()) or (form and _has_nul(request.form.lists())):
            if wants_json():
                return json_error("bad_request", _("请求中不能包含空字符"), 400)
            return _page(400, _("请求中不能包含空字符"))
        return None

    @app.errorhandler(EngineError)
    def engine_error(exc: EngineError):
        status = _status(exc)
        if wants_json():
            return json_error(exc.code, engine_message(exc), status, field_errors(exc))
        if status == 404:
            return _page(404, _messages()[404])
        return _page(status, engine_message(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        if wants_json():
            return json_error("csrf", _("表单已过期，请刷新页面后重试"), 400)
        return _page(400, _("表单已过期，请刷新页面后重试"))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if status == 429 and exc.response is not None:   # a throttle's own answer (webapp.security)
            return exc.response
        if status >= 500:
            return server_error(exc)
        message = _messages().get(status, _("请求有误"))
        if status == 429 and g.get("peidai_retry_after"):   # webapp.security.refuse: when to come back
            response = make_response(json_error("too_many_requests", message, 429) if wants_json() else _page(status, message))
            response.headers["Retry-After"] = str(g.peidai_retry_after)
            return response
        if wants_json():
            if status == 413:   # a JSON body as often as an upload: say what the API received
                limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
                message = (_("请求内容过大，不能超过 %(size)s", size=_size(limit)) if limit else _("请求内容过大"))
            return json_error(_codes().get(status, "error"), message, status)
        return _page(status, message)

    @app.errorhandler(InternalServerError)
    def server_error(exc):
        original = getattr(exc, "original_exception", None) or exc
        if not isinstance(original, HTTPException):
            log.error("unhandled error on %s %s", request.method, request.path,
                      exc_info=(type(original), original, original.__traceback__))
        if wants_json():
            return json_error("internal_error", _messages()[500], 500)
        try:
            return _page(500, _messages()[500])
        except Exception:  # the page itself failed (a template or the database): plain text
            log.exception("the error page failed")
            return _messages()[500], 500, {"Content-Type": "text/plain; charset=utf-8"}
