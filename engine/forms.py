"""Forms are contracts: the JSON Schema a model names for a human task (or for a process's start
data) decides what a caller may write, for every entry point (web, API, command line, worker,
simulator, dry run). This module is the one place that checks data against a form.

:func:`check` returns the data to write: only the properties the form declares. Anything else,
a property the form marks ``readOnly``, or a value the schema refuses raises
:class:`~engine.errors.InvalidData` whose ``details["errors"]`` lists one entry per problem::

    {"field": "opinion.score", "code": "maximum", "params": {"limit": 100}, "message": "不能大于 100"}

``code`` is the JSON Schema keyword that failed (or ``unknown_field`` / ``read_only`` /
``not_object``); ``params`` carries what a translation needs; ``message`` is the Chinese default.
The web layer translates from ``code`` and ``params``.

A form that sets no ``maxLength`` for a text, or no ``maxItems`` for a list, still has a bound:
:data:`DEFAULT_MAX_LENGTH` characters and :data:`DEFAULT_MAX_ITEMS` items (reported as
``maxLength`` / ``maxItems``), so a careless form cannot let one caller store megabytes in a
workflow's state or make every page and document that shows the field slow for everyone.
"""
from __future__ import annotations

from typing import Any, Iterable

from datetime import date

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from .errors import InvalidData

_COMBINATORS = ("allOf", "anyOf", "oneOf")
_BRANCHES = ("if", "then", "else")
_FORMAT_CHECKER = FormatChecker()
MAX_DEPTH = 8
DEFAULT_MAX_LENGTH = 4000   # characters of a text the form does not bound itself
DEFAULT_MAX_ITEMS = 500     # items of a list the form does not bound itself


def _subschemas(schema: dict) -> Iterable[dict]:
    yield schema
    for key in _COMBINATORS:
        for sub in schema.get(key) or []:
            if isinstance(sub, dict):
                yield from _subschemas(sub)
    for key in _BRANCHES:
        sub = schema.get(key)
        if isinstance(sub, dict):
            yield from _subschemas(sub)


def declared(schema: dict | None) -> dict[str, dict]:
    """Property name -> its (merged) schema, over ``properties`` of the schema and of its
    ``allOf``/``anyOf``/``oneOf``/``if``/``then``/``else`` branches."""
    out: dict[str, dict] = {}
    for sub in _subschemas(schema or {}):
        for name, prop in (sub.get("properties") or {}).items():
            if isinstance(prop, dict):
                out[name] = {**prop, **out.get(name, {})} if name in out else dict(prop)
    return out


def _open(schema: dict) -> bool:
    """Whether the schema itself admits properties it does not declare."""
    extra = schema.get("additionalProperties")
    return extra is not None and extra is not False and not schema.get("x-closed")


def writable_fields(schema: dict | None) -> list[str]:
    """Top-level properties a caller may write (not ``readOnly``)."""
    return [n for n, p in declared(schema).items() if not p.get("readOnly")]


def _undeclared(schema: dict, data: Any, path: list[str], depth: int = 0) -> list[dict]:
    errors: list[dict] = []
    if depth > MAX_DEPTH or not isinstance(data, dict):
        return errors
    props = declared(schema)
    for name, value in data.items():
        here = path + [str(name)]
        prop = props.get(name)
        if prop is None:
            if not _open(schema):
                errors.append(_error(here, "unknown_field", {"name": str(name)[:60]}))
            continue
        if prop.get("readOnly"):
            errors.append(_error(here, "read_only", {}))
            continue
        if isinstance(value, dict) and (prop.get("properties") or prop.get("allOf")):
            errors.extend(_undeclared(prop, value, here, depth + 1))
        elif isinstance(value, list) and isinstance(prop.get("items"), dict) and prop["items"].get("properties"):
            for item in value:
                errors.extend(_undeclared(prop["items"], item, here, depth + 1))
    return errors


