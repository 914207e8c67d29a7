"""Scopes of an access token (issue 15 point 2): read, act, admin, never wider than the user's
roles; a request whose token lacks the operation's scope is 403 in Chinese; every operation
names its scope in the document; tokens made before scopes existed keep their user's rights."""
from __future__ import annotations

import re

import pytest

from engine.identity import upsert_user

from .conftest import _HASH, PASSWORD


def new_token(client, username, scopes=None, expect=201):
    body = {"username": username, "password": PASSWORD, "name": "范围测试"}
    if scopes is not None:
        body["scopes"] = scopes
    r = client.post("/api/v1/tokens", json=body)
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def call(client, token, method, path, json=None):
    return client.open("/api/v1" + path, method=method, json=json, headers={"Authorization": f"Bearer {token}"})


def refused_for_scope(r, scope):
    body = r.get_json()
    assert r.status_code == 403 and body["code"] == "insufficient_scope", (r.status_code, body)
    assert f"（{scope}）" in body["message"] and "令牌" in body["message"]
    assert f'scope="{scope}"' in r.headers["WWW-Authenticate"]


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, op


def test_a_token_has_the_scopes_it_asked_for_and_lists_them(client, api_tokens):
    made = new_token(client, "reviewer", ["read"])
    assert made["scopes"] == ["read"]
    listed = call(client, made["token"], "GET", "/tokens").get_json()["items"]
    assert {t["id"]: t["scopes"] for t in listed}[made["id"]] == ["read"]
    legacy = call(client, api_tokens["reviewer"], "GET", "/tokens").get_json()["items"]
    assert [t["scopes"] for t in legacy if t["id"] != made["id"]] == [None]     # made before scopes: not limited


def test_without_scopes_a_token_gets_all_its_user_may_have(client, people):
    assert new_token(client, "section")["scopes"] == ["read", "act", "admin"]
    assert new_token(client, "admin")["scopes"] == ["read", "act", "admin"]
    assert new_token(client, "reviewer")["scopes"] == ["read", "act"]
    assert new_token(client, "director", ["act", "read", "read"])["scopes"] == ["read", "act"]   # ordered, once


def test_a_read_token_reads_but_cannot_act(client, engine, flow):
    iid = flow.at_review()
    token = new_token(client, "reviewer", ["read"])["token"]
    [task] = call(client, token, "GET", "/tasks?box=group").get_json()["items"]
    r = call(client, token, "POST", f"/tasks/{task['id']}/claim")
    refused_for_scope(r, "act")
    assert r.get_json()["message"].startswith("此令牌没有“办理（act）”权限")
    assert flow.task(iid, "Task_Review")["assignee"] is None                      # nothing happened
    act = new_token(client, "reviewer", ["act"])["token"]
    refused_for_scope(call(client, act, "GET", "/tasks?box=group"), "read")
    assert call(client, act, "POST", f"/tasks/{task['id']}/claim").status_code == 200


def test_opening_a_round_and_moving_the_clock_need_admin(client, people):
    section = new_token(client, "section", ["read", "act"])["token"]
    refused_for_scope(call(client, section, "POST", "/rounds", {"year": 2014}), "admin")
    admin = new_token(client, "admin", ["read", "act"])["token"]
    refused_for_scope(call(client, admin, "POST", "/clock", {"advance_days": 1}), "admin")
    assert call(client, admin, "GET", "/clock").status_code == 200
    full = new_token(client, "admin", ["admin"])["token"]
    assert call(client, full, "POST", "/clock", {"advance_days": 1}).status_code == 200


@pytest.mark.parametrize("user, asked, wider", [
    ("reviewer", ["admin"], "管理（admin）"),
    ("director", ["read", "admin"], "管理（admin）"),
    ("nobody", ["act"], "办理（act）"),
    ("nobody", ["read", "act", "admin"], "办理（act）、管理（admin）"),
])
def test_scopes_wider_than_the_user_are_refused(client, engine, people, user, asked, wider):
    with engine.unit_of_work() as s:
        upsert_user(s, "nobody", "无角色", password_hash=_HASH)
    before = call(client, new_token(client, user, ["read"])["token"], "GET", "/tokens").get_json()["items"]
    body = new_token(client, user, asked, expect=422)
    assert body["code"] == "invalid_data"
    [error] = body["errors"]
    assert (error["field"], error["code"]) == ("scopes", "too_wide")
    assert error["message"] == f"您的角色不允许令牌有以下权限：{wider}"
    after = call(client, new_token(client, user, ["read"])["token"], "GET", "/tokens").get_json()["items"]
    assert len(after) == len(before) + 1                                           # none made for the refused request


@pytest.mark.parametrize("scopes", [
    ["write"], ["READ"], ["read "], [], ["read", "act", "admin", "read"], [None], [1], [True], [["read"]],
    ["read\x00"], ["admin'; DROP TABLE api_tokens; --"], ["读"], ["x" * 5000], "read", "read act", {"read": True},
    None, 7,
])
def test_unknown_and_hostile_scopes_are_422(client, people, scopes):
    r = client.post("/api/v1/tokens", json={"username": "section", "password": PASSWORD, "scopes": scopes})
    body = r.get_json()
    assert r.status_code == 422 and body["code"] == "invalid_data", body
    assert all(e["field"].startswith("scopes") for e in body["errors"]), body
    assert all(re.search("[\u4e00-\u9fff]", e["message"]) for e in body["errors"]), body   # said in Chinese


def test_a_token_loses_a_scope_when_its_user_loses_the_role(client, engine, people):
    token = new_token(client, "section")["token"]
    with engine.unit_of_work() as s:
        upsert_user(s, "section", "陈科长", memberships=[("unit_reviewer", "hongshan")])
    refused_for_scope(call(client, token, "POST", "/rounds", {"year": 2014}), "admin")
    assert call(client, token, "GET", "/rounds").status_code == 200


def test_tokens_made_before_scopes_keep_their_users_rights(client, engine, flow, api_tokens):
    """api_tokens are made as the account page and older versions make them: no scopes stored."""
    flow.at_review()
    [task] = call(client, api_tokens["reviewer"], "GET", "/tasks?box=group").get_json()["items"]
    assert call(client, api_tokens["reviewer"], "POST", f"/tasks/{task['id']}/claim").status_code == 200
    assert call(client, api_tokens["admin"], "POST", "/clock", {"advance_days": 1}).status_code == 200
    assert call(client, api_tokens["section"], "POST", "/rounds", {"year": 1900}).status_code == 422   # past the scope check


def test_every_operation_names_its_scope_and_is_refused_without_it(client, spec, people):
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert "read" in scheme["description"] and "act" in scheme["description"] and "admin" in scheme["description"]
    tokens = {s: new_token(client, "admin", [w for w in ("read", "act", "admin") if w != s])["token"]
              for s in ("read", "act", "admin")}
    checked = 0
    for path, method, op in operations(spec):
        if op.get("security") == []:
            continue                                                            # public (tokens, verification)
        [[scheme_name, [scope]]] = [list(req.items())[0] for req in op["security"]]
        assert scheme_name == "bearerAuth" and scope in ("read", "act", "admin"), (path, method)
        assert scope == ("read" if method == "get" else "act") or op["operationId"] in ("openRound", "moveClock",
                                                                                 "setUserContacts", "revokeToken")
        assert "403" in op["responses"], (path, method)
        url = re.sub(r"\{\w+\}", lambda m: "K7Q4-M2XD" if m.group(0) == "{code}" else "1", path)
        refused_for_scope(call(client, tokens[scope], method.upper(), url, {} if method != "get" else None), scope)
        checked += 1
    assert checked > 40
