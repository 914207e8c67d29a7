"""A busy database answers 503 with ``Retry-After``, never 500 (issue 11, item 6).

Two parts, installed by :func:`init_app`:

* **Waits are short in a web request.** Background work may wait for the database (SQLite's busy
  timeout of 30 s, PostgreSQL's unlimited lock waits); a user's request waits at most
  ``PEIDAI_DB_WAIT_SECONDS`` (default 5): ``PRAGMA busy_timeout`` on SQLite, ``lock_timeout`` on
  PostgreSQL, set on a pooled connection when a request checks it out and restored when code
  outside a request (a worker thread, the command line) takes it.
* **Busy is 503.** SQLite's "database is locked / busy", PostgreSQL's lock timeout, deadlock,
  serialization failure, cancelled statement and unavailable server, and a connection pool with
  no free connection answer 503 with
  ``Retry-After: PEIDAI_RETRY_AFTER`` (default 5 s): JSON ``{"code": "busy", "message": ...}``
  under /api/ (or when the client asks for JSON), the error page otherwise. Other database errors
  stay what they are (a logged 500).

The errors are caught as SQLAlchemy raises them and as the driver does (the engine runs its own
statements on the DB-API cursor). A view that knows the service is busy for another reason
raises :class:`Busy`.
"""
from __future__ import annotations

import logging
import os
import sqlite3

from flask import current_app, has_request_context, jsonify, render_template, request
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)

DEFAULT_WAIT_SECONDS = float(os.environ.get("PEIDAI_DB_WAIT_SECONDS", "5"))
DEFAULT_RETRY_AFTER = int(os.environ.get("PEIDAI_RETRY_AFTER", "5"))
MESSAGE = "系统繁忙，请稍后重试（数据库正被其他操作占用，您的操作未保存）"

# PostgreSQL: lock_not_available, deadlock_detected, serialization_failure, query_canceled,
# admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
_PG_BUSY = {"55P03", "40P01", "40001", "57014", "57P01", "57P02", "57P03", "53300"}
_INFO_WAIT, _INFO_DEFAULT = "peidai_web_wait", "peidai_default_wait"


class Busy(Exception):
    """Raised by a view when the service cannot do the work now but will shortly."""


def is_busy(exc: BaseException) -> bool:
    """Whether a database error means "busy, try again shortly"."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig).lower()
        return "locked" in text or "busy" in text
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(state, str):
        return state in _PG_BUSY or state.startswith("08")   # 08xxx: the connection failed
    return False


# ------------------------------------------------------------------ short waits inside requests

def _wanted_wait() -> float | None:
    if not has_request_context() or not current_app.extensions.get("peidai_busy"):
        return None
    return float(current_app.config.get("PEIDAI_DB_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))


def _on_checkout(dbapi_conn, record, _proxy) -> None:
    wait = _wanted_wait()
    info = record.info
    if info.get(_INFO_WAIT) == wait:
        return
    cur = dbapi_conn.cursor()
    try:
        if isinstance(dbapi_conn, sqlite3.Connection):
            if _INFO_DEFAULT not in info:
                info[_INFO_DEFAULT] = int(cur.execute("PRAGMA busy_timeout").fetchone()[0])
            ms = int(wait * 1000) if wait is not None else info[_INFO_DEFAULT]
            cur.execute(f"PRAGMA busy_timeout = {int(ms)}")
        else:  # PostgreSQL: a session setting, committed at once (a rollback later does not undo it)
            cur.execute(f"SET lock_timeout = '{int(wait * 1000)}ms'" if wait is not None else "RESET lock_timeout")
            dbapi_conn.commit()
    finally:
        cur.close()
    info[_INFO_WAIT] = wait


def install(db) -> None:
    """Short waits for connections a web request takes from ``db`` (a SQLAlchemy engine); idempotent."""
    if db is not None and not event.contains(db, "checkout", _on_checkout):
        event.listen(db, "checkout", _on_checkout)


# ------------------------------------------------------------------ the answer

def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _message() -> str:
    """MESSAGE in the user's language (it is in the catalogue: webapp.errors.KNOWN_MESSAGES)."""
    try:
        from webapp.errors import user_text
        return user_text(MESSAGE)
    except Exception:  # noqa: BLE001 - the answer to a busy database never fails on its wording
        return MESSAGE


def busy_response():
    retry_after = str(int(current_app.config.get("PEIDAI_RETRY_AFTER", DEFAULT_RETRY_AFTER)))
    headers = {"Retry-After": retry_after, "Cache-Control": "no-store"}
    if _wants_json():
        response = jsonify(code="busy", message=_message())
        response.status_code = 503
        response.headers.update(headers)
        return response
    try:
        body = render_template("errors/error.html", status=503, message=_message())
    except Exception:  # noqa: BLE001 - the page needs the database or the full app: a plain answer will do
        return MESSAGE, 503, headers | {"Content-Type": "text/plain; charset=utf-8"}
    return body, 503, headers


def init_app(app) -> None:
    """Install both parts on ``app`` (idempotent): its system's database gets short request waits."""
    if app.extensions.get("peidai_busy"):
        return
    app.extensions["peidai_busy"] = True
    app.config.setdefault("PEIDAI_DB_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)
    app.config.setdefault("PEIDAI_RETRY_AFTER", DEFAULT_RETRY_AFTER)
    system = app.extensions.get("peidai")
    install(getattr(system, "db", None))

    def database_busy(exc: Exception):
        if not is_busy(exc):
            raise exc  # another database failure: the general 500 handler logs it
        reason = str(getattr(exc, "orig", exc)).splitlines()
        log.warning("database busy on %s %s: %s", request.method, request.path, reason[0] if reason else "")
        return busy_response()

    # SQLAlchemy's wrapped errors, and the driver's own (the engine runs statements on the DB-API cursor)
    dbapi = getattr(getattr(getattr(system, "db", None), "dialect", None), "dbapi", None)
    for cls in {OperationalError, sqlite3.OperationalError, getattr(dbapi, "OperationalError", OperationalError)}:
        app.register_error_handler(cls, database_busy)

    @app.errorhandler(PoolTimeout)
    def pool_exhausted(exc: PoolTimeout):
        log.warning("no database connection free on %s %s", request.method, request.path)
        return busy_response()

    @app.errorhandler(Busy)
    def busy(exc: Busy):
        log.warning("busy on %s %s: %s", request.method, request.path, exc)
        return busy_response()
