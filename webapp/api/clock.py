"""The programme's clock, for dry runs and test deployments only: a system that runs on a
virtual clock (``engine.VirtualClock``) lets an administrator move it forward and run what the
worker would run then (due timers, due outbox messages except document rendering). On the real
clock (production) moving it is refused."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from engine import VirtualClock
from engine.tables import OutboxMessage
from webapp.auth import current_actor, holds_any

from . import schemas, scopes
from .core import ApiFailure, blueprint

blp = blueprint("clock", __name__, "/clock", "程序时钟（仅试运行和测试环境：虚拟时钟）")

SKIPPED_TOPICS = ("document/render",)   # PDFs are the worker's; nothing of the programme waits for them


def _system():
    return current_app.extensions["peidai"]


def _state(fired: int = 0, delivered: int = 0) -> dict:
    system = _system()
    return {"now": system.clock.now(), "virtual": isinstance(system.clock, VirtualClock), "fired": fired,
            "delivered": delivered}


@blp.get("")
@blp.response(200, schemas.ClockSchema)
def get_clock():
    """程序时间，以及是否为虚拟时钟"""
    return _state()


def _deliver_due(system) -> int:
    engine = system.engine
    with engine.sessions() as s:
        ids = list(s.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status == "pending", OutboxMessage.topic.not_in(SKIPPED_TOPICS),
            OutboxMessage.next_attempt_at <= engine.now()).order_by(OutboxMessage.id).limit(10000)))
    return sum(1 for mid in ids if engine.outbox.deliver(mid, system) is not None)


@blp.post("")
@scopes.requires(blp, "admin")
@blp.arguments(schemas.ClockRequest, required=False)
@blp.response(200, schemas.ClockSchema)
def move_clock(body):
    """拨动虚拟时钟并办理到期事项（管理员；生产环境的真实时钟不能拨动，409）

    `to` 或 `advance_days`（都不填则只办理到期事项）；时钟不能回拨。随后触发到期的定时事件、投递到期的消息，
    如同后台任务在此时运行（文书生成仍由后台任务完成）。"""
    system = _system()
    if not holds_any(current_actor(), "admin"):
        raise ApiFailure(403, "forbidden", _("只有系统管理员可以拨动程序时钟"))
    if not isinstance(system.clock, VirtualClock):
        raise ApiFailure(409, "not_virtual", _("系统使用真实时钟，不能拨动（仅试运行和测试环境可用）"))
    now = system.clock.now()
    target = body.get("to") or now + timedelta(days=body.get("advance_days") or 0)
    if target < now:
        raise ApiFailure(422, "invalid_data", _("提交的数据有误"),
                         [{"field": "to", "code": "minimum", "message": _("时钟不能回拨")}])
    system.clock.set(target)
    fired = delivered = 0
    for _round in range(20):
        delivered += _deliver_due(system)
        counts = system.engine.fire_due_timers(limit=100000)
        fired += counts["fired"]
        delivered += _deliver_due(system)
        if counts["due"] == 0 or counts["fired"] == 0:
            break
    return _state(fired, delivered)
