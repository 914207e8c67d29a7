"""The engine's service API. Every command is one database transaction:

load the instance -> run SpiffWorkflow -> save the state with its projections (human tasks,
timers), audit events and outbox messages -> commit. The instance row's ``lock_version`` decides
between two commands on one instance: the loser gets :class:`~engine.errors.Conflict`.

Loaded workflows are kept in a small per-process cache keyed by ``(instance id, lock_version)``;
a command takes its workflow out of the cache (so no two threads share one) and puts it back only
after its commit succeeded, so the cache never holds state the database does not.
"""
from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from typing import Any, Callable, Iterator

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from . import forms, spiff
from .access import SYSTEM, SYSTEM_ACTOR, Actor, Policy
from .clock import Clock
from .config import EngineConfig, Role
from .errors import (
    Conflict,
    InvalidData,
    InvalidState,
    NotFound,
    PermissionDenied,
)
from .fastsql import FastSQL, insert_sql
from .registry import LoadedVersion, ModelRegistry
from .tables import AuditEvent, HumanTask, Instance, Membership, ModelVersion, OutboxMessage, Timer, User

log = logging.getLogger(__name__)

OPEN, DONE, CANCELLED = "open", "completed", "cancelled"
RUNNING, SUSPENDED, COMPLETED, CANCELLED_I, ERROR = "running", "suspended", "completed", "cancelled", "error"



# Hot-path SQL, run on the DB-API cursor by engine.fastsql (see there for why).
_INSTANCE_COLUMNS = (Instance.id, Instance.process_key, Instance.version_id, Instance.status, Instance.lock_version,
                     Instance.org_unit, Instance.category, Instance.batch, Instance.title, Instance.started_by)
# the state text is read only when the cache does not hold the workflow
_LOAD_STATE = select(Instance.state).where(Instance.id == bindparam("b_id"), Instance.lock_version == bindparam("b_lock"))
_INSTANCE_KEYS = [c.key for c in _INSTANCE_COLUMNS]
_SQL_LOAD_INSTANCE = f"SELECT {', '.join(_INSTANCE_KEYS)} FROM instances WHERE id = :b_id"
_SQL_TASK_BY_ID = ("SELECT t.id, t.task_uuid, t.instance_id, t.element_id, t.state, t.assignee, t.role, t.scope, t.form, "
                   + ", ".join(f"i.{k}" for k in _INSTANCE_KEYS) +
                   " FROM human_tasks t JOIN instances i ON i.id = t.instance_id WHERE t.id = :b_id")
_SQL_DUE_INSTANCES = ("SELECT t.instance_id FROM timers t JOIN instances i ON i.id = t.instance_id "
                      "WHERE t.due_at < :now AND i.status = 'running' GROUP BY t.instance_id ORDER BY t.instance_id LIMIT :lim")
_SQL_OPEN_TASK_LIST = ("SELECT id, element_id, name, role, scope, assignee, form FROM human_tasks "
                       "WHERE instance_id = :b_id AND state = 'open' ORDER BY id")
_SQL_LATEST_VERSION = "SELECT version_id FROM process_definitions WHERE key = :k ORDER BY version_id DESC LIMIT 1"
_SQL_INSERT_INSTANCE = insert_sql(Instance.__table__, [
    "process_key", "version_id", "status", "lock_version", "state", "business_key", "title", "parent_id", "started_by",
    "started_at", "org_unit", "category", "batch"]) + " RETURNING id"
_SQL_STILL_DUE = "SELECT id FROM timers WHERE instance_id = :b_id AND due_at < :now LIMIT 1"
_SQL_SAVE_INSTANCE = ("UPDATE instances SET state = :state, lock_version = :lock_version, status = :status, error = NULL, "
                      "ended_at = :ended_at WHERE id = :b_id AND lock_version = :b_lock")
_SQL_COMPLETE_TASK = ("UPDATE human_tasks SET state = 'completed', completed_at = :completed_at, completed_by = :completed_by, "
                      "outcome = :outcome WHERE task_uuid = :b_uuid")
_SQL_CANCEL_TASK = "UPDATE human_tasks SET state = 'cancelled', completed_at = :completed_at WHERE task_uuid = :b_uuid"
_SQL_OPEN_TASKS = "SELECT task_uuid, element_id FROM human_tasks WHERE instance_id = :b_id AND state = 'open'"
_SQL_DONE_ELEMENTS = "SELECT DISTINCT element_id FROM human_tasks WHERE instance_id = :b_id AND state <> 'open'"
_SQL_INSERT_TASK = insert_sql(HumanTask.__table__, [c.name for c in HumanTask.__table__.columns if c.name != "id"]) + \
    " ON CONFLICT (task_uuid) DO NOTHING"
_SQL_DELETE_TIMERS = "DELETE FROM timers WHERE instance_id = :b_id"
_SQL_DELETE_TIMER = "DELETE FROM timers WHERE instance_id = :b_id AND task_uuid = :b_uuid"
_SQL_INSERT_TIMER = insert_sql(Timer.__table__, ["instance_id", "task_uuid", "element_id", "due_at"])
_SQL_INSERT_AUDIT = insert_sql(AuditEvent.__table__, ["at", "actor", "action", "instance_id", "task_uuid", "element_id",
                                                      "data_json", "comment"])
_TASK_BY_ID = select(HumanTask.id, HumanTask.task_uuid, HumanTask.instance_id, HumanTask.element_id, HumanTask.state,
                     HumanTask.assignee, HumanTask.role, HumanTask.scope).where(HumanTask.id == bindparam("b_id"))


@dataclass
class _Entry:
    lock_version: int
    wf: Any
    fragments: dict
    open_tasks: dict[str, dict]        # task uuid -> projected row values
    timers: set[tuple[str, datetime]]  # (task uuid, due)
    finished: bool = False
    done: set[str] | None = None       # elements with a completed or cancelled task (None: not read yet)


