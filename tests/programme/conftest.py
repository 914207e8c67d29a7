"""Fixtures for the programme tests: the real models in ``bpmn/`` deployed on a migrated
database, the units and a user for every role, driven through the engine's service API.

``restore``-parametrised tests run a scenario straight through and again with the engine's
cache cleared before every command (each step reloads its instance from the database)."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.tables import OutboxMessage
from peidai.settings import PROJECT_ROOT
from workflows.driver import Driver, sample_application, sample_mentees

BPMN = PROJECT_ROOT / "bpmn"


def cst(text: str) -> datetime:
    """An Asia/Shanghai wall-clock time, e.g. ``cst('2014-07-01 09:00')``."""
    return datetime.fromisoformat(text.replace(" ", "T") + ("" if "+" in text else "+08:00"))


@pytest.fixture(params=[False, True], ids=["straight", "restore"])
def restore(request):
    return request.param


def _driver(system, restore_between_steps=False):
    d = Driver(system, restore=restore_between_steps)
    d.seed()
    d.deploy(BPMN)
    return d


@pytest.fixture
def sqlite_system(sqlite_database, clock, tmp_path):
    from tests.conftest import make_system
    return make_system(sqlite_database, clock, tmp_path)


@pytest.fixture
def system_sqlite(sqlite_system):
    return sqlite_system


@pytest.fixture
def programme(sqlite_system):
    """SQLite only; see ``programme_any`` for both databases."""
    return _driver(sqlite_system)


@pytest.fixture
def programme_restore(sqlite_system, restore):
    return _driver(sqlite_system, restore)


@pytest.fixture
def programme_any(system, restore):
    """Both databases (``backend``), straight through and with save/restore between steps."""
    return _driver(system, restore)


def refused(exc) -> dict[str, str]:
    """field -> code of the form errors an :class:`engine.InvalidData` carries (the form is the contract)."""
    return {e["field"]: e["code"] for e in exc.details.get("errors", [])}


def messages(system, template: str | None = None, topic: str = "notify") -> list[dict]:
    with system.engine.sessions() as s:
        rows = s.scalars(select(OutboxMessage.payload_json).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)).all()
    out = [json.loads(r) for r in rows]
    return [m for m in out if template is None or m.get("template") == template]


def open_round(d, year=2014, **data) -> tuple[int, int]:
    """Open a round; returns (round instance id, round id)."""
    iid = d.open_round(year, **data)
    return iid, d.engine.instance_detail(iid)["data"]["round_id"]


def submit(d, round_id, unit="hongshan", application=None, review=None) -> int:
    """Nominate, fill and let the unit approve; returns the nomination instance id."""
    iid = d.nominate(round_id, unit)
    d.complete(iid, "Task_Fill", application or sample_application())
    if review is not False:
        d.complete(iid, "Task_UnitReview", review or {"unit_decision": "approve", "conditions_attested": True})
    return iid


def committee(d, iid, votes=("agree",) * 5, score=85):
    """The experts of a nomination's review (``iid``: the nomination instance) vote; returns the review instance."""
    review = d.review_of(iid)
    tasks = d.open_tasks(review, "Task_ExpertReview")
    assert len(tasks) == len(votes), [t["assignee"] for t in tasks]
    for task, vote in zip(tasks, votes):
        d.complete(review, "Task_ExpertReview", {"opinion": {"vote": vote, "score": score, "comment": "意见"}}, task=task)
    return review


def sign(d, round_id, struck=None, order=None):
    """The talent section prepares the list and the director signs it (``struck``: nomination id -> reason)."""
    round_iid = d.round_instance(round_id)
    d.prepare_list(round_iid, order)
    d.sign_list(round_iid, struck)
    return round_iid


def appoint(d, round_id, unit="hongshan", name="张伟", **overrides) -> int:
    """A nomination all the way to the signed list and its certificate (the only one of its round;
    the clock must be before the deadline); returns its instance id."""
    iid = submit(d, round_id, unit, sample_application(name, **overrides))
    close(d, round_id)
    committee(d, iid)
    sign(d, round_id)
    return iid


def close(d, round_id):
    """Let the round's deadline pass (the timer sweep closes it and starts the committee's reviews)."""
    from datetime import timedelta

    from workflows import dates
    from workflows.tables import Round
    with d.engine.sessions() as s:
        deadline = s.get(Round, round_id).deadline
    d.fire(max(d.clock.now(), dates.at_local(dates.local_date(deadline) + timedelta(days=1))))   # 09:00 the next day


def agree_mentoring(d, mentoring_iid, period=3, mentees=None, mentor_user=None):
    d.complete(mentoring_iid, "Task_RegisterMentees", {"period_years": period, "mentees": mentees or sample_mentees()},
               user=mentor_user)
    d.complete(mentoring_iid, "Task_ConfirmAgreement", {"agreement_decision": "confirm"})


def assess_year(d, year_no, result="qualified", final=None, outstanding=False, mentorship_id=None):
    """Complete the unit's assessment and the talent section's confirmation of one year."""
    from workflows.tables import Assessment
    with d.engine.sessions() as s:
        q = select(Assessment).where(Assessment.year_no == year_no)
        if mentorship_id:
            q = q.where(Assessment.mentorship_id == mentorship_id)
        a = s.scalars(q).first()
    d.complete(a.instance_id, "Task_UnitAssessment", {"result": result, "report": "按联系书指标完成培带任务，成效明显。",
                                                      "outstanding": outstanding})
    d.complete(a.instance_id, "Task_ConfirmAssessment", {"final_result": final or result})
    return a.instance_id


def to_the_list(d, round_id, people=(("张伟", "hongshan"), ("王芳", "songshan"), ("李强", "cfu"))) -> list[int]:
    """Each ``(name, unit)`` nominated, approved by its unit and recommended by every expert, the
    round closed: ready for the talent section's list. Returns the nomination instances."""
    iids = [submit(d, round_id, unit, sample_application(name)) for name, unit in people]
    d.fire(cst("2014-07-01T09:00"))
    for iid in iids:
        d.vote(iid, "agree")
    return iids
