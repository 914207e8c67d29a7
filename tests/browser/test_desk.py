"""The reviewer's desk in Chromium (issue 12): the director signs with the application and the
committee's tally in view; a returned nomination is in its submitter's 我的待办 with the opinion
on top; the bell counts a new message and clears; every navigation entry of every role works at
390 px; and each role's pages of the demo programme, at both widths, show no stored code and fit
the phone's screen (the scan of every page of the walk is tests/web/test_desk_walk.py).

Screenshots go to ``$PEIDAI_SHOTS`` (a folder outside the repository) when it is set, else to
test-artifacts/browser/desk/."""
from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from engine.tables import OutboxMessage
from peidai.settings import PROJECT_ROOT
from tests.browser.conftest import PASSWORD
from workflows.driver import Driver, sample_application

pytestmark = pytest.mark.browser

DESK = 1440, 900
PHONE = 390, 844
# stored codes of the programme and the engine that no page may show (labels are shown instead)
CODES = ("submit withdraw approve reject decline sign publish agree disagree abstain confirm qualified unqualified "
         "running suspended completed cancelled open pending approved declined ineligible draft submitted "
         "returned in_review recommended not_recommended appointed expired listed signed struck valid revoked "
         "active ended released agreement disqualified lecture guidance training exchange bus_card apartment "
         "health_check recuperation training_class commendation professional skilled rural equivalent "
         "master doctor bachelor college secondary senior associate_senior intermediate junior "
         "True False None null undefined").split()
RAW = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(CODES) + r")(?![A-Za-z0-9_])|\\u[0-9a-fA-F]{4}")


def shots_dir(artifacts) -> Path:
    folder = Path(os.environ["PEIDAI_SHOTS"]) if os.environ.get("PEIDAI_SHOTS") else artifacts / "desk"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cst(text):
    return datetime.fromisoformat(text + "+08:00")


class Person:
    """One signed-in browser context."""

    def __init__(self, browser, base, username, size=DESK, folder=None):
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN",
                                           timezone_id="Asia/Shanghai")
        self.page = self.context.new_page()
        self.base, self.size, self.folder, self.username = base, size, folder, username
        p = self.page
        p.goto(base + "/login")
        p.fill("#username", username)
        p.fill("#password", PASSWORD)
        p.click("form button[type=submit].btn-primary")
        p.wait_for_url(re.compile(r".*/(inbox|account).*"))

    def go(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        return self.page

    def shot(self, name):
        if self.folder is not None:
            self.page.screenshot(path=str(self.folder / f"{name}-{self.size[0]}.png"), full_page=True)

    def close(self):
        self.context.close()


def programme(system, password_hash):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    d.round_id = d.engine.instance_detail(d.open_round(2014))["data"]["round_id"]
    return d


def deliver_notifications(system) -> int:
    with system.engine.sessions() as s:
        ids = list(s.scalars(select(OutboxMessage.id).where(OutboxMessage.topic == "notify",
                                                            OutboxMessage.status == "pending")))
    for mid in ids:
        system.engine.outbox.deliver(mid, system)
    return len(ids)


def test_the_director_signs_with_the_application_and_the_committee_tally(browser, server, system, artifacts,
                                                                          password_hash):
    d = programme(system, password_hash)
    iid = d.nominate(d.round_id, "hongshan")
    d.complete(iid, "Task_Fill", sample_application("张伟", awards="市级科技进步奖一等奖"))
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True, "comment": "业务突出，同意推荐"})
    d.fire(cst("2014-07-01T09:00"))
    review = d.review_of(iid) or iid
    for i, task in enumerate(d.open_tasks(review, "Task_ExpertReview")):
        vote = "disagree" if i == 2 else "agree"
        d.complete(review, "Task_ExpertReview", {"opinion": {"vote": vote, "score": 60 if i == 2 else 90,
                                                             "comment": "材料不够充分" if i == 2 else "成果突出"}}, task=task)
    round_iid = d.round_instance(d.round_id)
    if d.open_tasks(round_iid, "Task_PrepareList"):
        d.prepare_list(round_iid)
    director = Person(browser, server, "director", folder=shots_dir(artifacts))
    p = director.go("/inbox?box=todo")   # the only director: the list is in 我的待办 at once
    p.locator("table.table tbody tr td:first-child a").first.click()
    p.wait_for_url("**/tasks/*")
    case = "#round-list" if p.locator("#round-list").count() else "main"     # the list, or the candidate's own step
    text = p.inner_text(case)
    for fact in ("张伟", "红山区", "优秀专业技术人才", "赤峰市医院 主任医师", "市级科技进步奖一等奖"):   # the application
        assert fact in text, fact
    assert re.search(r"同意\s*2\s*·\s*不同意\s*1", text)                                              # the tally
    assert "成果突出" in text and "材料不够充分" in text and "专业技术人才评审专家" in text              # the opinions
    assert p.locator(case).bounding_box()["y"] < p.locator("#decision").bounding_box()["y"]     # above the decision
    text = p.inner_text("main")
    director.shot("desk-director-sign-off")
    assert not RAW.findall(text), RAW.findall(text)
    director.close()


