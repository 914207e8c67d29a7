"""Log-in, sessions, CSRF, throttling, languages, blueprint discovery."""
from __future__ import annotations

import html

from sqlalchemy import select

from engine.tables import User
from tests.web.conftest import csrf_from
from webapp import users


def test_password_is_stored_hashed_and_checked(engine, people):
    users.set_password(engine, "reviewer", "新密码-2026")
    with engine.sessions() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "reviewer"))
    assert "新密码" not in stored and stored.startswith("scrypt:")
    assert users.check_login(engine, "reviewer", "新密码-2026") == "reviewer"
    assert users.check_login(engine, "reviewer", "wrong") is None
    assert users.check_login(engine, "nobody", "x") is None


def test_login_shows_chinese_error_and_keeps_user_name(auth):
    r = auth.login("reviewer", "wrong")
    assert r.status_code == 401
    text = html.unescape(r.get_data(as_text=True))
    assert "用户名或密码不正确" in text and 'value="reviewer"' in text


def test_session_cookie_is_httponly_and_samesite(auth):
    r = auth.login("reviewer")
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("peidai_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_over_https(app, people):
    client = app.test_client()
    page = client.get("/login", base_url="https://peidai.example")
    token = csrf_from(page.get_data(as_text=True))
    r = client.post("/login", data={"username": "reviewer", "password": "Peidai#2014", "csrf_token": token},
                    base_url="https://peidai.example")
    assert "Secure" in next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("peidai_session="))


def test_forms_without_csrf_token_are_refused(auth, client, flow):
    iid = flow.at_review()
    auth.login("reviewer")
    review = flow.task(iid, "Task_Review")["id"]
    r = client.post(f"/tasks/{review}/claim")
    assert r.status_code == 400 and "表单已过期" in r.get_data(as_text=True)
    assert flow.task(iid, "Task_Review")["assignee"] is None
    assert client.post("/login", data={"username": "reviewer", "password": "Peidai#2014"}).status_code == 400


def test_login_is_throttled_after_repeated_failures(auth, clock):
    for _ in range(5):
        assert auth.login("reviewer", "wrong").status_code == 401
    r = auth.login("reviewer")  # even the right password is refused while locked
    assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
    clock.advance(minutes=16)
    assert auth.login("reviewer").status_code == 302


def test_logout_ends_the_session(auth, client):
    auth.login("reviewer")
    assert client.get("/inbox").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/inbox").status_code == 302


def test_open_redirect_after_login_is_refused(client, people):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login?next=//evil.example/x", data={"username": "reviewer", "password": "Peidai#2014", "csrf_token": token})
    assert r.headers["Location"] == "/inbox"


def test_chinese_is_the_default_and_english_is_selectable(auth, client):
    auth.login("reviewer")
    text = client.get("/inbox").get_data(as_text=True)
    assert "我的待办" in text and 'lang="zh-CN"' in text


def test_english_is_selectable(auth, client):
    auth.login("reviewer")
    assert auth.post("/lang", {"lang": "en", "next": "/inbox"}).status_code == 302
    text = client.get("/inbox").get_data(as_text=True)
    assert 'lang="en"' in text and "My tasks" in text and "我的待办" not in text
    auth.post("/lang", {"lang": "zh_CN"})
    assert "我的待办" in client.get("/inbox").get_data(as_text=True)


def test_dates_are_in_chinese_format(flow, auth, client):
    flow.at_review()
    auth.login("reviewer")
    text = client.get("/inbox?box=group").get_data(as_text=True)
    assert "2014年5月19日 09:00" in text  # the virtual clock's start, China Standard Time


def test_blueprints_are_discovered(app):
    assert {"auth", "inbox", "tasks", "instances", "api", "pool", "dashboard"} <= set(app.blueprints)


def test_user_issues_an_api_token_shown_once(auth, client, engine):
    import re
    auth.login("reviewer")
    r = auth.post("/account/tokens", {"name": "对接", "days": "90"})
    token = re.search(r'id="api-token" class="token">([^<]+)<', r.get_data(as_text=True)).group(1)
    assert users.user_for_token(engine, token) == "reviewer"
    assert token not in client.get("/account/tokens").get_data(as_text=True)
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # several tokens, listed and revoked by their owner: tests/web/test_accounts.py


def test_actions_do_not_redirect_off_site(auth, flow):
    iid = flow.at_review()
    auth.login("reviewer")
    r = auth.post(f"/tasks/{flow.task(iid)['id']}/claim", {"next": "//evil.example/x"})
    assert r.headers["Location"].startswith("/tasks/")
