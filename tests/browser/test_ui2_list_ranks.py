"""QA walk (second round), talent section at 1440 and 390 px: ranks 1, 1, 2 typed into 拟定推荐名单
are refused; the message names the number and both nominees, is on the screen when the page comes
back, and the two inputs given the same number are marked."""
from __future__ import annotations

import pytest

from tests.browser.conftest import fits, page_as
from tests.programme.conftest import to_the_list

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1440, 390])
def test_duplicate_ranks_are_refused_in_view(browser, server, programme_round, artifacts, width):
    d, rid = programme_round
    to_the_list(d, rid)

    p = page_as(browser, server, "section", width)
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
    assert 0 <= box["y"] <= p.viewport_size["height"], box
    assert [inputs.nth(i).input_value() for i in range(3)] == ["1", "1", "2"]
    assert fits(p)
    p.context.close()
