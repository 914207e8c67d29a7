"""Nomination (推荐): 附件2, eligibility rules of the notice (DMN), unit review, committee by
category (a committee_review instance per nomination), the signed list, certificate, pool, start
of mentoring. The list itself: test_list.py."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine import InvalidData
from engine.tables import Instance
from workflows.driver import sample_application
from workflows.tables import Certificate, ExpertOpinion, Mentorship, Nomination, PoolEntry

from .conftest import committee, cst, messages, open_round, refused, sign, submit


def nomination(d, nid=1) -> Nomination:
    with d.engine.sessions() as s:
        return s.get(Nomination, nid)


def fill(d, rid, unit="hongshan", **overrides) -> int:
    iid = d.nominate(rid, unit)
    d.complete(iid, "Task_Fill", sample_application(**overrides))
    return iid


def reasons(d, iid):
    """(errors, warnings) of the nomination's latest eligibility decision, as recorded."""
    with d.engine.sessions() as s:
        findings = json.loads(s.scalar(select(Nomination.eligibility_json).where(Nomination.instance_id == iid)))
    return ([f["reason"] for f in findings if f["level"] == "error"],
            [f["reason"] for f in findings if f["level"] == "warning"])


def test_nomination_runs_to_certificate_pool_and_mentoring(programme_any):
    d = programme_any
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    first = d.open_tasks(iid)[0]
    assert (first["element_id"], first["role"], first["scope"]) == ("Task_Fill", "unit_submitter", "hongshan")
    d.complete(iid, "Task_Fill", sample_application())
    review = d.open_tasks(iid, "Task_UnitReview")[0]
    assert (review["role"], review["scope"], review["category"]) == ("unit_reviewer", "hongshan", "professional")
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True}, user="hongshan_rev")
    assert d.instance_status(iid) == "completed"          # 已报送
    d.fire(cst("2014-07-01 09:00"))
    review = committee(d, iid, ("agree", "agree", "agree", "disagree", "agree"))
    assert d.instance_status(review) == "completed"
    round_iid = d.round_instance(rid)
    d.prepare_list(round_iid)
    sign_task = d.open_tasks(round_iid, "Task_SignList")[0]
    assert sign_task["role"] == "director"
    d.sign_list(round_iid)
    with d.engine.sessions() as s:
        nom = s.get(Nomination, 1)
        cert = s.scalar(select(Certificate))
        entry = s.scalar(select(PoolEntry))
        ship = s.scalar(select(Mentorship))
        assert (nom.status, nom.agree, nom.experts, nom.age, nom.years_in_chifeng) == ("appointed", 4, 5, 45, 21)
        assert (cert.number, cert.status) == ("CFPD-2014-0001", "valid")
        assert (entry.status, entry.category, entry.unit_id) == ("active", "professional", "hongshan")
        assert s.scalar(select(func.count()).select_from(ExpertOpinion)) == 5
        assert s.get(Instance, ship.instance_id).process_key == "mentoring"
    assert d.open_tasks(ship.instance_id)[0]["element_id"] == "Task_RegisterMentees"
    assert messages(d.system, "certificate_issued")[0]["context"]["number"] == "CFPD-2014-0001"
    assert messages(d.system, topic="document/render") == [{"kind": "certificate", "id": cert.id}]


