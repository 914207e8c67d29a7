"""QA walk of the programme's task pages as their users meet them: a second 提交 of a step that is
already done (or held by someone else), and the draft a link out of the form keeps."""
from __future__ import annotations

import html
import re

import pytest

from engine.queries import instance_tasks


def text(r) -> str:
    return html.unescape(r.get_data(as_text=True))


def field_error(page: str, name: str) -> str | None:
    m = re.search(rf'id="err-{re.escape(name)}">([^<]+)<', page)
    return m.group(1) if m else None


@pytest.fixture
def programme(programme_round):
    from workflows.driver import sample_application
    d, rid = programme_round
    iid = d.nominate(rid, "hongshan")
    d.complete(iid, "Task_Fill", sample_application())
    return d, rid, iid


def open_task(d, iid, element):
    return next(t for t in instance_tasks(d.engine, iid) if t["element_id"] == element and t["state"] == "open")


def test_a_second_submit_of_a_done_step_says_it_is_done_not_forbidden(programme, auth):
    """A double click on 同意推荐, or the back button and 提交 again, answered 403 您无权访问此页面."""
    d, _rid, iid = programme
    review = open_task(d, iid, "Task_UnitReview")["id"]
    auth.login("hongshan_rev")
    form = {"_action": "approve", "conditions_attested": "on", "comment": "同意"}
    assert auth.post(f"/tasks/{review}", form).status_code == 302
    again = auth.post(f"/tasks/{review}", form)
    assert again.status_code == 409   # the task page as it is now, saying why
    page = text(again)
    assert "此事项已办理完毕，无需重复提交" in page
    assert "此事项已于" in page       # ... and who handled it, when
    assert "您无权访问此页面" not in page


def test_a_step_held_by_someone_else_says_who_holds_it(programme, auth):
    """The talent section reads every task but acts on none of the unit's: its form post names the holder."""
    d, _rid, iid = programme
    review = open_task(d, iid, "Task_UnitReview")
    auth.login("section")
    assert review["assignee"] == "hongshan_rev"   # the unit's only reviewer holds it at once
    r = auth.post(f"/tasks/{review['id']}", {"_action": "approve", "conditions_attested": "on"})
    assert r.status_code == 409
    assert "此事项正由 红山区审核人 办理，您这次提交的内容未保存" in text(r)
    assert open_task(d, iid, "Task_UnitReview")["id"] == review["id"]   # nothing was done


def test_a_draft_saved_on_the_way_to_the_uploads_goes_on_there(programme, auth, client):
    """The upload link of the application form saves what was typed (暂存) before it leaves; the
    server then goes on to the uploads page, and only to a page of this site."""
    d, rid, _iid = programme
    iid = d.nominate(rid, "hongshan")
    fill = open_task(d, iid, "Task_Fill")["id"]
    auth.login("hongshan_sub")
    page = text(client.get(f"/tasks/{fill}"))
    link = re.search(r'href="([^"]+)" id="upload-link" data-save-draft', page)
    assert link, "the upload link asks app.js to save the form first"
    r = auth.post(f"/tasks/{fill}", {"_action": "_draft", "name": "王小明", "_next": link.group(1)})
    assert r.status_code == 302 and r.headers["Location"].endswith(link.group(1))
    again = text(client.get(f"/tasks/{fill}"))
    assert 'value="王小明"' in again and "已载入您于" in again
    assert '_next' not in again.split('class="schema-form"', 1)[1].split("</form>", 1)[0]
    evil = auth.post(f"/tasks/{fill}", {"_action": "_draft", "name": "王小明", "_next": "//evil.example/x"})
    assert evil.headers["Location"].endswith(f"/tasks/{fill}")
