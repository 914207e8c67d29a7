"""Instance commands: start, cancel, suspend, resume, and migration onto another model version
(the policy of what may move: :mod:`engine.migration`).

A person (any actor but the system) starts only what a process declares in ``startRoles``,
within their scope, with start data that match its ``startForm`` (:mod:`engine.access`,
:mod:`engine.forms`).
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import update
from sqlalchemy.orm import Session

from . import forms, spiff
from .access import SYSTEM_ACTOR, Actor
from .context import CANCELLED_I, ERROR, RUNNING, STATUS_LABELS, SUSPENDED, EventContext, _Command, row_id
from .errors import Conflict, InvalidData, InvalidState, NotFound, PermissionDenied
from .projection import _s
from .sql import _LOAD_STATE, _SQL_INSERT_INSTANCE, _SQL_LATEST_VERSION
from .store import _Entry
from .tables import Instance


class InstanceCommands:
    """Commands on a whole instance.

    Uses the engine's ``config``, ``models``, ``policy``, ``runtime`` and ``fast`` (set by
    ``Engine.__init__``), ``now``, ``unit_of_work``, ``_command_scope``, ``_running``, ``_audit`` and
    ``_notify`` (:class:`~engine.transactions.UnitOfWork`), ``_command``, ``_load_row``, ``_take``,
    ``_bump``, ``_run`` and ``_after_commit`` (:class:`~engine.store.WorkflowStore`) and ``_save``
    (:class:`~engine.projection.TaskProjection`)."""

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

    def cancel(self, instance_id: int, actor: Actor, reason: str) -> None:
        if not (reason or "").strip():
            raise InvalidData("取消流程必须填写原因")

        def fn(cmd, inst, version, wf):
            props = version.processes.get(inst["process_key"], {})
            if not self.policy.can_cancel(actor, inst.get("started_by"), props):
                if not self.policy.cancellable(props):
                    name = version.names.get(inst["process_key"]) or inst["process_key"]
                    raise PermissionDenied(f"“{name}”由系统按流程推进，不能手动取消；如确需取消，请联系系统管理员",
                                           reason="not_cancellable", process_key=inst["process_key"])
                raise PermissionDenied("您无权取消此流程", reason="not_allowed")
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
                raise InvalidState(f"流程实例当前状态为“{STATUS_LABELS.get(inst['status'], inst['status'])}”，不能执行此操作",
                                   status=inst["status"])
            res = s.execute(update(Instance).where(Instance.id == instance_id, Instance.lock_version == inst["lock_version"])
                            .values(status=status, lock_version=inst["lock_version"] + 1))
            if res.rowcount != 1:
                raise Conflict("该事项已被他人处理，请刷新后重试")
            self._audit(s, now, actor, action, instance_id, comment=reason or "")
        self._bump(instance_id, inst["lock_version"])

    def may_cancel(self, actor: Actor, inst: dict) -> bool:
        """Whether ``actor`` may cancel the instance ``inst`` (a row as :meth:`instance` gives it)
        now: it runs, and :meth:`Policy.can_cancel` allows it (for pages offering the action)."""
        if inst.get("status") not in (RUNNING, SUSPENDED, ERROR):
            return False
        with self.read_session() as s:
            props = self.models.load(s, inst["version_id"]).processes.get(inst["process_key"], {})
        return self.policy.can_cancel(actor, inst.get("started_by"), props)

    def suspend(self, instance_id: int, actor: Actor, reason: str = "") -> None:
        self._set_status(instance_id, actor, SUSPENDED, (RUNNING,), "instance_suspended", reason)

    def resume(self, instance_id: int, actor: Actor, reason: str = "") -> None:
        self._set_status(instance_id, actor, RUNNING, (SUSPENDED,), "instance_resumed", reason)

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
