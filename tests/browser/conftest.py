"""Browser tests: Playwright (sync API) driving the Debian Chromium against a real server on a
free localhost port (werkzeug in a thread). Screenshots go to test-artifacts/browser/."""
from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from peidai.settings import PROJECT_ROOT
from tests.conftest import CHROMIUM, CHROMIUM_ARGS as ARGS  # noqa: F401  (the one Chromium: tests/conftest.py)

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
PASSWORD = "Peidai#2014"


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def artifacts():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def server(system):
    """The web app on a free port; yields its base URL."""
    from webapp import create_app
    app = create_app(system)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(5)


@pytest.fixture
def password_hash():
    h = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    return lambda _username: h


@pytest.fixture
def programme_round(system, password_hash):
    """The programme's own models (bpmn/) on a seeded Driver (a user of every role, password
    ``PASSWORD``, three experts a panel) with the 2014 round open: ``(driver, round id)``."""
    from peidai.settings import PROJECT_ROOT
    from tests.programme.conftest import open_round
    from workflows.driver import Driver

    d = Driver(system)
    d.seed(experts_per_panel=3, password_hash=password_hash)
    d.deploy(PROJECT_ROOT / "bpmn")
    _, rid = open_round(d, 2014)
    return d, rid


def page_as(browser, server, user: str, width: int = 390, height: int | None = None):
    """A new page of ``user`` signed in (Chinese, ``width`` wide); ``page.errors`` collects the
    page's script errors; close it with ``page.context.close()``."""
    context = browser.new_context(viewport={"width": width, "height": height or (844 if width < 500 else 900)},
                                  locale="zh-CN")
    p = context.new_page()
    p.errors = []
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.goto(server + "/login")
    p.fill("#username", user)
    p.fill("#password", PASSWORD)
    p.click("form button[type=submit].btn-primary")
    p.wait_for_url("**/inbox")
    return p


def fits(p) -> bool:
    """Nothing wider than the window, measured after the load event (stylesheets applied:
    DOMContentLoaded may come first)."""
    p.wait_for_load_state("load")
    return p.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
