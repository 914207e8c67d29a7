"""激励与活动 pages (issue 13 point 5): an incentive list from the assessment results proposed by
the talent section and approved by the director, an event with its attendance, and the publicity
month's profiles with their export."""
from __future__ import annotations

import html
import re
from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from peidai.settings import PROJECT_ROOT
from tests.programme.conftest import agree_mentoring, assess_year, close, open_round, sign, submit
from tests.web.conftest import PASSWORD
from workflows.driver import Driver, sample_application
from workflows.tables import BenefitApplication, Mentorship

_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def cst(text):
    return datetime.fromisoformat(text + "+08:00")


def text(r):
    return html.unescape(r.get_data(as_text=True))


@pytest.fixture
def mentors(system):
    """Two mentors after their first year: 张伟 outstanding, 王芳 qualified."""
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    _, rid = open_round(d, 2014)
    iids = [submit(d, rid, unit, sample_application(name)) for name, unit in (("张伟", "hongshan"), ("王芳", "songshan"))]
    close(d, rid)
    for iid in iids:
        d.vote(iid, "agree")
    sign(d, rid)
    with d.engine.sessions() as s:
        ships = s.scalars(select(Mentorship).order_by(Mentorship.id)).all()
    for ship in ships:
        agree_mentoring(d, ship.instance_id, period=3)
    d.fire(cst("2015-07-01T09:01"))
    assess_year(d, 1, outstanding=True, mentorship_id=ships[0].id)
    assess_year(d, 1, mentorship_id=ships[1].id)
    d.ships = ships
    return d


def test_a_recuperation_list_from_the_assessment_results_approved_by_the_director(auth, client, mentors):
    d = mentors
    good = d.ships[0].mentor_id
    auth.login("section")
    assert "激励名单" in text(client.get("/incentives/"))
    r = auth.post("/incentives/lists", {"kind": "recuperation", "year": "2015"})
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    assert "张伟" in page and "第1年度考核优秀" in page and "王芳" not in page
    list_url = r.headers["Location"]
    assert auth.post(list_url + "/propose", {"selected": str(good), "comment": "8月疗养"}).status_code == 302
    r = auth.post("/incentives/lists", {"kind": "recuperation", "year": "2015"})
    assert r.status_code == 422 and "已经发起" in text(r)
    auth.logout()
    auth.login("director")
    page = text(client.get(list_url))
    assert "审定名单" in page and "拟定名单，报送审定" not in page
    r = auth.post(list_url + "/approve", {"incentive_decision": "return", "comment": ""})
    assert r.status_code == 422 and 'id="err-comment"' in text(r)
    assert auth.post(list_url + "/approve", {"incentive_decision": "approve"}).status_code == 302
    assert "已审定" in text(client.get(list_url))
    with d.engine.sessions() as s:
        assert [(b.person_id, b.kind, b.status) for b in s.scalars(select(BenefitApplication))] == [(good, "recuperation", "approved")]


def test_an_event_with_its_invitations_and_attendance(auth, client, mentors):
    d = mentors
    auth.login("section")
    client.get("/incentives/")
    r = auth.post("/incentives/events", {"kind": "study_tour", "title": "考", "starts_on": "2015-09-20", "ends_on": "2015-09-01"})
    page = text(r)
    assert r.status_code == 422 and "活动名称须为2至200个字" in page and "结束日期不能早于开始日期" in page
    r = auth.post("/incentives/events", {"kind": "study_tour", "title": "优秀培带人赴深圳学习考察", "starts_on": "2015-09-20",
                                         "ends_on": "2015-09-26", "place": "深圳"})
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    assert "受邀培带人（1人）" in page and "张伟" in page and "王芳" not in page      # outstanding mentors only
    url = r.headers["Location"]
    r = auth.post(url + "/attendance", {"attended": str(d.ships[0].mentor_id)})
    assert r.status_code == 422 and "活动尚未开始" in text(r)
    d.clock.set(cst("2015-09-27T09:00"))
    assert auth.post(url + "/attendance", {"attended": str(d.ships[0].mentor_id)}).status_code == 302
    assert "已举办" in text(client.get(url)) and "1/1" in text(client.get("/incentives/"))


def test_publicity_profiles_are_approved_then_exported(auth, client, mentors):
    d = mentors
    auth.login("section")
    page = text(client.get("/incentives/publicity?year=2015"))
    assert "张伟" in page and "王芳" in page and "主持省部级科研课题两项" in page and "已审核 0 / 2 人" in page
    person = d.ships[0].mentor_id
    r = auth.post(f"/incentives/publicity/{person}?year=2015", {"text": "太短", "approve": "1"})
    assert r.status_code == 422 and "简介须为20至2000个字" in text(r)
    profile = "张伟，赤峰市医院主任医师，从医三十年，带出青年骨干十余名，主持省部级课题两项。"
    assert auth.post(f"/incentives/publicity/{person}?year=2015", {"text": profile, "approve": "1"}).status_code == 302
    assert "已审核 1 / 2 人" in text(client.get("/incentives/publicity?year=2015"))
    r = client.get("/incentives/publicity/export.xlsx?year=2015")
    rows = [[c.value for c in row] for row in load_workbook(BytesIO(r.data)).active.iter_rows(min_row=3)]
    assert rows == [[1, "张伟", "红山区", "专业技术人才", "CFPD-2014-0001", profile]]


def test_who_may_use_the_incentive_pages(auth, client, mentors):
    auth.login("director")
    assert client.get("/incentives/").status_code == 200 and 'id="event-form"' not in text(client.get("/incentives/"))
    assert auth.post("/incentives/events", {"kind": "training_class"}).status_code == 403
    auth.logout()
    auth.login("hongshan_rev")
    assert client.get("/incentives/").status_code == 403
    assert client.get("/incentives/publicity/export.xlsx").status_code == 403
