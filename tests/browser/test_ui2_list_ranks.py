"""QA walk (second round), talent section at 1440 and 390 px: ranks 1, 1, 2 typed into 拟定推荐名单
are refused; the message names the number and both nominees, is on the screen when the page comes
back, and the two inputs given the same number are marked."""
from __future__ import annotations

import pytest

from peidai.settings import PROJECT_ROOT
from tests.browser.conftest import PASSWORD
from tests.programme.conftest import cst, open_round
from workflows.driver import Driver, sample_application

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1440, 390])
def test_duplicate_ranks_are_refused_in_view(browser, server, system, password_hash, artifacts, width):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    _, rid = open_round(d, 2014)
    iids = []
    for name, unit in (("张伟", "hongshan"), ("王芳", "songshan"), ("李强", "cfu")):
        iids.append(d.nominate(rid, unit))
        d.complete(iids[-1], "Task_Fill", sample_application(name))
        d.complete(iids[-1], "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
    d.fire(cst("2014-07-01T09:00"))
    for iid in iids:
        d.vote(iid, "agree")

    height = 900 if width > 500 else 844
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    p = context.new_page()
    p.goto(server + "/login")
    p.fill("#username", "section")
    p.fill("#password", PASSWORD)
    p.click("form button[type=submit].btn-primary")
    p.wait_for_url("**/inbox")
    p.goto(f"{server}/rounds/{rid}/list")
    inputs = p.locator("#prepare-form input.order-input")
    for i, value in enumerate(("1", "1", "2")):
        inputs.nth(i).fill(value)
    p.click("#prepare-form button[type=submit]")
    p.wait_for_load_state()
    p.screenshot(path=str(artifacts / f"ui2-list-ranks-{width}.png"))
    message = p.locator("#err-order")
    assert "序号 1（" in message.inner_text() and "张伟" in message.inner_text()
    assert p.locator("#prepare-form .candidate.has-error").count() == 2
    box = p.locator("#prepare-form .has-error, #err-order").first.bounding_box()
    assert 0 <= box["y"] <= height, box
    assert [inputs.nth(i).input_value() for i in range(3)] == ["1", "1", "2"]
    p.wait_for_load_state("load")
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()
