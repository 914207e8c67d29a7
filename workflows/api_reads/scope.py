"""Who reads what (DESIGN.md, "Who does what"), and the query helpers every read shares: a
where-clause of the records an actor may read, the filters of a list, one page of it."""
from __future__ import annotations

import json

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from engine import Actor

from .. import tables as t

OVERSEERS = ("talent_section", "director", "admin")
UNIT_ROLES = ("unit_submitter", "unit_reviewer")
EDITABLE = ("draft", "returned")   # a nomination still with its unit (experts do not see it yet)
POOL_ROLES = ("talent_section", "director", "admin", "unit_reviewer")


def loads(text, default):
    """JSON text stored in a column, or ``default`` when it is missing, broken or of another type."""
    try:
        value = json.loads(text or "")
    except (TypeError, ValueError):
        return default
    return value if isinstance(value, type(default)) else default


def is_overseer(actor: Actor) -> bool:
    return any(actor.has_role(r) for r in OVERSEERS)


def unit_scopes(actor: Actor, roles=UNIT_ROLES) -> set[str] | None:
    """The units ``actor`` reads through ``roles`` (None: all units, a role held without scope)."""
    if any((r, None) in actor.memberships for r in roles):
        return None
    return {s for r, s in actor.memberships if r in roles and s}


def expert_categories(actor: Actor) -> set[str]:
    return {s for r, s in actor.memberships if r == "expert" and s}


def own_people(session: Session, actor: Actor) -> list[int]:
    return list(session.scalars(select(t.Person.id).where(t.Person.username == actor.username)))


def unit_clause(column, units: set[str] | None):
    """``column`` among ``units`` (None: no restriction; an empty set: nothing)."""
    if units is None:
        return None
    return column.in_(units) if units else false()


def narrowed(query, scope=None, filters=()):
    """``query`` within ``scope`` (a where-clause; None: everything) and, for each ``(column,
    value)`` of ``filters`` whose value is given, ``column == value``."""
    if scope is not None:
        query = query.where(scope)
    for column, value in filters:
        if value is not None:
            query = query.where(column == value)
    return query


def page_of(session: Session, query, order, page: int, per_page: int) -> tuple[list, int]:
    """One page of ``query`` ordered by ``order`` (a tuple of columns) and the number of all its rows."""
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total
