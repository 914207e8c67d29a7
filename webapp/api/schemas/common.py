"""What every schema of /api/v1 shares: the vocabularies, field helpers, closed request schemas,
the error body, paging, and the makers of list and page answers."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from webapp.params import MAX_BIGINT, MAX_INT

from ..core import MAX_PAGE, MAX_PER_PAGE

ID32 = v.Range(min=1, max=MAX_INT)
ID64 = v.Range(min=1, max=MAX_BIGINT)

# the one vocabulary of decisions (``decision`` of POST /tasks/{task_id}/complete), mapped to each
# form's own field by webapp.api.decisions
DECISIONS = ("approve", "return", "reject", "submit", "withdraw", "confirm", "decline", "agree", "disagree",
             "abstain", "sign", "publish", "qualified", "unqualified", "extend", "close")
NOMINATION_STATUSES = ("draft", "submitted", "returned", "ineligible", "rejected", "withdrawn", "expired", "in_review",
                       "recommended", "not_recommended", "declined", "appointed")
CATEGORIES = ("professional", "skilled", "rural")


def text(max_length: int = 200, **kw):
    return f.String(validate=v.Length(max=max_length), **kw)


def nullable_text(**kw):
    return f.String(allow_none=True, **kw)


def when(**kw):
    return f.AwareDateTime(allow_none=True, format="iso", **kw)


# --------------------------------------------------------------------------- filters of list queries

def choice(values, **kw):
    """Text that takes one of ``values`` (a filter, a decision)."""
    return f.String(validate=v.OneOf(list(values)), **kw)


def unit_filter(**kw):
    return f.String(validate=v.Length(min=1, max=64), **kw)


def id_filter(**kw):
    return f.Integer(validate=ID32, **kw)


def year_filter(**kw):
    return f.Integer(validate=v.Range(min=2000, max=2100), **kw)


class Closed(ma.Schema):
    """Request schemas: a property the document does not have is refused."""

    class Meta:
        unknown = ma.RAISE


# --------------------------------------------------------------------------- errors

class FieldErrorSchema(ma.Schema):
    field = f.String(required=True, metadata={"description": "字段路径（以点分隔）；空字符串为整个表单", "example": "opinion.score"})
    code = f.String(required=True, metadata={
        "description": "required, unknown_field, read_only, type, enum, const, minLength, maxLength, minimum, maximum, "
                       "pattern, format, minItems, maxItems, not_object, invalid ...", "example": "maximum"})
    message = f.String(required=True, metadata={"example": "不能大于 100"})


class ErrorSchema(ma.Schema):
    code = f.String(required=True, metadata={
        "description": "bad_request, unauthorized, forbidden, insufficient_scope, not_found, conflict, invalid_state, "
                       "invalid_data, too_many_requests, busy, internal_error ...", "example": "conflict"})
    message = f.String(required=True, metadata={"example": "该待办已经办理完毕"})
    errors = f.List(f.Nested(FieldErrorSchema), metadata={"description": "数据校验失败（422）时逐项说明"})


# --------------------------------------------------------------------------- paging and lists

class PageArgs(Closed):
    page = f.Integer(load_default=1, validate=v.Range(min=1, max=MAX_PAGE), metadata={"description": "页码"})
    per_page = f.Integer(load_default=20, validate=v.Range(min=1, max=MAX_PER_PAGE),
                         metadata={"description": f"每页条数（最多 {MAX_PER_PAGE}）"})


class PageSchema(ma.Schema):
    total = f.Integer(required=True)
    page = f.Integer(required=True)
    per_page = f.Integer(required=True)


def page_of(item_schema, name: str, **extra) -> type[ma.Schema]:
    """A page of ``item_schema`` (``{"items", "total", "page", "per_page"}`` and ``extra`` fields),
    named ``name`` in the document."""
    return type(name, (PageSchema,), {"items": f.List(f.Nested(item_schema), required=True), **extra})


def list_of(item_schema, name: str, **extra) -> type[ma.Schema]:
    """An unpaged list of ``item_schema`` (``{"items"}`` and ``extra`` fields), named ``name``."""
    return type(name, (ma.Schema,), {"items": f.List(f.Nested(item_schema), required=True), **extra})
