"""Contact details in the browser (issue 17): a unit's submitter enters an e-mail address and a
mobile number on 我的账号 → 联系方式与消息, sees the address waiting for confirmation, opens the
link mailed to it and confirms; the administrator's mail page (/admin/mail) and the talent
section's 联系方式缺失 page are read at desktop and phone width, with nothing running off the
screen. Screenshots in test-artifacts/browser-contacts/."""
from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from peidai.settings import PROJECT_ROOT
from tests.browser.test_mentor_activation import Person_
from workflows.driver import Driver
from workflows.notifications import contacts
from workflows.notifications.tables import Mail

pytestmark = pytest.mark.browser

SHOTS = PROJECT_ROOT / "test-artifacts" / "browser-contacts"
WIDTHS = {"desktop": 1440, "phone": 390}


@pytest.fixture(scope="module")
def shots():
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture
def seeded(system, password_hash):
    d = Driver(system)
    d.seed(password_hash=password_hash)
    return d


def confirmation_link(system, address: str) -> str:
    system.engine.outbox.deliver_due(system)    # no SMTP server here: the mail is kept, its text readable
    with system.sessions() as s:
        body = s.scalar(select(Mail.body).where(Mail.to_address.contains(address)).order_by(Mail.id.desc()))
    return re.search(r"https?://\S+/account/contacts/confirm/\S+", body).group(0)


@pytest.mark.parametrize("label", list(WIDTHS))
def test_person_enters_contacts_and_confirms_the_new_address(browser, server, system, seeded, shots, label):
    person = Person_(browser, server, WIDTHS[label])
    p = person.page
    person.login("hongshan_sub")
    p.goto(server + "/account/")
    p.click(".tabs a:has-text('联系方式与消息')")
    p.wait_for_url("**/account/contacts")
    assert person.fits(), f"the contacts page is wider than {WIDTHS[label]}px"
    person.shot(shots, f"{label}-contacts-empty")

    # a wrong number first: the page says why and keeps what was typed
    p.fill("#email", "wang.li@example.cn")
    p.fill("#mobile", "110")
    p.click("#contacts button[type=submit]")
    assert "手机号码应为 11 位数字" in p.inner_text("#contact-errors")
    assert p.input_value("#email") == "wang.li@example.cn"
    assert person.fits()
    person.shot(shots, f"{label}-contacts-refused")

    p.fill("#mobile", "139 1234 5678")
    p.click("#contacts button[type=submit]")
    p.wait_for_url("**/account/contacts")
    pending = p.inner_text("#pending-email")
    assert "待确认的新邮箱：wang.li@example.cn" in pending
    assert "确认邮件已保存" in p.inner_text("main")          # no SMTP server: kept, sent once one is configured
    assert p.input_value("#mobile") == "13912345678" and p.input_value("#email") == ""
    p.check("#channels input[name=tasks][value=in_app]")
    p.click("#channels button[type=submit]")
    assert "消息接收方式已保存" in p.inner_text("main")
    assert p.is_checked("#channels input[name=tasks][value=in_app]")
    assert person.fits(), f"the contacts page with a pending address is wider than {WIDTHS[label]}px"
    person.shot(shots, f"{label}-contacts-pending")

    # the link from the mail, opened in the same browser
    link = confirmation_link(system, "wang.li@example.cn")
    p.goto(link)
    assert "确认后，系统的邮件将发到 wang.li@example.cn" in p.inner_text("#confirm-email")
    assert person.fits()
    person.shot(shots, f"{label}-confirm-email")
    p.click("#confirm-email button[type=submit]")
    p.wait_for_url("**/account/contacts")
    assert "电子邮箱已确认" in p.inner_text("main")
    assert p.input_value("#email") == "wang.li@example.cn" and p.locator("#pending-email").count() == 0
    assert contacts.contacts(system.engine, "hongshan_sub") == {"email": "wang.li@example.cn", "mobile": "13912345678",
                                                                "pending_email": None}
    person.shot(shots, f"{label}-contacts-confirmed")
    p.goto(link)                                             # one-time
    assert "确认链接无效或已过期" in p.inner_text("#confirm-email")
    assert person.errors == [], person.errors
    person.context.close()


