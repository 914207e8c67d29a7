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
