"""The engine's boundary as the programme sees it (issue 10, DESIGN.md invariant 9).

* Records come from the instance: a completion cannot point a handler at another unit's record,
  and every handler that changes a record by id refuses one that belongs to another instance.
* Starting is a permission and a contract: who may start what, within their scope, and bad start
  data answers :class:`InvalidData` with a Chinese message, writing nothing.
* Each loop iteration starts clean: every looped or multi-instance user task in ``bpmn/`` opens
  without the previous iteration's answers (a returned form keeps only what it should show again).

Run on both databases (``backend``)."""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from lxml import etree
from sqlalchemy import func, select

from engine import SYSTEM_ACTOR, InvalidData, PermissionDenied
from engine.tables import HumanTask, Instance
from workflows.driver import sample_application, sample_mentees
from workflows.handlers import OPERATIONS
from workflows.tables import (Activity, Assessment, BenefitApplication, Mentee, Mentorship, Nomination, Person, Round)

from .conftest import BPMN, _driver, agree_mentoring, committee, cst, open_round, sign, submit

CJK = re.compile(r"[\u4e00-\u9fff]")
PYTHON_TEXT = re.compile(r"Error|Exception|Traceback|invalid literal|NoneType|out of range|object has no|'[a-z_]+'\)")


@pytest.fixture
def d(system):
    """The shipped models on both databases, with the units and a user for every role."""
    return _driver(system)


# ----------------------------------------------------------------------------- helpers


def said_in_chinese(exc) -> str:
    """The message a person reads: Chinese, and no Python exception text."""
    message = exc.message
    assert CJK.search(message), message
    assert not PYTHON_TEXT.search(message), message
    return message


def fields(exc) -> set[str]:
    return {e["field"] for e in exc.details.get("errors", [])}


def counts(d) -> dict:
    """How many rows each table the boundary protects holds (a refusal writes nothing)."""
    tables = (Instance, HumanTask, Round, Nomination, Mentorship, Assessment, BenefitApplication, Activity)
    with d.engine.sessions() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in tables}


def snapshot(d, table, id_) -> dict:
    with d.engine.sessions() as s:
        row = s.get(table, id_)
        return {c.key: getattr(row, c.key) for c in table.__table__.columns}


def nomination_of(d, instance_id) -> Nomination:
    with d.engine.sessions() as s:
        return s.scalar(select(Nomination).where(Nomination.instance_id == instance_id))


def task_data(d, instance_id, element, task=None) -> dict:
    """What the task's form opens with, read as the person who would act on it."""
    task = task or d.open_tasks(instance_id, element)[0]
    return d.engine.task_data(task["id"], d.actor(d.who_can(task)))


def mentorships(d) -> list[Mentorship]:
    with d.engine.sessions() as s:
        return list(s.scalars(select(Mentorship).order_by(Mentorship.id)))


def appointed(d, units=("hongshan", "songshan")) -> tuple[int, list[int], list[Mentorship]]:
    """One 2014 round; a mentor appointed for each unit, agreement confirmed (2-year period).
    Returns (round id, nomination instance ids, mentorships)."""
    _, rid = open_round(d, 2014)
    names = ["张伟", "李娜", "王强"]
    iids = [submit(d, rid, unit, sample_application(names[i])) for i, unit in enumerate(units)]
    d.fire(cst("2014-07-01 09:00"))
    for iid in iids:
        committee(d, iid)
    sign(d, rid)
    ships = mentorships(d)
    for ship in ships:
        agree_mentoring(d, ship.instance_id, period=2)
    return rid, iids, mentorships(d)


# ----------------------------------------------------------------------------- records come from the instance


