"""Moving running instances between versions: what may move, what is refused and why."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import InvalidState, migration
from engine.queries import instance_tasks
from engine.tables import AuditEvent, Timer

from .conftest import ADMIN, START, with_notice


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The engine's commands run on both databases."""
    return request.param


def open_element(engine, iid):
    return [t["element_id"] for t in instance_tasks(engine, iid) if t["state"] == "open"]


def complete(engine, iid, element, data, actor):
    task = next(t for t in instance_tasks(engine, iid) if t["state"] == "open" and t["element_id"] == element)
    engine.complete_task(task["id"], data, actor)


def test_instance_stays_on_its_version_until_migrated_then_passes_the_new_step(engine, fixture_models, staff):
    v1 = engine.deploy(fixture_models, comment="v1")["version"]
    old = engine.start("approval", START, staff["submitter"])
    v2 = engine.deploy(with_notice(fixture_models), comment="公示")["version"]
    new = engine.start("approval", START, staff["submitter"])
    assert (engine.instance(old)["version_id"], engine.instance(new)["version_id"]) == (v1, v2)

    rows = migration.preview(engine, [old], v2)
    assert rows[0]["movable"], rows[0]["reason"]
    done = migration.migrate(engine, [old], v2, ADMIN, comment="增加公示环节")
    assert done[0]["migrated"] and engine.instance(old)["version_id"] == v2
    assert open_element(engine, old) == ["Task_Fill"]  # the open task is the same one, still open
    complete(engine, old, "Task_Fill", {"name": "张三"}, staff["submitter"])
    complete(engine, old, "Task_Review", {"decision": "approve"}, staff["reviewer"])
    assert open_element(engine, old) == ["Task_Notice"]
    with engine.sessions() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "instance_migrated"))
    assert (event.actor, event.instance_id, event.comment) == ("admin", old, "增加公示环节")


def test_migration_that_would_drop_a_started_task_is_refused(engine, fixture_models, staff):
    engine.deploy(fixture_models, comment="v1")
    iid = engine.start("approval", START, staff["submitter"])
    complete(engine, iid, "Task_Fill", {"name": "张三"}, staff["submitter"])
    assert open_element(engine, iid) == ["Task_Review"]
    # v2 drops the unit review: the review is open in the reviewer's inbox
    text = fixture_models["approval.bpmn"]
    start_, end_ = text.index('<bpmn:userTask id="Task_Review"'), text.index("</bpmn:userTask>", text.index('<bpmn:userTask id="Task_Review"'))
    text = text[:start_] + text[end_ + len("</bpmn:userTask>"):]
    text = text.replace('<bpmn:flowNodeRef>Task_Review</bpmn:flowNodeRef>', '')
    text = text.replace('<bpmn:sequenceFlow id="F2" sourceRef="Task_Fill" targetRef="Task_Review" />', '')
    text = text.replace('<bpmn:sequenceFlow id="F3" sourceRef="Task_Review" targetRef="Gateway_Decision" />',
                        '<bpmn:sequenceFlow id="F3" sourceRef="Task_Fill" targetRef="Gateway_Decision" />')
    text = text.replace("<bpmn:outgoing>F2</bpmn:outgoing>", "<bpmn:outgoing>F3</bpmn:outgoing>")
    v2 = engine.deploy({**fixture_models, "approval.bpmn": text}, comment="无单位审核")["version"]
    before = engine.instance(iid)

    rows = migration.migrate(engine, [iid], v2, ADMIN)
    assert not rows[0]["migrated"]
    # steps by their names in the model (issue 17), never by element id
    assert "待办理的环节「单位审核」在目标版本中被删除" in rows[0]["reason"]
    assert "已完成的环节「填写申请」在目标版本中被修改（流出路径）" in rows[0]["reason"]  # its outgoing flow changed
    assert "Task_" not in rows[0]["reason"]
    after = engine.instance(iid)
    assert (after["version_id"], after["lock_version"]) == (before["version_id"], before["lock_version"])
    assert open_element(engine, iid) == ["Task_Review"]
    with pytest.raises(InvalidState, match="单位审核"):  # the engine command re-checks on its own
        engine.migrate_instance(iid, v2, ADMIN, migration.blocking_reason)


