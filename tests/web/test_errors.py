"""Errors say what happened (issue 10): bad input is 422 with a message per field in the user's
language; outside one's scope is 404; 409 only for a real conflict; ids that cannot exist are
404; an unknown process is 404; no exception text ever reaches a user. Web pages and /api/v1."""
from __future__ import annotations

import html
import logging
import re

import pytest

from engine import InvalidState
from peidai.settings import PROJECT_ROOT
from tests.web.conftest import PASSWORD

HUGE = "9" * 25                      # beyond 64 bits
EDGE = str(2 ** 63)                  # one past the largest 64-bit id (task ids are BIGINT)
INT32 = str(2 ** 31)                 # one past the largest INTEGER id (instances, programme records)
TOO_LONG = "1" * 5000                # beyond Python's limit on converting digit strings
NOT_IDS = (HUGE, EDGE, TOO_LONG, "-1", "0", "0x10", "abc", "1.5", "١٢", "²")
CJK = re.compile(r"[\u4e00-\u9fff]")
RAW = ("Traceback", "Error", "Exception", "sqlalchemy", "jsonschema", "SpiffWorkflow", "is not one of", "File \"")


def text(r) -> str:
    return html.unescape(r.get_data(as_text=True))


def no_exception_text(body: str) -> None:
    for word in RAW:
        assert word not in body, word


@pytest.fixture
def api(client, api_tokens):
    def call(method, user, url, json=None, lang=None):
        headers = {"Authorization": f"Bearer {api_tokens[user]}"} if user else {}
        if lang:
            headers["Accept-Language"] = lang
        return client.open("/api/v1" + url, method=method, headers=headers, json=json)
    return call


# ---------------------------------------------------------------- bad input: 422 per field

def test_bad_input_is_422_with_a_message_per_field_in_chinese(api, flow):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    r = api("POST", "reviewer", f"/tasks/{review}/complete", {"data": {"decision": "maybe", "unit_id": "songshan"}})
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == "invalid_data" and body["message"] == "提交的数据有误，请按提示修改"
    assert {e["field"]: (e["code"], e["message"]) for e in body["errors"]} == {
        "decision": ("enum", "请从给定选项中选择"), "unit_id": ("unknown_field", "表单中没有此项，不能提交")}
    assert flow.task(iid, "Task_Review")["state"] == "open"  # nothing was written


def test_bad_input_is_422_with_a_message_per_field_in_english(api, flow):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    r = api("POST", "reviewer", f"/tasks/{review}/complete", {"data": {"decision": "maybe", "unit_id": "songshan"}},
            lang="en-US,en;q=0.9")
    assert r.status_code == 422
    body = r.get_json()
    assert body["message"] == "Some of the data are not valid; correct the fields marked"
    assert {e["field"]: e["message"] for e in body["errors"]} == {
        "decision": "Choose one of the options", "unit_id": "This field is not part of the form and cannot be submitted"}
    # the API's own parameters are checked against the OpenAPI document the same way
    r = api("GET", "reviewer", "/tasks?box=started&per_page=1000", lang="en")
    assert r.status_code == 422
    assert {e["field"]: e["code"] for e in r.get_json()["errors"]} == {"box": "enum", "per_page": "maximum"}
    assert not CJK.search(r.get_data(as_text=True))


def test_bad_input_every_field_error_code_has_a_message_in_both_languages(app):
    from webapp.errors import FIELD_MESSAGES, field_message
    params = {"limit": 3, "expected": ["integer"], "format": "date", "choices": ["a"]}
    with app.test_request_context("/api/v1/tasks", headers={"Accept-Language": "zh-CN"}):
        chinese = {code: field_message({"code": code, "params": params}) for code in FIELD_MESSAGES}
    with app.test_request_context("/api/v1/tasks", headers={"Accept-Language": "en"}):
        english = {code: field_message({"code": code, "params": params}) for code in FIELD_MESSAGES}
        assert field_message({"code": "someNewKeyword", "params": {}}) == "Invalid value"
    for code in FIELD_MESSAGES:
        assert CJK.search(chinese[code]), code
        assert not CJK.search(english[code]) and english[code], code
    assert chinese["maximum"] == "不能大于 3" and english["maximum"] == "Must not be more than 3"
    assert english["type"] == "Wrong format: enter a whole number"


