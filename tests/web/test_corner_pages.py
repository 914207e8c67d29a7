"""我的培带 (issue 13 point 6): a mentor's own agreement, plans, activities, assessments and
incentives, applying for an incentive; a mentee's plan and the activities they attended."""
from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from engine.identity import upsert_user
from peidai.settings import PROJECT_ROOT
from tests.programme.conftest import agree_mentoring, assess_year, close, open_round, sign, submit
from tests.web.conftest import PASSWORD
from workflows.driver import Driver, sample_application
from workflows.tables import BenefitApplication, Mentee, Mentorship, Person

_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def cst(text):
    return datetime.fromisoformat(text + "+08:00")


def text(r):
    return html.unescape(r.get_data(as_text=True))


@pytest.fixture
def mentor(system):
    """张伟 of 红山区 in his second year, with plans, two activities and an outstanding first year;
    his mentor and first mentee can log in."""
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "hongshan", sample_application("张伟"))
    close(d, rid)
    d.vote(iid, "agree")
    sign(d, rid)
    with d.engine.sessions() as s:
        ship = s.scalar(select(Mentorship))
    agree_mentoring(d, ship.instance_id, period=2)
    user = f"mentor{ship.mentor_id}"
    for task in d.open_tasks(ship.instance_id, "Task_TrainingPlan"):
        d.complete(ship.instance_id, "Task_TrainingPlan", {"training_plan": {"goals": "三年内成长为业务骨干"}}, task=task, user=user)
    d.complete(ship.instance_id, "Task_LogActivity", {"kind": "lecture", "held_on": "2014-09-01", "subject": "专题讲座：临床路径",
                                                      "hours": 3, "attending": ["学员1", "学员2"]}, user=user)
    d.complete(ship.instance_id, "Task_LogActivity", {"kind": "guidance", "held_on": "2014-10-01", "subject": "手术技术辅导",
                                                      "attending": ["学员3"]}, user=user)
    d.fire(cst("2015-07-01T09:01"))
    assess_year(d, 1, outstanding=True)
    with d.engine.unit_of_work() as s:
        upsert_user(s, user, "张伟", password_hash=_HASH, memberships=[("mentor", str(ship.mentor_id))])
        mentee, person = s.execute(select(Mentee, Person).join(Person, Person.id == Mentee.person_id).order_by(Mentee.id)).first()
        person.username = "mentee_a"
        upsert_user(s, "mentee_a", person.name, password_hash=_HASH, memberships=[("mentee", str(mentee.id))])
    d.user = user
    return d


def test_a_mentor_sees_his_agreement_plans_activities_assessments(auth, client, mentor):
    auth.login(mentor.user)
    page = text(client.get("/corner/"))
    for expected in ("我的培带", "CFPD-2014-0001", "培带期内", "2年", "学员1", "培养目标：三年内成长为业务骨干",
                     "专题讲座：临床路径", "技术辅导", "参加：学员1、学员2", "第1年度", "优秀", "培带规则第1版"):
        assert expected in page, expected
    assert "专题讲座1次、技术辅导1次、培训授课0次，合计2次，规定每年至少1次，达标" in page
    assert "记录培带活动" in page                                   # his open tasks, linked
    assert re.search(r'<option value="bus_card"', page) and 'value="commendation"' not in page   # granted on lists, not applied for


def test_a_mentor_applies_for_an_incentive_in_one_step(auth, client, mentor):
    auth.login(mentor.user)
    client.get("/corner/")
    r = auth.post("/corner/apply", {"kind": ""})
    assert r.status_code == 422 and "请选择申请项目" in text(r)
    r = auth.post("/corner/apply", {"kind": "bus_card"}, follow_redirects=True)
    assert "申请已提交，待人才科审批" in text(r) and "红山区、松山区的培带人可优先申请" in text(r)
    r = auth.post("/corner/apply", {"kind": "apartment", "works_in_urban_area": "on"}, follow_redirects=True)
    assert "不符合申请条件" in text(r)
    with mentor.engine.sessions() as s:
        assert sorted((b.kind, b.status) for b in s.scalars(select(BenefitApplication))) == [
            ("apartment", "ineligible"), ("bus_card", "pending")]
    page = text(client.get("/corner/"))
    assert "人才公交IC卡" in page and "待审批" in page


def test_a_mentee_sees_the_plan_and_the_activities_attended(auth, client, mentor):
    auth.login("mentee_a")
    page = text(client.get("/corner/"))
    assert "培带人：" in page and "张伟" in page and "三年内成长为业务骨干" in page
    assert "专题讲座：临床路径" in page and "手术技术辅导" not in page     # 学员3 attended that one, not 学员1
    assert "我参加的培带活动（1次）" in page
    assert auth.post("/corner/apply", {"kind": "bus_card"}).status_code == 403


def test_only_mentors_and_mentees_have_a_corner(auth, client, mentor):
    auth.login("section")
    assert client.get("/corner/").status_code == 403


def test_an_administrator_is_told_what_the_corner_is_for(auth, client, mentor):
    auth.login("admin")
    r = client.get("/corner/")
    assert r.status_code == 200 and "您的账号不是培带人或培带对象" in text(r)


# stored codes that must never be what the office's pages say (labels of the rules and forms instead)
RAW = re.compile(r"(?<![A-Za-z_./-])(submit|withdraw|approve|professional|skilled|rural|master|senior|qualified|unqualified|"
                 r"agree|disagree|abstain|in_review|recommended|lecture|guidance|exchange|bus_card|health_check|recuperation|"
                 r"commendation|training_class|study_tour|pending|active|draft|signed|struck|county|False|True|None)(?![A-Za-z_])")


def visible_text(page: str) -> str:
    """What a reader sees: the page without its tags, scripts and attribute values."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return re.sub(r"<[^>]+>", " ", page)


def test_no_stored_code_on_the_office_pages(auth, client, mentor):
    d = mentor
    with d.engine.unit_of_work() as s:
        from workflows import events
        events.create(s, kind="study_tour", title="优秀培带人赴深圳学习考察", starts_on="2015-09-20", ends_on="2015-09-26",
                      actor="section", now=d.clock.now())
    d.start("incentive_list", {"kind": "commendation", "year": 2015}, user="section")
    pages = {"section": ["/rounds/", "/rounds/1", "/rounds/1/list", "/rules/", "/incentives/", "/incentives/lists/1",
                         "/incentives/events/1", "/incentives/publicity?year=2015"],
             "director": ["/rounds/1/list", "/incentives/lists/1"], d.user: ["/corner/"], "mentee_a": ["/corner/"],
             "hongshan_sub": ["/import/"]}
    found = []
    for user, urls in pages.items():
        auth.login(user)
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200, (user, url)
            codes = sorted(set(m.group(0) for m in RAW.finditer(visible_text(text(r)))))
            if codes:
                found.append((user, url, codes))
        auth.logout()
    assert found == []
