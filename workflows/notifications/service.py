"""What the web UI, the CLI and the worker call: a user's notifications, kept mails, the manual
urge (催办) and the daily reminder of overdue tasks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from engine import Actor, Conflict, Engine, InvalidData, InvalidState, NotFound, PermissionDenied
from engine.tables import HumanTask, OutboxMessage, User

from .listeners import task_context, task_recipients
from .tables import Mail, Notification
from .times import local_date

URGE_COMMENT_MAX = 500


# --------------------------------------------------------------------------- in-app notifications

def notifications(engine: Engine, username: str, *, unread_only: bool = False, page: int = 1,
                  per_page: int = 20) -> tuple[list[dict], int]:
    """One page of the user's notifications, newest first, and the total."""
    q = select(Notification).where(Notification.username == username)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    page = max(1, int(page))
    with engine.sessions() as s:
        total = s.scalar(select(func.count()).select_from(q.subquery()))
        rows = s.scalars(q.order_by(Notification.created_at.desc(), Notification.id.desc())
                         .limit(per_page).offset((page - 1) * per_page)).all()
        return [_row(r) for r in rows], total


def notification(engine: Engine, username: str, notification_id: int) -> dict | None:
    """One of the user's notifications (None: no such notification of this user)."""
    with engine.sessions() as s:
        row = s.scalar(select(Notification).where(Notification.id == notification_id, Notification.username == username))
        return _row(row) if row is not None else None


def unread_count(engine: Engine, username: str) -> int:
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(Notification)
                        .where(Notification.username == username, Notification.read_at.is_(None)))


def mark_read(engine: Engine, username: str, ids: list[int] | None = None) -> int:
    """Mark the user's notifications ``ids`` (all when None) as read; returns how many changed."""
    q = update(Notification).where(Notification.username == username, Notification.read_at.is_(None))
    if ids is not None:
        try:
            ids = [int(i) for i in ids]
        except (TypeError, ValueError):
            raise InvalidData("通知编号必须是整数") from None
        q = q.where(Notification.id.in_(ids))
    with engine.unit_of_work() as s:
        return len(s.execute(q.values(read_at=engine.now()).returning(Notification.id)).all())


def mails(engine: Engine, *, username: str | None = None, status: str | None = None, limit: int = 50) -> list[dict]:
    """Mails, newest first: what was sent, and what is kept because no SMTP server is configured."""
    q = select(Mail)
    if username:
        q = q.where(Mail.username == username)
    if status:
        q = q.where(Mail.status == status)
    with engine.sessions() as s:
        return [_row(r) for r in s.scalars(q.order_by(Mail.id.desc()).limit(limit))]


def mail_counts(engine: Engine) -> dict[str, int]:
    """How many mails are in each state (queued, sent, kept, failed)."""
    with engine.sessions() as s:
        found = dict(s.execute(select(Mail.status, func.count()).group_by(Mail.status)).all())
    return {status: found.get(status, 0) for status in ("failed", "kept", "queued", "sent")}


def _row(row) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


# --------------------------------------------------------------------------- urge (催办)

def may_urge(actor: Actor, task: HumanTask, admin_role: str = "admin") -> bool:
    """The talent section, an administrator, whoever started the process, or a member of the
    task's unit may urge."""
    if actor.has_role("talent_section") or actor.has_role(admin_role) or task.started_by == actor.username:
        return True
    return task.org_unit is not None and any(scope == task.org_unit for _, scope in actor.memberships)


def urge(engine: Engine, actor: Actor, task_id, comment: str = "") -> dict:
    """催办: remind whoever holds an overdue task, at most once per task per day (China time).
    Returns ``{"users": [...]}``; raises with a Chinese message when not allowed."""
    comment = (comment or "").strip()
    if len(comment) > URGE_COMMENT_MAX:
        raise InvalidData(f"催办说明不能超过 {URGE_COMMENT_MAX} 个字")
    try:
        task_id = int(task_id)
    except (TypeError, ValueError):
        raise NotFound("待办事项不存在") from None
    now = engine.now()
    with engine.unit_of_work() as s:
        task = s.get(HumanTask, task_id)
        if task is None:
            raise NotFound("待办事项不存在")
        if not may_urge(actor, task, engine.config.admin_role):
            raise PermissionDenied("只有本单位、流程发起人或人才科可以催办此事项")
        if task.state != "open":
            raise InvalidState("该事项已办理完毕，无需催办")
        if task.due_at is None or task.due_at > now:
            raise InvalidState("该事项尚未超过办理期限，不能催办")
        users = [u for u in task_recipients(s, task) if u != actor.username]
        if not users:
            raise InvalidState("该事项暂无可催办的办理人")
        by_name = s.scalar(select(User.display_name).where(User.username == actor.username)) or actor.username
        context = task_context(task) | {"by": actor.username, "by_name": by_name, "comment": comment}
        key = f"task:{task.task_uuid}:urge:{local_date(now).isoformat()}"
        if not engine.outbox.emit(s, "notify", {"template": "urge", "users": users, "context": context}, key,
                                  instance_id=task.instance_id, now=now):
            raise Conflict("今天已催办过该事项，每个事项每天只能催办一次，请明天再试")
        engine.audit(s, actor, "task_urged", instance_id=task.instance_id, task_uuid=task.task_uuid,
                     element_id=task.element_id, data={"users": users}, comment=comment, now=now)
    return {"users": users}


# --------------------------------------------------------------------------- overdue tasks

def overdue_tasks(engine: Engine, now: datetime | None = None, *, limit: int = 1000) -> list[dict]:
    """Open tasks past their due time, the most overdue first (the projection's ``due_at``)."""
    now = now or engine.now()
    with engine.sessions() as s:
        rows = s.scalars(select(HumanTask).where(HumanTask.state == "open", HumanTask.due_at < now)
                         .order_by(HumanTask.due_at, HumanTask.id).limit(limit)).all()
        return [_row(r) | {"overdue": True} for r in rows]


def remind_overdue(engine: Engine, now: datetime | None = None, *, limit: int = 1000) -> int:
    """Remind the holders of every overdue task, once per task per day (China time), however
    often and from however many workers this runs. Returns the number of reminders written."""
    now = now or engine.now()
    day = local_date(now)
    written = 0
    with engine.unit_of_work() as s:
        tasks = s.scalars(select(HumanTask).where(HumanTask.state == "open", HumanTask.due_at < now)
                          .order_by(HumanTask.due_at, HumanTask.id).limit(limit)).all()
        keys = {f"task:{t.task_uuid}:overdue:{day.isoformat()}": t for t in tasks}
        reminded = set(s.scalars(select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(list(keys)))))
        for key, task in keys.items():
            if key in reminded:
                continue
            users = task_recipients(s, task)
            if not users:
                continue
            context = task_context(task) | {"days_overdue": (day - local_date(task.due_at)).days}
            written += engine.outbox.emit(s, "notify", {"template": "task_overdue", "users": users, "context": context},
                                          key, instance_id=task.instance_id, now=now)
    return written
