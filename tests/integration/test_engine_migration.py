"""Migrating instances while a call activity runs, and refusals that name steps as people know them."""
from __future__ import annotations

import pytest

from engine import migration
from engine.queries import instance_tasks
from tests.admin.conftest import ADMIN

CALL_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_call" targetNamespace="http://peidai.example/bpmn">
  <bpmn:process id="outer" name="外层流程" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="startRoles" value="unit_submitter" /><spiffworkflow:property name="startForm" value="forms/start.schema.json" /></spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:laneSet id="LaneSet_outer">
      <bpmn:lane id="Lane_Outer" name="单位申报人">
        <bpmn:flowNodeRef>Start_Outer</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Call_Inner</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_After</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_Outer</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="Start_Outer"><bpmn:outgoing>O1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="O1" sourceRef="Start_Outer" targetRef="Call_Inner" />
    <bpmn:callActivity id="Call_Inner" name="内层办理" calledElement="inner">
      <bpmn:incoming>O1</bpmn:incoming>
      <bpmn:outgoing>O2</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="O2" sourceRef="Call_Inner" targetRef="Task_After" />
    <bpmn:userTask id="Task_After" name="后续确认">
      <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="form" value="forms/review.schema.json" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>O2</bpmn:incoming>
      <bpmn:outgoing>O3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="O3" sourceRef="Task_After" targetRef="End_Outer" />
    <bpmn:endEvent id="End_Outer"><bpmn:incoming>O3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
  <bpmn:process id="inner" name="内层流程" isExecutable="true">
    <bpmn:laneSet id="LaneSet_inner">
      <bpmn:lane id="Lane_Inner" name="单位申报人">
        <bpmn:flowNodeRef>Start_Inner</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_Inner</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Timer_Inner</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_Inner</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_Late</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="Start_Inner"><bpmn:outgoing>I1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="I1" sourceRef="Start_Inner" targetRef="Task_Inner" />
    <bpmn:userTask id="Task_Inner" name="内层填报">
      <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="form" value="forms/review.schema.json" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>I1</bpmn:incoming>
      <bpmn:outgoing>I2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="Timer_Inner" name="逾期" attachedToRef="Task_Inner">
      <bpmn:outgoing>I3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerDef_Inner"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'P30D'</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="I2" sourceRef="Task_Inner" targetRef="End_Inner" />
    <bpmn:sequenceFlow id="I3" sourceRef="Timer_Inner" targetRef="End_Late" />
    <bpmn:endEvent id="End_Inner"><bpmn:incoming>I2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="End_Late"><bpmn:incoming>I3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""

NOTICE = """    <bpmn:sequenceFlow id="O2" sourceRef="Call_Inner" targetRef="Task_Notice" />
    <bpmn:userTask id="Task_Notice" name="公示">
      <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="form" value="forms/review.schema.json" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>O2</bpmn:incoming>
      <bpmn:outgoing>O2b</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="O2b" sourceRef="Task_Notice" targetRef="Task_After" />"""


def with_notice_after_call(text: str) -> str:
    """The outer process with a 公示 step between the call activity and the step after it."""
    out = text.replace('    <bpmn:sequenceFlow id="O2" sourceRef="Call_Inner" targetRef="Task_After" />', NOTICE)
    out = out.replace("<bpmn:incoming>O2</bpmn:incoming>\n      <bpmn:outgoing>O3</bpmn:outgoing>",
                      "<bpmn:incoming>O2b</bpmn:incoming>\n      <bpmn:outgoing>O3</bpmn:outgoing>")
    out = out.replace("<bpmn:flowNodeRef>Task_After</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>Task_Notice</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>Task_After</bpmn:flowNodeRef>")
    assert out.count("Task_Notice") == 4
    return out


FINAL = """    <bpmn:sequenceFlow id="O3" sourceRef="Task_After" targetRef="Task_Final" />
    <bpmn:userTask id="Task_Final" name="归档">
      <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="form" value="forms/review.schema.json" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>O3</bpmn:incoming>
      <bpmn:outgoing>O4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="O4" sourceRef="Task_Final" targetRef="End_Outer" />"""


def with_final_step(text: str) -> str:
    """The outer process with an 归档 step after the step that follows the call activity: the
    call activity itself is unchanged, only the path predicted beyond it differs."""
    out = text.replace('    <bpmn:sequenceFlow id="O3" sourceRef="Task_After" targetRef="End_Outer" />', FINAL)
    out = out.replace('<bpmn:endEvent id="End_Outer"><bpmn:incoming>O3</bpmn:incoming>',
                      '<bpmn:endEvent id="End_Outer"><bpmn:incoming>O4</bpmn:incoming>')
    out = out.replace("<bpmn:flowNodeRef>End_Outer</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>Task_Final</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>End_Outer</bpmn:flowNodeRef>")
    assert out.count("Task_Final") == 4
    return out


