"""The engine's commands on a real database (SQLite and PostgreSQL)."""
from __future__ import annotations


import pytest
from sqlalchemy import func, select

from engine import Conflict, InvalidData, InvalidState, NotFound, PermissionDenied
from engine.queries import counts, inbox, instance_tasks, started
from engine.tables import AuditEvent, Timer

START = {"unit_id": "hongshan", "category": "professional", "round_id": "2014", "title": "张三的申请",
         "experts": ["e1", "e2", "e3"], "years": 3}


@pytest.fixture
def people(add_user):
    return {
        "sub": add_user("sub", ("unit_submitter", "hongshan")),
        "rev": add_user("rev", ("unit_reviewer", "hongshan")),
        "other_rev": add_user("other_rev", ("unit_reviewer", "songshan")),
        "rev2": add_user("rev2", ("unit_reviewer", "hongshan")),
        "e1": add_user("e1", ("expert", "professional")),
        "e2": add_user("e2", ("expert", "professional")),
        "e3": add_user("e3", ("expert", "professional")),
        "section": add_user("section", ("unit_reviewer", None)),
    }


def open_task(engine, instance_id, element_id=None):
    rows = [t for t in instance_tasks(engine, instance_id) if t["state"] == "open"]
    if element_id:
        rows = [t for t in rows if t["element_id"] == element_id]
    assert rows, f"no open task {element_id} in {instance_tasks(engine, instance_id)}"
    return rows[0]


def test_start_projects_first_human_task_with_role_scope_and_form(engine, deploy_fixture_models, people):
    iid = engine.start("approval", START, people["sub"])
    task = open_task(engine, iid)
    assert task["element_id"] == "Task_Fill"
    assert task["role"] == "unit_submitter"
    assert task["scope"] == "hongshan"
    assert task["form"] == "forms/fill.schema.json"
    assert (task["org_unit"], task["category"], task["batch"], task["title"]) == ("hongshan", "professional", "2014", "张三的申请")


def test_straight_through_approval_with_experts_and_three_years(engine, deploy_fixture_models, people, clock):
    iid = engine.start("approval", START, people["sub"])
    engine.complete_task(open_task(engine, iid)["id"], {"name": "张三"}, people["sub"])
    review = open_task(engine, iid, "Task_Review")
    assert review["due_at"] == clock.now().replace(day=29)  # dueIn P10D
    engine.complete_task(review["id"], {"decision": "approve"}, people["rev"], comment="同意")
    experts = [t for t in instance_tasks(engine, iid) if t["element_id"] == "Task_Experts" and t["state"] == "open"]
    assert sorted(t["assignee"] for t in experts) == ["e1", "e2", "e3"]
    for t in experts:
        engine.complete_task(t["id"], {"opinion": "yes"}, people[t["assignee"]])
    for year in range(3):
        assert engine.fire_due_timers()["fired"] == 0
        clock.advance(days=367)
        assert engine.fire_due_timers()["fired"] == 1
        engine.complete_task(open_task(engine, iid, "Task_Annual")["id"], {"decision": "approve"}, people["rev"])
    assert engine.instance(iid)["status"] == "completed"
    detail = engine.instance_detail(iid)
    assert detail["data"]["year"] == 3 and detail["data"]["passed"] is True
    with engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Timer)) == 0


def test_returned_application_goes_back_to_submitter_and_can_be_resubmitted(engine, deploy_fixture_models, people):
    iid = engine.start("approval", START, people["sub"])
    for round_ in range(3):
        engine.complete_task(open_task(engine, iid, "Task_Fill")["id"], {"name": f"张三{round_}"}, people["sub"])
        engine.complete_task(open_task(engine, iid, "Task_Review")["id"], {"decision": "return"}, people["rev"], comment="补充材料")
    assert open_task(engine, iid)["element_id"] == "Task_Fill"
    engine.complete_task(open_task(engine, iid, "Task_Fill")["id"], {"name": "张三"}, people["sub"])
    engine.complete_task(open_task(engine, iid, "Task_Review")["id"], {"decision": "reject"}, people["rev"])
    assert engine.instance(iid)["status"] == "completed"
    assert engine.instance_detail(iid)["elements"]["End_Rejected"] == "completed"


