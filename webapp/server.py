"""The production web server: gunicorn with threaded workers around :func:`webapp.create_app`.

``peidai web`` runs it alone (one systemd unit or Procfile line per piece); ``peidai serve`` runs it
beside a worker and the scheduler. Each gunicorn worker builds its own app and system after the
fork (nothing is preloaded, so no database connection or Redis socket crosses a fork).

Several workers on SQLite are safe: every engine command takes the write lock up front
(``BEGIN IMMEDIATE``), a request waits at most ``PEIDAI_DB_WAIT_SECONDS`` for it (then 503 with
Retry-After, ``webapp.busy``), and two commands on one instance are decided by the instance's
``lock_version`` (409 for the loser), whichever process they run in.

Metrics (``/metrics``): each worker records its request latencies in files under a directory of
this server's own (prometheus-client's multiprocess mode), which every worker reads on a scrape.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import Callable

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

MAX_WORKERS = 8


def default_workers() -> int:
    """One per core, at least 2 and at most 8; each with threads (``default_threads``) that
    overlap the database waits. A request is mostly Python on the CPU: more processes than cores
    only lengthen the tail (make bench-http, 16 clients on 2 cores: 2 workers x 4 threads gave
    p99 0.53-0.73 s, 4 x 4 1.6-1.7 s, 6 x 2 up to 8 s, on SQLite and PostgreSQL alike)."""
    return max(2, min(os.cpu_count() or 1, MAX_WORKERS))


def default_threads() -> int:
    return 4


def web_options(settings, *, host: str, port: int, workers: int | None = None, threads: int | None = None) -> dict:
    """gunicorn settings from ours (``PEIDAI_WEB_WORKERS``, ``PEIDAI_WEB_THREADS``,
    ``PEIDAI_WEB_KEEPALIVE``, ``PEIDAI_STOP_TIMEOUT``, ``PEIDAI_PROXY_COUNT``, ``PEIDAI_ACCESS_LOG``,
    ``PEIDAI_LOG_LEVEL``).

    Keep-alive is off by default: a gthread worker keeps every connection it accepted, so with
    keep-alive the clients that connect first all stay with the worker that woke first (make
    bench-http, 16 clients on 2 workers: one worker did 74 % of the work while the other core
    idled; with keep-alive off 49-53 %, at the same CPU time per request). Behind nginx the
    upstream's own keep-alive then simply opens a new connection per request."""
    from peidai.logs import log_format
    workers = workers or settings.web_workers or default_workers()
    threads = threads or settings.web_threads or default_threads()
    access = os.environ.get("PEIDAI_ACCESS_LOG", "1" if log_format() == "json" else "0") == "1"
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        # a request that takes this long is a stuck worker: it is killed and replaced
        "timeout": int(os.environ.get("PEIDAI_WEB_TIMEOUT", "120")),
        "graceful_timeout": max(1, int(settings.stop_timeout) - 2),   # within the stop timeout
        "keepalive": settings.web_keepalive,
        "proc_name": "peidai-web",
        "accesslog": "-" if access else None,
        "errorlog": "-",
        "loglevel": os.environ.get("PEIDAI_LOG_LEVEL", "INFO").lower(),
        "logger_class": "webapp.server.PeidaiLogger",
        # X-Forwarded-* is believed by the app alone, as PEIDAI_PROXY_COUNT says (webapp.security)
        "forwarded_allow_ips": "127.0.0.1,::1" if settings.proxy_count > 0 else "",
        "control_socket_disable": True,   # two servers on one machine would share $HOME/.gunicorn/gunicorn.ctl
        "child_exit": _child_exit,
    }


def _child_exit(server, worker) -> None:
    """A worker is gone: its live gauges no longer count (prometheus-client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)


class PeidaiLogger(Logger):
    """gunicorn's logger in our format; the access log is one structured record per request
    (JSON fields ``method``, ``path``, ``status``, ``duration_ms``, ``remote``, ``bytes``)."""

    def setup(self, cfg):
        super().setup(cfg)
        from peidai.logs import apply_formatter, formatter
        apply_formatter(self.error_log, "web")
        for handler in self.access_log.handlers:
            handler.setFormatter(formatter("web"))

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        duration_ms = round(request_time.total_seconds() * 1000, 2)
        status = getattr(resp, "status_code", None) or str(getattr(resp, "status", "-")).split(" ")[0]
        path = environ.get("PATH_INFO", "")
        self.access_log.info("%s %s %s %.1fms", environ.get("REQUEST_METHOD"), path, status, duration_ms, extra={
            "method": environ.get("REQUEST_METHOD"), "path": path, "status": int(status) if str(status).isdigit() else status,
            "duration_ms": duration_ms, "remote": environ.get("REMOTE_ADDR"),
            "bytes": getattr(resp, "sent", None)})


class WebServer(BaseApplication):
    def __init__(self, factory: Callable, options: dict):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        return self.factory()


def default_factory():
    from peidai.bootstrap import bootstrap

    from . import create_app
    return create_app(bootstrap())


def run(settings, *, host: str, port: int, workers: int | None = None, threads: int | None = None,
        factory: Callable | None = None) -> None:
    """Serve until SIGTERM (graceful: running requests finish within the stop timeout) or SIGINT."""
    from peidai.logs import configure_logging
    configure_logging("web")
    master = os.getpid()
    own_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # set before any worker imports prometheus_client: each server its own, emptied at exit
        own_dir = tempfile.mkdtemp(prefix="peidai-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_dir
    else:
        folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):   # what a previous run left
            if name.endswith(".db"):
                os.unlink(os.path.join(folder, name))
    try:
        WebServer(factory or default_factory, web_options(settings, host=host, port=port, workers=workers,
                                                           threads=threads)).run()
    finally:
        if own_dir and os.getpid() == master:   # a worker leaving through here keeps it
            shutil.rmtree(own_dir, ignore_errors=True)
