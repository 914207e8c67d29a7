"""Hardening (issue 11, items 2-4): sessions that end, a log-in throttle shared by every web
process that slows attackers without locking anyone out, local-only redirects, headers."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest
from sqlalchemy import select

from engine.tables import User
from tests.conftest import require_server
from tests.web.conftest import PASSWORD, csrf_from
from webapp import create_app
from webapp.auth import safe_next

ATTACKER, REAL_USER, OFFICE = "203.0.113.9", "198.51.100.7", "192.0.2.10"


class Browser:
    """A test client with its own cookies and address."""

    def __init__(self, app, address="127.0.0.1"):
        self.client = app.test_client()
        self.address = address
        self.token = None

    def get(self, url, **kw):
        return self.client.get(url, environ_base={"REMOTE_ADDR": self.address}, **kw)

    def post(self, url, data=None, **kw):
        if self.token is None:
            self.token = csrf_from(self.get("/login").get_data(as_text=True))
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})},
                                environ_base={"REMOTE_ADDR": self.address}, **kw)

    def login(self, username, password=PASSWORD, next_url=None):
        self.token = csrf_from(self.get("/login").get_data(as_text=True))
        url = "/login" + (f"?next={quote(next_url, safe='')}" if next_url is not None else "")
        r = self.post(url, {"username": username, "password": password})
        if r.status_code == 302:
            self.token = csrf_from(self.get("/account/").get_data(as_text=True))
        return r


@pytest.fixture
def delays(app):
    """The seconds the throttle asked to wait, instead of waiting."""
    seen = []
    app.extensions["peidai_login_throttle"].sleep = seen.append
    return seen


# ------------------------------------------------------------------ sessions

def test_a_replayed_cookie_after_log_out_gets_the_log_in_page(app, people):
    me = Browser(app)
    assert me.login("reviewer").status_code == 302
    stolen = me.client.get_cookie("peidai_session").value
    assert me.post("/logout").status_code == 302
    thief = Browser(app, ATTACKER)
    thief.client.set_cookie("peidai_session", stolen)
    r = thief.get("/inbox")
    assert r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/login"
    assert thief.get(r.headers["Location"]).status_code == 200   # the log-in page


def test_log_out_ends_every_session_of_the_user(app, people):
    office, home = Browser(app), Browser(app)
    office.login("reviewer")
    home.login("reviewer")
    assert home.get("/inbox").status_code == 200
    office.post("/logout")
    assert home.get("/inbox").status_code == 302


def test_idle_and_absolute_timeouts(system, people):
    now = [1_000_000.0]
    app = create_app(system, TESTING=True, SESSION_CLOCK=lambda: now[0])
    me = Browser(app)
    me.login("reviewer")
    now[0] += 29 * 60
    assert me.get("/inbox").status_code == 200           # 29 minutes idle: still in
    now[0] += 31 * 60
    r = me.get("/inbox")                                  # 31 minutes idle: out
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert "登录已超时" in me.get(r.headers["Location"]).get_data(as_text=True)
    me.login("reviewer")
    for _ in range(12 * 4 + 1):                           # busy all day: a request every 15 minutes
        now[0] += 15 * 60
        if me.get("/inbox").status_code != 200:
            break
    assert me.get("/inbox").status_code == 302            # 12 hours after log-in in any case


def test_session_cookie_carries_no_password_and_old_sessions_end_when_deactivated(app, engine, people):
    me = Browser(app)
    me.login("reviewer")
    with engine.unit_of_work() as s:
        s.scalar(select(User).where(User.username == "reviewer")).active = False
    assert me.get("/inbox").status_code == 302


# ------------------------------------------------------------------ throttling

def wrong(browser, username, times):
    return [browser.login(username, "wrong-password").status_code for _ in range(times)]


def test_an_attackers_twenty_wrong_passwords_do_not_stop_the_real_user(app, people, delays):
    attacker = Browser(app, ATTACKER)
    codes = wrong(attacker, "reviewer", 20)
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}    # the attacker is refused after five
    refused = attacker.login("reviewer")                            # even with the right password
    assert refused.status_code == 429 and "登录失败次数过多" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    real = Browser(app, REAL_USER)
    assert real.login("reviewer").status_code == 302                # the real user gets in
    assert real.get("/inbox").status_code == 200


def test_failures_from_many_addresses_slow_down_but_never_lock_out(app, people, delays):
    for n in range(12):   # a botnet: few tries from each of many addresses
        assert wrong(Browser(app, f"203.0.113.{n + 1}"), "reviewer", 2) == [401, 401]
    assert delays, "past the per-account limit further attempts wait"
    assert max(delays) <= app.config["LOGIN_DELAY_MAX"]
    assert Browser(app, REAL_USER).login("reviewer").status_code == 302   # slowed, not refused


def test_a_browser_that_logged_in_before_is_not_slowed_or_locked_by_an_attacker_at_the_same_address(app, people,
                                                                                                      delays):
    real = Browser(app, OFFICE)
    real.login("reviewer")
    real.post("/logout")
    attacker = Browser(app, OFFICE)                       # behind the same office proxy
    assert set(wrong(attacker, "reviewer", 20)[5:]) == {429}
    delays.clear()
    assert real.login("reviewer").status_code == 302    # its device cookie keys its own count
    assert delays == []


def test_the_throttle_counts_per_account_and_address(app, people, delays):
    attacker = Browser(app, ATTACKER)
    wrong(attacker, "reviewer", 5)
    assert attacker.login("reviewer2").status_code == 302   # another account from that address is not blocked


def test_two_app_instances_share_the_throttle(system, people, delays):
    one, two = create_app(system, TESTING=True), create_app(system, TESTING=True)
    two.extensions["peidai_login_throttle"].sleep = delays.append
    assert wrong(Browser(one, ATTACKER), "reviewer", 5) == [401] * 5
    assert Browser(two, ATTACKER).login("reviewer").status_code == 429


def test_two_processes_share_the_throttle(system, people, database, delays):
    """A second Python process with its own app on the same database and data folder fails five
    times; this process then refuses the sixth attempt."""
    script = textwrap.dedent(f"""
        import re
        from peidai.bootstrap import bootstrap
        from peidai.settings import Settings
        from webapp import create_app
        settings = Settings(database_url={database.url!r}, data_dir={str(system.settings.data_dir)!r},
                            secret_key="test-secret", testing=True)
        app = create_app(bootstrap(settings), TESTING=True)
        client = app.test_client()
        for _ in range(5):
            page = client.get("/login", environ_base={{"REMOTE_ADDR": {ATTACKER!r}}}).get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            r = client.post("/login", data={{"username": "reviewer", "password": "nope", "csrf_token": token}},
                            environ_base={{"REMOTE_ADDR": {ATTACKER!r}}})
            print(r.status_code)
    """)
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["401"] * 5
    app = create_app(system, TESTING=True)
    assert Browser(app, ATTACKER).login("reviewer").status_code == 429
    assert Browser(app, REAL_USER).login("reviewer").status_code == 302


@pytest.mark.redis
def test_redis_storage_is_shared(system, people, delays):
    require_server("Redis", "127.0.0.1", 6379)
    url = "redis://127.0.0.1:6379/15"
    one = create_app(system, TESTING=True, RATELIMIT_STORAGE_URI=url)
    two = create_app(system, TESTING=True, RATELIMIT_STORAGE_URI=url)
    one.extensions["peidai_limiter"].reset()
    try:
        wrong(Browser(one, ATTACKER), "reviewer", 5)
        assert Browser(two, ATTACKER).login("reviewer").status_code == 429
        assert Browser(two, REAL_USER).login("reviewer").status_code == 302
    finally:
        one.extensions["peidai_limiter"].reset()


def test_the_throttle_ends_with_its_window(app, people, clock, delays):
    attacker = Browser(app, ATTACKER)
    wrong(attacker, "reviewer", 5)
    assert attacker.login("reviewer").status_code == 429
    clock.advance(minutes=16)
    assert attacker.login("reviewer").status_code == 302


def test_forwarded_addresses_count_only_behind_a_configured_proxy(system, people, delays, tmp_path):
    plain = create_app(system, TESTING=True)
    spoofer = Browser(plain, ATTACKER)
    for n in range(5):   # a forged X-Forwarded-For does not give the attacker fresh addresses
        spoofer.client.environ_base["HTTP_X_FORWARDED_FOR"] = f"10.0.0.{n}"
        spoofer.login("reviewer", "wrong")
    assert spoofer.login("reviewer").status_code == 429

    system.settings.proxy_count = 1
    behind = create_app(system, TESTING=True)
    behind.extensions["peidai_login_throttle"].sleep = delays.append
    proxy = Browser(behind, "127.0.0.1")   # every request arrives from the proxy
    proxy.client.environ_base["HTTP_X_FORWARDED_FOR"] = ATTACKER
    assert set(wrong(proxy, "reviewer2", 6)[5:]) == {429}
    colleague = Browser(behind, "127.0.0.1")
    colleague.client.environ_base["HTTP_X_FORWARDED_FOR"] = REAL_USER
    assert colleague.login("reviewer2").status_code == 302   # same proxy, another client: not blocked


def address_limit(app) -> int:
    return int(app.config.get("LOGIN_ADDRESS_LIMIT", "20 per 15 minutes").split()[0])


def test_one_address_spraying_many_user_names_is_refused(app, people, delays):
    """Password spraying: one wrong password for each of many names from one address. Past the
    address's limit (failed log-ins over every account, page and API together) the address is
    answered 429 with Retry-After, even for a name it has not tried."""
    limit = address_limit(app)
    sprayer = Browser(app, ATTACKER)
    codes = [sprayer.login(f"name{n}", "Winter2024!").status_code for n in range(limit)]
    assert codes == [401] * limit
    page = sprayer.login("reviewer")                     # the next one, even with the right password
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in page.get_data(as_text=True)
    api = app.test_client().post("/api/v1/tokens", json={"username": "reviewer2", "password": "x"},
                                 environ_base={"REMOTE_ADDR": ATTACKER})
    assert api.status_code == 429 and int(api.headers["Retry-After"]) > 0
    assert api.get_json()["code"] == "too_many_requests" and "登录失败次数过多" in api.get_json()["message"]
    assert Browser(app, REAL_USER).login("reviewer").status_code == 302   # another address is not affected


def test_the_address_limit_counts_api_failures_too(app, people, delays):
    limit = address_limit(app)
    api = app.test_client()
    codes = [api.post("/api/v1/tokens", json={"username": f"name{n}", "password": "x"},
                      environ_base={"REMOTE_ADDR": ATTACKER}).status_code for n in range(limit + 1)]
    assert codes == [401] * limit + [429]
    assert Browser(app, ATTACKER).login("reviewer").status_code == 429


def test_successful_log_ins_do_not_use_up_the_address_limit(app, people, delays):
    """An office behind one address: many right passwords are not an attack."""
    limit = address_limit(app)
    for _ in range(limit + 5):
        assert Browser(app, OFFICE).login("reviewer").status_code == 302


def test_the_address_limit_follows_the_forwarded_address_behind_a_proxy(system, people, delays):
    system.settings.proxy_count = 1
    behind = create_app(system, TESTING=True)
    behind.extensions["peidai_login_throttle"].sleep = delays.append
    limit = address_limit(behind)
    sprayer = Browser(behind, "127.0.0.1")
    sprayer.client.environ_base["HTTP_X_FORWARDED_FOR"] = ATTACKER
    assert [sprayer.login(f"name{n}", "x").status_code for n in range(limit + 1)][-1] == 429
    colleague = Browser(behind, "127.0.0.1")
    colleague.client.environ_base["HTTP_X_FORWARDED_FOR"] = REAL_USER
    assert colleague.login("reviewer").status_code == 302


# ------------------------------------------------------------------ redirects

OPEN_REDIRECTS = [
    "//evil.example", "//evil.example/x", "///evil.example", "////evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "/\t/evil.example", "/%09/evil.example", "/%2F%2Fevil.example",
    "/%2f/evil.example", "/%5Cevil.example", "/%5C%5Cevil.example", "%2F%2Fevil.example", "https:evil.example",
    "https://evil.example", "http:/evil.example", "HTTP://evil.example", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", " //evil.example", "\n//evil.example",
    "/\n/evil.example", "/\r/evil.example", "/%0d%0a/evil.example", "//evil.example@localhost", "/.//evil.example",
    "//%65vil.example", "/%252F%252Fevil.example", "ftp://evil.example", "evil.example", "@evil.example",
    "/\u3000/evil.example", "//evil。example",
]


@pytest.mark.parametrize("payload", OPEN_REDIRECTS)
def test_every_open_redirect_payload_lands_on_a_local_page(app, people, payload, delays):
    r = Browser(app).login("reviewer", next_url=payload)
    assert r.status_code == 302
    target = urljoin("http://localhost/login", r.headers["Location"])
    parts = urlsplit(target)
    assert (parts.scheme, parts.netloc) == ("http", "localhost"), (payload, r.headers["Location"])
    assert not re.match(r"[/\\\s\x00-\x1f]*[/\\]", parts.path[1:]), (payload, r.headers["Location"])


def test_local_paths_are_kept():
    for path in ["/inbox", "/tasks/12?x=1", "/pool/?q=%E5%BC%A0", "/documents/#top", "/inbox?box=group&page=2"]:
        assert safe_next(path, "/inbox") == path
    for bad in OPEN_REDIRECTS + [None, "", "x" * 3000]:
        assert safe_next(bad, "/inbox") == "/inbox", bad


# ------------------------------------------------------------------ headers

def test_content_security_policy_forbids_inline_script_and_framing(client, people):
    csp = client.get("/login").headers["Content-Security-Policy"]
    rules = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert rules["script-src"] == "'self'" and "unsafe-inline" not in rules["script-src"]
    assert rules["frame-ancestors"] == "'none'" and rules["object-src"] == "'none'" and rules["base-uri"] == "'none'"
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"


def test_personal_pages_and_api_answers_are_not_stored(app, people, api_tokens):
    me = Browser(app)
    assert me.get("/login").headers["Cache-Control"] == "no-store"
    me.login("reviewer")
    for url in ["/inbox", "/account/", "/account/tokens"]:
        assert me.get(url).headers["Cache-Control"] == "no-store", url
    api = app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {api_tokens['reviewer']}"})
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/api/v1/tasks").headers["Cache-Control"] == "no-store"   # 401 too
    static = app.test_client().get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