@dataclass
class EventContext:
    """Passed to listeners and service-task handlers: the transaction and what it is about."""

    engine: "Engine"
    session: Session
    instance_id: int | None
    actor: Actor
    now: datetime
    task: spiff.TaskView | None = None

    def emit(self, topic: str, payload: dict, key: str) -> None:
        """Write a side effect to the outbox (same transaction). ``key`` makes it idempotent."""
        self.engine._emit(self.session, topic, payload, key, self.instance_id, self.now)

    def start_instance(self, process_key: str, data: dict, **kwargs) -> int:
        return self.engine._start_in(self.session, process_key, data, self.actor, self.now, parent_id=self.instance_id, **kwargs)


ServiceContext = EventContext


@dataclass
class _Command:
    session: Session
    instance_id: int
    actor: Actor
    now: datetime
    events: list = field(default_factory=list)


class Engine:
    def __init__(self, session_factory: sessionmaker, clock: Clock, config: EngineConfig, cache_size: int = 512):
        self.sessions = session_factory
        self.clock = clock
        self.config = config
        self.runtime = spiff.Runtime(config.script_globals, self._dispatch)
        self.models = ModelRegistry(config, self.runtime)
        self.policy = Policy(config)
        self._cache: OrderedDict[int, _Entry] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size
        self._local = threading.local()
        self.dialect = session_factory.kw["bind"].dialect.name if session_factory.kw.get("bind") is not None else ""
        self.fast = FastSQL(self.dialect)

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One write transaction. Workflows saved in it enter the cache only once it committed."""
        with self.sessions() as session:
            with session.begin():
                conn = session.connection(execution_options={"peidai_write": True})
                session.info["peidai_raw"] = conn.connection.driver_connection
                try:
                    yield session
                    self._flush_audits(session)
                finally:
                    session.info.pop("peidai_audits", None)
                    session.info.pop("peidai_raw", None)
            for instance_id, entry in session.info.pop("peidai_cache", {}).items():
                self._put(instance_id, entry)

    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def _command_scope(self) -> Iterator["_LazySession"]:
        """The transaction of one engine command: like ``unit_of_work``, but the ORM session is
        made only if a handler, a listener or the registry asks for one (most commands need
        none: the engine's own statements run on the DB-API cursor)."""
        bind = self.sessions.kw["bind"]
        with bind.connect().execution_options(peidai_write=True) as conn:
            s = _LazySession(conn)
            try:
                with conn.begin():
                    yield s
                    self._flush_audits(s)
                    if s._orm is not None:
                        s._orm.flush()
            finally:
                if s._orm is not None:
                    s._orm.close()
        for instance_id, entry in s.info.pop("peidai_cache", {}).items():
            self._put(instance_id, entry)

    @contextmanager
    def raw_reading(self):
        """A DB-API connection for the engine's own one-statement reads: no ORM session, and no
        transaction around a single SELECT (autocommit on PostgreSQL, SQLite's own implicit
        read transaction)."""
        bind = self.sessions.kw["bind"]
        with bind.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn.connection.driver_connection

    @cached_property
    def outbox(self):
        """Delivery, retries and incidents of outbox messages (:class:`engine.outbox.Outbox`)."""
        from .outbox import Outbox
        return Outbox(self)

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def _take(self, instance_id: int, lock_version: int) -> _Entry | None:
        with self._cache_lock:
            entry = self._cache.pop(instance_id, None)
        if entry is not None and entry.lock_version == lock_version:
            return entry
        return None

    def _put(self, instance_id: int, entry: _Entry) -> None:
        if self._cache_size <= 0:
            return
        with self._cache_lock:
            self._cache[instance_id] = entry
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _emit(self, session, topic, payload, key, instance_id, now):
        exists = session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))
        if exists is not None:
            return
        session.execute(insert(OutboxMessage).values(
            idempotency_key=key, topic=topic, payload_json=json.dumps(payload, ensure_ascii=False, default=str),
            instance_id=instance_id, status="pending", attempts=0, created_at=now, next_attempt_at=now,
        ))

    def _audit(self, session, now, actor, action, instance_id=None, task_uuid=None, element_id=None, data=None, comment=""):
        """Queue an audit row; it is written with the command's save, or before the commit."""
        session.info.setdefault("peidai_audits", []).append({
            "at": self.fast.time(now), "actor": actor.username if isinstance(actor, Actor) else actor, "action": action,
            "instance_id": instance_id, "task_uuid": task_uuid, "element_id": element_id,
            "data_json": json.dumps(data or {}, ensure_ascii=False, default=str), "comment": comment or "",
        })

    def audit(self, session: Session, actor: Actor | str, action: str, *, instance_id: int | None = None,
              task_uuid: str | None = None, element_id: str | None = None, data: dict | None = None,
              comment: str = "", now: datetime | None = None) -> None:
        """Append an audit row in the caller's transaction (``unit_of_work``), for actions that
        happen outside the engine's commands (an urge, a document download, an admin change)."""
        self._audit(session, now or self.now(), actor, action, instance_id, task_uuid, element_id, data, comment)

    def _flush_audits(self, session, batch=None) -> None:
        rows = session.info.pop("peidai_audits", None)
        if not rows:
            return
        if batch is not None:
            batch.executemany(_SQL_INSERT_AUDIT, rows)
        else:
            with self.fast.batch(session) as b:
                b.executemany(_SQL_INSERT_AUDIT, rows)

    def _notify(self, ctx: EventContext, event: str, payload: dict) -> None:
        for listener in self.config.listeners:
            listener(ctx, event, payload)

    def _dispatch(self, task: spiff.TaskView, operation: str, params: dict):
        cmd: _Command | None = getattr(self._local, "command", None)
        handler = self.config.operations.get(operation)
        if handler is None:
            raise InvalidState(f"服务任务操作“{operation}”未注册", operation=operation)
        if cmd is None:
            raise RuntimeError("service task ran outside an engine command")
        ctx = EventContext(self, cmd.session, cmd.instance_id, cmd.actor, cmd.now, task)
        return handler(ctx, **params)

    @contextmanager
    def _running(self, cmd: _Command):
        previous = getattr(self._local, "command", None)
        self._local.command = cmd
        try:
            with spiff.use_clock(lambda: cmd.now):
                yield
        finally:
            self._local.command = previous

    # ------------------------------------------------------------------ models

    def validate_models(self, files: dict[str, str]):
        return self.models.validate(files)

    def deploy(self, files: dict[str, str], actor: Actor = SYSTEM_ACTOR, comment: str = "") -> dict:
        """Validate and deploy a set of files as one immutable version. A bad one changes nothing."""
        now = self.now()
        with self.unit_of_work() as s:
            version, created, warnings = self.models.deploy(s, files, actor.username, comment, now)
            if created:
                self._audit(s, now, actor, "model_deployed", data={"version": version.id, "hash": version.content_hash}, comment=comment)
            return {"version": version.id, "hash": version.content_hash, "created": created,
                    "warnings": [w.as_dict() for w in warnings]}

    def list_versions(self) -> list[dict]:
        with self.sessions() as s:
            rows = s.execute(select(ModelVersion.id, ModelVersion.content_hash, ModelVersion.author,
                                    ModelVersion.comment, ModelVersion.created_at, ModelVersion.info_json)
                             .order_by(ModelVersion.id)).all()
            return [{"version": r.id, "hash": r.content_hash, "author": r.author, "comment": r.comment,
                     "created_at": r.created_at, "processes": json.loads(r.info_json)["names"]} for r in rows]

    def version_files(self, version_id: int) -> dict[str, str]:
        with self.sessions() as s:
            return dict(self.models.load(s, version_id).files)

    def form(self, version_id: int, ref: str | None) -> dict | None:
        with self.sessions() as s:
            return self.models.load(s, version_id).form(ref)

    # ------------------------------------------------------------------ projections

    def _task_row(self, version: LoadedVersion, process_key: str, inst, task: spiff.TaskView, now) -> dict:
        info = version.element(process_key, task.element_id)
        props = task.properties or info.get("properties", {})
        role = self.config.role_for_lane(task.lane)
        scope = None
        if role is not None and role.scope_field:
            value = task.data.get(role.scope_field)
            scope = None if value is None else str(value)
        assignee = None
        if props.get("assignee"):
            value = self.runtime.environment.evaluate(props["assignee"], dict(task.data))
            assignee = str(value) if value else None
        due = None
        if props.get("dueIn"):
            expr = self.runtime.environment.evaluate(props["dueIn"], dict(task.data))
            if expr:
                due = spiff.iso_duration_from(now, str(expr))
        elif props.get("dueAt"):
            value = self.runtime.environment.evaluate(props["dueAt"], dict(task.data))
            if value:
                due = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        fields = {col: task.data.get(src) for col, src in self.config.projected_fields.items()}
        return {
            "task_uuid": task.uuid, "instance_id": inst["id"], "process_key": process_key,
            "element_id": task.element_id, "name": task.name or task.element_id,
            "role": role.key if role else (task.lane or ""), "scope": scope,
            "candidates": f",{assignee}," if assignee else None, "assignee": assignee,
            "state": OPEN, "form": props.get("form"),
            "org_unit": _s(fields.get("org_unit", inst.get("org_unit"))),
            "category": _s(fields.get("category", inst.get("category"))),
            "batch": _s(fields.get("batch", inst.get("batch"))),
            "title": _s(task.data.get(self.config.projected_fields.get("title", "title"))) or inst.get("title") or "",
            "created_at": now, "due_at": due, "started_by": inst.get("started_by", ""),
        }

    def _save(self, cmd: _Command, inst: dict, version: LoadedVersion, wf, entry: _Entry | None,
              completed: dict[str, tuple[str, str | None]] | None = None) -> _Entry:
        """Write state + projections + audit with the optimistic lock; returns the new cache entry."""
        s, now, fast = cmd.session, cmd.now, self.fast
        self.runtime.check_depth(wf)
        ready = {t.uuid: t for t in self.runtime.ready_human_tasks(wf)}
        if entry is not None:
            before = entry.open_tasks
            before_timers = entry.timers
        else:
            before = {uuid: {"element_id": el} for uuid, el in fast.all(s, _SQL_OPEN_TASKS, {"b_id": inst["id"]})}
            before_timers = None
        done = entry.done if entry is not None else None
        opened = [t for u, t in ready.items() if u not in before]
        if opened:  # elements that leave in this command count as done (the next iteration opened at once)
            left = {row["element_id"] for uuid, row in before.items() if uuid not in ready}
            done = self._start_clean(s, inst["id"], version, opened, done, left)
        fragments = entry.fragments if entry else {}
        self.runtime.prune(wf, fragments)
        state_text = self.runtime.dump(wf, fragments)
        waiting = self.runtime.waiting_timers(wf)
        # a full tree walk, so only when nothing visibly waits
        if inst["status"] in (RUNNING, ERROR) and not ready and not waiting and self.runtime.is_completed(wf):
            status = COMPLETED
        else:
            status = inst["status"] if inst["status"] != ERROR else RUNNING
        if status not in (RUNNING, SUSPENDED):
            waiting = []
        newly_completed = status == COMPLETED and inst["status"] != COMPLETED
        if newly_completed:
            self._audit(s, now, SYSTEM, "instance_completed", inst["id"])

        completed = completed or {}
        new_rows = [self._task_row(version, inst["process_key"], inst, t, now) for u, t in ready.items() if u not in before]
        timers = set((u, d) for u, _, d in waiting)
        t_now = fast.time(now)

        # One batch (one round trip on PostgreSQL). The instance update goes first and decides the
        # lock; a loser's other writes cannot fail (task inserts ignore duplicates) and are rolled
        # back with the Conflict below.
        with fast.batch(s) as batch:
            saved = batch.execute(_SQL_SAVE_INSTANCE, {
                "b_id": inst["id"], "b_lock": inst["lock_version"], "state": state_text,
                "lock_version": inst["lock_version"] + 1, "status": status,
                "ended_at": t_now if status in (COMPLETED, CANCELLED_I) else None})
            for uuid in before.keys() - ready.keys():
                if uuid in completed:
                    actor, outcome = completed[uuid]
                    batch.execute(_SQL_COMPLETE_TASK, {"b_uuid": uuid, "completed_at": t_now, "completed_by": actor, "outcome": outcome})
                else:
                    batch.execute(_SQL_CANCEL_TASK, {"b_uuid": uuid, "completed_at": t_now})
            batch.executemany(_SQL_INSERT_TASK, [
                r | {"created_at": t_now, "due_at": fast.time(r["due_at"]), "completed_at": None, "completed_by": None,
                     "outcome": None} for r in new_rows])
            if before_timers is None:
                batch.execute(_SQL_DELETE_TIMERS, {"b_id": inst["id"]})
                before_timers = set()
            for uuid, _ in before_timers - timers:
                batch.execute(_SQL_DELETE_TIMER, {"b_id": inst["id"], "b_uuid": uuid})
            elements = {u: e for u, e, _ in waiting}
            batch.executemany(_SQL_INSERT_TIMER, [
                {"instance_id": inst["id"], "task_uuid": u, "element_id": elements.get(u, ""), "due_at": fast.time(d)}
                for u, d in timers - before_timers])
            self._flush_audits(s, batch)
        if saved.rowcount != 1:
            raise Conflict("该事项已被他人处理或正在处理，请刷新后重试", instance_id=inst["id"])
        open_tasks = {u: {"element_id": t.element_id} for u, t in ready.items()}

        ctx = EventContext(self, s, inst["id"], cmd.actor, now)
        for row in new_rows:
            self._notify(ctx, "task_created", row)
        for uuid, (actor, outcome) in completed.items():
            self._notify(ctx, "task_completed", {"task_uuid": uuid, "actor": actor, "outcome": outcome})
        if newly_completed:
            self._notify(ctx, "instance_completed", {"instance_id": inst["id"], "process_key": inst["process_key"],
                                                     "data": self.runtime.data(wf)})
        inst["lock_version"] += 1
        inst["status"] = status
        if done is not None:
            done = done | {row["element_id"] for uuid, row in before.items() if uuid not in ready}
        return _Entry(inst["lock_version"], wf, fragments, open_tasks, timers, finished=status in (COMPLETED, CANCELLED_I),
                      done=done)

    def _start_clean(self, s, instance_id: int, version: LoadedVersion, opened: list, done: set | None,
                     left: set) -> set:
        """Each loop iteration starts clean: a human task that opens again (its element was
        completed or cancelled before in this instance) loses the previous answers to its form,
        except the fields the task names in ``keepFields`` (``*``: all). Returns the set of
        elements done so far (read from the projection when the cache does not know it)."""
        if done is None:
            done = {r[0] for r in self.fast.all(s, _SQL_DONE_ELEMENTS, {"b_id": instance_id})}
        done = done | left
        for task in opened:
            if task.element_id not in done:
                continue
            props = task.properties or {}
            keep = str(props.get("keepFields") or "").strip()
            if keep == "*":
                continue
            kept = {n.strip() for n in keep.split(",") if n.strip()}
            for name in forms.writable_fields(version.form_schema(props.get("form"))):
                if name not in kept:
                    task.data.pop(name, None)
        return done

    # ------------------------------------------------------------------ instances

    def start(self, process_key: str, data: dict | None = None, actor: Actor = SYSTEM_ACTOR, *,
              business_key: str | None = None, title: str = "", parent_id: int | None = None) -> int:
        """Start the newest deployed version of ``process_key`` and run it to its first wait.
        A person (any actor but the system) may start only what the process declares in
        ``startRoles``, within their scope; start data must match its ``startForm``."""
        now = self.now()
        with self._command_scope() as s:
            return self._start_in(s, process_key, data if data is not None else {}, actor, now, business_key=business_key,
                                  title=title, parent_id=parent_id, from_outside=not actor.is_system)

    def _start_in(self, s: Session, process_key, data, actor, now, *, business_key=None, title="", parent_id=None,
                  version_id=None, from_outside=False) -> int:
        if not isinstance(data, dict):
            raise InvalidData("启动数据必须是 JSON 对象", errors=[{"field": "", "code": "not_object", "params": {},
                                                               "message": "启动数据必须是 JSON 对象"}])
        if not isinstance(process_key, str) or not process_key:
            raise NotFound("流程不存在", process_key=str(process_key)[:80])
        if not version_id:
            row = self.fast.one(s, _SQL_LATEST_VERSION, {"k": process_key})
            if row is None:
                raise NotFound(f"流程“{process_key[:80]}”不存在或尚未部署", process_key=process_key[:80])
            version_id = row[0]
        version = self.models.load(s, version_id)
        spec = version.specs.get(process_key)
        if spec is None:
            raise NotFound(f"版本 {version_id} 中没有流程“{process_key[:80]}”")
        props = version.processes.get(process_key, {})
        name = version.names.get(process_key, "")
        if from_outside:
            self.policy.check_start(actor, process_key, name, props, None)
        if from_outside or props.get("startForm"):
            data = forms.check(version.form_schema(props.get("startForm")), data, what="启动数据")
        if from_outside:
            self.policy.check_start(actor, process_key, name, props, data)
        fields = {col: _s(data.get(src)) for col, src in self.config.projected_fields.items() if col != "title"}
        title = title or _s(data.get(self.config.projected_fields.get("title", "title"))) or ""
        inst_id = self.fast.one(s, _SQL_INSERT_INSTANCE, {
            "process_key": process_key, "version_id": version_id, "status": RUNNING, "lock_version": 1, "state": "",
            "business_key": business_key, "title": title[:300], "parent_id": parent_id, "started_by": actor.username,
            "started_at": self.fast.time(now), "org_unit": fields.get("org_unit"), "category": fields.get("category"),
            "batch": fields.get("batch")})[0]
        inst = {"id": inst_id, "process_key": process_key, "status": RUNNING, "lock_version": 1, "title": title,
                "started_by": actor.username, **fields}
        self._audit(s, now, actor, "instance_started", inst_id, data=data)
        cmd = _Command(s, inst_id, actor, now)
        with self._running(cmd):
            wf = self.runtime.new(spec["spec"], spec["subprocess_specs"], data)
            self._notify(EventContext(self, s, inst_id, actor, now), "instance_started", {"process_key": process_key, "data": data})
            self._run(wf)
            entry = self._save(cmd, inst, version, wf, _Entry(1, None, {}, {}, set(), done=set()))  # nothing projected yet
        self._after_commit(s, inst_id, entry)
        return inst_id

    @staticmethod
    def _after_commit(s: Session, instance_id: int, entry: _Entry) -> None:
        """Cache the workflow once the surrounding transaction has committed (see unit_of_work).
        A finished instance takes no more commands: it is not cached."""
        if entry.wf is not None and not entry.finished:
            s.info.setdefault("peidai_cache", {})[instance_id] = entry

    def _run(self, wf) -> None:
        try:
            self.runtime.run(wf)
        except spiff.WorkflowFailure as exc:
            raise InvalidState(f"流程执行出错（{exc.element_id or '未知元素'}）：{exc}", element=exc.element_id) from exc

    def _load_row(self, s: Session, instance_id: int, lock: bool = False, skip_locked: bool = False):
        sql = _SQL_LOAD_INSTANCE
        if lock and self.dialect == "postgresql":
            sql += " FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE"
        row = self.fast.one(s, sql, {"b_id": instance_id})
        return dict(zip(_INSTANCE_KEYS, row)) if row is not None else None

    def _checkout(self, s: Session, inst: dict):
        version = self.models.load(s, inst["version_id"])
        entry = self._take(inst["id"], inst["lock_version"])
        if entry is not None:
            return version, entry.wf, entry
        spec = version.specs[inst["process_key"]]
        state = s.connection().execute(_LOAD_STATE, {"b_id": inst["id"], "b_lock": inst["lock_version"]}).scalar()
        if state is None:
            raise Conflict("该事项已被他人处理，请刷新后重试", instance_id=inst["id"])
        wf = self.runtime.load(state, spec["spec"], spec["subprocess_specs"])
        return version, wf, None

    def _command(self, instance_id: int | Callable[[Session], int], actor: Actor, fn: Callable, *, allow=(RUNNING,), lock=False,
                 skip_locked=False, now: datetime | None = None):
        """Load -> fn(cmd, inst, version, wf) -> save, in one transaction. Returns fn's result."""
        now = now or self.now()
        try:
            return self._command_tx(instance_id, actor, fn, allow, lock, skip_locked, now)
        except _NothingToDo:
            return None

    def _command_tx(self, instance_id, actor, fn, allow, lock, skip_locked, now):
        with self._command_scope() as s:
            inst = None
            if callable(instance_id):
                instance_id = instance_id(s)
                if isinstance(instance_id, dict):  # the resolver read the row already
                    inst, instance_id = instance_id, instance_id["id"]
            if inst is None:
                inst = self._load_row(s, row_id(instance_id, "流程实例"), lock=lock, skip_locked=skip_locked)
            if inst is None:
                if skip_locked:
                    return None
                raise NotFound(f"流程实例 {instance_id} 不存在")
            if inst["status"] not in allow:
                raise InvalidState(f"流程实例当前状态为“{STATUS_LABELS.get(inst['status'], inst['status'])}”，不能执行此操作",
                                   status=inst["status"])
            version, wf, entry = self._checkout(s, inst)
            cmd = _Command(s, instance_id, actor, now)
            with self._running(cmd):
                result, completed = fn(cmd, inst, version, wf)
                new_entry = self._save(cmd, inst, version, wf, entry, completed)
            self._after_commit(s, instance_id, new_entry)
            return result

    def cancel(self, instance_id: int, actor: Actor, reason: str) -> None:
        if not (reason or "").strip():
            raise InvalidData("取消流程必须填写原因")

        def fn(cmd, inst, version, wf):
            self.runtime.cancel(wf)
            inst["status"] = CANCELLED_I
            self._audit(cmd.session, cmd.now, actor, "instance_cancelled", inst["id"], comment=reason)
            self._notify(EventContext(self, cmd.session, inst["id"], actor, cmd.now), "instance_cancelled",
                         {"instance_id": inst["id"], "reason": reason})
            return None, {}

        self._command(instance_id, actor, fn, allow=(RUNNING, SUSPENDED, ERROR))

    def _set_status(self, instance_id, actor, status, allow, action, reason):
        now = self.now()
        with self.unit_of_work() as s:
            inst = self._load_row(s, row_id(instance_id, "流程实例"), lock=True)
            if inst is None:
                raise NotFound(f"流程实例 {instance_id} 不存在")
            if inst["status"] not in allow:
                raise InvalidState(f"流程实例当前状态为“{STATUS_LABELS.get(inst['status'], inst['status'])}”，不能执行此操作")
            res = s.execute(update(Instance).where(Instance.id == instance_id, Instance.lock_version == inst["lock_version"])
                            .values(status=status, lock_version=inst["lock_version"] + 1))
            if res.rowcount != 1:
                raise Conflict("该事项已被他人处理，请刷新后重试")
            self._audit(s, now, actor, action, instance_id, comment=reason or "")
        with self._cache_lock:
            entry = self._cache.get(instance_id)
            if entry is not None and entry.lock_version == inst["lock_version"]:
                entry.lock_version += 1

    def suspend(self, instance_id: int, actor: Actor, reason: str = "") -> None:
        self._set_status(instance_id, actor, SUSPENDED, (RUNNING,), "instance_suspended", reason)

    def resume(self, instance_id: int, actor: Actor, reason: str = "") -> None:
        self._set_status(instance_id, actor, RUNNING, (SUSPENDED,), "instance_resumed", reason)

    def instance(self, instance_id: int) -> dict:
        with self.sessions() as s:
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
        with self.sessions() as s:
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

    # ------------------------------------------------------------------ migration (policy: engine/migration.py)

    def _target_spec(self, s: Session, process_key: str, version_id: int) -> dict:
        spec = self.models.load(s, version_id).specs.get(process_key)
        if spec is None:
            raise InvalidState(f"目标版本 {version_id} 中没有流程“{process_key}”", version=version_id)
        return spec

    def migration_changes(self, instance_id: int, version_id: int) -> list[dict]:
        """What moving the instance onto ``version_id`` would touch (see :func:`spiff.migration_changes`).
        Deserializes the workflow: for a preview, never for lists."""
        with self.sessions() as s:
            inst = self._load_row(s, instance_id)
            if inst is None:
                raise NotFound(f"流程实例 {instance_id} 不存在")
            target = self._target_spec(s, inst["process_key"], version_id)
            spec = self.models.load(s, inst["version_id"]).specs[inst["process_key"]]
            state = s.connection().execute(_LOAD_STATE, {"b_id": instance_id, "b_lock": inst["lock_version"]}).scalar()
            wf = self.runtime.load(state, spec["spec"], spec["subprocess_specs"])
            return spiff.migration_changes(self.runtime, wf, target["spec"], target["subprocess_specs"])

    def migrate_instance(self, instance_id: int, version_id: int, actor: Actor,
                         check: Callable[[list[dict]], str | None], comment: str = "") -> dict:
        """Move a running or suspended instance onto another deployed version, in one command.
        ``check(changes)`` returns why it must not move (``None``: it may); the refusal raises
        :class:`InvalidState` and changes nothing. Audited as ``instance_migrated``."""
        self._take(instance_id, -1)  # the cached fragments belong to the old specs

        def fn(cmd, inst, version, wf):
            if inst["version_id"] == version_id:
                raise InvalidState(f"流程实例已在版本 {version_id} 上")
            target = self._target_spec(cmd.session, inst["process_key"], version_id)
            changes = spiff.migration_changes(self.runtime, wf, target["spec"], target["subprocess_specs"])
            reason = check(changes)
            if reason:
                raise InvalidState(reason, changes=changes)
            spiff.migrate(self.runtime, wf, target["spec"], target["subprocess_specs"])
            cmd.session.execute(update(Instance).where(Instance.id == inst["id"]).values(version_id=version_id))
            self._audit(cmd.session, cmd.now, actor, "instance_migrated", inst["id"],
                        data={"from_version": inst["version_id"], "to_version": version_id, "changes": changes}, comment=comment)
            if inst["status"] == RUNNING:
                self._run(wf)
            result = {"instance_id": inst["id"], "from_version": inst["version_id"], "to_version": version_id}
            inst["version_id"] = version_id
            return result, {}

        return self._command(instance_id, actor, fn, allow=(RUNNING, SUSPENDED), lock=True)

    # ------------------------------------------------------------------ human tasks

    def open_tasks(self, instance_id: int) -> list[dict]:
        """The open human tasks of one instance (id, element, name, role, scope, assignee), from
        the projection; cheap enough to call after every step."""
        with self.raw_reading() as raw:
            rows = self.fast.all(raw, _SQL_OPEN_TASK_LIST, {"b_id": instance_id})
        return [dict(zip(("id", "element_id", "name", "role", "scope", "assignee", "form"), r)) for r in rows]

    def _task(self, s: Session, task_id: int | str) -> HumanTask:
        q = select(HumanTask)
        q = q.where(HumanTask.task_uuid == task_id) if isinstance(task_id, str) and not task_id.isdigit() \
            else q.where(HumanTask.id == row_id(task_id, "待办事项"))
        row = s.scalar(q)
        if row is None:
            raise NotFound("待办事项不存在")
        return row

    def can_act(self, actor: Actor, task: HumanTask) -> bool:
        return self.policy.can_act(actor, task)

    def can_see(self, actor: Actor, task: HumanTask) -> bool:
        return self.policy.can_see(actor, task)

    def get_task(self, task_id, actor: Actor) -> dict:
        with self.sessions() as s:
            t = self._task(s, task_id)
            if not self.can_see(actor, t):
                raise NotFound("待办事项不存在")
            out = _row_dict(t)
            inst = s.get(Instance, t.instance_id)
            out["version_id"] = inst.version_id
            out["can_act"] = t.state == OPEN and self.can_act(actor, t)
            out["can_claim"] = t.state == OPEN and t.assignee is None and actor.holds(t.role, t.scope)
            return out

    def complete_task(self, task_id, data: dict, actor: Actor, *, comment: str = "", outcome: str | None = None,
                      expected_version: int | None = None) -> dict:
        """Complete a human task with form data. The task's form (JSON Schema of the instance's own
        model version) is the contract: only the properties it declares are written, and data it
        refuses raise :class:`InvalidData` with one entry per field (see :mod:`engine.forms`).
        The engine also checks who may act and the lock."""
        if not isinstance(data, dict):
            raise InvalidData("提交的数据必须是 JSON 对象")
        found = {}

        def resolve(s: Session) -> int:
            inst = None
            if isinstance(task_id, int) or (isinstance(task_id, str) and task_id.isdigit()):
                row = self.fast.one(s, _SQL_TASK_BY_ID, {"b_id": row_id(task_id, "待办事项")})
                t = _TaskRef(*row[:9]) if row is not None else None
                inst = dict(zip(_INSTANCE_KEYS, row[9:])) if row is not None else None
            else:
                t = self._task(s, task_id)
            if t is None:
                raise NotFound("待办事项不存在")
            if t.state != OPEN:
                raise Conflict("该待办已经办理完毕", task_state=t.state)
            if not self.can_act(actor, t):
                raise PermissionDenied("您无权办理此事项")
            found.update(uuid=t.task_uuid, element=t.element_id, form=t.form)
            return inst or t.instance_id

        def fn(cmd, inst, version, wf):
            uuid, element = found["uuid"], found["element"]
            # the form of the task in the instance's own version is the contract (DESIGN.md invariant 9)
            clean = forms.check(version.form_schema(found["form"]), data)
            try:
                view = self.runtime.complete(wf, uuid, clean)
            except LookupError:
                raise Conflict("该待办已经办理完毕或已被撤销")
            except spiff.WorkflowFailure as exc:
                raise InvalidState(f"流程执行出错（{exc.element_id or element}）：{exc}", element=exc.element_id) from exc
            self._audit(cmd.session, cmd.now, actor, "task_completed", inst["id"], uuid, element, data=clean, comment=comment)
            self._run(wf)
            return {"instance_id": inst["id"], "task_uuid": uuid, "element_id": view.element_id}, {uuid: (actor.username, outcome)}

        return self._command(resolve, actor, fn)

    def _task_update(self, task_id, actor: Actor, check: Callable[[HumanTask], None], values: Callable[[HumanTask], dict],
                     action: str, comment: str = "", data: dict | None = None) -> None:
        now = self.now()
        with self.unit_of_work() as s:
            t = self._task(s, task_id)
            if t.state != OPEN:
                raise Conflict("该待办已经办理完毕")
            check(t)
            before_assignee = t.assignee
            res = s.execute(update(HumanTask).where(HumanTask.id == t.id, HumanTask.state == OPEN,
                                                    (HumanTask.assignee == before_assignee) if before_assignee else HumanTask.assignee.is_(None))
                            .values(**values(t)))
            if res.rowcount != 1:
                raise Conflict("该待办已被他人处理，请刷新后重试")
            self._audit(s, now, actor, action, t.instance_id, t.task_uuid, t.element_id, data=data, comment=comment)
            if action in ("task_assigned", "task_transferred"):
                row = _row_dict(t) | values(t)
                self._notify(EventContext(self, s, t.instance_id, actor, now), "task_created", row)

    def claim(self, task_id, actor: Actor) -> None:
        def check(t):
            if t.assignee == actor.username:
                raise Conflict("您已认领此事项")
            if t.assignee:
                raise Conflict("此事项已被他人认领")
            if not actor.holds(t.role, t.scope):
                raise PermissionDenied("您不在此事项的办理范围内")
        self._task_update(task_id, actor, check, lambda t: {"assignee": actor.username}, "task_claimed")

    def unclaim(self, task_id, actor: Actor) -> None:
        def check(t):
            if t.assignee != actor.username:
                raise PermissionDenied("只能退回自己认领的事项")
        self._task_update(task_id, actor, check, lambda t: {"assignee": None}, "task_unclaimed")

    def assign(self, task_id, actor: Actor, username: str, comment: str = "") -> None:
        """A manager of the task's role (membership without scope) or an admin gives it to a user."""
        target = self.actor_for(username)

        def check(t):
            if not (actor.holds(t.role, None) or self.config.admin_role in actor.roles or
                    (t.assignee is None and actor.holds(t.role, t.scope))):
                raise PermissionDenied("您无权分派此事项")
            if not target.holds(t.role, t.scope):
                raise InvalidData(f"用户 {username} 不具备办理此事项的角色或范围")
        self._task_update(task_id, actor, check, lambda t: {"assignee": username}, "task_assigned", comment, {"to": username})

    def transfer(self, task_id, actor: Actor, username: str, comment: str) -> None:
        """转办: the holder hands the task to another user of the same role and scope, with a comment."""
        if not (comment or "").strip():
            raise InvalidData("转办必须填写说明")
        target = self.actor_for(username)

        def check(t):
            if not self.can_act(actor, t):
                raise PermissionDenied("您无权转办此事项")
            if username == actor.username:
                raise InvalidData("不能转办给自己")
            if not target.holds(t.role, t.scope):
                raise InvalidData(f"用户 {username} 不具备办理此事项的角色或范围")
        self._task_update(task_id, actor, check, lambda t: {"assignee": username}, "task_transferred", comment, {"to": username})

    def _withdraw_blocker(self, s: Session, t: HumanTask, actor: Actor) -> str | None:
        """Why ``actor`` cannot withdraw completed task ``t`` (None: it can)."""
        if t.state != DONE or t.completed_by != actor.username:
            return "只能撤回本人已办理的事项"
        inst = s.get(Instance, t.instance_id)
        if inst is None or inst.status != RUNNING:
            return "流程已结束，不能撤回"
        last = s.scalar(select(HumanTask.id).where(HumanTask.instance_id == t.instance_id, HumanTask.state == DONE)
                        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(1))
        if last != t.id:
            return "后续环节已办理，不能撤回"
        if s.scalar(select(HumanTask.id).where(HumanTask.instance_id == t.instance_id, HumanTask.state == OPEN,
                                               HumanTask.element_id == t.element_id).limit(1)) is not None:
            return "会签尚未结束，不能撤回单个意见"
        return None

    def _task_workflow(self, s: Session, t: HumanTask):
        inst = self._load_row(s, t.instance_id)
        spec = self.models.load(s, inst["version_id"]).specs[inst["process_key"]]
        state = s.connection().execute(_LOAD_STATE, {"b_id": inst["id"], "b_lock": inst["lock_version"]}).scalar()
        return None if state is None else self.runtime.load(state, spec["spec"], spec["subprocess_specs"])

    def task_data(self, task_id, actor: Actor) -> dict:
        """The data a human task sees (to fill its form), for whoever may read the task.
        Deserializes the workflow: for one task page, never for lists."""
        with self.sessions() as s:
            t = self._task(s, task_id)
            if not self.can_see(actor, t):
                raise NotFound("待办事项不存在")
            wf = self._task_workflow(s, t)
            return (self.runtime.task_data(wf, t.task_uuid) if wf is not None else None) or {}

    def can_withdraw(self, task_id, actor: Actor) -> bool:
        """Whether :meth:`withdraw` would succeed now (reads the workflow when the projection allows it)."""
        with self.sessions() as s:
            try:
                t = self._task(s, task_id)
            except NotFound:
                return False
            if self._withdraw_blocker(s, t, actor) is not None:
                return False
            wf = self._task_workflow(s, t)
            return wf is not None and self.runtime.can_reset(wf, t.task_uuid)

    def withdraw(self, task_id, actor: Actor, comment: str = "") -> None:
        """撤回: the actor takes back its own last completion while the next step has not acted;
        the task opens again for the actor and the tasks that followed it are cancelled."""
        with self.sessions() as s:
            t = self._task(s, task_id)
            row_id, uuid, instance_id, element = t.id, t.task_uuid, t.instance_id, t.element_id
        self._take(instance_id, -1)  # _save must read the open tasks from the database

        def fn(cmd, inst, version, wf):
            blocker = self._withdraw_blocker(cmd.session, cmd.session.get(HumanTask, row_id), actor)
            if blocker:
                raise InvalidState(blocker)
            try:
                self.runtime.reset_to(wf, uuid)
            except LookupError:
                raise InvalidState("该事项无法撤回")
            cmd.session.execute(update(HumanTask).where(HumanTask.id == row_id).values(
                state=OPEN, completed_at=None, completed_by=None, outcome=None, assignee=actor.username))
            self._audit(cmd.session, cmd.now, actor, "task_withdrawn", inst["id"], uuid, element, comment=comment)
            return None, {}

        self._command(instance_id, actor, fn)

    # ------------------------------------------------------------------ timers

    def fire_due_timers(self, now: datetime | None = None, limit: int = 500) -> dict:
        """Fire what is due. Safe to run twice at once: each instance is locked (or its optimistic
        lock decides), a locked one is skipped, an error is logged and the sweep goes on."""
        now = now or self.now()
        counts = {"due": 0, "fired": 0, "skipped": 0, "errors": 0}
        with self.raw_reading() as raw:
            # the library fires strictly after the due time; suspended instances wait for resume
            ids = [r[0] for r in self.fast.all(raw, _SQL_DUE_INSTANCES, {"now": self.fast.time(now), "lim": limit})]
        counts["due"] = len(ids)

        for instance_id in ids:
            try:
                done = self.fire_timers_for(instance_id, now)
                counts["fired" if done else "skipped"] += 1
            except (Conflict, InvalidState) as exc:
                if isinstance(exc, InvalidState) and exc.details.get("status") is None:
                    counts["errors"] += 1
                    self._record_error(instance_id, exc, now)
                else:
                    counts["skipped"] += 1
            except Exception as exc:  # one broken instance must not stop the sweep
                log.exception("timer on instance %s failed", instance_id)
                counts["errors"] += 1
                self._record_error(instance_id, exc, now)
        return counts

    def fire_timers_for(self, instance_id: int, now: datetime | None = None) -> bool:
        """Fire the due timers of one instance. Returns False when there was nothing to fire or
        another process holds the instance (it will fire them)."""

        def fn(cmd, inst, version, wf):
            # another sweep may have fired it between our query and our lock
            if self.fast.one(cmd.session, _SQL_STILL_DUE, {"b_id": inst["id"], "now": self.fast.time(cmd.now)}) is None:
                raise _NothingToDo()
            self.runtime.fire_timers(wf)
            self._audit(cmd.session, cmd.now, SYSTEM, "timer_fired", inst["id"])
            return True, {}

        return bool(self._command(instance_id, SYSTEM_ACTOR, fn, lock=True, skip_locked=True, now=now or self.now()))

    def _record_error(self, instance_id: int, exc: Exception, now: datetime) -> None:
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        with self.unit_of_work() as s:
            s.execute(update(Instance).where(Instance.id == instance_id).values(
                status=ERROR, error=message, lock_version=Instance.lock_version + 1))
            s.execute(delete(Timer).where(Timer.instance_id == instance_id))
            self._audit(s, now, SYSTEM, "instance_failed", instance_id, comment=message)
            self._emit(s, "incident", {"instance_id": instance_id, "error": message}, f"incident:{instance_id}:{now.isoformat()}",
                       instance_id, now)

    def next_timer_due(self) -> datetime | None:
        with self.sessions() as s:
            return s.scalar(select(Timer.due_at).order_by(Timer.due_at).limit(1))

    # ------------------------------------------------------------------ identity

    def actor_for(self, username: str) -> Actor:
        with self.sessions() as s:
            user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
            if user is None:
                raise NotFound(f"用户 {username} 不存在或已停用")
            ms = s.execute(select(Membership.role, Membership.scope).where(Membership.user_id == user.id)).all()
            return Actor(username, frozenset((m.role, m.scope) for m in ms))

    def role(self, key: str) -> Role | None:
        return self.config.roles.get(key)