def test_another_units_nomination_id_in_a_fill_completion_is_refused_and_that_nomination_is_unchanged(d):
    _, rid = open_round(d, 2014)
    theirs = nomination_of(d, submit(d, rid, "songshan", sample_application("李娜")))
    mine = d.nominate(rid, "hongshan")
    before, written = snapshot(d, Nomination, theirs.id), counts(d)
    with pytest.raises(InvalidData) as refused:
        d.complete(mine, "Task_Fill", sample_application("张伟", nomination_id=theirs.id), user="hongshan_sub")
    said_in_chinese(refused.value)
    assert fields(refused.value) == {"nomination_id"}
    assert snapshot(d, Nomination, theirs.id) == before and counts(d) == written
    assert [t["element_id"] for t in d.open_tasks(mine)] == ["Task_Fill"]
    assert nomination_of(d, mine).revision == 0


def test_withdraw_with_another_nomination_id_cannot_withdraw_another_units_nomination(d):
    _, rid = open_round(d, 2014)
    other = submit(d, rid, "songshan", sample_application("李娜"))
    theirs = nomination_of(d, other)
    mine = d.nominate(rid, "hongshan")
    with pytest.raises(InvalidData) as refused:
        d.complete(mine, "Task_Fill", {"action": "withdraw", "nomination_id": theirs.id}, user="hongshan_sub")
    said_in_chinese(refused.value)
    assert snapshot(d, Nomination, theirs.id)["status"] == "submitted" and d.instance_status(other) == "completed"   # 已报送
    assert nomination_of(d, mine).status == "draft" and [t["element_id"] for t in d.open_tasks(mine)] == ["Task_Fill"]
    d.complete(mine, "Task_Fill", {"action": "withdraw"}, user="hongshan_sub")   # her own: withdrawn
    assert nomination_of(d, mine).status == "withdrawn"
    assert snapshot(d, Nomination, theirs.id)["status"] == "submitted"


def test_unit_id_in_a_completion_cannot_reroute_the_review(d):
    _, rid = open_round(d, 2014)
    mine = d.nominate(rid, "hongshan")
    with pytest.raises(InvalidData) as refused:
        d.complete(mine, "Task_Fill", sample_application("张伟", unit_id="songshan"), user="hongshan_sub")
    assert fields(refused.value) == {"unit_id"}
    with d.engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.scope == "songshan")) == 0
    d.complete(mine, "Task_Fill", sample_application("张伟"), user="hongshan_sub")
    review = d.open_tasks(mine, "Task_UnitReview")[0]
    assert (review["role"], review["scope"]) == ("unit_reviewer", "hongshan")


class _Rollback(Exception):
    pass


def run_handler(d, operation, instance_id, data, actor=SYSTEM_ACTOR, **params):
    """Run one service-task handler the way the engine does (in a write transaction, with the
    running instance and the task data), then roll everything back. Returns (result, data)."""
    out = {}
    try:
        with d.engine.unit_of_work() as s:
            task = SimpleNamespace(data=dict(data), uuid="handler-test")
            ctx = SimpleNamespace(session=s, instance_id=instance_id, actor=actor, now=d.clock.now(), task=task,
                                  engine=d.engine, emit=lambda *a, **k: None, start_instance=lambda *a, **k: 0)
            out["result"], out["data"] = OPERATIONS[operation](ctx, **params), task.data
            raise _Rollback
    except _Rollback:
        pass
    return out["result"], out["data"]


