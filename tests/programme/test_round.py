"""Selection round (评选): deadline, reminders, escalation, closing, the three-year cycle."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine import InvalidData
from workflows.tables import Nomination, Round
from workflows.units import UNITS

from .conftest import cst, messages, open_round, submit

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
    assert d.open_tasks(iid) == []                  # waits for the deadline
    d.fire(cst("2014-07-01 09:00"))
    assert len(d.open_tasks(iid, "Task_ExpertReview")) == 5
    with d.engine.sessions() as s:
        assert s.get(Round, rid).status == "closed"
        assert s.scalar(select(Nomination.status).where(Nomination.id == 1)) == "in_review"
    assert [t["element_id"] for t in d.open_tasks(round_iid)] == ["Task_PublishList"]


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
    assert d.instance_status(draft) == d.instance_status(waiting) == "completed"
    assert d.open_tasks(draft) == [] and d.open_tasks(waiting) == []
    assert len(d.open_tasks(done, "Task_ExpertReview")) == 5


def test_a_new_round_is_due_every_three_years(programme, sqlite_system):
    d = programme
    iid, _ = open_round(d, 2014)
    d.fire(cst("2014-07-01 09:00"))
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
