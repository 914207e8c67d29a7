"""Real worker processes (with their beats) on the embedded broker + SQLite and on Redis +
PostgreSQL, sharing the test's virtual clock through a file."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.queries import instance_tasks
from engine.tables import AuditEvent, OutboxMessage, Timer
from workflows.notifications.tables import Notification

from .conftest import UNITS, wait_for

DEADLINE = datetime.fromisoformat("2014-06-30T17:00:00+08:00")
FIRST, SECOND = DEADLINE - timedelta(days=30), DEADLINE - timedelta(days=7)


def notified(system, template=None) -> list[tuple[str, str]]:
    with system.sessions() as s:
        q = select(Notification.username, Notification.template).order_by(Notification.username)
        if template:
            q = q.where(Notification.template == template)
        return [tuple(r) for r in s.execute(q)]


def recipients(system, template) -> list[str]:
    return sorted(u for u, _ in notified(system, template))


def timer_due(system, instance_id):
    with system.sessions() as s:
        return s.scalar(select(Timer.due_at).where(Timer.instance_id == instance_id))


def delivered(system, key) -> bool:
    with system.sessions() as s:
        return s.scalar(select(OutboxMessage.status).where(OutboxMessage.idempotency_key == key)) == "delivered"


def canary(system, n):
    """A message the beat delivers: once it is delivered, the workers have swept at the current time."""
    key = f"canary:{n}"
    with system.engine.unit_of_work() as s:
        system.engine.outbox.emit(s, "notify", {"template": "urge", "users": ["admin"], "context": {}}, key)
    wait_for(lambda: delivered(system, key), message=f"canary {n} delivered")


def submit(system, people, unit):
    iid = system.engine.start("unit_submission", {"unit_id": unit, "round_id": "2014", "title": f"{unit}推荐"},
                              people[f"sub_{unit}"])
    task = next(t for t in instance_tasks(system.engine, iid) if t["state"] == "open")
    system.engine.complete_task(task["id"], {"decision": "approve"}, people[f"sub_{unit}"])
    return iid


def test_reminders_reach_exactly_the_units_that_have_not_submitted_once_with_two_workers_and_two_beats(
        stack, ssystem, stack_people, file_clock):
    people = stack_people
    rid = ssystem.engine.start("reminder_round", {
        "round_id": "2014", "units": list(UNITS), "deadline": DEADLINE.isoformat(),
        "remind_first": FIRST.isoformat(), "remind_second": SECOND.isoformat()})
    submit(ssystem, people, "hongshan")
    stack.start_worker()
    stack.start_worker()
    client = stack.client()

    # the day before the first offset: nothing but the canary
    assert timer_due(ssystem, rid) == FIRST
    file_clock.set(FIRST - timedelta(minutes=1))
    canary(ssystem, 1)
    assert recipients(ssystem, "deadline_reminder") == []

    # 30 days before: the two units that have not submitted, and only they
    file_clock.set(FIRST + timedelta(seconds=1))
    for _ in range(6):                      # more racers than the beats alone
        client.send_task("peidai.fire_due_timers")
    wait_for(lambda: len(recipients(ssystem, "deadline_reminder")) == 2, message="first reminders")
    assert recipients(ssystem, "deadline_reminder") == ["sub_ningcheng", "sub_songshan"]
    assert timer_due(ssystem, rid) == SECOND

    # songshan submits; 7 days before: ningcheng alone is reminded again
    submit(ssystem, people, "songshan")
    file_clock.set(SECOND - timedelta(minutes=1))
    canary(ssystem, 2)
    assert len(recipients(ssystem, "deadline_reminder")) == 2
    file_clock.set(SECOND + timedelta(seconds=1))
    wait_for(lambda: len(recipients(ssystem, "deadline_reminder")) == 3, message="second reminder")
    assert recipients(ssystem, "deadline_reminder") == ["sub_ningcheng", "sub_ningcheng", "sub_songshan"]

    # after the deadline: the talent section hears which unit is missing
    file_clock.set(DEADLINE + timedelta(seconds=1))
    wait_for(lambda: recipients(ssystem, "deadline_escalation"), message="escalation")
    wait_for(lambda: ssystem.engine.instance(rid)["status"] == "completed", message="round completed")
    canary(ssystem, 3)

    assert recipients(ssystem, "deadline_reminder") == ["sub_ningcheng", "sub_ningcheng", "sub_songshan"]
    assert recipients(ssystem, "deadline_escalation") == ["section"]
    with ssystem.sessions() as s:
        fired = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "timer_fired", AuditEvent.instance_id == rid))
        body = s.scalar(select(Notification.body).where(Notification.template == "deadline_escalation"))
    assert fired == 3
    assert "ningcheng" in body and "songshan" not in body
    # the reviewers were told about each submission, once
    assert recipients(ssystem, "task_assigned") == ["rev_hongshan", "rev_songshan"]


def test_worker_killed_mid_delivery_delivers_again_with_a_single_effect(stack, ssystem, stack_people, file_clock):
    stack.hang_file.touch()
    with ssystem.engine.unit_of_work() as s:
        ssystem.engine.outbox.emit(s, "test/slow_notify", {"template": "decision_result", "users": ["sub_hongshan", "section"],
                                                           "context": {"name": "张三", "outcome_label": "同意"}}, "slow:1")
    worker = stack.start_worker()
    wait_for(lambda: len(notified(ssystem, "decision_result")) == 2, message="effect written")
    stack.kill(worker)                                  # the deliverer is still running: no ack, no "delivered"
    with ssystem.sessions() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == "slow:1"))
    assert (row.status, row.attempts) == ("pending", 1)

    stack.hang_file.unlink()
    stack.start_worker()
    canary(ssystem, 1)                                  # the dead worker's lease still holds
    file_clock.advance(seconds=31)                      # ... and now its short lease (30 s) has run out
    wait_for(lambda: delivered(ssystem, "slow:1"), message="redelivery")
    with ssystem.sessions() as s:
        assert s.scalar(select(OutboxMessage.attempts).where(OutboxMessage.idempotency_key == "slow:1")) == 2
    assert notified(ssystem, "decision_result") == [("section", "decision_result"), ("sub_hongshan", "decision_result")]


@pytest.mark.parametrize("stack_name", ["redis"])
def test_with_redis_stopped_completions_commit_and_effects_arrive_when_it_is_back(stack, ssystem, stack_people,
                                                                                 private_redis):
    stack.broker_url = private_redis.url
    stack.start_worker()
    canary(ssystem, 1)
    private_redis.stop()
    with pytest.raises(Exception):
        stack.client().send_task("peidai.deliver_outbox")   # the broker is really gone

    instances = [submit(ssystem, stack_people, unit) for unit in UNITS]   # users keep working
    for iid in instances:
        assert [t["state"] for t in instance_tasks(ssystem.engine, iid)] == ["completed", "open"]
    with ssystem.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.topic == "notify")) >= 3

    private_redis.start()
    wait_for(lambda: recipients(ssystem, "task_assigned") == ["rev_hongshan", "rev_ningcheng", "rev_songshan"],
             timeout=180, message="delivery after redis returned")  # the worker reconnects with backoff
    assert ssystem.engine.outbox.counts()["pending"] == 0
