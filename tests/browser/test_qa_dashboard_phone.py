"""QA walk, talent section at 390 px (统计分析): the tables 各单位按期报送情况 and 评审委员会进度 kept
their six and five columns on a phone, and 逾期提交 / 未提交 / 应提交意见 / 已形成结论 fell outside
the card with nothing to say they were there. On a phone each row is now a card of label: value."""
from __future__ import annotations

import pytest

from tests.browser.conftest import fits, page_as
from tests.programme.conftest import close, submit

pytestmark = pytest.mark.browser


def test_the_dashboards_wide_tables_fit_a_phone(browser, server, programme_round, artifacts):
    d, rid = programme_round
    submit(d, rid, "hongshan")
    close(d, rid)

    p = page_as(browser, server, "section", 390)
    p.goto(server + "/dashboard/")
    p.screenshot(path=str(artifacts / "qa-dashboard-390.png"), full_page=True)
    for heading, last in (("各单位按期报送情况", "未提交"), ("评审委员会进度", "已形成结论")):
        cell = p.locator("section.card", has=p.locator(f"h2:text-is('{heading}')")).locator(
            f"tbody tr:first-child td[data-label='{last}']")
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (heading, box)
        assert cell.is_visible()
    assert fits(p)
    p.context.close()
