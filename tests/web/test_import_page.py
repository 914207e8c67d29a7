"""导入附件1 page (issue 13 point 7): a unit uploads its filled 推荐人选名单 (Excel); errors per row
and column and nothing created when a row is wrong; a draft nomination per row otherwise."""
from __future__ import annotations

import html
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from peidai.settings import PROJECT_ROOT
from tests.web.conftest import PASSWORD
from workflows.documents.excel import HEADERS
from workflows.driver import Driver
from workflows.tables import Nomination

_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture
def programme(system):
    d = Driver(system)
    d.seed(experts_per_panel=1, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    iid = d.open_round(2014)
    d.round_id = d.engine.instance_detail(iid)["data"]["round_id"]
    return d


def text(r):
    return html.unescape(r.get_data(as_text=True))


def sheet(*rows) -> bytes:
    """附件1 as the template has it: a title, a note, the header row, then the rows."""
    wb = Workbook()
    ws = wb.active
    ws.append(["赤峰市人才培带人推荐人选名单"])
    ws.append(["推荐单位（盖章）：红山区"])
    ws.append(list(HEADERS))
    for row in rows:
        ws.append(list(row))
    ws.append([len(rows) + 1])   # a numbered but empty line, as units leave them
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROW_A = (1, "张伟", "男", "1969-03", "汉族", "中共党员", "研究生/硕士", "正高级", "红山区", "赤峰市医院 主任医师", "专业技术人才",
         "主持省部级科研课题两项", "0476-8838010")
ROW_B = (2, "李秀兰", "女", "1975.6", "蒙古族", "群众", "大专", "高级技师", "红山区", "红山区热电厂 高级技师", "高技能人才", "", "")


def upload(auth, programme, data, unit="hongshan"):
    return auth.post("/import/", {"round_id": str(programme.round_id), "unit_id": unit,
                                  "file": (BytesIO(data), "fujian1.xlsx")}, content_type="multipart/form-data")


def nominations(programme):
    with programme.engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(Nomination))


def test_a_filled_attachment_1_starts_a_draft_nomination_per_row(auth, client, programme):
    auth.login("hongshan_sub")
    page = text(client.get("/import/"))
    assert "导入推荐人选名单（附件1）" in page and "下载附件1模板" in page and "松山区" not in page
    template = load_workbook(BytesIO(client.get("/import/template.xlsx").data)).active
    assert [c.value for c in template[3]] == list(HEADERS)
    r = upload(auth, programme, sheet(ROW_A, ROW_B))
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    assert "已发起的推荐（2份）" in page and "张伟（红山区，2014年度）" in page and "填写推荐申报表" in page
    assert nominations(programme) == 2
    inbox = text(client.get("/inbox?box=group")) + text(client.get("/inbox?box=todo"))
    assert "李秀兰（红山区，2014年度）" in inbox


def test_wrong_rows_are_shown_per_row_and_nothing_is_created(auth, client, programme):
    auth.login("hongshan_sub")
    client.get("/import/")
    bad_b = (2, "李秀兰", "女", "七五年", "蒙古族", "群众", "大专", "高级技师", "松山区", "红山区热电厂", "工人", "", "")
    r = upload(auth, programme, sheet(ROW_A, bad_b))
    page = text(r)
    assert r.status_code == 422 and "附件1中有1行有误，未发起任何推荐" in page
    assert page.count('data-row="5"') == 3                      # the sheet's row 5: birth, unit, category
    assert "出生年月" in page and "与上传单位“红山区”不符" in page and "应为 年-月，例如 1969-03" in page
    assert nominations(programme) == 0
    r = upload(auth, programme, b"not a spreadsheet")
    assert r.status_code == 422 and "无法读取该文件" in text(r)
    wb = Workbook()
    wb.active.append(["随便", "一张表"])
    buf = BytesIO()
    wb.save(buf)
    assert "没有找到附件1的表头" in text(upload(auth, programme, buf.getvalue()))


def test_a_unit_uploads_only_for_itself(auth, client, programme):
    auth.login("hongshan_sub")
    client.get("/import/")
    assert upload(auth, programme, sheet(ROW_A), unit="songshan").status_code == 403
    auth.logout()
    auth.login("hongshan_rev")
    assert client.get("/import/").status_code == 403
