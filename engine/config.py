"""What a domain hands the engine: its roles, its service-task operations, script helpers and
which instance data fields the projections copy into indexed columns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Role:
    """A lane in a BPMN file names a role, by ``key`` or by its Chinese ``label``.

    ``scope_field`` names the instance data field that limits who in the role sees a task
    (``unit_id`` for unit reviewers, ``category`` for experts); ``None`` means unscoped.

    ``sole_holder``: a new task of this role whose scope has exactly one active holder is
    assigned to that person at once (their 我的待办) instead of waiting in the group queue
    (待认领); with two or more holders it waits to be claimed. A task the model assigns itself
    (the ``assignee`` property) is left alone. Carried out by
    :func:`engine.tasks.assign_sole_holder`, a listener the domain lists first.
    """

    key: str
    label: str
    scope_field: str | None = None
    label_en: str = ""
    sole_holder: bool = False


Operation = Callable[..., Any]
"""A service-task handler: ``handler(ctx: ServiceContext, **params) -> JSON-able result``.

Example::

    def check_eligibility(ctx, nomination_id):
        row = ctx.session.get(Nomination, nomination_id)
        return {"eligible": True, "reasons": []}
"""

Listener = Callable[[Any, str, dict], None]
"""``listener(ctx, event, payload)``, ``ctx`` an :class:`engine.context.EventContext`: called
inside the engine's transaction for engine events (``task_created``,
``task_completed``, ``instance_started``, ``instance_completed``, ``instance_cancelled``,
``timer_fired``); a listener may write outbox messages with ``ctx.emit``."""


@dataclass
class EngineConfig:
    roles: dict[str, Role] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)
    script_globals: dict[str, Any] = field(default_factory=dict)
    # projection column -> instance data field
    projected_fields: dict[str, str] = field(default_factory=dict)
    listeners: list[Listener] = field(default_factory=list)
    # outbox topic -> deliverer(payload: dict, message_id: int, system) run by the worker
    deliverers: dict[str, Callable[..., None]] = field(default_factory=dict)
    admin_role: str = "admin"
    # roles that read every record (and act only where their own lanes say): see engine.access
    oversight_roles: frozenset[str] = frozenset()
    # roles that may cancel any instance (besides the administrators and whoever started it)
    cancel_roles: frozenset[str] = frozenset()

    def role_for_lane(self, lane: str | None) -> Role | None:
        if not lane:
            return None
        lane = lane.strip()
        if lane in self.roles:
            return self.roles[lane]
        for role in self.roles.values():
            if lane == role.label or lane.endswith(f"({role.key})") or lane.endswith(f"（{role.key}）"):
                return role
        return None
