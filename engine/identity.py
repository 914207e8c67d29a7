"""Users, role memberships and their credentials: passwords, one-time password links, session
versions and personal API tokens. Every function works in the caller's session (a
``unit_of_work`` for writes), so the programme, the web layer and the command line share it.

* Passwords follow :func:`password_problems` (length, three of four character classes, not the
  user name, not a common password) and are stored as werkzeug scrypt hashes.
* A new account has no password: it is *pending* until its owner opens an activation link
  (:func:`issue_link`) and chooses one (:func:`use_link`). A forgotten or administrator-reset
  password goes the same way with a ``reset`` link. Links are random, one-time, expiring, stored
  as their SHA-256 only, and a newer link of the same user replaces the older ones.
* ``users.session_version`` is part of every web session; bumping it (:func:`end_sessions`: on
  log-out, password change, reset, deactivation) ends every session of the user at once.
* API tokens (:func:`create_api_token`) are shown once, stored as their SHA-256, listed and
  revoked by their owner.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .access import Actor
from .errors import InvalidData, InvalidState, NotFound
from .passwords import (PASSWORD_MAX, PASSWORD_MIN, character_classes, check_password_policy,  # noqa: F401
                        common_passwords, password_problems)
from .tables import AccountToken, ApiToken, Membership, User

ACTIVATION, RESET = "activation", "reset"
LINK_LIFETIMES = {ACTIVATION: timedelta(days=7), RESET: timedelta(days=3)}
API_TOKEN_PREFIX = "pd_"
MAX_API_TOKENS = 20


class TokenIdentity(NamedTuple):
    actor: Actor
    display_name: str
    token_id: int
    stale: bool   # "last used" is older than asked (or unset): worth recording this use
    scopes: str | None = None   # as stored (webapp.api.scopes); None: the user's full rights


# a wrong user name costs the same hash check as a wrong password (no user enumeration by timing)
_DUMMY_HASH = generate_password_hash("peidai-dummy-password")


# --------------------------------------------------------------------------- users and roles

def upsert_user(session: Session, username: str, display_name: str, *, password_hash: str = "", email: str | None = None,
                memberships: list[tuple[str, str | None]] = ()) -> User:
    """Create the user, or update name, e-mail and memberships. A new user without
    ``password_hash`` is pending: it can log in only after an activation link (:func:`issue_link`)."""
    username = (username or "").strip()
    if not username or len(username) > 80:
        raise InvalidData("用户名不能为空，且不超过 80 个字符")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=display_name, password_hash=password_hash, email=email, active=True,
                    session_version=1)
        session.add(user)
        session.flush()
    else:
        user.display_name = display_name
        if password_hash:
            user.password_hash = password_hash
        user.email = email or user.email
        session.execute(delete(Membership).where(Membership.user_id == user.id))
    for role, scope in dict.fromkeys(memberships):
        session.add(Membership(user_id=user.id, role=role, scope=scope))
    session.flush()
    return user


def users_holding(session: Session, role: str, scope: str | None) -> list[str]:
    """User names that may take a task of ``role`` in ``scope``."""
    q = select(User.username).join(Membership, Membership.user_id == User.id).where(
        Membership.role == role, User.active.is_(True))
    if scope is not None:
        q = q.where((Membership.scope == scope) | Membership.scope.is_(None))
    return sorted(set(session.scalars(q)))


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    return user


def is_pending(user: User) -> bool:
    """Never activated (or reset by an administrator): no password yet."""
    return not user.password_hash


def memberships_of(session: Session, user_ids) -> dict[int, list[tuple[str, str | None]]]:
    out: dict[int, list[tuple[str, str | None]]] = {}
    ids = list(user_ids)
    if ids:
        for uid, role, scope in session.execute(select(Membership.user_id, Membership.role, Membership.scope)
                                                .where(Membership.user_id.in_(ids)).order_by(Membership.id)):
            out.setdefault(uid, []).append((role, scope))
    return out


def account_rows(session: Session, *, pending_only: bool = False, roles: set[str] | None = None,
                 search: str = "", limit: int = 500) -> list[dict]:
    """Accounts with their memberships and state, newest first. ``roles``: only accounts whose
    every membership is one of these roles (and that have one)."""
    q = select(User).order_by(User.id.desc())
    if pending_only:
        q = q.where(User.password_hash == "", User.active.is_(True))
    if search:
        like = f"%{search.strip()}%"
        q = q.where(User.username.ilike(like) | User.display_name.ilike(like))
    users = session.scalars(q.limit(limit * 4 if roles is not None else limit)).all()
    ms = memberships_of(session, [u.id for u in users])
    links = {}
    if users:
        for uid, purpose, created, expires, used in session.execute(
                select(AccountToken.user_id, AccountToken.purpose, AccountToken.created_at, AccountToken.expires_at,
                       AccountToken.used_at).where(AccountToken.user_id.in_([u.id for u in users]))
                .order_by(AccountToken.id)):
            links[uid] = {"purpose": purpose, "created_at": created, "expires_at": expires, "used_at": used}
    rows = []
    for u in users:
        held = ms.get(u.id, [])
        if roles is not None and (not held or any(r not in roles for r, _ in held)):
            continue
        rows.append({"username": u.username, "display_name": u.display_name, "email": u.email, "active": u.active,
                     "pending": is_pending(u), "memberships": held, "password_changed_at": u.password_changed_at,
                     "last_link": links.get(u.id)})
        if len(rows) >= limit:
            break
    return rows


def set_active(session: Session, username: str, active: bool, now: datetime) -> User:
    """Deactivate (every session, API token and password link stops working at once) or
    reactivate an account."""
    user = get_user(session, username)
    user.active = bool(active)
    if not active:
        end_sessions(session, user.username)
        _expire_links(session, user.id, now)
    session.flush()
    return user


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # werkzeug's current default: scrypt


def verify_password(user: User | None, password: str) -> bool:
    """The password is right for an active user that has one; costs one hash check in any case."""
    if user is None or not user.password_hash or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        return False
    return check_password_hash(user.password_hash, password or "")


def check_login(session: Session, username: str, password: str) -> str | None:
    """The user name if the password is right and the account active and activated, else None."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    return user.username if verify_password(user, password) else None