def test_bad_input_on_the_task_page_shows_the_engine_errors_next_to_the_fields(auth, client, flow):
    iid = flow.start()
    auth.login("submitter")
    fill = flow.task(iid, "Task_Fill")["id"]
    r = auth.post(f"/tasks/{fill}", {"_action": "submit", "name": "", "unit": "x" * 3})
    assert r.status_code == 422
    assert 'id="err-name">此项为必填项<' in text(r)
    client.post("/lang", data={"lang": "en", "csrf_token": auth.token})
    r = auth.post(f"/tasks/{fill}", {"_action": "submit", "name": ""})
    assert r.status_code == 422 and 'id="err-name">This field is required<' in text(r)


def test_bad_input_on_a_field_the_page_does_not_show_is_named_at_the_top(app):
    from webapp import schema_forms
    schema = {"type": "object", "properties": {"name": {"type": "string", "title": "姓名"},
                                               "secret": {"type": "string", "title": "内部编号", "readOnly": True}}}
    with app.test_request_context():
        placed = schema_forms.place_errors(schema, [{"field": "secret", "code": "read_only", "message": "此项只读，不能修改"},
                                                    {"field": "name", "code": "required", "message": "此项为必填项"}], {"name"})
    assert placed == {"name": "此项为必填项", "": "内部编号：此项只读，不能修改"}


# ---------------------------------------------------------------- start: 404 / 403 / 422, never 409

@pytest.fixture
def programme(system):
    from werkzeug.security import generate_password_hash

    from workflows.driver import Driver
    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    d = Driver(system)
    d.seed(experts_per_panel=1, password_hash=lambda _u: hashed)
    d.deploy(PROJECT_ROOT / "bpmn")
    return d


@pytest.fixture
def programme_api(system, programme):
    from webapp import create_app
    from webapp.users import issue_token
    client = create_app(system, TESTING=True).test_client()

    def call(method, user, url, json=None, lang=None):
        headers = {"Authorization": f"Bearer {issue_token(system.engine, user)}"}
        if lang:
            headers["Accept-Language"] = lang
        return client.open("/api/v1" + url, method=method, headers=headers, json=json)
    return call


def test_bad_start_data_is_422_per_field_not_409(programme_api):
    r = programme_api("POST", "section", "/instances", {"process_key": "selection_round",
                                                        "data": {"year": "二〇二九", "deadline": "2040-02-30", "round_id": "abc"}})
    assert r.status_code == 422, r.get_json()
    errors = {e["field"]: (e["code"], e["message"]) for e in r.get_json()["errors"]}
    assert errors == {"year": ("type", "格式不正确，应填写整数"), "deadline": ("format", "日期格式不正确，应为 年-月-日"),
                      "round_id": ("unknown_field", "表单中没有此项，不能提交")}
    no_exception_text(r.get_data(as_text=True))
    r = programme_api("POST", "section", "/instances", {"process_key": "selection_round", "data": {"year": 1999}}, lang="en")
    assert r.status_code == 422 and r.get_json()["errors"] == [
        {"field": "year", "code": "minimum", "message": "Must not be less than 2014"}]


def test_unknown_process_key_is_404_not_403(programme_api):
    for user in ("section", "hongshan_rev", "expert_professional_1"):  # whoever asks, allowed to start or not
        r = programme_api("POST", user, "/instances", {"process_key": "no_such_process", "data": {}})
        assert r.status_code == 404 and r.get_json()["code"] == "not_found", (user, r.get_json())
        assert r.get_json()["message"] == "流程“no_such_process”不存在"


def test_starting_what_one_may_not_is_403_with_a_reason(programme_api):
    r = programme_api("POST", "hongshan_sub", "/instances", {"process_key": "mentoring", "data": {}})
    assert r.status_code == 403 and r.get_json()["message"] == "“人才培带”由系统按流程自动发起，不能手动发起"
    r = programme_api("POST", "hongshan_rev", "/instances", {"process_key": "selection_round", "data": {"year": 2014}}, lang="en")
    assert r.status_code == 403 and r.get_json()["message"] == "You may not start “selection_round”"


# ---------------------------------------------------------------- ids that cannot exist: 404

