"""A round in the browser (issue 13): the talent section opens it on 评选管理, units submit, the
committee votes, the section prepares the 推荐名单, the director signs it with one candidate
struck out, certificates go only to the others, the section publishes the list. Screenshots of
the office's pages at 1440 and 390 px wide go to test-artifacts/browser/."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from peidai.settings import PROJECT_ROOT
from tests.browser.conftest import PASSWORD
from workflows.driver import Driver, sample_application
from workflows.tables import Certificate, Nomination, NomineeList

pytestmark = pytest.mark.browser


class Walk:
    def __init__(self, browser, base, artifacts):
        self.browser, self.base, self.artifacts = browser, base, artifacts
        self.shots = []
        self.context = self.page = None

    def login(self, username, width=1440):
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                                timezone_id="Asia/Shanghai")
        self.page = self.context.new_page()
        self.page.goto(self.base + "/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("form button[type=submit].btn-primary")
        self.page.wait_for_url("**/inbox")

    def shot(self, name):
        path = self.artifacts / f"walk-{len(self.shots) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def both_widths(self, username, url, name):
        """The page at 1440 and at 390 px; nothing may scroll sideways at 390."""
        for width in (1440, 390):
            self.login(username, width)
            self.page.goto(self.base + url)
            self.shot(f"{name}-{width}")
            assert self.page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)


def test_section_opens_units_submit_committee_votes_director_signs_with_one_struck_out(browser, server, system,
                                                                                     artifacts, password_hash):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    w = Walk(browser, server, artifacts)

    # 1. the talent section opens the round; a wrong decision rule is refused in Chinese first
    w.login("section")
    w.page.click("nav a:has-text('评选管理')")
    w.page.fill("#f-year", "2014")
    w.page.fill("#f-rule_num", "5")
    w.page.fill("#f-rule_den", "3")
    w.page.click("#open-round button[type=submit]")
    assert "分子不能大于分母" in w.page.inner_text("#err-rule_num")
    w.shot("open-round-refused")
    w.page.fill("#f-rule_num", "2")
    w.page.fill("#f-experts_per_panel", "3")
    w.page.click("#open-round button[type=submit]")
    w.page.wait_for_url("**/rounds/1")
    assert "2014年度人才培带人评选" in w.page.inner_text("h1")
    round_iid = d.round_instance(1)

    # 2. units submit: 红山区 in the browser, three more through the engine the same way
    w.login("hongshan_sub")
    w.page.click("nav a:has-text('发起推荐')")
    w.page.click("button:has-text('发起推荐')")
    w.page.wait_for_url("**/tasks/*")
    for field, value in (("name", "张伟"), ("birth_date", "1969-03-15"), ("workplace", "赤峰市医院 主任医师"),
                         ("chifeng_since", "1992-07-01"), ("recommendation", "业务精湛，培养青年骨干成效显著")):
        w.page.fill(f"#f-{field}", value)
    w.page.check("input[name=gender][value='男']")
    w.page.select_option("#f-talent_type", "professional")
    w.page.select_option("#f-degree", "master")
    w.page.select_option("#f-title_level", "senior")
    w.page.click("form.schema-form button[name=_action][value=submit]")
    w.page.wait_for_url("**/inbox?box=done")
    [first] = d.open_tasks(round_iid)                                  # the round waits in its submission period
    assert first["element_id"] == "Task_ManageRound"
    with d.engine.sessions() as s:
        zhang = s.scalar(select(Nomination.instance_id).where(Nomination.name == "张伟"))
    d.complete(zhang, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
    iids = {"张伟": zhang}
    for name, unit in (("王芳", "songshan"), ("李强", "cfu"), ("赵敏", "aohan")):
        iid = d.nominate(1, unit)
        d.complete(iid, "Task_Fill", sample_application(name))
        d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
        iids[name] = iid
    d.fire(datetime.fromisoformat("2014-06-01T09:30:00+08:00"))       # the 30-day reminder
    w.both_widths("section", "/rounds/1", "board-open")
    assert "已发送" in w.page.inner_text("#reminders")

    # 3. the deadline passes; the committee votes (王芳's panel in the browser)
    d.fire(datetime.fromisoformat("2014-07-01T09:00:00+08:00"))
    for name in ("张伟", "李强", "赵敏"):
        d.vote(iids[name], "agree", comment="业绩突出，带教经验丰富")
    review = d.review_of(iids["王芳"])
    for task in d.open_tasks(review, "Task_ExpertReview"):
        w.login(task["assignee"])
        w.page.goto(f"{server}/tasks/{task['id']}")
        w.page.check("input[name='opinion.vote'][value=agree]")
        w.page.fill("#f-opinion\\.score", "86")
        w.page.fill("#f-opinion\\.comment", "成果扎实")
        w.page.click("form.schema-form button[name=_action][value=submit]")
        w.page.wait_for_url("**/inbox?box=done")

    # 4. the talent section prepares the list in its order
    w.login("section")
    w.page.goto(f"{server}/rounds/1/list")
    with d.engine.sessions() as s:
        ids = dict(s.execute(select(Nomination.name, Nomination.id)).all())
    for rank, name in enumerate(("李强", "张伟", "王芳", "赵敏"), 1):
        w.page.fill(f"input[name='rank.{ids[name]}']", str(rank))
    w.page.fill("#f-prepare-comment", "按评审得分排序")
    w.shot("prepare-list")
    w.page.click("#prepare-form button[type=submit]")
    w.page.wait_for_url("**/rounds/1/list")
    assert "待签批" in w.page.inner_text("#list-status")

    # 5. the director signs it as a whole on one page, striking 王芳 out with a reason
    w.both_widths("director", "/rounds/1/list", "sign-list")
    w.login("director")
    w.page.goto(f"{server}/rounds/1/list")
    names = w.page.locator("#sign-form .cand-name").all_inner_texts()
    assert names == ["1. 李强", "2. 张伟", "3. 王芳", "4. 赵敏"]
    w.page.check(f"#strike-{ids['王芳']}")
    w.page.click("#sign-form button[type=submit]")                    # no reason yet: refused
    assert "划去的人选须写明理由" in w.page.inner_text(f"#err-reason-{ids['王芳']}")
    assert w.page.is_checked(f"#strike-{ids['王芳']}")
    w.page.fill(f"#reason-{ids['王芳']}", "近三年无新的代表性成果")
    w.page.fill("#f-sign-comment", "同意，王芳暂缓聘任")
    w.shot("sign-list-struck")
    w.page.click("#sign-form button[type=submit]")
    w.page.wait_for_url("**/rounds/1/list")
    assert "已签批" in w.page.inner_text("#list-status")

    # certificates only for the others, in the list's order
    with d.engine.sessions() as s:
        certified = {s.get(Nomination, c.nomination_id).name: c.number for c in s.scalars(select(Certificate))}
    assert certified == {"李强": "CFPD-2014-0001", "张伟": "CFPD-2014-0002", "赵敏": "CFPD-2014-0003"}
    table = w.page.inner_text("#the-list")
    assert "近三年无新的代表性成果" in table and "CFPD-2014-0002" in table

    # 6. the section publishes the signed list
    w.login("section")
    w.page.goto(f"{server}/rounds/1/list")
    w.page.fill("#f-publish-comment", "在赤峰日报和市委组织部网站公布")
    w.page.click("#publish-form button[type=submit]")
    w.page.wait_for_url("**/rounds/1/list")
    assert "已公布" in w.page.inner_text("#list-status")
    w.both_widths("section", "/rounds/1/list", "list-published")
    w.both_widths("section", "/rounds/", "rounds")
    w.both_widths("section", "/rules/", "rules")
    with d.engine.sessions() as s:
        assert s.scalar(select(NomineeList.status)) == "published"
    assert d.open_tasks(round_iid, "Task_PublishList") == []
    w.context.close()
    assert len(w.shots) == 13
