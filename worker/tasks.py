"""Celery tasks: a few lines each that call the engine (or a service the wiring provides)."""
from __future__ import annotations

from celery import Celery


def register(app: Celery) -> None:
    system = app.peidai_system.get

    @app.task(name="peidai.fire_due_timers", shared=False)
    def fire_due_timers() -> dict:
        return system().engine.fire_due_timers()

    @app.task(name="peidai.deliver_outbox", shared=False)
    def deliver_outbox() -> dict:
        return system().engine.outbox.deliver_due(system(), limit=500)

    @app.task(name="peidai.deliver_message", shared=False)
    def deliver_message(message_id: int) -> str | None:
        return system().engine.outbox.deliver(int(message_id), system())

    @app.task(name="peidai.send_kept_mails", shared=False)
    def send_kept_mails() -> dict:
        """Mails kept while no SMTP server was configured go out once one is."""
        from workflows.notifications.mailer import send_kept
        return send_kept(system())

    @app.task(name="peidai.remind_overdue", shared=False)
    def remind_overdue() -> int:
        from workflows.notifications.service import remind_overdue as remind
        return remind(system().engine)

    @app.task(name="peidai.run_dry_run", shared=False)
    def run_dry_run(job_id: int | None = None) -> str | None:
        """A queued dry run of a draft (webapp.admin.jobs); without an id, the oldest queued one."""
        from webapp.admin.jobs import run_job
        return run_job(system(), None if job_id is None else int(job_id))
