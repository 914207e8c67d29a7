"""QA walk (second round), dates: one rule for every page, the ``d`` filter (2014年9月1日 on a
Chinese page, Sep 1, 2014 on an English one). The mentee's 我的培带 showed its period as
2014-07-01 至 2016-07-01 while the mentor's page said 2014年7月1日; the read-only application on a
reviewer's task page showed 出生日期 1969-03-15; activity dates were left as ISO text."""
from __future__ import annotations

import html
import re

import pytest

from tests.web.test_corner_pages import mentor  # noqa: F401  (the fixture: 张伟 in his second year)

ISO_DAY = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b")


def text(r) -> str:
    return html.unescape(r.get_data(as_text=True))


def main(page: str) -> str:
    return re.search(r"<main.*?</main>", page, re.S).group(0)


def test_the_mentee_and_the_mentor_read_the_period_and_activities_alike(auth, client, mentor):  # noqa: F811
    auth.login(mentor.user)
    mentor_page = main(text(client.get("/corner/")))
    auth.logout()
    auth.login("mentee_a")
    mentee_page = main(text(client.get("/corner/")))
    period = re.search(r'<dd id="period">([^<]+)</dd>', mentee_page).group(1)
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 至 \d{4}年\d{1,2}月\d{1,2}日", period.strip()), period
    start, end = period.split(" 至 ")
    assert start.strip() in mentor_page and end.strip() in mentor_page     # the same days, written the same way
    assert "2014年9月1日" in mentee_page and "2014年9月1日" in mentor_page   # the lecture both attended
    assert not ISO_DAY.search(mentee_page) and not ISO_DAY.search(mentor_page)

    auth.post("/lang", {"lang": "en", "next": "/corner/"})
    assert "Sep 1, 2014" in main(text(client.get("/corner/")))


@pytest.fixture
def review(programme_round):
    from workflows.driver import sample_application
    d, rid = programme_round
    iid = d.nominate(rid, "hongshan")
    d.complete(iid, "Task_Fill", sample_application(birth_date="1969-03-15", chifeng_since="1992-07-01"))
    return d.open_tasks(iid, "Task_UnitReview")[0]["id"]


def test_read_only_dates_of_a_task_page_are_written_like_every_other_date(auth, client, review):
    auth.login("hongshan_rev")
    page = main(text(client.get(f"/tasks/{review}")))
    assert "1969年3月15日" in page and "1992年7月1日" in page
    assert not ISO_DAY.search(page)
    auth.post("/lang", {"lang": "en", "next": f"/tasks/{review}"})
    page = main(text(client.get(f"/tasks/{review}")))
    assert "Mar 15, 1969" in page and not ISO_DAY.search(page)
