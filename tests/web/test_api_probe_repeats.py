"""Probe findings: a query parameter given twice (``page=1&page=2``) and a JSON key given twice
were decided silently by the last one; the scheme name of ``Authorization: bearer …`` in lower
case was refused though it is case-insensitive. Now a repeat is refused (422, the field named) and
any case of Bearer is read."""
from __future__ import annotations

import pytest


@pytest.fixture
def api(programme_api):
    return programme_api.client, programme_api.bearer("section")["Authorization"][len("Bearer "):]


def test_a_query_parameter_given_twice_is_refused(api):
    client, token = api
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks?page=1", headers=auth).status_code == 200
    r = client.get("/api/v1/tasks?page=1&page=2", headers=auth)
    assert r.status_code == 422
    assert r.get_json()["errors"] == [{"field": "page", "code": "repeated", "message": "同一字段只能出现一次"}]
    r = client.get("/api/v1/tasks?page=1&page=2", headers=auth | {"Accept-Language": "en"})
    assert r.get_json()["errors"][0]["message"] == "A field may be given only once"


def test_a_json_key_given_twice_is_refused_and_nothing_is_written(api):
    client, token = api
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    r = client.post("/api/v1/rounds", data='{"year": 2014, "year": 2015}', headers=auth)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"] == [{"field": "year", "code": "repeated", "message": "同一字段只能出现一次"}]
    assert client.get("/api/v1/rounds", headers={"Authorization": f"Bearer {token}"}).get_json()["items"] == []
    assert client.post("/api/v1/rounds", data='{"year": 2014}', headers=auth).status_code == 201


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_read_in_any_case(api, scheme):
    client, token = api
    assert client.get("/api/v1/tasks", headers={"Authorization": f"{scheme} {token}"}).status_code == 200


def test_other_schemes_and_a_bad_token_are_still_refused(api):
    client, token = api
    for header in (f"Basic {token}", f"Bearer{token}", "bearer pd_not_a_token", f"Token {token}"):
        assert client.get("/api/v1/tasks", headers={"Authorization": header}).status_code == 401, header


def test_a_round_is_not_cancelled_through_the_api_and_the_refusal_says_why(programme_api):
    client, section = programme_api.client, programme_api.bearer("section")
    made = client.post("/api/v1/rounds", json={"year": 2014}, headers=section).get_json()
    iid = made["instance_id"]
    r = client.post(f"/api/v1/instances/{iid}/cancel", json={"reason": "重新开启"}, headers=section)
    assert r.status_code == 403
    assert r.get_json()["message"] == "“人才培带人评选”由系统按流程推进，不能手动取消；如确需取消，请联系系统管理员"
    r = client.post(f"/api/v1/instances/{iid}/cancel", json={"reason": "重新开启"}, headers=section | {"Accept-Language": "en"})
    assert "cannot be cancelled by hand" in r.get_json()["message"]
    assert client.get(f"/api/v1/instances/{iid}", headers=section).get_json()["status"] == "running"