def test_every_handler_that_changes_a_record_by_id_refuses_another_instances_record(d):
    """Independent of the forms: a service task handed the id of a record another instance owns
    (a nomination, a round, a mentorship, an assessment, a benefit application) refuses it."""
    rid, (nom_a, nom_b), (ship_a, ship_b) = appointed(d)
    nb = nomination_of(d, nom_b).id
    with d.engine.sessions() as s:
        round_iid = s.get(Round, rid).instance_id
    d.fire(cst("2015-07-02 09:00"))        # first anniversary: an assessment instance per mentorship
    with d.engine.sessions() as s:
        ass_a, ass_b = s.scalars(select(Assessment).order_by(Assessment.mentorship_id)).all()
        mentee_b = s.scalar(select(Mentee.id).where(Mentee.mentorship_id == ship_b.id))
    apps = []
    for ship in (ship_a, ship_b):
        iid = d.start("benefit_application", {"mentor_id": ship.mentor_id}, user=f"mentor{ship.mentor_id}")
        d.complete(iid, "Task_Apply", {"kind": "training_class"}, user=f"mentor{ship.mentor_id}")
        apps.append(iid)
    with d.engine.sessions() as s:
        app_b = s.scalar(select(BenefitApplication.id).where(BenefitApplication.instance_id == apps[1]))

    n = {"nomination_id": nb}
    m = {"mentorship_id": ship_b.id}
    cases = [  # (operation, running instance, task data, parameters)
        ("nomination/check_eligibility", nom_a, {**sample_application(), **n}, n),
        ("nomination/record_eligibility", nom_a, n, n),
        ("nomination/record_review", nom_a, {**n, "unit_decision": "approve", "conditions_attested": True}, n),
        ("nomination/submit", nom_a, n, n),
        ("nomination/close", nom_a, n, {**n, "outcome": "withdrawn"}),
        ("committee/assign", nom_a, n, n),
        ("committee/record", nom_a, n, n),
        ("certificate/issue", nom_a, n, n),
        ("pool/enter", nom_a, n, n),
        ("mentoring/start", nom_a, n, n),
        ("round/remind", nom_a, {"round_id": rid}, {"round_id": rid, "days": 7}),
        ("round/tick", nom_a, {"round_id": rid}, {"round_id": rid}),
        ("round/manage", nom_a, {"round_id": rid, "round_action": "close", "reason": "提前截止"}, {"round_id": rid}),
        ("list/prepare", nom_a, {"round_id": rid}, {"round_id": rid}),
        ("list/sign", nom_a, {"round_id": rid, "sign_list": "sign"}, {"round_id": rid}),
        ("list/appoint", nom_a, {"round_id": rid}, {"round_id": rid}),
        ("round/escalate", nom_a, {"round_id": rid}, {"round_id": rid}),
        ("round/close", nom_a, {"round_id": rid}, {"round_id": rid}),
        ("round/publish", nom_a, {"round_id": rid}, {"round_id": rid}),
        ("round/next_due", nom_a, {"round_id": rid}, {"round_id": rid}),
        ("mentoring/register_mentees", ship_a.instance_id, {**m, "period_years": 2, "mentees": sample_mentees()}, m),
        ("mentoring/record_agreement", ship_a.instance_id, {**m, "agreement_decision": "confirm"}, m),
        ("mentoring/start_period", ship_a.instance_id, m, m),
        ("mentoring/record_plans", ship_a.instance_id, {**m, "mentee_ids": [mentee_b], "training_plans": [{"goals": "x"}]}, m),
        ("activity/log", ship_a.instance_id, {**m, "kind": "lecture", "held_on": "2015-07-03", "subject": "讲座"}, m),
        ("assessment/start", ship_a.instance_id, m, {**m, "year_no": 2}),
        ("assessment/open", ass_a.instance_id, m, {**m, "year_no": 1}),
        ("assessment/record", ass_a.instance_id, {"assessment_id": ass_b.id, "result": "unqualified",
                                                  "final_result": "unqualified"}, {"assessment_id": ass_b.id}),
        ("mentor/disqualify", ass_a.instance_id, {**m, "assessment_id": ass_b.id}, m),
        ("mentor/disqualify", ass_a.instance_id, {**m, "assessment_id": ass_a.id}, m),
        ("mentoring/complete_period", ass_a.instance_id, {**m, "assessment_id": ass_a.id}, m),
        ("benefit/record", apps[0], {"application_id": app_b, "benefit_eligible": False}, {"mentor_id": ship_a.mentor_id}),
        ("benefit/decide", apps[0], {"application_id": app_b, "benefit_decision": "decline", "comment": "不同意"},
         {"application_id": app_b}),
    ]
    accepted = []
    for operation, instance_id, data, params in cases:
        try:
            run_handler(d, operation, instance_id, data, **params)
        except (InvalidData, PermissionDenied) as exc:
            said_in_chinese(exc)
        else:
            accepted.append(operation)
    assert accepted == []
    # and the round's own instance may close its own round, the nomination its own nomination
    assert run_handler(d, "round/close", round_iid, {"round_id": rid}, round_id=rid)[0]["submitted"] == 2
    with pytest.raises(InvalidData, match="截止，不能再报送"):   # its own, but the round is over
        run_handler(d, "nomination/submit", nom_b, n, **n)