def set_password(session: Session, username: str, password: str, now: datetime, *, check_policy: bool = True) -> User:
    """Set a password (checked against the rules); every session of the user ends."""
    user = get_user(session, username)
    if check_policy:
        check_password_policy(password, user.username, user.display_name)
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    end_sessions(session, user.username)
    _expire_links(session, user.id, now)
    session.flush()
    return user


def change_password(session: Session, username: str, current: str, new: str, now: datetime) -> User:
    """The user's own change: the current password must be right and the new one different."""
    user = get_user(session, username)
    if not verify_password(user, current):
        raise InvalidData("当前密码不正确", field="current_password")
    if current == new:
        raise InvalidData("新密码不能与当前密码相同", field="password")
    return set_password(session, username, new, now)


def reset_password(session: Session, username: str, now: datetime) -> User:
    """An administrator's reset: the old password stops working, every session and API token of
    the user ends; the user chooses a new password through a ``reset`` link."""
    user = get_user(session, username)
    user.password_hash = ""
    end_sessions(session, user.username)
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now))
    session.flush()
    return user


# --------------------------------------------------------------------------- one-time links

def token_digest(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _expire_links(session: Session, user_id: int, now: datetime) -> None:
    """Every open link of the user stops working (marked used: superseded, password set, deactivated)."""
    session.execute(update(AccountToken).where(AccountToken.user_id == user_id, AccountToken.used_at.is_(None))
                    .values(used_at=now))


def issue_link(session: Session, username: str, purpose: str, *, now: datetime, by: str,
               lifetime: timedelta | None = None) -> str:
    """A new one-time token to choose a password (``activation`` for a pending account,
    ``reset`` otherwise); earlier unused links of the user stop working. Returns the token, which
    is stored only as its SHA-256."""
    if purpose not in LINK_LIFETIMES:
        raise InvalidData(f"未知的链接类型：{purpose}")
    user = get_user(session, username)
    if not user.active:
        raise InvalidState(f"账号 {user.username} 已停用，请先启用")
    if purpose == ACTIVATION and not is_pending(user):
        raise InvalidState(f"账号 {user.username} 已激活，如忘记密码请重置密码")
    _expire_links(session, user.id, now)
    token = secrets.token_urlsafe(32)
    session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=token_digest(token), created_by=by,
                             created_at=now, expires_at=now + (lifetime or LINK_LIFETIMES[purpose])))
    session.flush()
    return token


