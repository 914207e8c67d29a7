"""``peidai users …``: accounts from the command line, with the same rules as the web pages
(:mod:`webapp.accounts`). Links are printed once (and mailed when SMTP is set and the account has
an e-mail address); the site address in them is ``PEIDAI_PUBLIC_URL``.

    peidai users create wangli --name 王丽 --email wangli@example.cn --role unit_reviewer:hongshan
    peidai users activate-link mentor12
    peidai users reset-password mentor12
    peidai users set-password admin          # asks twice, without echo
    peidai users deactivate wangli
    peidai users list --pending
    peidai users set-contacts wangli --email wangli@example.cn --mobile 13912345678

Contact details, the Excel import and message channels: :mod:`webapp.cli_contacts`.
"""
from __future__ import annotations

import click

from engine import Actor

CLI_ACTOR = "cli"   # who the audit trail names for changes made at the command line


def _actor(lazy, as_user: str | None) -> Actor:
    if as_user:
        return lazy.engine.actor_for(as_user)
    return Actor(CLI_ACTOR, frozenset({(lazy.engine.config.admin_role, None)}))


def _base_url(settings) -> str:
    return settings.public_url or f"http://127.0.0.1:{settings.port}"


def _print_link(link, settings) -> None:
    from webapp.accounts import local_time
    kind = "激活链接" if link.purpose == "activation" else "重置密码链接"
    click.echo(f"{link.display_name}（{link.username}）的{kind}（只显示这一次，仅能使用一次，{local_time(link.expires_at)} 前有效）：")
    click.echo(link.url)
    if link.mailed:
        click.echo("已同时发送到该账号登记的电子邮箱")
    if not settings.public_url:
        click.echo("提示：未设置 PEIDAI_PUBLIC_URL，链接中的网址是本机地址，交给用户前请换成网站的实际地址", err=True)


def _memberships(lazy, roles) -> list[tuple[str, str | None]]:
    out = []
    for item in roles:
        role, _sep, scope = item.partition(":")
        role = role.strip()
        if role not in lazy.engine.config.roles:
            raise click.BadParameter(f"角色“{role}”不存在；可用角色：{'、'.join(lazy.engine.config.roles)}",
                                     param_hint="--role")
        out.append((role, scope.strip() or None))
    return out


def register(cli: click.Group) -> None:
    from peidai.cli import pass_lazy

    @cli.group()
    def users():
        """Accounts: create, activation links, password resets, deactivation."""

    @users.command("create")
    @click.argument("username")
    @click.option("--name", "display_name", default="", help="姓名")
    @click.option("--email", default="", help="电子邮箱（配置了 SMTP 时激活链接同时发到这里）")
    @click.option("--role", "roles", multiple=True, help="角色 或 角色:范围，可重复，如 --role unit_reviewer:hongshan")
    @click.option("--as", "as_user", default=None, help="以哪个用户的身份（默认：命令行管理员）")
    @pass_lazy
    def users_create(lazy, username, display_name, email, roles, as_user):
        """Create an account without a password and print its activation link."""
        from webapp import accounts
        link = accounts.create_account(lazy.system, _actor(lazy, as_user), username, display_name,
                                       _base_url(lazy.system.settings), email=email,
                                       memberships=_memberships(lazy, roles))
        click.echo(f"已创建账号 {link.username}")
        _print_link(link, lazy.system.settings)

    @users.command("activate-link")
    @click.argument("username")
    @click.option("--as", "as_user", default=None, help="以哪个用户的身份（默认：命令行管理员）")
    @pass_lazy
    def users_activate_link(lazy, username, as_user):
        """A new activation link for an account that has no password yet (older links stop working)."""
        from webapp import accounts
        link = accounts.issue_link(lazy.system, _actor(lazy, as_user), username, _base_url(lazy.system.settings),
                                   purpose="activation")
        _print_link(link, lazy.system.settings)

    @users.command("reset-password")
    @click.argument("username")
    @click.option("--as", "as_user", default=None, help="以哪个用户的身份（默认：命令行管理员）")
    @pass_lazy
    def users_reset_password(lazy, username, as_user):
        """The old password, every session and API token end; print the link to choose a new one."""
        from webapp import accounts
        link = accounts.reset_password(lazy.system, _actor(lazy, as_user), username, _base_url(lazy.system.settings))
        click.echo(f"账号 {link.username} 的密码已重置，原密码、全部登录和接口令牌已失效")
        _print_link(link, lazy.system.settings)

    @users.command("set-password")
    @click.argument("username")
    @click.password_option("--password", prompt="新密码", confirmation_prompt="再次输入新密码",
                           help="不给时交互输入（不回显）")
    @pass_lazy
    def users_set_password(lazy, username, password):
        """Set a password directly (the first administrator of a new installation); the password
        rules apply and every session of the user ends."""
        from engine import identity
        engine = lazy.engine
        now = engine.now()
        with engine.unit_of_work() as s:
            identity.set_password(s, username, password, now)
            engine.audit(s, CLI_ACTOR, "password_set", data={"username": username}, now=now)
        click.echo(f"已设置账号 {username} 的密码")

    @users.command("deactivate")
    @click.argument("username")
    @pass_lazy
    def users_deactivate(lazy, username):
        """Deactivate: every session, API token and password link of the account stops working."""
        from webapp import accounts
        accounts.set_active(lazy.system, _actor(lazy, None), username, False)
        click.echo(f"已停用账号 {username}，其全部登录和接口令牌已失效")

    @users.command("activate")
    @click.argument("username")
    @pass_lazy
    def users_activate(lazy, username):
        """Reactivate a deactivated account."""
        from webapp import accounts
        accounts.set_active(lazy.system, _actor(lazy, None), username, True)
        click.echo(f"已启用账号 {username}")

    @users.command("list")
    @click.option("--pending", is_flag=True, help="只列出待激活（尚未设置密码）的账号")
    @click.option("--search", default="", help="用户名或姓名中的文字")
    @pass_lazy
    def users_list(lazy, pending, search):
        """Accounts with their state, roles, e-mail address and mobile number."""
        from engine import identity
        from workflows.notifications.contacts import contacts_of
        with lazy.engine.sessions() as s:
            rows = identity.account_rows(s, pending_only=pending, search=search, limit=10000)
            found = contacts_of(s, [r["username"] for r in rows])
        for r in rows:
            state = "已停用" if not r["active"] else "待激活" if r["pending"] else "已激活"
            roles = "，".join(f"{role}:{scope}" if scope else role for role, scope in r["memberships"]) or "—"
            mine = found.get(r["username"], {})
            contact = "  ".join(v for v in (mine.get("email") or "", mine.get("mobile") or "") if v)
            click.echo(f"{r['username']:<20} {r['display_name']:<10} {state:<4} {roles}  {contact}".rstrip())
        click.echo(f"共 {len(rows)} 个账号")

    from webapp import cli_contacts
    cli_contacts.register(users, _actor)
