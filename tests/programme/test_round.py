"""Selection round (评选): deadline, reminders, escalation, closing, the three-year cycle."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine import InvalidData
from workflows.tables import Nomination, Round
from workflows.units import UNITS

from .conftest import cst, messages, open_round, sign, submit

ALL_UNITS = {u[0] for u in UNITS}


def reminded_units(system, days):
    return {m["context"]["unit_id"] for m in messages(system, "deadline_reminder") if m["context"]["days_left"] == days}


def test_round_deadline_defaults_to_june_30_china_time_stored_in_utc(programme):
    _, rid = open_round(programme, 2014)
    with programme.engine.sessions() as s:
        row = s.get(Round, rid)
    assert row.deadline == datetime(2014, 6, 30, 15, 59, 59, tzinfo=timezone.utc)  # 23:59:59 +08:00
    assert (row.experts_per_panel, row.rule_num, row.rule_den) == (5, 2, 3)  # the programme rules (version 1)


def test_reminders_reach_only_units_that_have_not_submitted(programme_restore):
    d, sqlite_system = programme_restore, programme_restore.system
    _, rid = open_round(d, 2014)
    d.fire(cst("2014-06-01 09:00"))
    assert reminded_units(sqlite_system, 30) == ALL_UNITS
    submit(d, rid, "hongshan")                      # approved by its unit: submitted
    draft = d.nominate(rid, "songshan")             # only a draft: not submitted
    d.complete(draft, "Task_Fill", __import__("workflows.driver", fromlist=["x"]).sample_application())
    d.fire(cst("2014-06-17 09:00"))
    assert reminded_units(sqlite_system, 14) == ALL_UNITS - {"hongshan"}
    for days, when in ((7, "2014-06-24"), (3, "2014-06-28"), (1, "2014-06-30")):
        d.fire(cst(when + " 09:00"))
        assert reminded_units(sqlite_system, days) == ALL_UNITS - {"hongshan"}
    one = next(m for m in messages(sqlite_system, "deadline_reminder") if m["context"]["unit_id"] == "songshan")
    assert one["users"] == ["songshan_rev", "songshan_sub"]
    assert one["context"]["deadline"] == "2014-06-30"


def test_reminder_dates_already_past_are_skipped(programme, clock):
    clock.set(cst("2014-06-20 09:00"))
    iid, _ = open_round(programme, 2014)
    assert [r["days"] for r in programme.engine.instance_detail(iid)["data"]["reminders"]] == [7, 3, 1]


def test_escalation_after_deadline_goes_to_talent_section_for_units_that_never_submitted(programme, sqlite_system):
    d = programme
    _, rid = open_round(d, 2014)
    submit(d, rid, "hongshan")
    submit(d, rid, "cfu")
    d.fire(cst("2014-07-01 09:00"))
    [escalation] = messages(sqlite_system, "deadline_escalation")
    assert escalation["users"] == ["section"]
    assert escalation["context"]["count"] == len(ALL_UNITS) - 2
    assert "红山区" not in escalation["context"]["units"] and "赤峰学院" not in escalation["context"]["units"]
    assert "元宝山区" in escalation["context"]["units"]


def test_closing_the_round_hands_submitted_nominations_to_the_committee(programme):
    d = programme
    round_iid, rid = open_round(d, 2014)
    iid = submit(d, rid, "hongshan")
    assert d.open_tasks(iid) == [] and d.instance_status(iid) == "completed"   # 已报送: the nomination's part is done
    assert d.review_of(iid) is None                                          # the committee waits for the deadline
    d.fire(cst("2014-07-01 09:00"))
    review = d.review_of(iid)
    assert len(d.open_tasks(review, "Task_ExpertReview")) == 5
    with d.engine.sessions() as s:
        assert s.get(Round, rid).status == "closed"
        assert s.scalar(select(Nomination.status).where(Nomination.id == 1)) == "in_review"
    assert d.engine.instance_detail(review)["data"]["category"] == "professional"
    assert [t["element_id"] for t in d.open_tasks(round_iid)] == ["Task_PrepareList"]


def test_nomination_after_the_deadline_is_refused(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    d.clock.set(cst("2014-07-01 00:00"))                 # past the deadline, before the timer sweep ran
    with pytest.raises(InvalidData, match="截止"):
        d.nominate(rid, "songshan")
    with pytest.raises(InvalidData, match="截止"):
        d.complete(iid, "Task_Fill", __import__("workflows.driver", fromlist=["x"]).sample_application())


def test_nominations_not_submitted_by_the_deadline_expire(programme):
    d = programme
    _, rid = open_round(d, 2014)
    draft = d.nominate(rid, "hongshan")
    waiting = submit(d, rid, "songshan", review=False)    # filled, but the unit has not approved it
    done = submit(d, rid, "cfu")
    d.fire(cst("2014-07-01 09:00"))
    with d.engine.sessions() as s:
        status = dict(s.execute(select(Nomination.unit_id, Nomination.status)).all())
    assert status == {"hongshan": "expired", "songshan": "expired", "cfu": "in_review"}
    assert d.instance_status(draft) == d.instance_status(waiting) == "cancelled"
    assert d.open_tasks(draft) == [] and d.open_tasks(waiting) == []
    assert len(d.open_tasks(d.review_of(done), "Task_ExpertReview")) == 5
    expired = [m["context"] for m in messages(d.system, "decision_result") if m["context"]["outcome"] == "expired"]
    assert sorted(m["id"] for m in expired) == [1, 2] and expired[0]["outcome_label"] == "截止时未报送"


def test_a_unit_cannot_approve_after_the_deadline(programme):
    d = programme
    _, rid = open_round(d, 2014)
    waiting = submit(d, rid, "songshan", review=False)
    d.clock.set(cst("2014-07-01 00:00"))                 # past the deadline, before the timer sweep ran
    with pytest.raises(InvalidData, match="截止，不能再报送"):
        d.complete(waiting, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})


def test_a_new_round_is_due_every_three_years(programme, sqlite_system):
    d = programme
    iid, rid = open_round(d, 2014)
    d.fire(cst("2014-07-01 09:00"))
    sign(d, rid)                                          # an empty list: nobody was nominated
    d.complete(iid, "Task_PublishList", {"publish": True})
    d.fire(cst("2017-03-01 09:00"))
    assert messages(sqlite_system, "round_due") == []
    d.fire(cst("2017-04-02 09:00"))
    [due] = messages(sqlite_system, "round_due")
    assert due["context"] == {"round_id": 1, "last_year": 2014, "next_year": 2017}
    assert d.instance_status(iid) == "completed"


def test_only_one_round_per_year(programme):
    open_round(programme, 2014)
    with pytest.raises(InvalidData, match="已经开启"):
        open_round(programme, 2014)


def test_only_the_talent_section_opens_a_round(programme):
    from engine import PermissionDenied
    with pytest.raises(PermissionDenied, match="人才科"):
        programme.open_round(2014, user="hongshan_rev")


# ---------------------------------------------------------------------- the submission period (issue 13 point 1)


def manage(d, round_iid, **data):
    return d.complete(round_iid, "Task_ManageRound", data)


def test_the_submission_period_waits_on_one_task_of_the_talent_section(programme):
    d = programme
    round_iid, _ = open_round(d, 2014)
    [task] = d.open_tasks(round_iid)
    assert (task["element_id"], task["role"]) == ("Task_ManageRound", "talent_section")
    d.fire(cst("2014-06-01 09:00"))                           # a reminder day: the task opens again
    assert [t["element_id"] for t in d.open_tasks(round_iid)] == ["Task_ManageRound"]


def test_extending_the_deadline_is_recorded_and_reminders_are_computed_again(programme):
    from workflows.tables import RoundChange, RoundReminder
    d = programme
    round_iid, rid = open_round(d, 2014)
    d.fire(cst("2014-06-17 09:00"))                           # the 30- and 14-day reminders went out
    manage(d, round_iid, round_action="extend", new_deadline="2014-07-15", reason="部分旗县区材料准备不及")
    with d.engine.sessions() as s:
        row = s.get(Round, rid)
        [change] = s.scalars(select(RoundChange)).all()
        sent = sorted(r.days for r in s.scalars(select(RoundReminder).where(RoundReminder.sent_at.is_not(None))))
        ahead = [(r.days, r.due_at) for r in s.scalars(select(RoundReminder).where(
            RoundReminder.sent_at.is_(None), RoundReminder.cancelled.is_(False)).order_by(RoundReminder.due_at))]
    assert row.deadline == datetime(2014, 7, 15, 15, 59, 59, tzinfo=timezone.utc) and row.status == "open"
    assert (change.kind, change.reason, change.by) == ("extend", "部分旗县区材料准备不及", "section")
    assert change.old_deadline == datetime(2014, 6, 30, 15, 59, 59, tzinfo=timezone.utc)
    assert sent == [14, 30]
    # 30 days before July 15 is already past; the others follow the new deadline
    assert [days for days, _ in ahead] == [14, 7, 3, 1] and ahead[0][1] == cst("2014-07-01 09:00")
    d.fire(cst("2014-06-30 23:00"))
    assert reminded_units(d.system, 7) == set()               # the old 7-day reminder was not sent
    d.fire(cst("2014-07-01 09:30"))
    assert reminded_units(d.system, 14) == ALL_UNITS and len(messages(d.system, "deadline_reminder")) == 3 * len(ALL_UNITS)
    iid = submit(d, rid, "hongshan")                          # after June 30, before the new deadline
    with d.engine.sessions() as s:
        assert s.get(Round, rid).status == "open" and s.scalar(select(Nomination.status)) == "submitted"
    d.fire(cst("2014-07-16 09:00"))
    assert d.review_of(iid) is not None


def test_open_fill_steps_are_due_at_the_extended_deadline(programme_restore):
    """Issue 13: a deadline extended moves the due date of every fill step still open in the round
    (a draft, a return), and a return after the extension is due at the new deadline too."""
    from workflows.driver import sample_application
    d = programme_restore
    round_iid, rid = open_round(d, 2014)
    old, new = datetime(2014, 6, 30, 15, 59, 59, tzinfo=timezone.utc), datetime(2014, 7, 15, 15, 59, 59, tzinfo=timezone.utc)
    draft = d.nominate(rid, "songshan")
    returned = d.nominate(rid, "hongshan")
    d.complete(returned, "Task_Fill", sample_application("李秀兰"))
    submitted = submit(d, rid, "yuanbaoshan")
    assert d.open_tasks(draft, "Task_Fill")[0]["due_at"] == old
    manage(d, round_iid, round_action="extend", new_deadline="2014-07-15", reason="部分旗县区材料准备不及")
    assert d.open_tasks(draft, "Task_Fill")[0]["due_at"] == new
    review = d.open_tasks(returned, "Task_UnitReview")[0]
    assert review["due_at"] != new                               # the unit's review keeps its own 10 days
    d.complete(returned, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充获奖证书"})
    assert d.open_tasks(returned, "Task_Fill")[0]["due_at"] == new
    assert d.open_tasks(submitted) == []
    with pytest.raises(InvalidData, match="须晚于原截止日期 2014-07-15"):   # a shorter one is still refused
        manage(d, round_iid, round_action="extend", new_deadline="2014-07-01", reason="改回")
    assert d.open_tasks(draft, "Task_Fill")[0]["due_at"] == new


def test_closing_early_leaves_the_fill_steps_to_expire(programme):
    d = programme
    round_iid, rid = open_round(d, 2014)
    draft = d.nominate(rid, "songshan")
    manage(d, round_iid, round_action="close", reason="提前截止")
    d.fire(cst("2014-06-02 09:00"))
    assert d.open_tasks(draft, "Task_Fill") == []


@pytest.mark.parametrize("new_deadline, message", [
    ("2014-06-20", "须晚于原截止日期 2014-06-30"), ("2015-01-10", "不在2014年度内"), ("2014-02-30", "日期格式不正确")])
def test_an_extension_must_be_later_and_within_the_year(programme, new_deadline, message):
    d = programme
    round_iid, rid = open_round(d, 2014)
    with pytest.raises(InvalidData, match=message):
        manage(d, round_iid, round_action="extend", new_deadline=new_deadline, reason="延期")
    with pytest.raises(InvalidData):
        manage(d, round_iid, round_action="extend", new_deadline="2014-07-10")   # a reason is required
    with d.engine.sessions() as s:
        assert s.get(Round, rid).deadline == datetime(2014, 6, 30, 15, 59, 59, tzinfo=timezone.utc)


def test_the_section_closes_the_submission_early(programme):
    from workflows.tables import RoundChange
    d = programme
    round_iid, rid = open_round(d, 2014)
    done = submit(d, rid, "hongshan")
    draft = d.nominate(rid, "songshan")
    d.clock.set(cst("2014-06-20 10:00"))
    manage(d, round_iid, round_action="close", reason="各单位均已报送")
    d.fire()
    with d.engine.sessions() as s:
        row = s.get(Round, rid)
        change = s.scalar(select(RoundChange))
        status = dict(s.execute(select(Nomination.unit_id, Nomination.status)).all())
    assert row.status == "closed" and row.deadline == cst("2014-06-20 10:00") and change.kind == "close"
    assert status == {"hongshan": "in_review", "songshan": "expired"} and d.instance_status(draft) == "cancelled"
    assert len(d.open_tasks(d.review_of(done), "Task_ExpertReview")) == 5
    assert [t["element_id"] for t in d.open_tasks(round_iid)] == ["Task_PrepareList"]
    with pytest.raises(InvalidData, match="截止"):
        d.nominate(rid, "cfu")
    d.fire(cst("2014-06-29 09:00"))
    assert reminded_units(d.system, 1) == set()               # no reminder after the submission closed


def test_only_the_talent_section_manages_the_submission_period(programme):
    from engine import PermissionDenied
    d = programme
    round_iid, _ = open_round(d, 2014)
    with pytest.raises(PermissionDenied):
        d.complete(round_iid, "Task_ManageRound", {"round_action": "close", "reason": "提前截止"}, user="director")
