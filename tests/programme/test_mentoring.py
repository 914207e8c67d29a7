"""Mentoring (培带): 1带5 agreement confirmed by the unit, training plans, activities, the annual
assessment on each anniversary (a separate instance), disqualification, second tier."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from engine import InvalidData, PermissionDenied
from engine.tables import Instance
from workflows.driver import sample_mentees
from workflows.tables import (Activity, Assessment, Certificate, Mentee, Mentorship, PoolEntry, SecondTierCandidate)

from .conftest import agree_mentoring, appoint, cst, messages, open_round, refused


def start_mentoring(d, unit="hongshan"):
    _, rid = open_round(d, 2014)
    appoint(d, rid, unit)
    with d.engine.sessions() as s:
        ship = s.scalar(select(Mentorship).order_by(Mentorship.id.desc()))
    return ship.instance_id, ship.id


def ship(d, sid=1) -> Mentorship:
    with d.engine.sessions() as s:
        return s.get(Mentorship, sid)


def assessments(d):
    with d.engine.sessions() as s:
        return s.scalars(select(Assessment).order_by(Assessment.year_no)).all()


def assess(d, year_no, result="qualified", final=None, outstanding=False):
    a = next(x for x in assessments(d) if x.year_no == year_no)
    d.complete(a.instance_id, "Task_UnitAssessment", {"result": result, "report": "按联系书指标完成培带任务，成效明显。",
                                                      "outstanding": outstanding})
    d.complete(a.instance_id, "Task_ConfirmAssessment", {"final_result": final or result})
    return a.instance_id


def test_mentor_has_exactly_five_mentees(programme):
    d = programme
    iid, sid = start_mentoring(d)
    task = d.open_tasks(iid, "Task_RegisterMentees")[0]
    assert (task["role"], task["scope"]) == ("mentor", "1")
    for count in (4, 6):   # 1带5: the mentorship's rules (workflows.rules), not the form, say how many
        with pytest.raises(InvalidData, match=f"须登记5名培带对象（已填写{count}名）") as error:
            d.complete(iid, "Task_RegisterMentees", {"period_years": 3, "mentees": sample_mentees(count=count)})
        assert error.value.details["field"] == "mentees"
    with pytest.raises(InvalidData, match="不能重复"):
        d.complete(iid, "Task_RegisterMentees", {"period_years": 3, "mentees": [{"name": "王五"}] * 5})
    d.complete(iid, "Task_RegisterMentees", {"period_years": 3, "mentees": sample_mentees()}, user="mentor1")
    with d.engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Mentee).where(Mentee.mentorship_id == sid)) == 5


def test_mentoring_period_is_two_or_three_years(programme):
    d = programme
    iid, _ = start_mentoring(d)
    with pytest.raises(InvalidData, match="培带期须为2或3年") as error:
        d.complete(iid, "Task_RegisterMentees", {"period_years": 4, "mentees": sample_mentees()})
    assert error.value.details["field"] == "period_years"


def test_agreement_is_confirmed_by_the_mentors_unit(programme):
    d = programme
    iid, _ = start_mentoring(d)
    d.complete(iid, "Task_RegisterMentees", {"period_years": 2, "mentees": sample_mentees()})
    task = d.open_tasks(iid, "Task_ConfirmAgreement")[0]
    assert (task["role"], task["scope"]) == ("unit_reviewer", "hongshan")
    with pytest.raises(PermissionDenied):
        d.complete(iid, "Task_ConfirmAgreement", {"agreement_decision": "confirm"}, user="songshan_rev")
    with pytest.raises(InvalidData) as error:
        d.complete(iid, "Task_ConfirmAgreement", {"agreement_decision": "return"})
    assert refused(error.value) == {"comment": "required"}
    d.complete(iid, "Task_ConfirmAgreement", {"agreement_decision": "return", "comment": "培带指标不具体"})
    assert messages(d.system, "returned_for_revision")[0]["users"] == ["mentor1"]
    d.complete(iid, "Task_RegisterMentees", {"period_years": 2, "mentees": sample_mentees("新学员")})
    d.complete(iid, "Task_ConfirmAgreement", {"agreement_decision": "confirm"})
    assert ship(d).status == "active" and ship(d).period_years == 2
    with d.engine.sessions() as s:
        from workflows.tables import Person
        names = s.scalars(select(Person.name).join(Mentee, Mentee.person_id == Person.id).where(Mentee.mentorship_id == 1))
        assert sorted(names) == [f"新学员{i}" for i in range(1, 6)]


def test_each_mentee_gets_a_training_plan_in_parallel(programme):
    d = programme
    iid, _ = start_mentoring(d)
    agree_mentoring(d, iid)
    plans = d.open_tasks(iid, "Task_TrainingPlan")
    assert len(plans) == 5 and {t["role"] for t in plans} == {"mentor"}
    for i, task in enumerate(reversed(plans)):
        d.complete(iid, "Task_TrainingPlan", {"training_plan": {"goals": f"目标{i}"}}, task=task)
    with d.engine.sessions() as s:
        assert all("目标" in m.plan_json for m in s.scalars(select(Mentee)))


def test_mentor_logs_activities_at_any_time(programme):
    d = programme
    iid, _ = start_mentoring(d)
    agree_mentoring(d, iid)
    for kind in ("lecture", "guidance", "training"):
        d.complete(iid, "Task_LogActivity", {"kind": kind, "held_on": "2014-09-01", "subject": f"{kind} 活动", "hours": 2})
        assert len(d.open_tasks(iid, "Task_LogActivity")) == 1    # always one open log task
    with pytest.raises(InvalidData) as error:
        d.complete(iid, "Task_LogActivity", {"kind": "party", "subject": "聚餐"})
    assert refused(error.value) == {"kind": "enum", "held_on": "required"}
    with d.engine.sessions() as s:
        assert sorted(s.scalars(select(Activity.kind))) == ["guidance", "lecture", "training"]


def test_annual_assessment_starts_on_each_anniversary_as_a_separate_instance(programme):
    d = programme
    iid, sid = start_mentoring(d)
    agree_mentoring(d, iid, period=3)                       # confirmed 2014-07-01
    assert ship(d).started_at == cst("2014-07-01 09:00").astimezone(timezone.utc)
    d.fire(cst("2015-06-30 09:00"))
    assert assessments(d) == []
    d.fire(cst("2015-07-01 09:01"))
    [a] = assessments(d)
    with d.engine.sessions() as s:
        inst = s.get(Instance, a.instance_id)
    assert (inst.process_key, inst.parent_id, a.year_no) == ("assessment", iid, 1)
    task = d.open_tasks(a.instance_id)[0]
    assert (task["element_id"], task["role"], task["scope"]) == ("Task_UnitAssessment", "unit_reviewer", "hongshan")
    assert messages(d.system, "assessment_due")[0]["users"] == ["hongshan_rev"]
    assess(d, 1)
    assert d.instance_status(a.instance_id) == "completed"
    d.fire(cst("2016-07-01 09:01"))
    assert [x.year_no for x in assessments(d)] == [1, 2]


def test_unqualified_mentor_is_disqualified(programme_restore):
    d = programme_restore
    iid, sid = start_mentoring(d)
    agree_mentoring(d, iid, period=3)
    d.fire(cst("2015-07-01 09:01"))
    assess(d, 1, "unqualified")
    d.fire()                                                  # delivers instance/cancel
    s_ = ship(d)
    assert s_.status == "disqualified"
    with d.engine.sessions() as s:
        cert = s.scalar(select(Certificate))
        entry = s.scalar(select(PoolEntry))
        assert cert.status == "revoked" and cert.revoked_at is not None
        assert entry.status == "ended"
        assert set(s.scalars(select(Mentee.status))) == {"released"}
    assert d.instance_status(iid) == "cancelled"
    assert d.open_tasks(iid) == []
    [note] = messages(d.system, "disqualified")
    assert {"mentor1", "hongshan_rev", "section"} <= set(note["users"])
    d.fire(cst("2017-08-01 09:00"))
    assert [x.year_no for x in assessments(d)] == [1]        # no more assessments


def test_talent_section_confirms_and_may_overrule_the_unit(programme):
    d = programme
    iid, _ = start_mentoring(d)
    agree_mentoring(d, iid, period=2)
    d.fire(cst("2015-07-01 09:01"))
    assess(d, 1, "qualified", final="unqualified")
    assert ship(d).status == "disqualified"
    assert assessments(d)[0].unit_result == "qualified" and assessments(d)[0].final_result == "unqualified"


def test_mentees_become_second_tier_candidates_after_the_period(programme_restore):
    d = programme_restore
    iid, sid = start_mentoring(d)
    agree_mentoring(d, iid, period=2)
    for task in d.open_tasks(iid, "Task_TrainingPlan"):
        d.complete(iid, "Task_TrainingPlan", {"training_plan": {"goals": "成为骨干"}}, task=task)
    d.complete(iid, "Task_LogActivity", {"kind": "lecture", "held_on": "2014-10-01", "subject": "专题讲座"})
    d.fire(cst("2015-07-02 09:00"))
    assess(d, 1)
    d.fire(cst("2016-07-02 09:00"))
    assert d.instance_status(iid) == "completed"             # period over: the activity log closes too
    assess(d, 2)
    assert ship(d).status == "completed"
    with d.engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SecondTierCandidate)) == 5
        assert set(s.scalars(select(Mentee.status))) == {"completed"}
    assert messages(d.system, "period_completed")[0]["context"]["mentees"] == [f"学员{i}" for i in range(1, 6)]


def test_anniversary_is_reckoned_in_china_time(programme, clock):
    d = programme
    _, rid = open_round(d, 2014)
    appoint(d, rid)
    clock.set(cst("2014-07-02 00:30"))                      # 2014-07-01 16:30 UTC, already 7月2日 in Chifeng
    agree_mentoring(d, ship(d).instance_id, period=2)
    assert ship(d).ends_at == datetime(2016, 7, 2, 1, 0, tzinfo=timezone.utc)  # 2016-07-02 09:00 +08:00


def test_mentees_may_be_given_as_lines_of_the_web_form(programme):
    d = programme
    iid, _ = start_mentoring(d)
    lines = ["王一，市医院 医师，临床医学", "王二", "王三，市医院", "王四", "王五"]
    d.complete(iid, "Task_RegisterMentees", {"period_years": 2, "mentees": lines})
    with d.engine.sessions() as s:
        from workflows.tables import Person
        rows = s.execute(select(Person.name, Person.workplace, Mentee.field).join(Mentee, Mentee.person_id == Person.id)
                         .order_by(Mentee.id)).all()
    assert rows[0] == ("王一", "市医院 医师", "临床医学") and [r[0] for r in rows] == ["王一", "王二", "王三", "王四", "王五"]


def test_second_tier_candidates_are_recognised_when_nominated_as_mentors(programme):
    from workflows.driver import sample_application
    from workflows.tables import Nomination
    import json
    d = programme
    iid, sid = start_mentoring(d)
    agree_mentoring(d, iid, period=2)
    d.fire(cst("2015-07-02 09:00"))
    assess(d, 1)
    d.fire(cst("2016-07-02 09:00"))
    assess(d, 2)
    d.clock.set(cst("2017-05-20 09:00"))
    _, rid = open_round(d, 2017)
    n = d.nominate(rid, "hongshan")
    d.complete(n, "Task_Fill", sample_application("学员1", birth_date="1986-05-01", chifeng_since="2008-07-01"))
    with d.engine.sessions() as s:
        findings = json.loads(s.scalar(select(Nomination.eligibility_json).where(Nomination.instance_id == n)))
    assert [f["code"] for f in findings] == ["W_SECOND_TIER"]
