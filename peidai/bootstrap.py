"""One wiring function builds the system for the web app, the worker, the CLI and the tests.

Nothing here runs at import time; ``bootstrap()`` creates the database engine (which connects
lazily), the clock and the BPM engine with the programme's configuration.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.orm import sessionmaker

from engine import Clock, Engine, EngineConfig, SystemClock

from .db import make_engine
from .settings import Settings


@dataclass
class System:
    settings: Settings
    db: SAEngine
    sessions: sessionmaker
    clock: Clock
    engine: Engine

    def dispose(self) -> None:
        self.db.dispose()


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None, db: SAEngine | None = None,
              config: EngineConfig | None = None, configure: Callable[[EngineConfig], None] | None = None) -> System:
    settings = settings or Settings.from_env()
    db = db or make_engine(settings.database_url)
    sessions = sessionmaker(bind=db, expire_on_commit=False)
    clock = clock or SystemClock()
    if config is None:
        from workflows.wiring import engine_config
        config = engine_config()
    if configure is not None:
        configure(config)
    engine = Engine(sessions, clock, config)
    return System(settings=settings, db=db, sessions=sessions, clock=clock, engine=engine)
