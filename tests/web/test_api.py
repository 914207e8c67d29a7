"""REST API /api/v1: every route of the OpenAPI document exists and answers as documented;
token authentication, scopes as in the UI, JSON errors, 409 on a concurrent completion."""
from __future__ import annotations

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
    schema = resp["content"]["application/json"]["schema"]
    return {"$defs": {}, "components": spec["components"], **schema}


def check(spec, path, method, r):
    """The status is documented for the route and the body matches its schema."""
    assert str(r.status_code) in spec["paths"][path][method]["responses"], (path, method, r.status_code, r.get_json())
    schema = response_schema(spec, path, method, r.status_code)
    errors = list(Draft202012Validator(schema).iter_errors(r.get_json()))
    assert not errors, (path, method, [e.message for e in errors])


def test_openapi_document_is_openapi_3_with_every_route(spec, app):
    assert spec["openapi"].startswith("3.")
    documented = {(path, m.upper()) for path, ops in spec["paths"].items() for m in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = rule.rule.removeprefix("/api/v1").replace("<bigint:", "{").replace("<int:", "{").replace(">", "}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed


def test_every_documented_route_answers_as_documented(spec, api, flow, engine):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    cancel_me = flow.at_review()
    calls = {
        ("/process-models", "get"): lambda: api.as_("reviewer").get("/process-models"),
        ("/instances", "post"): lambda: api.as_("submitter").post("/instances", {"process_key": "approval", "data": {
            "unit_id": "hongshan", "category": "professional", "round_id": "2014", "title": "API 申报", "experts": ["expert1"], "years": 1}}),
        ("/instances/{instance_id}", "get"): lambda: api.as_("reviewer").get(f"/instances/{iid}"),
        ("/instances/{instance_id}/cancel", "post"): lambda: api.as_("section").post(f"/instances/{cancel_me}/cancel", {"reason": "重复申报"}),
        ("/tasks", "get"): lambda: api.as_("reviewer").get("/tasks?box=group&category=professional&org_unit=hongshan&batch=2014&per_page=5"),
        ("/tasks/{task_id}", "get"): lambda: api.as_("reviewer").get(f"/tasks/{review}"),
        ("/tasks/{task_id}/claim", "post"): lambda: api.as_("reviewer").post(f"/tasks/{review}/claim"),
        ("/tasks/{task_id}/unclaim", "post"): lambda: api.as_("reviewer").post(f"/tasks/{review}/unclaim"),
        ("/tasks/{task_id}/assign", "post"): lambda: api.as_("reviewer").post(f"/tasks/{review}/assign", {"username": "reviewer2", "comment": "请处理"}),
        ("/tasks/{task_id}/complete", "post"): lambda: api.as_("reviewer2").post(f"/tasks/{review}/complete", {"data": {"decision": "approve"}, "comment": "同意"}),
        ("/mentors", "get"): lambda: api.as_("section").get("/mentors?category=professional"),
    }
    assert set(calls) == {(p, m) for p, ops in spec["paths"].items() for m in ops}
    for (path, method), call in calls.items():  # in document order: claim before complete
        r = call()
        assert r.status_code < 300, (path, r.get_json())
        check(spec, path, method, r)
    assert engine.instance(cancel_me)["status"] == "cancelled"
    assert flow.task(iid, "Task_Review", "completed")["completed_by"] == "reviewer2"


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
