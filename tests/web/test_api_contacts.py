"""Contact details through /api/v1 (issue 17 point 1): a person reads and changes their own (a new
e-mail address only after the link mailed to it is confirmed, as on the web page) and how each
kind of message reaches them; an administrator reads and sets anyone's; the talent section lists
who cannot be reached per unit. Wrong and hostile input is 422 with the field and a Chinese
message; other people's contacts, and writes with a token that may only read, are refused."""
from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from engine.tables import AuditEvent, OutboxMessage
from tests.web.conftest import PASSWORD, csrf_from
from workflows.notifications import contacts, kinds
from workflows.notifications.tables import Mail

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def no_waiting(app):
    app.extensions["peidai_login_throttle"].sleep = lambda seconds: None


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def api(client, api_tokens, spec):
    """Calls as a user (their token of full rights, or ``token=``), each answer checked against the
    document: a status it names, a body that fits its schema."""

    class Api:
        def call(self, method, path, user=None, json=None, token=None, documented=None):
            token = token or api_tokens[user]
            r = client.open("/api/v1" + path, method=method, json=json, headers={"Authorization": f"Bearer {token}"})
            if documented:
                op = spec["paths"][documented][method.lower()]
                assert str(r.status_code) in op["responses"], (method, path, r.status_code, r.get_json())
                if r.status_code != 204:
                    resp = op["responses"][str(r.status_code)]
                    if "$ref" in resp:
                        resp = spec["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
                    schema = {"components": spec["components"], **resp["content"]["application/json"]["schema"]}
                    problems = [e.message for e in Draft202012Validator(schema).iter_errors(r.get_json())]
                    assert not problems, (method, path, problems)
            return r

        def me(self, method, user, json=None, path="/me/contacts", **kw):
            return self.call(method, path, user, json, documented=path, **kw)

        def other(self, method, user, username, json=None, **kw):
            return self.call(method, f"/users/{username}/contacts", user, json, documented="/users/{username}/contacts", **kw)

    return Api()


def new_token(client, username, scopes):
    r = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD, "scopes": scopes})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["token"]


def outbox_count(engine) -> int:
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage))


def confirmation_path(system, address: str) -> str:
    system.engine.outbox.deliver_due(system)
    with system.sessions() as s:
        body = s.scalar(select(Mail.body).where(Mail.to_address.contains(address)).order_by(Mail.id.desc()))
    return re.search(r"http://localhost(/account/contacts/confirm/\S+)", body).group(1)


# --------------------------------------------------------------------------- the person's own

def test_person_changes_mobile_at_once_and_email_once_the_mailed_link_is_confirmed(api, app, system, engine):
    assert api.me("GET", "submitter").get_json() == {"username": "submitter", "email": None, "mobile": None,
                                                      "pending_email": None}
    r = api.me("PATCH", "submitter", {"email": " Wang@Example.CN ", "mobile": "+86 139-1234-5678"})
    assert r.status_code == 200
    assert r.get_json() == {"username": "submitter", "email": None, "mobile": "13912345678",
                            "pending_email": "Wang@example.cn", "changed": ["mobile"],
                            "confirmation": {"email": "Wang@example.cn", "mailed": False}}   # no SMTP: kept, sent later
    path = confirmation_path(system, "Wang@example.cn")
    browser = app.test_client()   # the mail's link opens in a browser, not in the API client
    page = browser.get(path)
    assert page.status_code == 200 and "Wang@example.cn" in page.get_data(as_text=True)
    assert api.me("GET", "submitter").get_json()["email"] is None             # opening the link changes nothing
    r = browser.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert r.status_code == 302
    assert api.me("GET", "submitter").get_json() == {"username": "submitter", "email": "Wang@example.cn",
                                                      "mobile": "13912345678", "pending_email": None}


def test_a_pending_address_is_withdrawn_and_its_link_no_longer_works(api, app, system):
    api.me("PATCH", "reviewer", {"email": "li@example.cn"})
    path = confirmation_path(system, "li@example.cn")
    r = api.call("DELETE", "/me/contacts/pending-email", "reviewer", documented="/me/contacts/pending-email")
    assert r.status_code == 204
    assert api.me("GET", "reviewer").get_json()["pending_email"] is None
    assert app.test_client().get(path).status_code == 404


