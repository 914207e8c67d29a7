"""Database engine creation and Alembic migrations (SQLite and PostgreSQL)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine as SAEngine

from . import walcheckpoint

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# each package that owns tables keeps its migrations in its own branch folder
VERSION_LOCATIONS = [ROOT / "engine" / "migrations_versions", ROOT / "workflows" / "migrations_versions",
                     ROOT / "workflows" / "notifications" / "migrations_versions",
                     ROOT / "workflows" / "documents" / "migrations_versions",
                     ROOT / "worker" / "migrations_versions", ROOT / "webapp" / "migrations_versions",
                     ROOT / "webapp" / "admin" / "migrations_versions"]


def make_engine(url: str) -> SAEngine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        on_file = bool(path) and path != ":memory:" and not path.startswith("file:")

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # let SQLAlchemy's begin() below control transactions
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if on_file:   # checkpoints run in the background, not inside a command's commit
                cur.execute(f"PRAGMA wal_autocheckpoint={walcheckpoint.SAFETY_PAGES}")
            cur.close()
            if on_file:
                walcheckpoint.watch(engine, path)

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # commands take the write lock up front (no deadlocking lock upgrades); reads don't
            # on the driver's connection: through exec_driver_sql this cost ~50 µs of every command
            raw = conn.connection.driver_connection
            if raw.in_transaction:  # a Connection joining an engine command's open transaction
                return
            raw.execute("BEGIN IMMEDIATE" if conn.get_execution_options().get("peidai_write") else "BEGIN")

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("version_locations", " ".join(str(p) for p in VERSION_LOCATIONS if p.is_dir()))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)
