"""Reads for one page: an instance (and its diagram), a task and the data its form shows, model
versions and their files and forms, a user as an actor. Those that deserialize a workflow are
for one record, never for lists; lists and inboxes are :mod:`engine.queries`.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .access import Actor
from .config import Role
from . import taskread
from .context import MAX_ID, OPEN, row_id
from .errors import NotFound
from .projection import _row_dict
from .sql import _LOAD_STATE, _SQL_OPEN_TASK_LIST
from .tables import Instance, Membership, ModelVersion, User


class Reads:
    """Read-only service API.

    Uses the engine's ``config``, ``models``, ``runtime``, ``fast``, ``dialect``, ``sessions`` and
    ``_local`` (set by ``Engine.__init__``), ``raw_reading`` (:class:`~engine.transactions.UnitOfWork`),
    ``_load_row`` (:class:`~engine.store.WorkflowStore`) and ``_task``, ``can_act``, ``can_see``,
    ``_task_workflow`` and ``_withdraw_blocker`` (:class:`~engine.tasks.TaskCommands`)."""

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A read scope (one web request): every read inside it (:meth:`read_session`, the reads
        of this class and of :mod:`engine.queries`) shares one connection and one ORM session
        instead of checking out its own (measured 0.39 against 0.20 ms a read on SQLite, 1.0
        against 0.59 ms on PostgreSQL). Nested scopes are the outer one.

        It never holds a write transaction or a lock between reads, so it may stay open around
        commands: on PostgreSQL the connection is in autocommit (each statement its own snapshot,
        no BEGIN or ROLLBACK round trips); on SQLite each outermost read ends its deferred read
        transaction when it returns. And the session is emptied then (as closing a session of its
        own did), so a read after a command sees what the command committed, not objects it had
        loaded before."""
        if getattr(self._local, "reads", None) is not None:
            yield
            return
        conn = self.sessions.kw["bind"].connect()
        try:
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT")
            self._local.reads = _ReadScope(conn, Session(bind=conn, autoflush=False, expire_on_commit=False))
            yield
        finally:
            scope, self._local.reads = getattr(self._local, "reads", None), None
            try:
                if scope is not None:
                    scope.session.close()
            finally:
                conn.close()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reads: the read scope's (:meth:`reading`) when one is open, else a session
        of its own. Reads only: never flush or commit in it."""
        scope = getattr(self._local, "reads", None)
        if scope is None:
            with self.sessions() as s:
                yield s
            return
        if scope.depth:
            yield scope.session
            return
        scope.depth += 1
        try:
            yield scope.session
        finally:
            scope.depth -= 1
            scope.session.close()  # ends the read transaction, forgets the objects; the connection stays

    def list_versions(self) -> list[dict]:
        with self.read_session() as s:
            rows = s.execute(select(ModelVersion.id, ModelVersion.content_hash, ModelVersion.author,
                                    ModelVersion.comment, ModelVersion.created_at, ModelVersion.info_json)
                             .order_by(ModelVersion.id)).all()
            return [{"version": r.id, "hash": r.content_hash, "author": r.author, "comment": r.comment,
                     "created_at": r.created_at, "processes": json.loads(r.info_json)["names"]} for r in rows]

    def version_files(self, version_id: int) -> dict[str, str]:
        with self.read_session() as s:
            return dict(self.models.load(s, version_id).files)

    def form(self, version_id: int, ref: str | None) -> dict | None:
        with self.read_session() as s:
            return self.models.load(s, version_id).form(ref)

    def instance(self, instance_id: int) -> dict:
        with self.read_session() as s:
            row = s.execute(select(Instance.id, Instance.process_key, Instance.version_id, Instance.status,
                                   Instance.business_key, Instance.title, Instance.org_unit, Instance.category,
                                   Instance.batch, Instance.parent_id, Instance.started_by, Instance.started_at,
                                   Instance.ended_at, Instance.error, Instance.lock_version)
                            .where(Instance.id == row_id(instance_id, "流程实例"))).mappings().first()
            if row is None:
                raise NotFound(f"流程实例 {instance_id} 不存在")
            return dict(row)

    def instance_detail(self, instance_id: int) -> dict:
        """Data, element states (for the progress diagram) and the BPMN of the instance's version.
        Deserializes the workflow: for one instance page, never for lists."""
        with self.read_session() as s:
            inst = self._load_row(s, row_id(instance_id, "流程实例"))
            if inst is None:
                raise NotFound(f"流程实例 {instance_id} 不存在")
            version = self.models.load(s, inst["version_id"])
            spec = version.specs[inst["process_key"]]
            state = s.connection().execute(_LOAD_STATE, {"b_id": instance_id, "b_lock": inst["lock_version"]}).scalar()
            wf = self.runtime.load(state, spec["spec"], spec["subprocess_specs"])
            file = next((info.get("file") for info in version.elements.get(inst["process_key"], {}).values() if info.get("file")), None)
            return {"instance": inst, "data": self.runtime.data(wf),
                    "elements": self.runtime.element_states(wf), "bpmn_file": file,
                    "bpmn": version.files.get(file) if file else None}

    def open_tasks(self, instance_id: int) -> list[dict]:
        """The open human tasks of one instance (id, element, name, role, scope, assignee), from
        the projection; cheap enough to call after every step."""
        with self.raw_reading() as raw:  # the read scope's connection when one is open
            rows = self.fast.all(raw, _SQL_OPEN_TASK_LIST, {"b_id": instance_id})
        return [dict(zip(("id", "element_id", "name", "role", "scope", "assignee", "form"), r)) for r in rows]

    def get_task(self, task_id, actor: Actor) -> dict:
        """The task's row with its instance's ``version_id``, ``can_act`` and ``can_claim``, for
        whoever may see it (:class:`NotFound` otherwise). By row id it is one statement
        (:mod:`engine.taskread`); by task uuid, through the ORM."""
        if isinstance(task_id, int) or (isinstance(task_id, str) and task_id.isdigit()):
            key = row_id(task_id, "待办事项", MAX_ID)
            with self.raw_reading() as raw:
                task = taskread.read_task(raw, self.sessions.kw["bind"].dialect, key)
            view = SimpleNamespace(**task) if task is not None else None
            if view is None or not self.can_see(actor, view):
                raise NotFound("待办事项不存在")
            is_open = task["state"] == OPEN
            task["can_act"] = is_open and self.can_act(actor, view)
            task["can_claim"] = is_open and task["assignee"] is None and actor.holds(task["role"], task["scope"])
            return task
        with self.read_session() as s:
            t = self._task(s, task_id)
            if not self.can_see(actor, t):
                raise NotFound("待办事项不存在")
            out = _row_dict(t)
            # the version alone: the instance row carries the serialized workflow
            out["version_id"] = s.scalar(select(Instance.version_id).where(Instance.id == t.instance_id))
            out["can_act"] = t.state == OPEN and self.can_act(actor, t)
            out["can_claim"] = t.state == OPEN and t.assignee is None and actor.holds(t.role, t.scope)
            return out

    def task_data(self, task_id, actor: Actor) -> dict:
        """The data a human task sees (to fill its form), for whoever may read the task.
        Deserializes the workflow: for one task page, never for lists."""
        with self.read_session() as s:
            t = self._task(s, task_id)
            if not self.can_see(actor, t):
                raise NotFound("待办事项不存在")
            wf = self._task_workflow(s, t)
            return (self.runtime.task_data(wf, t.task_uuid) if wf is not None else None) or {}

    def can_withdraw(self, task_id, actor: Actor) -> bool:
        """Whether :meth:`withdraw` would succeed now (reads the workflow when the projection allows it)."""
        with self.read_session() as s:
            try:
                t = self._task(s, task_id)
            except NotFound:
                return False
            if self._withdraw_blocker(s, t, actor) is not None:
                return False
            wf = self._task_workflow(s, t)
            return wf is not None and self.runtime.can_reset(wf, t.task_uuid)

    def actor_for(self, username: str) -> Actor:
        with self.read_session() as s:
            user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
            if user is None:
                raise NotFound(f"用户 {username} 不存在或已停用", reason="user", username=username)
            ms = s.execute(select(Membership.role, Membership.scope).where(Membership.user_id == user.id)).all()
            return Actor(username, frozenset((m.role, m.scope) for m in ms))

    def role(self, key: str) -> Role | None:
        return self.config.roles.get(key)


class _ReadScope:
    """The connection and session of one :meth:`Reads.reading` scope; ``depth`` counts the
    :meth:`Reads.read_session` uses open in it."""

    __slots__ = ("conn", "session", "depth")

    def __init__(self, conn: Connection, session: Session):
        self.conn, self.session, self.depth = conn, session, 0