def test_nomination_register_never_adopts_a_nomination_id_from_the_data(d):
    _, rid = open_round(d, 2014)
    theirs = nomination_of(d, submit(d, rid, "songshan", sample_application("李娜")))
    result, data = run_handler(d, "nomination/register", 10 ** 9, {"nomination_id": theirs.id, "round_id": rid,
                                                                    "unit_id": "hongshan"}, round_id=rid, unit_id="hongshan")
    assert result["nomination_id"] != theirs.id and data["nomination_id"] == result["nomination_id"]
    with pytest.raises(PermissionDenied):   # a unit's submitter names another unit
        run_handler(d, "nomination/register", 10 ** 9, {}, d.actor("hongshan_sub"), round_id=rid, unit_id="songshan")


def test_a_mentor_applies_for_benefits_only_for_himself(d):
    _, _, (ship_a, ship_b) = appointed(d)
    before = counts(d)
    with pytest.raises(PermissionDenied) as refused:
        d.start("benefit_application", {"mentor_id": ship_b.mentor_id}, user=f"mentor{ship_a.mentor_id}")
    said_in_chinese(refused.value)
    assert counts(d) == before
    with pytest.raises(PermissionDenied):   # the handler holds too: only the mentor himself applies
        run_handler(d, "benefit/facts", 10 ** 9, {"kind": "training_class"}, d.actor(f"mentor{ship_a.mentor_id}"),
                    mentor_id=ship_b.mentor_id)


# ----------------------------------------------------------------------------- who may start what


def test_a_unit_submitter_cannot_start_an_assessment_or_mentoring_of_another_units_mentor(d):
    _, _, [ship] = appointed(d, ("songshan",))
    before = counts(d)
    start = {"mentorship_id": ship.id, "year_no": 1, "final_year": False, "unit_id": "hongshan",
             "mentor_id": ship.mentor_id, "mentor_name": "李娜", "title": "李娜 第1年度考核"}
    with pytest.raises(PermissionDenied) as refused:
        d.start("assessment", start, user="hongshan_sub")
    said_in_chinese(refused.value)
    with pytest.raises(PermissionDenied):
        d.start("mentoring", {"mentorship_id": ship.id, "mentor_id": ship.mentor_id, "unit_id": "hongshan"},
                user="hongshan_sub")
    with pytest.raises(PermissionDenied):    # not even the talent section: the programme starts these itself
        d.start("assessment", start, user="section")
    # where no role check applies (the system actor), the handler still refuses an assessment that
    # its mentorship's own mentoring instance did not start
    with pytest.raises(PermissionDenied) as refused:
        d.start("assessment", dict(start, unit_id="songshan"), user="system")
    said_in_chinese(refused.value)
    assert counts(d) == before


def test_a_nomination_start_for_another_unit_is_refused(d):
    _, rid = open_round(d, 2014)
    before = counts(d)
    with pytest.raises(PermissionDenied) as refused:
        d.nominate(rid, "songshan", user="hongshan_sub")
    said_in_chinese(refused.value)
    with pytest.raises(PermissionDenied):     # a reviewer does not nominate, nor does a mentor's unit reviewer
        d.nominate(rid, "hongshan", user="hongshan_rev")
    assert counts(d) == before
    assert d.nominate(rid, "songshan", user="section")   # the talent section nominates for any unit


