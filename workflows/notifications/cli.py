"""``peidai notifications list --user NAME`` and ``peidai notifications mails`` (sent, kept while
no SMTP server is configured, failed with the reason)."""
from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    from peidai.cli import pass_lazy

    @cli.group()
    def notifications():
        """In-app notifications and mails."""

    @notifications.command("list")
    @click.option("--user", required=True, help="用户名")
    @click.option("--unread", is_flag=True, help="只显示未读")
    @click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
    @pass_lazy
    def notifications_list(lazy, user, unread, page):
        from .service import notifications as listing, unread_count
        rows, total = listing(lazy.engine, user, unread_only=unread, page=page, per_page=50)
        click.echo(f"{user}：共 {total} 条，未读 {unread_count(lazy.engine, user)} 条")
        for r in rows:
            mark = " " if r["read_at"] else "●"
            click.echo(f"{mark} {r['id']:>6}  {r['created_at']:%Y-%m-%d %H:%M}  {r['title']}")
            click.echo(f"         {r['body']}")

    @notifications.command("mails")
    @click.option("--user", default=None, help="只看某个用户的邮件")
    @click.option("--status", type=click.Choice(["queued", "sent", "kept", "failed"]), default=None)
    @click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
    @pass_lazy
    def notifications_mails(lazy, user, status, limit):
        """Mails, newest first; ``kept`` ones wait for an SMTP server, ``failed`` ones say why."""
        from .mailer import STATUS_LABELS as labels
        from .service import mails
        rows = mails(lazy.engine, username=user, status=status, limit=limit)
        if not rows:
            click.echo("没有邮件")
        for r in rows:
            click.echo(f"#{r['id']}  {labels.get(r['status'], r['status'])}  收件人：{r['to_address']}  {r['created_at']:%Y-%m-%d %H:%M}")
            if r["error"]:
                click.echo(f"原因：{r['error']}")
            click.echo(f"主题：{r['subject']}")
            click.echo(r["body"])
