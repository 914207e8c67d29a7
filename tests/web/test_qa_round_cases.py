"""QA walk, director (签批推荐名单): a candidate who left 最高学位/学历层次 empty read ``none`` in the
list's application, the eligibility rules' word for empty leaking into the record the list shows."""
from __future__ import annotations

import html

from engine.queries import instance_tasks


def test_a_level_left_empty_reads_unfilled_on_the_directors_list(system, auth, client):
    from peidai.settings import PROJECT_ROOT
    from tests.programme.conftest import close, committee, open_round
    from tests.web.test_incentives_pages import _HASH
    from workflows.driver import Driver, sample_application

    d = Driver(system)
    d.seed(experts_per_panel=5, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    round_iid, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")
    application = sample_application("李明")
    del application["degree"]                      # 最高学位/学历层次 not chosen
    d.complete(iid, "Task_Fill", application)
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
    close(d, rid)
    committee(d, iid)
    d.prepare_list(round_iid)
    sign = next(t for t in instance_tasks(d.engine, round_iid) if t["state"] == "open")
    auth.login("director")
    page = html.unescape(client.get(f"/tasks/{sign['id']}").get_data(as_text=True))
    case = page.split('id="round-list"', 1)[1]
    degree = case.split("<dt>最高学位/学历层次</dt>", 1)[1].split("</dd>", 1)[0]
    assert "未填写" in degree and "none" not in degree
    skill = case.split("<dt>职业资格等级</dt>", 1)[1].split("</dd>", 1)[0]
    assert "无" in skill                            # a level chosen as 无 stays 无
