"""Who may do what: the actor, and the engine's access policy for tasks and process starts.

Every rule here is checked by the engine's commands themselves, so every entry point (web, API,
command line, worker, simulator) gets the same answer:

* acting on a task: its assignee, or (unassigned) a holder of the task's role in its scope;
* reading a task: anyone who may act, completed or started it, an *overseer* (a role the domain
  names in :attr:`EngineConfig.oversight_roles`: it reads every record but acts only where its own
  role does), or an administrator;
* starting a process: only roles the process declares (``startRoles``), within the scope the start
  data names; a process that declares none is started by the programme itself, never from outside;
* cancelling an instance: the system, an administrator, a holder of a role the domain names in
  :attr:`EngineConfig.cancel_roles`, or whoever started it; a process that declares
  ``cancellable`` false (the programme cannot represent it ended half-way: a selection round, a
  mentoring period) only the system and administrators.
"""
from __future__ import annotations

from dataclasses import dataclass

from .config import EngineConfig
from .errors import PermissionDenied

SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user name and the (role, scope) pairs the user holds (scope None = all)."""

    username: str
    memberships: frozenset = frozenset()

    @property
    def roles(self) -> set[str]:
        return {r for r, _ in self.memberships}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def holds(self, role: str, scope: str | None) -> bool:
        return (role, None) in self.memberships or (scope is not None and (role, scope) in self.memberships)

    @property
    def is_system(self) -> bool:
        return self.username == SYSTEM and not self.memberships


SYSTEM_ACTOR = Actor(SYSTEM)


class Policy:
    """The access rules of one engine configuration."""

    def __init__(self, config: EngineConfig):
        self.config = config

    def oversees(self, actor: Actor) -> bool:
        """Reads every record (talent section, director, administrators)."""
        roles = actor.roles
        return self.config.admin_role in roles or bool(roles & set(self.config.oversight_roles))

    def can_act(self, actor: Actor, task) -> bool:
        if task.assignee:
            return task.assignee == actor.username
        return actor.holds(task.role, task.scope)

    def can_see(self, actor: Actor, task) -> bool:
        return (self.can_act(actor, task) or task.completed_by == actor.username
                or task.started_by == actor.username or actor.holds(task.role, task.scope)
                or self.oversees(actor))

    @staticmethod
    def cancellable(properties: dict | None) -> bool:
        """Whether people may cancel the process (its ``cancellable`` property; default yes)."""
        return str((properties or {}).get("cancellable", "true")).strip().lower() not in ("false", "no", "0")

    def can_cancel(self, actor: Actor, started_by: str | None, properties: dict | None = None) -> bool:
        roles = actor.roles
        if actor.is_system or self.config.admin_role in roles:
            return True
        return self.cancellable(properties) and (
            bool(roles & set(self.config.cancel_roles)) or (bool(started_by) and started_by == actor.username))

    @staticmethod
    def start_roles(properties: dict) -> list[str]:
        return [r.strip() for r in str(properties.get("startRoles") or "").split(",") if r.strip()]

    def check_start(self, actor: Actor, process_key: str, name: str, properties: dict, data: dict | None) -> None:
        """Raise :class:`PermissionDenied` unless ``actor`` may start the process with ``data``
        (``None``: check the roles only; the scope is checked once the data passed the form)."""
        roles = self.start_roles(properties)
        label = name or process_key
        if not roles:
            raise PermissionDenied(f"“{label}”由系统按流程自动发起，不能手动发起", reason="not_startable",
                                   process_key=process_key)
        held = [r for r in roles if actor.has_role(r)]
        if not held:
            names = "、".join(self.config.roles[r].label if r in self.config.roles else r for r in roles)
            raise PermissionDenied(f"只有{names}可以发起“{label}”", reason="role", process_key=process_key)
        if data is None:
            return
        for key in held:
            role = self.config.roles.get(key)
            if role is None or not role.scope_field:
                return
            value = data.get(role.scope_field)
            if value is not None and actor.holds(key, str(value)):
                return
        raise PermissionDenied(f"您只能为本人负责的范围发起“{label}”", reason="scope", process_key=process_key)