def test_a_returned_nomination_is_in_the_submitters_todo_with_the_opinion(browser, server, system, artifacts,
                                                                          password_hash):
    d = programme(system, password_hash)
    iid = d.nominate(d.round_id, "hongshan")
    d.complete(iid, "Task_Fill", sample_application("张伟"))
    folder = shots_dir(artifacts)
    reviewer = Person(browser, server, "hongshan_rev", folder=folder)
    p = reviewer.go("/inbox?box=todo")   # the unit's only reviewer: assigned at once
    p.locator("table.table tbody tr", has_text="张伟").locator("td:first-child a").first.click()
    p.wait_for_url("**/tasks/*")
    assert "赤峰市人才培带人推荐申报表（附件2）" in p.inner_text("main")   # the application above the decision
    p.fill("#f-comment", "请补充获奖证书复印件")
    p.click("button[name=_action][value=return]")
    p.wait_for_url("**/inbox?box=done")
    reviewer.close()

    for size in (DESK, PHONE):
        sub = Person(browser, server, "hongshan_sub", size=size, folder=folder)
        p = sub.go("/inbox?box=todo")
        row = p.locator("table.table tbody tr", has_text="张伟")
        assert row.count() == 1
        row.locator("a", has_text="张伟").first.click()
        p.wait_for_url("**/tasks/*")
        notice = p.locator("#return-notice")
        assert "退回意见" in notice.inner_text() and "请补充获奖证书复印件" in notice.inner_text()
        box = notice.bounding_box()
        form = p.locator("form.schema-form").bounding_box()
        assert box["y"] < form["y"]                                           # at the top of the form
        assert p.input_value("#f-name") == "张伟"                             # the application kept
        sub.shot("desk-returned-nomination")
        sub.close()


def test_the_bell_counts_a_new_message_and_clears(browser, server, system, artifacts, password_hash):
    d = programme(system, password_hash)
    deliver_notifications(system)
    sub = Person(browser, server, "hongshan_sub", folder=shots_dir(artifacts))
    p = sub.go("/inbox")

    def count():
        badge = p.locator("#bell .bell-count")
        return int(badge.inner_text()) if badge.count() else 0

    before = count()
    iid = d.nominate(d.round_id, "hongshan")
    d.complete(iid, "Task_Fill", sample_application("张伟"))
    d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充材料"})
    assert deliver_notifications(system)
    p.reload()
    assert count() > before
    sub.shot("desk-bell")
    p.click("#bell")
    p.wait_for_url("**/messages/")
    assert "退回修改：张伟" in p.inner_text("main")
    sub.shot("desk-messages")
    p.click("#read-all")
    p.wait_for_load_state("load")
    assert count() == 0 and p.locator(".message.unread").count() == 0
    sub.close()


ROLES = ["hongshan_sub", "hongshan_rev", "expert_professional_1", "section", "director", "admin"]


def nav_entries(p) -> list[tuple[str, str]]:
    return [(a.inner_text().split("\n")[0].strip(), a.get_attribute("href")) for a in p.locator("#sidenav a").all()]


def drawer_open(p) -> None:
    """Wait for the drawer to finish sliding in (pages run under script-src 'self': no eval)."""
    for _ in range(40):
        if p.locator("#sidenav").bounding_box()["x"] >= 0:
            return
        p.wait_for_timeout(50)
    raise AssertionError("the menu did not open")


