"""Strict input for the operations that take no query parameters (issue 15 point 5): a query
string they do not document is refused with 422, one ``unknown_field`` entry per name, exactly as
:class:`webapp.api.core.Parser` refuses an undocumented parameter of the operations that take some.
Nothing the caller sends is silently ignored."""
from __future__ import annotations

from flask import current_app, request

from webapp.errors import translate_field_errors

from .core import BadInput


def takes_query(view) -> bool:
    """Whether the operation declares query parameters (then its parser checks them)."""
    params = (getattr(view, "_apidoc", None) or {}).get("arguments", {}).get("parameters", [])
    return any(p.get("in") in ("query", "querystring") for p in params)


def refuse_undeclared_query():
    """``before_request`` of every API blueprint."""
    if not request.args:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None or takes_query(view):
        return None
    names = list(dict.fromkeys(request.args.keys()))
    raise BadInput(translate_field_errors([{"field": n[:60], "code": "unknown_field", "params": {"name": n[:60]}}
                                           for n in names[:20]]))