def link_account(session: Session, token: str, now: datetime) -> tuple[User, AccountToken] | None:
    """The active user and the link if ``token`` is a valid, unused, unexpired link, else None."""
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(AccountToken).where(AccountToken.token_hash == token_digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row


def use_link(session: Session, token: str, password: str, now: datetime) -> User:
    """Choose a password through a link: checks the rules, stores the hash, uses the link up and
    ends every session of the user. Raises InvalidState when the link is not (or no longer) valid."""
    found = link_account(session, token, now)
    if found is None:
        raise InvalidState("链接无效或已过期，请联系人才科或系统管理员重新获取")
    user, row = found
    check_password_policy(password, user.username, user.display_name)
    row.used_at = now
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    end_sessions(session, user.username)
    _expire_links(session, user.id, now)
    session.flush()
    return user


# --------------------------------------------------------------------------- sessions

def end_sessions(session: Session, username: str) -> None:
    """Every web session of the user ends (their cookies carry the previous version)."""
    session.execute(update(User).where(User.username == username)
                    .values(session_version=User.session_version + 1))


def web_identity(session: Session, username: str) -> tuple[Actor, str, int] | None:
    """``(actor, display name, session version)`` of an active, activated user, else None."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or not user.password_hash:
        return None
    ms = session.execute(select(Membership.role, Membership.scope).where(Membership.user_id == user.id)).all()
    return Actor(user.username, frozenset((m.role, m.scope) for m in ms)), user.display_name, user.session_version


# --------------------------------------------------------------------------- API tokens

def create_api_token(session: Session, username: str, name: str, now: datetime,
                     expires_at: datetime | None = None) -> tuple[str, ApiToken]:
    """A new personal API token; returns ``(token, row)``. The token is never stored."""
    user = get_user(session, username)
    name = (name or "").strip() or "接口令牌"
    if len(name) > 80:
        raise InvalidData("令牌名称不超过 80 个字符", field="name")
    live = session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now)))
    if live >= MAX_API_TOKENS:
        raise InvalidState(f"有效令牌最多 {MAX_API_TOKENS} 个，请先撤销不用的令牌")
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=token_digest(token), hint=token[:7], created_at=now,
                   expires_at=expires_at)
    session.add(row)
    session.flush()
    return token, row


def api_tokens(session: Session, username: str) -> list[dict]:
    user = get_user(session, username)
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())).all()
    return [{"id": r.id, "name": r.name, "hint": r.hint, "created_at": r.created_at, "expires_at": r.expires_at,
             "last_used_at": r.last_used_at, "revoked_at": r.revoked_at} for r in rows]


def revoke_api_token(session: Session, username: str, token_id: int, now: datetime) -> None:
    """The owner revokes one of their tokens (another user's token is not found)."""
    user = get_user(session, username)
    row = session.get(ApiToken, token_id) if isinstance(token_id, int) and 0 < token_id < 2 ** 31 else None
    if row is None or row.user_id != user.id:
        raise NotFound("令牌不存在")
    if row.revoked_at is None:
        row.revoked_at = now
    session.flush()


_SQL_TOKEN_IDENTITY = """
SELECT u.username, u.display_name, t.id,
       CASE WHEN t.last_used_at IS NULL OR t.last_used_at < :stale THEN 1 ELSE 0 END, t.scopes, m.role, m.scope
FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN memberships m ON m.user_id = u.id
WHERE t.token_hash = :digest AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > :now) AND u.active
"""


def api_token_identity(engine, token: str, now: datetime, stale_before: datetime) -> TokenIdentity | None:
    """Who a valid token of an active user is, in one statement on a DB-API connection of
    ``engine`` (token, user and memberships joined, as :mod:`engine.fastsql` reads the hot path;
    the one function here that takes the engine, not a session, since it runs on every API
    request): the actor, the display name, the token's id, whether its "last used" is older than
    ``stale_before`` (or unset) and its scopes. Revocation, expiry, deactivation and an
    administrator's reset (which revokes the user's tokens) take effect on the next request:
    nothing is cached."""
    if not isinstance(token, str) or not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
        return None
    fast = engine.fast
    with engine.raw_reading() as raw:
        rows = fast.all(raw, _SQL_TOKEN_IDENTITY, {"digest": token_digest(token), "now": fast.time(now),
                                                   "stale": fast.time(stale_before)})
    if not rows:
        return None
    username, display_name, token_id, stale, scopes = rows[0][:5]
    held = frozenset((role, scope) for *_, role, scope in rows if role is not None)
    return TokenIdentity(Actor(username, held), display_name, token_id, bool(stale), scopes)


def touch_api_token(session: Session, token_id: int, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