def _unbounded(schema: dict, data: Any, path: list[str], depth: int = 0) -> list[dict]:
    """Values beyond the default bounds where the form sets none (declared properties only:
    the others are refused as unknown anyway)."""
    errors: list[dict] = []
    if depth > MAX_DEPTH or not isinstance(data, dict):
        return errors
    props = declared(schema)
    for name, value in data.items():
        prop = props.get(name)
        if prop is not None:
            errors.extend(_beyond(prop, value, path + [str(name)], depth))
    return errors


def _beyond(prop: dict, value: Any, here: list[str], depth: int) -> list[dict]:
    if isinstance(value, str) and not {"maxLength", "enum", "const"} & prop.keys() and len(value) > DEFAULT_MAX_LENGTH:
        # (a choice is bounded by its choices: the enum's own refusal says it better)
        return [_error(here, "maxLength", {"limit": DEFAULT_MAX_LENGTH})]
    if isinstance(value, list):
        if "maxItems" not in prop and len(value) > DEFAULT_MAX_ITEMS:
            return [_error(here, "maxItems", {"limit": DEFAULT_MAX_ITEMS})]
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        out: list[dict] = []
        for item in value:
            out.extend(_beyond(items, item, here, depth + 1) if not isinstance(item, dict)
                       else _unbounded(items, item, here, depth + 1))
            if out:
                return out[:1]
        return out
    if isinstance(value, dict):
        return _unbounded(prop, value, here, depth + 1)
    return []


_MESSAGES = {
    "required": "此项为必填项",
    "unknown_field": "表单中没有此项，不能提交",
    "read_only": "此项只读，不能修改",
    "not_object": "提交的数据必须是 JSON 对象",
    "minLength": "至少填写 {limit} 个字",
    "maxLength": "最多填写 {limit} 个字",
    "enum": "请从给定选项中选择",
    "const": "请从给定选项中选择",
    "oneOf": "请从给定选项中选择",
    "type": "格式不正确，应填写{expected_label}",
    "minimum": "不能小于 {limit}",
    "maximum": "不能大于 {limit}",
    "exclusiveMinimum": "必须大于 {limit}",
    "exclusiveMaximum": "必须小于 {limit}",
    "pattern": "格式不正确",
    "format": "格式不正确",
    "formatMinimum": "不能早于 {limit}",
    "formatMaximum": "不能晚于 {limit}",
    "minItems": "至少选择 {limit} 项",
    "maxItems": "最多选择 {limit} 项",
    "uniqueItems": "不能有重复项",
}
_TYPE_LABELS = {"string": "文字", "integer": "整数", "number": "数字", "boolean": "是或否", "array": "列表",
                "object": "对象", "null": "空值"}


def _error(path: list[str], code: str, params: dict) -> dict:
    if code == "type":
        params = {**params, "expected_label": "、".join(_TYPE_LABELS.get(t, t) for t in params.get("expected", []))}
    if code == "format" and params.get("format") == "date":
        message = "日期格式不正确，应为 年-月-日"
    elif code == "format" and params.get("format") == "date-time":
        message = "时间格式不正确"
    else:
        message = _MESSAGES.get(code, "填写有误").format(**params)
    params.pop("expected_label", None)
    return {"field": ".".join(path), "code": code, "params": params, "message": message}


def _params(error) -> dict:
    v, value = error.validator, error.validator_value
    if v == "type":
        return {"expected": value if isinstance(value, list) else [value]}
    if v == "format":
        return {"format": value}
    if v in ("enum",):
        return {"choices": list(value)[:50]}
    if v in ("formatMinimum", "formatMaximum"):
        return {"limit": str(value)}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"limit": value}
    return {}


def _date_bound(later: bool):
    """``formatMinimum`` / ``formatMaximum`` (as JSON Schema's ajv-formats names them) for a
    ``format: date`` text: the earliest / latest date a form accepts, e.g. a birth date not
    before 1920-01-01. A value that is not a date is the ``format`` keyword's to report."""
    def check(validator, bound, instance, schema):
        if schema.get("format") != "date" or not isinstance(instance, str):
            return
        try:
            value, limit = date.fromisoformat(instance), date.fromisoformat(str(bound))
        except ValueError:
            return
        if (value > limit) if later else (value < limit):
            yield ValidationError(f"{instance} is {'after' if later else 'before'} {bound}")
    return check