def without_inner_task(text: str) -> str:
    """The inner process without its user task (and so without the timer on it)."""
    start = text.index('    <bpmn:userTask id="Task_Inner"')
    end = text.index("</bpmn:boundaryEvent>", start) + len("</bpmn:boundaryEvent>")
    out = text[:start] + text[end:]
    out = out.replace('<bpmn:sequenceFlow id="I1" sourceRef="Start_Inner" targetRef="Task_Inner" />',
                      '<bpmn:sequenceFlow id="I1" sourceRef="Start_Inner" targetRef="End_Inner" />')
    out = out.replace('    <bpmn:sequenceFlow id="I2" sourceRef="Task_Inner" targetRef="End_Inner" />\n', "")
    out = out.replace('    <bpmn:sequenceFlow id="I3" sourceRef="Timer_Inner" targetRef="End_Late" />\n', "")
    out = out.replace('<bpmn:endEvent id="End_Inner"><bpmn:incoming>I2</bpmn:incoming>',
                      '<bpmn:endEvent id="End_Inner"><bpmn:incoming>I1</bpmn:incoming>')
    out = out.replace('    <bpmn:endEvent id="End_Late"><bpmn:incoming>I3</bpmn:incoming></bpmn:endEvent>\n', "")
    for ref in ("Task_Inner", "Timer_Inner", "End_Late"):
        out = out.replace(f"        <bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>\n", "")
    assert "Task_Inner" not in out
    return out


@pytest.fixture
def call_models(fixture_models):
    return {**fixture_models, "call.bpmn": CALL_MODEL}


@pytest.fixture
def submitter(add_user):
    return add_user("submitter", ("unit_submitter", "hongshan"))


def open_steps(engine, iid):
    return [t["element_id"] for t in instance_tasks(engine, iid) if t["state"] == "open"]


def complete(engine, iid, element, actor):
    task = next(t for t in instance_tasks(engine, iid) if t["state"] == "open" and t["element_id"] == element)
    engine.complete_task(task["id"], {"decision": "approve"}, actor)


START = {"unit_id": "hongshan", "category": "professional", "round_id": "2014", "title": "外层", "years": 1}


def test_step_added_after_a_running_call_activity_is_reached_after_migration(engine, call_models, submitter):
    engine.deploy(call_models, comment="v1")
    iid = engine.start("outer", START, submitter)
    assert open_steps(engine, iid) == ["Task_Inner"]
    v2 = engine.deploy({**call_models, "call.bpmn": with_notice_after_call(CALL_MODEL)}, comment="公示")["version"]

    rows = migration.migrate(engine, [iid], v2, ADMIN, comment="增加公示")
    assert rows[0]["migrated"], rows[0]["reason"]
    assert open_steps(engine, iid) == ["Task_Inner"]
    complete(engine, iid, "Task_Inner", submitter)
    assert open_steps(engine, iid) == ["Task_Notice"]  # the new step, not the old predicted path
    complete(engine, iid, "Task_Notice", submitter)
    complete(engine, iid, "Task_After", submitter)
    assert engine.instance(iid)["status"] == "completed"


def test_path_beyond_a_running_call_activity_is_predicted_from_the_new_version(engine, call_models, submitter):
    engine.deploy(call_models, comment="v1")
    iid = engine.start("outer", START, submitter)
    v2 = engine.deploy({**call_models, "call.bpmn": with_final_step(CALL_MODEL)}, comment="归档")["version"]

    assert migration.migrate(engine, [iid], v2, ADMIN)[0]["migrated"]
    complete(engine, iid, "Task_Inner", submitter)
    complete(engine, iid, "Task_After", submitter)
    assert open_steps(engine, iid) == ["Task_Final"]
    complete(engine, iid, "Task_Final", submitter)
    assert engine.instance(iid)["status"] == "completed"


def test_refusal_names_steps_in_chinese_without_the_library_helper_tasks(engine, call_models, submitter):
    engine.deploy(call_models, comment="v1")
    iid = engine.start("outer", START, submitter)
    v2 = engine.deploy({**call_models, "call.bpmn": without_inner_task(CALL_MODEL)}, comment="无内层填报")["version"]

    row = migration.preview(engine, [iid], v2)[0]
    assert not row["movable"]
    assert "内层填报" in row["reason"] and "删除" in row["reason"]
    for internal in ("Task_Inner", "BoundaryEventSplit", "BoundaryEventJoin", "Timer_Inner", "Call_Inner", "Start"):
        assert internal not in row["reason"]
    assert engine.instance(iid)["version_id"] != v2
