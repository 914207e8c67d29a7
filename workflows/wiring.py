"""What the mentor programme hands the engine: roles, service-task operations, listeners and
outbox deliverers. Each part lives in its own module; a module that exists contributes any of
``OPERATIONS`` (dict), ``LISTENERS`` (list), ``DELIVERERS`` (dict) and ``SCRIPT_GLOBALS`` (dict).
"""
from __future__ import annotations

import importlib

from engine import EngineConfig
from engine.tasks import assign_sole_holder

from .roles import CANCEL_ROLES, OVERSIGHT_ROLES, PROJECTED_FIELDS, ROLES

PARTS = ("workflows.handlers", "workflows.notifications", "workflows.documents")


def engine_config() -> EngineConfig:
    config = EngineConfig(roles=dict(ROLES), projected_fields=dict(PROJECTED_FIELDS), admin_role="admin",
                          oversight_roles=OVERSIGHT_ROLES, cancel_roles=CANCEL_ROLES)
    config.listeners.append(assign_sole_holder)   # first: the listeners after it see the assignee
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        config.operations.update(getattr(module, "OPERATIONS", {}))
        config.listeners.extend(getattr(module, "LISTENERS", []))
        config.deliverers.update(getattr(module, "DELIVERERS", {}))
        config.script_globals.update(getattr(module, "SCRIPT_GLOBALS", {}))
    return config