def test_every_navigation_entry_of_every_role_at_390_px(browser, server, system, artifacts, password_hash):
    d = programme(system, password_hash)
    iid = d.nominate(d.round_id, "hongshan")
    d.complete(iid, "Task_Fill", sample_application("张伟"))
    folder = shots_dir(artifacts)
    for username in ROLES:
        person = Person(browser, server, username, size=PHONE, folder=folder)
        p = person.page
        assert not p.locator("#sidenav").is_visible() or p.locator("#sidenav").bounding_box()["x"] < 0
        entries = nav_entries(p)
        assert len(entries) >= 5, username
        for label, href in entries:
            p.click("#menu-button")
            drawer_open(p)
            link = p.locator("#sidenav a", has_text=label).first
            assert link.bounding_box()["x"] >= 0, (username, label)
            link.click()
            p.wait_for_load_state("load")
            assert urlsplit(p.url).path.startswith(urlsplit(href).path), (username, label, p.url)
            assert not p.locator(".error-card").count(), (username, label)
            width = p.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE[0] + 1, (username, label, width)               # nothing runs off the screen
        person.shot(f"desk-nav-{username}")
        person.close()


# ------------------------------------------------------------------ the walk, looked at

# the pages of each role's day's work (the rest are walked without a browser, in
# tests/web/test_desk_walk.py, whose scan of every page's text for stored codes this repeats here)
WALK = {
    "hongshan_sub": ["/inbox?box=todo", "/inbox?box=started", "first-task"],
    "yuanbaoshan_sub": ["first-task"],
    "songshan_rev": ["/inbox?box=group", "first-task", "first-instance"],
    "expert_professional_1": ["/inbox?box=done", "first-done"],
    "section": ["/inbox?box=group", "first-task", "/pool/", "/dashboard/", "first-instance"],
    "director": ["/inbox?box=done", "first-done"],
    "mentor1": ["/inbox?box=group", "first-task", "/messages/"],
}


def test_the_day_s_pages_of_every_role_at_both_widths(browser, server, system, artifacts, database, tmp_path):
    """The demo programme at 1440 and 390 px: each role's inbox, a task, a process; no page wider
    than the phone's screen, no stored code in what the page shows (screenshots to $PEIDAI_SHOTS)."""
    from peidai.settings import Settings
    from workflows import demo

    settings = Settings(database_url=database.url, data_dir=tmp_path / "demo", secret_key="x", testing=True)
    demo.load(settings, PROJECT_ROOT / "bpmn", echo=lambda *_: None, password=PASSWORD, now=cst("2026-11-29T10:00"))
    deliver_notifications(system)
    folder = shots_dir(artifacts)
    offenders, looked = [], 0
    for username, paths in WALK.items():
        for size in (DESK, PHONE):
            person = Person(browser, server, username, size=size, folder=folder)
            p = person.page
            for n, path in enumerate(paths):
                if path.startswith("first-"):
                    box = {"first-task": "todo", "first-done": "done", "first-instance": "done"}[path]
                    person.go(f"/inbox?box={box}")
                    if path == "first-task" and not p.locator("table.table tbody tr a").count():
                        person.go("/inbox?box=group")
                    links = p.locator("table.table tbody tr td:first-child a")
                    if not links.count():
                        continue
                    href = links.first.get_attribute("href")
                    if path == "first-instance":
                        href = p.locator("table.table tbody tr a:has-text('查看进度')").first.get_attribute("href")
                    person.go(href)
                else:
                    person.go(path)
                if "/instances/" in p.url:
                    p.wait_for_selector("#diagram[data-ready='1']", timeout=15000)
                text = p.inner_text("body")
                found = sorted({m.group(0) for m in RAW.finditer(text)})
                if found:
                    offenders.append((username, size[0], p.url, found))
                if size == PHONE:
                    width = p.evaluate("document.documentElement.scrollWidth")
                    assert width <= PHONE[0] + 1, (username, p.url, width)
                person.shot(f"walk-{username}-{n + 1}-{re.sub(r'[^a-z]+', '-', urlsplit(p.url).path).strip('-') or 'home'}")
                looked += 1
            person.close()
    assert looked >= 30
    assert not offenders, offenders


