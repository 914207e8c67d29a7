"""Errors as pages (HTML) or as ``{"code": ..., "message": ...}`` under /api/."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine import EngineError


def json_error(code: str, message, status: int, **details):
    body = {"code": code, "message": str(message)}
    if details:
        body["details"] = details
    return jsonify(body), status


def _messages():
    return {
        400: _("请求有误"), 401: _("需要登录"), 403: _("您无权访问此页面"), 404: _("页面或记录不存在"),
        405: _("不支持此请求方式"), 409: _("操作冲突，请刷新后重试"), 413: _("上传的文件过大"),
        422: _("提交的数据有误"), 429: _("尝试次数过多，请稍后再试"), 500: _("系统内部错误"),
    }


def _codes():
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            409: "conflict", 413: "too_large", 422: "invalid_data", 429: "too_many_requests", 500: "internal_error"}


def _page(status: int, message: str):
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app) -> None:
    @app.errorhandler(EngineError)
    def engine_error(exc: EngineError):
        if request.path.startswith("/api/"):
            return json_error(exc.code, exc.message, exc.http_status, **{k: v for k, v in exc.details.items() if k != "problems"})
        if exc.http_status == 404:
            return _page(404, _messages()[404])
        return _page(exc.http_status, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        if request.path.startswith("/api/"):
            return json_error("csrf", _("表单已过期，请刷新页面后重试"), 400)
        return _page(400, _("表单已过期，请刷新页面后重试"))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = _messages().get(status, exc.name)
        if request.path.startswith("/api/"):
            return json_error(_codes().get(status, "error"), message, status)
        return _page(status, message)