class _LazySession:
    """Stands in for the ORM ``Session`` of an engine command (see ``Engine._command_scope``):
    ``info`` and ``connection()`` are its own; anything else creates the real session, bound to
    the command's connection and transaction, and is passed on to it."""

    def __init__(self, conn):
        self._conn = conn
        self._orm: Session | None = None
        self.info = {"peidai_raw": conn.connection.driver_connection}

    def connection(self, **_kwargs):
        return self._conn

    @property
    def orm(self) -> Session:
        if self._orm is None:
            self._orm = Session(bind=self._conn, expire_on_commit=False)
        return self._orm

    def __getattr__(self, name):
        return getattr(self.orm, name)


@dataclass
class _TaskRef:
    id: int
    task_uuid: str
    instance_id: int
    element_id: str
    state: str
    assignee: str | None
    role: str
    scope: str | None
    form: str | None = None


class _NothingToDo(Exception):
    """Raised inside a command to roll it back quietly (nothing to change)."""


STATUS_LABELS = {RUNNING: "运行中", SUSPENDED: "已挂起", COMPLETED: "已完成", CANCELLED_I: "已取消", ERROR: "出错"}


MAX_ID = 2 ** 63 - 1


def row_id(value, what: str = "记录") -> int:
    """A database id from a caller: an int (or digit string) within the 64-bit range, or
    :class:`NotFound` (an id that cannot exist is simply not there)."""
    try:
        number = int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not 0 < number <= MAX_ID:
        raise NotFound(f"{what}不存在")
    return number


def _s(value) -> str | None:
    return None if value is None else str(value)


def _row_dict(t: HumanTask) -> dict:
    return {c.key: getattr(t, c.key) for c in HumanTask.__table__.columns}
