"""The task page: server-rendered form, server-side validation in Chinese, approval actions."""
from __future__ import annotations

import html
import re

import pytest

from engine.queries import audit_trail, instance_tasks


def page(r) -> str:
    return html.unescape(r.get_data(as_text=True))


def field_error(text: str, name: str) -> str | None:
    m = re.search(rf'id="err-{re.escape(name)}">([^<]+)<', text)
    return m.group(1) if m else None


@pytest.fixture
def fill_task(flow, auth):
    iid = flow.start()
    auth.login("submitter")
    return flow.task(iid, "Task_Fill")["id"]


def test_form_is_rendered_from_the_json_schema(fill_task, client):
    text = page(client.get(f"/tasks/{fill_task}"))
    assert "填写申请" in text
    assert 'name="name"' in text and 'name="unit"' in text
    assert '<span class="req"' in text  # 姓名 is required


@pytest.mark.parametrize("form, field, message", [
    ({"name": ""}, "name", "此项为必填项"),
    ({"name": "   "}, "name", "此项为必填项"),
    ({}, "name", "此项为必填项"),
])
def test_fill_form_validation_messages_are_chinese(fill_task, auth, form, field, message):
    r = auth.post(f"/tasks/{fill_task}", {"_action": "submit", **form})
    assert r.status_code == 422
    assert field_error(page(r), field) == message


def test_entered_data_is_kept_when_the_form_has_errors(flow, auth, engine, deploy_fixture_models):
    # the review form: a comment typed before forgetting a required choice stays in the form
    iid = flow.at_review()
    auth.login("reviewer")
    review = flow.task(iid, "Task_Review")["id"]
    r = auth.post(f"/tasks/{review}", {"_action": "bogus", "comment": "材料不全，请补充"})
    assert r.status_code == 422
    assert "材料不全，请补充</textarea>" in page(r)
    assert "请选择审核结论" in page(r)


@pytest.mark.parametrize("schema, form, field, message", [
    ({"type": "object", "required": ["age"], "properties": {"age": {"type": "integer", "title": "年龄"}}}, {"age": "四十"}, "age", "格式不正确，应填写整数"),
    ({"type": "object", "properties": {"age": {"type": "integer", "maximum": 55}}}, {"age": "60"}, "age", "不能大于 55"),
    ({"type": "object", "properties": {"age": {"type": "integer", "minimum": 18}}}, {"age": "17"}, "age", "不能小于 18"),
    ({"type": "object", "properties": {"phone": {"type": "string", "pattern": "^1[0-9]{10}$"}}}, {"phone": "12345"}, "phone", "格式不正确"),
    ({"type": "object", "properties": {"born": {"type": "string", "format": "date"}}}, {"born": "1970-13-40"}, "born", "日期格式不正确，应为 年-月-日"),
    ({"type": "object", "properties": {"name": {"type": "string", "maxLength": 4}}}, {"name": "欧阳司马长空"}, "name", "最多填写 4 个字"),
    ({"type": "object", "properties": {"kind": {"type": "string", "enum": ["a", "b"]}}}, {"kind": "c"}, "kind", "请从给定选项中选择"),
    ({"type": "object", "required": ["edu"], "properties": {"edu": {"type": "object", "required": ["degree"], "properties": {"degree": {"type": "string"}}}}},
     {"edu.school": "x"}, "edu.degree", "此项为必填项"),
])
def test_schema_rules_give_chinese_messages(app, schema, form, field, message):
    from werkzeug.datastructures import MultiDict

    from webapp import schema_forms
    with app.test_request_context():
        data = schema_forms.coerce(schema, MultiDict(form))
        assert schema_forms.validate(schema, data).get(field) == message


def test_submit_then_review_approve_goes_to_the_experts(flow, auth, engine):
    iid = flow.start()
    auth.login("submitter")
    r = auth.post(f"/tasks/{flow.task(iid, 'Task_Fill')['id']}", {"_action": "submit", "name": "张三", "unit": "红山区医院"})
    assert r.status_code == 302
    auth.logout()
    auth.login("reviewer")
    review = flow.task(iid, "Task_Review")["id"]
    text = page(auth.client.get(f"/tasks/{review}"))
    assert "同意" in text and "退回修改" in text and "不同意" in text and "审批意见" in text
    r = auth.post(f"/tasks/{review}", {"_action": "approve", "comment": "同意推荐"})
    assert r.status_code == 302
    done = flow.task(iid, "Task_Review", "completed")
    assert done["outcome"] == "approve" and done["completed_by"] == "reviewer"
    trail = audit_trail(engine, iid)
    assert any(e["action"] == "task_completed" and e["comment"] == "同意推荐" and e["data"]["decision"] == "approve" for e in trail)


