"""QA walk, unit submitter (1440 and 390 px): half-way through the application (附件2) the
submitter follows 证书复印件（上传与查看） to upload a certificate and comes back with 返回办理页面.
Everything typed was gone; the link now saves the form (暂存) first. A form that was not touched
leaves at once, without a draft."""
from __future__ import annotations

import pytest

from peidai.settings import PROJECT_ROOT
from tests.browser.conftest import PASSWORD
from tests.programme.conftest import open_round
from workflows.driver import Driver

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1440, 390])
def test_the_upload_link_keeps_what_was_typed(browser, server, system, password_hash, artifacts, width):
    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    _, round_id = open_round(d, 2014)
    iid = d.nominate(round_id, "hongshan")
    fill = d.open_tasks(iid, "Task_Fill")[0]["id"]

    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.goto(server + "/login")
    p.fill("#username", "hongshan_sub")
    p.fill("#password", PASSWORD)
    p.click("form button[type=submit].btn-primary")
    p.wait_for_url("**/inbox")

    # untouched: the link simply leaves
    p.goto(f"{server}/tasks/{fill}")
    p.click("#upload-link")
    p.wait_for_url("**/uploads")
    p.go_back()
    p.wait_for_url(f"**/tasks/{fill}")
    assert p.locator(".draft-note").count() == 0

    # typed, then off to the uploads
    p.fill("#f-name", "王小明")
    p.fill("#f-workplace", "红山区人民医院 主任医师")
    p.fill("#f-recommendation", "业务突出，带教经验丰富")
    p.click("#upload-link")
    p.wait_for_url("**/uploads")
    assert "已暂存" in p.inner_text("main")
    p.screenshot(path=str(artifacts / f"qa-upload-draft-{width}.png"), full_page=True)
    p.click("text=返回办理页面")
    p.wait_for_url(f"**/tasks/{fill}")
    assert p.input_value("#f-name") == "王小明"
    assert p.input_value("#f-workplace") == "红山区人民医院 主任医师"
    assert p.input_value("#f-recommendation") == "业务突出，带教经验丰富"
    assert "已载入您于" in p.inner_text(".draft-note")
    p.wait_for_load_state("load")
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not errors
    context.close()
