"""The engine's service API: :class:`Engine`. Every command is one database transaction:

load the instance -> run SpiffWorkflow -> save the state with its projections (human tasks,
timers), audit events and outbox messages -> commit. The instance row's ``lock_version`` decides
between two commands on one instance: the loser gets :class:`~engine.errors.Conflict`.

The Engine is put together from one class per responsibility; each says what of the engine it uses:

* :mod:`engine.context` — task and instance states, ``row_id``, :class:`EventContext` (``ctx``);
* :mod:`engine.transactions` — ``unit_of_work``, audit and outbox writes, listeners, service-task
  dispatch (:class:`~engine.transactions.UnitOfWork`);
* :mod:`engine.store` — the instance row, the workflow cache and ``_command``, the load -> run ->
  save frame of every command (:class:`~engine.store.WorkflowStore`);
* :mod:`engine.projection` — ``_save``: state, human tasks, timers in one batch
  (:class:`~engine.projection.TaskProjection`);
* :mod:`engine.instances` — start, cancel, suspend, resume, migrate
  (:class:`~engine.instances.InstanceCommands`);
* :mod:`engine.tasks` — complete, claim, unclaim, assign, transfer, withdraw
  (:class:`~engine.tasks.TaskCommands`);
* :mod:`engine.timers` — the timer sweep (:class:`~engine.timers.Timers`);
* :mod:`engine.reads` — an instance, a task, versions, a user (:class:`~engine.reads.Reads`);
* :mod:`engine.sql` — the hot-path SQL.

Model versions are validated and deployed here (:mod:`engine.registry`); the access policy is
:mod:`engine.access`, the outbox's delivery :mod:`engine.outbox`, inboxes :mod:`engine.queries`.
Modules import in one direction: ``config`` and ``access`` -> ``context`` -> ``transactions`` ->
``outbox`` and the parts above -> ``service`` -> ``queries``.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from functools import cached_property

from sqlalchemy.orm import sessionmaker

from . import spiff
from .access import SYSTEM, SYSTEM_ACTOR, Actor, Policy
from .clock import Clock
from .config import EngineConfig, Role
from .context import (CANCELLED, CANCELLED_I, COMPLETED, DONE, ERROR, MAX_ID, OPEN, RUNNING, STATUS_LABELS, SUSPENDED,
                      EventContext, ServiceContext, row_id)
from .errors import Conflict, InvalidData, InvalidState, NotFound, PermissionDenied
from .fastsql import FastSQL
from .instances import InstanceCommands
from .outbox import Outbox
from .projection import TaskProjection
from .reads import Reads
from .registry import LoadedVersion, ModelRegistry
from .store import WorkflowStore, _Entry
from .tasks import TaskCommands
from .timers import Timers
from .transactions import UnitOfWork

__all__ = [
    "CANCELLED", "CANCELLED_I", "COMPLETED", "DONE", "ERROR", "MAX_ID", "OPEN", "RUNNING", "STATUS_LABELS", "SUSPENDED",
    "SYSTEM", "SYSTEM_ACTOR", "Actor", "Clock", "Conflict", "Engine", "EngineConfig", "EventContext", "FastSQL",
    "InvalidData", "InvalidState", "LoadedVersion", "ModelRegistry", "NotFound", "PermissionDenied", "Policy", "Role",
    "ServiceContext", "row_id",
]


class Engine(InstanceCommands, TaskCommands, Timers, Reads, TaskProjection, WorkflowStore, UnitOfWork):
    """The engine: ``sessions`` (a session factory bound to the database), ``clock``, ``config``
    (what the domain hands in), ``runtime`` (SpiffWorkflow, :mod:`engine.spiff`), ``models``
    (deployed versions), ``policy`` (who may do what), ``fast`` (the hot path's SQL on the DB-API
    cursor) and the workflow cache (``_cache``, ``_cache_lock``, ``_cache_size``)."""

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

    @cached_property
    def outbox(self) -> Outbox:
        """Delivery, retries and incidents of outbox messages (:class:`engine.outbox.Outbox`)."""
        return Outbox(self)

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
