"""The engine's hot-path SQL, run on the DB-API cursor by :mod:`engine.fastsql` (see there for why).

These are the statements of every command: the workflow store reads the instance row (and its
state text only on a cache miss), the task projection writes the row, its human tasks, timers
and audit rows in one batch, and the timer sweep finds what is due. Everything else goes through
SQLAlchemy.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select

from .fastsql import insert_sql
from .tables import AuditEvent, HumanTask, Instance, Timer

_INSTANCE_COLUMNS = (Instance.id, Instance.process_key, Instance.version_id, Instance.status, Instance.lock_version,
                     Instance.org_unit, Instance.category, Instance.batch, Instance.title, Instance.started_by)
# the state text is read only when the cache does not hold the workflow
_LOAD_STATE = select(Instance.state).where(Instance.id == bindparam("b_id"), Instance.lock_version == bindparam("b_lock"))
_SQL_LOAD_STATE = "SELECT state FROM instances WHERE id = :b_id AND lock_version = :b_lock"
_INSTANCE_KEYS = [c.key for c in _INSTANCE_COLUMNS]
_SQL_LOAD_INSTANCE = f"SELECT {', '.join(_INSTANCE_KEYS)} FROM instances WHERE id = :b_id"
_SQL_TASK_BY_ID = ("SELECT t.id, t.task_uuid, t.instance_id, t.element_id, t.state, t.assignee, t.role, t.scope, t.form, "
                   + ", ".join(f"i.{k}" for k in _INSTANCE_KEYS) +
                   " FROM human_tasks t JOIN instances i ON i.id = t.instance_id WHERE t.id = :b_id")
_SQL_DUE_INSTANCES = ("SELECT t.instance_id FROM timers t JOIN instances i ON i.id = t.instance_id "
                      "WHERE t.due_at <= :now AND i.status = 'running' GROUP BY t.instance_id ORDER BY t.instance_id LIMIT :lim")
_SQL_OPEN_TASK_LIST = ("SELECT id, element_id, name, role, scope, assignee, form FROM human_tasks "
                       "WHERE instance_id = :b_id AND state = 'open' ORDER BY id")
_SQL_LATEST_VERSION = "SELECT version_id FROM process_definitions WHERE key = :k ORDER BY version_id DESC LIMIT 1"
_SQL_INSERT_INSTANCE = insert_sql(Instance.__table__, [
    "process_key", "version_id", "status", "lock_version", "state", "business_key", "title", "parent_id", "started_by",
    "started_at", "org_unit", "category", "batch"]) + " RETURNING id"
_SQL_STILL_DUE = "SELECT id FROM timers WHERE instance_id = :b_id AND due_at <= :now LIMIT 1"
_SQL_SAVE_INSTANCE = ("UPDATE instances SET state = :state, lock_version = :lock_version, status = :status, error = NULL, "
                      "ended_at = :ended_at WHERE id = :b_id AND lock_version = :b_lock")
_SQL_COMPLETE_TASK = ("UPDATE human_tasks SET state = 'completed', completed_at = :completed_at, completed_by = :completed_by, "
                      "outcome = :outcome WHERE task_uuid = :b_uuid")
_SQL_CANCEL_TASK = "UPDATE human_tasks SET state = 'cancelled', completed_at = :completed_at WHERE task_uuid = :b_uuid"
_SQL_OPEN_TASKS = "SELECT task_uuid, element_id FROM human_tasks WHERE instance_id = :b_id AND state = 'open'"
_SQL_DONE_ELEMENTS = "SELECT DISTINCT element_id FROM human_tasks WHERE instance_id = :b_id AND state <> 'open'"
_SQL_INSERT_TASK = insert_sql(HumanTask.__table__, [c.name for c in HumanTask.__table__.columns if c.name != "id"]) + \
    " ON CONFLICT (task_uuid) DO NOTHING"
_SQL_DELETE_TIMERS = "DELETE FROM timers WHERE instance_id = :b_id"
_SQL_DELETE_TIMER = "DELETE FROM timers WHERE instance_id = :b_id AND task_uuid = :b_uuid"
_SQL_INSERT_TIMER = insert_sql(Timer.__table__, ["instance_id", "task_uuid", "element_id", "due_at"])
_SQL_INSERT_AUDIT = insert_sql(AuditEvent.__table__, ["at", "actor", "action", "instance_id", "task_uuid", "element_id",
                                                      "data_json", "comment"])
