"""Users and role memberships (who may take which human tasks). Passwords arrive hashed."""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .errors import InvalidData
from .tables import Membership, User


def upsert_user(session: Session, username: str, display_name: str, *, password_hash: str = "", email: str | None = None,
                memberships: list[tuple[str, str | None]] = ()) -> User:
    username = (username or "").strip()
    if not username or len(username) > 80:
        raise InvalidData("用户名不能为空，且不超过 80 个字符")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=display_name, password_hash=password_hash, email=email, active=True)
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
