"""Helpers shared by the programme's service-task operations."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine import InvalidData, NotFound, PermissionDenied
from engine.identity import users_holding
from engine.tables import Instance

from ..tables import Nomination, OrgUnit

# a unit "has submitted" once one of its nominations passed its own review
SUBMITTED = ("submitted", "in_review", "recommended", "not_recommended", "declined", "appointed")
# still before the committee (the list cannot be prepared while any is)
UNDER_REVIEW = ("submitted", "in_review")
OUTCOME_LABELS = {"rejected": "单位不予推荐", "withdrawn": "已撤回", "not_recommended": "评审委员会未推荐",
                  "declined": "未获签批", "appointed": "已聘任为人才培带人", "approved": "同意", "ineligible": "不符合条件",
                  "expired": "截止时未报送"}


def notify(ctx, template: str, users, context: dict, key: str) -> None:
    users = sorted(set(u for u in users if u))
    if users:
        ctx.emit("notify", {"template": template, "users": users, "context": context}, key)


def holders(ctx, role: str, scope=None) -> list[str]:
    return users_holding(ctx.session, role, None if scope is None else str(scope))


def section_users(ctx) -> list[str]:
    return users_holding(ctx.session, "talent_section", None)


MAX_ID = 2 ** 31 - 1   # the programme's tables have INTEGER keys: anything beyond names no record


def as_id(value) -> int | None:
    """A record id (a positive integer within the key's range, or its decimal text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,20}", value.strip()):
        value = int(value.strip())
    return value if isinstance(value, int) and 1 <= value <= MAX_ID else None


def _shown(value) -> str:
    return str(value)[:40]


def get_row(ctx, table, id_, what: str):
    """The row ``id_`` of ``table``; an id that is not one (text, beyond the key's range) is not found either."""
    n = as_id(id_)
    row = ctx.session.get(table, n) if n is not None else None
    if row is None:
        raise NotFound(f"{what} {_shown(id_)} 不存在")
    return row


_SELF = object()


def owned_row(ctx, table, id_, what: str, owner=_SELF, column: str = "instance_id"):
    """Records come from the instance: the row of ``table`` whose ``instance_id`` (or ``column``)
    is ``owner`` (default: the instance running this handler), i.e. the one the handler that
    created it recorded. ``id_`` (what the task data says) must name that row: an id pointing at
    another instance's record is refused and nothing is changed."""
    owner = ctx.instance_id if owner is _SELF else owner
    if id_ is None:
        row = ctx.session.scalar(select(table).where(getattr(table, column) == owner).order_by(table.id).limit(1))
        if row is None:
            raise NotFound(f"本流程没有{what}记录")
        return row
    row = get_row(ctx, table, id_, what)
    if owner is None or getattr(row, column) != owner:
        raise InvalidData(f"{what} {_shown(id_)} 不属于本流程，不能办理", record=table.__tablename__, id=_shown(id_))
    return row


def parent_instance(ctx) -> int | None:
    """The instance that started the running one (``ctx.start_instance``); None if started from outside."""
    return ctx.session.scalar(select(Instance.parent_id).where(Instance.id == ctx.instance_id))


def same_as_record(ctx, row, **fields) -> None:
    """Task data that routes the instance (unit, round, category) must agree with the record:
    a completion cannot send a nomination to another unit's reviewer."""
    data = ctx.task.data
    for name, label in fields.items():
        value, recorded = data.get(name), getattr(row, name)
        if value is not None and recorded is not None and str(value) != str(recorded):
            raise InvalidData(f"{label}与本流程的记录不符，不能更改", field=name)


def unit_name(ctx, unit_id) -> str:
    unit = ctx.session.get(OrgUnit, unit_id) if unit_id else None
    return unit.name if unit else str(unit_id or "")


def addressed_units(ctx) -> list[OrgUnit]:
    return list(ctx.session.scalars(select(OrgUnit).where(OrgUnit.active.is_(True), OrgUnit.kind != "section")
                                    .order_by(OrgUnit.sort, OrgUnit.id)))


def units_not_submitted(ctx, round_id: int) -> list[OrgUnit]:
    done = set(ctx.session.scalars(select(Nomination.unit_id).where(
        Nomination.round_id == round_id, Nomination.status.in_(SUBMITTED)).distinct()))
    return [u for u in addressed_units(ctx) if u.id not in done]


def require(ctx, allowed: bool, message: str) -> None:
    """Commands started by a user must be within the user's roles (the engine itself may do anything)."""
    if ctx.actor.username != "system" and not allowed and "admin" not in ctx.actor.roles:
        raise PermissionDenied(message)