def _mails(system):
    """Mails in every state, with long addresses, subjects and reasons (what breaks a layout)."""
    now = system.engine.now()
    rows = [
        ("hongshan_sub", "wang.li.hongshan.district.organization.department@example-long-domain.cn", "failed",
         "邮件服务器拒绝了收件地址：550 5.1.1 <wang.li.hongshan.district.organization.department@example-long-domain.cn>: "
         "Recipient address rejected: User unknown in virtual mailbox table"),
        ("songshan_sub", "zhao@example.cn", "failed", "连接邮件服务器 smtp.chifeng.gov.cn:465 失败：连接超时（30 秒）"),
        ("section", "wei.le@example.cn", "kept", None),
        ("admin", "admin@example.cn", "sent", None),
    ]
    with system.engine.unit_of_work() as s:
        for i, (user, address, status, error) in enumerate(rows):
            s.add(Mail(key=f"browser-test:{i}", username=user, to_address=address,
                       subject="【赤峰市人才培带工程】推荐申报截止提醒：红山区 2014 年度人才培带人推荐申报将于 6 月 30 日截止",
                       body="……", status=status, created_at=now - timedelta(hours=i), error=error,
                       attempts=3 if status == "failed" else 1,
                       sent_at=now if status == "sent" else None))


@pytest.mark.parametrize("label", list(WIDTHS))
def test_mail_and_unreachable_pages_fit_the_screen(browser, server, system, seeded, shots, label):
    width = WIDTHS[label]
    _mails(system)
    admin_actor = system.engine.actor_for("admin")
    contacts.set_contacts(system.engine, admin_actor, "hongshan_sub", email="wang@example.cn", mobile="13900000001")
    contacts.set_contacts(system.engine, admin_actor, "hongshan_rev", email="li@example.cn")

    admin = Person_(browser, server, width)
    admin.login("admin")
    q = admin.page
    q.goto(server + "/admin/mail/")
    assert q.locator("#mails tr[data-mail]").count() == 2
    assert "User unknown" in q.inner_text("#mails")
    assert admin.fits(), f"/admin/mail is wider than {width}px"
    admin.shot(shots, f"{label}-mail-failed")
    q.fill("#smtp-settings input[name=to]", "wang.li.hongshan.district.organization.department@example-long-domain.cn")
    q.click("#smtp-settings button")
    assert q.locator("#test-result").count() == 1       # no SMTP server here: the page says so
    assert admin.fits(), f"/admin/mail with a test result is wider than {width}px"
    admin.shot(shots, f"{label}-mail-test")
    q.goto(server + "/admin/mail/?status=kept")
    assert admin.fits(), f"/admin/mail?status=kept is wider than {width}px"
    admin.shot(shots, f"{label}-mail-kept")
    q.goto(server + "/accounts/hongshan_sub/contacts")
    assert q.input_value("#email") == "wang@example.cn"
    assert admin.fits(), f"the administrator's contacts page is wider than {width}px"
    admin.shot(shots, f"{label}-admin-contacts")
    q.goto(server + "/accounts/contacts/import")
    assert admin.fits(), f"the import page is wider than {width}px"
    admin.shot(shots, f"{label}-import")

    section = Person_(browser, server, width)
    section.login("section")
    p = section.page
    p.goto(server + "/accounts/unreachable")
    row = p.locator("tr[data-unit=hongshan]")
    assert "红山区" in row.inner_text()
    assert section.fits(), f"the 联系方式缺失 page is wider than {width}px"
    section.shot(shots, f"{label}-unreachable")
    for who in (admin, section):
        assert who.errors == [], who.errors
        who.context.close()
