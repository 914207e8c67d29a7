"""QA walk (second round), 已办: the 结论 column said 提交 for some submitted applications and 已提交
for others (the web page records the button pressed, ``submit``, as the outcome; the API, the
command line and the simulator record none). One step of one's own work done reads the same."""
from __future__ import annotations

import html
import re

import pytest


@pytest.fixture
def programme(programme_round):
    return programme_round


def test_submitted_steps_read_the_same_in_the_done_box(programme, auth):
    from engine.queries import instance_tasks
    from workflows.driver import sample_application
    d, rid = programme
    by_page, by_api = d.nominate(rid, "hongshan"), d.nominate(rid, "hongshan")
    fill = d.open_tasks(by_page, "Task_Fill")[0]["id"]
    d.engine.complete_task(fill, sample_application(name="王小明"), d.actor("hongshan_sub"), outcome="submit")
    d.complete(by_api, "Task_Fill", sample_application(name="李小红"))
    outcomes = {t["outcome"] for iid in (by_page, by_api) for t in instance_tasks(d.engine, iid)
                if t["element_id"] == "Task_Fill"}
    assert outcomes == {"submit", None}       # the two kinds the QA walk met

    auth.login("hongshan_sub")
    page = html.unescape(auth.client.get("/inbox?box=done").get_data(as_text=True))
    said = [re.sub(r"<[^>]+>.*", "", cell, flags=re.S).strip()
            for cell in re.findall(r'<td data-label="结论">(.*?)</td>', page, re.S)]
    assert said == ["已提交", "已提交"]
