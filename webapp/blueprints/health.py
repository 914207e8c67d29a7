"""Operations: ``/healthz``, ``/readyz`` and ``/metrics``.

* ``/healthz`` — the process is up and answers (no database touched): for a supervisor's liveness check.
* ``/readyz`` — this process can serve: the database answers, the broker answers, a CJK font is
  installed (PDFs) and the database schema is at the migrations' heads. 200 or 503 with
  ``{"status": "ok"|"fail", "checks": {"database": "ok"|"fail", ...}}``: nothing more is said
  to an anonymous caller (the reason is logged). For a load balancer: take a process out while it
  is not ready.
* ``/metrics`` — Prometheus text format (prometheus-client): open and overdue human tasks by
  process, outbox backlog and the age of its oldest message, timer lag (how late the oldest due
  timer is), incidents (outbox messages that failed after the last retry, instances in error),
  and request latency by endpoint. The programme figures are read from the projection tables at
  scrape time, so every web process answers the same. Readable with ``Authorization: Bearer
  <PEIDAI_METRICS_TOKEN>`` or by a signed-in administrator; 401/403 otherwise.
"""
from __future__ import annotations

import hmac
import logging
import os
import threading
import time

from flask import Blueprint, Response, current_app, g, jsonify, request

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

# latency buckets (seconds) for a web UI: most requests well under a second
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.35, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
_latency = None
_latency_lock = threading.Lock()
_heads: dict[str, frozenset] = {}


def _system():
    return current_app.extensions["peidai"]


# --------------------------------------------------------------------------- liveness and readiness

@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


def _check_database(system) -> None:
    from sqlalchemy import text
    with system.db.connect() as conn:
        conn.execute(text("SELECT 1")).scalar()