def test_completed_step_that_changed_blocks_but_later_change_does_not(engine, fixture_models, staff):
    engine.deploy(fixture_models)
    at_fill = engine.start("approval", START, staff["submitter"])
    past_review = engine.start("approval", START, staff["submitter"])
    complete(engine, past_review, "Task_Fill", {"name": "李四"}, staff["submitter"])
    complete(engine, past_review, "Task_Review", {"decision": "approve"}, staff["reviewer"])
    v2 = engine.deploy(with_notice(fixture_models))["version"]
    rows = {r["instance_id"]: r for r in migration.preview(engine, [at_fill, past_review], v2)}
    assert rows[at_fill]["movable"]
    assert not rows[past_review]["movable"] and "「单位审核」" in rows[past_review]["reason"]


def test_waiting_timer_keeps_its_due_time_when_a_later_step_changes(engine, fixture_models, staff, clock):
    engine.deploy(fixture_models)
    iid = engine.start("approval", START, staff["submitter"])
    complete(engine, iid, "Task_Fill", {"name": "张三"}, staff["submitter"])
    complete(engine, iid, "Task_Review", {"decision": "approve"}, staff["reviewer"])
    complete(engine, iid, "Task_Experts", {"opinion": "yes"}, staff["expert1"])
    with engine.sessions() as s:
        due = s.execute(select(Timer.element_id, Timer.due_at).where(Timer.instance_id == iid)).all()
    assert [e for e, _ in due] == ["Timer_Year"]
    clock.advance(days=30)
    v2 = engine.deploy({**fixture_models, "approval.bpmn": fixture_models["approval.bpmn"].replace(
        'name="年度确认"', 'name="年度确认（含述职）"')})["version"]
    rows = migration.migrate(engine, [iid], v2, ADMIN)
    assert rows[0]["migrated"], rows[0]["reason"]
    with engine.sessions() as s:
        assert s.execute(select(Timer.element_id, Timer.due_at).where(Timer.instance_id == iid)).all() == due
    clock.set(due[0][1] + timedelta(minutes=1))
    engine.fire_due_timers()
    annual = [t for t in instance_tasks(engine, iid) if t["state"] == "open"]
    assert [(t["element_id"], t["name"]) for t in annual] == [("Task_Annual", "年度确认（含述职）")]


def test_open_multi_instance_tasks_stay_the_same_tasks_after_migration(engine, fixture_models, staff, add_user):
    experts = [add_user(f"e{i}", ("expert", "professional")) for i in range(3)]
    engine.deploy(fixture_models)
    iid = engine.start("approval", START | {"experts": ["e0", "e1", "e2"]}, staff["submitter"])
    complete(engine, iid, "Task_Fill", {"name": "张三"}, staff["submitter"])
    complete(engine, iid, "Task_Review", {"decision": "approve"}, staff["reviewer"])
    first = next(t for t in instance_tasks(engine, iid) if t["state"] == "open" and t["assignee"] == "e0")
    engine.complete_task(first["id"], {"opinion": "yes"}, experts[0])
    before = sorted((t["task_uuid"], t["assignee"]) for t in instance_tasks(engine, iid) if t["state"] == "open")
    v2 = engine.deploy({**fixture_models, "approval.bpmn": fixture_models["approval.bpmn"].replace(
        'name="年度确认"', 'name="年度确认（含述职）"')})["version"]
    assert migration.migrate(engine, [iid], v2, ADMIN)[0]["migrated"]
    after = sorted((t["task_uuid"], t["assignee"]) for t in instance_tasks(engine, iid) if t["state"] == "open")
    assert after == before and sorted(a for _, a in after) == ["e1", "e2"]
    for uuid, name in after:
        engine.complete_task(next(t["id"] for t in instance_tasks(engine, iid) if t["task_uuid"] == uuid),
                             {"opinion": "yes"}, experts[int(name[1])])
    assert engine.instance_detail(iid)["data"]["passed"] is True
