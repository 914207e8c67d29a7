"""Outside check of API details: the oversized body's message, visibility before the body, the
system's name in the history, and a read-only token revoking itself."""
from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_an_oversized_api_body_is_called_a_request_body_not_a_file(app, client, api_tokens):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    r = client.post("/api/v1/instances", data=b'{"x": "' + b"a" * 2048 + b'"}', content_type="application/json",
                    headers=bearer(api_tokens["submitter"]))
    body = r.get_json()
    assert r.status_code == 413 and body["code"] == "too_large"
    assert "请求内容过大" in body["message"] and "文件" not in body["message"]
    page = client.post("/login", data=b"a" * 2048, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413 and "上传的文件过大" in page.get_data(as_text=True)   # pages keep theirs


def test_the_english_api_says_request_body(app, client, api_tokens):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    r = client.post("/api/v1/instances", data=b'{"x": "' + b"a" * 2048 + b'"}', content_type="application/json",
                    headers=bearer(api_tokens["submitter"]) | {"Accept-Language": "en"})
    assert r.status_code == 413 and "file" not in r.get_json()["message"].lower()


BAD_BODIES = [  # (path, body that fails validation)
    ("/instances/{iid}/cancel", {}),
    ("/tasks/{tid}/complete", {"decision": 5}),
    ("/tasks/{tid}/assign", {}),
    ("/tasks/{tid}/transfer", {}),
    ("/tasks/{tid}/withdraw", {"comment": 5}),
]


@pytest.mark.parametrize("path, body", BAD_BODIES)
def test_a_record_out_of_scope_is_404_before_its_body_is_checked(client, api_tokens, flow, path, body):
    """A bad body sent to another unit's record answered 422, a good one 404: the scope is checked first."""
    iid = flow.at_review()
    tid = flow.task(iid, "Task_Review")["id"]
    url = "/api/v1" + path.format(iid=iid, tid=tid)
    r = client.post(url, json=body, headers=bearer(api_tokens["other_reviewer"]))
    assert r.status_code == 404 and r.get_json()["code"] == "not_found", (r.status_code, r.get_json())
    assert client.post(url, json=body, headers=bearer(api_tokens["section"])).status_code == 422   # one who sees it


def test_a_missing_record_is_404_before_its_body_is_checked(client, api_tokens, flow):
    flow.at_review()
    r = client.post("/api/v1/instances/99999/cancel", json={}, headers=bearer(api_tokens["section"]))
    assert r.status_code == 404


def test_history_names_the_system_in_the_readers_language(client, api_tokens, flow, engine, people):
    iid = flow.at_review()
    engine.cancel(iid, __import__("engine").SYSTEM_ACTOR, "截止时未报送")
    items = client.get(f"/api/v1/instances/{iid}/history", headers=bearer(api_tokens["section"])).get_json()["items"]
    system = [e for e in items if e["actor"] == "system"]
    assert system and {e["actor_name"] for e in system} == {"系统"}
    items = client.get(f"/api/v1/instances/{iid}/history",
                       headers=bearer(api_tokens["section"]) | {"Accept-Language": "en"}).get_json()["items"]
    assert {e["actor_name"] for e in items if e["actor"] == "system"} == {"System"}


def test_a_read_only_token_revokes_itself(client, people):
    made = client.post("/api/v1/tokens", json={"username": "reviewer", "password": PASSWORD, "scopes": ["read"]})
    assert made.status_code == 201
    token, token_id = made.get_json()["token"], made.get_json()["id"]
    assert client.post("/api/v1/instances", json={}, headers=bearer(token)).status_code == 403   # still read-only
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/tasks", headers=bearer(token)).status_code == 401
