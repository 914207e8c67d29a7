"""Strict input everywhere (issue 15 point 5) and time only on a virtual clock (point 6), checked
over every operation of the document: an undocumented query parameter is 422 (also where an
operation takes none), paging is validated, answers are UTF-8 JSON without escapes, and the
programme clock moves only when the system runs on a virtual clock."""
from __future__ import annotations

import re

import pytest

from engine.clock import SystemClock

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def url_of(path: str) -> str:
    return "/api/v1" + re.sub(r"\{\w+\}", lambda m: "K7Q4-M2XD" if m.group(0) == "{code}" else "1", path)


def call(client, token, method, url, json=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(url, method=method.upper(), json=json, headers=headers)


def test_an_undocumented_query_parameter_is_422_on_every_operation(client, spec, api_tokens, clock):
    before = clock.now()
    checked = 0
    for path, method, op in operations(spec):
        token = None if op.get("security") == [] else api_tokens["admin"]
        r = call(client, token, method, url_of(path) + "?bogus_param=1&page_size=5", {} if method != "get" else None)
        body = r.get_json()
        assert r.status_code == 422, (method, path, r.status_code, body)
        fields = {(e["field"], e["code"]) for e in body["errors"]}
        assert {("bogus_param", "unknown_field"), ("page_size", "unknown_field")} <= fields, (method, path, body)
        assert all(re.search("[\u4e00-\u9fff]", e["message"]) for e in body["errors"])
        assert "422" in op["responses"], (method, path)
        checked += 1
    assert checked > 40 and clock.now() == before                               # POST /clock?bogus moved nothing


def test_an_undocumented_query_parameter_changes_nothing(client, api_tokens, people):
    r = call(client, api_tokens["reviewer"], "get", "/api/v1/tokens")
    [mine] = r.get_json()["items"]
    assert call(client, api_tokens["reviewer"], "delete", f"/api/v1/tokens/{mine['id']}?force=1").status_code == 422
    assert call(client, api_tokens["reviewer"], "get", "/api/v1/tokens").get_json()["items"][0]["revoked_at"] is None


@pytest.mark.parametrize("query, field, code", [
    ("per_page=0", "per_page", "minimum"), ("per_page=-5", "per_page", "minimum"), ("per_page=101", "per_page", "maximum"),
    ("per_page=abc", "per_page", "type"), ("per_page=1.5", "per_page", "type"), ("per_page=", "per_page", "type"),
    ("page=0", "page", "minimum"), ("page=-1", "page", "minimum"), ("page=100001", "page", "maximum"),
    ("page=1e3", "page", "type"), ("page=%EF%BC%91", "page", "type"), ("page=99999999999999999999999", "page", "maximum"),
])
def test_paging_is_validated_on_every_paged_list(client, spec, api_tokens, query, field, code):
    paged = [(path, method) for path, method, op in operations(spec)
             if any(p.get("name") == "per_page" for p in op.get("parameters", []))]
    assert len(paged) >= 8, paged
    for path, method in paged:
        r = call(client, api_tokens["section"], method, f"{url_of(path)}?{query}")
        assert r.status_code == 422, (path, query, r.status_code)
        assert (field, code) in {(e["field"], e["code"]) for e in r.get_json()["errors"]}, (path, query, r.get_json())


def test_every_answer_is_utf8_json_without_escapes(client, spec, api_tokens, people):
    checked = 0
    for path, method, op in operations(spec):
        if method != "get":
            continue
        for token in (api_tokens["section"], None):
            r = call(client, token, method, url_of(path))
            if not r.is_json:
                continue
            text = r.get_data(as_text=True)
            assert r.mimetype == "application/json" and "\\u" not in text, (path, text[:200])
            r.get_data().decode("utf-8")
            if r.status_code >= 400:
                assert re.search("[\u4e00-\u9fff]", r.get_json()["message"]), (path, r.get_json())
            checked += 1
    assert checked > 40


def test_the_clock_moves_only_on_a_virtual_clock(client, system, api_tokens, monkeypatch):
    admin = api_tokens["admin"]
    assert call(client, admin, "get", "/api/v1/clock").get_json()["virtual"] is True
    monkeypatch.setattr(system, "clock", SystemClock())                         # production: the real clock
    state = call(client, admin, "get", "/api/v1/clock").get_json()
    assert state["virtual"] is False
    for body in ({"advance_days": 1}, {"to": "2099-01-01T00:00:00+08:00"}, {}):
        r = call(client, admin, "post", "/api/v1/clock", body)
        assert r.status_code == 409 and r.get_json()["code"] == "not_virtual", r.get_json()
        assert r.get_json()["message"] == "系统使用真实时钟，不能拨动（仅试运行和测试环境可用）"


@pytest.mark.parametrize("body, field", [
    ({"advance_days": -1}, "advance_days"), ({"advance_days": 3661}, "advance_days"), ({"advance_days": "1"}, "advance_days"),
    ({"to": "2014-07-01T09:00:00"}, "to"), ({"to": "2014-07-01"}, "to"), ({"to": "明天"}, "to"),
    ({"to": "2000-01-01T00:00:00+08:00"}, "to"), ({"to": None}, "to"), ({"now": "2015-01-01T00:00:00+08:00"}, "now"),
])
def test_a_wrong_or_hostile_clock_move_is_422_and_moves_nothing(client, api_tokens, clock, body, field):
    before = clock.now()
    r = call(client, api_tokens["admin"], "post", "/api/v1/clock", body)
    assert r.status_code == 422 and field in {e["field"] for e in r.get_json()["errors"]}, r.get_json()
    assert clock.now() == before


def test_only_an_administrator_moves_the_virtual_clock(client, api_tokens, clock):
    before = clock.now()
    for user in ("section", "director", "reviewer", "expert1"):
        r = call(client, api_tokens[user], "post", "/api/v1/clock", {"advance_days": 30})
        assert r.status_code == 403, r.get_json()                               # no admin scope, or not an administrator
    r = call(client, api_tokens["section"], "post", "/api/v1/clock", {"advance_days": 30})
    assert r.get_json()["message"] == "只有系统管理员可以拨动程序时钟"
    assert call(client, None, "post", "/api/v1/clock", {"advance_days": 30}).status_code == 401
    assert clock.now() == before
    moved = call(client, api_tokens["admin"], "post", "/api/v1/clock", {"advance_days": 30}).get_json()
    assert (moved["now"] and clock.now() - before).days == 30
