"""Web fixtures: the app on the shared test system, users of every role, and log-in helpers."""
from __future__ import annotations

import re

import pytest
from werkzeug.security import generate_password_hash

from engine import Actor
from engine.identity import upsert_user
from engine.queries import instance_tasks
from webapp import create_app
from webapp.users import issue_token

PASSWORD = "Peidai#2014"
# cheap hashes keep the suite fast; production uses werkzeug's default (scrypt)
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

START = {"unit_id": "hongshan", "category": "professional", "round_id": "2014", "title": "张三的推荐申报",
         "experts": ["expert1", "expert2", "expert3"], "years": 3}

PEOPLE = {
    "submitter": [("unit_submitter", "hongshan")],
    "reviewer": [("unit_reviewer", "hongshan")],
    "reviewer2": [("unit_reviewer", "hongshan")],
    "other_reviewer": [("unit_reviewer", "songshan")],
    "expert1": [("expert", "professional")],
    "expert2": [("expert", "professional")],
    "expert3": [("expert", "professional")],
    "rural_expert": [("expert", "rural")],
    "section": [("talent_section", None)],
    "director": [("director", None)],
    "mentor": [("mentor", "m1")],
    "admin": [("admin", None)],
}
DISPLAY = {"submitter": "王申报", "reviewer": "李审核", "reviewer2": "赵审核", "other_reviewer": "孙审核",
           "expert1": "周专家", "expert2": "吴专家", "expert3": "郑专家", "rural_expert": "冯专家",
           "section": "陈科长", "director": "刘主任", "mentor": "何老师", "admin": "管理员"}


@pytest.fixture
def backend():
    return "sqlite"  # the engine's own tests cover PostgreSQL; the web layer is database-neutral


def seed_people(engine) -> dict:
    """Every role's test user (password PASSWORD), as Actors by user name."""
    with engine.unit_of_work() as s:
        for name, ms in PEOPLE.items():
            upsert_user(s, name, DISPLAY[name], password_hash=_HASH, memberships=ms)
    return {name: Actor(name, frozenset(ms)) for name, ms in PEOPLE.items()}


@pytest.fixture
def people(engine):
    return seed_people(engine)


@pytest.fixture
def app(system, people):
    app = create_app(system, TESTING=True)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in page"
    return m.group(1)


class Auth:
    def __init__(self, client):
        self.client = client
        self.token = None

    def login(self, username, password=PASSWORD):
        page = self.client.get("/login")
        self.token = csrf_from(page.get_data(as_text=True))
        r = self.client.post("/login", data={"username": username, "password": password, "csrf_token": self.token})
        if r.status_code == 302:  # a new session after log-in: take its CSRF token
            self.token = csrf_from(self.client.get("/inbox").get_data(as_text=True))
        return r

    def post(self, url, data=None, **kw):
        """POST a form with the session's CSRF token."""
        if self.token is None:
            self.token = csrf_from(self.client.get("/login").get_data(as_text=True))
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kw)

    def logout(self):
        return self.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def api_tokens(engine, people):
    return {name: issue_token(engine, name) for name in people}


@pytest.fixture
def flow(engine, deploy_fixture_models, people):
    """Helpers to put an approval instance at a given step."""

    class Flow:
        def start(self, **data):
            return engine.start("approval", START | data, people["submitter"])

        def task(self, iid, element=None, state="open"):
            rows = [t for t in instance_tasks(engine, iid) if t["state"] == state and (element is None or t["element_id"] == element)]
            assert rows, f"no {state} task {element} on {iid}"
            return rows[0]

        def at_review(self, **data):
            iid = self.start(**data)
            engine.complete_task(self.task(iid, "Task_Fill")["id"], {"name": "张三"}, people["submitter"])
            return iid

        def at_experts(self):
            iid = self.at_review()
            engine.complete_task(self.task(iid, "Task_Review")["id"], {"decision": "approve"}, people["reviewer"], comment="同意推荐")
            return iid

    return Flow()


@pytest.fixture
def programme_driver(system):
    """The programme's own models (bpmn/) on a seeded Driver: units, a user of every role (password
    ``PASSWORD``), three experts a panel."""
    from peidai.settings import PROJECT_ROOT
    from workflows.driver import Driver

    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    return d


@pytest.fixture
def programme_round(programme_driver):
    """``programme_driver`` with the 2014 round open: ``(driver, round id)``."""
    from tests.programme.conftest import open_round
    _, rid = open_round(programme_driver, 2014)
    return programme_driver, rid


@pytest.fixture
def programme_api(system, programme_driver):
    """The API over ``programme_driver``'s data: ``.client`` (a test client), ``.driver`` and
    ``.bearer(username, **headers)`` (an Authorization header with a new token of that user)."""
    from types import SimpleNamespace

    def bearer(username: str, **headers) -> dict:
        return {"Authorization": f"Bearer {issue_token(system.engine, username)}", **headers}
    return SimpleNamespace(client=create_app(system, TESTING=True).test_client(), driver=programme_driver, bearer=bearer)
