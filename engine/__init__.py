"""Domain-agnostic BPM layer over SpiffWorkflow. Only :mod:`engine.spiff` imports the library."""
from .clock import Clock, SystemClock, VirtualClock
from .config import EngineConfig, Role
from .errors import (Conflict, EngineError, InvalidData, InvalidState, LoopDepthError, ModelValidationError,
                     NotFound, PermissionDenied, ScriptLimitError, ScriptSecurityError)
from .access import SYSTEM_ACTOR, Actor
from .context import EventContext, ServiceContext
from .service import Engine

__all__ = [
    "Actor", "Clock", "Conflict", "Engine", "EngineConfig", "EngineError", "EventContext", "InvalidData",
    "InvalidState", "LoopDepthError", "ModelValidationError", "NotFound", "PermissionDenied", "Role",
    "SYSTEM_ACTOR", "ScriptLimitError", "ScriptSecurityError", "ServiceContext", "SystemClock", "VirtualClock",
]