BAD_STARTS = [  # (process, user, start data, field the refusal names or a phrase of the handler's message)
    ("selection_round", "section", {"year": "二〇二九"}, "year"),
    ("selection_round", "section", {"year": 1999}, "year"),
    ("selection_round", "section", {"year": 2040, "deadline": "2040-02-30"}, "deadline"),
    ("selection_round", "section", {"year": 2028, "deadline": "2026-06-30"}, "不在2028年度内"),
    ("selection_round", "section", {"year": 2015, "deadline": "2014-05-01"}, "不在2015年度内"),
    ("selection_round", "section", {"year": 2014, "deadline": "2014-05-01"}, "已过"),
    ("selection_round", "section", {"year": 2015, "experts_per_panel": 0}, "experts_per_panel"),
    ("selection_round", "section", {"year": 2015, "rule_num": 5, "rule_den": 3}, "分子不能大于分母"),
    ("selection_round", "section", {"year": 2015, "rule_num": 5}, "分子不能大于分母"),
    ("selection_round", "section", {"year": 2015, "reminder_days": [30, 0]}, "reminder_days"),
    ("selection_round", "section", {"year": 2015, "round_id": 1}, "round_id"),
    ("nomination", "hongshan_sub", {"round_id": "abc", "unit_id": "hongshan"}, "round_id"),
    ("nomination", "hongshan_sub", {"round_id": 2 ** 64, "unit_id": "hongshan"}, "不存在"),
    ("nomination", "hongshan_sub", {"round_id": 2 ** 63 - 1, "unit_id": "hongshan"}, "不存在"),
    ("nomination", "hongshan_sub", {"round_id": 2 ** 31, "unit_id": "hongshan"}, "不存在"),
    ("nomination", "hongshan_sub", {"round_id": 2 ** 31 - 1, "unit_id": "hongshan"}, "不存在"),
    ("nomination", "hongshan_sub", {"round_id": 1, "unit_id": "hongshan", "nomination_id": 1}, "nomination_id"),
    ("nomination", "hongshan_sub", {"unit_id": "hongshan"}, "round_id"),
]


@pytest.mark.parametrize("process, user, data, says", BAD_STARTS,
                         ids=[f"{p}-{json.dumps(x, ensure_ascii=False)}" for p, _, x, _ in BAD_STARTS])
def test_bad_start_data_answers_invalid_data_in_chinese_and_writes_nothing(d, process, user, data, says):
    open_round(d, 2014)
    before = counts(d)
    with pytest.raises(InvalidData) as refused:
        d.start(process, data, user=user)
    message = said_in_chinese(refused.value)
    assert says in fields(refused.value) if CJK.search(says) is None else says in message, (message, refused.value.details)
    assert counts(d) == before


def test_a_round_opened_with_its_own_settings_uses_them(d):
    iid, rid = open_round(d, 2015, deadline="2015-06-20", reminder_days=[10, 3], experts_per_panel=3, rule_num=3,
                          rule_den=4, title="2015年度评选")
    with d.engine.sessions() as s:
        rnd = s.get(Round, rid)
        assert (rnd.title, rnd.experts_per_panel, rnd.rule_num, rnd.rule_den, json.loads(rnd.reminder_days)) == \
            ("2015年度评选", 3, 3, 4, [10, 3])
    assert str(rnd.deadline.astimezone(cst("2015-01-01 00:00").tzinfo).date()) == "2015-06-20"


# ----------------------------------------------------------------------------- each loop iteration starts clean

APPLICATION_FIELDS = ("name", "gender", "birth_date", "workplace", "chifeng_since", "talent_type", "awards", "recommendation")


def test_a_returned_application_opens_with_the_previous_submission_but_not_the_previous_action(d):
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    first = sample_application("张伟", awards="自治区科技进步奖二等奖")
    d.complete(iid, "Task_Fill", first)
    d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充证书复印件"})
    again = task_data(d, iid, "Task_Fill")
    assert {k: again.get(k) for k in APPLICATION_FIELDS} == {k: first[k] for k in APPLICATION_FIELDS}
    assert "action" not in again and again["review_comment"] == "请补充证书复印件"
    d.complete(iid, "Task_Fill", dict(first, attachments=["证书复印件.pdf"]))
    review = task_data(d, iid, "Task_UnitReview")
    assert "unit_decision" not in review and "comment" not in review
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
    assert nomination_of(d, iid).status == "submitted"


