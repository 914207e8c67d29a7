"""Helpers shared by the programme's service-task operations."""
from __future__ import annotations

from sqlalchemy import select

from engine import PermissionDenied, InvalidState
from engine.identity import users_holding

from ..tables import Nomination, OrgUnit

PANELS = ("professional", "skilled", "rural")
# a unit "has submitted" once one of its nominations passed its own review
SUBMITTED = ("submitted", "in_review", "recommended", "not_recommended", "declined", "appointed")
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


def get_row(ctx, table, id_, what: str):
    row = ctx.session.get(table, int(id_)) if id_ is not None else None
    if row is None:
        raise InvalidState(f"{what} {id_} 不存在")
    return row


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