def test_reviewer_of_another_county_cannot_complete_or_claim(engine, deploy_fixture_models, people):
    iid = engine.start("approval", START, people["sub"])
    engine.complete_task(open_task(engine, iid)["id"], {"name": "张三"}, people["sub"])
    review = open_task(engine, iid, "Task_Review")
    with pytest.raises(PermissionDenied):
        engine.complete_task(review["id"], {"decision": "approve"}, people["other_rev"])
    with pytest.raises(PermissionDenied):
        engine.claim(review["id"], people["other_rev"])
    with pytest.raises(NotFound):
        engine.get_task(review["id"], people["other_rev"])
    assert inbox(engine, people["other_rev"], "group")[1] == 0
    assert inbox(engine, people["rev"], "group")[1] == 1
    assert inbox(engine, people["section"], "group")[1] == 1  # unscoped membership sees every county


def test_claim_unclaim_assign_transfer(engine, deploy_fixture_models, people):
    iid = engine.start("approval", START, people["sub"])
    engine.complete_task(open_task(engine, iid)["id"], {"name": "张三"}, people["sub"])
    tid = open_task(engine, iid, "Task_Review")["id"]
    engine.claim(tid, people["rev"])
    with pytest.raises(Conflict):
        engine.claim(tid, people["rev2"])
    with pytest.raises(PermissionDenied):
        engine.complete_task(tid, {"decision": "approve"}, people["rev2"])
    assert counts(engine, people["rev"]) == {"todo": 1, "group": 0}
    with pytest.raises(InvalidData):
        engine.transfer(tid, people["rev"], "rev2", "")
    with pytest.raises(InvalidData):
        engine.transfer(tid, people["rev"], "other_rev", "请代办")
    engine.transfer(tid, people["rev"], "rev2", "出差，请代办")
    assert engine.get_task(tid, people["rev2"])["assignee"] == "rev2"
    engine.unclaim(tid, people["rev2"])
    engine.assign(tid, people["section"], "rev", "请处理")
    engine.complete_task(tid, {"decision": "reject"}, people["rev"], comment="不符合条件", outcome="reject")
    done, total = inbox(engine, people["rev"], "done")
    assert total == 1 and done[0]["outcome"] == "reject"
    with engine.sessions() as s:
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.instance_id == iid).order_by(AuditEvent.id))]
    assert actions == ["instance_started", "task_completed", "task_claimed", "task_transferred", "task_unclaimed",
                       "task_assigned", "task_completed", "instance_completed"]
    assert started(engine, people["sub"])[1] == 1


def test_completed_task_cannot_be_completed_again(engine, deploy_fixture_models, people):
    iid = engine.start("approval", START, people["sub"])
    tid = open_task(engine, iid)["id"]
    engine.complete_task(tid, {"name": "张三"}, people["sub"])
    with pytest.raises(Conflict):
        engine.complete_task(tid, {"name": "李四"}, people["sub"])


def test_suspended_instance_refuses_commands_and_timers_until_resumed(engine, deploy_fixture_models, people, clock, add_user):
    admin = add_user("admin", ("admin", None))
    iid = engine.start("approval", START, people["sub"])
    tid = open_task(engine, iid)["id"]
    engine.suspend(iid, admin, "核查材料")
    with pytest.raises(InvalidState):
        engine.complete_task(tid, {"name": "张三"}, people["sub"])
    engine.resume(iid, admin)
    engine.complete_task(tid, {"name": "张三"}, people["sub"])
    with pytest.raises(InvalidData):
        engine.cancel(iid, admin, "")
    engine.cancel(iid, admin, "重复申报")
    assert engine.instance(iid)["status"] == "cancelled"
    assert [t["state"] for t in instance_tasks(engine, iid)] == ["completed", "cancelled"]


def test_bad_start_data_is_refused_and_nothing_is_written(engine, deploy_fixture_models, people):
    with pytest.raises(InvalidData):
        engine.start("approval", ["not", "a", "dict"], people["sub"])
    with pytest.raises(NotFound):
        engine.start("no_such_process", {}, people["sub"])
    # the multi-instance input is missing: the run fails and the whole start is rolled back
    iid = engine.start("approval", {k: v for k, v in START.items() if k != "experts"}, people["sub"])
    engine.complete_task(open_task(engine, iid)["id"], {"name": "张三"}, people["sub"])
    review = open_task(engine, iid, "Task_Review")
    with pytest.raises(InvalidState) as err:
        engine.complete_task(review["id"], {"decision": "approve"}, people["rev"])
    assert "Task_Experts" in err.value.message
    assert open_task(engine, iid, "Task_Review")["id"] == review["id"]  # still open, nothing half-written
    with engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task_completed")) == 1
