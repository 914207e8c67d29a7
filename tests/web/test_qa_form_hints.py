"""QA walk of the programme's forms: a confirmation box left unticked said 请从给定选项中选择 (there
are no options), and an expert's score gave no range until it was refused."""
from __future__ import annotations

import re

from tests.web.test_qa_task_submit import field_error, open_task, programme, text  # noqa: F401  (fixture)


def test_an_unticked_confirmation_asks_for_the_tick(programme, auth):
    """同意推荐 without ticking 经审核，该人选符合……: the error read 请从给定选项中选择 (there are no options)."""
    d, _rid, iid = programme
    review = open_task(d, iid, "Task_UnitReview")["id"]
    auth.login("hongshan_rev")
    r = auth.post(f"/tasks/{review}", {"_action": "approve", "comment": "同意"})
    assert r.status_code == 422
    assert field_error(text(r), "conditions_attested") == "请勾选此项后再提交"
    assert "同意</textarea>" in text(r)   # the comment typed is kept


def test_the_experts_score_says_its_range(programme, auth, client):
    from tests.programme.conftest import close

    d, rid, iid = programme
    d.complete(iid, "Task_UnitReview", {"unit_decision": "approve", "conditions_attested": True})
    close(d, rid)
    task = open_task(d, d.review_of(iid), "Task_ExpertReview")
    auth.login(task["assignee"] or d.who_can(task))
    page = text(client.get(f"/tasks/{task['id']}"))
    assert "请填写 0 至 100 之间的整数" in page
    assert re.search(r'name="opinion\.score" type="text"\s+inputmode="numeric"', page)
