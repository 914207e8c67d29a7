"""What the mentor programme hands the engine: roles, service-task operations, listeners."""
from __future__ import annotations

from engine import EngineConfig

from .roles import PROJECTED_FIELDS, ROLES


def engine_config() -> EngineConfig:
    operations: dict = {}
    listeners: list = []
    try:  # the programme's handlers, once they exist
        from .handlers import LISTENERS, OPERATIONS
        operations.update(OPERATIONS)
        listeners.extend(LISTENERS)
    except ModuleNotFoundError as exc:
        if exc.name != "workflows.handlers":
            raise
    return EngineConfig(roles=dict(ROLES), operations=operations, projected_fields=dict(PROJECTED_FIELDS),
                        listeners=listeners, admin_role="admin")