@pytest.mark.parametrize("bad", NOT_IDS, ids=["huge", "2^63", "5000-digits", "negative", "zero", "hex", "letters", "decimal",
                                             "arabic-digits", "superscript"])
def test_ids_out_of_range_are_404_not_500(auth, client, api, flow, bad):
    flow.at_review()
    for method, url in (("GET", f"/tasks/{bad}"), ("POST", f"/tasks/{bad}/claim"), ("POST", f"/tasks/{bad}/complete"),
                        ("GET", f"/instances/{bad}"), ("POST", f"/instances/{bad}/cancel")):
        r = api(method, "section", url, json={"reason": "x"})
        assert r.status_code == 404, (url, r.status_code)
        assert r.get_json()["code"] == "not_found"
    auth.login("section")
    for url in (f"/tasks/{bad}", f"/instances/{bad}", f"/instances/{bad}/diagram.bpmn", f"/pool/{bad}"):
        r = client.get(url)
        assert r.status_code == 404 and "页面或记录不存在" in text(r), url


def test_ids_beyond_their_columns_range_are_404_not_500(auth, client, api, flow):
    """Instance and programme ids are INTEGER (32 bits on PostgreSQL); task ids are BIGINT."""
    flow.at_review()
    for method, url in (("GET", f"/instances/{INT32}"), ("POST", f"/instances/{INT32}/cancel"), ("GET", f"/tasks/{INT32}")):
        r = api(method, "section", url, json={"reason": "x"})
        assert r.status_code == 404 and r.get_json()["code"] == "not_found", url
    auth.login("section")
    for url in (f"/instances/{INT32}", f"/pool/{INT32}", f"/tasks/{INT32}"):
        assert client.get(url).status_code == 404, url


def test_ids_out_of_range_in_query_strings_are_not_a_server_error(auth, client, api, flow):
    flow.at_review()
    auth.login("section")
    for url in (f"/inbox?page={HUGE}", f"/inbox?page={TOO_LONG}", "/inbox?page=-3", f"/pool/?round={HUGE}&page={HUGE}",
                "/pool/?round=²"):
        assert client.get(url).status_code == 200, url
    r = api("GET", "section", f"/tasks?page={HUGE}")
    assert r.status_code == 422 and r.get_json()["errors"][0] == {"field": "page", "code": "maximum", "message": "不能大于 100000"}
    assert api("GET", "section", f"/mentors?round={HUGE}").status_code == 422


