"""Conditions of the notice that had no home (issue 13 point 5): the yearly duty check in the
assessment (二(二) 培带职责), recuperation and commendation as lists from the assessment results,
the training class and the study tour as events with attendance (三(三)), and the mentor profiles
the talent section approves for the publicity month (三(四))."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine import InvalidData, PermissionDenied
from workflows import events, publicity
from workflows.driver import sample_application
from workflows.tables import (Assessment, BenefitApplication, EventAttendance, IncentiveList, IncentiveListEntry,
                              Mentorship)

from .conftest import agree_mentoring, assess_year, close, committee, cst, messages, open_round, sign, submit


def two_mentors(d, period=3):
    """张伟 (红山区) and 王芳 (松山区) appointed in 2014, agreements confirmed on 1 July 2014."""
    _, rid = open_round(d, 2014)
    iids = [submit(d, rid, unit, sample_application(name)) for name, unit in (("张伟", "hongshan"), ("王芳", "songshan"))]
    close(d, rid)
    for iid in iids:
        committee(d, iid)
    sign(d, rid)
    with d.engine.sessions() as s:
        ships = s.scalars(select(Mentorship).order_by(Mentorship.id)).all()
    for ship in ships:
        agree_mentoring(d, ship.instance_id, period=period)
    return ships


def assessment(d, mentorship_id, year_no=1) -> Assessment:
    with d.engine.sessions() as s:
        return s.scalar(select(Assessment).where(Assessment.mentorship_id == mentorship_id, Assessment.year_no == year_no))


# ---------------------------------------------------------------------- 培带职责


def test_the_assessment_shows_the_mentors_duties_of_the_year_against_the_rules(programme):
    d = programme
    busy, idle = two_mentors(d)
    for kind, day in (("lecture", "2014-09-01"), ("lecture", "2015-03-01"), ("exchange", "2015-04-01"),
                      ("guidance", "2015-07-05")):                  # the last one is in the second year
        d.complete(busy.instance_id, "Task_LogActivity", {"kind": kind, "held_on": day, "subject": "培带活动"})
    d.complete(idle.instance_id, "Task_LogActivity", {"kind": "exchange", "held_on": "2014-10-01", "subject": "座谈"})
    d.fire(cst("2015-07-01 09:01"))
    a, b = assessment(d, busy.id), assessment(d, idle.id)
    duty = json.loads(a.duty_json)
    assert duty["counts"] == {"lecture": 2, "guidance": 0, "training": 0, "exchange": 1}
    assert (duty["done"], duty["required"], duty["met"]) == (2, 1, True)
    assert json.loads(b.duty_json)["met"] is False                    # an exchange alone is not a duty of the notice
    # the unit (and then the talent section) read it on the assessment's task
    [task] = d.open_tasks(a.instance_id)
    assert task["title"] == "张伟 第1年度考核（培带职责：专题讲座2次、技术辅导0次、培训授课0次，合计2次，规定每年至少1次，达标）"
    assert "合计0次，规定每年至少1次，未达标" in d.open_tasks(b.instance_id)[0]["title"]
    assess_year(d, 1, mentorship_id=busy.id)
    assert "达标" in d.engine.instance_detail(a.instance_id)["data"]["title"]


# ---------------------------------------------------------------------- 休假疗养、表彰奖励


def start_list(d, kind, year):
    return d.start("incentive_list", {"kind": kind, "year": year}, user="section")


def entries(d, list_id):
    with d.engine.sessions() as s:
        return {e.person_id: e for e in s.scalars(select(IncentiveListEntry).where(IncentiveListEntry.list_id == list_id))}


def test_recuperation_goes_to_outstanding_mentors_on_a_list_the_director_approves(programme):
    d = programme
    good, plain = two_mentors(d)
    d.fire(cst("2015-07-01 09:01"))
    assess_year(d, 1, outstanding=True, mentorship_id=good.id)
    assess_year(d, 1, mentorship_id=plain.id)
    iid = start_list(d, "recuperation", 2015)
    with d.engine.sessions() as s:
        lst = s.scalar(select(IncentiveList))
    assert set(entries(d, lst.id)) == {good.mentor_id}                 # only the outstanding one is a candidate
    assert entries(d, lst.id)[good.mentor_id].basis == "第1年度考核优秀"
    with pytest.raises(InvalidData, match="不在人选范围内"):
        d.complete(iid, "Task_ProposeList", {"selected": [plain.mentor_id]})
    d.complete(iid, "Task_ProposeList", {"selected": [good.mentor_id], "comment": "按考核结果"})
    with pytest.raises(PermissionDenied):
        d.complete(iid, "Task_ApproveList", {"incentive_decision": "approve"}, user="section")
    with pytest.raises(InvalidData):
        d.complete(iid, "Task_ApproveList", {"incentive_decision": "return"})   # a reason to return it
    d.complete(iid, "Task_ApproveList", {"incentive_decision": "return", "comment": "请说明疗养安排"})
    again = d.engine.task_data(d.open_tasks(iid, "Task_ProposeList")[0]["id"], d.actor("section"))
    assert again["selected"] == [good.mentor_id]                        # the list comes back as proposed
    d.complete(iid, "Task_ProposeList", {"selected": [good.mentor_id], "comment": "8月赴克什克腾旗疗养"})
    d.complete(iid, "Task_ApproveList", {"incentive_decision": "approve"}, user="director")
    assert d.instance_status(iid) == "completed"
    with d.engine.sessions() as s:
        [granted] = s.scalars(select(BenefitApplication)).all()
        lst = s.get(IncentiveList, lst.id)
    assert (granted.person_id, granted.kind, granted.status, granted.year) == (good.mentor_id, "recuperation", "approved", 2015)
    assert (lst.status, lst.approved_by) == ("approved", "director")
    told = [m for m in messages(d.system, "decision_result") if m["context"]["kind"] == "benefit"]
    assert told[0]["users"] == [f"mentor{good.mentor_id}"] and "2015年度免费休假疗养名单" in told[0]["context"]["outcome_label"]


def test_commendation_at_the_rules_interval_from_the_assessment_results(programme):
    d = programme
    good, plain = two_mentors(d)
    d.fire(cst("2015-07-01 09:01"))
    assess_year(d, 1, outstanding=True, mentorship_id=good.id)
    assess_year(d, 1, outstanding=True, mentorship_id=plain.id)
    d.fire(cst("2016-07-01 09:01"))
    assess_year(d, 2, mentorship_id=good.id)
    assess_year(d, 2, "qualified", final="unqualified", mentorship_id=plain.id)   # not qualified every year
    d.fire()
    iid = start_list(d, "commendation", 2017)
    with d.engine.sessions() as s:
        list_id = s.scalar(select(IncentiveList.id))
    assert set(entries(d, list_id)) == {good.mentor_id}
    d.complete(iid, "Task_ProposeList", {"selected": [str(good.mentor_id)]})   # the task page's lines
    d.complete(iid, "Task_ApproveList", {"incentive_decision": "approve"})
    with pytest.raises(InvalidData, match="已经发起"):
        start_list(d, "commendation", 2017)
    iid = start_list(d, "commendation", 2018)                           # within three years: not a candidate again
    with d.engine.sessions() as s:
        later = s.scalar(select(IncentiveList.id).where(IncentiveList.year == 2018))
    assert entries(d, later) == {}


def test_only_the_talent_section_starts_an_incentive_list(programme):
    d = programme
    with pytest.raises(PermissionDenied):
        d.start("incentive_list", {"kind": "recuperation", "year": 2015}, user="director")
    with pytest.raises(InvalidData):
        d.start("incentive_list", {"kind": "bus_card", "year": 2015}, user="section")


# ---------------------------------------------------------------------- 培训班、学习考察


def test_the_training_class_invites_every_mentor_the_study_tour_the_outstanding_ones(programme):
    d = programme
    good, plain = two_mentors(d)
    d.fire(cst("2015-07-01 09:01"))
    assess_year(d, 1, outstanding=True, mentorship_id=good.id)
    assess_year(d, 1, mentorship_id=plain.id)
    with d.engine.unit_of_work() as s:
        course = events.create(s, kind="training_class", title="2015年度培带人培训班", starts_on="2015-08-10",
                               ends_on="2015-08-14", place="市委党校", actor="section", now=d.clock.now())
        tour = events.create(s, kind="study_tour", title="优秀培带人赴深圳学习考察", starts_on="2015-09-20",
                             ends_on="2015-09-26", place="深圳", actor="section", now=d.clock.now())
        course_id, tour_id = course.id, tour.id
    with d.engine.sessions() as s:
        assert {i.name for i in events.invitees(s, course_id)} == {"张伟", "王芳"}
        assert {i.name for i in events.invitees(s, tour_id)} == {"张伟"}
    with pytest.raises(InvalidData, match="尚未开始"):
        with d.engine.unit_of_work() as s:
            events.record_attendance(s, course_id, {good.mentor_id}, now=d.clock.now())
    d.clock.set(cst("2015-08-15 09:00"))
    with d.engine.unit_of_work() as s:
        events.record_attendance(s, course_id, {good.mentor_id}, now=d.clock.now())
    with d.engine.sessions() as s:
        attended = dict(s.execute(select(EventAttendance.person_id, EventAttendance.attended)
                                  .where(EventAttendance.event_id == course_id)).all())
        mine = events.of_mentor(s, plain.mentor_id)
    assert attended == {good.mentor_id: True, plain.mentor_id: False}
    assert [(e["title"], e["attended"], e["status"]) for e in mine] == [("2015年度培带人培训班", False, "已举办")]


def test_an_event_is_checked_field_by_field_in_chinese(programme):
    d = programme
    with pytest.raises(InvalidData) as error:
        with d.engine.unit_of_work() as s:
            events.create(s, kind="party", title="聚", starts_on="2015-08-10", ends_on="2015-08-01", actor="section",
                          now=d.clock.now())
    fields = {e["field"]: e["message"] for e in error.value.details["errors"]}
    assert fields["kind"].startswith("活动类型须为：培带人培训班") and fields["title"] == "活动名称须为2至200个字"
    assert fields["ends_on"] == "结束日期不能早于开始日期"


# ---------------------------------------------------------------------- 宣传月


def test_publicity_profiles_start_from_the_nomination_and_are_approved_by_the_section(programme):
    d = programme
    good, plain = two_mentors(d)
    with d.engine.sessions() as s:
        rows = publicity.profiles(s, 2015)
    assert [(p.name, p.status) for p in rows] == [("张伟", "none"), ("王芳", "none")]
    assert "主持省部级科研课题两项" in rows[0].text and rows[0].certificate == "CFPD-2014-0001"
    with pytest.raises(InvalidData, match="简介须为20至2000个字"):
        with d.engine.unit_of_work() as s:
            publicity.save(s, good.mentor_id, 2015, "太短", approve=True, actor="section", now=d.clock.now())
    text = "张伟，赤峰市医院主任医师，从医三十年，带出青年骨干十余名，主持省部级课题两项。"
    with d.engine.unit_of_work() as s:
        publicity.save(s, good.mentor_id, 2015, text, approve=True, actor="section", now=d.clock.now())
        publicity.save(s, plain.mentor_id, 2015, text.replace("张伟", "王芳"), approve=False, actor="section", now=d.clock.now())
    with d.engine.sessions() as s:
        assert [p.name for p in publicity.approved(s, 2015)] == ["张伟"]
    with d.engine.unit_of_work() as s:   # an approved text edited again waits for approval again
        publicity.save(s, good.mentor_id, 2015, text + "获评优秀培带人。", approve=False, actor="section", now=d.clock.now())
    with d.engine.sessions() as s:
        assert publicity.approved(s, 2015) == []


# ---------------------------------------------------------------------- 选拔条件1 (政治品德)


def test_a_unit_must_attest_the_political_and_ethical_conditions_to_approve(programme):
    from workflows.tables import Nomination

    from .conftest import refused
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "hongshan", sample_application("张伟"), review=False)
    for data in ({"unit_decision": "approve"}, {"unit_decision": "approve", "conditions_attested": False}):
        with pytest.raises(InvalidData) as error:
            d.complete(iid, "Task_UnitReview", data)
        assert set(refused(error.value)) == {"conditions_attested"}
    d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充材料"})   # no attestation to return
    d.complete(iid, "Task_Fill", sample_application("张伟"))
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True}, user="hongshan_rev")
    with d.engine.sessions() as s:
        nom = s.scalar(select(Nomination))
    assert (nom.status, nom.conditions_attested_by, nom.conditions_attested_at) == ("submitted", "hongshan_rev", d.clock.now())
