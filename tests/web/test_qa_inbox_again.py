"""QA walk, unit submitter (我的待办): a nomination the unit's reviewer sent back sat in the list as
one more 填写推荐申报表, like a new one; the step that came back now says 退回重办 (and only it)."""
from __future__ import annotations

import html

from tests.web.test_qa_task_submit import programme  # noqa: F401  (fixture)


def test_a_returned_step_is_marked_in_the_inbox(programme, auth, client):  # noqa: F811
    d, rid, iid = programme
    d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "请补充获奖证书复印件"})
    fresh = d.nominate(rid, "hongshan")
    returned = d.open_tasks(iid, "Task_Fill")[0]["id"]
    new = d.open_tasks(fresh, "Task_Fill")[0]["id"]
    auth.login("hongshan_sub")
    page = html.unescape(client.get("/inbox?box=todo").get_data(as_text=True))
    rows = {tid: page.split(f'href="/tasks/{tid}"', 1)[1].split("</tr>", 1)[0] for tid in (returned, new)}
    assert "退回重办" in rows[returned]
    assert "退回重办" not in rows[new]
