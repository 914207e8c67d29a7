"""Account lifecycle (issue 11, item 1): activation links to hand over (or mailed), choosing a
password under the rules, forgotten and administrator-reset passwords, own password change,
deactivation, API tokens, and ``peidai users``."""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine import InvalidData, identity
from engine.identity import upsert_user
from engine.tables import AccountToken, ApiToken, AuditEvent, OutboxMessage, User
from tests.web.conftest import PASSWORD, csrf_from
from tests.web.test_security import Browser

NEW_PASSWORD = "Hong#Shan-2026x"


@pytest.fixture(autouse=True)
def no_waiting(app):
    app.extensions["peidai_login_throttle"].sleep = lambda seconds: None


def shown_link(response) -> str:
    m = re.search(r'id="account-link" class="token">([^<]+)<', response.get_data(as_text=True))
    assert m, response.get_data(as_text=True)[:2000]
    return urlsplit(m.group(1)).path


def choose(browser, path, password=NEW_PASSWORD, confirm=None):
    page = browser.get(path)
    assert page.status_code == 200, page.status_code
    browser.token = csrf_from(page.get_data(as_text=True))
    return browser.post(path, {"password": password, "confirm": confirm if confirm is not None else password})


def add_pending(engine, username, name, *memberships, email=None):
    with engine.unit_of_work() as s:
        upsert_user(s, username, name, email=email, memberships=list(memberships))


def outbox(engine, template):
    with engine.sessions() as s:
        rows = s.scalars(select(OutboxMessage.payload_json).where(OutboxMessage.topic == "notify")).all()
    return [m for m in map(json.loads, rows) if m["template"] == template]


# ------------------------------------------------------------------ password rules

@pytest.mark.parametrize("password, problem", [
    ("Ab1!short", "至少 10 个字符"),
    ("alllowercase-words", "至少三类"),
    ("Password2024!", "常见"),
    ("P@ssw0rd123", "常见"),
    ("Aa123456789", "常见"),
    ("Qwerty123!xx", None),
    ("1qaz@WSX3edc", "常见"),
    ("Chifeng#2014", "常见"),
    ("Mentor7-Secret", "用户名"),
    ("7rotnem-Secret", "用户名"),
    ("张伟Zhang#2026", "姓名"),
    ("Aa1!Aa1!Aa1!", "不同的字符"),
])
def test_password_rules(password, problem):
    problems = identity.password_problems(password, "mentor7", "张伟")
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_good_passwords_pass():
    for pw in (NEW_PASSWORD, "Zhang#19850612", "wo-de.Mima@chifeng-2026", "赤峰人才Ab12xy"):
        assert identity.password_problems(pw, "mentor7", "张伟") == [], pw


def test_common_password_list_is_shipped():
    common = identity.common_passwords()
    assert len(common) > 300 and {"123456", "password", "woaini1314", "qwerty"} <= common


# ------------------------------------------------------------------ activation