def _check_migrations(system) -> None:
    from sqlalchemy import text
    url = system.settings.database_url
    if url not in _heads:
        from alembic.script import ScriptDirectory

        from peidai.db import alembic_config
        _heads[url] = frozenset(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    with system.db.connect() as conn:
        current = frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if current != _heads[url]:
        raise RuntimeError(f"database at {sorted(current)}, migrations at {sorted(_heads[url])}")


def _check_broker(system) -> None:
    settings = system.settings
    url = settings.broker_url
    if not url:   # the embedded broker: a SQLite file in the data folder
        import sqlite3
        path = settings.data_dir / "broker.sqlite"
        conn = sqlite3.connect(f"file:{path}?mode=rwc", uri=True, timeout=2)
        try:
            conn.execute("SELECT 1").fetchone()
        finally:
            conn.close()
        return
    if url.startswith(("redis://", "rediss://")):
        import redis
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return
    from kombu import Connection
    with Connection(url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1)


def _check_fonts(system) -> None:
    from workflows.documents import check_cjk_font
    check_cjk_font()


CHECKS = {"database": _check_database, "migrations": _check_migrations, "broker": _check_broker, "fonts": _check_fonts}


@bp.get("/readyz")
def readyz():
    system = _system()
    results = {}
    for name, check in CHECKS.items():
        try:
            check(system)
            results[name] = "ok"
        except Exception as exc:   # said as "fail" only: the reason is for the log, not the caller
            log.warning("readiness check %s failed: %s", name, exc)
            results[name] = "fail"
    ok = all(v == "ok" for v in results.values())
    return jsonify({"status": "ok" if ok else "fail", "checks": results}), 200 if ok else 503


# --------------------------------------------------------------------------- request latency

def latency():
    """The request-latency histogram of this process (created on first use: in a gunicorn
    worker, after PROMETHEUS_MULTIPROC_DIR is set)."""
    global _latency
    if _latency is None:
        with _latency_lock:
            if _latency is None:
                from prometheus_client import CollectorRegistry, Histogram
                _latency = Histogram("peidai_http_request_duration_seconds", "Time to answer a request, by endpoint",
                                     ["method", "endpoint", "status"], buckets=BUCKETS, registry=CollectorRegistry())
    return _latency


@bp.before_app_request
def _start_timer():
    g.peidai_t0 = time.perf_counter()


@bp.after_app_request
def _observe(response):
    t0 = g.pop("peidai_t0", None)
    if t0 is not None and request.endpoint != "static":
        try:
            latency().labels(request.method, request.endpoint or "unmatched",
                             str(response.status_code)).observe(time.perf_counter() - t0)
        except Exception:   # metrics never break a request
            log.debug("latency not recorded", exc_info=True)
    return response


# --------------------------------------------------------------------------- programme figures

class ProgrammeCollector:
    """Figures read from the projection tables when scraped (never a workflow deserialized)."""

    def __init__(self, system):
        self.system = system

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily
        from sqlalchemy import func, select

        from engine.tables import HumanTask, Instance, OutboxMessage, Timer

        system = self.system
        now = system.clock.now()
        with system.engine.sessions() as s:
            open_rows = s.execute(select(HumanTask.process_key, func.count()).where(HumanTask.state == "open")
                                  .group_by(HumanTask.process_key)).all()
            overdue_rows = s.execute(select(HumanTask.process_key, func.count()).where(
                HumanTask.state == "open", HumanTask.due_at.is_not(None), HumanTask.due_at < now)
                .group_by(HumanTask.process_key)).all()
            backlog, oldest = s.execute(select(func.count(), func.min(OutboxMessage.created_at))
                                        .where(OutboxMessage.status == "pending")).one()
            # what the sweep would fire now (suspended instances wait for their resume)
            due = s.execute(select(func.count(), func.min(Timer.due_at)).join(Instance, Instance.id == Timer.instance_id)
                            .where(Timer.due_at < now, Instance.status == "running")).one()
            outbox_incidents = s.scalar(select(func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.status == "incident"))
            instance_errors = s.scalar(select(func.count()).select_from(Instance).where(Instance.status == "error"))

        tasks = GaugeMetricFamily("peidai_open_tasks", "Open human tasks", labels=["process"])
        for key, n in open_rows:
            tasks.add_metric([key], n)
        yield tasks
        overdue = GaugeMetricFamily("peidai_overdue_tasks", "Open human tasks past their due time", labels=["process"])
        for key, n in overdue_rows:
            overdue.add_metric([key], n)
        yield overdue
        yield GaugeMetricFamily("peidai_outbox_backlog", "Outbox messages waiting for delivery", value=backlog)
        yield GaugeMetricFamily("peidai_outbox_oldest_age_seconds", "Age of the oldest message waiting for delivery",
                                value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        yield GaugeMetricFamily("peidai_timers_due", "Timers due and not fired yet", value=due[0])
        yield GaugeMetricFamily("peidai_timer_lag_seconds", "How late the oldest due timer is",
                                value=max(0.0, (now - due[1]).total_seconds()) if due[1] else 0.0)
        incidents = GaugeMetricFamily("peidai_incidents", "Incidents waiting for an administrator", labels=["kind"])
        incidents.add_metric(["outbox"], outbox_incidents)
        incidents.add_metric(["instance"], instance_errors)
        yield incidents


def _may_read_metrics() -> int:
    """0 when allowed, else the status to answer (401 no credentials, 403 not an administrator)."""
    token = _system().settings.metrics_token
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return 0
    from flask_login import current_user
    if not current_user.is_authenticated:
        return 401
    return 0 if current_user.actor.has_role("admin") else 403


@bp.get("/metrics")
def metrics():
    status = _may_read_metrics()
    if status:
        resp = jsonify({"code": "unauthorized" if status == 401 else "forbidden"})
        resp.status_code = status
        if status == 401:
            resp.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return resp
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    registry = CollectorRegistry()
    registry.register(ProgrammeCollector(_system()))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)   # every worker's latencies
    else:
        registry.register(latency())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
