"""The outbox service in one process: claim, deliver, back off, incident, retry, dismiss —
on SQLite and PostgreSQL, with threads racing for the same messages."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import Actor, InvalidData, InvalidState, NotFound
from engine.outbox import RetryPolicy, Undeliverable
from engine.tables import AuditEvent, OutboxMessage

from .conftest import wait_for
from .support import Flaky

ADMIN = Actor("admin", frozenset({("admin", None)}))


def emit(system, topic, payload, key, instance_id=None):
    with system.engine.unit_of_work() as s:
        return system.engine.outbox.emit(s, topic, payload, key, instance_id=instance_id)


def message(system, key):
    with system.sessions() as s:
        return s.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


def test_message_written_twice_with_one_key_is_kept_once(wsystem):
    assert emit(wsystem, "test/x", {"n": 1}, "k1") is True
    assert emit(wsystem, "test/x", {"n": 2}, "k1") is False
    with wsystem.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.parametrize("key", ["", "x" * 201])
def test_message_without_a_usable_key_is_refused(wsystem, key):
    with pytest.raises(InvalidData, match="幂等键"):
        emit(wsystem, "test/x", {}, key)


def test_due_message_is_delivered_once_and_marked(wsystem):
    seen = []
    wsystem.engine.config.deliverers["test/x"] = lambda payload, mid, system: seen.append((payload, mid, system))
    emit(wsystem, "test/x", {"n": 1}, "k1")
    assert wsystem.engine.outbox.deliver_due(wsystem) == {"claimed": 1, "delivered": 1, "retrying": 0, "incidents": 0}
    assert wsystem.engine.outbox.deliver_due(wsystem)["claimed"] == 0
    row = message(wsystem, "k1")
    assert seen == [({"n": 1}, row.id, wsystem)]
    assert (row.status, row.attempts, row.delivered_at) == ("delivered", 1, wsystem.clock.now())


def test_failing_delivery_backs_off_then_becomes_an_incident_after_the_last_retry(wsystem, file_clock):
    flaky = Flaky()
    wsystem.engine.config.deliverers["test/mail"] = flaky
    outbox = wsystem.engine.outbox
    outbox.policy = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=30))
    emit(wsystem, "test/mail", {}, "m1")
    assert outbox.deliver_due(wsystem)["retrying"] == 1
    row = message(wsystem, "m1")
    assert row.next_attempt_at == file_clock.now() + timedelta(seconds=30)
    assert "邮件服务器无法连接" in row.last_error
    assert outbox.deliver_due(wsystem)["claimed"] == 0            # not before the back-off
    file_clock.advance(seconds=31)
    assert outbox.deliver_due(wsystem)["retrying"] == 1
    assert message(wsystem, "m1").next_attempt_at == file_clock.now() + timedelta(seconds=60)
    file_clock.advance(seconds=61)
    assert outbox.deliver_due(wsystem)["incidents"] == 1
    file_clock.advance(days=30)
    assert outbox.deliver_due(wsystem)["claimed"] == 0            # an incident waits for a person
    assert flaky.calls == 3
    [incident] = outbox.incidents()
    assert (incident["id"], incident["topic"], incident["attempts"], incident["status_label"]) == (
        message(wsystem, "m1").id, "test/mail", 3, "故障")


def test_undeliverable_message_is_an_incident_at_once(wsystem):
    def bad(payload, mid, system):
        raise Undeliverable("模板不存在")
    wsystem.engine.config.deliverers["test/bad"] = bad
    emit(wsystem, "test/bad", {}, "b1")
    emit(wsystem, "test/nobody-delivers-this", {}, "b2")
    assert wsystem.engine.outbox.deliver_due(wsystem)["incidents"] == 2
    errors = {r["idempotency_key"]: r["last_error"] for r in wsystem.engine.outbox.incidents()}
    assert errors == {"b1": "Undeliverable: 模板不存在", "b2": "Undeliverable: 没有处理主题“test/nobody-delivers-this”的投递程序"}


def test_incident_retried_by_an_administrator_is_delivered_and_audited(wsystem):
    flaky = Flaky()
    wsystem.engine.config.deliverers["test/mail"] = flaky
    outbox = wsystem.engine.outbox
    outbox.policy = RetryPolicy(max_attempts=1)
    emit(wsystem, "test/mail", {}, "m1")
    outbox.deliver_due(wsystem)
    mid = message(wsystem, "m1").id
    assert outbox.retry(mid, ADMIN, wsystem) == "incident"         # still broken: straight back
    flaky.fixed = True
    assert outbox.retry(mid, ADMIN, wsystem) == "delivered"
    assert outbox.incidents() == []
    with pytest.raises(InvalidState, match="已投递"):
        outbox.retry(mid, ADMIN, wsystem)
    with wsystem.sessions() as s:
        assert s.scalars(select(AuditEvent.actor).where(AuditEvent.action == "outbox_retried")).all() == ["admin", "admin"]


def test_dismissed_incident_is_kept_but_no_longer_listed(wsystem):
    wsystem.engine.config.deliverers["test/bad"] = lambda *a: (_ for _ in ()).throw(Undeliverable("坏数据"))
    emit(wsystem, "test/bad", {}, "b1")
    wsystem.engine.outbox.deliver_due(wsystem)
    mid = message(wsystem, "b1").id
    wsystem.engine.outbox.dismiss(mid, ADMIN, "数据已手工处理")
    assert wsystem.engine.outbox.incidents() == []
    assert [r["status"] for r in wsystem.engine.outbox.incidents(include_dismissed=True)] == ["dismissed"]
    with pytest.raises(InvalidState):
        wsystem.engine.outbox.dismiss(mid, ADMIN)


@pytest.mark.parametrize("bad_id, error", [(999, NotFound), ("abc", InvalidData), (0, InvalidData), (-3, InvalidData)])
def test_unknown_or_malformed_message_id_is_refused(wsystem, bad_id, error):
    with pytest.raises(error):
        wsystem.engine.outbox.retry(bad_id, ADMIN, wsystem)
    with pytest.raises(error):
        wsystem.engine.outbox.dismiss(bad_id, ADMIN)
    with pytest.raises(error):
        wsystem.engine.outbox.get(bad_id)


def test_message_held_by_a_dead_worker_is_delivered_again_after_its_short_lease(wsystem, file_clock):
    lease = wsystem.engine.outbox.policy.lease
    assert lease <= timedelta(seconds=30)                            # taken over within a minute
    wsystem.engine.config.deliverers["test/x"] = lambda *a: None
    emit(wsystem, "test/x", {}, "k1")
    [claimed] = wsystem.engine.outbox._claim(file_clock.now())      # a worker took it, then died
    assert wsystem.engine.outbox.deliver_due(wsystem)["claimed"] == 0
    file_clock.advance(seconds=lease.total_seconds() - 1)
    assert wsystem.engine.outbox.deliver_due(wsystem)["claimed"] == 0  # its lease still holds ...
    file_clock.advance(seconds=2)
    assert wsystem.engine.outbox.deliver_due(wsystem)["delivered"] == 1   # ... and now it has run out
    assert message(wsystem, "k1").attempts == 2


def test_a_working_worker_renews_its_lease_and_keeps_its_messages(wsystem, file_clock):
    """A long delivery (a big render) outlives the lease: the heartbeat keeps the message its own,
    so another worker does not take it over, and the delivery is done once."""
    outbox = wsystem.engine.outbox
    outbox.policy = RetryPolicy(lease=timedelta(seconds=30), heartbeat=timedelta(milliseconds=20))
    started, release, calls = threading.Event(), threading.Event(), Counter()

    def slow(payload, mid, system):
        calls[payload["n"]] += 1
        if payload["n"] == 1:
            started.set()
            release.wait(60)

    wsystem.engine.config.deliverers["test/slow"] = slow
    emit(wsystem, "test/slow", {"n": 1}, "s1")
    emit(wsystem, "test/slow", {"n": 2}, "s2")                   # waits in the same batch behind the slow one
    results = []
    worker = threading.Thread(target=lambda: results.append(outbox.deliver_due(wsystem)))
    worker.start()
    try:
        assert started.wait(60)
        for _ in range(3):                                        # 3 x 20 s: well past the first lease
            moved_to = file_clock.advance(seconds=20) + outbox.policy.lease
            wait_for(lambda: message(wsystem, "s1").next_attempt_at == moved_to
                     and message(wsystem, "s2").next_attempt_at == moved_to, message="the heartbeat renewed the lease")
            assert outbox.deliver_due(wsystem)["claimed"] == 0    # another worker finds nothing to take over
    finally:
        release.set()
        worker.join(60)
    assert results == [{"claimed": 2, "delivered": 2, "retrying": 0, "incidents": 0}]
    assert dict(calls) == {1: 1, 2: 1}
    assert (message(wsystem, "s1").attempts, message(wsystem, "s2").attempts) == (1, 1)


def test_a_renewal_never_touches_a_message_another_worker_took_over(wsystem, file_clock):
    outbox = wsystem.engine.outbox
    wsystem.engine.config.deliverers["test/x"] = lambda *a: None
    emit(wsystem, "test/x", {}, "k1")
    [mine] = outbox._claim(file_clock.now())
    file_clock.advance(seconds=31)                                # our heartbeat stalled: the lease ran out
    [theirs] = outbox._claim(file_clock.now())                    # another worker took the message
    assert outbox.renew({mine.id: mine.attempts}) == set()        # our late renewal does not count
    assert message(wsystem, "k1").next_attempt_at == file_clock.now() + outbox.policy.lease
    assert outbox.renew({theirs.id: theirs.attempts}) == {theirs.id}


def test_a_failure_keeps_its_back_off_while_the_heartbeat_beats(wsystem, file_clock):
    outbox = wsystem.engine.outbox
    outbox.policy = RetryPolicy(base_delay=timedelta(minutes=2), heartbeat=timedelta(milliseconds=5))
    beats = threading.Event()
    renew = outbox.renew

    def counting_renew(held, **kw):
        beats.set()
        return renew(held, **kw)

    outbox.renew = counting_renew

    def failing(payload, mid, system):
        beats.clear()
        assert beats.wait(60)                                     # at least one renewal while we work
        raise ConnectionError("邮件服务器无法连接")

    wsystem.engine.config.deliverers["test/x"] = failing
    emit(wsystem, "test/x", {}, "k1")
    assert outbox.deliver_due(wsystem)["retrying"] == 1
    assert message(wsystem, "k1").next_attempt_at == file_clock.now() + timedelta(minutes=2)


def test_racing_workers_deliver_each_message_once(wsystem):
    calls = Counter()
    lock = threading.Lock()

    def count(payload, mid, system):
        with lock:
            calls[mid] += 1

    wsystem.engine.config.deliverers["test/x"] = count
    for i in range(60):
        emit(wsystem, "test/x", {"i": i}, f"k{i}")
    barrier = threading.Barrier(4)
    errors = []

    def work():
        barrier.wait()
        try:
            for _ in range(10):
                wsystem.engine.outbox.deliver_due(wsystem, limit=7)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(calls) == 60 and set(calls.values()) == {1}
    assert wsystem.engine.outbox.counts()["delivered"] == 60
