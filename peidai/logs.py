"""Logging of the long-running processes (web, worker, scheduler): plain text by default, one JSON
object per line when ``PEIDAI_LOG_FORMAT=json`` (for a log shipper: journald, Loki, ELK ...).

A JSON line carries ``ts`` (UTC, ISO 8601 with milliseconds), ``level``, ``logger``, ``msg``,
``process`` (pid), ``role`` (web, worker, beat, cli), ``exc`` (the traceback, when there is one) and
whatever the record was given as ``extra={...}`` (the web server's access log adds ``method``,
``path``, ``status``, ``duration_ms``, ``remote``, ``bytes``). Text is never split over lines: a
traceback is one ``exc`` string with ``\\n`` escapes, so a line is always one event.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone

# attributes every LogRecord has: whatever else a record carries came from ``extra=``
_STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {"message", "asctime", "taskName"}
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


def log_format() -> str:
    value = os.environ.get("PEIDAI_LOG_FORMAT", "text").strip().lower()
    return "json" if value == "json" else "text"


def log_level(default: str = "INFO") -> str:
    return os.environ.get("PEIDAI_LOG_LEVEL", default).upper()


class JSONFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def __init__(self, role: str = ""):
        super().__init__()
        self.role = role

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "process": record.process,
        }
        if self.role:
            out["role"] = self.role
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in out:
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def formatter(role: str = "") -> logging.Formatter:
    return JSONFormatter(role) if log_format() == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(role: str, level: str | int | None = None) -> None:
    """The root logger writes to stderr in the configured format (call once, in the process's
    entry point; never at import). Loggers that keep their own handlers (gunicorn's) are given
    the same formatter by :func:`apply_formatter`."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_peidai", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._peidai = True
    handler.setFormatter(formatter(role))
    root.addHandler(handler)
    root.setLevel(level or log_level())
    logging.captureWarnings(True)   # warnings.warn(...) as records too, not bare stderr text
    if root.level > logging.DEBUG:
        logging.getLogger("alembic").setLevel(logging.WARNING)   # "setup plugin ..." at every start
        # SpiffWorkflow logs every task state change at INFO with the task's data as extras:
        # personal data, and a dozen lines per step
        logging.getLogger("spiff").setLevel(logging.WARNING)


def apply_formatter(logger: logging.Logger, role: str) -> None:
    for handler in logger.handlers:
        handler.setFormatter(formatter(role))


def celery_logging(role: str, loglevel: str) -> list[str]:
    """Take over Celery's logging when JSON lines are asked for: Celery then configures no
    handler of its own and its loggers write through the root logger's JSON handler. Returns the
    global options for ``celery`` (``--quiet``: no start-up banner, which is not JSON)."""
    if log_format() != "json":
        return []
    from celery.signals import setup_logging

    @setup_logging.connect(weak=False)
    def _setup(loglevel=None, **_kwargs):   # noqa: ANN001
        configure_logging(role, loglevel or log_level())
        logging.getLogger("celery").setLevel(logging.getLogger().level)

    configure_logging(role, loglevel)
    return ["--quiet"]
