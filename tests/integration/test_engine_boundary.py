"""The engine never trusts its caller (DESIGN.md invariant 9): forms are contracts, starting a
process is a permission and a contract, each loop iteration starts clean, ids that cannot exist
are not found. On SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import SYSTEM_ACTOR, InvalidData, NotFound, PermissionDenied
from engine.queries import instance_tasks
from engine.tables import AuditEvent, Instance

START = {"unit_id": "hongshan", "category": "professional", "experts": ["e1"], "years": 2}


@pytest.fixture
def people(add_user):
    return {
        "sub": add_user("sub", ("unit_submitter", "hongshan")),
        "other_sub": add_user("other_sub", ("unit_submitter", "songshan")),
        "rev": add_user("rev", ("unit_reviewer", "hongshan")),
        "other_rev": add_user("other_rev", ("unit_reviewer", "songshan")),
        "e1": add_user("e1", ("expert", "professional")),
        "boss": add_user("boss", ("director", None)),
    }


def open_task(engine, iid, element):
    rows = [t for t in instance_tasks(engine, iid) if t["state"] == "open" and t["element_id"] == element]
    assert rows, instance_tasks(engine, iid)
    return rows[0]


def instances(engine) -> int:
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(Instance))


def audit_rows(engine) -> int:
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent))


# -------------------------------------------------------------- forms are contracts

def test_form_contract_refuses_a_property_the_form_does_not_declare(engine, deploy_fixture_models, people):
    iid = engine.start("approval", START, people["sub"])
    fill = open_task(engine, iid, "Task_Fill")
    before = audit_rows(engine)
    with pytest.raises(InvalidData) as err:
        engine.complete_task(fill["id"], {"name": "张三", "unit_id": "songshan"}, people["sub"])
    assert [e["field"] for e in err.value.details["errors"]] == ["unit_id"]
    assert err.value.details["errors"][0]["code"] == "unknown_field"
    assert "unit_id" in err.value.message and "表单中没有此项" in err.value.message
    assert open_task(engine, iid, "Task_Fill")["id"] == fill["id"]  # nothing happened
    assert audit_rows(engine) == before
    # the scope of the review cannot be moved to another unit through the completion
    engine.complete_task(fill["id"], {"name": "张三"}, people["sub"])
    assert open_task(engine, iid, "Task_Review")["scope"] == "hongshan"


def test_form_contract_reports_each_bad_field_with_a_chinese_message(engine, deploy_fixture_models, people):
    iid = engine.start("approval", START, people["sub"])
    fill = open_task(engine, iid, "Task_Fill")
    with pytest.raises(InvalidData) as err:
        engine.complete_task(fill["id"], {"name": "", "unit": 5}, people["sub"])
    by_field = {e["field"]: e for e in err.value.details["errors"]}
    assert by_field["name"]["code"] == "minLength"
    assert by_field["unit"]["code"] == "type" and by_field["unit"]["message"] == "格式不正确，应填写文字"
    with pytest.raises(InvalidData) as err:
        engine.complete_task(fill["id"], ["name"], people["sub"])
    with pytest.raises(InvalidData) as err:
        engine.complete_task(fill["id"], {}, people["sub"])
    assert err.value.details["errors"] == [{"field": "name", "code": "required", "params": {}, "message": "此项为必填项"}]


def test_form_contract_holds_for_every_caller_the_system_included(engine, deploy_fixture_models, people):
    iid = engine.start("approval", START, people["sub"])
    fill = open_task(engine, iid, "Task_Fill")
    engine.complete_task(fill["id"], {"name": "张三"}, people["sub"])
    review = open_task(engine, iid, "Task_Review")
    with pytest.raises(InvalidData):
        engine.complete_task(review["id"], {"decision": "maybe"}, people["rev"])
    with pytest.raises(InvalidData):
        engine.complete_task(review["id"], {"decision": "approve", "passed": True}, people["rev"])
    engine.complete_task(review["id"], {"decision": "approve"}, people["rev"])
    audit = engine.instance_detail(iid)["data"]
    assert "passed" not in audit or audit["passed"] is not True or audit.get("opinions")


# -------------------------------------------------------------- who may start what

def test_start_permission_only_declared_roles_may_start(engine, deploy_fixture_models, people):
    count = instances(engine)
    with pytest.raises(PermissionDenied) as err:
        engine.start("approval", START, people["rev"])
    assert "单位申报人" in err.value.message and err.value.details["reason"] == "role"
    assert instances(engine) == count


def test_start_permission_scope_comes_from_the_start_data(engine, deploy_fixture_models, people):
    count = instances(engine)
    with pytest.raises(PermissionDenied) as err:
        engine.start("approval", {**START, "unit_id": "songshan"}, people["sub"])
    assert err.value.details["reason"] == "scope"
    with pytest.raises(InvalidData):  # without the scope field: the start form requires it
        engine.start("approval", {k: v for k, v in START.items() if k != "unit_id"}, people["sub"])
    assert instances(engine) == count
    assert engine.start("approval", {**START, "unit_id": "songshan"}, people["other_sub"])


def test_start_contract_validates_start_data_and_refuses_unknown_properties(engine, deploy_fixture_models, people):
    count = instances(engine)
    for bad, field in (({**START, "years": "二〇二九"}, "years"), ({**START, "mentorship_id": 7}, "mentorship_id"),
                       ({**START, "years": 2 ** 70}, "years")):
        with pytest.raises(InvalidData) as err:
            engine.start("approval", bad, people["sub"])
        assert [e["field"] for e in err.value.details["errors"]] == [field]
    assert instances(engine) == count


def test_start_of_a_process_without_start_roles_is_refused_from_outside(engine, fixture_models, people):
    models = dict(fixture_models)
    models["approval.bpmn"] = models["approval.bpmn"].replace('name="startRoles" value="unit_submitter"',
                                                              'name="startRolesOff" value="unit_submitter"')
    engine.deploy(models)
    with pytest.raises(PermissionDenied) as err:
        engine.start("approval", START, people["sub"])
    assert err.value.details["reason"] == "not_startable" and "自动发起" in err.value.message
    assert engine.start("approval", START, SYSTEM_ACTOR)  # the programme itself still can


def test_start_of_an_unknown_process_is_not_found(engine, deploy_fixture_models, people):
    for key in ("no_such_process", "", None, 5):
        with pytest.raises(NotFound):
            engine.start(key, {}, people["sub"])


def test_start_roles_must_name_known_roles_and_the_start_form_must_exist(engine, fixture_models):
    models = dict(fixture_models)
    models["approval.bpmn"] = models["approval.bpmn"].replace('value="unit_submitter"', 'value="nobody"') \
        .replace("forms/start.schema.json", "forms/missing.schema.json")
    messages = [p.message for p in engine.validate_models(models)]
    assert any("nobody" in m for m in messages) and any("missing.schema.json" in m for m in messages)


def test_a_process_declared_not_cancellable_is_cancelled_only_by_the_system_or_an_administrator(
        engine, fixture_models, people, add_user):
    models = dict(fixture_models)
    models["approval.bpmn"] = models["approval.bpmn"].replace(
        '<spiffworkflow:property name="startRoles"', '<spiffworkflow:property name="cancellable" value="false" />'
        '<spiffworkflow:property name="startRoles"', 1)
    engine.deploy(models)
    admin = add_user("root", ("admin", None))
    iid = engine.start("approval", START, people["sub"])
    assert not engine.may_cancel(people["sub"], engine.instance(iid))
    with pytest.raises(PermissionDenied) as err:
        engine.cancel(iid, people["sub"], "不想要了")   # its own starter
    assert err.value.details["reason"] == "not_cancellable" and "不能手动取消" in err.value.message
    assert engine.instance(iid)["status"] == "running"
    assert engine.may_cancel(admin, engine.instance(iid))
    engine.cancel(iid, admin, "测试数据")
    other = engine.start("approval", START, people["sub"])
    engine.cancel(other, SYSTEM_ACTOR, "截止")
    assert engine.instance(iid)["status"] == engine.instance(other)["status"] == "cancelled"


def test_cancellable_must_be_true_or_false(engine, fixture_models):
    models = dict(fixture_models)
    models["approval.bpmn"] = models["approval.bpmn"].replace(
        '<spiffworkflow:property name="startRoles"', '<spiffworkflow:property name="cancellable" value="maybe" />'
        '<spiffworkflow:property name="startRoles"', 1)
    assert any("cancellable" in p.message and "maybe" in p.message for p in engine.validate_models(models))


# -------------------------------------------------------------- loop iterations start clean

@pytest.mark.parametrize("restore", [False, True], ids=["cached", "reloaded"])
def test_each_loop_iteration_starts_clean(engine, deploy_fixture_models, people, clock, restore):
    iid = engine.start("approval", START, people["sub"])
    engine.complete_task(open_task(engine, iid, "Task_Fill")["id"], {"name": "张三", "unit": "红山区"}, people["sub"])
    engine.complete_task(open_task(engine, iid, "Task_Review")["id"], {"decision": "return"}, people["rev"])
    if restore:
        engine.clear_cache()
    again = open_task(engine, iid, "Task_Fill")
    engine.clear_cache()
    data = engine.task_data(again["id"], people["sub"])
    assert "name" not in data and "unit" not in data  # the returned fill shows no stale answers
    engine.complete_task(again["id"], {"name": "张三"}, people["sub"])
    review = open_task(engine, iid, "Task_Review")
    assert "decision" not in engine.task_data(review["id"], people["rev"])  # not the previous "return"
    engine.complete_task(review["id"], {"decision": "approve"}, people["rev"])
    engine.complete_task(open_task(engine, iid, "Task_Experts")["id"], {"opinion": "yes"}, people["e1"])
    clock.advance(days=367)
    engine.fire_due_timers()
    engine.complete_task(open_task(engine, iid, "Task_Annual")["id"], {"decision": "approve"}, people["rev"])
    clock.advance(days=367)
    if restore:
        engine.clear_cache()
    engine.fire_due_timers()
    second = open_task(engine, iid, "Task_Annual")
    engine.clear_cache()
    assert "decision" not in engine.task_data(second["id"], people["rev"])


def test_keep_fields_carries_named_answers_into_the_next_iteration(engine, fixture_models, people):
    models = dict(fixture_models)
    models["approval.bpmn"] = models["approval.bpmn"].replace(
        '<spiffworkflow:property name="form" value="forms/fill.schema.json" />',
        '<spiffworkflow:property name="form" value="forms/fill.schema.json" /><spiffworkflow:property name="keepFields" value="name" />')
    assert 'name="keepFields"' in models["approval.bpmn"]
    engine.deploy(models)
    iid = engine.start("approval", START, people["sub"])
    engine.complete_task(open_task(engine, iid, "Task_Fill")["id"], {"name": "张三", "unit": "红山区"}, people["sub"])
    engine.complete_task(open_task(engine, iid, "Task_Review")["id"], {"decision": "return"}, people["rev"])
    engine.clear_cache()
    data = engine.task_data(open_task(engine, iid, "Task_Fill")["id"], people["sub"])
    assert data.get("name") == "张三" and "unit" not in data


def test_keep_fields_must_name_fields_of_the_form(engine, fixture_models):
    models = dict(fixture_models)
    models["approval.bpmn"] = models["approval.bpmn"].replace(
        '<spiffworkflow:property name="form" value="forms/fill.schema.json" />',
        '<spiffworkflow:property name="form" value="forms/fill.schema.json" /><spiffworkflow:property name="keepFields" value="nme" />')
    assert any("nme" in p.message for p in engine.validate_models(models))


# -------------------------------------------------------------- ids, scope, oversight

@pytest.mark.parametrize("bad", [2 ** 64, 2 ** 31, -1, 0, "99999999999999999999999", "abc", True, 1.5, None])
def test_ids_that_cannot_exist_are_not_found(engine, deploy_fixture_models, people, bad):
    with pytest.raises(NotFound):
        engine.complete_task(bad, {"name": "x"}, people["sub"])
    with pytest.raises(NotFound):
        engine.instance(bad)
    with pytest.raises(NotFound):
        engine.get_task(bad, people["sub"])


def test_oversight_roles_read_every_task_but_act_only_in_their_lanes(engine, deploy_fixture_models, people):
    engine.config.oversight_roles = frozenset({"director"})
    iid = engine.start("approval", START, people["sub"])
    fill = open_task(engine, iid, "Task_Fill")
    assert engine.get_task(fill["id"], people["boss"])["can_act"] is False
    with pytest.raises(NotFound):
        engine.get_task(fill["id"], people["other_rev"])
    with pytest.raises(PermissionDenied):
        engine.complete_task(fill["id"], {"name": "张三"}, people["boss"])
