"""QA walk, unit submitter (1440 and 390 px): half-way through the application (附件2) the
submitter follows 证书复印件（上传与查看） to upload a certificate and comes back with 返回办理页面.
Everything typed was gone; the link now saves the form (暂存) first. A form that was not touched
leaves at once, without a draft."""
from __future__ import annotations

import pytest

from tests.browser.conftest import fits, page_as

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1440, 390])
def test_the_upload_link_keeps_what_was_typed(browser, server, programme_round, artifacts, width):
    d, round_id = programme_round
    iid = d.nominate(round_id, "hongshan")
    fill = d.open_tasks(iid, "Task_Fill")[0]["id"]

    p = page_as(browser, server, "hongshan_sub", width, 900)

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
    assert fits(p)
    assert not p.errors
    p.context.close()
