"""Read side: inboxes and lists read the projection tables only, never a workflow."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import and_, func, select, union_all

from .access import Actor
from .context import DONE, OPEN
from .service import Engine
from .tables import AuditEvent, HumanTask, Instance

BOXES = ("todo", "group", "done", "started")


def _group_branches(actor: Actor) -> list:
    """Disjoint conditions whose union is "tasks of my roles and scopes": one per (role, scope)
    and one per role for tasks without a scope. Each is an index range of the unclaimed-queue
    index, so a page is a merge of a few ordered index scans instead of a sort of the queue."""
    unscoped = {role for role, scope in actor.memberships if scope is None}
    branches: dict[tuple, object] = {}
    for role, scope in sorted(actor.memberships, key=lambda m: (m[0], m[1] or "")):
        if role in unscoped:
            branches[(role, "*")] = HumanTask.role == role
        else:
            branches[(role, scope)] = and_(HumanTask.role == role, HumanTask.scope == scope)
            branches[(role, None)] = and_(HumanTask.role == role, HumanTask.scope.is_(None))
    return list(branches.values())


def _box_queries(actor: Actor, box: str) -> list:
    """The box as selects whose results are disjoint (their union is the box)."""
    if box == "todo":
        return [select(HumanTask).where(HumanTask.assignee == actor.username, HumanTask.state == OPEN)]
    if box == "group":
        return [select(HumanTask).where(HumanTask.state == OPEN, HumanTask.assignee.is_(None), branch)
                for branch in _group_branches(actor)]
    if box == "done":
        return [select(HumanTask).where(HumanTask.completed_by == actor.username, HumanTask.state == DONE)]
    raise ValueError(f"unknown inbox {box!r}")


def _count(s, queries) -> int:
    return sum(s.scalar(q.with_only_columns(func.count()).order_by(None)) for q in queries)


def inbox(engine: Engine, actor: Actor, box: str = "todo", *, batch: str | None = None, category: str | None = None,
          org_unit: str | None = None, overdue: bool = False, now: datetime | None = None, q: str | None = None,
          page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    """One page of 待办 (``todo``: mine; ``group``: my groups' unclaimed) or 已办 (``done``);
    ``q``: only tasks whose title (the person or record it names) contains the text."""
    if box == "started":
        return started(engine, actor, q=q, page=page, per_page=per_page)
    queries = _box_queries(actor, box)
    if not queries:
        return [], 0
    filters = []
    if batch:
        filters.append(HumanTask.batch == batch)
    if category:
        filters.append(HumanTask.category == category)
    if org_unit:
        filters.append(HumanTask.org_unit == org_unit)
    if overdue:
        filters.extend([HumanTask.due_at < (now or engine.now()), HumanTask.state == OPEN])
    if q:
        filters.append(HumanTask.title.contains(q, autoescape=True))
    queries = [q.where(*filters) for q in queries]
    page = max(1, int(page))
    with engine.read_session() as s:
        total = _count(s, queries)
        key = HumanTask.completed_at if box == "done" else HumanTask.created_at
        offset = (page - 1) * per_page
        if len(queries) == 1:
            q = queries[0].order_by(key.desc(), HumanTask.id.desc())
        else:  # merge the first page*per_page keys of each branch (each an ordered index range)
            tops = [select(HumanTask.id.label("id"), key.label("k")).where(q.whereclause)
                    .order_by(key.desc(), HumanTask.id.desc()).limit(offset + per_page).subquery() for q in queries]
            keys = union_all(*[select(t.c.id, t.c.k) for t in tops]).subquery()
            q = select(HumanTask).join(keys, keys.c.id == HumanTask.id).order_by(keys.c.k.desc(), keys.c.id.desc())
        rows = s.scalars(q.limit(per_page).offset(offset)).all()
        return [_task_dict(r) for r in rows], total


def started(engine: Engine, actor: Actor, *, q: str | None = None, page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    """我发起的: instances the user started (``q``: whose title or a task's title contains the text)."""
    text = q
    q = select(Instance.id, Instance.process_key, Instance.title, Instance.status, Instance.started_at,
               Instance.ended_at, Instance.org_unit, Instance.category, Instance.batch).where(Instance.started_by == actor.username)
    if text:
        q = q.where(Instance.title.contains(text, autoescape=True) | Instance.id.in_(
            select(HumanTask.instance_id).where(HumanTask.title.contains(text, autoescape=True))))
    with engine.read_session() as s:
        total = s.scalar(select(func.count()).select_from(q.subquery()))
        rows = s.execute(q.order_by(Instance.started_at.desc(), Instance.id.desc()).limit(per_page).offset((max(1, page) - 1) * per_page)).mappings().all()
        return [dict(r) for r in rows], total


def counts(engine: Engine, actor: Actor) -> dict[str, int]:
    with engine.read_session() as s:
        return {box: _count(s, _box_queries(actor, box)) for box in ("todo", "group")}


def instance_tasks(engine: Engine, instance_id: int) -> list[dict]:
    with engine.read_session() as s:
        rows = s.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.created_at, HumanTask.id)).all()
        return [_task_dict(r) for r in rows]


def _task_dict(t: HumanTask) -> dict:
    return {c.key: getattr(t, c.key) for c in HumanTask.__table__.columns}


def audit_trail(engine: Engine, instance_id: int) -> list[dict]:
    """Every recorded action on an instance, oldest first (for its timeline)."""
    with engine.read_session() as s:
        rows = s.execute(select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.task_uuid,
                                AuditEvent.element_id, AuditEvent.data_json, AuditEvent.comment)
                         .where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)).mappings().all()
        return [dict(r) | {"data": json.loads(r["data_json"] or "{}")} for r in rows]
