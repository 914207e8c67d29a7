"""Pages on the programme's real models and tables: starting a nomination, the mentor pool, its
Excel export and the talent section's dashboard."""
from __future__ import annotations

import html
from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from werkzeug.security import generate_password_hash

from peidai.settings import PROJECT_ROOT
from tests.web.conftest import PASSWORD
from workflows.driver import Driver, sample_application

_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def cst(text):
    return datetime.fromisoformat(text + "+08:00")


@pytest.fixture
def programme(system):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    round_iid = d.open_round(2014)
    d.round_id = d.engine.instance_detail(round_iid)["data"]["round_id"]
    return d


@pytest.fixture
def app(system, programme):
    from webapp import create_app
    return create_app(system, TESTING=True)


def appoint(d, *people):
    """Nominate each (name, unit) before the deadline, then committee and sign-off for all."""
    people = people or (("张伟", "hongshan"),)
    iids = []
    for name, unit in people:
        iid = d.nominate(d.round_id, unit)
        d.complete(iid, "Task_Fill", sample_application(name))
        d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
        iids.append(iid)
    d.fire(max(d.clock.now(), cst("2014-07-01T09:00")))
    for iid in iids:
        d.vote(iid, "agree", score=90)
    round_iid = d.round_instance(d.round_id)   # the list, signed in one act (issue 13)
    d.prepare_list(round_iid)
    d.sign_list(round_iid)
    return iids


def text(r):
    return html.unescape(r.get_data(as_text=True))


def test_submitter_starts_a_nomination_for_its_own_unit(auth, client, programme):
    auth.login("hongshan_sub")
    page = text(client.get("/nominations/new"))
    assert "红山区" in page and "松山区" not in page
    r = auth.post("/nominations/new", {"round_id": str(programme.round_id), "unit_id": "hongshan"})
    assert r.status_code == 302 and "/tasks/" in r.headers["Location"]
    assert "张" not in text(client.get("/inbox?box=group")) and "红山区推荐人选" in text(client.get("/inbox?box=todo"))
    form = text(client.get(r.headers["Location"]))
    assert "赤峰市人才培带人推荐申报表（附件2）" in form and 'name="birth_date"' in form
    assert auth.post("/nominations/new", {"round_id": str(programme.round_id), "unit_id": "songshan"}).status_code == 403


def test_unit_review_form_of_the_real_model(auth, client, programme):
    iid = programme.nominate(programme.round_id, "hongshan")
    programme.complete(iid, "Task_Fill", sample_application("李娜"))
    task = programme.open_tasks(iid, "Task_UnitReview")[0]
    auth.login("hongshan_rev")
    page = text(client.get(f"/tasks/{task['id']}"))
    assert "同意推荐" in page and "退回修改" in page and "不予推荐" in page
    assert "符合推荐条件" in page  # the eligibility result beside the form
    assert "证书复印件（上传与查看）" in page and "/application.pdf" in page  # the documents area's pages
    # the form's rule (an opinion to return or refuse), checked by the engine, shown at the comment box
    for action, comment in (("reject", ""), ("return", ""), ("reject", " ")):
        r = auth.post(f"/tasks/{task['id']}", {"_action": action, "comment": comment})
        assert r.status_code == 422 and 'id="err-comment">退回修改或不同意时必须填写审批意见<' in text(r), (action, comment)
    r = auth.post(f"/tasks/{task['id']}", {"_action": "return", "comment": "请补充获奖证书"})
    assert r.status_code == 302
    assert programme.open_tasks(iid, "Task_Fill")


def test_pool_lists_appointed_mentors_and_exports_excel(auth, client, programme):
    appoint(programme, ("张伟", "hongshan"), ("王芳", "songshan"))
    auth.login("section")
    page = text(client.get("/pool/"))
    assert "张伟" in page and "王芳" in page and "CFPD-2014-" in page
    page = text(client.get("/pool/?unit=songshan"))
    assert "王芳" in page and "张伟" not in page
    r = client.get("/pool/export.xlsx?category=professional")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(BytesIO(r.data)).active
    names = [row[1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["张伟", "王芳"] and ws["B1"].value == "姓名"


def test_mentor_page_and_scope(auth, client, programme):
    appoint(programme)
    auth.login("section")
    rows = text(client.get("/pool/"))
    import re
    entry = re.search(r'href="/pool/(\d+)"', rows).group(1)
    page = text(client.get(f"/pool/{entry}"))
    assert "张伟" in page and "聘书" in page and "培带对象（1带5）" in page and "查看聘书（PDF）" in page
    auth.logout()
    auth.login("hongshan_rev")
    assert client.get(f"/pool/{entry}").status_code == 200
    auth.logout()
    auth.login("songshan_rev")  # another county's reviewer: not found
    assert client.get(f"/pool/{entry}").status_code == 404
    assert "张伟" not in text(client.get("/pool/"))


def test_dashboard_shows_figures_as_charts_and_tables(auth, client, programme):
    appoint(programme)
    auth.login("section")
    page = text(client.get("/dashboard/"))
    assert "各单位推荐人数" in page and 'data-chart="bar"' in page and "chart.umd.min.js" in page
    assert "红山区" in page and "各单位按期报送情况" in page and "评审委员会进度" in page


def test_the_committee_progress_counts_only_nominations_that_reached_the_committee(auth, client, programme):
    """Units that only saved a draft (or whose nomination the unit has not yet approved) are no
    评审人选: the committee's table counted every nomination with a category."""
    import re
    for unit in ("songshan", "ningcheng"):                      # drafts: started, never filled in
        programme.nominate(programme.round_id, unit)
    filled = programme.nominate(programme.round_id, "aohan")      # filled in, left at the unit's review
    programme.complete(filled, "Task_Fill", sample_application("李娜"))
    appoint(programme, ("张伟", "hongshan"), ("王芳", "hongshan"))
    auth.login("section")
    page = text(client.get("/dashboard/"))
    table = page.split("评审委员会进度", 1)[1].split("</table>", 1)[0]
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)]
    assert rows == [["专业技术人才", "2", "6", "6", "2"]], rows


