"""Fixtures of process administration: the fixture approval model and edited variants of it."""
from __future__ import annotations

import pytest

from engine import Actor
from engine.identity import upsert_user

START = {"unit_id": "hongshan", "category": "professional", "round_id": "2014", "title": "张三的推荐申报",
         "experts": ["expert1"], "years": 1}
ADMIN = Actor("admin", frozenset({("admin", None)}))

NOTICE_TASK = """    <bpmn:userTask id="Task_Notice" name="公示">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="form" value="forms/review.schema.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>F3</bpmn:incoming>
      <bpmn:outgoing>F3b</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="F3b" sourceRef="Task_Notice" targetRef="Gateway_Decision" />
"""


def with_notice(files: dict[str, str], lane: str = "单位审核人") -> dict[str, str]:
    """The approval model with a 公示 user task between the unit review and its decision."""
    text = files["approval.bpmn"]
    text = text.replace('<bpmn:sequenceFlow id="F3" sourceRef="Task_Review" targetRef="Gateway_Decision" />',
                        '<bpmn:sequenceFlow id="F3" sourceRef="Task_Review" targetRef="Task_Notice" />\n' + NOTICE_TASK)
    text = text.replace("<bpmn:incoming>F3</bpmn:incoming>\n      <bpmn:outgoing>F_Approve</bpmn:outgoing>",
                        "<bpmn:incoming>F3b</bpmn:incoming>\n      <bpmn:outgoing>F_Approve</bpmn:outgoing>")
    text = text.replace("<bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef>",
                        "<bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>Task_Notice</bpmn:flowNodeRef>")
    if lane != "单位审核人":
        text = text.replace('<bpmn:lane id="Lane_Expert" name="评审专家">', f'<bpmn:lane id="Lane_Notice" name="{lane}">\n'
                            '        <bpmn:flowNodeRef>Task_Notice</bpmn:flowNodeRef>\n      </bpmn:lane>\n'
                            '      <bpmn:lane id="Lane_Expert" name="评审专家">')
        text = text.replace("<bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>Task_Notice</bpmn:flowNodeRef>",
                            "<bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef>")
    assert "Task_Notice" in text and "F3b" in text
    return {**files, "approval.bpmn": text}


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def staff(engine):
    people = {"admin": [("admin", None)], "submitter": [("unit_submitter", "hongshan")],
              "reviewer": [("unit_reviewer", "hongshan")], "expert1": [("expert", "professional")],
              "section": [("talent_section", None)]}
    with engine.unit_of_work() as s:
        for name, ms in people.items():
            upsert_user(s, name, name, memberships=ms)
    return {name: Actor(name, frozenset(ms)) for name, ms in people.items()}


@pytest.fixture
def people(engine):
    from tests.web.conftest import seed_people
    return seed_people(engine)


@pytest.fixture
def app(system, people):
    from webapp import create_app
    return create_app(system, TESTING=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(client):
    from tests.web.conftest import Auth
    return Auth(client)


@pytest.fixture
def admin_auth(auth):
    auth.login("admin")
    return auth


@pytest.fixture
def dry_run_worker(system):
    """A Celery worker (a thread of this process) on the system's own broker (the embedded SQLite
    broker in its data folder, as ``peidai serve`` uses): the web app's wake-ups reach it."""
    from celery.contrib.testing.worker import start_worker

    from worker.app import make_celery
    system.settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = make_celery(lambda: system, settings=system.settings)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=60, loglevel="WARNING"):
        yield app


def admin_on_new_draft(browser, server, viewport=(1440, 900)):
    """A browser page of the administrator (password tests.browser.conftest.PASSWORD), logged in
    and on a new draft of version 1; returns (context, page, page errors, draft url)."""
    from tests.browser.conftest import PASSWORD
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN",
                              timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url("**/inbox")
    page.goto(server + "/admin/versions")
    page.click("#versions tr[data-version='1'] button:has-text('编辑')")
    page.wait_for_url("**/admin/drafts/*")
    return ctx, page, errors, page.url
