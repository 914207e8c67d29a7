"""Who gets a new task (workflows/roles.py): the person the model names, else the only holder of
the role in the task's scope (sole_holder roles), else the group queue (待认领)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine import Actor
from engine.context import EventContext
from engine.identity import upsert_user
from engine.queries import inbox
from engine.tasks import assign_sole_holder
from workflows.roles import ROLES

from .conftest import agree_mentoring, appoint, close, messages, open_round, submit


def _mentoring(d):
    from sqlalchemy import select

    from workflows.tables import Mentorship
    _, rid = open_round(d, 2014)
    appoint(d, rid, "hongshan")
    with d.engine.sessions() as s:
        return s.scalar(select(Mentorship.instance_id).order_by(Mentorship.id.desc()))


def test_mentors_own_steps_go_straight_to_the_mentor(programme):
    d = programme
    iid = _mentoring(d)
    register = d.open_tasks(iid, "Task_RegisterMentees")[0]
    assert (register["role"], register["assignee"]) == ("mentor", "mentor1")
    agree_mentoring(d, iid)
    plans = d.open_tasks(iid, "Task_TrainingPlan")
    assert len(plans) == 5 and {t["assignee"] for t in plans} == {"mentor1"}
    mentor = d.engine.actor_for("mentor1")
    todo, _ = inbox(d.engine, mentor, "todo", per_page=50)
    group, waiting = inbox(d.engine, mentor, "group")
    assert {t["id"] for t in plans} <= {t["id"] for t in todo}
    assert waiting == 0 and group == []


def test_a_unit_with_one_reviewer_gets_its_review_in_my_todo(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "songshan", review=False)
    review = d.open_tasks(iid, "Task_UnitReview")[0]
    assert review["assignee"] == "songshan_rev"
    assigned = [m for m in messages(d.system, "task_assigned") if m["context"]["task_uuid"] == review["task_uuid"]]
    assert [m["users"] for m in assigned] == [["songshan_rev"]]


def test_a_unit_with_two_reviewers_claims_its_review(programme):
    d = programme
    with d.engine.unit_of_work() as s:
        upsert_user(s, "songshan_rev2", "松山区审核人二", memberships=[("unit_reviewer", "songshan")])
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "songshan", review=False)
    review = d.open_tasks(iid, "Task_UnitReview")[0]
    assert review["assignee"] is None
    group, waiting = inbox(d.engine, d.engine.actor_for("songshan_rev2"), "group")
    assert waiting == 1 and group[0]["id"] == review["id"]


def test_a_holder_of_every_scope_counts_as_a_second_holder(programme):
    """A reviewer of all units (membership without scope) may take the task too: it waits."""
    d = programme
    with d.engine.unit_of_work() as s:
        upsert_user(s, "all_rev", "全市审核人", memberships=[("unit_reviewer", None)])
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "songshan", review=False)
    assert d.open_tasks(iid, "Task_UnitReview")[0]["assignee"] is None


def test_the_person_the_model_names_keeps_the_task(programme):
    """Expert reviews name their expert (the ``assignee`` property): one each, none waits."""
    assert not ROLES["expert"].sole_holder
    d = programme
    _, rid = open_round(d, 2014)
    iid = submit(d, rid, "hongshan")
    close(d, rid)
    tasks = d.open_tasks(d.review_of(iid), "Task_ExpertReview")
    assert len(tasks) == 5 and len({t["assignee"] for t in tasks}) == 5
    assert all(t["assignee"].startswith("expert_") for t in tasks)


@pytest.mark.parametrize("payload", [
    {"task_uuid": "x", "role": "no_such_role", "scope": "songshan"},               # unknown role
    {"task_uuid": "x", "role": "", "scope": None},                                  # no role at all
    {"task_uuid": "x", "role": "unit_reviewer", "scope": "songshan' OR '1'='1"},    # hostile scope: no holder
    {"task_uuid": "x", "role": "admin", "scope": None},                              # not a sole_holder role
    {"task_uuid": "x", "role": "unit_reviewer", "scope": "songshan", "assignee": "hongshan_rev"},  # named already
])
def test_listener_leaves_wrong_or_hostile_tasks_alone(programme, payload):
    d = programme
    before = dict(payload)
    with d.engine.unit_of_work() as s:
        ctx = EventContext(d.engine, s, None, Actor("system"), datetime(2014, 1, 1, tzinfo=timezone.utc))
        assign_sole_holder(ctx, "task_created", payload)
    assert payload == before


def test_listener_ignores_other_events(programme):
    d = programme
    payload = {"task_uuid": "x", "role": "unit_reviewer", "scope": "songshan"}
    with d.engine.unit_of_work() as s:
        ctx = EventContext(d.engine, s, None, Actor("system"), datetime(2014, 1, 1, tzinfo=timezone.utc))
        assign_sole_holder(ctx, "task_completed", payload)
    assert "assignee" not in payload
