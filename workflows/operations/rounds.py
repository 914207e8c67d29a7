"""Selection round (评选): open, remind units that have not submitted, escalate, close, publish."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from engine import InvalidData

from .. import dates
from ..tables import Nomination, Round
from .common import SUBMITTED, get_row, holders, notify, require, section_users, units_not_submitted


def round_open(ctx):
    data = ctx.task.data
    require(ctx, ctx.actor.has_role("talent_section"), "只有市委组织部人才科可以开启评选")
    rules = data.get("programme_rules") or {}
    year = int(data.get("year") or dates.local_date(ctx.now).year)
    if data.get("deadline"):
        value = str(data["deadline"])
        deadline = dates.end_of_day(dates.parse_date(value)) if len(value) <= 10 else dates.parse_moment(value)
    else:
        month, day = (int(x) for x in rules.get("deadline_month_day", "06-30").split("-"))
        deadline = dates.end_of_day(dates.date(year, month, day))
    if deadline <= ctx.now:
        raise InvalidData(f"报送截止时间 {dates.local_date(deadline)} 已过，请重新设置")
    days = [int(d) for d in (data.get("reminder_days") or rules.get("reminder_days") or [])]
    round_id = data.get("round_id")
    row = ctx.session.get(Round, int(round_id)) if round_id else ctx.session.scalar(select(Round).where(Round.year == year))
    if row is not None and row.instance_id not in (None, ctx.instance_id):
        raise InvalidData(f"{year}年度的评选已经开启")
    if row is None:
        row = Round(year=year, opened_at=ctx.now)
        ctx.session.add(row)
    row.title = data.get("title") or f"{year}年度人才培带人评选"
    row.deadline = deadline
    row.status = "open"
    row.experts_per_panel = int(data.get("experts_per_panel") or rules.get("experts_per_panel", 5))
    row.rule_num = int(data.get("rule_num") or rules.get("rule_num", 2))
    row.rule_den = int(data.get("rule_den") or rules.get("rule_den", 3))
    row.reminder_days = json.dumps(days)
    row.instance_id = ctx.instance_id
    ctx.session.flush()
    data.update({
        "round_id": row.id, "year": year, "title": row.title, "closes_at": dates.iso(deadline), "reminder_index": 0,
        "reminders": [{"days": d, "at": dates.iso(dates.days_before(deadline, d))}
                      for d in sorted(set(days), reverse=True) if dates.days_before(deadline, d) > ctx.now],
        "next_round_at": dates.iso(dates.at_local(dates.add_years(dates.local_date(deadline), int(rules.get("cycle_years", 3))) - timedelta(days=90))),
    })
    return {"round_id": row.id, "deadline": str(dates.local_date(deadline))}


def round_remind(ctx, round_id, days):
    row = get_row(ctx, Round, round_id, "评选")
    if row.status != "open" or ctx.now > row.deadline:
        return {"units": 0}
    units = units_not_submitted(ctx, row.id)
    for unit in units:
        users = holders(ctx, "unit_submitter", unit.id) + holders(ctx, "unit_reviewer", unit.id)
        notify(ctx, "deadline_reminder", users, {
            "round_id": row.id, "year": row.year, "deadline": str(dates.local_date(row.deadline)), "days_left": int(days),
            "unit_id": unit.id, "unit_name": unit.name, "submitted": 0}, f"round:{row.id}:remind:{days}:{unit.id}")
    return {"units": len(units), "days": int(days)}


def round_escalate(ctx, round_id):
    row = get_row(ctx, Round, round_id, "评选")
    units = units_not_submitted(ctx, row.id)
    if units:
        notify(ctx, "deadline_escalation", section_users(ctx), {
            "round_id": row.id, "year": row.year, "deadline": str(dates.local_date(row.deadline)),
            "units": [u.name for u in units], "count": len(units)}, f"round:{row.id}:escalate")
    return {"units": [u.id for u in units]}


def round_close(ctx, round_id):
    row = get_row(ctx, Round, round_id, "评选")
    row.status, row.closed_at = "closed", ctx.now
    counts = dict(ctx.session.execute(select(Nomination.category, func.count()).where(
        Nomination.round_id == row.id, Nomination.status.in_(SUBMITTED)).group_by(Nomination.category)).all())
    return {"submitted": sum(counts.values()), "by_category": counts}


def round_publish(ctx, round_id):
    row = get_row(ctx, Round, round_id, "评选")
    row.status, row.published_at = "published", ctx.now
    appointed = ctx.session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.round_id == row.id, Nomination.status == "appointed"))
    return {"appointed": appointed}


def round_next_due(ctx, round_id):
    row = get_row(ctx, Round, round_id, "评选")
    cycle = int((ctx.task.data.get("programme_rules") or {}).get("cycle_years", 3))
    notify(ctx, "round_due", section_users(ctx), {"round_id": row.id, "last_year": row.year, "next_year": row.year + cycle},
            f"round:{row.id}:next_due")
    return {"next_year": row.year + cycle}
