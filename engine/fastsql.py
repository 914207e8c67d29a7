"""The engine's hot path on the DB-API connection.

Every engine command writes the instance row, its human-task and timer projections and an audit
row. Through SQLAlchemy each statement costs about 35 µs of Python on SQLite and, on PostgreSQL,
a network round trip plus about 140 µs; together that was most of what a persisted step cost
over the library itself (see ``bench/engine_bench.py``). Here those few statements run on the
DB-API cursor of the connection SQLAlchemy already holds, inside SQLAlchemy's transaction; on
PostgreSQL the writes of one save go out in one psycopg pipeline (one round trip).

SQL is written once, with ``:name`` parameters, for both dialects. Times are passed the way
``engine.tables.UTCDateTime`` stores them (naive UTC; on SQLite the text SQLAlchemy writes).
Everything else keeps using SQLAlchemy.
"""
from __future__ import annotations

import contextlib
import re
from datetime import datetime, timezone
from typing import Any, Iterable


# a quoted literal (left as it is) or a :name parameter (not the :: of a cast)
_TOKEN = re.compile(r"'(?:[^']|'')*'|(?<![:\w]):([a-z_][a-z0-9_]*)")


def _pyformat(sql: str) -> str:
    def sub(m):
        return f"%({m.group(1)})s" if m.group(1) else m.group(0).replace("%", "%%")
    pieces, last = [], 0
    for m in _TOKEN.finditer(sql):
        pieces.append(sql[last:m.start()].replace("%", "%%"))
        pieces.append(sub(m))
        last = m.end()
    pieces.append(sql[last:].replace("%", "%%"))
    return "".join(pieces)


class FastSQL:
    def __init__(self, dialect: str):
        self.postgres = dialect == "postgresql"
        self._cache: dict[str, str] = {}

    def _sql(self, text: str) -> str:
        out = self._cache.get(text)
        if out is None:
            out = _pyformat(text) if self.postgres else text
            self._cache[text] = out
        return out

    def time(self, value: datetime | None):
        if value is None:
            return None
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
        # the text SQLAlchemy's SQLite DateTime writes ("%Y-%m-%d %H:%M:%S.%f"), without strftime
        return value if self.postgres else value.isoformat(" ", "microseconds")

    @staticmethod
    def _raw(target):
        """The DB-API connection of a session (cached by ``Engine.unit_of_work`` for the length
        of its transaction) or, given one, the DB-API connection itself."""
        info = getattr(target, "info", None)
        if not isinstance(info, dict):
            return target
        raw = info.get("peidai_raw")
        return raw if raw is not None else target.connection().connection.driver_connection

    def _query(self, session, text: str, params: dict, fetch):
        # Not in a pipeline even as the first statement of a transaction (where psycopg sends
        # BEGIN on its own first): measured on a local server, entering and leaving pipeline
        # mode costs more CPU (~75 µs against ~40 µs) than the round trip it saves.
        cur = self._raw(session).cursor()
        try:
            cur.execute(self._sql(text), params)
            return fetch(cur)
        finally:
            cur.close()

    def one(self, session, text: str, params: dict) -> tuple | None:
        return self._query(session, text, params, lambda cur: cur.fetchone())

    def all(self, session, text: str, params: dict) -> list[tuple]:
        return self._query(session, text, params, lambda cur: cur.fetchall())

    @contextlib.contextmanager
    def batch(self, session):
        """Writes that go out together; ``Batch.execute`` returns a handle whose ``rowcount`` is
        known when the block ends (on PostgreSQL the block is one pipeline, one round trip)."""
        raw = self._raw(session)
        batch = _Batch(self, raw)
        if self.postgres:
            with raw.pipeline():
                yield batch
        else:
            yield batch


class _Batch:
    def __init__(self, fast: FastSQL, raw):
        self.fast = fast
        self.raw = raw
        self.cursors: list[Any] = []

    def execute(self, text: str, params: dict):
        cur = self.raw.cursor()
        cur.execute(self.fast._sql(text), params)
        self.cursors.append(cur)
        return cur

    def executemany(self, text: str, rows: Iterable[dict]):
        rows = list(rows)
        if not rows:
            return None
        cur = self.raw.cursor()
        cur.executemany(self.fast._sql(text), rows)
        self.cursors.append(cur)
        return cur


def insert_sql(table, columns: Iterable[str]) -> str:
    cols = list(columns)
    return f'INSERT INTO {table.name} ({", ".join(cols)}) VALUES ({", ".join(":" + c for c in cols)})'