def test_nomination_over_55_needs_exceptional_flag(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = fill(d, rid, birth_date="1957-01-01")
    errors, _ = reasons(d, iid)
    assert errors == ["年龄57岁，超过55岁且未申请破格"]
    assert [t["element_id"] for t in d.open_tasks(iid)] == ["Task_Fill"]   # back to the submitter with the reason
    assert nomination(d).status == "ineligible"
    d.complete(iid, "Task_Fill", sample_application(birth_date="1957-01-01", exceptional=True))
    assert reasons(d, iid)[0] == ["年龄57岁，申请破格但未填写破格理由"]
    d.complete(iid, "Task_Fill", sample_application(birth_date="1957-01-01", exceptional=True, exceptional_reason="国家级专家"))
    errors, warnings = reasons(d, iid)
    assert errors == [] and warnings == ["年龄57岁，超过55岁，按特别优秀破格推荐，请评审委员会审议破格理由"]
    assert [t["element_id"] for t in d.open_tasks(iid)] == ["Task_UnitReview"]


def test_exceptional_justification_is_shown_to_the_committee(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, application=sample_application(birth_date="1950-01-01", exceptional=True, exceptional_reason="国家级专家"))
    d.fire(cst("2014-07-01 09:00"))
    data = d.engine.instance_detail(d.review_of(iid))["data"]   # what the experts' review carries
    assert data["exceptional_reason"] == "国家级专家" and "破格" in data["committee_note"][0]


def test_age_is_counted_as_of_the_round_deadline(programme):
    d = programme
    _, rid = open_round(d, 2014)   # deadline 2014-06-30
    fill(d, rid, birth_date="1958-07-01")   # 55 on the deadline
    fill(d, rid, birth_date="1958-06-30")   # 56 on the deadline
    assert (nomination(d, 1).age, nomination(d, 1).eligible) == (55, True)
    assert (nomination(d, 2).age, nomination(d, 2).eligible) == (56, False)


def test_nominee_must_have_worked_three_years_in_chifeng(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = fill(d, rid, chifeng_since="2011-07-01")
    assert reasons(d, iid)[0] == ["在赤峰市工作2年，不满3年"]
    fill(d, rid, chifeng_since="2011-06-30")
    assert nomination(d, 2).years_in_chifeng == 3 and nomination(d, 2).eligible


def test_professional_without_master_or_associate_senior_title_is_a_warning_not_a_rejection(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = fill(d, rid, degree="bachelor", title_level="intermediate")
    errors, warnings = reasons(d, iid)
    assert errors == [] and "副高级以上专业技术职称" in warnings[0]
    fill(d, rid, degree="bachelor", title_level="associate_senior")
    assert json.loads(nomination(d, 2).eligibility_json) == []


def test_skilled_talent_needs_a_listed_award_or_technician_level(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = fill(d, rid, talent_type="skilled", skill_level="senior_worker", skill_honours=[])
    assert "技师" in reasons(d, iid)[0][0]
    fill(d, rid, talent_type="skilled", skill_level="technician")
    fill(d, rid, talent_type="skilled", skill_level="none", skill_honours=["national_technical_expert"])
    assert nomination(d, 2).eligible and nomination(d, 3).eligible
    assert nomination(d, 2).category == "skilled"


def test_rural_practical_talent_must_be_one_of_the_four_kinds(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = fill(d, rid, talent_type="rural", rural_kinds=[])
    assert "四类之一" in reasons(d, iid)[0][0]
    fill(d, rid, talent_type="rural", rural_kinds=["business"])
    assert nomination(d, 2).eligible and nomination(d, 2).category == "rural"


def test_other_talent_needs_approval_reference_and_a_review_category(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    with pytest.raises(InvalidData, match="请选择评审类别（专业技术人才、高技能人才、农村牧区实用人才）") as error:
        d.complete(iid, "Task_Fill", sample_application(talent_type="approved"))
    assert error.value.details["field"] == "panel"   # the rules (panel_of_talent_type) leave it to the unit
    d.complete(iid, "Task_Fill", sample_application(talent_type="approved", panel="skilled"))
    assert "批准文件文号" in reasons(d, iid)[0][0]
    d.complete(iid, "Task_Fill", sample_application(talent_type="approved", panel="skilled", approval_ref="赤组字〔2014〕8号"))
    assert nomination(d).eligible and nomination(d).category == "skilled"


def test_missing_required_fields_are_refused_in_chinese(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    application = sample_application()
    del application["birth_date"]
    with pytest.raises(InvalidData) as error:
        d.complete(iid, "Task_Fill", application)
    assert refused(error.value) == {"birth_date": "required"} and "此项为必填项" in error.value.message
    with pytest.raises(InvalidData) as error:
        d.complete(iid, "Task_Fill", sample_application(birth_date="1969-02-30"))
    assert refused(error.value) == {"birth_date": "format"}
    assert [t["element_id"] for t in d.open_tasks(iid)] == ["Task_Fill"]


def test_returned_nomination_goes_back_to_the_submitter_with_the_comment(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, review=False)
    for blank in ("", "  \n "):
        with pytest.raises(InvalidData) as error:
            d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": blank})
        assert set(refused(error.value)) == {"comment"}
    d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充获奖证书复印件"})
    task = d.open_tasks(iid)[0]
    assert (task["element_id"], task["role"]) == ("Task_Fill", "unit_submitter")
    assert nomination(d).last_comment == "请补充获奖证书复印件"
    [note] = messages(d.system, "returned_for_revision")
    assert note["users"] == ["hongshan_sub"] and note["context"]["comment"] == "请补充获奖证书复印件"
    assert (nomination(d).status, nomination(d).returns) == ("returned", 1)


def test_a_nomination_can_be_returned_any_number_of_times_without_deepening_the_tree(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    for i in range(40):
        d.complete(iid, "Task_Fill", sample_application(recommendation=f"第{i}次"))
        d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": f"第{i}次退回"})
    d.complete(iid, "Task_Fill", sample_application())
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
    assert nomination(d).returns == 40 and nomination(d).status == "submitted"
    with d.engine.sessions() as s:
        state = json.loads(s.get(Instance, iid).state)
    tasks = state["tasks"]

    def depth(tid):
        n = 0
        while tasks[tid]["parent"] is not None:
            tid, n = tasks[tid]["parent"], n + 1
        return n
    assert max(depth(t) for t in tasks) < 30   # the loop adds siblings, not depth


def test_reject_requires_a_comment_and_ends_the_nomination(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, review=False)
    with pytest.raises(InvalidData) as error:
        d.complete(iid, "Task_UnitReview", {"unit_decision": "reject"})
    assert refused(error.value) == {"comment": "required"}
    d.complete(iid, "Task_UnitReview", {"unit_decision": "reject", "comment": "业绩不突出"})
    assert d.instance_status(iid) == "completed" and nomination(d).status == "rejected"
    [result] = messages(d.system, "decision_result")
    assert result["context"]["outcome"] == "rejected" and result["context"]["comment"] == "业绩不突出"


def test_submitter_can_withdraw(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    d.complete(iid, "Task_Fill", {"action": "withdraw"})
    assert d.instance_status(iid) == "completed" and nomination(d).status == "withdrawn"


def test_reviewer_of_another_unit_cannot_review(programme):
    from engine import PermissionDenied
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, review=False)
    with pytest.raises(PermissionDenied):
        d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True}, user="songshan_rev")


def test_committee_reviews_each_category_separately_with_experts_and_rule_from_the_round(programme):
    d = programme
    _, rid = open_round(d, 2014, experts_per_panel=3, rule_num=2, rule_den=3)
    a = submit(d, rid, "hongshan", sample_application("甲"))
    b = submit(d, rid, "songshan", sample_application("乙", talent_type="skilled", skill_level="technician"))
    d.fire(cst("2014-07-01 09:00"))
    ta, tb = d.open_tasks(d.review_of(a), "Task_ExpertReview"), d.open_tasks(d.review_of(b), "Task_ExpertReview")
    assert len(ta) == len(tb) == 3
    assert {t["scope"] for t in ta} == {"professional"} and all(t["assignee"].startswith("expert_professional") for t in ta)
    assert all(t["assignee"].startswith("expert_skilled") for t in tb)
    committee(d, a, ("agree", "agree", "disagree"))      # 2 of 3: recommended
    committee(d, b, ("agree", "disagree", "abstain"))    # 1 of 3: not
    assert nomination(d, 1).status == "recommended" and nomination(d, 2).status == "not_recommended"
    assert d.instance_status(d.review_of(a)) == d.instance_status(d.review_of(b)) == "completed"


def test_expert_of_another_category_cannot_give_an_opinion(programme):
    from engine import PermissionDenied
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid)
    d.fire(cst("2014-07-01 09:00"))
    with pytest.raises(PermissionDenied):
        d.complete(d.review_of(iid), "Task_ExpertReview", {"opinion": {"vote": "agree", "score": 90}}, user="expert_rural_1")


def test_director_sign_off_is_required_for_a_certificate(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid)
    d.fire(cst("2014-07-01 09:00"))
    committee(d, iid)
    d.prepare_list(d.round_instance(rid))
    with d.engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 0   # prepared, not signed
    d.sign_list(d.round_instance(rid), {1: "名额已满"})
    assert nomination(d).status == "declined"
    with d.engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 0


def test_certificate_numbers_are_unique_and_sequential_per_round_year(programme):
    d = programme
    _, rid = open_round(d, 2014)
    ids = [submit(d, rid, unit, sample_application(name)) for unit, name in (("hongshan", "甲"), ("cfu", "乙"), ("aohan", "丙"))]
    d.fire(cst("2014-07-01 09:00"))
    for iid in ids:
        committee(d, iid)
    sign(d, rid, order=[1, 2, 3])
    with d.engine.sessions() as s:
        assert list(s.scalars(select(Certificate.number).order_by(Certificate.id))) == [
            "CFPD-2014-0001", "CFPD-2014-0002", "CFPD-2014-0003"]


def test_a_submitter_nominates_only_for_their_own_unit(programme):
    from engine import PermissionDenied
    d = programme
    _, rid = open_round(d, 2014)
    with pytest.raises(PermissionDenied, match="本人负责的范围"):
        d.nominate(rid, "hongshan", user="songshan_sub")
    with d.engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Nomination)) == 0


def test_talent_type_must_be_one_of_the_five_in_the_notices_scope(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    with pytest.raises(InvalidData) as error:
        d.complete(iid, "Task_Fill", sample_application(talent_type="official", panel="professional"))
    assert refused(error.value) == {"talent_type": "enum"}


def test_striking_out_at_sign_off_needs_its_own_reason(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, review=False)
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True, "comment": "同意推荐"})
    d.fire(cst("2014-07-01 09:00"))
    committee(d, iid)
    round_iid = d.round_instance(rid)
    d.prepare_list(round_iid)
    with pytest.raises(InvalidData):
        d.sign_list(round_iid, {1: ""})   # the unit's "同意推荐" is not the director's reason
    d.sign_list(round_iid, {1: "名额已满"})
    assert messages(d.system, "decision_result")[0]["context"]["comment"] == "名额已满"


def test_the_application_form_refuses_a_birth_date_before_1920_and_a_start_in_chifeng_before_1940(programme):
    """The form (bpmn/forms/application.schema.json, formatMinimum) bounds the dates: 0001-01-01
    was accepted and the eligibility check then reported an age of 2013 years."""
    d = programme
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    for field, value in (("birth_date", "0001-01-01"), ("chifeng_since", "1939-12-31")):
        with pytest.raises(InvalidData) as err:
            d.complete(iid, "Task_Fill", sample_application(**{field: value}))
        assert refused(err.value) == {field: "formatMinimum"}
    d.complete(iid, "Task_Fill", sample_application(birth_date="1920-01-01"))


def test_the_application_page_offers_no_birth_date_before_1920(system):
    """The form's formatMinimum is the date input's min, so the browser's picker starts there too."""
    import json
    from pathlib import Path

    from flask import render_template_string

    from webapp import create_app
    from webapp.schema_forms import fields
    schema = json.loads((Path(__file__).resolve().parents[2] / "bpmn" / "forms" / "application.schema.json").read_text("utf-8"))
    birth = next(f for f in fields(schema) if f.name == "birth_date")
    with create_app(system).test_request_context("/"):
        html = render_template_string('{% from "macros.html" import field %}{{ field(f, {}, {}) }}', f=birth)
    assert 'type="date"' in html and 'min="1920-01-01"' in html and "max=" not in html
