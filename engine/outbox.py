"""Delivery of the transactional outbox (DESIGN.md, invariant 5).

A command writes side effects as :class:`~engine.tables.OutboxMessage` rows in its own
transaction; this module hands them to ``EngineConfig.deliverers[topic](payload, message_id,
context)`` later, from the worker, the CLI or a test. Safe with many workers at once:

* **claim**: one short transaction marks due messages as taken by moving ``next_attempt_at`` one
  lease ahead and counting the attempt (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; a conditional
  ``UPDATE`` on SQLite, whose writers are serialized). The lease is short (30 s); while the worker
  works through its batch a heartbeat thread renews it every 10 s for the messages it still holds
  (a long render keeps its message). A worker that dies stops renewing: its messages are due again
  one lease later and the next sweep takes them over, well within a minute.
* **deliver** outside any transaction of ours, then mark it ``delivered``. Delivery is
  at-least-once: a deliverer makes its effect idempotent by the message id (or the message's
  ``idempotency_key``), so a second delivery has no second effect.
* **retry with backoff** after a failure; after the last attempt, or at once when the deliverer
  raises :class:`Undeliverable`, the message becomes an ``incident`` that an administrator lists,
  retries or dismisses.

A deliverer, for example::

    def deliver_sms(payload, message_id, context):
        if not payload.get("phone"):
            raise Undeliverable("短信缺少手机号")          # retrying cannot help
        gateway.send(payload["phone"], payload["text"], dedup_id=f"outbox-{message_id}")
"""
from __future__ import annotations

import json
import logging
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .access import Actor
from .errors import InvalidData, InvalidState, NotFound
from .tables import OutboxMessage
from .transactions import UnitOfWork

log = logging.getLogger(__name__)

PENDING, DELIVERED, INCIDENT, DISMISSED = "pending", "delivered", "incident", "dismissed"
STATUS_LABELS = {PENDING: "待投递", DELIVERED: "已投递", INCIDENT: "故障", DISMISSED: "已忽略"}


