"""QA walk (second round), unit reviewer: the 资格审查 box said only 符合推荐条件, without the age and
the years worked in Chifeng it was worked out from. It now gives both, as of the round's deadline,
against the limits of the nomination's rules (55 周岁, 3 年), and says when 破格 was asked."""
from __future__ import annotations

import html
import re

import pytest

from tests.web.test_ui2_dates import review  # noqa: F401  (the fixture: 红山区's nomination at its unit review)


def test_the_eligibility_box_shows_the_age_and_years_it_was_computed_from(auth, client, review):  # noqa: F811
    auth.login("hongshan_rev")
    page = html.unescape(client.get(f"/tasks/{review}").get_data(as_text=True))
    for box in ('id="eligibility"', 'class="card narrow-only eligibility-inline"'):    # wide side, and phone
        found = re.search(rf"<section [^>]*{re.escape(box)}[^>]*>(.*?)</section>", page, re.S).group(1)
        assert "符合推荐条件" in found
        # born 1969-03-15, in Chifeng since 1992-07-01, counted on 2014-06-30 (the round's deadline)
        assert re.search(r'class="age">45周岁<span class="muted">（上限55周岁）</span>', found), found
        assert re.search(r'class="years">21年<span class="muted">（至少3年）</span>', found), found
        assert "按报送截止日 2014年6月30日 计算" in found
        assert "申请破格" not in found
