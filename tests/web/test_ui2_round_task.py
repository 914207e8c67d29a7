"""QA walk (second round), talent section: the 报送期管理 task page (extend the deadline or close the
submission) did not say what the deadline is now nor how many units had reported, the two facts the
decision is made on. Its side panel now gives them, with the units still missing and a link to the
round's board."""
from __future__ import annotations

import html
import re

import pytest


@pytest.fixture
def round_open(programme_round):
    from tests.programme.conftest import submit
    d, rid = programme_round
    submit(d, rid, "hongshan")
    submit(d, rid, "hongshan")
    submit(d, rid, "songshan")
    d.nominate(rid, "aohan")                 # being filled in
    return d, d.round_instance(rid), rid


def test_the_manage_round_task_shows_the_deadline_and_who_has_reported(round_open, auth):
    from workflows.tables import OrgUnit
    d, iid, rid = round_open
    task = d.open_tasks(iid, "Task_ManageRound")[0]["id"]
    with d.engine.sessions() as s:
        units = s.query(OrgUnit).filter(OrgUnit.active.is_(True), OrgUnit.kind != "section").count()
    auth.login("section")
    page = html.unescape(auth.client.get(f"/tasks/{task}").get_data(as_text=True))
    panel = re.search(r'<section class="card wide-only round-facts" id="round-facts">.*?</section>', page, re.S).group(0)
    assert re.search(r'class="deadline"><b>2014年6月30日 \d\d:\d\d</b>', panel)
    assert "距截止还有" in panel
    assert re.search(rf'class="reported"><b>2</b> / {units}</dd>', panel)      # 红山区 and 松山区
    assert "已报送 3 人，填报中 1 人" in panel
    missing = re.search(r'class="not-reported">(.*?)</dd>', panel, re.S).group(1)
    assert "元宝山区" in missing and "红山区" not in missing and "松山区" not in missing
    assert missing.endswith(f"等 {units - 2} 个单位")                          # the first eight named
    assert f'href="/rounds/{rid}"' in panel
    assert 'id="round-facts-inline"' in page                                  # before the form on a phone
