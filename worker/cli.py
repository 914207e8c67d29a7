"""``peidai worker``, ``peidai beat``, ``peidai outbox ...`` and ``peidai incidents ...``."""
from __future__ import annotations

import contextlib

import click


def _outbox(lazy):
    return lazy.engine.outbox


def _engine_call(fn, *args, **kwargs):
    from engine import EngineError
    try:
        return fn(*args, **kwargs)
    except EngineError as exc:
        raise click.ClickException(exc.message) from None


def parse_moment(text: str | None, param: str = "--now"):
    """An aware ISO 8601 time (``2014-06-01T09:00:00+08:00``), or None."""
    from datetime import datetime
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("不是 ISO 8601 时间，例如 2014-06-01T09:00:00+08:00", param_hint=param) from None
    if moment.tzinfo is None:
        raise click.BadParameter("请带上时区，例如 +08:00", param_hint=param)
    return moment


@contextlib.contextmanager
def clock_at(system, moment):
    """The system with its engine's clock standing at ``moment`` (when given) for the command:
    messages written on a virtual clock (dry runs, rehearsals, tests) are delivered at that time,
    and the deliverers read it as "now" too."""
    if moment is None:
        yield system
        return
    from engine.clock import VirtualClock
    engine, previous = system.engine, system.engine.clock
    engine.clock = VirtualClock(moment)
    try:
        yield system
    finally:
        engine.clock = previous


def register(cli: click.Group) -> None:
    from peidai.cli import pass_lazy

    @cli.command("worker")
    @click.option("--concurrency", type=click.IntRange(1, 64), default=2, show_default=True)
    @click.option("--beat", is_flag=True, help="同时运行定时调度（beat）")
    @click.option("--loglevel", default="INFO", show_default=True)
    def worker(concurrency, beat, loglevel):
        """Run a worker: fires timers, delivers the outbox, reminds overdue tasks."""
        from peidai.logs import celery_logging

        from .app import celery_app
        quiet = celery_logging("worker", loglevel)   # JSON lines when PEIDAI_LOG_FORMAT=json
        argv = quiet + ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", "--without-gossip", "--without-mingle"]
        celery_app.worker_main(argv + (["--beat"] if beat else []))

    @cli.command("beat")
    @click.option("--loglevel", default="INFO", show_default=True)
    def beat(loglevel):
        """Run the scheduler that wakes the workers (several may run: every job is idempotent)."""
        from peidai.logs import celery_logging

        from .app import celery_app
        quiet = celery_logging("beat", loglevel)
        celery_app.start(quiet + ["beat", f"--loglevel={loglevel}"])

    @cli.group()
    def outbox():
        """Side effects waiting for delivery (mail, notifications, documents)."""

    @outbox.command("deliver")
    @click.option("--limit", type=click.IntRange(1, 100000), default=1000, show_default=True)
    @click.option("--now", "now_text", default=None,
                  help="按此时刻投递（ISO 时间，带时区，如 2014-06-01T09:00:00+08:00），用于虚拟时钟的试运行和演练")
    @pass_lazy
    def outbox_deliver(lazy, limit, now_text):
        """Deliver what is due now (or at --now), in this process (no broker needed); then send the
        mails kept while no SMTP server was configured."""
        from workflows.notifications.mailer import send_kept
        moment = parse_moment(now_text)
        total = {"claimed": 0, "delivered": 0, "retrying": 0, "incidents": 0}
        with clock_at(lazy.system, moment) as system:
            while total["claimed"] < limit:
                counts = system.engine.outbox.deliver_due(system, limit=min(100, limit - total["claimed"]))
                if not counts["claimed"]:
                    break
                total = {k: total[k] + counts[k] for k in total}
            mails = send_kept(system)
        click.echo(f"已投递 {total['delivered']}，待重试 {total['retrying']}，转为故障 {total['incidents']}")
        if mails["sent"] or mails["failed"]:
            click.echo(f"已发出保存的邮件 {mails['sent']} 封" + (f"，{mails['failed']} 封未发出：{mails['reason']}"
                                                           if mails["failed"] else ""))

    @outbox.command("status")
    @pass_lazy
    def outbox_status(lazy):
        counts = _outbox(lazy).counts()
        click.echo(f"待投递 {counts['pending']}，已投递 {counts['delivered']}，故障 {counts['incident']}，已忽略 {counts['dismissed']}")

    @cli.group()
    def incidents():
        """Deliveries that failed after the last retry."""

    @incidents.command("list")
    @click.option("--all", "include_dismissed", is_flag=True, help="包括已忽略的")
    @pass_lazy
    def incidents_list(lazy, include_dismissed):
        rows = _outbox(lazy).incidents(include_dismissed=include_dismissed)
        if not rows:
            click.echo("没有故障")
            return
        for r in rows:
            error = (r["last_error"] or "").splitlines()[0] if r["last_error"] else ""
            instance = f"实例 {r['instance_id']}" if r["instance_id"] else "—"
            click.echo(f"{r['id']:>6}  {r['status_label']}  {r['topic']:<16} {instance:<10} 尝试 {r['attempts']} 次  "
                       f"{r['created_at']:%Y-%m-%d %H:%M}  {error}")

    @incidents.command("show")
    @click.argument("message_id", type=click.IntRange(min=1))
    @pass_lazy
    def incidents_show(lazy, message_id):
        from peidai.cli import echo_json
        echo_json(_engine_call(_outbox(lazy).get, message_id))

    @incidents.command("retry")
    @click.argument("message_id", type=click.IntRange(min=1))
    @click.option("--user", default="admin", show_default=True)
    @pass_lazy
    def incidents_retry(lazy, message_id, user):
        """Deliver an incident again, now."""
        from engine import Actor
        status = _engine_call(_outbox(lazy).retry, message_id, Actor(user), lazy.system)
        if status == "delivered":
            click.echo(f"消息 {message_id} 已投递")
        else:
            error = (_outbox(lazy).get(message_id)["last_error"] or "").splitlines()
            raise click.ClickException(f"消息 {message_id} 投递仍然失败：{error[0] if error else ''}")

    @incidents.command("dismiss")
    @click.argument("message_id", type=click.IntRange(min=1))
    @click.option("--reason", default="", help="忽略的原因")
    @click.option("--user", default="admin", show_default=True)
    @pass_lazy
    def incidents_dismiss(lazy, message_id, reason, user):
        """Give up on an incident (kept for the record)."""
        from engine import Actor
        _engine_call(_outbox(lazy).dismiss, message_id, Actor(user), reason)
        click.echo(f"消息 {message_id} 已忽略")
