"""Account lifecycle as the web pages and ``peidai users`` use it (issue 11, item 1).

An account without a password is *pending*. Whoever manages it (an administrator: every account;
the talent section: the programme's own accounts, mentors and mentees) gets a one-time activation
link to hand over, on the page of pending activations or from the command line; when SMTP is set
and the account has an e-mail address the link also goes out by mail (the ``notify`` outbox topic,
template ``account_activation`` / ``password_reset``). The person opens the link and chooses a
password under the rules of :func:`engine.identity.password_problems`.

A forgotten password is reset the same way: the person asks for a link by mail (the answer is the
same whether the account exists or not), or the talent section or an administrator resets it
(the old password stops working, every session and API token ends) and hands the link over.

Every change is in the audit trail (who, when, which account; never a password or a link).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from engine import Actor, InvalidData, InvalidState, NotFound, PermissionDenied
from engine import identity
from engine.identity import ACTIVATION, RESET

CHINA = ZoneInfo("Asia/Shanghai")
FORGOT_LIFETIME = timedelta(hours=1)

# roles whose holders may hand over links and reset passwords of accounts that hold only the given
# roles (administrators: every account)
MANAGES = {"talent_section": frozenset({"mentor", "mentee"})}

LINK_PATHS = {ACTIVATION: "/account/activate/", RESET: "/account/reset/"}


@dataclass
class Link:
    username: str
    display_name: str
    purpose: str
    url: str
    expires_at: datetime
    mailed: bool


def managed_roles(actor: Actor, admin_role: str = "admin") -> frozenset[str] | None:
    """The roles whose accounts ``actor`` manages; None for every account; empty for none."""
    if actor.has_role(admin_role):
        return None
    out: set[str] = set()
    for role, roles in MANAGES.items():
        if actor.has_role(role):
            out |= roles
    return frozenset(out)


def may_manage(actor: Actor, memberships, admin_role: str = "admin") -> bool:
    roles = managed_roles(actor, admin_role)
    if roles is None:
        return True
    held = [r for r, _ in memberships]
    return bool(roles) and bool(held) and all(r in roles for r in held)


def _managed_user(session, engine, actor: Actor, username: str):
    try:
        user = identity.get_user(session, username)
    except NotFound:
        raise NotFound("账号不存在") from None
    held = identity.memberships_of(session, [user.id]).get(user.id, [])
    if not may_manage(actor, held, engine.config.admin_role):
        raise NotFound("账号不存在")   # outside the manager's scope: not even its existence
    return user


def link_url(base_url: str, purpose: str, token: str) -> str:
    return (base_url or "").rstrip("/") + LINK_PATHS[purpose] + token


def local_time(value: datetime) -> str:
    return value.astimezone(CHINA).strftime("%Y年%m月%d日 %H:%M")


def _mail(system, session, user, purpose: str, url: str, expires_at: datetime, now: datetime, token: str) -> bool:
    """Queue the link as a ``notify`` message when SMTP is set and the account has an address."""
    if not system.settings.smtp_host or not user.email:
        return False
    template = "account_activation" if purpose == ACTIVATION else "password_reset"
    context = {"name": user.display_name, "username": user.username, "link": url, "expires": local_time(expires_at)}
    system.engine.outbox.emit(session, "notify", {"template": template, "users": [user.username], "context": context},
                              f"account:{purpose}:{identity.token_digest(token)[:32]}", now=now)
    return True


def issue_link(system, actor: Actor, username: str, base_url: str, *, purpose: str | None = None) -> Link:
    """A new activation link (pending account) or reset link (activated account) to hand over;
    also mailed when possible. Earlier links of the account stop working."""
    engine = system.engine
    now = engine.now()
    with engine.unit_of_work() as s:
        user = _managed_user(s, engine, actor, username)
        purpose = purpose or (ACTIVATION if identity.is_pending(user) else RESET)
        token = identity.issue_link(s, user.username, purpose, now=now, by=actor.username)
        expires = now + identity.LINK_LIFETIMES[purpose]
        url = link_url(base_url, purpose, token)
        mailed = _mail(system, s, user, purpose, url, expires, now, token)
        engine.audit(s, actor, "account_link_issued", data={"username": user.username, "purpose": purpose,
                                                            "mailed": mailed}, now=now)
        return Link(user.username, user.display_name, purpose, url, expires, mailed)


def create_account(system, actor: Actor, username: str, display_name: str, base_url: str, *, email: str = "",
                   memberships=()) -> Link:
    """A new account (pending) and its activation link."""
    engine = system.engine
    username = (username or "").strip()
    from workflows.notifications.contacts import clean_email
    email = clean_email(email)   # the same rule as every other way an address comes in
    if not username:
        raise InvalidData("请填写用户名", field="username")
    if len(username) > 80 or not all(c.isalnum() or c in "._-@" for c in username):
        raise InvalidData("用户名只能由字母、数字和 . _ - @ 组成，不超过 80 个字符", field="username")
    roles = engine.config.roles
    for role, _scope in memberships:
        if role not in roles:
            raise InvalidData(f"角色“{role}”不存在", field="memberships")
    if not may_manage(actor, memberships, engine.config.admin_role):
        raise PermissionDenied("您只能为本人管理范围内的角色创建账号")
    with engine.unit_of_work() as s:
        try:
            identity.get_user(s, username)
            raise InvalidData(f"用户名 {username} 已被使用", field="username")
        except NotFound:
            pass
        identity.upsert_user(s, username, (display_name or "").strip() or username, email=email,
                             memberships=list(memberships))
        engine.audit(s, actor, "account_created", data={"username": username, "memberships": list(memberships),
                                                         "email": bool(email)})
    return issue_link(system, actor, username, base_url, purpose=ACTIVATION)


def reset_password(system, actor: Actor, username: str, base_url: str) -> Link:
    """The manager's reset: the old password, every session and API token of the account end at
    once; the new password is chosen through the returned link."""
    engine = system.engine
    now = engine.now()
    with engine.unit_of_work() as s:
        user = _managed_user(s, engine, actor, username)
        if not user.active:
            raise InvalidState(f"账号 {user.username} 已停用，请先启用")
        identity.reset_password(s, user.username, now)
        engine.audit(s, actor, "password_reset", data={"username": user.username}, now=now)
    return issue_link(system, actor, username, base_url, purpose=RESET)


def set_active(system, actor: Actor, username: str, active: bool) -> None:
    engine = system.engine
    if not actor.has_role(engine.config.admin_role):
        raise PermissionDenied("只有系统管理员可以停用或启用账号")
    if not active and username == actor.username:
        raise InvalidState("不能停用自己的账号")
    now = engine.now()
    with engine.unit_of_work() as s:
        user = _managed_user(s, engine, actor, username)
        identity.set_active(s, user.username, active, now)
        engine.audit(s, actor, "user_activated" if active else "user_deactivated", data={"username": user.username},
                     now=now)


def pending(system, actor: Actor, *, search: str = "") -> list[dict]:
    """Pending accounts the actor manages, newest first."""
    engine = system.engine
    roles = managed_roles(actor, engine.config.admin_role)
    if roles is not None and not roles:
        return []
    with engine.sessions() as s:
        return identity.account_rows(s, pending_only=True, roles=roles, search=search)


def managed(system, actor: Actor, *, search: str = "", limit: int = 200) -> list[dict]:
    engine = system.engine
    roles = managed_roles(actor, engine.config.admin_role)
    if roles is not None and not roles:
        return []
    with engine.sessions() as s:
        return identity.account_rows(s, roles=roles, search=search, limit=limit)


# --------------------------------------------------------------------------- the person's own account

def link_holder(engine, token: str) -> dict | None:
    """Whose link ``token`` is (for the page that asks for the new password), if it is valid."""
    with engine.sessions() as s:
        found = identity.link_account(s, token, engine.now())
        if found is None:
            return None
        user, row = found
        return {"username": user.username, "display_name": user.display_name, "purpose": row.purpose,
                "expires_at": row.expires_at}


def choose_password(engine, token: str, password: str, confirm: str) -> str:
    """Set the password through a link; returns the user name."""
    if password != confirm:
        raise InvalidData("两次输入的密码不一致", field="confirm")
    now = engine.now()
    with engine.unit_of_work() as s:
        found = identity.link_account(s, token, now)
        purpose = found[1].purpose if found else None
        user = identity.use_link(s, token, password, now)
        engine.audit(s, user.username, "account_activated" if purpose == ACTIVATION else "password_reset_done",
                     data={"username": user.username}, now=now)
        return user.username


def change_password(engine, username: str, current: str, new: str, confirm: str) -> None:
    if new != confirm:
        raise InvalidData("两次输入的密码不一致", field="confirm")
    now = engine.now()
    with engine.unit_of_work() as s:
        identity.change_password(s, username, current, new, now)
        engine.audit(s, username, "password_changed", data={"username": username}, now=now)


def end_sessions(engine, username: str, why: str = "logout") -> None:
    with engine.unit_of_work() as s:
        identity.end_sessions(s, username)


def forgot_password(system, username: str, base_url: str, *, may_mail: bool = True) -> bool:
    """Mail a reset link if the account exists, is active and activated, has an e-mail address and
    SMTP is set; the caller answers the same in every case. Returns whether a mail was queued."""
    engine = system.engine
    now = engine.now()
    username = (username or "").strip()[:80]
    mailed = False
    with engine.unit_of_work() as s:   # one write transaction whatever the outcome (no timing tell)
        try:
            user = identity.get_user(s, username) if username else None
        except NotFound:
            user = None
        if (may_mail and user is not None and user.active and not identity.is_pending(user) and user.email
                and system.settings.smtp_host):
            token = identity.issue_link(s, user.username, RESET, now=now, by=user.username, lifetime=FORGOT_LIFETIME)
            mailed = _mail(system, s, user, RESET, link_url(base_url, RESET, token), now + FORGOT_LIFETIME, now, token)
        engine.audit(s, "anonymous", "password_reset_requested", data={"username": username, "mailed": mailed}, now=now)
    return mailed
