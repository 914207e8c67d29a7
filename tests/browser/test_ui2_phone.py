"""QA walk (second round) at 390 px, as each role meets its pages on a phone: the uploads as cards
with 删除 in reach, the administrator's 模型版本 / 用户与角色 inside the screen, 仅看已超期 beside
its box, and a refused review brought back to its first error instead of the top of a 2,500 px
page."""
from __future__ import annotations

import io

import pytest

from tests.browser.conftest import fits, page_as
from workflows.driver import sample_application

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def case(programme_round):
    d, rid = programme_round
    filling, reviewing = d.nominate(rid, "hongshan"), d.nominate(rid, "hongshan")
    d.complete(reviewing, "Task_Fill", sample_application(name="王小明"))
    return d, filling, reviewing


def png() -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 80, 160)).save(out, "PNG")
    return out.getvalue()


def test_the_uploads_are_cards_with_delete_in_reach(browser, server, case, artifacts):
    d, filling, _reviewing = case
    nid = d.engine.instance_detail(filling)["data"]["nomination_id"]
    p = page_as(browser, server, "hongshan_sub")
    p.goto(f"{server}/documents/nominations/{nid}/uploads")
    p.set_input_files("input[type=file]", files=[{"name": "职称证书.png", "mimeType": "image/png", "buffer": png()}])
    p.click("form[enctype] button[type=submit]")
    p.wait_for_load_state()
    p.screenshot(path=str(artifacts / "ui2-uploads-390.png"), full_page=True)
    assert "红山区申报人" in p.inner_text("#upload-rows") and "hongshan_sub" not in p.inner_text("main")
    for what in ("td[data-label='上传时间']", "button:text-is('删除')"):
        box = p.locator(f"#upload-rows {what}").first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (what, box)
    assert fits(p) and not p.errors
    p.context.close()


def test_the_administrators_pages_stay_inside_a_phone(browser, server, case, artifacts):
    p = page_as(browser, server, "admin")
    p.goto(server + "/admin/versions")
    p.screenshot(path=str(artifacts / "ui2-versions-390.png"), full_page=True)
    row = p.locator("#versions tr[data-version]").first.bounding_box()
    assert row["height"] < 700, row                      # one version was ~900 px tall
    edit = p.locator("#versions button:has-text('编辑')").first.bounding_box()
    assert edit["x"] + edit["width"] <= 390
    assert fits(p)

    p.goto(server + "/admin/users")
    p.screenshot(path=str(artifacts / "ui2-users-390.png"))
    card = p.locator("#user-form").bounding_box()
    pick = p.locator("#pick-user").bounding_box()
    assert pick["x"] + pick["width"] <= card["x"] + card["width"], (pick, card)
    assert not p.errors
    p.context.close()


def test_only_overdue_sits_beside_its_box(browser, server, case):
    p = page_as(browser, server, "hongshan_rev")
    box = p.locator("label.check input[name=overdue]").bounding_box()
    words = p.evaluate("""() => { const label = document.querySelector('label.check');
        const r = document.createRange(); r.selectNodeContents(label.lastChild); return r.getBoundingClientRect().left; }""")
    assert 0 <= words - (box["x"] + box["width"]) < 24, (box, words)
    p.context.close()


def test_a_refused_review_comes_back_at_its_first_error(browser, server, case, artifacts):
    d, _filling, reviewing = case
    review = d.open_tasks(reviewing, "Task_UnitReview")[0]["id"]
    p = page_as(browser, server, "hongshan_rev")
    p.goto(f"{server}/tasks/{review}")
    assert p.evaluate("document.documentElement.scrollHeight") > 2 * PHONE["height"]   # a long page
    p.click("button[name=_action][value=return]")          # 退回修改 without the opinion it needs
    p.wait_for_load_state()
    assert p.locator(".has-error").count() >= 1
    p.screenshot(path=str(artifacts / "ui2-refused-review-390.png"))
    first = p.locator(".has-error").first
    box = first.bounding_box()
    assert box["y"] >= 0 and box["y"] + min(box["height"], 200) <= PHONE["height"], box   # on the screen
    assert p.evaluate("document.activeElement.closest('.has-error') !== null")
    assert p.evaluate("window.scrollY") > 0 and not p.errors
    p.context.close()