def test_an_ineligible_application_opens_again_at_once_with_the_submission_but_not_the_action(d):
    """The eligibility rules send it straight back: the next Task_Fill opens in the same command."""
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    too_old = sample_application("张伟", birth_date="1950-01-01")
    d.complete(iid, "Task_Fill", too_old)
    again = task_data(d, iid, "Task_Fill")
    assert again["birth_date"] == "1950-01-01" and again["name"] == "张伟" and "action" not in again
    assert nomination_of(d, iid).status == "ineligible"


def test_each_expert_opens_the_review_without_another_experts_opinion(d):
    _, rid = open_round(d, 2014)
    iid = submit(d, rid)
    d.fire(cst("2014-07-01 09:00"))
    review = d.review_of(iid)
    first, *others = d.open_tasks(review, "Task_ExpertReview")
    d.complete(review, "Task_ExpertReview", {"opinion": {"vote": "disagree", "score": 41, "comment": "第一位专家的意见"}},
               task=first)
    for task in others:
        data = task_data(d, review, "Task_ExpertReview", task)
        assert "opinion" not in data and "第一位专家的意见" not in json.dumps(data, ensure_ascii=False)


def test_each_training_plan_opens_without_another_mentees_plan(d):
    _, _, [ship] = appointed(d, ("hongshan",))
    first, *others = d.open_tasks(ship.instance_id, "Task_TrainingPlan")
    d.complete(ship.instance_id, "Task_TrainingPlan", {"training_plan": {"goals": "第一名培带对象的目标"}}, task=first)
    for task in others:
        data = task_data(d, ship.instance_id, "Task_TrainingPlan", task)
        assert "training_plan" not in data and "第一名培带对象的目标" not in json.dumps(data, ensure_ascii=False)


def test_a_returned_agreement_shows_the_registered_mentees_and_the_unit_decides_afresh(d):
    _, rid = open_round(d, 2014)
    iid = submit(d, rid)
    d.fire(cst("2014-07-01 09:00"))
    committee(d, iid)
    sign(d, rid)
    [ship] = mentorships(d)
    registered = {"period_years": 3, "indicators": "每年专题讲座不少于4次", "mentees": sample_mentees()}
    d.complete(ship.instance_id, "Task_RegisterMentees", registered)
    d.complete(ship.instance_id, "Task_ConfirmAgreement", {"agreement_decision": "return", "comment": "培带指标不具体"})
    again = task_data(d, ship.instance_id, "Task_RegisterMentees")
    assert {k: again.get(k) for k in registered} == registered
    d.complete(ship.instance_id, "Task_RegisterMentees", dict(registered, indicators="每年专题讲座不少于6次"))
    confirm = task_data(d, ship.instance_id, "Task_ConfirmAgreement")
    assert "agreement_decision" not in confirm and "comment" not in confirm
    d.complete(ship.instance_id, "Task_ConfirmAgreement", {"agreement_decision": "confirm"})
    assert mentorships(d)[0].indicators == "每年专题讲座不少于6次"


def test_an_activity_sent_without_hours_is_not_stored_with_the_previous_activitys_hours(d):
    _, _, [ship] = appointed(d, ("hongshan",))
    mentor = f"mentor{ship.mentor_id}"
    d.complete(ship.instance_id, "Task_LogActivity", {
        "kind": "lecture", "held_on": "2014-08-01", "subject": "专题讲座：岗位技能", "hours": 6,
        "attending": ["学员1", "学员2"], "notes": "第一次活动的内容和成效"}, user=mentor)
    again = task_data(d, ship.instance_id, "Task_LogActivity")
    assert not {"kind", "held_on", "subject", "hours", "attending", "notes"} & set(again), again
    d.complete(ship.instance_id, "Task_LogActivity", {"kind": "guidance", "held_on": "2014-08-15", "subject": "技术辅导"},
               user=mentor)
    with d.engine.sessions() as s:
        first, second = s.scalars(select(Activity).order_by(Activity.id)).all()
    assert (first.hours, json.loads(first.mentee_ids), first.notes) == (6, ["学员1", "学员2"], "第一次活动的内容和成效")
    assert (second.kind, second.hours, json.loads(second.mentee_ids), second.notes) == ("guidance", 0, [], "")


