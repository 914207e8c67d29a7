"""Persistence, the clock seam, timers, loops and the script sandbox."""
from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select, text

from engine import Conflict, InvalidState, LoopDepthError, ScriptSecurityError
from engine.queries import instance_tasks
from engine.spiff import check_script
from engine.tables import AuditEvent, Instance, OutboxMessage, Timer

from ..conftest import FIXTURES, make_system, read_models

START = {"unit_id": "u1", "category": "professional", "experts": ["e1", "e2"], "years": 3}


@pytest.fixture
def people(add_user):
    return {n: add_user(n, *m) for n, m in {
        "sub": [("unit_submitter", "u1")], "rev": [("unit_reviewer", "u1")],
        "e1": [("expert", "professional")], "e2": [("expert", "professional")]}.items()}


def drive(engine, clock, people, iid, *, restore_between_steps: bool):
    """Run the approval scenario to the end; optionally drop every cached workflow between steps."""
    def step():
        if restore_between_steps:
            engine.clear_cache()

    def open_(element):
        return [t for t in instance_tasks(engine, iid) if t["state"] == "open" and t["element_id"] == element]

    step(); engine.complete_task(open_("Task_Fill")[0]["id"], {"name": "张三", "unit": "红山区"}, people["sub"])
    step(); engine.complete_task(open_("Task_Review")[0]["id"], {"decision": "return"}, people["rev"])
    step(); engine.complete_task(open_("Task_Fill")[0]["id"], {"name": "张三", "unit": "红山区（已补充）"}, people["sub"])
    step(); engine.complete_task(open_("Task_Review")[0]["id"], {"decision": "approve"}, people["rev"])
    for t in sorted(open_("Task_Experts"), key=lambda t: t["assignee"]):
        step(); engine.complete_task(t["id"], {"opinion": "yes" if t["assignee"] == "e1" else "no"}, people[t["assignee"]])
    for _ in range(3):
        clock.advance(days=367)
        step(); assert engine.fire_due_timers()["fired"] == 1
        step(); engine.complete_task(open_("Task_Annual")[0]["id"], {"decision": "approve"}, people["rev"])
    return engine.instance_detail(iid)


def test_same_outcome_with_save_and_restore_between_every_step(system, clock, people, deploy_fixture_models, database, tmp_path):
    engine = system.engine
    a = engine.start("approval", START, people["sub"])
    straight = drive(engine, clock, people, a, restore_between_steps=False)
    clock.set(clock.now().replace(year=2014))
    b = engine.start("approval", START, people["sub"])
    restored = drive(engine, clock, people, b, restore_between_steps=True)
    assert straight["instance"]["status"] == restored["instance"]["status"] == "completed"
    assert straight["data"] == restored["data"]
    assert straight["elements"] == restored["elements"]
    assert straight["data"]["passed"] is False and straight["data"]["opinions"] == ["yes", "no"]


def test_state_is_text_and_reloads_without_data_loss(engine, people, deploy_fixture_models, database):
    iid = engine.start("approval", START, people["sub"])
    task = [t for t in instance_tasks(engine, iid) if t["state"] == "open"][0]
    engine.complete_task(task["id"], {"name": "张三", "unit": "红山区"}, people["sub"])
    expected = engine.instance_detail(iid)["data"]
    with engine.sessions() as s:
        stored = s.get(Instance, iid).state
        if database.backend == "postgresql":
            kind = s.scalar(text("select data_type from information_schema.columns where table_name='instances' and column_name='state'"))
            assert kind == "text"
    engine.clear_cache()
    assert engine.instance_detail(iid)["data"] == expected == {**START, "name": "张三", "unit": "红山区"}

    # What a key-reordering store (JSONB, sort_keys) does: tasks restored out of document order
    # rebuild their data from parents that are not there yet. This check would catch it.
    doc = json.loads(stored)
    doc["tasks"] = dict(reversed(list(doc["tasks"].items())))
    version = engine.models.load(engine.sessions(), 1)
    spec = version.specs["approval"]
    reordered = engine.runtime.load(json.dumps(doc), spec["spec"], spec["subprocess_specs"])
    assert engine.runtime.data(reordered) != expected