def test_return_for_revision_goes_back_to_the_unit(flow, auth):
    # whether an opinion is required is the form's rule (see test_programme_pages: the unit review)
    iid = flow.at_review()
    auth.login("reviewer")
    review = flow.task(iid, "Task_Review")["id"]
    assert auth.post(f"/tasks/{review}", {"_action": "return", "comment": "请补充获奖证书复印件"}).status_code == 302
    assert flow.task(iid, "Task_Fill")["state"] == "open"
    text = page(auth.client.get(f"/instances/{iid}"))
    assert "请补充获奖证书复印件" in text and "退回修改" in text


def test_completing_an_already_completed_task_is_a_conflict(flow, auth, engine, people):
    iid = flow.at_review()
    auth.login("reviewer")
    review = flow.task(iid, "Task_Review")["id"]
    auth.client.get(f"/tasks/{review}")
    engine.complete_task(review, {"decision": "approve"}, people["reviewer2"])  # a colleague was faster
    r = auth.post(f"/tasks/{review}", {"_action": "approve"})
    assert r.status_code in (403, 409)


def test_claim_then_unclaim_returns_task_to_group(flow, auth, client):
    iid = flow.at_review()
    auth.login("reviewer")
    review = flow.task(iid, "Task_Review")["id"]
    text = page(client.get("/inbox?box=group"))
    assert f'/tasks/{review}/claim' in text and "认领" in text
    assert auth.post(f"/tasks/{review}/claim").status_code == 302
    assert flow.task(iid, "Task_Review")["assignee"] == "reviewer"
    assert f'/tasks/{review}"' in page(client.get("/inbox?box=todo"))
    assert auth.post(f"/tasks/{review}/unclaim").status_code == 302
    assert flow.task(iid, "Task_Review")["assignee"] is None
    auth.logout()
    auth.login("reviewer2")
    assert auth.post(f"/tasks/{review}/unclaim").status_code == 403  # not hers


def test_transfer_to_colleague_of_same_unit(flow, auth, client):
    iid = flow.at_review()
    auth.login("reviewer")
    review = flow.task(iid, "Task_Review")["id"]
    auth.post(f"/tasks/{review}/claim")
    text = page(client.get(f"/tasks/{review}"))
    assert 'value="reviewer2"' in text and 'value="other_reviewer"' not in text  # same role and scope only
    auth.post(f"/tasks/{review}/transfer", {"username": "reviewer2", "comment": ""})
    assert flow.task(iid, "Task_Review")["assignee"] == "reviewer"  # a comment is required
    r = auth.post(f"/tasks/{review}/transfer", {"username": "other_reviewer", "comment": "请代办"})
    assert r.status_code == 302 and flow.task(iid, "Task_Review")["assignee"] == "reviewer"
    assert auth.post(f"/tasks/{review}/transfer", {"username": "reviewer2", "comment": "出差，请代办"}).status_code == 302
    assert flow.task(iid, "Task_Review")["assignee"] == "reviewer2"
    assert "出差，请代办" in page(client.get(f"/instances/{iid}"))


def test_withdraw_own_approval_while_next_step_has_not_acted(flow, auth, client, engine, people):
    iid = flow.at_review()
    auth.login("reviewer")
    review = flow.task(iid, "Task_Review")["id"]
    auth.post(f"/tasks/{review}", {"_action": "approve", "comment": "同意"})
    assert "撤回" in page(client.get(f"/tasks/{review}"))
    assert auth.post(f"/tasks/{review}/withdraw", {"comment": "意见有误"}).status_code == 302
    reopened = flow.task(iid, "Task_Review")
    assert reopened["id"] == review and reopened["assignee"] == "reviewer"
    assert not [t for t in instance_tasks(engine, iid) if t["element_id"] == "Task_Experts" and t["state"] == "open"]
    # approve again; once an expert acted, withdrawing is refused
    auth.post(f"/tasks/{review}", {"_action": "approve", "comment": "同意"})
    expert_task = flow.task(iid, "Task_Experts")
    engine.complete_task(expert_task["id"], {"opinion": "yes"}, people[expert_task["assignee"]])
    assert "撤回</button>" not in page(client.get(f"/tasks/{review}"))
    auth.post(f"/tasks/{review}/withdraw")
    assert flow.task(iid, "Task_Review", "completed")["id"] == review
    # someone else's completion cannot be withdrawn
    auth.logout()
    auth.login("reviewer2")
    assert auth.post(f"/tasks/{review}/withdraw").status_code in (302, 409)
    assert flow.task(iid, "Task_Review", "completed")["id"] == review


def test_urge_is_offered_only_when_the_worker_provides_it(flow, auth, client, monkeypatch, clock):
    from types import SimpleNamespace

    from webapp.blueprints import tasks as tasks_bp
    iid = flow.at_review()
    auth.login("submitter")
    review = flow.task(iid, "Task_Review")["id"]
    urged = []
    service = SimpleNamespace(urge=lambda engine, actor, task_id, comment="": urged.append((task_id, actor.username, comment)),
                              may_urge=lambda actor, task, admin_role="admin": task.started_by == actor.username)
    monkeypatch.setattr(tasks_bp, "urge_service", lambda: None)
    clock.advance(days=11)  # past the review's due date
    assert "催办" not in page(client.get(f"/instances/{iid}"))
    assert auth.post(f"/tasks/{review}/urge").status_code == 404
    monkeypatch.setattr(tasks_bp, "urge_service", lambda: service)
    assert "催办" in page(client.get(f"/instances/{iid}"))
    assert auth.post(f"/tasks/{review}/urge", {"comment": "请尽快审核"}).status_code == 302
    assert urged == [(review, "submitter", "请尽快审核")]


