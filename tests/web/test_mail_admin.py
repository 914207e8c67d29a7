"""The administrators' mail page (issue 17 point 2): counts by state, failed mails with the
reason and a resend button, and the test mail that checks the SMTP settings in Chinese."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.identity import upsert_user
from tests.worker.smtp_server import free_port, use_smtp
from tests.worker.smtp_server import smtp_server  # noqa: F401 - fixture
from workflows.notifications.tables import Mail


@pytest.fixture(autouse=True)
def no_waiting(app):
    app.extensions["peidai_login_throttle"].sleep = lambda seconds: None


def text(response) -> str:
    return response.get_data(as_text=True)


def test_admin_area_links_the_mail_page_and_others_cannot_open_it(client, auth):
    auth.login("section")
    assert client.get("/admin/mail/").status_code == 403
    auth.logout()
    auth.login("admin")
    page = text(client.get("/admin/mail/"))
    assert "尚未配置邮件服务器" in page
    assert 'href="/admin/mail/"' in text(client.get("/admin/incidents"))


def test_test_mail_reports_the_outcome_in_chinese(client, auth, system, smtp_server):
    inbox, port = smtp_server
    auth.login("admin")
    r = auth.post("/admin/mail/test", {"to": "admin@example.cn"})
    assert r.status_code == 502 and "尚未配置邮件服务器" in text(r)
    use_smtp(system, free_port())
    r = auth.post("/admin/mail/test", {"to": "admin@example.cn"})
    assert r.status_code == 502 and "无法连接邮件服务器 127.0.0.1:" in text(r)
    use_smtp(system, port)
    r = auth.post("/admin/mail/test", {"to": "admin@example.cn"})
    assert r.status_code == 200 and "测试邮件已由 127.0.0.1" in text(r)
    assert inbox.to("admin@example.cn")
    assert re.search(r'<a class="tab on" href="[^"]*/admin/mail/?">', r.get_data(as_text=True)), "the 邮件 tab stays marked"


@pytest.mark.parametrize("to, message", [("", "请填写收件邮箱"), ("a@b.cn\r\nBcc: c@d.cn", "电子邮箱格式不正确"),
                                         ("<img src=x onerror=alert(1)>", "电子邮箱格式不正确")])
def test_test_mail_refuses_a_bad_recipient(client, auth, to, message):
    auth.login("admin")
    r = auth.post("/admin/mail/test", {"to": to})
    assert r.status_code == 422 and message in text(r)
    assert "<img src=x" not in text(r)


def test_failed_mail_is_listed_with_its_reason_and_resent(client, auth, system, engine, smtp_server):
    inbox, port = smtp_server
    with engine.unit_of_work() as s:
        upsert_user(s, "reviewer", "李审核", email="li@example.cn", memberships=[("unit_reviewer", "hongshan")])
        engine.outbox.emit(s, "notify", {"template": "urge", "users": ["reviewer"], "context": {}}, "u1")
    use_smtp(system, free_port())
    engine.outbox.deliver_due(system)
    auth.login("admin")
    page = text(client.get("/admin/mail/?status=failed"))
    assert "无法连接邮件服务器" in page and "li@example.cn" in page
    with system.sessions() as s:
        mail_id = s.scalar(select(Mail.id))
    use_smtp(system, port)
    r = auth.post(f"/admin/mail/{mail_id}/resend", follow_redirects=True)
    assert "邮件已发送" in text(r)
    assert inbox.to("li@example.cn")
    r = auth.post(f"/admin/mail/{mail_id}/resend", follow_redirects=True)
    assert "不能重新发送" in text(r)
    assert auth.post("/admin/mail/999999/resend", follow_redirects=True).status_code == 200