def test_only_the_fields_sent_change_and_an_empty_address_removes_it(api, engine, people):
    contacts.set_contacts(engine, people["admin"], "submitter", email="wang@example.cn", mobile="13912345678")
    r = api.me("PATCH", "submitter", {"mobile": None})
    assert r.get_json()["changed"] == ["mobile"] and r.get_json()["email"] == "wang@example.cn"
    r = api.me("PATCH", "submitter", {"email": ""})
    assert r.get_json()["changed"] == ["email"] and r.get_json()["email"] is None and r.get_json()["confirmation"] is None
    r = api.me("PATCH", "submitter", {})
    assert r.status_code == 200 and r.get_json()["changed"] == []


def field_error(r, field):
    body = r.get_json()
    assert r.status_code == 422 and body["code"] == "invalid_data", (r.status_code, body)
    named = [e for e in body["errors"] if e["field"]]   # (an unknown property also gets a whole-body entry)
    assert [e["field"] for e in named] == [field], body
    assert all(CJK.search(e["message"]) for e in body["errors"]) and CJK.search(body["message"])
    return named[0]


@pytest.mark.parametrize("body, field, code, message", [
    ({"email": "wang@example.cn\r\nBcc: all@example.cn"}, "email", "invalid", "电子邮箱格式不正确"),
    ({"email": "a@b.cn\nBcc: x@y.cn"}, "email", "invalid", "电子邮箱格式不正确"),
    ({"email": "wang@example.cn, li@example.cn"}, "email", "invalid", "电子邮箱格式不正确"),
    ({"email": '"wang"@example.cn'}, "email", "invalid", "电子邮箱格式不正确"),
    ({"email": "王力 <wang@example.cn>"}, "email", "invalid", "电子邮箱格式不正确"),
    ({"email": "<script>alert(1)</script>@x.cn"}, "email", "invalid", "电子邮箱格式不正确"),
    ({"email": "wang@example"}, "email", "invalid", "电子邮箱格式不正确"),
    ({"email": "a" * 5000 + "@example.cn"}, "email", "maxLength", "最多填写 200 个字"),
    ({"email": "wang\x00@example.cn"}, "email", "pattern", "不能包含空字符"),
    ({"email": ["wang@example.cn"]}, "email", "type", "格式不正确"),
    ({"mobile": "110"}, "mobile", "invalid", "手机号码应为 11 位数字"),
    ({"mobile": "1391234567'; DROP TABLE users; --"}, "mobile", "invalid", "手机号码应为 11 位数字"),
    ({"mobile": "9" * 5000}, "mobile", "maxLength", "最多填写 40 个字"),
    ({"mobile": 13912345678}, "mobile", "type", "格式不正确"),
    ({"username": "reviewer", "email": "x@example.cn"}, "username", "unknown_field", "表单中没有此项"),
])
def test_own_contacts_refuse_wrong_and_hostile_input(api, engine, body, field, code, message):
    before = outbox_count(engine)
    error = field_error(api.me("PATCH", "submitter", body), field)
    assert error["code"] == code and message in error["message"], error
    assert contacts.contacts(engine, "submitter") == {"email": None, "mobile": None, "pending_email": None}
    assert contacts.contacts(engine, "reviewer")["email"] is None
    assert outbox_count(engine) == before                                   # no confirmation mail either


def test_a_body_that_is_not_a_json_object_is_refused(api, client, api_tokens):
    r = client.patch("/api/v1/me/contacts", data="email=a@b.cn", content_type="application/json",
                     headers={"Authorization": f"Bearer {api_tokens['submitter']}"})
    assert r.status_code == 400
    r = api.me("PATCH", "submitter", ["wang@example.cn"])
    assert r.status_code == 422


def test_an_address_with_an_apostrophe_is_kept_as_text_and_shown_escaped(api, app):
    from tests.web.conftest import Auth
    r = api.me("PATCH", "submitter", {"email": "o'neil@example.cn"})
    assert r.status_code == 200 and r.get_json()["pending_email"] == "o'neil@example.cn"
    browser = app.test_client()
    Auth(browser).login("submitter")
    page = browser.get("/account/contacts").get_data(as_text=True)
    assert "o&#39;neil@example.cn" in page and "o'neil@example.cn" not in page


# --------------------------------------------------------------------------- channels

def test_person_chooses_in_app_only_for_a_kind_of_message(api, engine):
    items = api.me("GET", "submitter", path="/me/channels").get_json()["items"]
    assert [i["kind"] for i in items] == list(kinds.KINDS) and {i["channel"] for i in items} == {"mail"}
    assert items[0]["label"] == "待办、超期提醒和催办" and items[0]["channel_label"] == "站内消息和邮件"
    r = api.me("PATCH", "submitter", {"tasks": "in_app"}, path="/me/channels")
    assert r.status_code == 200
    assert {i["kind"]: i["channel"] for i in r.get_json()["items"]}["tasks"] == "in_app"
    with engine.sessions() as s:
        assert kinds.wants_mail(s, ["submitter", "reviewer"], "task_assigned") == {"reviewer"}
        assert kinds.wants_mail(s, ["submitter"], "deadline_reminder") == {"submitter"}