def test_an_oversized_file_is_refused_before_the_upload_starts(browser, server, system, artifacts, password_hash):
    d = programme(system, password_hash)
    iid = d.nominate(d.round_id, "hongshan")
    nomination_id = d.engine.instance_detail(iid)["data"]["nomination_id"]
    sub = Person(browser, server, "hongshan_sub", size=PHONE, folder=shots_dir(artifacts))
    p = sub.go(f"/documents/nominations/{nomination_id}/uploads")
    limit = int(p.get_attribute("input[type=file]", "data-max-bytes"))
    p.set_input_files("input[type=file]", {"name": "扫描件.pdf", "mimeType": "application/pdf",
                                            "buffer": b"%PDF-1.4\n" + b"0" * limit})
    error = p.locator(".upload-error")
    assert "扫描件.pdf" in error.inner_text() and "上传上限" in error.inner_text()
    assert p.eval_on_selector("input[type=file]", "e => e.files.length") == 0   # nothing left to send
    sub.shot("desk-upload-too-large")
    p.click("#back-to-task")                                                    # and back to its task
    p.wait_for_url("**/tasks/*")
    assert "填写推荐申报表" in p.inner_text("main")
    sub.close()


def test_the_progress_diagram_fits_zooms_and_centres_the_current_step(browser, server, system, artifacts,
                                                                      password_hash):
    d = programme(system, password_hash)
    iid = d.nominate(d.round_id, "hongshan")
    d.complete(iid, "Task_Fill", sample_application("张伟"))
    section = Person(browser, server, "section", folder=shots_dir(artifacts))
    p = section.go(f"/instances/{iid}")
    p.wait_for_selector("#diagram[data-ready='1']", timeout=15000)

    def transform():
        return p.get_attribute("#diagram svg .viewport", "transform")

    start = transform()
    p.click("[data-diagram=in]")
    zoomed = transform()
    assert zoomed != start
    p.click("[data-diagram=fit]")
    assert transform() != zoomed
    p.click("[data-diagram=current]")
    box = p.locator("#diagram").bounding_box()
    active = p.locator("#diagram .st-active").first.bounding_box()
    centre = (active["x"] + active["width"] / 2, active["y"] + active["height"] / 2)
    assert abs(centre[0] - (box["x"] + box["width"] / 2)) < box["width"] / 4      # the current step in the middle
    assert abs(centre[1] - (box["y"] + box["height"] / 2)) < box["height"] / 4
    section.shot("desk-diagram-current-step")
    section.close()


def test_a_reviewer_s_pages_in_english_show_the_models_english(browser, server, system, artifacts, password_hash):
    """English chosen: the unit review's task name, form, choices and the application above it are
    the models' English (bpmn/i18n/en.json) at both widths; the Chinese pages keep the Chinese."""
    d = programme(system, password_hash)
    iid = d.nominate(d.round_id, "hongshan")
    d.complete(iid, "Task_Fill", sample_application("张伟"))
    task = next(t for t in d.open_tasks(iid) if t["element_id"] == "Task_UnitReview")
    folder = shots_dir(artifacts)
    for size in (DESK, PHONE):
        reviewer = Person(browser, server, "hongshan_rev", size=size, folder=folder)
        p = reviewer.go(f"/tasks/{task['id']}")
        assert "同意推荐" in p.inner_text("main")
        reviewer.shot("i18n-unit-review-zh")
        with p.expect_navigation():   # the switch in the header (behind the menu button on a phone)
            p.evaluate("document.querySelector('form.lang button[value=en]').click()")
        p = reviewer.go(f"/tasks/{task['id']}")
        text = p.inner_text("main")
        for word in ("Unit review", "Recommend", "Return for revision", "Do not recommend", "Talent type"):
            assert word in text, word
        for word in ("同意推荐", "退回修改", "审核意见", "人才类型"):
            assert word not in text, word
        assert p.evaluate("document.documentElement.scrollWidth") <= size[0] + 1
        reviewer.shot("i18n-unit-review-en")
        reviewer.go("/inbox?box=todo")
        assert "Unit review" in p.inner_text("main")
        reviewer.shot("i18n-inbox-en")
        reviewer.close()