def test_admin_creates_an_account_and_the_person_activates_it(app, engine, people):
    admin = Browser(app)
    admin.login("admin")
    r = admin.post("/accounts/new", {"username": "wangli", "display_name": "王丽", "email": "",
                                    "memberships": "unit_reviewer:hongshan"})
    assert r.status_code == 200 and "只显示这一次" in r.get_data(as_text=True)
    path = shown_link(r)
    assert path.startswith("/account/activate/")
    assert r.headers["Referrer-Policy"] == "no-referrer"
    person = Browser(app, "198.51.100.20")
    assert person.login("wangli", "").status_code in (400, 401)     # no password yet: no way in
    weak = choose(person, path, "password123")
    assert weak.status_code == 422 and "常见" in weak.get_data(as_text=True)
    mismatch = choose(person, path, NEW_PASSWORD, "Other#Pass-2026")
    assert mismatch.status_code == 422 and "不一致" in mismatch.get_data(as_text=True)
    done = choose(person, path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert person.login("wangli", NEW_PASSWORD).status_code == 302
    again = person.get(path)                                         # one-time
    assert again.status_code == 404 and "链接无效或已过期" in again.get_data(as_text=True)
    with engine.sessions() as s:
        user = s.scalar(select(User).where(User.username == "wangli"))
        assert user.password_hash.startswith("scrypt:")
        stored = s.scalars(select(AccountToken.token_hash)).all()
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert path.rsplit("/", 1)[1] not in stored and identity.token_digest(path.rsplit("/", 1)[1]) in stored
    assert {"account_created", "account_link_issued", "account_activated"} <= set(actions)


def test_section_hands_over_a_new_mentor_activation_link(app, engine, people):
    add_pending(engine, "mentor7", "张伟", ("mentor", "7"))
    add_pending(engine, "newreviewer", "新审核人", ("unit_reviewer", "hongshan"))
    section = Browser(app)
    section.login("section")
    page = section.get("/accounts/").get_data(as_text=True)
    pending = page.split('id="pending"')[1].split("</section>")[0]
    assert "mentor7" in pending and "newreviewer" not in pending    # staff accounts are the administrators'
    assert section.post("/accounts/newreviewer/link").status_code == 404
    first = shown_link(section.post("/accounts/mentor7/link"))
    second = shown_link(section.post("/accounts/mentor7/link"))     # a newer link replaces the older one
    mentor = Browser(app, "198.51.100.21")
    assert mentor.get(first).status_code == 404
    assert choose(mentor, second).status_code == 302
    assert mentor.login("mentor7", NEW_PASSWORD).status_code == 302
    assert "mentor7" not in section.get("/accounts/").get_data(as_text=True).split('id="pending"')[1].split("</section>")[0]


def test_links_expire(app, engine, people, clock):
    add_pending(engine, "mentor8", "李强", ("mentor", "8"))
    section = Browser(app)
    section.login("section")
    path = shown_link(section.post("/accounts/mentor8/link"))
    clock.advance(days=8)
    assert Browser(app).get(path).status_code == 404


def test_others_cannot_manage_accounts(app, engine, people):
    add_pending(engine, "mentor9", "赵敏", ("mentor", "9"))
    reviewer = Browser(app)
    reviewer.login("reviewer")
    assert reviewer.get("/accounts/").status_code == 403
    assert reviewer.post("/accounts/mentor9/link").status_code == 403
    section = Browser(app)
    section.login("section")
    assert section.post("/accounts/reviewer/reset").status_code == 404
    assert section.get("/accounts/new").status_code == 403
    assert section.post("/accounts/mentor9/deactivate").status_code == 403


def test_activation_link_is_mailed_when_smtp_is_set(app, system, engine, people):
    system.settings.smtp_host = "smtp.example.cn"
    system.settings.public_url = "https://peidai.example.cn"
    admin = Browser(app)
    admin.login("admin")
    r = admin.post("/accounts/new", {"username": "liufang", "display_name": "刘芳", "email": "liufang@example.cn",
                                    "memberships": "expert:rural"})
    assert "已同时发送" in r.get_data(as_text=True)
    [mail] = outbox(engine, "account_activation")
    assert mail["users"] == ["liufang"] and mail["context"]["link"].startswith("https://peidai.example.cn/account/activate/")
    assert choose(Browser(app), urlsplit(mail["context"]["link"]).path).status_code == 302


def test_no_mail_without_smtp(app, engine, people):
    admin = Browser(app)
    admin.login("admin")
    admin.post("/accounts/new", {"username": "zhouyu", "display_name": "周瑜", "email": "zhouyu@example.cn",
                                 "memberships": ""})
    assert outbox(engine, "account_activation") == []


# ------------------------------------------------------------------ forgotten and reset passwords

def test_forgot_password_answers_the_same_for_every_user_name(app, system, engine, people):
    system.settings.smtp_host = "smtp.example.cn"
    with engine.unit_of_work() as s:
        s.scalar(select(User).where(User.username == "reviewer")).email = "reviewer@example.cn"
    answers = []
    for name in ("reviewer", "no-such-user", "director"):   # with a mail address, unknown, without one
        b = Browser(app, "198.51.100.30")
        r = b.post("/password/forgot", {"username": name})
        answers.append((r.status_code, re.sub(r'(value|content)="[^"]+"', "", r.get_data(as_text=True))))
    assert answers[0] == answers[1] == answers[2] and answers[0][0] == 200
    [mail] = outbox(engine, "password_reset")
    assert mail["users"] == ["reviewer"]
    path = urlsplit(mail["context"]["link"]).path
    assert Browser(app).login("reviewer").status_code == 302        # the old password works until the reset
    assert choose(Browser(app), path).status_code == 302
    assert Browser(app).login("reviewer").status_code == 401
    assert Browser(app).login("reviewer", NEW_PASSWORD).status_code == 302


def test_forgot_password_is_throttled(app, people):
    b = Browser(app, "198.51.100.31")
    answers = [b.post("/password/forgot", {"username": f"user{n}"}) for n in range(7)]
    assert [r.status_code for r in answers[:5]] == [200] * 5 and [r.status_code for r in answers[5:]] == [429, 429]
    wait = int(answers[-1].headers["Retry-After"])          # when the hour's window lets the address in again
    assert 0 < wait <= 3600 and "尝试次数过多" in answers[-1].get_data(as_text=True)


def test_section_resets_a_mentor_password(app, engine, people, api_tokens):
    mentor = Browser(app, "198.51.100.22")
    assert mentor.login("mentor").status_code == 302
    section = Browser(app)
    section.login("section")
    confirm = section.get("/accounts/mentor/reset")
    assert confirm.status_code == 200 and "原密码立即失效" in confirm.get_data(as_text=True)
    path = shown_link(section.post("/accounts/mentor/reset"))
    assert path.startswith("/account/reset/")
    assert mentor.get("/inbox").status_code == 302                  # the mentor's session ended
    assert Browser(app).login("mentor").status_code == 401          # and the old password
    api = app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {api_tokens['mentor']}"})
    assert api.status_code == 401                                   # and the API tokens
    assert choose(Browser(app), path).status_code == 302
    assert Browser(app).login("mentor", NEW_PASSWORD).status_code == 302


# ------------------------------------------------------------------ own account

def test_user_changes_own_password_and_other_sessions_end(app, engine, people):
    here, there = Browser(app), Browser(app, "198.51.100.23")
    here.login("reviewer")
    there.login("reviewer")
    bad = here.post("/account/password", {"current_password": "wrong", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert bad.status_code == 422 and "当前密码不正确" in bad.get_data(as_text=True)
    weak = here.post("/account/password", {"current_password": PASSWORD, "password": "reviewer-2026A",
                                           "confirm": "reviewer-2026A"})
    assert weak.status_code == 422 and "用户名" in weak.get_data(as_text=True)
    ok = here.post("/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert ok.status_code == 302
    assert here.get("/inbox").status_code == 200                    # this browser goes on
    assert there.get("/inbox").status_code == 302                   # every other session ended
    assert Browser(app).login("reviewer", NEW_PASSWORD).status_code == 302
    with engine.sessions() as s:
        assert s.scalar(select(User.password_changed_at).where(User.username == "reviewer")) is not None


def test_log_out_everywhere(app, people):
    here, there = Browser(app), Browser(app, "198.51.100.24")
    here.login("reviewer")
    there.login("reviewer")
    assert here.post("/account/sessions/end").status_code == 302
    assert here.get("/inbox").status_code == 302 and there.get("/inbox").status_code == 302


def test_api_tokens_are_listed_and_revoked_by_their_owner(app, engine, people, clock):
    me = Browser(app)
    me.login("reviewer")
    tokens = []
    for name, days in (("人事系统", "90"), ("报表", "30")):
        r = me.post("/account/tokens", {"name": name, "days": days})
        tokens.append(re.search(r'id="api-token" class="token">([^<]+)<', r.get_data(as_text=True)).group(1))
    api = app.test_client()

    def call(token):
        return api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code

    assert [call(t) for t in tokens] == [200, 200]
    listing = me.get("/account/tokens").get_data(as_text=True)
    assert "人事系统" in listing and "报表" in listing and not any(t in listing for t in tokens)
    with engine.sessions() as s:
        rows = s.scalars(select(ApiToken).order_by(ApiToken.id)).all()
        assert [r.token_hash for r in rows] == [identity.token_digest(t) for t in tokens]
    other = Browser(app)
    other.login("reviewer2")
    assert other.post(f"/account/tokens/{rows[0].id}/revoke").status_code == 404   # not another user's token
    assert me.post(f"/account/tokens/{rows[0].id}/revoke").status_code == 302
    assert [call(t) for t in tokens] == [401, 200]
    clock.advance(days=31)
    assert call(tokens[1]) == 401                                   # expired


def test_admin_deactivates_an_account(app, engine, people, api_tokens):
    user = Browser(app, "198.51.100.25")
    user.login("reviewer")
    admin = Browser(app)
    admin.login("admin")
    assert admin.post("/accounts/reviewer/deactivate").status_code == 302
    assert user.get("/inbox").status_code == 302
    assert Browser(app).login("reviewer").status_code == 401
    api = app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {api_tokens['reviewer']}"})
    assert api.status_code == 401
    assert admin.post("/accounts/reviewer/activate").status_code == 302
    assert Browser(app).login("reviewer").status_code == 302
    assert admin.post("/accounts/admin/deactivate").status_code == 409   # not oneself


# ------------------------------------------------------------------ command line

@pytest.fixture
def run(database, system, monkeypatch):
    monkeypatch.setenv("PEIDAI_DATA_DIR", str(system.settings.data_dir))
    monkeypatch.setenv("PEIDAI_DATABASE_URL", database.url)
    monkeypatch.setenv("PEIDAI_PUBLIC_URL", "https://peidai.example.cn")
    from peidai.cli import cli
    runner = CliRunner()
    return lambda *args, catch=False, **kw: runner.invoke(cli, list(args), catch_exceptions=catch, **kw)


def test_peidai_users_commands(run, app, engine, people):
    created = run("users", "create", "wangli", "--name", "王丽", "--role", "unit_reviewer:hongshan")
    assert created.exit_code == 0, created.output
    link = re.search(r"https://peidai\.example\.cn(/account/activate/\S+)", created.output).group(1)
    assert "wangli" in run("users", "list", "--pending").output
    fresh = run("users", "activate-link", "wangli")
    assert Browser(app).get(link).status_code == 404                # replaced
    link = re.search(r"https://peidai\.example\.cn(/account/activate/\S+)", fresh.output).group(1)
    assert choose(Browser(app), link).status_code == 302
    assert "已激活" in run("users", "list", "--search", "wangli").output
    reset = run("users", "reset-password", "wangli")
    assert Browser(app).login("wangli", NEW_PASSWORD).status_code == 401
    link = re.search(r"https://peidai\.example\.cn(/account/reset/\S+)", reset.output).group(1)
    assert choose(Browser(app), link, "Another#Pass-2026").status_code == 302
    assert run("users", "deactivate", "wangli").exit_code == 0
    assert Browser(app).login("wangli", "Another#Pass-2026").status_code == 401
    weak = run("users", "set-password", "reviewer", input="password123\npassword123\n", catch=True)
    assert weak.exit_code != 0 and "常见" in str(weak.exception)   # `peidai` prints it (peidai.cli.main)
    assert run("users", "set-password", "reviewer", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n").exit_code == 0
    assert Browser(app).login("reviewer", NEW_PASSWORD).status_code == 302
    bad = run("users", "create", "x", "--role", "no_such_role")
    assert bad.exit_code != 0 and "角色“no_such_role”不存在" in bad.output


def test_identity_refuses_a_weak_password_everywhere(engine, people):
    with pytest.raises(InvalidData, match="至少 10 个字符"):
        with engine.unit_of_work() as s:
            identity.set_password(s, "reviewer", "Ab1!", engine.now())