def test_urge_is_not_offered_before_the_due_date(flow, auth, client, monkeypatch):
    from types import SimpleNamespace

    from webapp.blueprints import tasks as tasks_bp
    iid = flow.at_review()
    auth.login("submitter")
    monkeypatch.setattr(tasks_bp, "urge_service", lambda: SimpleNamespace(urge=None))
    assert "催办</button>" not in page(client.get(f"/instances/{iid}"))


def test_inbox_marks_overdue_and_filters(flow, auth, client, clock):
    flow.at_review()
    flow.at_review(unit_id="hongshan", category="rural", title="李四的推荐申报")
    auth.login("reviewer")
    text = page(client.get("/inbox?box=group"))
    assert "张三的推荐申报" in text and "李四的推荐申报" in text and "已超期</span>" not in text
    clock.advance(days=11)  # the review is due in 10 days
    text = page(client.get("/inbox?box=group"))
    assert text.count("已超期</span>") == 2
    text = page(client.get("/inbox?box=group&category=rural"))
    assert "李四的推荐申报" in text and "张三的推荐申报" not in text
    assert "共 0 条" in page(client.get("/inbox?box=group&org_unit=songshan"))
    assert "共 2 条" in page(client.get("/inbox?box=group&overdue=1"))
    assert '<span class="badge badge-muted">2</span>' in text  # count in the navigation


def test_inbox_pages(flow, auth, client, app):
    app.config["PER_PAGE"] = 2
    for i in range(5):
        flow.at_review(title=f"推荐{i}")
    auth.login("reviewer")
    first = page(client.get("/inbox?box=group"))
    assert "第 1 / 3 页" in first and "推荐4" in first and "推荐0" not in first
    last = page(client.get("/inbox?box=group&page=3"))
    assert "推荐0" in last and "推荐4" not in last


def test_instance_page_has_diagram_and_timeline(flow, auth, client):
    iid = flow.at_experts()
    auth.login("section")
    text = page(client.get(f"/instances/{iid}"))
    assert 'id="diagram"' in text and "bpmn-navigated-viewer.production.min.js" in text
    assert '"Task_Review": "completed"' in text and '"Task_Experts": "active"' in text
    assert "同意推荐" in text and "李审核" in text
    assert "张三的推荐申报" in text
    xml = client.get(f"/instances/{iid}/diagram.bpmn")
    assert xml.status_code == 200 and b"Task_Review" in xml.data


def test_admin_assigns_a_task_to_a_reviewer_of_the_unit(flow, auth, client):
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")["id"]
    auth.login("reviewer")  # a scoped reviewer does not assign
    assert "分派说明" not in page(client.get(f"/tasks/{review}"))
    auth.logout()
    auth.login("admin")
    text = page(client.get(f"/tasks/{review}"))
    assert 'value="reviewer2"' in text and 'value="other_reviewer"' not in text
    assert auth.post(f"/tasks/{review}/assign", {"username": "reviewer2", "comment": "请处理"}).status_code == 302
    assert flow.task(iid, "Task_Review")["assignee"] == "reviewer2"
    r = auth.post(f"/tasks/{review}/assign", {"username": "other_reviewer"}, follow_redirects=True)
    assert "不具备办理此事项的角色或范围" in page(r)


def test_inbox_opens_on_the_unclaimed_queue_when_nothing_is_mine(flow, auth, client):
    flow.at_review()
    auth.login("reviewer")
    text = page(client.get("/inbox"))
    assert "<h1>待认领</h1>" in text and "张三的推荐申报" in text


def test_urge_is_not_offered_to_the_tasks_own_holder(flow, auth, client, monkeypatch, clock):
    """Outside check: the unit reviewer's own overdue assessment showed a 催办 button that only
    reminded the reviewer himself."""
    from types import SimpleNamespace

    from webapp.blueprints import tasks as tasks_bp
    iid = flow.at_review()
    review = flow.task(iid, "Task_Review")
    service = SimpleNamespace(urge=lambda *a, **k: None, may_urge=lambda actor, task, admin_role="admin": True)
    monkeypatch.setattr(tasks_bp, "urge_service", lambda: service)
    clock.advance(days=11)
    auth.login(review["assignee"] or "reviewer")
    if review["assignee"] is None:
        auth.post(f"/tasks/{review['id']}/claim")
    assert f'/tasks/{review["id"]}/urge' not in page(client.get(f"/tasks/{review['id']}"))
    auth.logout()
    auth.login("submitter")
    assert f'/tasks/{review["id"]}/urge' in page(client.get(f"/instances/{iid}"))
