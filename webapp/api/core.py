"""The machinery every /api/v1 module shares: one contract per operation, declared once.

Request and response schemas are marshmallow schemas (:mod:`webapp.api.schemas`). From them
flask-smorest and apispec generate the OpenAPI 3.1 document, and from the *same* generated JSON
Schema :class:`Parser` checks every request before marshmallow loads it: a body or a query that
breaks the document is refused with 422 and one entry per field (``{"field", "code", "message"}``,
codes of JSON Schema — required, type, enum, maxLength, ... — and ``unknown_field`` for a query
parameter or a body property the document does not have), translated by :mod:`webapp.errors`.
So what is documented is what is checked, and nothing else.

Why flask-smorest: it is the marshmallow project's own Flask integration (apispec and webargs
underneath), generates the document from the decorators that also do the loading and dumping,
and leaves error pages, authentication and the JSON encoder to the application.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache, wraps

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Api
from flask_smorest import Blueprint as _SmorestBlueprint
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser

from engine.forms import problems
from webapp.errors import json_error, translate_field_errors

OPENAPI_VERSION = "3.1.0"
MAX_PAGE = 100000
MAX_PER_PAGE = 100
PREFIX = "/api/v1"


class BadInput(Exception):
    """Request data that break the document: 422 with one entry per field."""

    def __init__(self, errors: list[dict]):
        super().__init__("bad input")
        self.errors = errors


class BadJSON(Exception):
    """A body that is not JSON at all: 400."""


class ApiFailure(Exception):
    """A refusal with its own code and message (``{"code", "message"}``)."""

    def __init__(self, status: int, code: str, message: str, errors: list[dict] | None = None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors, self.headers = status, code, message, errors, headers or {}


# --------------------------------------------------------------------------- JSON Schema of a marshmallow schema

@lru_cache(maxsize=None)
def _json_schema(schema_cls: type) -> dict:
    spec = APISpec("contract", "1", OPENAPI_VERSION, plugins=[MarshmallowPlugin(schema_name_resolver=lambda _s: None)])
    return spec.plugins[0].converter.schema2jsonschema(schema_cls)


def json_schema(schema) -> dict:
    """The JSON Schema the document shows for ``schema`` (nested schemas inlined)."""
    return _json_schema(schema if isinstance(schema, type) else type(schema))


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")   # NUL and lone surrogates: no database stores them


def unstorable_paths(value, path: str = "") -> list[str]:
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


_NUMBER = re.compile(r"[-+]?[0-9]{1,30}")


def _typed(prop: dict, text: str):
    """A query string value as the type its parameter declares (left as text when it is not one:
    the check then says ``type``)."""
    types = prop.get("type")
    types = types if isinstance(types, list) else [types]
    if ("integer" in types or "number" in types) and _NUMBER.fullmatch(text):
        return int(text)
    if "number" in types:
        try:
            return float(text) if re.fullmatch(r"[-+]?[0-9]{1,30}(\.[0-9]{1,30})?", text) else text
        except ValueError:
            return text
    return text


class _RepeatedKey(ValueError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _no_repeated_keys(pairs: list) -> dict:
    """A JSON object naming a key twice is refused: the last one would win without a word."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for key, _value in pairs:
            if key in seen:
                raise _RepeatedKey(str(key)[:60])
            seen.add(key)
    return out


def _unknown(name: str) -> dict:
    return {"field": name, "code": "unknown_field", "params": {"name": name[:60]}}


class Parser(FlaskParser):
    """webargs' parser with the document as its first check (see the module's docstring)."""

    DEFAULT_VALIDATION_STATUS = 422

    def load_json(self, req, schema):
        raw = req.get_data(cache=True)
        if not raw.strip():
            return webargs_core.missing
        try:
            return json.loads(raw, object_pairs_hook=_no_repeated_keys)
        except _RepeatedKey as exc:
            raise BadInput([{"field": exc.name, "code": "repeated", "message": _("同一字段只能出现一次")}]) from None
        except (ValueError, RecursionError):
            raise BadJSON() from None

    def load_files(self, req, schema):
        """A multipart form: its fields and its files together (one schema documents both)."""
        from werkzeug.datastructures import CombinedMultiDict
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)

    def pre_load(self, location_data, *, schema, req, location):
        contract = json_schema(schema)
        if location == "json":
            body = location_data
            bad = unstorable_paths(body)
            if bad:
                raise BadInput([{"field": p, "code": "pattern", "message": _("不能包含空字符或无效字符")}
                                for p in dict.fromkeys(bad)])
            found = problems(contract, body)
        elif location in ("query", "querystring"):
            props = contract.get("properties") or {}
            values, found = {}, []
            for name in req.args.keys():
                prop = props.get(name)
                if prop is None:
                    found.append(_unknown(name))
                    continue
                texts = req.args.getlist(name)
                if prop.get("type") == "array":
                    values[name] = [_typed(prop.get("items") or {}, x) for x in texts]
                elif len(texts) > 1:   # page=1&page=2: which one was meant is not for us to guess
                    found.append({"field": name, "code": "repeated", "params": {}})
                else:
                    values[name] = _typed(prop, texts[-1])
            found += problems({**contract, "additionalProperties": True}, values)
        elif location == "files":
            values, found = {}, []
            for source in (req.form, req.files):
                for name in source.keys():
                    value = source.get(name)
                    values[name] = value if isinstance(value, str) else "(file)"
            found = problems(contract, values)
        else:
            found = []
        if found:
            raise BadInput(translate_field_errors(found))
        return location_data

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        """What marshmallow still refuses after the document's check (rare: a date that JSON
        Schema's format check lets through)."""
        raise BadInput([{"field": path, "code": "invalid", "message": _("填写有误")} for path in _paths(error.messages)])


