"""Selection round (评选): open, the submission period (reminders to units that have not submitted,
a deadline extended or the submission closed early by the talent section), escalate, close (the
nominations not submitted expire, the submitted ones go to the committee), publish once the list
is signed, and the reminder before the next round."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from engine import InvalidData, InvalidState

from .. import dates
from .. import rules as programme_rules
from ..tables import Nomination, NomineeList, Round, RoundChange, RoundReminder
from .common import OUTCOME_LABELS, SUBMITTED, holders, notify, owned_row, require, section_users, units_not_submitted


FIRST_YEAR, LAST_YEAR = 2014, 2100   # the notice is of 2014 (bpmn/forms/start_selection_round.schema.json)


def _whole(value, message: str, low: int = 1, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise InvalidData(message)
    return value


def _deadline(value, year: int, rules, field: str = "deadline"):
    """The round's deadline: 23:59:59 (Asia/Shanghai) of the given date, by default the rules'
    day of the year (June 30)."""
    if value in (None, "") and rules is not None:
        month, day = (int(x) for x in rules["deadline_month_day"].split("-"))
        return dates.end_of_day(dates.date(year, month, day))
    text = str(value)[:40]
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        day = dates.date.fromisoformat(text)
    except ValueError:
        raise InvalidData(f"报送截止日期“{text}”不是有效日期，应为 年-月-日，例如 {year}-07-15", field=field) from None
    if day.year != year:
        raise InvalidData(f"报送截止日期 {day} 不在{year}年度内", field=field)
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
    _schedule_reminders(ctx, row)
    data.update({
        "round_id": row.id, "year": year, "title": row.title, "closes_at": dates.iso(deadline), "round_state": "open",
        "next_round_at": dates.iso(next_round_at(deadline, rules)), "rules_version": rules.version,
    })
    _wake(ctx, row)
    return {"round_id": row.id, "deadline": str(dates.local_date(deadline))}


def _reminders(ctx, row, *, unsent: bool = False) -> list[RoundReminder]:
    q = select(RoundReminder).where(RoundReminder.round_id == row.id, RoundReminder.cancelled.is_(False))
    if unsent:
        q = q.where(RoundReminder.sent_at.is_(None))
    return list(ctx.session.scalars(q.order_by(RoundReminder.due_at, RoundReminder.id)))


def _schedule_reminders(ctx, row) -> None:
    """The round's reminders that are still ahead, at the rules' offsets before its deadline;
    unsent ones of an earlier deadline are cancelled."""
    for old in _reminders(ctx, row, unsent=True):
        old.cancelled = True
    for days in sorted(set(json.loads(row.reminder_days or "[]")), reverse=True):
        due = dates.days_before(row.deadline, days)
        if due > ctx.now:
            ctx.session.add(RoundReminder(round_id=row.id, days=days, due_at=due))
    ctx.session.flush()


def _wake(ctx, row) -> None:
    """When the submission period wakes next: the first unsent reminder, else the deadline."""
    data = ctx.task.data
    pending = [r.due_at for r in _reminders(ctx, row, unsent=True)]
    wake = min(pending + [row.deadline])
    data.update({"wake_at": dates.iso(wake), "closes_at": dates.iso(row.deadline),
                 "reminders": [{"days": r.days, "at": dates.iso(r.due_at)} for r in _reminders(ctx, row, unsent=True)]})


def _remind(ctx, row, reminder: RoundReminder) -> int:
    units = units_not_submitted(ctx, row.id)
    for unit in units:
        users = holders(ctx, "unit_submitter", unit.id) + holders(ctx, "unit_reviewer", unit.id)
        notify(ctx, "deadline_reminder", users, {
            "round_id": row.id, "year": row.year, "deadline": str(dates.local_date(row.deadline)), "days_left": reminder.days,
            "unit_id": unit.id, "unit_name": unit.name, "submitted": 0}, f"round:{row.id}:remind:{reminder.id}:{unit.id}")
    reminder.sent_at, reminder.units = ctx.now, len(units)
    return len(units)


def round_tick(ctx, round_id):
    """A reminder day or the deadline came: send the reminders that are due; at the deadline the
    submission period ends (``round_state = 'closing'``)."""
    data = ctx.task.data
    row = owned_row(ctx, Round, round_id, "评选")
    sent = {}
    for reminder in _reminders(ctx, row, unsent=True):
        if reminder.due_at <= ctx.now < row.deadline:
            sent[reminder.days] = _remind(ctx, row, reminder)
    if ctx.now >= row.deadline or row.status != "open":
        data["round_state"] = "closing"
    else:
        _wake(ctx, row)
    return {"reminded": sent, "state": data["round_state"]}


def round_manage(ctx, round_id):
    """The talent section extends the deadline (recorded, reminders computed again) or closes the
    submission early; the form (round_manage) requires the action and a reason."""
    data = ctx.task.data
    row = owned_row(ctx, Round, round_id, "评选")
    require(ctx, ctx.actor.has_role("talent_section"), "只有市委组织部人才科可以调整报送期")
    action, reason = data.get("round_action"), str(data.get("reason") or "").strip()
    data.update({"round_action": None, "reason": None})   # consumed: the next change brings its own
    if row.status != "open":
        raise InvalidState(f"{row.year}年度评选已截止")
    old = row.deadline
    if action == "extend":
        text = str(data.get("new_deadline") or "")[:40]
        data["new_deadline"] = None
        new = _deadline(text, row.year, None, field="new_deadline")
        if dates.local_date(new) <= dates.local_date(old) or new <= ctx.now:
            raise InvalidData(f"新的截止日期须晚于原截止日期 {dates.local_date(old)}，且晚于今天", field="new_deadline")
        row.deadline = new
        _schedule_reminders(ctx, row)
        _wake(ctx, row)
        _fill_tasks_follow(ctx, row)
    else:
        row.deadline = ctx.now
        for reminder in _reminders(ctx, row, unsent=True):
            reminder.cancelled = True
        data.update({"round_state": "closing", "closes_at": dates.iso(ctx.now)})
    ctx.session.add(RoundChange(round_id=row.id, kind=action, old_deadline=old, new_deadline=row.deadline, reason=reason,
                                by=ctx.actor.username, at=ctx.now))
    ctx.session.flush()
    return {"action": action, "deadline": str(dates.local_date(row.deadline))}


# the steps of a nomination that are due at the round's deadline (their ``dueAt`` is ``closes_at``)
DUE_AT_DEADLINE = ("Task_Fill",)


def _fill_tasks_follow(ctx, row) -> None:
    """A deadline extended: the open fill steps of the round's nominations not yet submitted are
    due at the new deadline (a later iteration takes it from the round, nomination/check_eligibility)."""
    instances = ctx.session.scalars(select(Nomination.instance_id).where(
        Nomination.round_id == row.id, Nomination.submitted_at.is_(None), Nomination.instance_id.is_not(None),
        Nomination.status.in_(("draft", "returned", "ineligible")))).all()
    ctx.engine.move_due(ctx.session, instances, DUE_AT_DEADLINE, row.deadline)


def next_round_at(deadline, rules):
    """When the talent section is reminded to open the next round: the rules' lead time before
    the same deadline one cycle later."""
    return dates.at_local(dates.add_years(dates.local_date(deadline), rules["cycle_years"])
                          - timedelta(days=rules["next_round_lead_days"]))


def round_remind(ctx, round_id, days):
    """Model versions before round_window (a reminder subprocess per offset)."""
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
    """The submission is over: nominations that were not submitted expire (their instances end),
    each submitted one goes to the committee (``committee/start``, one ``committee_review``
    instance per nomination, started after this command by the outbox)."""
    row = owned_row(ctx, Round, round_id, "评选")
    row.status, row.closed_at = "closed", ctx.now
    row.deadline = min(row.deadline, ctx.now)
    for reminder in _reminders(ctx, row, unsent=True):   # too late for them now
        reminder.cancelled = True
    expired = 0
    for nom in ctx.session.scalars(select(Nomination).where(
            Nomination.round_id == row.id, Nomination.submitted_at.is_(None),
            Nomination.status.in_(("draft", "returned", "ineligible"))).order_by(Nomination.id)):
        nom.status, nom.decided_at = "expired", ctx.now
        expired += 1
        notify(ctx, "decision_result", holders(ctx, "unit_submitter", nom.unit_id) + holders(ctx, "unit_reviewer", nom.unit_id), {
            "kind": "nomination", "id": nom.id, "name": nom.name or "（未填写姓名）", "outcome": "expired",
            "outcome_label": OUTCOME_LABELS["expired"], "comment": f"{row.year}年度评选已截止"}, f"nomination:{nom.id}:result")
        if nom.instance_id:
            ctx.emit("instance/cancel", {"instance_id": nom.instance_id, "reason": f"{row.year}年度评选已截止，未报送"},
                     f"nomination:{nom.id}:expired")
    submitted = list(ctx.session.scalars(select(Nomination).where(
        Nomination.round_id == row.id, Nomination.status == "submitted").order_by(Nomination.id)))
    for nom in submitted:
        ctx.emit("committee/start", {"nomination_id": nom.id}, f"nomination:{nom.id}:committee")
    counts = dict(ctx.session.execute(select(Nomination.category, func.count()).where(
        Nomination.round_id == row.id, Nomination.status.in_(SUBMITTED)).group_by(Nomination.category)).all())
    return {"submitted": sum(counts.values()), "by_category": counts, "expired": expired}


def round_publish(ctx, round_id):
    """Publishing needs the signed list (签批后公布)."""
    row = owned_row(ctx, Round, round_id, "评选")
    lst = ctx.session.scalar(select(NomineeList).where(NomineeList.round_id == row.id))
    if lst is None or lst.status not in ("signed", "published"):
        raise InvalidState("推荐名单尚未经领导小组办公室主任签批，不能公布")
    row.status, row.published_at = "published", ctx.now
    lst.status, lst.published_at = "published", ctx.now
    appointed = ctx.session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.round_id == row.id, Nomination.status == "appointed"))
    return {"appointed": appointed}


def round_next_due(ctx, round_id):
    row = owned_row(ctx, Round, round_id, "评选")
    cycle = programme_rules.version(ctx.session, row.rules_version, now=ctx.now)["cycle_years"]
    notify(ctx, "round_due", section_users(ctx), {"round_id": row.id, "last_year": row.year, "next_year": row.year + cycle},
            f"round:{row.id}:next_due")
    return {"next_year": row.year + cycle}