def test_the_next_submission_period_task_opens_without_the_previous_change(d):
    round_iid, _ = open_round(d, 2014)
    d.complete(round_iid, "Task_ManageRound", {"round_action": "extend", "new_deadline": "2014-07-10", "reason": "延期一周"})
    again = task_data(d, round_iid, "Task_ManageRound")
    assert not {"round_action", "new_deadline", "reason"} & {k for k, v in again.items() if v is not None}, again


def test_a_returned_incentive_list_comes_back_with_the_proposal_and_the_director_decides_afresh(d):
    iid = d.start("incentive_list", {"kind": "recuperation", "year": 2015}, user="section")
    d.complete(iid, "Task_ProposeList", {"selected": [], "comment": "暂无人选"})
    d.complete(iid, "Task_ApproveList", {"incentive_decision": "return", "comment": "请再核实考核结果"})
    again = task_data(d, iid, "Task_ProposeList")
    assert again.get("selected") == [] and not again.get("comment")
    d.complete(iid, "Task_ProposeList", {"selected": []})
    decide = task_data(d, iid, "Task_ApproveList")
    assert not decide.get("incentive_decision") and not decide.get("comment")


# every looped or multi-instance user task of bpmn/ and the test above that covers it
LOOPED_TASKS = {
    ("nomination_revision", "Task_Fill"): test_a_returned_application_opens_with_the_previous_submission_but_not_the_previous_action,
    ("nomination_revision", "Task_UnitReview"): test_a_returned_application_opens_with_the_previous_submission_but_not_the_previous_action,
    ("committee_review", "Task_ExpertReview"): test_each_expert_opens_the_review_without_another_experts_opinion,
    ("round_window", "Task_ManageRound"): test_the_next_submission_period_task_opens_without_the_previous_change,
    ("incentive_review", "Task_ProposeList"): test_a_returned_incentive_list_comes_back_with_the_proposal_and_the_director_decides_afresh,
    ("incentive_review", "Task_ApproveList"): test_a_returned_incentive_list_comes_back_with_the_proposal_and_the_director_decides_afresh,
    ("mentoring", "Task_TrainingPlan"): test_each_training_plan_opens_without_another_mentees_plan,
    ("mentoring_agreement", "Task_RegisterMentees"): test_a_returned_agreement_shows_the_registered_mentees_and_the_unit_decides_afresh,
    ("mentoring_agreement", "Task_ConfirmAgreement"): test_a_returned_agreement_shows_the_registered_mentees_and_the_unit_decides_afresh,
    ("mentoring_activity", "Task_LogActivity"): test_an_activity_sent_without_hours_is_not_stored_with_the_previous_activitys_hours,
}


def test_every_looped_or_multi_instance_user_task_has_a_clean_iteration_test():
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    loops = ("bpmn:multiInstanceLoopCharacteristics", "bpmn:standardLoopCharacteristics")
    processes = {p.get("id"): p for path in BPMN.glob("*.bpmn") for p in etree.parse(str(path)).iterfind("bpmn:process", ns)}
    looped: set[tuple[str, str]] = set()
    repeated: set[str] = set()   # processes called by a looped call activity (or from one)
    todo = [c.get("calledElement") for p in processes.values() for c in p.iterfind("bpmn:callActivity", ns)
            if any(c.find(x, ns) is not None for x in loops)]
    while todo:
        key = todo.pop()
        if key in repeated or key not in processes:
            continue
        repeated.add(key)
        todo += [c.get("calledElement") for c in processes[key].iterfind("bpmn:callActivity", ns)]
    for key, process in processes.items():
        for task in process.iterfind("bpmn:userTask", ns):
            if key in repeated or any(task.find(x, ns) is not None for x in loops):
                looped.add((key, task.get("id")))
    assert looped == set(LOOPED_TASKS)
