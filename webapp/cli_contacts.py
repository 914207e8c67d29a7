"""``peidai users …`` for contact details and message channels (issue 17), the same rules as the
users page (:mod:`workflows.notifications.contacts`, :mod:`workflows.notifications.kinds`)::

    peidai users set-contacts wangli --email wangli@example.cn --mobile 13912345678
    peidai users set-contacts wangli --mobile ""           # removes the mobile number
    peidai users import contacts.xlsx                      # 用户名 / 电子邮箱 / 手机号码
    peidai users import-template contacts.xlsx             # the list to fill, with every account
    peidai users unreachable                               # per unit: who has no address or mobile
    peidai users channels wangli --set round=in_app        # in-app only for round notices
"""
from __future__ import annotations

from pathlib import Path

import click

from engine import InvalidData


def _rows_errors(exc: InvalidData) -> None:
    for e in exc.details.get("errors") or []:
        click.echo(f"  第 {e['row']} 行  {e['column']}：{e['message']}", err=True)


def register(users: click.Group, actor) -> None:
    """Add the commands to the ``users`` group; ``actor(lazy, as_user)`` is who acts."""
    from peidai.cli import pass_lazy

    @users.command("set-contacts")
    @click.argument("username")
    @click.option("--email", default=None, help="电子邮箱（空字符串：删除）")
    @click.option("--mobile", default=None, help="手机号码，11 位（空字符串：删除）")
    @click.option("--as", "as_user", default=None, help="以哪个用户的身份（默认：命令行管理员）")
    @pass_lazy
    def users_set_contacts(lazy, username, email, mobile, as_user):
        """Set an account's e-mail address and/or mobile number (administrators)."""
        from workflows.notifications import contacts
        if email is None and mobile is None:
            raise click.UsageError("请给出 --email 或 --mobile")
        try:
            changed = contacts.set_contacts(lazy.engine, actor(lazy, as_user), username,
                                            email=contacts.KEEP if email is None else email,
                                            mobile=contacts.KEEP if mobile is None else mobile)
        except InvalidData as exc:
            raise click.BadParameter(exc.message, param_hint=f"--{exc.details.get('field', 'email')}") from None
        labels = {"email": "电子邮箱", "mobile": "手机号码"}
        click.echo(f"已修改 {username} 的{'、'.join(labels[c] for c in changed)}" if changed else f"{username} 的联系方式没有变化")

    @users.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--as", "as_user", default=None, help="以哪个用户的身份（默认：命令行管理员）")
    @pass_lazy
    def users_import(lazy, path, as_user):
        """Contact details from an Excel list (用户名, 电子邮箱, 手机号码); nothing changes when
        any row is wrong."""
        from workflows.notifications import contacts, contacts_excel
        with path.open("rb") as f:
            data = f.read(contacts_excel.MAX_BYTES + 1)
        try:
            result = contacts.import_contacts(lazy.engine, actor(lazy, as_user), contacts_excel.read_sheet(data))
        except InvalidData as exc:
            _rows_errors(exc)
            raise click.ClickException(exc.message) from None
        click.echo(f"已检查 {result['rows']} 行，修改了 {result['changed']} 个账号的联系方式")

    @users.command("import-template")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
    @click.option("--empty", is_flag=True, help="只要表头，不列出现有账号")
    @pass_lazy
    def users_import_template(lazy, path, empty):
        """Write the contact list to fill: every active account with its current details."""
        from engine import identity
        from workflows.notifications import contacts, contacts_excel
        rows = []
        if not empty:
            with lazy.engine.sessions() as s:
                accounts = [r for r in identity.account_rows(s, limit=100000) if r["active"]]
                found = contacts.contacts_of(s, [r["username"] for r in accounts])
            rows = [{"username": r["username"], "name": r["display_name"], "email": found[r["username"]]["email"],
                     "mobile": found[r["username"]]["mobile"]} for r in accounts]
        path.write_bytes(contacts_excel.template(rows))
        click.echo(f"已写出 {path}（{len(rows)} 个账号）")

    @users.command("unreachable")
    @click.option("--all", "show_all", is_flag=True, help="也列出全部人员都能联系到的单位")
    @pass_lazy
    def users_unreachable(lazy, show_all):
        """Per unit: the people without an e-mail address or a mobile number."""
        from workflows.notifications import contacts
        gaps = 0
        for unit in contacts.unreachable_by_unit(lazy.engine):
            if unit["complete"] and not show_all or not unit["people"] and not show_all:
                continue
            gaps += bool(unit["no_email"] or unit["no_mobile"])
            click.echo(f"{unit['unit_name']}（{unit['people']} 人）")
            for key, label in (("no_email", "没有电子邮箱"), ("no_mobile", "没有手机号码")):
                if unit[key]:
                    names = "、".join(f"{p['name']}（{p['username']}）" for p in unit[key])
                    click.echo(f"  {label}：{names}")
        click.echo(f"共 {gaps} 个单位有人员无法联系" if gaps else "各单位人员均有电子邮箱和手机号码")

    @users.command("channels")
    @click.argument("username")
    @click.option("--set", "choices", multiple=True, metavar="类别=in_app|mail",
                  help="某类消息的接收方式：in_app 仅站内消息，mail 站内消息和邮件；可重复")
    @pass_lazy
    def users_channels(lazy, username, choices):
        """Show or set how a person receives each kind of message."""
        from engine import identity
        from workflows.notifications import kinds
        with lazy.engine.sessions() as s:
            identity.get_user(s, username)
            current = kinds.preferences(s, username)
        if choices:
            wanted = {}
            for item in choices:
                kind, sep, channel = item.partition("=")
                if not sep:
                    raise click.BadParameter(f"应为 类别=in_app 或 类别=mail：{item}", param_hint="--set")
                wanted[kind.strip()] = channel.strip()
            try:
                current = kinds.set_preferences(lazy.engine, username, wanted, by="cli")
            except InvalidData as exc:
                raise click.BadParameter(f"{exc.message}；类别：{'、'.join(kinds.KINDS)}", param_hint="--set") from None
        for kind, (label, _templates) in kinds.KINDS.items():
            click.echo(f"{kind:<10} {label}：{kinds.CHANNELS[current[kind]]}")