@pytest.mark.parametrize("body, field, code", [
    ({"tasks": "sms"}, "tasks", "enum"),
    ({"tasks": "in_app\r\nBcc: x@y.cn"}, "tasks", "enum"),
    ({"tasks": None}, "tasks", "type"),
    ({"everything": "in_app"}, "everything", "unknown_field"),
    ({"tasks": "x" * 5000}, "tasks", "enum"),
])
def test_channels_refuse_unknown_kinds_and_channels(api, engine, body, field, code):
    error = field_error(api.me("PATCH", "submitter", body, path="/me/channels"), field)
    assert error["code"] == code
    with engine.sessions() as s:
        assert set(kinds.preferences(s, "submitter").values()) == {"mail"}


# --------------------------------------------------------------------------- administrators

def test_administrator_reads_and_sets_anyones_contacts_without_confirmation(api, engine, system):
    api.me("PATCH", "submitter", {"email": "old@example.cn"})
    assert api.other("GET", "admin", "submitter").get_json()["pending_email"] == "old@example.cn"
    r = api.other("PATCH", "admin", "submitter", {"email": "wang@example.cn", "mobile": "13900000001"})
    assert r.status_code == 200
    assert r.get_json() == {"username": "submitter", "email": "wang@example.cn", "mobile": "13900000001",
                            "pending_email": None, "changed": ["email", "mobile"]}   # the pending change is dropped
    assert api.other("PATCH", "admin", "submitter", {"mobile": "139 0000 0001"}).get_json()["changed"] == []
    with engine.sessions() as s:
        audited = s.execute(select(AuditEvent.actor, AuditEvent.data_json).where(AuditEvent.action == "contacts_changed")
                            .order_by(AuditEvent.id)).all()
    assert audited[-1].actor == "admin" and json.loads(audited[-1].data_json)["fields"] == ["email", "mobile"]


@pytest.mark.parametrize("username, body, status, field", [
    ("submitter", {"email": "a@b.cn\r\nBcc: x@y.cn"}, 422, "email"),
    ("submitter", {"mobile": "12345"}, 422, "mobile"),
    ("submitter", {"email": "x" * 5000}, 422, "email"),
    ("submitter", {"display_name": "改名"}, 422, "display_name"),
    ("nobody-here", {"email": "a@example.cn"}, 404, None),
    ("x" * 5000, {"email": "a@example.cn"}, 404, None),
    ("a%0Ab", {"email": "a@example.cn"}, 404, None),
    ("%22%3E%3Cscript%3E", {"email": "a@example.cn"}, 404, None),
])
def test_administrator_is_refused_wrong_input_and_unknown_accounts(api, engine, username, body, status, field):
    r = api.call("PATCH", f"/users/{username}/contacts", "admin", body, documented="/users/{username}/contacts")
    assert r.status_code == status, r.get_json()
    if field:
        field_error(r, field)
    else:
        assert CJK.search(r.get_json()["message"])
    assert contacts.contacts(engine, "submitter") == {"email": None, "mobile": None, "pending_email": None}


@pytest.mark.parametrize("user", ["submitter", "reviewer", "section", "director", "mentor"])
def test_nobody_but_an_administrator_reads_or_sets_other_peoples_contacts(api, engine, people, user):
    contacts.set_contacts(engine, people["admin"], "reviewer2", email="zhao@example.cn")
    r = api.other("GET", user, "reviewer2")
    assert r.status_code == 403 and "zhao@example.cn" not in r.get_data(as_text=True)
    assert "只有系统管理员" in r.get_json()["message"]
    r = api.other("PATCH", user, "reviewer2", {"email": "evil@example.cn"})
    assert r.status_code == 403
    assert api.other("GET", user, "nobody-here").status_code == 403        # whether an account exists: not told
    assert contacts.contacts(engine, "reviewer2")["email"] == "zhao@example.cn"


def test_setting_others_contacts_needs_the_admin_scope(api, client, engine):
    for scopes in (["read"], ["read", "act"]):
        token = new_token(client, "admin", scopes)
        r = api.call("PATCH", "/users/submitter/contacts", json={"email": "x@example.cn"}, token=token)
        assert r.status_code == 403 and r.get_json()["code"] == "insufficient_scope"
        assert "管理（admin）" in r.get_json()["message"]
    assert api.call("GET", "/users/submitter/contacts", token=new_token(client, "admin", ["read"])).status_code == 200
    assert contacts.contacts(engine, "submitter")["email"] is None


