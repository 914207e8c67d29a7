"""The writes of one save (:meth:`engine.projection.TaskProjection._save`): the instance row with
the optimistic lock, the human tasks that closed and opened, the timers that went and came, and
the audit rows. :func:`write_save` returns how many instance rows the lock let through (1, or 0
for a conflict).

* SQLite: the statements one after the other on the DB-API cursor (no round trips to save).
* PostgreSQL: **one statement** — the instance update and every projection write as
  data-modifying CTEs, the rows passed as JSON arrays — instead of a pipeline of four to eight.
  Each statement costs psycopg ~20–90 µs of Python and system time on this side and the server
  a bind and execute on the other; the pipeline's entering and leaving cost more again. The
  statement has one shape whatever the rows (empty arrays write nothing), so psycopg prepares it
  once per connection.

All CTEs of a statement run on one snapshot: the writes here touch disjoint rows (a re-armed timer
is deleted by its old row and inserted as a new one), so none needs to see another's effect.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .fastsql import FastSQL
from .sql import (_SQL_CANCEL_TASK, _SQL_COMPLETE_TASK, _SQL_DELETE_TIMER, _SQL_DELETE_TIMERS, _SQL_INSERT_AUDIT,
                  _SQL_INSERT_TASK, _SQL_INSERT_TIMER, _SQL_SAVE_INSTANCE)
from .tables import AuditEvent, HumanTask, Timer


@dataclass
class SaveWrites:
    """What one save writes. Times are as :meth:`FastSQL.time` gives them."""

    instance: dict                                  # parameters of ``_SQL_SAVE_INSTANCE``
    closed: list[dict] = field(default_factory=list)  # task_uuid, state, completed_by, outcome
    opened: list[dict] = field(default_factory=list)  # whole human_tasks rows (no id)
    all_timers_gone: bool = False                   # the projection's timers are not known: drop them all
    timers_gone: list[str] = field(default_factory=list)  # task uuids
    timers_new: list[dict] = field(default_factory=list)  # instance_id, task_uuid, element_id, due_at
    audits: list[dict] = field(default_factory=list)


def write_save(fast: FastSQL, session, w: SaveWrites, closed_at) -> int:
    if fast.postgres:
        return _one_statement(fast, session, w, closed_at)
    with fast.batch(session) as batch:
        saved = batch.execute(_SQL_SAVE_INSTANCE, w.instance)
        for row in w.closed:
            if row["state"] == "completed":
                batch.execute(_SQL_COMPLETE_TASK, {"b_uuid": row["task_uuid"], "completed_at": closed_at,
                                                   "completed_by": row["completed_by"], "outcome": row["outcome"]})
            else:
                batch.execute(_SQL_CANCEL_TASK, {"b_uuid": row["task_uuid"], "completed_at": closed_at})
        batch.executemany(_SQL_INSERT_TASK, w.opened)
        if w.all_timers_gone:
            batch.execute(_SQL_DELETE_TIMERS, {"b_id": w.instance["b_id"]})
        for uuid in w.timers_gone:
            batch.execute(_SQL_DELETE_TIMER, {"b_id": w.instance["b_id"], "b_uuid": uuid})
        batch.executemany(_SQL_INSERT_TIMER, w.timers_new)
        batch.executemany(_SQL_INSERT_AUDIT, w.audits)
    return saved.rowcount


def _columns(table, skip=("id",)) -> str:
    return ", ".join(c.name for c in table.__table__.columns if c.name not in skip)


_TASK_COLUMNS = _columns(HumanTask)
_TIMER_COLUMNS = _columns(Timer)
_AUDIT_COLUMNS = _columns(AuditEvent)

_PG_SAVE = f"""
WITH saved AS (
    UPDATE instances SET state = :state, lock_version = :lock_version, status = :status, error = NULL,
           ended_at = :ended_at
    WHERE id = :b_id AND lock_version = :b_lock
    RETURNING id
), closed AS (
    UPDATE human_tasks AS h SET state = c.state, completed_at = :closed_at,
           completed_by = CASE WHEN c.state = 'completed' THEN c.completed_by ELSE h.completed_by END,
           outcome = CASE WHEN c.state = 'completed' THEN c.outcome ELSE h.outcome END
    FROM json_to_recordset(CAST(:closed AS json)) AS c(task_uuid text, state text, completed_by text, outcome text)
    WHERE h.task_uuid = c.task_uuid
), opened AS (
    INSERT INTO human_tasks ({_TASK_COLUMNS})
    SELECT {_TASK_COLUMNS} FROM json_populate_recordset(NULL::human_tasks, CAST(:opened AS json))
    ON CONFLICT (task_uuid) DO NOTHING
), timers_gone AS (
    DELETE FROM timers WHERE instance_id = :b_id
       AND (CAST(:all_timers_gone AS boolean)
            OR task_uuid IN (SELECT json_array_elements_text(CAST(:timers_gone AS json))))
), timers_new AS (
    INSERT INTO timers ({_TIMER_COLUMNS})
    SELECT {_TIMER_COLUMNS} FROM json_populate_recordset(NULL::timers, CAST(:timers_new AS json))
), audited AS (
    INSERT INTO audit_events ({_AUDIT_COLUMNS})
    SELECT {_AUDIT_COLUMNS} FROM json_populate_recordset(NULL::audit_events, CAST(:audits AS json))
)
SELECT count(*) FROM saved
"""


def _json(rows) -> str:
    # datetimes (naive UTC on PostgreSQL, see FastSQL.time) as text PostgreSQL reads back exactly
    return json.dumps(rows, ensure_ascii=False, default=str)


def _one_statement(fast: FastSQL, session, w: SaveWrites, closed_at) -> int:
    row = fast.one(session, _PG_SAVE, w.instance | {
        "closed_at": closed_at, "closed": _json(w.closed), "opened": _json(w.opened),
        "all_timers_gone": w.all_timers_gone, "timers_gone": _json(w.timers_gone),
        "timers_new": _json(w.timers_new), "audits": _json(w.audits)})
    return row[0]
