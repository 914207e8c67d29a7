"""A timer due at a moment fires at that moment (issue 17 point 3): the sweep's query and the
library's own comparison both read ``due <= now``."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.queries import instance_tasks
from engine.tables import Timer

START = {"unit_id": "hongshan", "category": "professional", "round_id": "2014", "title": "张三的申请",
         "experts": ["e1"], "years": 1}


def open_task(engine, iid, element_id):
    return next(t for t in instance_tasks(engine, iid) if t["state"] == "open" and t["element_id"] == element_id)


def test_timer_due_at_nine_fires_at_nine_sharp_not_a_microsecond_before(engine, deploy_fixture_models, add_user, clock):
    sub = add_user("sub", ("unit_submitter", "hongshan"))
    rev = add_user("rev", ("unit_reviewer", "hongshan"))
    e1 = add_user("e1", ("expert", "professional"))
    iid = engine.start("approval", START, sub)
    engine.complete_task(open_task(engine, iid, "Task_Fill")["id"], {"name": "张三"}, sub)
    engine.complete_task(open_task(engine, iid, "Task_Review")["id"], {"decision": "approve"}, rev)
    engine.complete_task(open_task(engine, iid, "Task_Experts")["id"], {"opinion": "yes"}, e1)
    with engine.sessions() as s:
        [due] = s.scalars(select(Timer.due_at).where(Timer.instance_id == iid)).all()

    clock.set(due - timedelta(microseconds=1))
    assert engine.fire_due_timers() == {"due": 0, "fired": 0, "skipped": 0, "errors": 0}
    clock.set(due)
    assert engine.fire_due_timers()["fired"] == 1
    assert open_task(engine, iid, "Task_Annual")
    with engine.sessions() as s:
        assert s.scalars(select(Timer.due_at).where(Timer.instance_id == iid)).all() == []
