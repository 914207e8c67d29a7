"""One read scope per request (``Engine.reading``) and a completion that answers what it did
(issue 16, point 3), on SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select

from engine.queries import audit_trail, inbox, instance_tasks
from engine.tables import HumanTask, Instance

START = {"unit_id": "hongshan", "category": "professional", "round_id": "2014", "title": "张三的申请",
         "experts": ["e1", "e2", "e3"], "years": 3}


@pytest.fixture
def people(add_user):
    return {"sub": add_user("sub", ("unit_submitter", "hongshan")),
            "rev": add_user("rev", ("unit_reviewer", "hongshan"))}


@pytest.fixture
def started(engine, deploy_fixture_models, people):
    return engine.start("approval", START, people["sub"])


@pytest.fixture
def checkouts(engine):
    """How many connections the engine takes from its pool."""
    bind = engine.sessions.kw["bind"]
    count = [0]

    def checkout(*_args):
        count[0] += 1
    event.listen(bind, "checkout", checkout)
    yield count
    event.remove(bind, "checkout", checkout)


def _fill(engine, iid):
    return next(t for t in instance_tasks(engine, iid) if t["state"] == "open")


def test_the_reads_of_a_scope_share_one_connection(engine, started, people, checkouts):
    task = _fill(engine, started)
    checkouts[0] = 0
    with engine.reading():
        engine.get_task(task["id"], people["sub"])
        engine.task_data(task["id"], people["sub"])
        engine.instance(started)
        engine.open_tasks(started)
        instance_tasks(engine, started)
        audit_trail(engine, started)
        inbox(engine, people["sub"], "todo")
        engine.form(1, task["form"])
        with engine.reading():   # a nested scope is the outer one
            engine.instance(started)
    assert checkouts[0] == 1


def test_a_read_after_a_command_in_the_same_scope_sees_the_command(engine, started, people):
    task = _fill(engine, started)
    with engine.reading():
        assert engine.get_task(task["id"], people["sub"])["state"] == "open"
        assert [t["element_id"] for t in engine.open_tasks(started)] == ["Task_Fill"]
        lock = engine.instance(started)["lock_version"]
        with engine.read_session() as s:   # an ORM object the scope's session loaded before the command
            assert s.get(HumanTask, task["id"]).state == "open"
        engine.complete_task(task["id"], {"name": "张三"}, people["sub"])
        assert engine.get_task(task["id"], people["sub"])["state"] == "completed"
        assert [t["element_id"] for t in engine.open_tasks(started)] == ["Task_Review"]
        assert [t["state"] for t in instance_tasks(engine, started)] == ["completed", "open"]
        with engine.read_session() as s:
            assert s.get(HumanTask, task["id"]).state == "completed"
        assert engine.instance(started)["lock_version"] == lock + 1


def test_a_scope_holds_no_transaction_or_lock_between_reads(engine, started, people):
    task = _fill(engine, started)
    with engine.reading():
        engine.get_task(task["id"], people["sub"])
        instance_tasks(engine, started)
        raw = engine._local.reads.conn.connection.driver_connection
        if engine.dialect == "sqlite":
            assert not raw.in_transaction
        else:
            assert raw.info.transaction_status == 0   # idle: no transaction open
        done = []
        # another thread writes the rows this scope read, without waiting for it
        writer = threading.Thread(target=lambda: done.append(
            engine.complete_task(task["id"], {"name": "张三"}, people["sub"])["instance_status"]))
        writer.start()
        writer.join(30)
        assert done == ["running"]
        assert [t["state"] for t in instance_tasks(engine, started)] == ["completed", "open"]


def test_a_failed_read_leaves_the_scope_usable(engine, started, people):
    from engine import NotFound
    with engine.reading():
        with pytest.raises(NotFound):
            engine.instance(started + 1000)
        assert engine.instance(started)["status"] == "running"


def test_completing_answers_the_status_the_tasks_and_the_callers_read(engine, started, people):
    task = _fill(engine, started)
    seen = {}

    def answer(ctx, done):
        seen.update(done)
        return ctx.session.scalar(select(Instance.status).where(Instance.id == ctx.instance_id))

    done = engine.complete_task(task["id"], {"name": "张三"}, people["sub"], answer=answer)
    assert (done["instance_id"], done["element_id"], done["task_uuid"]) == (started, "Task_Fill", task["task_uuid"])
    assert done["instance_status"] == "running" and done["process_key"] == "approval"
    assert done["answer"] == "running" and seen["instance_status"] == "running"
    assert done["tasks"] == instance_tasks(engine, started)
    assert [(t["element_id"], t["state"], t["completed_by"]) for t in done["tasks"]] == [
        ("Task_Fill", "completed", "sub"), ("Task_Review", "open", None)]


def test_completing_without_an_answer_keeps_the_old_keys(engine, started, people):
    done = engine.complete_task(_fill(engine, started)["id"], {"name": "张三"}, people["sub"])
    assert {"instance_id", "task_uuid", "element_id"} <= done.keys() and done["answer"] is None
    assert done["instance_status"] == "running" and done["tasks"] is None   # nothing read that nobody asked for
