"""Task commands: complete a human task (its form is the contract, :mod:`engine.forms`), claim,
unclaim, assign, transfer (转办) and withdraw (撤回); who may act on or see a task is the access
policy's answer (:mod:`engine.access`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from . import forms, spiff
from .access import Actor
from .context import DONE, MAX_ID, OPEN, RUNNING, EventContext, row_id
from .errors import Conflict, InvalidData, InvalidState, NotFound, PermissionDenied
from .identity import users_holding
from .projection import _row_dict
from .sql import _INSTANCE_KEYS, _LOAD_STATE, _SQL_TASK_BY_ID
from .tables import HumanTask, Instance

_TASKS_OF_INSTANCE = (select(*HumanTask.__table__.columns).where(HumanTask.instance_id == bindparam("iid"))
                      .order_by(HumanTask.created_at, HumanTask.id))


class TaskCommands:
    """Commands on one human task.

    Uses the engine's ``config``, ``models``, ``policy``, ``runtime``, ``fast`` and ``sessions`` (set
    by ``Engine.__init__``), ``now``, ``unit_of_work``, ``_audit`` and ``_notify``
    (:class:`~engine.transactions.UnitOfWork`), ``_command``, ``_load_row``, ``_take`` and ``_run``
    (:class:`~engine.store.WorkflowStore`) and ``actor_for`` (:class:`~engine.reads.Reads`)."""

    def _task(self, s: Session, task_id: int | str) -> HumanTask:
        q = select(HumanTask)
        q = q.where(HumanTask.task_uuid == task_id) if isinstance(task_id, str) and not task_id.isdigit() \
            else q.where(HumanTask.id == row_id(task_id, "待办事项", MAX_ID))
        row = s.scalar(q)
        if row is None:
            raise NotFound("待办事项不存在")
        return row

    def can_act(self, actor: Actor, task: HumanTask) -> bool:
        return self.policy.can_act(actor, task)

    def can_see(self, actor: Actor, task: HumanTask) -> bool:
        return self.policy.can_see(actor, task)

    def complete_task(self, task_id, data: dict, actor: Actor, *, comment: str = "", outcome: str | None = None,
                      expected_version: int | None = None, answer: Callable[[EventContext, dict], Any] | None = None) -> dict:
        """Complete a human task with form data. The task's form (JSON Schema of the instance's own
        model version) is the contract: only the properties it declares are written, and data it
        refuses raise :class:`InvalidData` with one entry per field (see :mod:`engine.forms`).
        The engine also checks who may act and the lock.

        Returns ``instance_id``, ``task_uuid`` and ``element_id`` of the task, and what the command
        left, read in its own transaction after the save (so a caller answering "what happened"
        reads nothing again, and sees this command's outcome, not a later one's):
        ``instance_status``, ``process_key``; and, when the caller passes ``answer``, ``tasks`` (the
        instance's human tasks as :func:`engine.queries.instance_tasks` lists them) and ``answer``:
        what ``answer(ctx, done)`` returned, the caller's own read in that transaction given the
        answer so far (without it both are None, and the step reads nothing more), e.g.::

            engine.complete_task(task_id, data, actor, answer=lambda ctx, done: result_of(
                ctx.session, ctx.instance_id, done["instance_status"]))
        """
        if not isinstance(data, dict):
            raise InvalidData("提交的数据必须是 JSON 对象")
        found = {}

        def resolve(s: Session) -> int:
            inst = None
            if isinstance(task_id, int) or (isinstance(task_id, str) and task_id.isdigit()):
                row = self.fast.one(s, _SQL_TASK_BY_ID, {"b_id": row_id(task_id, "待办事项", MAX_ID)})
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

        def after(cmd, inst, result):
            result.update(instance_status=inst["status"], process_key=inst["process_key"], tasks=None, answer=None)
            if answer is not None:   # only a caller that answers reads: the plain step stays as cheap as it was
                result["tasks"] = self._instance_tasks(cmd.session, inst["id"])
                result["answer"] = answer(EventContext(self, cmd.session, inst["id"], actor, cmd.now), result)
            return result

        return self._command(resolve, actor, fn, after=after)

    @staticmethod
    def _instance_tasks(s, instance_id: int) -> list[dict]:
        """The instance's human tasks, oldest first, in the command's transaction."""
        return [dict(r) for r in s.connection().execute(_TASKS_OF_INSTANCE, {"iid": instance_id}).mappings()]

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
        """A manager of the task's role (membership without scope) or an admin gives it to a user.
        Who may assign is checked before the user named is looked up: a refusal does not tell
        whether that user exists."""
        def check(t):
            if not (actor.holds(t.role, None) or self.config.admin_role in actor.roles or
                    (t.assignee is None and actor.holds(t.role, t.scope))):
                raise PermissionDenied("您无权分派此事项")
            target = self.actor_for(username)
            if not target.holds(t.role, t.scope):
                raise InvalidData(f"用户 {username} 不具备办理此事项的角色或范围", reason="no_role", username=username)
        self._task_update(task_id, actor, check, lambda t: {"assignee": username}, "task_assigned", comment, {"to": username})

    def transfer(self, task_id, actor: Actor, username: str, comment: str) -> None:
        """转办: the holder hands the task to another user of the same role and scope, with a comment."""
        if not (comment or "").strip():
            raise InvalidData("转办必须填写说明")

        def check(t):
            if not self.can_act(actor, t):
                raise PermissionDenied("您无权转办此事项")
            if username == actor.username:
                raise InvalidData("不能转办给自己")
            target = self.actor_for(username)
            if not target.holds(t.role, t.scope):
                raise InvalidData(f"用户 {username} 不具备办理此事项的角色或范围", reason="no_role", username=username)
        self._task_update(task_id, actor, check, lambda t: {"assignee": username}, "task_transferred", comment, {"to": username})

    def move_due(self, s: Session, instance_ids, element_ids, due_at) -> int:
        """Inside a command (a handler's ``ctx.session``): the open tasks ``element_ids`` of the
        instances ``instance_ids`` are due at ``due_at`` from now on (a deadline the task's ``dueAt``
        followed was moved). Returns how many tasks moved."""
        ids, elements = [int(i) for i in instance_ids], [str(e) for e in element_ids]
        if not ids or not elements:
            return 0
        return s.execute(update(HumanTask).where(HumanTask.instance_id.in_(ids), HumanTask.element_id.in_(elements),
                                                 HumanTask.state == OPEN).values(due_at=due_at)).rowcount

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


def assign_sole_holder(ctx: EventContext, event: str, payload: dict) -> None:
    """Listener (``task_created``): a task of a role marked ``sole_holder`` (:class:`engine.Role`)
    goes straight to the only active user holding that role in the task's scope. It updates the
    payload too, so the listeners after it (notifications) see the assignee: list it first."""
    if event != "task_created" or payload.get("assignee") or not payload.get("role"):
        return
    role = ctx.engine.config.roles.get(payload["role"])
    if role is None or not role.sole_holder:
        return
    holders = users_holding(ctx.session, role.key, payload.get("scope"))
    if len(holders) != 1:
        return
    done = ctx.session.execute(update(HumanTask).where(
        HumanTask.task_uuid == payload["task_uuid"], HumanTask.state == OPEN, HumanTask.assignee.is_(None))
        .values(assignee=holders[0]))
    if done.rowcount == 1:
        payload["assignee"] = holders[0]


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
