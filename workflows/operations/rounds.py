"""Selection round (评选): open, remind units that have not submitted, escalate, close, publish."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from engine import InvalidData

from .. import dates
from .. import rules as programme_rules
from ..tables import Nomination, Round
from .common import SUBMITTED, holders, owned_row, notify, require, section_users, units_not_submitted


FIRST_YEAR, LAST_YEAR = 2014, 2100   # the notice is of 2014 (bpmn/forms/start_selection_round.schema.json)


def _whole(value, message: str, low: int = 1, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise InvalidData(message)
    return value


def _deadline(value, year: int, rules):
    """The round's deadline: 23:59:59 (Asia/Shanghai) of the given date, by default the rules'
    day of the year (June 30)."""
    if value in (None, ""):
        month, day = (int(x) for x in rules["deadline_month_day"].split("-"))
        return dates.end_of_day(dates.date(year, month, day))
    text = str(value)[:40]
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        day = dates.date.fromisoformat(text)
    except ValueError:
        raise InvalidData(f"报送截止日期“{text}”不是有效日期，应为 年-月-日，例如 {year}-06-30", field="deadline") from None
    if day.year != year:
        raise InvalidData(f"报送截止日期 {day} 不在{year}年度内", field="deadline")
    return dates.end_of_day(day)


def round_open(ctx):
    data = ctx.task.data
    require(ctx, ctx.actor.has_role("talent_section"), "只有市委组织部人才科可以开启评选")
    rules = programme_rules.current(ctx.session, now=ctx.now)   # the rules in force when the round opens
    year = data.get("year")
    year = dates.local_date(ctx.now).year if year is None else \
        _whole(year, f"评选年度须为{FIRST_YEAR}至{LAST_YEAR}之间的整数年份，例如 2029", FIRST_YEAR, LAST_YEAR)
    deadline = _deadline(data.get("deadline"), year, rules)
    if deadline <= ctx.now:
        raise InvalidData(f"报送截止时间 {dates.local_date(deadline)} 已过，请重新设置", field="deadline")
    days = data.get("reminder_days")
    if days is None:
        days = rules["reminder_days"]
    if not isinstance(days, list):
        raise InvalidData("截止前提醒须为提前天数的列表，例如 [30, 7, 1]", field="reminder_days")
    days = [_whole(d, "截止前提醒的提前天数须为1至366之间的整数", 1, 366) for d in days]

    def setting(key, message):
        value = data.get(key)
        return _whole(rules[key] if value is None else value, message, 1, 100)

    experts = setting("experts_per_panel", "每个评审类别的专家人数须为不小于1的整数")
    rule_num = setting("rule_num", "表决规则的分子须为正整数")
    rule_den = setting("rule_den", "表决规则的分母须为正整数")
    if rule_num > rule_den:
        raise InvalidData(f"表决规则 {rule_num}/{rule_den} 无效：同意票占比的分子不能大于分母（例如 2/3）", field="rule_num")
    # one round per year; the round is this instance's own record (never one named in the data)
    row = ctx.session.scalar(select(Round).where(Round.year == year))
    if row is not None and row.instance_id not in (None, ctx.instance_id):
        raise InvalidData(f"{year}年度的评选已经开启")
    if row is None:
        row = Round(year=year, opened_at=ctx.now)
        ctx.session.add(row)
    row.title = data.get("title") or f"{year}年度人才培带人评选"
    row.deadline = deadline
    row.status = "open"
    row.experts_per_panel, row.rule_num, row.rule_den = experts, rule_num, rule_den
    row.reminder_days = json.dumps(days)
    row.instance_id = ctx.instance_id
    row.rules_version = rules.version
    ctx.session.flush()
    data.pop("programme_rules", None)   # the rules are the table's (workflows.rules), not the instance's
    data.update({
        "round_id": row.id, "year": year, "title": row.title, "closes_at": dates.iso(deadline), "reminder_index": 0,
        "reminders": [{"days": d, "at": dates.iso(dates.days_before(deadline, d))}
                      for d in sorted(set(days), reverse=True) if dates.days_before(deadline, d) > ctx.now],
        "next_round_at": dates.iso(next_round_at(deadline, rules)), "rules_version": rules.version,
    })
    return {"round_id": row.id, "deadline": str(dates.local_date(deadline))}


def next_round_at(deadline, rules):
    """When the talent section is reminded to open the next round: the rules' lead time before
    the same deadline one cycle later."""
    return dates.at_local(dates.add_years(dates.local_date(deadline), rules["cycle_years"])
                          - timedelta(days=rules["next_round_lead_days"]))


def round_remind(ctx, round_id, days):
    row = owned_row(ctx, Round, round_id, "评选")
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
    row = owned_row(ctx, Round, round_id, "评选")
    units = units_not_submitted(ctx, row.id)
    if units:
        notify(ctx, "deadline_escalation", section_users(ctx), {
            "round_id": row.id, "year": row.year, "deadline": str(dates.local_date(row.deadline)),
            "units": [u.name for u in units], "count": len(units)}, f"round:{row.id}:escalate")
    return {"units": [u.id for u in units]}


def round_close(ctx, round_id):
    row = owned_row(ctx, Round, round_id, "评选")
    row.status, row.closed_at = "closed", ctx.now
    counts = dict(ctx.session.execute(select(Nomination.category, func.count()).where(
        Nomination.round_id == row.id, Nomination.status.in_(SUBMITTED)).group_by(Nomination.category)).all())
    return {"submitted": sum(counts.values()), "by_category": counts}


def round_publish(ctx, round_id):
    row = owned_row(ctx, Round, round_id, "评选")
    row.status, row.published_at = "published", ctx.now
    appointed = ctx.session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.round_id == row.id, Nomination.status == "appointed"))
    return {"appointed": appointed}


def round_next_due(ctx, round_id):
    row = owned_row(ctx, Round, round_id, "评选")
    cycle = programme_rules.version(ctx.session, row.rules_version, now=ctx.now)["cycle_years"]
    notify(ctx, "round_due", section_users(ctx), {"round_id": row.id, "last_year": row.year, "next_year": row.year + cycle},
            f"round:{row.id}:next_due")
    return {"next_year": row.year + cycle}