class Undeliverable(Exception):
    """Raised by a deliverer when retrying cannot help (a malformed payload, an unknown template):
    the message becomes an incident without further attempts."""


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` deliveries in all; the n-th failure waits ``base_delay * 2**(n-1)``
    (at most ``max_delay``). ``lease`` is how long a claimed message is left to its worker
    without news from it (engine clock); ``heartbeat`` how often a working worker renews the lease
    of the messages it holds (real time; zero: never)."""

    max_attempts: int = 5
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(seconds=30)
    heartbeat: timedelta = timedelta(seconds=10)

    def delay(self, attempts: int) -> timedelta:
        return min(self.base_delay * (2 ** max(0, attempts - 1)), self.max_delay)


@dataclass(frozen=True)
class _Claimed:
    id: int
    topic: str
    payload_json: str
    attempts: int


class Outbox:
    def __init__(self, engine: UnitOfWork, policy: RetryPolicy | None = None):
        self.engine = engine
        self.policy = policy or RetryPolicy()

    # ------------------------------------------------------------------ writing

    def emit(self, session, topic: str, payload: dict, key: str, *, instance_id: int | None = None,
             now: datetime | None = None) -> bool:
        """Write a message in the caller's transaction unless one with ``key`` exists (also when
        another transaction writes the same key at the same moment). True when this call wrote it."""
        if not key or len(key) > 200:
            raise InvalidData("幂等键不能为空，且不超过 200 个字符")
        now = now or self.engine.now()
        values = dict(idempotency_key=key, topic=topic, payload_json=json.dumps(payload, ensure_ascii=False, default=str),
                      instance_id=instance_id, status=PENDING, attempts=0, created_at=now, next_attempt_at=now)
        dialect_insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}.get(session.get_bind().dialect.name)
        if dialect_insert is not None:
            stmt = (dialect_insert(OutboxMessage).values(**values)
                    .on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(OutboxMessage.id))
            return session.execute(stmt).scalar() is not None
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)) is not None:
            return False
        session.execute(insert(OutboxMessage).values(**values))
        return True

    # ------------------------------------------------------------------ delivering

    def deliver_due(self, context: Any = None, *, now: datetime | None = None, limit: int = 100) -> dict:
        """Claim and deliver what is due. ``context`` (the wired system) is handed to deliverers.
        Returns counts: claimed, delivered, retrying, incidents."""
        now = now or self.engine.now()
        counts = {"claimed": 0, "delivered": 0, "retrying": 0, "incidents": 0}
        claimed = self._claim(now, limit=limit)
        with _Lease(self, claimed) as lease:
            for message in claimed:
                counts["claimed"] += 1
                status = self._attempt(message, context, lease)
                counts[{DELIVERED: "delivered", PENDING: "retrying", INCIDENT: "incidents"}[status]] += 1
        return counts

    def deliver(self, message_id: int, context: Any = None, *, now: datetime | None = None) -> str | None:
        """Deliver one message if it is due and nobody holds it; returns its new status, or None
        when there was nothing to do (delivered already, held by another worker, not yet due)."""
        claimed = self._claim(now or self.engine.now(), message_id=message_id)
        if not claimed:
            return None
        with _Lease(self, claimed) as lease:
            return self._attempt(claimed[0], context, lease)

    def renew(self, held: dict[int, int], *, now: datetime | None = None) -> set[int]:
        """Move the lease of messages this worker holds (``{id: attempts of our claim}``) one lease
        ahead of ``now``; returns the ids still ours (a message whose lease ran out and that another
        worker claimed again is not touched)."""
        if not held:
            return set()
        now = now or self.engine.now()
        by_attempt: dict[int, list[int]] = {}
        for message_id, attempts in held.items():
            by_attempt.setdefault(attempts, []).append(message_id)
        ours: set[int] = set()
        with self.engine.unit_of_work() as s:
            for attempts, ids in by_attempt.items():
                rows = s.execute(update(OutboxMessage)
                                 .where(OutboxMessage.id.in_(ids), OutboxMessage.status == PENDING,
                                        OutboxMessage.attempts == attempts)
                                 .values(next_attempt_at=now + self.policy.lease)
                                 .returning(OutboxMessage.id)).all()
                ours.update(r.id for r in rows)
        return ours

    def _claim(self, now: datetime, *, limit: int = 100, message_id: int | None = None) -> list[_Claimed]:
        due = (OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        with self.engine.unit_of_work() as s:
            q = select(OutboxMessage.id).where(*due).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
            if message_id is not None:
                q = q.where(OutboxMessage.id == message_id)
            if self.engine.dialect == "postgresql":
                q = q.with_for_update(skip_locked=True)
            ids = list(s.scalars(q))
            if not ids:
                return []
            rows = s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids), *due)
                             .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + self.policy.lease)
                             .returning(OutboxMessage.id, OutboxMessage.topic, OutboxMessage.payload_json,
                                        OutboxMessage.attempts)).all()
        return sorted((_Claimed(r.id, r.topic, r.payload_json, r.attempts) for r in rows), key=lambda m: m.id)

    def _attempt(self, message: _Claimed, context: Any, lease: "_Lease | None" = None) -> str:
        deliverer = self.engine.config.deliverers.get(message.topic)
        try:
            if deliverer is None:
                raise Undeliverable(f"没有处理主题“{message.topic}”的投递程序")
            deliverer(json.loads(message.payload_json), message.id, context)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the message
            if lease is not None:
                lease.release(message.id)  # no renewal may overwrite the retry time written now
            return self._failed(message, exc)
        if lease is not None:
            lease.release(message.id)
        with self.engine.unit_of_work() as s:
            s.execute(update(OutboxMessage).where(OutboxMessage.id == message.id, OutboxMessage.status == PENDING)
                      .values(status=DELIVERED, delivered_at=self.engine.now(), last_error=None))
        return DELIVERED

    def _failed(self, message: _Claimed, exc: Exception) -> str:
        now = self.engine.now()
        final = isinstance(exc, Undeliverable) or message.attempts >= self.policy.max_attempts
        error = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, Undeliverable):
            error += "\n" + "".join(traceback.format_exception(exc)[-3:])
        values = {"last_error": error[:4000]}
        if final:
            values["status"] = INCIDENT
            log.error("outbox message %s (%s) is an incident after %s attempts: %s", message.id, message.topic,
                      message.attempts, error.splitlines()[0])
        else:
            values["next_attempt_at"] = now + self.policy.delay(message.attempts)
            log.warning("outbox message %s (%s) attempt %s failed: %s", message.id, message.topic, message.attempts,
                        error.splitlines()[0])
        with self.engine.unit_of_work() as s:
            # only while our claim is the current one: a worker that took over after our lease decides
            s.execute(update(OutboxMessage).where(OutboxMessage.id == message.id, OutboxMessage.status == PENDING,
                                                  OutboxMessage.attempts == message.attempts).values(**values))
        return INCIDENT if final else PENDING

    # ------------------------------------------------------------------ incidents (administrators)

    def get(self, message_id: int) -> dict:
        with self.engine.sessions() as s:
            row = s.get(OutboxMessage, _id(message_id))
            if row is None:
                raise NotFound(f"消息 {message_id} 不存在")
            return _as_dict(row)

    def incidents(self, *, include_dismissed: bool = False, limit: int = 200) -> list[dict]:
        statuses = (INCIDENT, DISMISSED) if include_dismissed else (INCIDENT,)
        with self.engine.sessions() as s:
            rows = s.scalars(select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
                             .order_by(OutboxMessage.id.desc()).limit(limit)).all()
            return [_as_dict(r) for r in rows]

    def counts(self) -> dict[str, int]:
        with self.engine.sessions() as s:
            rows = s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        return {PENDING: 0, DELIVERED: 0, INCIDENT: 0, DISMISSED: 0} | {status: n for status, n in rows}

    def retry(self, message_id: int, actor: "Actor", context: Any = None, *, deliver_now: bool = True) -> str | None:
        """Put an incident (or a dismissed one) back in the queue and, by default, deliver it now.
        One more failure makes it an incident again. Returns the status after the attempt."""
        self._change(message_id, actor, (INCIDENT, DISMISSED), {"status": PENDING}, "outbox_retried", "")
        return self.deliver(message_id, context) if deliver_now else PENDING

    def dismiss(self, message_id: int, actor: "Actor", reason: str = "") -> None:
        """The administrator decides the effect is not needed any more; kept for the record."""
        self._change(message_id, actor, (INCIDENT,), {"status": DISMISSED}, "outbox_dismissed", reason)

    def _change(self, message_id, actor, allowed, values, action, comment) -> None:
        message_id = _id(message_id)
        now = self.engine.now()
        with self.engine.unit_of_work() as s:
            row = s.get(OutboxMessage, message_id)
            if row is None:
                raise NotFound(f"消息 {message_id} 不存在")
            if row.status not in allowed:
                raise InvalidState(f"消息 {message_id} 当前状态为“{STATUS_LABELS.get(row.status, row.status)}”，不能执行此操作",
                                   status=row.status)
            s.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == row.status)
                      .values(next_attempt_at=now, **values))
            self.engine._audit(s, now, actor, action, row.instance_id, data={"message_id": message_id, "topic": row.topic},
                               comment=comment)


class _Lease:
    """The heartbeat of one batch: while its messages are delivered, a daemon thread renews the
    lease of those not finished yet every ``policy.heartbeat``. ``release`` takes a message out
    before its outcome is written, and waits for a renewal in progress, so a renewal never lands
    after the outcome."""

    def __init__(self, outbox: Outbox, claimed: list[_Claimed]):
        self.outbox = outbox
        self.held = {m.id: m.attempts for m in claimed}
        self.interval = outbox.policy.heartbeat.total_seconds()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> "_Lease":
        if self.held and self.interval > 0:
            self.thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()

    def release(self, message_id: int) -> None:
        with self.lock:
            self.held.pop(message_id, None)

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            with self.lock:
                if not self.held or self.stopped.is_set():
                    continue
                try:
                    ours = self.outbox.renew(dict(self.held))
                except Exception as exc:  # noqa: BLE001 - try again at the next beat; the lease is 3 beats long
                    log.warning("outbox lease renewal failed: %s", exc)
                    continue
                for message_id in set(self.held) - ours:  # taken over after our lease ran out: not ours now
                    log.warning("outbox message %s was taken over by another worker", message_id)
                    self.held.pop(message_id)


def _id(message_id) -> int:
    try:
        value = int(message_id)
    except (TypeError, ValueError):
        raise InvalidData(f"消息编号必须是正整数：{message_id!r}") from None
    if value <= 0:
        raise InvalidData(f"消息编号必须是正整数：{message_id!r}")
    return value


def _as_dict(row: OutboxMessage) -> dict:
    out = {c.key: getattr(row, c.key) for c in OutboxMessage.__table__.columns}
    out["payload"] = json.loads(out.pop("payload_json"))
    out["status_label"] = STATUS_LABELS.get(row.status, row.status)
    return out
