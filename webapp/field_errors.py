"""Field errors of bad input, one per field, in the user's language: the engine's form contract
(:mod:`engine.forms`) names each problem by its JSON Schema keyword (``code``) and ``params``; the
tables here word it with gettext. :mod:`webapp.errors` re-exports these for the views."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import EngineError

_TYPE_LABELS = {"string": _l("文字"), "integer": _l("整数"), "number": _l("数字"), "boolean": _l("是或否"),
                "array": _l("列表"), "object": _l("对象"), "null": _l("空值")}


def _limit(params: dict):
    return params.get("limit", params.get("n", ""))


def _type_message(params: dict) -> str:
    expected = params.get("expected") or []
    if isinstance(expected, str):
        expected = [expected]
    names = "、".join(str(_TYPE_LABELS.get(t, t)) for t in expected) if expected else ""
    return _("格式不正确，应填写%(type)s", type=names) if names else _("格式不正确")


def _format_message(params: dict) -> str:
    fmt = params.get("format")
    if fmt == "date":
        return _("日期格式不正确，应为 年-月-日")
    if fmt == "date-time":
        return _("时间格式不正确")
    if fmt == "email":
        return _("电子邮箱格式不正确")
    return _("格式不正确")


FIELD_MESSAGES = {
    "required": lambda p: _("此项为必填项"),
    "unknown_field": lambda p: _("表单中没有此项，不能提交"),
    "read_only": lambda p: _("此项只读，不能修改"),
    "not_object": lambda p: _("提交的数据必须是 JSON 对象"),
    "type": _type_message,
    "enum": lambda p: _("请从给定选项中选择"),
    "const": lambda p: _("请从给定选项中选择"),
    "oneOf": lambda p: _("请从给定选项中选择"),
    "minLength": lambda p: _("此项为必填项") if _limit(p) == 1 else _("至少填写 %(n)s 个字", n=_limit(p)),
    "maxLength": lambda p: _("最多填写 %(n)s 个字", n=_limit(p)),
    "minimum": lambda p: _("不能小于 %(n)s", n=_limit(p)),
    "maximum": lambda p: _("不能大于 %(n)s", n=_limit(p)),
    "exclusiveMinimum": lambda p: _("必须大于 %(n)s", n=_limit(p)),
    "exclusiveMaximum": lambda p: _("必须小于 %(n)s", n=_limit(p)),
    "multipleOf": lambda p: _("必须是 %(n)s 的整数倍", n=_limit(p)),
    "pattern": lambda p: _("格式不正确"),
    "format": _format_message,
    "formatMinimum": lambda p: _("不能早于 %(n)s", n=_limit(p)),
    "formatMaximum": lambda p: _("不能晚于 %(n)s", n=_limit(p)),
    "minItems": lambda p: _("至少选择 %(n)s 项", n=_limit(p)),
    "maxItems": lambda p: _("最多选择 %(n)s 项", n=_limit(p)),
    "uniqueItems": lambda p: _("不能有重复项"),
    "minProperties": lambda p: _("此项为必填项"),
    "not": lambda p: _("填写有误"),
    "repeated": lambda p: _("同一字段只能出现一次"),
}


def field_message(error: dict) -> str:
    """The user's-language message of one field error ``{"field", "code", "params"}``."""
    params = error.get("params") if isinstance(error.get("params"), dict) else {}
    fn = FIELD_MESSAGES.get(error.get("code"))
    return fn(params) if fn else _("填写有误")


def translate_field_errors(errors) -> list[dict]:
    """``[{"field", "code", "message"}]``, translated, from the engine's field errors."""
    out = []
    for e in errors or []:
        if isinstance(e, dict):
            out.append({"field": str(e.get("field") or ""), "code": str(e.get("code") or "invalid"),
                        "message": field_message(e)})
    return out


def field_errors(exc: EngineError) -> list[dict]:
    """The per-field errors an :class:`InvalidData` carries (``details["errors"]``), translated."""
    return translate_field_errors(exc.details.get("errors") if isinstance(exc.details, dict) else None)
