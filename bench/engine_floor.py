"""The database's floor under an engine step: what one read and one durable write per step cost on
this database and this machine with nothing else around them (no SpiffWorkflow, no serializing,
no projection, no SQLAlchemy), measured in the same rounds as ``make bench``'s ratios.

Each step of the floor is what any design that stores an instance's state after every command must
do at the least: ``BEGIN``; read the instance's lock (``SELECT lock_version``); write the new state
with the lock (``UPDATE instances SET state, lock_version``, a text as long as the bench's median
state); ``COMMIT`` (durable: on PostgreSQL the commit waits for the WAL flush). On the DB-API
connection, the statements prepared (psycopg prepares a statement after its fifth execution).

``floor_ratio`` = (in memory + floor) / in memory: the lowest ``engine_ratio`` such a design could
reach here even if everything but the library and these statements cost nothing.
"""
from __future__ import annotations

import time

from sqlalchemy import text


def state_size(system) -> int:
    with system.db.connect() as c:
        return int(c.execute(text("SELECT COALESCE(AVG(LENGTH(state)), 0) FROM instances "
                                  "WHERE LENGTH(state) > 0")).scalar() or 0)


def prepare(system, size: int) -> int:
    """A row of its own to write (a copy of the first instance); its id."""
    with system.db.begin() as c:
        return c.execute(text(
            "INSERT INTO instances (process_key, version_id, status, lock_version, state, title, started_by, started_at) "
            "SELECT process_key, version_id, 'cancelled', 1, :s, 'floor', started_by, started_at FROM instances "
            "ORDER BY id LIMIT 1 RETURNING id"), {"s": "x" * size}).scalar_one()


def floor(system, row: int, steps: int, size: int) -> float:
    """Seconds per step of the floor (see the module's docstring)."""
    pooled = system.db.raw_connection()
    raw = pooled.driver_connection
    postgres = system.db.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    read = f"SELECT lock_version FROM instances WHERE id = {mark}"
    write = f"UPDATE instances SET state = {mark}, lock_version = {mark} WHERE id = {mark} AND lock_version = {mark}"
    body = "y" * (size - 8)
    try:
        t0 = time.perf_counter()
        for i in range(steps):
            if not postgres:
                raw.execute("BEGIN IMMEDIATE")
            cur = raw.cursor()
            cur.execute(read, (row,))
            lock = cur.fetchone()[0]
            cur.execute(write, (f"{i:08d}" + body, lock + 1, row, lock))
            raw.commit()
        return (time.perf_counter() - t0) / steps
    finally:
        pooled.close()
