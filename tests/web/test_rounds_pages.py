"""评选管理 pages (issue 13 points 1 and 2): opening a round with its parameters checked, the
round's board, extending the deadline or closing early, and the 推荐名单 prepared by the talent
section and signed as a whole by the director on one page."""
from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from peidai.settings import PROJECT_ROOT
from tests.web.conftest import PASSWORD
from workflows.driver import Driver, sample_application
from workflows.tables import Certificate, Nomination, NomineeList, Round, RoundChange

_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def cst(text):
    return datetime.fromisoformat(text + "+08:00")


@pytest.fixture
def programme(system):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    return d


def text(r):
    return html.unescape(r.get_data(as_text=True))


def field_error(page, name):
    m = re.search(rf'id="err-{re.escape(name)}">([^<]*)<', page)
    return m.group(1) if m else None


def a_round(d, year=2014):
    iid = d.open_round(year)
    return iid, d.engine.instance_detail(iid)["data"]["round_id"]


def test_opening_a_round_checks_its_parameters_in_chinese(auth, client, programme):
    auth.login("section")
    page = text(client.get("/rounds/"))
    assert "开启评选" in page and "截止日期为当年06-30" in page and "尚未开启评选" in page
    r = auth.post("/rounds/", {"year": "2028", "deadline": "2026-06-30"})
    assert r.status_code == 422 and field_error(text(r), "deadline") == "报送截止日期 2026-06-30 不在2028年度内"
    r = auth.post("/rounds/", {"year": "2015", "experts_per_panel": "0"})
    assert r.status_code == 422 and field_error(text(r), "experts_per_panel") == "不能小于 1"
    r = auth.post("/rounds/", {"year": "2015", "rule_num": "5", "rule_den": "3"})
    assert r.status_code == 422 and "分子不能大于分母" in field_error(text(r), "rule_num")
    assert 'value="5"' in text(r)                                     # what was typed stays
    r = auth.post("/rounds/", {"year": "二〇一五"})
    assert r.status_code == 422 and field_error(text(r), "year")
    r = auth.post("/rounds/", {"year": "2014", "reminder_days": "20, 10、5", "experts_per_panel": "3"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/rounds/1")
    with programme.engine.sessions() as s:
        row = s.get(Round, 1)
    assert (row.year, row.experts_per_panel, row.reminder_days) == (2014, 3, "[20, 10, 5]")
    board = text(client.get("/rounds/1"))
    assert "2014年度人才培带人评选" in board and "培带规则第1版" in board and "报送期管理" in board


def test_the_board_shows_every_unit_counts_reminders_and_overdue_units(auth, client, programme):
    d = programme
    _, rid = a_round(d)
    iid = d.nominate(rid, "hongshan")
    d.complete(iid, "Task_Fill", sample_application("张伟"))
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
    d.nominate(rid, "songshan")                                         # a draft only
    d.fire(cst("2014-06-01T09:00"))                                     # the 30-day reminder
    auth.login("section")
    page = text(client.get(f"/rounds/{rid}"))
    assert page.count('data-unit="') == 21                              # every unit the notice addresses
    row = re.search(r'data-unit="hongshan">(.*?)</tr>', page, re.S).group(1)
    assert "已报送" in row and 'class="overdue"' not in page
    assert "已提醒1次，尚未报送" in re.search(r'data-unit="songshan">(.*?)</tr>', page, re.S).group(1)
    not_submitted = re.search(r'id="not-submitted">([^<]*)<', page).group(1)
    assert "红山区" not in not_submitted and "松山区" in not_submitted and "赤峰学院" in not_submitted
    assert "已发送，20个单位" in page and "待发送" in page
    d.fire(cst("2014-07-01T09:00"))                                     # the deadline passed
    page = text(client.get(f"/rounds/{rid}"))
    assert page.count('class="overdue"') == 20 and "逾期未报送" in page and "报送期管理" not in page


def test_extending_the_deadline_on_the_board(auth, client, programme):
    d = programme
    _, rid = a_round(d)
    auth.login("section")
    client.get(f"/rounds/{rid}")
    r = auth.post(f"/rounds/{rid}/extend", {"new_deadline": "2014-06-20", "reason": "延期"})
    assert r.status_code == 422 and "须晚于原截止日期" in field_error(text(r), "new_deadline")
    r = auth.post(f"/rounds/{rid}/extend", {"new_deadline": "2014-07-15", "reason": ""})
    assert r.status_code == 422 and field_error(text(r), "reason")
    r = auth.post(f"/rounds/{rid}/extend", {"new_deadline": "2014-07-15", "reason": "部分旗县区材料准备不及"})
    assert r.status_code == 302
    page = text(client.get(f"/rounds/{rid}"))
    assert "2014年7月15日" in page and "延长截止日期" in page and "部分旗县区材料准备不及" in page
    assert "2014年7月1日 09:00" in page and "2014年6月24日 09:00" not in page   # reminders follow the new deadline
    with d.engine.sessions() as s:
        assert s.scalar(select(RoundChange.kind)) == "extend"


def test_closing_the_submission_early_on_the_board(auth, client, programme):
    d = programme
    _, rid = a_round(d)
    auth.login("section")
    client.get(f"/rounds/{rid}")
    assert auth.post(f"/rounds/{rid}/close", {"reason": ""}).status_code == 422
    assert auth.post(f"/rounds/{rid}/close", {"reason": "各单位均已报送"}).status_code == 302
    page = text(client.get(f"/rounds/{rid}"))
    assert "已截止" in page and "提前截止" in page and "待发送" not in page and "各单位均已报送" in page


def test_the_list_is_prepared_then_signed_as_a_whole_with_one_candidate_struck_out(auth, client, programme):
    d = programme
    round_iid, rid = a_round(d)
    people = (("张伟", "hongshan"), ("王芳", "songshan"), ("李强", "cfu"))
    iids = []
    for name, unit in people:
        iid = d.nominate(rid, unit)
        d.complete(iid, "Task_Fill", sample_application(name))
        d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
        iids.append(iid)
    d.fire(cst("2014-07-01T09:00"))
    for iid in iids[:2]:
        d.vote(iid, "agree")
    auth.login("section")
    page = text(client.get(f"/rounds/{rid}/list"))
    assert "尚有1份推荐未完成评审" in page
    d.vote(iids[2], "agree", comment="科研成果突出")
    page = text(client.get(f"/rounds/{rid}/list"))
    assert "拟定推荐名单" in page and "科研成果突出" in page and "专家5人，同意5票" in page
    with d.engine.sessions() as s:
        ids = dict(s.execute(select(Nomination.name, Nomination.id)).all())
    r = auth.post(f"/rounds/{rid}/list/prepare", {f"rank.{ids['李强']}": "1", f"rank.{ids['张伟']}": "2",
                                                 f"rank.{ids['王芳']}": "3", "comment": "按评审得分排序"})
    assert r.status_code == 302
    page = text(client.get(f"/rounds/{rid}/list"))
    assert "名单已报领导小组办公室主任签批" in page and "签批推荐名单" not in page   # the section cannot sign
    auth.logout()

    auth.login("director")
    page = text(client.get(f"/rounds/{rid}/list"))
    assert "签批推荐名单" in page and "人才科说明：按评审得分排序" in page
    assert page.index("李强") < page.index("张伟") < page.index("王芳")
    r = auth.post(f"/rounds/{rid}/list/sign", {"strike": str(ids["王芳"]), f"reason.{ids['王芳']}": ""})
    assert r.status_code == 422 and field_error(text(r), f"reason-{ids['王芳']}") == "划去的人选须写明理由"
    r = auth.post(f"/rounds/{rid}/list/sign", {"strike": str(ids["王芳"]), f"reason.{ids['王芳']}": "近三年无新的代表性成果",
                                              "comment": "同意，王芳暂缓"})
    assert r.status_code == 302
    with d.engine.sessions() as s:
        certified = {s.get(Nomination, c.nomination_id).name for c in s.scalars(select(Certificate))}
        lst = s.scalar(select(NomineeList))
    assert certified == {"张伟", "李强"} and (lst.signed, lst.struck, lst.signed_by) == (2, 1, "director")
    page = text(client.get(f"/rounds/{rid}/list"))
    assert "近三年无新的代表性成果" in page and "CFPD-2014-0001" in page and "公布人才培带人名单" not in page
    auth.logout()

    auth.login("section")
    assert "公布人才培带人名单" in text(client.get(f"/rounds/{rid}/list"))
    assert auth.post(f"/rounds/{rid}/list/publish", {"comment": "赤峰日报公布"}).status_code == 302
    assert "已公布" in text(client.get(f"/rounds/{rid}/list"))
    assert "名单已公布" in text(client.get("/rounds/"))


def test_who_sees_and_does_what(auth, client, programme):
    _, rid = a_round(programme)
    auth.login("director")
    page = text(client.get("/rounds/"))
    assert "历次评选" in page and 'id="open-round"' not in page
    assert auth.post("/rounds/", {"year": "2015"}).status_code == 403
    assert auth.post(f"/rounds/{rid}/close", {"reason": "提前截止"}).status_code == 403
    assert "报送期管理" not in text(client.get(f"/rounds/{rid}"))
    auth.logout()
    auth.login("hongshan_rev")
    assert client.get("/rounds/").status_code == 403 and client.get(f"/rounds/{rid}/list").status_code == 403
    assert client.get("/rounds/999").status_code in (403, 404)