def test_timer_due_time_comes_from_the_engine_clock(engine, people, clock, deploy_fixture_models):
    iid = engine.start("approval", {**START, "experts": []}, people["sub"])
    engine.complete_task(instance_tasks(engine, iid)[0]["id"], {"name": "张三"}, people["sub"])
    review = [t for t in instance_tasks(engine, iid) if t["state"] == "open"][0]
    engine.complete_task(review["id"], {"decision": "approve"}, people["rev"])
    with engine.sessions() as s:
        due = s.scalar(select(Timer.due_at).where(Timer.instance_id == iid))
    assert due == clock.now().replace(year=2015)  # P1Y from 2014-05-19 on the virtual clock


def test_three_year_process_runs_on_a_virtual_clock(engine, people, clock, deploy_fixture_models):
    iid = engine.start("approval", START, people["sub"])
    detail = drive(engine, clock, people, iid, restore_between_steps=False)
    assert detail["data"]["year"] == 3
    assert clock.now().year == 2017


def test_concurrent_completions_give_one_success_and_one_conflict(database, clock, tmp_path, people, fixture_models):
    """Two engines (as two processes would) complete the same task from real threads."""
    first = make_system(database, clock, tmp_path / "a").engine
    second = make_system(database, clock, tmp_path / "b").engine
    first.deploy(fixture_models)
    iid = first.start("approval", START, people["sub"])
    tid = instance_tasks(first, iid)[0]["id"]
    if database.backend == "postgresql":
        # both load the same state before either saves, so the lock decides
        barrier = threading.Barrier(2, timeout=10)
        for eng in (first, second):
            original = eng.runtime.complete

            def complete(wf, uuid, data, _original=original):
                result = _original(wf, uuid, data)
                barrier.wait()
                return result
            eng.runtime.complete = complete
    outcomes = []

    def run(eng, name):
        try:
            eng.complete_task(tid, {"name": name}, people["sub"])
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=run, args=(e, n)) for e, n in ((first, "甲"), (second, "乙"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "ok"]
    with first.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task_completed")) == 1
        assert s.get(Instance, iid).lock_version == 3  # started (2), completed once (3)
    assert len([t for t in instance_tasks(first, iid) if t["element_id"] == "Task_Review"]) == 1


def test_two_sweeps_at_once_fire_each_timer_once(database, clock, tmp_path, people, fixture_models):
    engines = [make_system(database, clock, tmp_path / str(i)).engine for i in range(2)]
    engines[0].deploy(fixture_models)
    ids = []
    for _ in range(4):
        iid = engines[0].start("approval", {**START, "experts": []}, people["sub"])
        engines[0].complete_task(instance_tasks(engines[0], iid)[0]["id"], {"name": "张三"}, people["sub"])
        review = [t for t in instance_tasks(engines[0], iid) if t["state"] == "open"][0]
        engines[0].complete_task(review["id"], {"decision": "approve"}, people["rev"])
        ids.append(iid)
    clock.advance(days=400)
    results = []
    threads = [threading.Thread(target=lambda e=e: results.append(e.fire_due_timers())) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r["fired"] for r in results) == 4
    assert sum(r["errors"] for r in results) == 0
    with engines[0].sessions() as s:
        fired = s.execute(select(AuditEvent.instance_id, func.count()).where(AuditEvent.action == "timer_fired")
                          .group_by(AuditEvent.instance_id)).all()
    assert sorted(fired) == [(i, 1) for i in ids]
    for iid in ids:
        assert [t["element_id"] for t in instance_tasks(engines[0], iid) if t["state"] == "open"] == ["Task_Annual"]
    assert engines[1].fire_due_timers() == {"due": 0, "fired": 0, "skipped": 0, "errors": 0}


def test_deep_sequence_flow_loop_cannot_silently_complete(engine):
    engine.deploy(read_models(FIXTURES / "engine"))
    ok = engine.start("deep_loop", {"i": 0, "n": 50})
    assert engine.instance(ok)["status"] == "completed"
    with pytest.raises(LoopDepthError):
        engine.start("deep_loop", {"i": 0, "n": 700})
    with engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Instance)) == 1  # the refused start left nothing


@pytest.mark.parametrize("source, mode", [
    ("import os", "exec"), ("from os import path", "exec"), ("x.__class__", "eval"), ("open('/etc/passwd')", "eval"),
    ("__import__('os')", "eval"), ("getattr(x, 'y')", "eval"), ("().__class__.__bases__", "eval"),
    ("x._private", "eval"), ("eval('1')", "eval"), ("global y", "exec"), ("'__class__'", "eval"), ("1 +", "eval"),
])
def test_sandbox_refuses_escapes_with_a_clear_error(source, mode):
    with pytest.raises(ScriptSecurityError) as err:
        check_script(source, mode)
    assert "不允许" in err.value.message or "语法错误" in err.value.message


