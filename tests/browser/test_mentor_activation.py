"""A newly appointed mentor gets in (issue 11): the programme creates the account without a
password, the talent section hands over the one-time activation link, the mentor chooses a
password, logs in and fills in the agreement (联系书: period, indicators, five mentees); the unit
confirms it. The account pages are looked at at 1440 and 390 px (screenshots in
test-artifacts/browser-accounts/)."""
from __future__ import annotations

import json
import shutil
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from engine.tables import OutboxMessage
from peidai.settings import PROJECT_ROOT
from tests.browser.conftest import PASSWORD
from tests.programme.conftest import appoint, open_round
from workflows.driver import Driver
from workflows.tables import Mentee, Mentorship, Person

pytestmark = pytest.mark.browser

SHOTS = PROJECT_ROOT / "test-artifacts" / "browser-accounts"
MENTOR_PASSWORD = "Zhang#Wei-2014x"
WIDTHS = {"desktop": 1440, "phone": 390}


@pytest.fixture(scope="module")
def shots():
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


class Person_:
    """One person at one browser."""

    def __init__(self, browser, base, width=1440):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                           timezone_id="Asia/Shanghai")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        # script errors and anything the Content-Security-Policy refused (a 404 page is no error here)
        self.page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
                     and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.base = base

    def login(self, username, password=PASSWORD):
        p = self.page
        p.goto(self.base + "/login")
        p.fill("#username", username)
        p.fill("#password", password)
        p.click("form button[type=submit].btn-primary")
        p.wait_for_url("**/inbox")

    def shot(self, folder, name):
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    def fits(self) -> bool:
        """Nothing wider than the window (no sideways scrolling of the page)."""
        self.page.wait_for_load_state("load")   # the stylesheets applied: DOMContentLoaded may come first
        return self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_new_mentor_activates_the_account_and_completes_the_agreement(browser, server, system, password_hash, shots):
    d = Driver(system)
    d.seed(password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    _, round_id = open_round(d, 2014)
    appoint(d, round_id, "hongshan", name="张伟")   # nomination to sign-off: the mentor's account exists now
    with d.engine.sessions() as s:
        ship = s.scalar(select(Mentorship).order_by(Mentorship.id.desc()))
        mentor = s.get(Person, ship.mentor_id).username
        told = [json.loads(m) for m in s.scalars(select(OutboxMessage.payload_json).where(OutboxMessage.topic == "notify"))]
    assert any(m["template"] == "account_pending" and m["context"]["username"] == mentor and "section" in m["users"]
               for m in told), "the talent section is told that the account waits for activation"

    # the talent section finds the pending account and issues the link to hand over
    section = Person_(browser, server)
    section.login("section")
    section.page.click("nav a:has-text('账号激活')")
    row = section.page.locator("#pending tbody tr", has_text="张伟")
    assert mentor in row.inner_text()
    section.shot(shots, "desktop-accounts-pending")
    row.locator("button:has-text('生成激活链接')").click()
    link = section.page.inner_text("#account-link").strip()
    assert urlsplit(link).path.startswith("/account/activate/")
    section.shot(shots, "desktop-activation-link")

    # the mentor, at another browser, opens the link and chooses a password
    person = Person_(browser, server)
    p = person.page
    p.goto(link)
    assert p.inner_text("#account-username") == mentor
    p.fill("#password", "zhangwei123")
    p.fill("#confirm", "zhangwei123")
    p.click("#choose-password button[type=submit]")
    assert "至少三类" in p.inner_text("#password-errors")
    person.shot(shots, "desktop-activation-refused")
    p.fill("#password", MENTOR_PASSWORD)
    p.fill("#confirm", MENTOR_PASSWORD)
    p.click("#choose-password button[type=submit]")
    p.wait_for_url("**/login")
    assert "密码已设置" in p.inner_text("main")
    person.login(mentor, MENTOR_PASSWORD)

    # ... and completes the agreement: the mentoring period, the indicators and the five mentees
    p.goto(server + "/inbox?box=todo")       # the mentor's own step: in 我的待办 at once (sole holder)
    p.locator("table.table tbody tr", has_text="登记培带对象").locator("td:first-child a").first.click()
    p.wait_for_url("**/tasks/*")
    p.fill("#f-period_years", "3")
    p.fill("#f-indicators", "每年开展专题讲座不少于4次，指导培带对象完成课题1项")
    p.fill("#f-mentees", "\n".join(f"学员{i}，赤峰市医院 住院医师，心内科" for i in range(1, 6)))
    person.shot(shots, "desktop-agreement")
    p.click("form.schema-form button[name=_action][value=submit]")
    p.wait_for_url("**/inbox?box=done")
    assert "登记培带对象" in p.inner_text("table.table")

    # the unit confirms the agreement
    unit = Person_(browser, server)
    unit.login("hongshan_rev")
    unit.page.goto(server + "/inbox?box=todo")   # the unit's only reviewer: assigned at once
    unit.page.locator("table.table tbody tr", has_text="单位确认联系书").locator("td:first-child a").first.click()
    unit.page.wait_for_url("**/tasks/*")
    confirm = unit.page.locator("form.schema-form button[name=_action][value=confirm]")
    if confirm.count():          # the decision as buttons
        confirm.click()
    else:                        # or as a choice and a submit button
        unit.page.check("input[name=agreement_decision][value=confirm]")
        unit.page.click("form.schema-form button[name=_action][value=submit]")
    unit.page.wait_for_url("**/inbox?box=done")
    with d.engine.sessions() as s:
        assert s.get(Mentorship, ship.id).status == "active"
        names = s.scalars(select(Person.name).join(Mentee, Mentee.person_id == Person.id)
                          .where(Mentee.mentorship_id == ship.id).order_by(Person.name)).all()
    assert names == [f"学员{i}" for i in range(1, 6)]   # what the mentor typed in the browser

    # the link was one-time
    again = Person_(browser, server)
    again.page.goto(link)
    assert "链接无效或已过期" in again.page.inner_text("main")
    for who in (section, person, unit, again):
        assert who.errors == [], who.errors   # no script refused by the Content-Security-Policy, no error
        who.context.close()


def test_account_pages_at_desktop_and_phone_width(browser, server, system, password_hash, shots):
    d = Driver(system)
    d.seed(password_hash=password_hash)
    with d.engine.unit_of_work() as s:
        from engine.identity import upsert_user
        upsert_user(s, "mentor99", "李明", memberships=[("mentor", "99")])
    for label, width in WIDTHS.items():
        anon = Person_(browser, server, width)
        p = anon.page
        p.goto(server + "/login")
        assert anon.fits(), f"log-in page wider than {width}px"
        anon.shot(shots, f"{label}-login")
        p.click("a:has-text('忘记密码')")
        assert anon.fits()
        anon.shot(shots, f"{label}-forgot")
        p.goto(server + "/account/activate/not-a-valid-token")
        assert "链接无效或已过期" in p.inner_text("main") and anon.fits()
        anon.shot(shots, f"{label}-link-invalid")

        admin = Person_(browser, server, width)
        admin.login("admin")
        q = admin.page
        q.goto(server + "/accounts/")
        admin.shot(shots, f"{label}-accounts")
        q.locator("#pending tbody tr", has_text="李明").locator("button").click()
        link = q.inner_text("#account-link").strip()
        assert admin.fits(), f"the link page is wider than {width}px"
        admin.shot(shots, f"{label}-link")
        p.goto(link)
        assert anon.fits()
        anon.shot(shots, f"{label}-choose-password")
        q.goto(server + "/account/")
        assert admin.fits(), f"the account page is wider than {width}px"
        admin.shot(shots, f"{label}-account")
        q.goto(server + "/account/tokens")
        q.fill("input[name=name]", "单位人事系统对接")
        q.click("main form button:has-text('生成新令牌')")
        assert q.inner_text("#api-token").startswith("pd_")
        assert admin.fits(), f"the token page is wider than {width}px"
        admin.shot(shots, f"{label}-tokens")
        q.goto(server + "/accounts/new")
        admin.shot(shots, f"{label}-new-account")
        for who in (anon, admin):
            assert who.errors == [], who.errors
            who.context.close()
