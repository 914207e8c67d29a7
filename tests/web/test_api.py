"""REST API /api/v1: the generated OpenAPI document is valid OpenAPI 3.1 and names every route;
routes answer as documented; token authentication, scopes as in the UI, JSON errors, strict
queries, 409 on a concurrent completion."""
from __future__ import annotations

import re
import threading

import pytest
from jsonschema import Draft202012Validator

from engine.queries import instance_tasks


@pytest.fixture
def api(client, api_tokens):
    class Api:
        def __init__(self):
            self.user = None

        def as_(self, user):
            self.user = user
            return self

        def _h(self):
            return {"Authorization": f"Bearer {api_tokens[self.user]}"} if self.user else {}

        def get(self, url, **kw):
            return client.get("/api/v1" + url, headers=self._h(), **kw)

        def post(self, url, json=None):
            return client.post("/api/v1" + url, headers=self._h(), json=json if json is not None else {})

    return Api()


@pytest.fixture
def spec(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.get_json()


def response_schema(spec, path, method, status):
    resp = spec["paths"][path][method]["responses"][str(status)]
    if "$ref" in resp:
        resp = spec["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
    schema = resp["content"]["application/json"]["schema"]
    return {"$defs": {}, "components": spec["components"], **schema}


def check(spec, path, method, r):
    """The status is documented for the route and the body matches its schema."""
    assert str(r.status_code) in spec["paths"][path][method]["responses"], (path, method, r.status_code, r.get_json())
    schema = response_schema(spec, path, method, r.status_code)
    errors = list(Draft202012Validator(schema).iter_errors(r.get_json()))
    assert not errors, (path, method, [e.message for e in errors])


def test_openapi_document_is_openapi_3_1_with_every_route(spec, app):
    from openapi_spec_validator import validate
    validate(spec)                                  # a valid OpenAPI 3.1 document
    assert spec["openapi"] == "3.1.0" and spec["servers"] == [{"url": "/api/v1"}]
    documented = {(path, m.upper()) for path, ops in spec["paths"].items() for m in ops if m != "parameters"}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api_"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    ids = [op["operationId"] for ops in spec["paths"].values() for m, op in ops.items() if m != "parameters"]
    assert len(ids) == len(set(ids))


def test_document_and_answers_are_utf8_not_escaped(client, api, flow):
    raw = client.get("/api/v1/openapi.json").get_data(as_text=True)
    assert "\\u" not in raw and "待办" in raw
    flow.at_review()
    r = api.as_("reviewer").get("/tasks?box=group")
    assert "\\u" not in r.get_data(as_text=True) and r.content_type == "application/json"


def test_every_task_and_instance_route_answers_as_documented(spec, api, flow, engine):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    cancel_me = flow.at_review()
    calls = {
        ("/process-models", "get"): lambda: api.as_("reviewer").get("/process-models"),
        ("/instances", "post"): lambda: api.as_("submitter").post("/instances", {"process_key": "approval", "data": {
            "unit_id": "hongshan", "category": "professional", "round_id": "2014", "title": "API 申报", "experts": ["expert1"], "years": 1}}),
        ("/instances/{instance_id}", "get"): lambda: api.as_("reviewer").get(f"/instances/{iid}"),
        ("/instances/{instance_id}/history", "get"): lambda: api.as_("reviewer").get(f"/instances/{iid}/history"),
        ("/instances/{instance_id}/opinions", "get"): lambda: api.as_("reviewer").get(f"/instances/{iid}/opinions"),
        ("/instances/{instance_id}/cancel", "post"): lambda: api.as_("section").post(f"/instances/{cancel_me}/cancel", {"reason": "重复申报"}),
        ("/tasks", "get"): lambda: api.as_("reviewer").get("/tasks?box=group&category=professional&org_unit=hongshan&round_id=2014&per_page=5"),
        ("/tasks/{task_id}", "get"): lambda: api.as_("reviewer").get(f"/tasks/{review}"),
        ("/tasks/{task_id}/claim", "post"): lambda: api.as_("reviewer").post(f"/tasks/{review}/claim"),
        ("/tasks/{task_id}/unclaim", "post"): lambda: api.as_("reviewer").post(f"/tasks/{review}/unclaim"),
        ("/tasks/{task_id}/assign", "post"): lambda: api.as_("reviewer").post(f"/tasks/{review}/assign", {"username": "reviewer2", "comment": "请处理"}),
        ("/tasks/{task_id}/complete", "post"): lambda: api.as_("reviewer2").post(f"/tasks/{review}/complete", {"decision": "approve", "comment": "同意"}),
        ("/mentors", "get"): lambda: api.as_("section").get("/mentors?category=professional"),
    }
    for (path, method), call in calls.items():  # in this order: claim before complete
        r = call()
        assert r.status_code < 300, (path, r.get_json())
        check(spec, path, method, r)
    assert engine.instance(cancel_me)["status"] == "cancelled"
    done = flow.task(iid, "Task_Review", "completed")
    assert done["completed_by"] == "reviewer2" and done["outcome"] == "approve"
    trail = api.as_("reviewer").get(f"/instances/{iid}/history").get_json()["items"]
    assert any(e["action"] == "task_completed" and e["decision"] == "approve" and e["comment"] == "同意" for e in trail)


def test_errors_are_json_with_code_and_message(spec, api, flow, client):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    r = client.get("/api/v1/tasks")
    assert r.status_code == 401 and r.get_json()["code"] == "unauthorized"
    check(spec, "/tasks", "get", r)
    r = client.get("/api/v1/tasks", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = api.as_("other_reviewer").get(f"/tasks/{review}")  # outside the county: not found
    assert r.status_code == 404 and r.get_json()["code"] == "not_found" and r.get_json()["message"]
    check(spec, "/tasks/{task_id}", "get", r)
    r = api.as_("section").post(f"/tasks/{review}/claim")  # may read, may not act
    assert r.status_code == 403 and r.get_json()["code"] == "forbidden"
    check(spec, "/tasks/{task_id}/claim", "post", r)
    r = api.as_("reviewer").post(f"/tasks/{review}/complete", {"data": {"decision": "maybe"}})
    assert r.status_code == 422 and r.get_json()["errors"] == [{"field": "decision", "code": "enum", "message": "请从给定选项中选择"}]
    check(spec, "/tasks/{task_id}/complete", "post", r)
    r = api.as_("reviewer").post(f"/tasks/{review}/complete", {"decision": "publish"})   # not a choice of this form
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "decision"
    r = api.as_("reviewer").post(f"/tasks/{review}/complete", {"data": {"nope": 1}})
    assert r.status_code == 422 and {"field": "nope", "code": "unknown_field"} in [
        {k: e[k] for k in ("field", "code")} for e in r.get_json()["errors"]]
    r = api.as_("reviewer").get("/tasks?box=started")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "box"
    check(spec, "/tasks", "get", r)
    r = api.as_("mentor").get("/mentors")
    assert r.status_code == 403
    check(spec, "/mentors", "get", r)
    r = api.as_("reviewer").post("/instances", {"process_key": "approval", "data": {"unit_id": "hongshan", "years": 1}})
    assert r.status_code == 403  # reviewers do not nominate
    check(spec, "/instances", "post", r)
    r = api.as_("submitter").post("/instances", {"process_key": "approval", "data": {"unit_id": "songshan", "years": 1}})
    assert r.status_code == 403 and "本人负责的范围" in r.get_json()["message"]
    r = api.as_("submitter").post("/instances", {"process_key": "nope", "data": {"unit_id": "hongshan"}})
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    check(spec, "/instances", "post", r)
    r = api.as_("reviewer").post(f"/instances/{iid}/cancel", {"reason": "x"})
    assert r.status_code == 403


def test_api_uses_the_inbox_scopes(api, flow):
    flow.at_review()
    assert api.as_("reviewer").get("/tasks?box=group").get_json()["total"] == 1
    assert api.as_("other_reviewer").get("/tasks?box=group").get_json()["total"] == 0
    assert api.as_("expert1").get("/tasks?box=group").get_json()["total"] == 0


def test_api_does_not_need_csrf_but_pages_do(api, flow, client):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    assert api.as_("reviewer").post(f"/tasks/{review}/claim").status_code == 200


def test_concurrent_completion_gives_409(api, flow, engine):
    iid = flow.at_experts()
    expert_tasks = [t for t in instance_tasks(engine, iid) if t["element_id"] == "Task_Experts" and t["state"] == "open"]
    target = next(t for t in expert_tasks if t["assignee"] == "expert1")
    results = []
    barrier = threading.Barrier(4)

    def go():
        barrier.wait()
        r = api.as_("expert1").post(f"/tasks/{target['id']}/complete", {"data": {"opinion": "yes"}})
        results.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=go) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    statuses = sorted(s for s, _ in results)
    assert statuses.count(200) == 1 and statuses.count(409) == 3, results
    assert all(body["code"] == "conflict" for s, body in results if s == 409)


def test_api_ignores_the_session_cookie(auth, client, flow):
    iid = flow.at_review()
    auth.login("reviewer")  # a browser session is not an API credential
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.post(f"/api/v1/tasks/{flow.task(iid)['id']}/claim").status_code == 401


def test_queries_are_strict(api, flow):
    flow.at_review()
    reviewer = api.as_("reviewer")
    for url, field, code in [("/tasks?per_page=-5", "per_page", "minimum"), ("/tasks?per_page=1000", "per_page", "maximum"),
                             ("/tasks?page=abc", "page", "type"), ("/tasks?batch=2014", "batch", "unknown_field"),
                             ("/tasks?round_id=abc", "round_id", "type"), ("/mentors?round=abc", "round", "unknown_field"),
                             ("/mentors?year=abc", "year", "type"), ("/tasks?box=", "box", "enum")]:
        r = api.as_("section").get(url) if url.startswith("/mentors") else reviewer.get(url)
        assert r.status_code == 422, (url, r.get_json())
        assert {"field": field, "code": code} in [{k: e[k] for k in ("field", "code")} for e in r.get_json()["errors"]], url
    assert reviewer.get("/tasks?box=group&per_page=1").get_json()["per_page"] == 1


def test_errors_speak_english_when_asked(api, client, api_tokens):
    r = client.get("/api/v1/tasks?per_page=-5", headers={"Authorization": f"Bearer {api_tokens['reviewer']}",
                                                           "Accept-Language": "en"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["message"] == "Must not be less than 1"


def test_a_token_for_name_and_password_throttled_like_the_login(client, people):
    r = client.post("/api/v1/tokens", json={"username": "reviewer", "password": "Peidai#2014", "name": "人事系统"})
    assert r.status_code == 201, r.get_json()
    token = r.get_json()["token"]
    me = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/tokens", headers=me).get_json()["items"]
    assert [t["name"] for t in listed] == ["人事系统"] and "token" not in listed[0]
    assert client.get("/api/v1/tasks", headers=me).status_code == 200
    for _ in range(5):
        assert client.post("/api/v1/tokens", json={"username": "reviewer2", "password": "wrong"}).status_code == 401
    r = client.post("/api/v1/tokens", json={"username": "reviewer2", "password": "Peidai#2014"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and r.get_json()["code"] == "too_many_requests"
    assert client.delete(f"/api/v1/tokens/{listed[0]['id']}", headers=me).status_code == 204
    assert client.get("/api/v1/tasks", headers=me).status_code == 401          # revoked


def test_a_returned_form_is_resubmitted_with_only_what_changes(api, flow, engine):
    """Where the model keeps a step's fields when it opens again (keepFields), a resubmission
    gives only what changes; without keepFields the whole form is required."""
    iid = flow.start()
    fill = flow.task(iid, "Task_Fill")["id"]
    r = api.as_("submitter").post(f"/tasks/{fill}/complete", {"data": {"unit": "红山区"}})
    assert r.status_code == 422 and r.get_json()["errors"] == [
        {"field": "name", "code": "required", "message": "此项为必填项"}]
    task = api.as_("submitter").get(f"/tasks/{fill}").get_json()
    assert task["decision_field"] is None and task["decisions"] == []


def test_one_decision_vocabulary_is_mapped_to_every_programme_form():
    """The decision field is found in each form of bpmn/ (the model), not in a table of names."""
    import json

    from peidai.settings import PROJECT_ROOT
    from webapp.api import decisions
    expected = {"application": ("action", ("submit", "withdraw")), "unit_review": ("unit_decision", ("approve", "return", "reject")),
                "agreement_confirm": ("agreement_decision", ("confirm", "return")),
                "expert_opinion": ("opinion.vote", ("agree", "disagree", "abstain")), "sign_list": ("sign_list", ("sign",)),
                "publish_list": ("publish", ("publish",)), "assessment": ("result", ("qualified", "unqualified")),
                "assessment_confirm": ("final_result", ("qualified", "unqualified")),
                "benefit_decision": ("benefit_decision", ("approve", "decline")), "round_manage": ("round_action", ("extend", "close"))}
    found = {}
    for path in sorted((PROJECT_ROOT / "bpmn" / "forms").glob("*.schema.json")):
        field = decisions.field_of(json.loads(path.read_text(encoding="utf-8")))
        if field.path:
            found[path.name.removesuffix(".schema.json")] = (field.name, field.choices)
    present = {k: v for k, v in expected.items() if (PROJECT_ROOT / "bpmn" / "forms" / f"{k}.schema.json").exists()}
    assert {k: v for k, v in found.items() if k in present} == present   # the models change; those here must map
    sign = decisions.field_of(json.loads((PROJECT_ROOT / "bpmn/forms/sign_list.schema.json").read_text(encoding="utf-8")))
    assert decisions.form_value(sign, "approve") == "sign" and decisions.set_path({}, sign.path, "sign") == {"sign_list": "sign"}
    vote = decisions.field_of(json.loads((PROJECT_ROOT / "bpmn/forms/expert_opinion.schema.json").read_text(encoding="utf-8")))
    assert (decisions.form_value(vote, "reject"), vote.comment_name) == ("disagree", "opinion.comment")
    with pytest.raises(KeyError):
        decisions.form_value(vote, "return")
