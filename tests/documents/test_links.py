"""Links in submitted text are shown as text on reviewers' pages (issue 11, item 5): a
``javascript:`` address, an external site or a protocol-relative "//host" in an attachment note
or an achievement is never an ``href``; only this system's own upload downloads are links."""
from __future__ import annotations

import html
import re

import pytest
from werkzeug.security import generate_password_hash

from peidai.settings import PROJECT_ROOT
from webapp import create_app
from workflows.driver import Driver, sample_application

PASSWORD = "Peidai#2014"
_HASH = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")

HOSTILE = ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "https://evil.example/证书.pdf",
           "http://evil.example/x.pdf", "//evil.example/x.pdf", "/\\evil.example/x.pdf",
           "data:text/html,<script>alert(1)</script>", "/documents/uploads/1/../../../admin"]


@pytest.fixture
def backend():
    return "sqlite"


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]


def test_links_in_an_application_reach_the_reviewer_as_text(docs_system):
    d = Driver(docs_system)
    d.seed(password_hash=lambda username: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    round_id = d.engine.instance_detail(d.open_round(2014))["data"]["round_id"]
    iid = d.nominate(round_id, "hongshan")
    d.complete(iid, "Task_Fill", sample_application(
        "张伟", achievements="成果详见 javascript:alert(1) 与 https://evil.example/phish",
        attachments=[*HOSTILE, "/documents/uploads/7", "学历学位证书：研究生毕业证书.pdf"]))
    [task] = d.open_tasks(iid, "Task_UnitReview")
    reviewer = d.who_can(task)

    client = create_app(docs_system, TESTING=True).test_client()
    token = csrf(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": reviewer, "password": PASSWORD, "csrf_token": token}).status_code == 302
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)

    links = hrefs(page)
    assert not [h for h in links if "evil" in h or h.lower().startswith(("javascript:", "data:", "//", "/\\"))], links
    assert "/documents/uploads/7" in links                      # the system's own download stays a link
    assert "/documents/uploads/1/../../../admin" not in links
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for value in HOSTILE:                                        # ... and every address is still there to read
        assert value in text, value
    assert "学历学位证书：研究生毕业证书.pdf" in text


@pytest.mark.parametrize("item", [
    {"name": "证书", "url": "javascript:alert(1)"}, {"name": "证书", "url": "https://evil.example/a.pdf"},
    {"url": "//evil.example/a.pdf"}, "javascript:alert(1)", "https://evil.example/a.pdf", "//evil.example/a.pdf",
])
def test_attachment_from_any_data_key_is_never_a_foreign_link(item):
    from webapp.task_page import side_panel as _side_panel

    for key in ("attachments", "certificate_copies", "uploads"):
        [shown] = _side_panel({key: [item]})["attachments"]
        assert shown["url"] is None and shown["name"]
    [own] = _side_panel({"uploads": [{"name": "学位证书.png", "url": "/documents/uploads/12"}]})["attachments"]
    assert own == {"name": "学位证书.png", "url": "/documents/uploads/12"}
