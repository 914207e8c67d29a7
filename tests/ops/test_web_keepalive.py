"""The web server's keep-alive (issue 16 point 3): off by default, so each request goes to a free
worker instead of staying with the worker that accepted its connection first; a setting for who
wants it, checked like every other input."""
from __future__ import annotations

import http.client

import pytest

from peidai.db import upgrade
from peidai.settings import Settings, whole_number
from webapp.server import web_options

from .conftest import answers, clean_env, free_port, wait_for


def options(**env):
    settings = Settings.from_env()
    settings.web_keepalive = whole_number(env, "PEIDAI_WEB_KEEPALIVE", 0, 0, 300)
    return web_options(settings, host="127.0.0.1", port=5000)


def test_keepalive_is_off_unless_asked(monkeypatch, tmp_path):
    monkeypatch.setenv("PEIDAI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PEIDAI_WEB_KEEPALIVE", raising=False)
    assert Settings.from_env().web_keepalive == 0 and options()["keepalive"] == 0
    monkeypatch.setenv("PEIDAI_WEB_KEEPALIVE", "5")
    assert Settings.from_env().web_keepalive == 5
    assert options(PEIDAI_WEB_KEEPALIVE=" 75 ")["keepalive"] == 75


@pytest.mark.parametrize("value", ["abc", "-1", "301", "1e3", "2.5", "５", "5; rm -rf /", "9" * 40, "0x10", "5 5"])
def test_a_wrong_keepalive_stops_with_the_variable_named(monkeypatch, tmp_path, value):
    monkeypatch.setenv("PEIDAI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PEIDAI_WEB_KEEPALIVE", value)
    with pytest.raises(ValueError, match="环境变量 PEIDAI_WEB_KEEPALIVE 应为 0 到 300 之间的整数"):
        Settings.from_env()


def test_the_server_closes_each_connection_after_its_answer(tmp_path, processes):
    url = f"sqlite:///{tmp_path / 'web.sqlite'}"
    upgrade(url)
    port = free_port()
    env = clean_env(PEIDAI_DATABASE_URL=url, PEIDAI_DATA_DIR=tmp_path / "data", PEIDAI_LOG_LEVEL="WARNING")
    processes.start("web", ["web", "--port", str(port), "--workers", "2", "--threads", "2"], env)
    wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), timeout=90, message="gunicorn answering")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz", headers={"Connection": "keep-alive"})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200 and resp.getheader("Connection", "").lower() == "close"
    finally:
        conn.close()
