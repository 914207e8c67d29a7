"""The Celery app (``celery -A worker.app worker``, ``peidai worker``, ``peidai serve``).

Broker: ``PEIDAI_BROKER_URL`` (production: Redis, ``redis://127.0.0.1:6379/0``); without it the
embedded default needs no server: kombu's SQLAlchemy transport on ``<data dir>/broker.sqlite``.

The broker only carries wake-up calls: what must happen lives in the database (due timers, the
outbox, open tasks with a due date), so a lost or repeated message, a second beat or a broker
that is down for an hour changes nothing but the delay. Messages are acknowledged after the task
ran (``acks_late``) and go back to the queue when a worker process dies mid-task.
"""
from __future__ import annotations

import os
from typing import Callable

from celery import Celery
from celery.signals import worker_process_init

OUTBOX_INTERVAL = float(os.environ.get("PEIDAI_OUTBOX_INTERVAL", "5"))
OVERDUE_INTERVAL = float(os.environ.get("PEIDAI_OVERDUE_INTERVAL", "3600"))
DRY_RUN_SWEEP = float(os.environ.get("PEIDAI_DRY_RUN_SWEEP", "60"))
KEPT_MAIL_INTERVAL = float(os.environ.get("PEIDAI_KEPT_MAIL_INTERVAL", "60"))


def embedded_broker_url(data_dir) -> str:
    return f"sqla+sqlite:///{data_dir / 'broker.sqlite'}"


class ProcessSystem:
    """The wired system of the current process, built on first use and again after a fork."""

    def __init__(self, factory: Callable | None = None):
        self.factory = factory
        self._system = None
        self._pid = None

    def get(self):
        if self._system is None or self._pid != os.getpid():
            if self.factory is None:
                from peidai.bootstrap import bootstrap
                self.factory = bootstrap
            self._system = self.factory()
            self._pid = os.getpid()
        return self._system


def celery_config(settings, *, queue: str | None = None) -> dict:
    broker = settings.broker_url or embedded_broker_url(settings.data_dir)
    queue = queue or os.environ.get("PEIDAI_QUEUE", "peidai")
    timer_interval = settings.timer_interval

    def every(task: str, seconds: float) -> dict:
        # after an outage the queued wake-ups are not all worth running: stale ones expire
        return {"task": task, "schedule": seconds, "options": {"expires": max(seconds * 3, 30.0)}}

    transport_options = {}
    if broker.startswith(("redis", "rediss")):
        transport_options["visibility_timeout"] = float(os.environ.get("PEIDAI_BROKER_VISIBILITY_TIMEOUT", "3600"))
    return {
        "broker_url": broker,
        "broker_transport_options": transport_options,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,          # keep trying while the broker is down
        "task_default_queue": queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_ignore_result": True,
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule_filename": str(settings.data_dir / f"beat-schedule-{queue}"),
        "beat_schedule": {
            "fire-due-timers": every("peidai.fire_due_timers", timer_interval),
            "deliver-outbox": every("peidai.deliver_outbox", min(OUTBOX_INTERVAL, timer_interval)),
            "remind-overdue": every("peidai.remind_overdue", OVERDUE_INTERVAL),
            "send-kept-mails": every("peidai.send_kept_mails", KEPT_MAIL_INTERVAL),
            "run-dry-runs": every("peidai.run_dry_run", DRY_RUN_SWEEP),   # a lost wake-up (webapp.admin.jobs)
        },
    }


def make_celery(system_factory: Callable | None = None, settings=None, *, queue: str | None = None) -> Celery:
    """A Celery app whose tasks use ``system_factory()`` (default: ``peidai.bootstrap.bootstrap``)
    built once per process. Configuration is read when first needed, not at import."""
    app = Celery("peidai")
    app.peidai_system = ProcessSystem(system_factory)

    def config():
        from peidai.settings import Settings
        return celery_config(settings or Settings.from_env(), queue=queue)

    app.add_defaults(config)
    from .tasks import register
    register(app)
    return app


@worker_process_init.connect(weak=False)
def _own_process_group(**_kwargs) -> None:
    """A pool process leaves the worker's process group. A SIGTERM to the group (systemd's
    default, ``docker stop``, ``kill -- -PGID``) then reaches the main process alone, which shuts
    down warmly: the pool finishes its running jobs and exits. Sent to the pool processes as well,
    it killed them mid-job and the main process replaced them and waited. Billiard still stops its
    pool processes itself (by pid), and each dies with the main process (Celery sets
    PR_SET_PDEATHSIG=SIGKILL), so none is ever left behind."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass


celery_app = make_celery()
app = celery_app