def test_api_mentor_pool(client, programme, engine):
    from webapp.users import issue_token
    appoint(programme)
    token = issue_token(engine, "section")
    r = client.get("/api/v1/mentors", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.get_json()["items"][0]["name"] == "张伟"


def test_withdraw_is_not_offered_once_the_review_step_is_closed(auth, client, programme):
    # the approval submits the nomination and its instance ends (已报送; issue 13): nothing to reopen
    iid = programme.nominate(programme.round_id, "hongshan")
    programme.complete(iid, "Task_Fill", sample_application("李娜"))
    task = programme.open_tasks(iid, "Task_UnitReview")[0]
    auth.login("hongshan_rev")
    assert auth.post(f"/tasks/{task['id']}", {"_action": "approve", "comment": "同意", "conditions_attested": "on"}).status_code == 302
    assert "撤回</button>" not in text(client.get(f"/tasks/{task['id']}"))
    r = auth.post(f"/tasks/{task['id']}/withdraw", {"comment": "需再核实"}, follow_redirects=True)
    assert "流程实例当前状态为“已办结”，不能执行此操作" in text(r)


def test_submitter_withdraws_the_application_while_the_unit_has_not_reviewed(auth, client, programme):
    iid = programme.nominate(programme.round_id, "hongshan")
    fill = programme.open_tasks(iid, "Task_Fill")[0]
    auth.login("hongshan_sub")
    form = {"_action": "submit", "action": "submit", "name": "李娜", "gender": "女", "birth_date": "1975-02-01",
            "chifeng_since": "1998-07-01", "talent_type": "professional", "workplace": "赤峰学院 教授",
            "recommendation": "教学科研成绩突出", "degree": "doctor", "title_level": "senior"}
    assert auth.post(f"/tasks/{fill['id']}", form).status_code == 302
    assert programme.open_tasks(iid, "Task_UnitReview")
    assert "撤回</button>" in text(client.get(f"/tasks/{fill['id']}"))
    assert auth.post(f"/tasks/{fill['id']}/withdraw").status_code == 302
    assert not programme.open_tasks(iid, "Task_UnitReview")
    page = text(client.get(f"/tasks/{fill['id']}"))
    assert 'value="李娜"' in page  # the form keeps what was submitted


def test_urge_an_overdue_unit_review_through_the_notification_service(auth, client, programme, system):
    pytest.importorskip("workflows.notifications.service")
    import json

    from sqlalchemy import select

    from engine.tables import OutboxMessage
    iid = programme.nominate(programme.round_id, "hongshan")
    programme.complete(iid, "Task_Fill", sample_application("李娜"))
    review = programme.open_tasks(iid, "Task_UnitReview")[0]
    programme.clock.advance(days=11)  # the unit review is due in 10 days
    auth.login("section")
    page = text(client.get(f"/instances/{iid}"))
    assert f'/tasks/{review["id"]}/urge' in page
    r = auth.post(f"/tasks/{review['id']}/urge", {"comment": "请尽快审核"}, follow_redirects=True)
    assert "已催办" in text(r)
    with system.engine.sessions() as s:
        payloads = [json.loads(p) for p in s.scalars(select(OutboxMessage.payload_json).where(OutboxMessage.topic == "notify"))]
    assert any(p.get("template") == "urge" and "hongshan_rev" in p["users"] for p in payloads)
    r = auth.post(f"/tasks/{review['id']}/urge", follow_redirects=True)  # once a day
    assert "今天已催办过该事项" in text(r)


def test_api_mentor_pool_keeps_the_county_scope(client, programme, engine):
    from webapp.users import issue_token
    appoint(programme, ("张伟", "hongshan"), ("王芳", "songshan"))
    token = issue_token(engine, "songshan_rev")
    names = [m["name"] for m in client.get("/api/v1/mentors", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]]
    assert names == ["王芳"]
