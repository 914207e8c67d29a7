"""Contact details on the web (issue 17 point 1): the person's own page (a new address waits for
the link mailed to it), channels per kind of message, the administrator's edit and Excel import
with per-row errors, and the talent section's list of who cannot be reached."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from tests.web.conftest import csrf_from
from workflows.notifications import contacts, kinds
from workflows.notifications.tables import Mail


@pytest.fixture(autouse=True)
def no_waiting(app):
    app.extensions["peidai_login_throttle"].sleep = lambda seconds: None


def text(response) -> str:
    return response.get_data(as_text=True)


def deliver(system):
    system.engine.outbox.deliver_due(system)


def test_person_changes_mobile_at_once_and_email_after_confirming(client, auth, system, engine):
    auth.login("submitter")
    page = client.get("/account/contacts")
    assert page.status_code == 200 and "联系方式与消息" in text(page)
    r = auth.post("/account/contacts", {"email": "wang@example.cn", "mobile": "139-1234-5678"}, follow_redirects=True)
    assert "确认邮件已保存" in text(r) or "确认邮件已发送" in text(r)
    assert "待确认的新邮箱：wang@example.cn" in text(r)
    assert contacts.contacts(engine, "submitter") == {"email": None, "mobile": "13912345678", "pending_email": "wang@example.cn"}
    deliver(system)
    with system.sessions() as s:
        body = s.scalar(select(Mail.body).where(Mail.to_address.contains("wang@example.cn")))
    path = re.search(r"http://localhost(/account/contacts/confirm/\S+)", body).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "确认后，系统的邮件将发到 wang@example.cn" in text(page)
    assert page.headers.get("Referrer-Policy") == "no-referrer"
    assert contacts.contacts(engine, "submitter")["email"] is None         # opening the link alone changes nothing
    r = client.post(path, data={"csrf_token": csrf_from(text(page))}, follow_redirects=True)
    assert "电子邮箱已确认" in text(r)
    assert contacts.contacts(engine, "submitter")["email"] == "wang@example.cn"
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("form, message", [
    ({"email": "wang@example.cn\r\nBcc: all@example.cn", "mobile": ""}, "电子邮箱格式不正确"),
    ({"email": "<script>alert(1)</script>@x.cn", "mobile": ""}, "电子邮箱格式不正确"),
    ({"email": "", "mobile": "110"}, "手机号码应为 11 位数字"),
    ({"email": "a" * 5000, "mobile": ""}, "电子邮箱"),
])
def test_own_contacts_refuse_wrong_and_hostile_input(client, auth, engine, form, message):
    auth.login("submitter")
    r = auth.post("/account/contacts", form)
    assert r.status_code == 422 and message in text(r)
    assert "<script>alert(1)</script>" not in text(r)
    assert contacts.contacts(engine, "submitter") == {"email": None, "mobile": None, "pending_email": None}


def test_person_withdraws_an_address_change(client, auth, engine):
    auth.login("submitter")
    auth.post("/account/contacts", {"email": "wang@example.cn", "mobile": ""})
    r = auth.post("/account/contacts/withdraw", follow_redirects=True)
    assert "已撤回邮箱修改" in text(r) and "待确认的新邮箱" not in text(r)
    assert contacts.contacts(engine, "submitter")["pending_email"] is None


@pytest.mark.parametrize("token", ["x" * 43, "short", "x" * 300])
def test_unknown_confirmation_link_says_so(client, token):
    r = client.get(f"/account/contacts/confirm/{token}")
    assert r.status_code == 404 and "确认链接无效或已过期" in text(r)


def test_person_chooses_in_app_only_for_a_kind_of_message(client, auth, engine):
    auth.login("reviewer")
    r = auth.post("/account/channels", {"round": "in_app", "tasks": "mail"}, follow_redirects=True)
    assert "消息接收方式已保存" in text(r)
    with engine.sessions() as s:
        assert kinds.preferences(s, "reviewer")["round"] == "in_app"
    r = auth.post("/account/channels", {"round": "sms"})
    assert r.status_code == 422 and "接收方式只能是" in text(r)


def test_administrator_sets_anyones_contacts_without_confirmation(client, auth, engine):
    auth.login("admin")
    page = client.get("/accounts/reviewer/contacts")
    assert page.status_code == 200
    r = auth.post("/accounts/reviewer/contacts", {"email": "li@example.cn", "mobile": "13800000000"}, follow_redirects=True)
    assert "reviewer 的联系方式已保存" in text(r)
    assert contacts.contacts(engine, "reviewer") == {"email": "li@example.cn", "mobile": "13800000000", "pending_email": None}
    assert "li@example.cn" in text(client.get("/accounts/?q=reviewer"))
    r = auth.post("/accounts/reviewer/contacts", {"email": "li@", "mobile": ""})
    assert r.status_code == 422 and "电子邮箱格式不正确" in text(r)
    assert client.get("/accounts/nobody/contacts").status_code == 404


@pytest.mark.parametrize("who", ["section", "submitter"])
def test_only_administrators_edit_or_import_contacts(client, auth, who):
    auth.login(who)
    assert client.get("/accounts/reviewer/contacts").status_code in (302, 403)
    assert auth.post("/accounts/contacts/import", {}).status_code in (302, 403)
    assert client.get("/accounts/contacts/template.xlsx").status_code in (302, 403)


def workbook(rows) -> bytes:
    wb = Workbook()
    wb.active.append(["用户名", "姓名", "电子邮箱", "手机号码"])
    for r in rows:
        wb.active.append(list(r))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_shows_each_wrong_row_and_changes_nothing(client, auth, engine):
    auth.login("admin")
    data = workbook([("reviewer", "李审核", "li@example.cn", "13800000000"),
                     ("reviewer2", "", "=HYPERLINK(\"http://x\")", ""),
                     ("ghost", "", "g@example.cn", "")])
    r = auth.post("/accounts/contacts/import", {"file": (BytesIO(data), "list.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 422
    page = text(r)
    assert 'data-row="3"' in page and "不能是公式" in page
    assert contacts.contacts(engine, "reviewer")["email"] is None


def test_import_of_a_good_list_then_the_unreachable_page(client, auth, engine, system):
    from workflows.units import seed_units
    with engine.unit_of_work() as s:
        seed_units(s)
    auth.login("admin")
    template = client.get("/accounts/contacts/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    data = workbook([("submitter", "", "wang@example.cn", "13900000001"), ("reviewer", "", "li@example.cn", "")])
    r = auth.post("/accounts/contacts/import", {"file": (BytesIO(data), "list.xlsx")}, content_type="multipart/form-data",
                  follow_redirects=True)
    assert "已检查 2 行，修改了 2 个账号的联系方式" in text(r)
    auth.logout()
    auth.login("section")
    page = text(client.get("/accounts/unreachable"))
    row = re.search(r'<tr data-unit="hongshan".*?</tr>', page, re.S).group(0)
    assert "红山区" in row and "李审核" in row and "赵审核" in row      # reviewer has no mobile, reviewer2 nothing
    assert "王申报" not in row


@pytest.mark.parametrize("payload, message", [
    (b"", "请选择要导入的 Excel 文件"),
    (b"MZ\x90\x00 not a workbook", "无法读取该文件"),
])
def test_import_refuses_files_that_are_not_lists(client, auth, payload, message):
    auth.login("admin")
    r = auth.post("/accounts/contacts/import", {"file": (BytesIO(payload), "x.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 422 and message in text(r)