def test_sandbox_has_no_dangerous_builtins_at_run_time(engine):
    env = engine.runtime.environment
    assert env.evaluate("len(x) + sum([1, 2])", {"x": [1]}) == 4
    with pytest.raises(NameError):
        env.evaluate("print", {})
    with pytest.raises(NameError):
        env.evaluate("dir()", {})


def test_listener_outbox_rows_roll_back_with_a_failed_command(system, people, deploy_fixture_models):
    engine = system.engine
    engine.config.listeners.append(
        lambda ctx, event, payload: event == "task_created" and ctx.emit("test.rollback", {"task": payload["task_uuid"]}, f"test:{payload['task_uuid']}"))
    iid = engine.start("approval", {**START, "experts": None}, people["sub"])
    mine = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.topic == "test.rollback")
    with engine.sessions() as s:
        assert s.scalar(mine) == 1
    engine.complete_task(instance_tasks(engine, iid)[0]["id"], {"name": "张三"}, people["sub"])
    review = [t for t in instance_tasks(engine, iid) if t["state"] == "open"][0]
    with pytest.raises(InvalidState):
        engine.complete_task(review["id"], {"decision": "approve"}, people["rev"])  # experts is None: fails
    with engine.sessions() as s:
        assert s.scalar(mine) == 2  # nothing from the failed command
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task_completed")) == 1


def test_cached_task_fragments_serialize_exactly_like_a_fresh_dump(engine, people, clock, deploy_fixture_models):
    """The fragment cache may only ever skip work, never change what is stored."""
    fresh_dumps = []
    original = engine.runtime.dump

    def checked(wf, cache=None):
        text = original(wf, cache)
        fresh_dumps.append(text == original(wf, None))
        return text

    engine.runtime.dump = checked
    iid = engine.start("approval", START, people["sub"])
    drive(engine, clock, people, iid, restore_between_steps=False)
    assert len(fresh_dumps) > 10 and all(fresh_dumps)


def test_tasks_are_stored_exactly_as_the_librarys_own_converter_writes_them(engine, people, clock, deploy_fixture_models):
    """The codec builds each task's dict itself (the hot path of every save); the text must be the
    one the library's registry would write, at every save of a whole scenario."""
    from engine.spiff.serialization import WorkflowCodec
    library = WorkflowCodec()
    library._plain_tasks = False  # through the registry, as the library converts a task
    assert engine.runtime.codec._plain_tasks
    compared = []
    original = engine.runtime.dump

    def checked(wf, cache=None):
        text = original(wf, cache)
        compared.append(text == library.dump(wf, None))
        return text

    engine.runtime.dump = checked
    iid = engine.start("approval", START, people["sub"])
    drive(engine, clock, people, iid, restore_between_steps=False)
    assert len(compared) > 10 and all(compared)


def test_finished_yearly_subprocesses_are_pruned_but_shown_as_completed(engine, people, clock, deploy_fixture_models):
    iid = engine.start("approval", {**START, "years": 12}, people["sub"])
    engine.complete_task(instance_tasks(engine, iid)[0]["id"], {"name": "张三"}, people["sub"])
    review = [t for t in instance_tasks(engine, iid) if t["state"] == "open"][0]
    engine.complete_task(review["id"], {"decision": "approve"}, people["rev"])
    for t in [t for t in instance_tasks(engine, iid) if t["state"] == "open"]:
        engine.complete_task(t["id"], {"opinion": "yes"}, people[t["assignee"]])
    sizes = []
    for year in range(12):
        if year:
            assert engine.instance_detail(iid)["data"]["year"] == year  # the running subprocess's data
        clock.advance(days=367)
        assert engine.fire_due_timers()["fired"] == 1
        annual = [t for t in instance_tasks(engine, iid) if t["state"] == "open" and t["element_id"] == "Task_Annual"][0]
        engine.complete_task(annual["id"], {"decision": "approve"}, people["rev"])
        with engine.sessions() as s:
            state = json.loads(s.get(Instance, iid).state)
        assert len(state["subprocesses"]) <= 1  # only the running year is kept
        sizes.append(len(state["tasks"]))
    assert len(set(sizes[2:-1])) == 1, sizes  # the tree does not grow with the years
    detail = engine.instance_detail(iid)
    assert detail["instance"]["status"] == "completed" and detail["data"]["year"] == 12
    assert detail["elements"]["Timer_Year"] == detail["elements"]["Task_Annual"] == "completed"