_Validator = validators.extend(Draft202012Validator, {"formatMinimum": _date_bound(False),
                                                      "formatMaximum": _date_bound(True)})

_VALIDATORS: dict[int, tuple[dict, Draft202012Validator]] = {}


def _validator(schema: dict) -> Draft202012Validator:
    """One validator per schema object (model versions cache their parsed forms); the entry holds
    the schema itself, so its id cannot be reused while it is cached."""
    hit = _VALIDATORS.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    if len(_VALIDATORS) > 512:
        _VALIDATORS.clear()
    validator = _Validator(schema, format_checker=_FORMAT_CHECKER)
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def _schema_errors(schema: dict, data: dict) -> list[dict]:
    validator = _validator(schema)
    errors: list[dict] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: (len(e.path), list(map(str, e.path)))):
        path = [str(p) for p in error.path if not isinstance(p, int)]
        if error.validator == "required":
            have = error.instance if isinstance(error.instance, dict) else {}
            errors.extend(_error(path + [n], "required", {}) for n in error.validator_value if n not in have)
            continue
        if error.validator in ("if", "then", "else", "allOf", "anyOf") and error.context:
            # report the branch's own failures, at their own fields
            for sub in error.context:
                sub_path = path + [str(p) for p in sub.path if not isinstance(p, int)]
                if sub.validator == "required":
                    errors.extend(_error(sub_path + [n], "required", {}) for n in sub.validator_value
                                  if not isinstance(sub.instance, dict) or n not in sub.instance)
                else:
                    errors.append(_error(sub_path, sub.validator, _params(sub)))
            continue
        errors.append(_error(path, error.validator, _params(error)))
    seen, out = set(), []
    for e in errors:  # one message per field: the first is the most specific
        if e["field"] not in seen:
            seen.add(e["field"])
            out.append(e)
    return out


def problems(schema: dict | None, data: Any) -> list[dict]:
    """Every problem of ``data`` against ``schema`` (empty: it conforms)."""
    if not isinstance(data, dict):
        return [_error([], "not_object", {})]
    if schema is None:
        return [_error([n], "unknown_field", {"name": str(n)[:60]}) for n in data]
    undeclared = _undeclared(schema, data, [])
    named = {e["field"].rpartition(".")[0] for e in undeclared}   # the objects an unknown property was found in
    top, open_ = declared(schema), _open(schema)
    return undeclared + _unbounded(schema, data, []) + [
        e for e in _schema_errors(schema, data)
        if (not e["field"] or e["field"].split(".")[0] in top or open_)
        # a closed object's own complaint repeats the unknown_field entries already made
        and not (e["code"] == "additionalProperties" and e["field"] in named)]


def check(schema: dict | None, data: Any, *, what: str = "表单") -> dict:
    """The data to write (a copy holding only declared properties), or :class:`InvalidData`.
    A missing schema means the task takes no data: any property is refused."""
    found = problems(schema, data)
    if found:
        head = "；".join(f"{e['field'] or what}：{e['message']}" for e in found[:5])
        more = f"等 {len(found)} 处" if len(found) > 5 else ""
        raise InvalidData(f"{what}填写有误{more}：{head}", errors=found)
    props = declared(schema)
    return {name: _whole(props.get(name) or {}, value) for name, value in data.items()}


def _whole(prop: dict, value: Any) -> Any:
    """``2.0`` as ``2`` where the form says integer: JSON has one kind of number and JSON Schema
    takes ``2.0`` as an integer, so a client may send either; what is written is the integer (a
    record id, a count), never a float that a lookup or a scope check compares as text."""
    types = prop.get("type")
    if "integer" in (types if isinstance(types, list) else [types]) and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list) and isinstance(prop.get("items"), dict):
        return [_whole(prop["items"], item) for item in value]
    return value
