"""Users as the web layer needs them: log-in, display names, API tokens, transfer candidates.

Passwords are stored as werkzeug hashes (scrypt); API tokens as their SHA-256 (a token is random,
so a fast hash is enough, and it lets the request loader find the user by an indexed column)."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from engine.identity import users_holding
from engine.tables import User

# used when the user does not exist, so a wrong name costs as much time as a wrong password
_DUMMY_HASH = generate_password_hash("peidai-dummy-password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_login(engine, username: str, password: str) -> str | None:
    """The user name if the password is right and the user active, else None."""
    with engine.sessions() as s:
        row = s.execute(select(User.username, User.password_hash).where(
            User.username == (username or "").strip(), User.active.is_(True))).first()
    if row is None or not row.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return row.username if check_password_hash(row.password_hash, password or "") else None


def set_password(engine, username: str, password: str) -> None:
    with engine.unit_of_work() as s:
        s.execute(update(User).where(User.username == username).values(password_hash=hash_password(password)))


def issue_token(engine, username: str) -> str:
    """Create (replace) the user's API token; only its hash is stored. Returns the token once."""
    token = "pd_" + secrets.token_urlsafe(32)
    with engine.unit_of_work() as s:
        s.execute(update(User).where(User.username == username).values(api_token_hash=token_hash(token)))
    return token


def user_for_token(engine, token: str) -> str | None:
    if not token:
        return None
    with engine.sessions() as s:
        return s.scalar(select(User.username).where(User.api_token_hash == token_hash(token), User.active.is_(True)))


def display_names(engine, usernames) -> dict[str, str]:
    names = {u for u in usernames if u}
    if not names:
        return {}
    with engine.sessions() as s:
        return dict(s.execute(select(User.username, User.display_name).where(User.username.in_(names))).all())


def display_name(engine, username: str) -> str:
    return display_names(engine, [username]).get(username, username)


def candidates(engine, role: str, scope: str | None, exclude: str = "") -> list[tuple[str, str]]:
    """(username, display name) of users who may take a task of ``role`` in ``scope``."""
    with engine.sessions() as s:
        names = [u for u in users_holding(s, role, scope) if u != exclude]
    shown = display_names(engine, names)
    return [(u, shown.get(u, u)) for u in names]
