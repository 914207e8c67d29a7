"""One nomination from submission through unit review, committee and the signed list to the
certificate, each step in the browser as the right role, on the programme's real models."""
from __future__ import annotations

from datetime import datetime

import pytest

from engine.queries import started
from peidai.settings import PROJECT_ROOT
from tests.browser.conftest import PASSWORD
from workflows.driver import Driver

pytestmark = pytest.mark.browser


class Session:
    def __init__(self, browser, base, artifacts):
        self.context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN",
                                           timezone_id="Asia/Shanghai")
        self.page = self.context.new_page()
        self.base = base
        self.artifacts = artifacts
        self.shots = []

    def login(self, username):
        p = self.page
        p.goto(self.base + "/login")
        p.fill("#username", username)
        p.fill("#password", PASSWORD)
        p.click("form button[type=submit].btn-primary")
        p.wait_for_url("**/inbox")

    def logout(self):
        self.page.click("header button:has-text('退出')")
        self.page.wait_for_url("**/login")

    def shot(self, name, full_page=True):
        path = self.artifacts / f"{len(self.shots) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        self.shots.append(path)

    def open_first_task(self, box, title_part):
        p = self.page
        p.goto(f"{self.base}/inbox?box={box}")
        row = p.locator("table.table tbody tr", has_text=title_part).first
        if box == "group":
            row.locator("button:has-text('认领')").click()
        else:
            row.locator("a", has_text=title_part).click()
        p.wait_for_url("**/tasks/*")


def test_nomination_from_submission_to_certificate(browser, server, system, artifacts, password_hash):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    d.open_round(2014)
    s = Session(browser, server, artifacts)
    p = s.page

    p.goto(server + "/login")
    s.shot("login")

    # 1. the county's submitter nominates and fills 附件2
    s.login("hongshan_sub")
    s.shot("submitter-inbox")
    p.click("nav a:has-text('发起推荐')")
    s.shot("start-nomination")
    p.click("button:has-text('发起推荐')")
    p.wait_for_url("**/tasks/*")
    p.click("form.schema-form button[name=_action][value=submit]")  # empty form: errors in Chinese next to the fields
    assert p.locator("#err-name").inner_text() == "此项为必填项"
    s.shot("application-errors")
    p.fill("#f-name", "张伟")
    p.check("input[name=gender][value='男']")
    p.fill("#f-birth_date", "1969-03-15")
    p.fill("#f-ethnicity", "汉族")
    p.fill("#f-political_status", "中共党员")
    p.fill("#f-workplace", "赤峰市医院 主任医师")
    p.fill("#f-phone", "0476-8838010")
    p.fill("#f-chifeng_since", "1992-07-01")
    p.select_option("#f-talent_type", "professional")
    p.select_option("#f-degree", "master")
    p.select_option("#f-title_level", "senior")
    p.fill("#f-awards", "市级科技进步奖一等奖")
    p.fill("#f-achievements", "主持省部级科研课题两项，培养青年骨干十余名")
    p.fill("#f-recommendation", "业务精湛，培养青年骨干成效显著")
    assert p.input_value("#f-name") == "张伟"
    s.shot("application-filled")
    p.click("form.schema-form button[name=_action][value=submit]")
    p.wait_for_url("**/inbox?box=done")
    assert "红山区推荐人选（2014年度）" in p.inner_text("table.table")
    s.shot("submitter-done")
    s.logout()

    # 2. the county's only reviewer finds it in 我的待办 at once (sole holder) and approves with an opinion
    s.login("hongshan_rev")
    assert p.locator("nav a:has-text('我的待办') .badge").inner_text() == "1"
    s.shot("reviewer-todo-inbox")
    s.open_first_task("todo", "张伟")
    assert "符合推荐条件" in p.inner_text("aside")
    p.click("button:has-text('不予推荐')")  # an opinion is required to reject
    assert "必须填写审批意见" in p.inner_text("#err-comment")
    p.fill("#f-comment", "该同志业务突出，同意推荐")
    p.check("#f-conditions_attested")   # 选拔条件1 attested to approve (issue 13)
    s.shot("unit-review")
    p.click("button:has-text('同意推荐')")
    p.wait_for_url("**/inbox?box=done")
    s.logout()

    # the round closes on June 30; the worker's timer sweep hands the nominations to the committee
    d.fire(datetime.fromisoformat("2014-07-01T09:00:00+08:00"))

    # 3. the committee: each professional-category expert votes
    for i in (1, 2, 3):
        s.login(f"expert_professional_{i}")
        s.open_first_task("todo", "张伟")
        p.check("input[name='opinion.vote'][value=agree]")
        p.fill("#f-opinion\\.score", "92" if i != 2 else "八十")
        if i == 2:
            p.click("form.schema-form button[name=_action][value=submit]")
            assert p.locator("#err-opinion\\.score").inner_text() == "格式不正确，应填写整数"
            assert p.is_checked("input[name='opinion.vote'][value=agree]")  # entered data kept
            s.shot("expert-validation")
            p.fill("#f-opinion\\.score", "88")
        p.fill("#f-opinion\\.comment", "科研成果突出，带教经验丰富")
        if i == 1:
            s.shot("expert-review")
        p.click("form.schema-form button[name=_action][value=submit]")
        p.wait_for_url("**/inbox?box=done")
        s.logout()

    # 4. the talent section prepares the list and the director signs it as a whole (issue 13)
    round_iid = d.round_instance(1)
    d.prepare_list(round_iid)
    s.login("director")                     # the only director: in 我的待办 at once
    s.open_first_task("todo", "2014年度人才培带人评选")
    p.fill("#f-comment", "同意聘任")
    s.shot("sign-off")
    p.click("form.schema-form button[name=_action][value=sign]")   # the decision is a button (issue 12)
    p.wait_for_url("**/inbox?box=done")
    s.logout()

    # 5. the talent section sees the certificate in the mentor pool, the progress diagram and the timeline
    s.login("section")
    p.click("nav a:has-text('人才培带人库')")
    assert "张伟" in p.inner_text("table.table")
    cert = p.locator("table.table tbody tr", has_text="张伟").locator("td").first.inner_text()
    assert cert.startswith("CFPD-2014-")
    s.shot("mentor-pool")
    p.click("table.table a:has-text('张伟')")
    assert cert in p.inner_text("main")
    s.shot("mentor-page")
    p.goto(server + "/dashboard/")
    p.wait_for_timeout(300)
    s.shot("dashboard")
    rows, _ = started(d.engine, d.actor("hongshan_sub"))
    iid = next(r["id"] for r in rows if r["process_key"] == "nomination")
    p.goto(f"{server}/instances/{iid}")
    p.wait_for_selector("#diagram[data-ready='1']", timeout=15000)
    assert p.locator(".st-completed").count() > 3
    assert p.locator("a.bjs-powered-by").count() == 1  # the bpmn.io watermark stays visible
    timeline = p.inner_text("ol.timeline")
    assert "该同志业务突出，同意推荐" in timeline
    p.goto(f"{server}/instances/{round_iid}")   # the list's sign-off is the round's
    assert "同意聘任" in p.inner_text("ol.timeline")
    s.shot("instance-progress")
    p.click("header button:has-text('English')")  # English is selectable
    p.goto(server + "/inbox?box=done")
    assert "Done" in p.inner_text("nav") and "已办" not in p.inner_text("nav")
    s.shot("english-done", full_page=False)
    s.context.close()
    assert len(s.shots) >= 12