def test_a_nul_character_is_refused_not_a_server_error(auth, client, api, flow):
    iid = flow.at_review()
    auth.login("section")
    assert client.get("/pool/?q=a%00b").status_code == 400
    r = api("POST", "section", f"/instances/{iid}/cancel", {"reason": "重复\u0000申报"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "reason"
    r = api("POST", "section", f"/instances/{iid}/cancel", {"reason": "\ud800"})
    assert r.status_code == 422


# ---------------------------------------------------------------- scope: 404; conflict: 409

def test_outside_ones_scope_is_404(auth, client, api, flow):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    for method, url in (("GET", f"/tasks/{review}"), ("POST", f"/tasks/{review}/claim"), ("GET", f"/instances/{iid}"),
                        ("POST", f"/tasks/{review}/complete")):
        r = api(method, "other_reviewer", url, json={"data": {"decision": "approve"}})
        assert r.status_code == 404 and r.get_json()["code"] == "not_found", url
    auth.login("other_reviewer")
    assert client.get(f"/tasks/{review}").status_code == 404
    assert client.get(f"/instances/{iid}").status_code == 404


def test_409_only_for_a_real_conflict(api, flow):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    assert api("POST", "reviewer", f"/tasks/{review}/complete", {"data": {"decision": 5}}).status_code == 422
    assert api("POST", "reviewer", f"/tasks/{review}/complete", {"data": {"decision": "approve"}}).status_code == 200
    r = api("POST", "reviewer", f"/tasks/{review}/complete", {"data": {"decision": "approve"}})
    assert r.status_code == 409 and r.get_json() == {"code": "conflict", "message": "该待办已经办理完毕"}
    r = api("POST", "reviewer", f"/tasks/{review}/complete", {"data": {"decision": "approve"}}, lang="en")
    assert r.status_code == 409 and r.get_json()["message"] == "The task has already been completed"
    other = flow.task(flow.at_review(), 'Task_Review')['id']
    r = api("POST", "admin", f"/tasks/{other}/assign", {"username": "nobody_at_all"})
    assert r.status_code == 422 and r.get_json()["errors"] == [
        {"field": "username", "code": "unknown_user", "message": "用户不存在或已停用"}]
    # who may assign is checked first: a caller without the right cannot learn which user names exist
    for name in ("nobody_at_all", "reviewer"):
        assert api("POST", "section", f"/tasks/{other}/assign", {"username": name}).status_code == 403


def test_a_bad_user_name_in_a_task_form_is_said_on_the_task_page_not_a_404(flow, auth, client):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    auth.login("reviewer")
    assert auth.post(f"/tasks/{review}/claim").status_code == 302
    r = auth.post(f"/tasks/{review}/transfer", {"username": "ghost", "comment": "请代办"}, follow_redirects=True)
    assert r.status_code == 200 and "用户 ghost 不存在或已停用" in text(r)
    client.post("/lang", data={"lang": "en", "csrf_token": auth.token})
    r = auth.post(f"/tasks/{review}/transfer", {"username": "ghost", "comment": "请代办"}, follow_redirects=True)
    assert r.status_code == 200 and "User ghost does not exist or is deactivated" in text(r)


# ---------------------------------------------------------------- no exception text

def test_no_exception_text_reaches_a_user_on_an_unexpected_error(app, auth, client, api, flow, monkeypatch, caplog):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production

    def boom(*args, **kwargs):
        raise RuntimeError("(sqlite3.OperationalError) secret SQL text in Traceback")
    monkeypatch.setattr(type(app.extensions["peidai"].engine), "claim", boom)
    with caplog.at_level(logging.ERROR, logger="webapp.errors"):
        r = api("POST", "reviewer", f"/tasks/{review}/claim")
    assert r.status_code == 500 and r.get_json() == {"code": "internal_error", "message": "系统内部错误，请稍后再试；问题已记录"}
    assert "secret SQL text" in caplog.text  # logged with its traceback for the operators
    auth.login("reviewer")
    r = auth.post(f"/tasks/{review}/claim")
    assert r.status_code == 500 and "系统内部错误" in text(r)
    assert "secret" not in text(r) and "RuntimeError" not in text(r)
    client.post("/lang", data={"lang": "en", "csrf_token": auth.token})
    r = auth.post(f"/tasks/{review}/claim")
    assert r.status_code == 500 and "Internal error" in text(r) and "secret" not in text(r)


def test_no_exception_text_reaches_a_user_when_a_model_fails(app, api, auth, flow, monkeypatch):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]

    def fails(*args, **kwargs):
        raise InvalidState("流程执行出错（Gateway_1）：NameError: name 'x' is not defined", element="Gateway_1")
    monkeypatch.setattr(type(app.extensions["peidai"].engine), "complete_task", fails)
    r = api("POST", "reviewer", f"/tasks/{review}/complete", {"data": {"decision": "approve"}})
    assert r.status_code == 409 and r.get_json()["message"] == "流程执行出错，请联系管理员处理"
    no_exception_text(r.get_data(as_text=True))
    auth.login("reviewer")
    r = auth.post(f"/tasks/{review}", {"_action": "approve", "comment": "同意"})
    assert r.status_code == 409 and "流程执行出错，请联系管理员处理" in text(r) and "NameError" not in text(r)


def test_no_exception_text_even_when_an_error_carries_english(app):
    from engine import Conflict, EngineError, NotFound
    from webapp.errors import engine_message
    with app.test_request_context("/api/v1/tasks"):
        assert engine_message(Conflict("IntegrityError: duplicate key value violates unique constraint")) == "操作冲突，请刷新后重试"
        assert engine_message(EngineError("KeyError: 'x'")) == "请求有误"
        assert engine_message(NotFound("流程实例 12 不存在")) == "流程实例 12 不存在"  # written for users: kept
    with app.test_request_context("/api/v1/tasks", headers={"Accept-Language": "en"}):
        assert engine_message(NotFound("流程实例 12 不存在")) == "The record does not exist or is outside your scope"
