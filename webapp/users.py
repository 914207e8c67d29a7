"""Users as the web layer needs them: log-in, display names, API tokens, transfer candidates.

The rules live in :mod:`engine.identity`: passwords are werkzeug hashes (scrypt) checked against
the password rules; API tokens are stored as their SHA-256 (a token is random, so a fast hash is
enough, and it lets the request loader find the user by an indexed column)."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from engine import identity
from engine.identity import token_digest as token_hash  # noqa: F401  (kept for callers)
from engine.identity import users_holding
from engine.tables import User

log = logging.getLogger(__name__)

TOKEN_TOUCH = timedelta(hours=1)   # "last used" of an API token is kept to the hour (no write per request)


def hash_password(password: str) -> str:
    return identity.hash_password(password)


def check_login(engine, username: str, password: str) -> str | None:
    """The user name if the password is right and the user active, else None."""
    with engine.sessions() as s:
        return identity.check_login(s, username, password)


def set_password(engine, username: str, password: str) -> None:
    """Set a password without the password rules (seeding, tests); users go through
    :func:`webapp.accounts.change_password` and the password links."""
    with engine.unit_of_work() as s:
        identity.set_password(s, username, password, engine.now(), check_policy=False)


def issue_token(engine, username: str, name: str = "接口令牌", days: int | None = None) -> str:
    """Create an API token for the user; only its hash is stored. Returns the token, once."""
    now = engine.now()
    with engine.unit_of_work() as s:
        token, _row = identity.create_api_token(s, username, name, now, now + timedelta(days=days) if days else None)
    return token


def token_identity(engine, token: str) -> identity.TokenIdentity | None:
    """Who an API token belongs to, for one request: one statement on a pooled DB-API connection
    (no ORM session), nothing cached, so a revoked or expired token, a deactivated user or an
    administrator's reset is refused on the very next request. Its "last used" is written at
    most once per :data:`TOKEN_TOUCH`."""
    if not token:
        return None
    now = engine.now()
    found = identity.api_token_identity(engine, token, now, now - TOKEN_TOUCH)
    if found is not None and found.stale:
        try:
            with engine.unit_of_work() as s:
                identity.touch_api_token(s, found.token_id, now)
        except Exception:   # a busy database does not refuse the request for this
            log.warning("could not record the use of API token %s", found.token_id, exc_info=True)
    return found


def user_for_token(engine, token: str) -> str | None:
    found = token_identity(engine, token)
    return found.actor.username if found is not None else None


def display_names(engine, usernames) -> dict[str, str]:
    names = {u for u in usernames if u}
    if not names:
        return {}
    with engine.read_session() as s:
        return dict(s.execute(select(User.username, User.display_name).where(User.username.in_(names))).all())


def display_name(engine, username: str) -> str:
    return display_names(engine, [username]).get(username, username)


def candidates(engine, role: str, scope: str | None, exclude: str = "") -> list[tuple[str, str]]:
    """(username, display name) of users who may take a task of ``role`` in ``scope``."""
    with engine.sessions() as s:
        names = [u for u in users_holding(s, role, scope) if u != exclude]
    shown = display_names(engine, names)
    return [(u, shown.get(u, u)) for u in names]


def _token_info(row) -> dict:
    return {"id": row.id, "name": row.name, "hint": row.hint, "created_at": row.created_at, "expires_at": row.expires_at,
            "last_used_at": row.last_used_at, "revoked_at": row.revoked_at}


def create_token(engine, username: str, name: str = "", days: int | None = 90) -> tuple[str, dict]:
    """A personal API token for ``username`` (who proved who they are), recorded in the audit trail
    like one made on the account page; returns the token (shown once) and its row."""
    now = engine.now()
    with engine.unit_of_work() as s:
        token, row = identity.create_api_token(s, username, name, now, now + timedelta(days=days) if days else None)
        engine.audit(s, username, "api_token_created", data={"id": row.id, "name": row.name, "via": "api"}, now=now)
        return token, _token_info(row)


def own_tokens(engine, username: str) -> list[dict]:
    with engine.sessions() as s:
        return identity.api_tokens(s, username)


def revoke_token(engine, username: str, token_id: int) -> None:
    """The owner revokes one of their tokens (another user's is not found), audited."""
    now = engine.now()
    with engine.unit_of_work() as s:
        identity.revoke_api_token(s, username, token_id, now)
        engine.audit(s, username, "api_token_revoked", data={"id": token_id, "via": "api"}, now=now)
