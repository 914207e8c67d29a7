"""Transfer (转办) and withdrawal (撤回) through /api/v1, under the review pages' rules: an expert
review goes only to an expert of the category who is not on this panel (issue 12 point 6)."""
from __future__ import annotations

import pytest

from engine.identity import upsert_user
from engine.queries import instance_tasks
from webapp.users import issue_token


@pytest.fixture
def api(client, api_tokens):
    def call(user, method, path, json=None):
        return client.open("/api/v1" + path, method=method, json=json,
                           headers={"Authorization": f"Bearer {api_tokens[user]}"})
    return call


@pytest.fixture
def expert4(engine, people, api_tokens):
    """A fourth expert of the category, not on the panel (expert1-3)."""
    with engine.unit_of_work() as s:
        upsert_user(s, "expert4", "钱专家", memberships=[("expert", "professional")])
    api_tokens["expert4"] = issue_token(engine, "expert4")
    return "expert4"


def review_of(engine, iid, expert):
    return next(t for t in instance_tasks(engine, iid)
                if t["element_id"] == "Task_Experts" and t["state"] == "open" and t["assignee"] == expert)


def only_error(r, field, code):
    body = r.get_json()
    assert r.status_code == 422 and body["code"] == "invalid_data", (r.status_code, body)
    [error] = body["errors"]
    assert (error["field"], error["code"]) == (field, code), error
    return error["message"]


def test_an_expert_review_is_not_transferred_to_a_panel_member(api, engine, flow, expert4):
    iid = flow.at_experts()
    task = review_of(engine, iid, "expert1")
    message = only_error(api("expert1", "POST", f"/tasks/{task['id']}/transfer", {"username": "expert2", "comment": "回避"}),
                         "username", "on_panel")
    assert message == "该专家已在本推荐的评审组中，只能转给本类别中未参加本推荐评审的专家"
    assert review_of(engine, iid, "expert1")["id"] == task["id"]                     # still the first expert's


def test_an_expert_review_is_not_transferred_outside_the_category(api, engine, flow, expert4):
    iid = flow.at_experts()
    task = review_of(engine, iid, "expert1")
    for who in ("rural_expert", "reviewer", "section"):
        message = only_error(api("expert1", "POST", f"/tasks/{task['id']}/transfer", {"username": who, "comment": "回避"}),
                             "username", "no_role")
        assert message == "该用户不具备办理此事项的角色或范围"
    assert review_of(engine, iid, "expert1")["id"] == task["id"]


def test_an_expert_review_goes_to_an_expert_of_the_category_off_the_panel(api, engine, flow, expert4):
    iid = flow.at_experts()
    task = review_of(engine, iid, "expert1")
    r = api("expert1", "POST", f"/tasks/{task['id']}/transfer", {"username": "expert4", "comment": "本人需回避"})
    assert r.status_code == 200 and r.get_json()["assignee"] == "expert4", r.get_json()
    assert review_of(engine, iid, "expert4")["id"] == task["id"]
    assert task["id"] not in [t["id"] for t in api("expert1", "GET", "/tasks?box=todo").get_json()["items"]]
    assert task["id"] in [t["id"] for t in api("expert4", "GET", "/tasks?box=todo").get_json()["items"]]
    unit = api("reviewer", "GET", f"/instances/{iid}/history").get_json()["items"]
    [moved] = [e for e in unit if e["action"] == "task_transferred"]
    assert moved["redacted"] and moved["actor"] is None and moved["data"] == {}     # the unit never learns who
    office = api("section", "GET", f"/instances/{iid}/history").get_json()["items"]
    [moved] = [e for e in office if e["action"] == "task_transferred"]
    assert moved["actor"] == "expert1" and moved["comment"] == "本人需回避"