def _paths(messages, prefix: str = "") -> list[str]:
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            if isinstance(key, int):
                out += _paths(value, prefix)
            else:
                out += _paths(value, f"{prefix}.{key}" if prefix else str(key))
        return out or [prefix]
    return [prefix]


# --------------------------------------------------------------------------- blueprints

class ApiBlueprint(_SmorestBlueprint):
    """A flask-smorest blueprint that loads with :class:`Parser` and refuses anonymous callers
    except on operations marked :func:`public`."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, name: str, import_name: str, url_prefix: str = "", **kwargs):
        super().__init__(f"api_{name}", import_name, url_prefix=PREFIX + url_prefix, **kwargs)
        self.before_request(_open_reads)
        self.before_request(_require_user)
        self.teardown_request(_close_reads)

    def arguments(self, schema, *args, **kwargs):
        """flask-smorest's ``arguments`` with the schema made once: given a class, webargs would
        instantiate it on every request (a marshmallow schema is safe to share between requests;
        the document is the same)."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **kwargs):
        """Every operation's ``operationId`` is its view's name in camel case (``list_tasks`` ->
        ``listTasks``): what a client generated from the document calls it."""
        name = endpoint or view_func.__name__
        head, *rest = name.split("_")
        doc = getattr(view_func, "_apidoc", {})
        doc.setdefault("manual_doc", {}).setdefault("operationId", head + "".join(w.title() for w in rest))
        view_func._apidoc = doc
        return super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **kwargs)


def blueprint(name: str, import_name: str, url_prefix: str = "", description: str = "") -> ApiBlueprint:
    return ApiBlueprint(name, import_name, url_prefix, description=description)


def public(blp: ApiBlueprint):
    """Mark an operation open to callers without a token (documented with ``security: []``)."""
    def decorator(func):
        func._peidai_public = True
        return blp.doc(security=[])(func)
    return decorator


def visible_first(check):
    """Check that the record named in the path is visible (``check(**path_values)`` raises 404)
    before the request body is read: put it between the route and ``arguments``. Otherwise a bad
    body answers 422 for a record the caller may not see, and a good one 404. ::

        @blp.post("/<int:instance_id>/cancel")
        @visible_first(lambda instance_id: records.visible_instance(instance_id))
        @blp.arguments(schemas.CancelRequest)
        def cancel_instance(body, instance_id): ...

    The view may take the record the check returned with :func:`checked_first` instead of reading
    it a second time.
    """
    def decorator(func):
        @wraps(func)
        def checked(*args, **kwargs):
            g.peidai_checked_first = (check, kwargs, check(**kwargs))
            return func(*args, **kwargs)
        return checked
    return decorator


def checked_first(check, **path_values):
    """What :func:`visible_first` found with this check for these path values (taken once: a
    second call reads again), else ``check(**path_values)``."""
    found = g.pop("peidai_checked_first", None)
    if found is not None and found[0] is check and found[1] == path_values:
        return found[2]
    return check(**path_values)


def _open_reads():
    """The request's engine reads share one connection and session (``Engine.reading``): it holds
    no transaction or lock between reads, so the request's own commands and the reads after them
    are unaffected."""
    from webapp import auth
    scope = auth.engine().reading()
    scope.__enter__()
    g.peidai_reads = scope


def _close_reads(_exc=None):
    scope = g.pop("peidai_reads", None)
    if scope is not None:
        scope.__exit__(None, None, None)


def _require_user():
    """The token's user (:func:`webapp.auth.load_api_user`, read on every request); 401 without
    one, except on operations marked :func:`public`."""
    from flask_login import current_user

    from webapp.auth import load_api_user
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "_peidai_public", False):
        return None
    load_api_user()
    if not current_user.is_authenticated:
        return json_error("unauthorized", _("需要登录或有效的访问令牌"), 401)
    return None


def paged(items: list, total: int, page: int, per_page: int) -> dict:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


# --------------------------------------------------------------------------- the Api

class PeidaiApi(Api):
    """flask-smorest's Api without its own error handler (:mod:`webapp.errors` answers every
    error under /api/ as ``{"code", "message", "errors"}``) and without its own document route
    (the ``api`` blueprint serves /api/v1/openapi.json)."""

    def _register_error_handlers(self):
        return None

    def _register_doc_blueprint(self):
        return None


def install_error_handlers(app) -> None:
    @app.errorhandler(BadInput)
    def _bad_input(exc: BadInput):
        return json_error("invalid_data", _("提交的数据有误"), 422, exc.errors)

    @app.errorhandler(BadJSON)
    def _bad_json(exc: BadJSON):
        return json_error("bad_request", _("请求体不是有效的 JSON"), 400)

    @app.errorhandler(ApiFailure)
    def _failure(exc: ApiFailure):
        body, status = json_error(exc.code, exc.message, exc.status, exc.errors)
        for k, v in exc.headers.items():
            body.headers[k] = v
        return body, status


