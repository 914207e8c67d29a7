"""Outside checks of the pages: an icon of their own (no browser asks for
/favicon.ico, a 404 on every first visit; a file, not a data: link the link checks refuse), the comment box's wording, the progress page's links."""

from __future__ import annotations

from tests.web.test_incentives_pages import mentors  # noqa: F401  (fixture)


def test_every_page_declares_its_icon(client):
    for url in ("/login", "/api/v1/docs"):
        page = client.get(url).get_data(as_text=True)
        assert '<link rel="icon" type="image/svg+xml" href="/static/css/icon.svg">' in page, url
    r = client.get("/static/css/icon.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data


def test_the_api_docs_fit_a_phone():
    """/api/v1/docs was laid out 980 px wide and shrunk to a third on a phone (no viewport)."""
    from webapp.blueprints.api import SWAGGER_PAGE
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in SWAGGER_PAGE


def test_the_comment_box_asks_for_an_opinion_only_where_the_case_can_be_sent_back(system, auth, client):
    """The submitter's own application (提交审核 / 撤回推荐) was labelled 审批意见 with
    "退回修改或不同意时必填"; the unit's review keeps both."""
    from engine.queries import instance_tasks
    from peidai.settings import PROJECT_ROOT
    from tests.programme.conftest import open_round
    from tests.web.test_incentives_pages import _HASH
    from workflows.driver import Driver, sample_application

    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    _, rid = open_round(d, 2014)
    iid = d.nominate(rid, "hongshan")

    def box(task_element):
        task = next(t for t in instance_tasks(d.engine, iid) if t["element_id"] == task_element and t["state"] == "open")
        page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
        label = page.split('<label for="f-comment" class="form-label">', 1)[1].split("</label>", 1)[0]
        placeholder = page.split('id="f-comment" name="comment" rows="3" placeholder="', 1)[1].split('"', 1)[0]
        return label, placeholder

    auth.login("hongshan_sub")
    assert box("Task_Fill") == ("办理说明", "选填")
    auth.logout()
    d.complete(iid, "Task_Fill", sample_application())
    auth.login("hongshan_rev")
    assert box("Task_UnitReview") == ("审核意见（退回或不予推荐时必填）", "退回修改或不同意时必填")  # the form's own title


def test_the_progress_page_links_only_the_steps_the_reader_may_open(auth, client, mentors):  # noqa: F811
    """The unit's reviewer sees its mentor's mentoring process; its open steps (training plans,
    activities) are the mentor's and their links answered 404. Every link on the page opens now."""
    import re

    ship = mentors.ships[0]
    auth.login("hongshan_rev")
    page = client.get(f"/instances/{ship.instance_id}").get_data(as_text=True)
    assert "当前待办" in page
    links = set(re.findall(r'href="(/tasks/\d+)"', page))
    assert all(client.get(link).status_code == 200 for link in links), links
    auth.logout()
    auth.login("section")   # an overseer opens every step
    page = client.get(f"/instances/{ship.instance_id}").get_data(as_text=True)
    assert re.search(r'href="/tasks/\d+"', page)