def test_only_the_holder_transfers_and_never_to_oneself(api, engine, flow, expert4):
    iid = flow.at_experts()
    task = review_of(engine, iid, "expert1")
    assert api("expert2", "POST", f"/tasks/{task['id']}/transfer", {"username": "expert4", "comment": "代转"}).status_code == 404
    r = api("expert1", "POST", f"/tasks/{task['id']}/transfer", {"username": "expert1", "comment": "自己"})
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_data"
    assert review_of(engine, iid, "expert1")["id"] == task["id"]


@pytest.mark.parametrize("body, field", [
    ({"username": "expert4"}, "comment"),
    ({"username": "expert4", "comment": ""}, "comment"),
    ({"username": "expert4", "comment": "   \n\t"}, "comment"),
    ({"username": "expert4", "comment": "说明" * 1500}, "comment"),
    ({"comment": "回避"}, "username"),
    ({"username": "", "comment": "回避"}, "username"),
    ({"username": "x" * 81, "comment": "回避"}, "username"),
    ({"username": ["expert4"], "comment": "回避"}, "username"),
    ({"username": "expert4\x00", "comment": "回避"}, "username"),
    ({"username": "expert4", "comment": "回避", "assignee": "admin"}, "assignee"),
])
def test_a_wrong_or_hostile_transfer_is_422_and_changes_nothing(api, engine, flow, expert4, body, field):
    iid = flow.at_experts()
    task = review_of(engine, iid, "expert1")
    r = api("expert1", "POST", f"/tasks/{task['id']}/transfer", body)
    assert r.status_code == 422 and field in {e["field"] for e in r.get_json()["errors"]}, r.get_json()
    assert review_of(engine, iid, "expert1")["id"] == task["id"]


def test_a_unit_review_is_transferred_within_the_unit(api, engine, flow):
    iid = flow.at_review()
    task = flow.task(iid, "Task_Review")
    assert api("reviewer", "POST", f"/tasks/{task['id']}/claim").status_code == 200
    only_error(api("reviewer", "POST", f"/tasks/{task['id']}/transfer", {"username": "other_reviewer", "comment": "出差"}),
               "username", "no_role")
    only_error(api("reviewer", "POST", f"/tasks/{task['id']}/transfer", {"username": "nobody_here", "comment": "出差"}),
               "username", "unknown_user")
    r = api("reviewer", "POST", f"/tasks/{task['id']}/transfer", {"username": "reviewer2", "comment": "出差"})
    assert r.status_code == 200 and flow.task(iid, "Task_Review")["assignee"] == "reviewer2"


def test_one_takes_back_a_step_before_the_next_one_acts(api, engine, flow):
    iid = flow.start()
    fill = flow.task(iid, "Task_Fill")
    r = api("submitter", "POST", f"/tasks/{fill['id']}/complete", {"data": {"name": "张三"}})
    assert r.status_code == 200, r.get_json()
    assert api("reviewer", "POST", f"/tasks/{fill['id']}/withdraw", {}).status_code in (403, 404, 409)   # not theirs
    r = api("submitter", "POST", f"/tasks/{fill['id']}/withdraw", {"comment": "漏填材料"})
    assert r.status_code == 200 and r.get_json()["state"] == "open", r.get_json()
    assert flow.task(iid, "Task_Fill")["assignee"] == "submitter"
    assert not [t for t in instance_tasks(engine, iid) if t["element_id"] == "Task_Review" and t["state"] == "open"]
    r = api("submitter", "POST", f"/tasks/{fill['id']}/withdraw", {"comment": "again", "extra": 1})
    assert r.status_code == 422


def test_an_expert_review_is_not_assigned_to_a_panel_member(api, engine, flow, expert4):
    iid = flow.at_experts()
    task = review_of(engine, iid, "expert1")
    message = only_error(api("admin", "POST", f"/tasks/{task['id']}/assign", {"username": "expert3"}), "username", "on_panel")
    assert "评审组" in message and review_of(engine, iid, "expert1")["id"] == task["id"]
    r = api("admin", "POST", f"/tasks/{task['id']}/assign", {"username": "expert4", "comment": "回避"})
    assert r.status_code == 200 and review_of(engine, iid, "expert4")["id"] == task["id"], r.get_json()
