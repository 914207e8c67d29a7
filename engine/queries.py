"""Read side: inboxes and lists read the projection tables only, never a workflow."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select

from .service import DONE, OPEN, Actor, Engine
from .tables import AuditEvent, HumanTask, Instance

BOXES = ("todo", "group", "done", "started")


def _group_clause(actor: Actor):
    clauses = []
    for role, scope in sorted(actor.memberships, key=lambda m: (m[0], m[1] or "")):
        if scope is None:
            clauses.append(HumanTask.role == role)
        else:
            clauses.append(and_(HumanTask.role == role, or_(HumanTask.scope == scope, HumanTask.scope.is_(None))))
    return or_(*clauses) if clauses else None


def _box_query(actor: Actor, box: str):
    if box == "todo":
        return select(HumanTask).where(HumanTask.assignee == actor.username, HumanTask.state == OPEN)
    if box == "group":
        clause = _group_clause(actor)
        if clause is None:
            return None
        return select(HumanTask).where(HumanTask.state == OPEN, HumanTask.assignee.is_(None), clause)
    if box == "done":
        return select(HumanTask).where(HumanTask.completed_by == actor.username, HumanTask.state == DONE)
    raise ValueError(f"unknown inbox {box!r}")


def inbox(engine: Engine, actor: Actor, box: str = "todo", *, batch: str | None = None, category: str | None = None,
          org_unit: str | None = None, overdue: bool = False, now: datetime | None = None,
          page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    """One page of 待办 (``todo``: mine; ``group``: my groups' unclaimed) or 已办 (``done``)."""
    if box == "started":
        return started(engine, actor, page=page, per_page=per_page)
    q = _box_query(actor, box)
    if q is None:
        return [], 0
    if batch:
        q = q.where(HumanTask.batch == batch)
    if category:
        q = q.where(HumanTask.category == category)
    if org_unit:
        q = q.where(HumanTask.org_unit == org_unit)
    if overdue:
        q = q.where(HumanTask.due_at < (now or engine.now()), HumanTask.state == OPEN)
    order = HumanTask.completed_at.desc() if box == "done" else HumanTask.created_at.desc()
    page = max(1, int(page))
    with engine.sessions() as s:
        total = s.scalar(select(func.count()).select_from(q.order_by(None).subquery()))
        rows = s.scalars(q.order_by(order, HumanTask.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
        return [_task_dict(r) for r in rows], total


def started(engine: Engine, actor: Actor, *, page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    """我发起的: instances the user started."""
    q = select(Instance.id, Instance.process_key, Instance.title, Instance.status, Instance.started_at,
               Instance.ended_at, Instance.org_unit, Instance.category, Instance.batch).where(Instance.started_by == actor.username)
    with engine.sessions() as s:
        total = s.scalar(select(func.count()).select_from(q.subquery()))
        rows = s.execute(q.order_by(Instance.started_at.desc(), Instance.id.desc()).limit(per_page).offset((max(1, page) - 1) * per_page)).mappings().all()
        return [dict(r) for r in rows], total


def counts(engine: Engine, actor: Actor) -> dict[str, int]:
    out = {}
    with engine.sessions() as s:
        for box in ("todo", "group"):
            q = _box_query(actor, box)
            out[box] = 0 if q is None else s.scalar(select(func.count()).select_from(q.subquery()))
    return out


def instance_tasks(engine: Engine, instance_id: int) -> list[dict]:
    with engine.sessions() as s:
        rows = s.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.created_at, HumanTask.id)).all()
        return [_task_dict(r) for r in rows]


def _task_dict(t: HumanTask) -> dict:
    return {c.key: getattr(t, c.key) for c in HumanTask.__table__.columns}


def audit_trail(engine: Engine, instance_id: int) -> list[dict]:
    """Every recorded action on an instance, oldest first (for its timeline)."""
    import json
    with engine.sessions() as s:
        rows = s.execute(select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.task_uuid,
                                AuditEvent.element_id, AuditEvent.data_json, AuditEvent.comment)
                         .where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)).mappings().all()
        return [dict(r) | {"data": json.loads(r["data_json"] or "{}")} for r in rows]