def test_a_token_that_may_only_read_changes_nothing(api, client, engine):
    api.me("PATCH", "submitter", {"email": "wang@example.cn"})
    token = new_token(client, "submitter", ["read"])
    assert api.call("GET", "/me/contacts", token=token).get_json()["pending_email"] == "wang@example.cn"
    for method, path, body in (("PATCH", "/me/contacts", {"mobile": "13912345678"}),
                               ("PATCH", "/me/channels", {"tasks": "in_app"}),
                               ("DELETE", "/me/contacts/pending-email", None)):
        r = api.call(method, path, json=body, token=token)
        assert r.status_code == 403 and r.get_json()["code"] == "insufficient_scope", (path, r.get_json())
        assert "办理（act）" in r.get_json()["message"]
    assert contacts.contacts(engine, "submitter") == {"email": None, "mobile": None, "pending_email": "wang@example.cn"}
    with engine.sessions() as s:
        assert set(kinds.preferences(s, "submitter").values()) == {"mail"}


# --------------------------------------------------------------------------- who cannot be reached

@pytest.fixture
def units(engine, people):
    from workflows.units import seed_units
    with engine.unit_of_work() as s:
        seed_units(s)
    contacts.set_contacts(engine, people["admin"], "submitter", email="wang@example.cn", mobile="13900000001")
    contacts.set_contacts(engine, people["admin"], "reviewer", email="li@example.cn")


def test_talent_section_lists_who_cannot_be_reached_per_unit(api, units):
    for user in ("section", "admin"):
        r = api.call("GET", "/contacts/unreachable", user, documented="/contacts/unreachable")
        assert r.status_code == 200
        body = r.get_json()
        found = {u["unit_id"]: u for u in body["items"]}
        hongshan = found["hongshan"]
        assert hongshan["unit_name"] == "红山区" and hongshan["people"] == 3 and not hongshan["complete"]
        assert hongshan["no_email"] == [{"username": "reviewer2", "name": "赵审核"}]
        assert [p["username"] for p in hongshan["no_mobile"]] == ["reviewer", "reviewer2"]
        assert all(u["people"] for u in body["items"])                        # units without accounts are left out
        assert body["units_with_gaps"] == sum(1 for u in body["items"] if not u["complete"])
    only = api.call("GET", "/contacts/unreachable?unit_id=songshan", "section").get_json()["items"]
    assert [u["unit_id"] for u in only] == ["songshan"]


@pytest.mark.parametrize("user", ["submitter", "reviewer", "director", "expert1", "mentor"])
def test_the_unreachable_list_is_the_talent_sections(api, units, user):
    r = api.call("GET", "/contacts/unreachable", user, documented="/contacts/unreachable")
    assert r.status_code == 403 and "人才科" in r.get_json()["message"]


@pytest.mark.parametrize("query, field, code", [
    ("unit_id=" + "x" * 5000, "unit_id", "maxLength"),
    ("unit_id=", "unit_id", "minLength"),
    ("unit=hongshan", "unit", "unknown_field"),
])
def test_the_unreachable_list_refuses_wrong_filters(api, units, query, field, code):
    error = field_error(api.call("GET", "/contacts/unreachable?" + query, "section"), field)
    assert error["code"] == code


# --------------------------------------------------------------------------- the document

def test_the_document_describes_the_contacts_operations_and_their_scopes(spec):
    from openapi_spec_validator import validate
    validate(spec)
    paths = spec["paths"]
    assert set(paths["/me/contacts"]) == {"get", "patch"} and set(paths["/users/{username}/contacts"]) >= {"get", "patch"}
    assert paths["/users/{username}/contacts"]["patch"]["security"] == [{"bearerAuth": ["admin"]}]
    assert paths["/me/contacts"]["patch"]["security"] == [{"bearerAuth": ["act"]}]
    assert paths["/contacts/unreachable"]["get"]["security"] == [{"bearerAuth": ["read"]}]
    change = spec["components"]["schemas"]["ContactsChange"]
    assert change["additionalProperties"] is False and change["properties"]["email"]["maxLength"] == 200
    assert set(spec["components"]["schemas"]["ChannelsChange"]["properties"]) == set(kinds.KINDS)
    for path in ("/me/contacts", "/users/{username}/contacts"):
        assert "422" in paths[path]["patch"]["responses"]
