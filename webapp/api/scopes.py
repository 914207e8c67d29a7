"""Scopes of an access token (issue 15 point 2): what a token may do, never more than its user.

The vocabulary is small on purpose:

* ``read`` — read the records and tasks the user may see (every GET);
* ``act`` — work: claim, complete, assign and transfer tasks, start nominations and processes,
  upload, mark notifications read, revoke tokens (every other method);
* ``admin`` — run the programme: open a selection round, move the clock of a test deployment
  (operations marked with :func:`requires`).

Every user may give a token ``read``; ``act`` needs a role; ``admin`` the talent section's or the
administrator's role. A token is checked on each request against the scopes stored with it *and*
what its user holds now, so a user who loses a role loses it on all their tokens. A token made
before scopes existed, or on the account page, has no scopes stored: it keeps its user's full
rights, as before.

The check runs once for every operation (:func:`enforce`, a ``before_request`` of every API
blueprint); the document shows each operation's scope in its ``security`` requirement."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from engine import Actor, identity
from engine.tables import ApiToken, User

from .core import ApiFailure

SCOPES = {"read": _l("查看"), "act": _l("办理"), "admin": _l("管理")}
ADMIN_ROLES = ("talent_section", "admin")
READING = ("GET", "HEAD", "OPTIONS")
SCHEME = "bearerAuth"


def allowed(actor: Actor) -> list[str]:
    """The scopes ``actor``'s roles allow, in the vocabulary's order."""
    out = ["read"]
    if actor.memberships:
        out.append("act")
    if any(actor.has_role(r) for r in ADMIN_ROLES):
        out.append("admin")
    return out


def ordered(words) -> list[str]:
    return [w for w in SCOPES if w in set(words)]


def label(words) -> str:
    return "、".join(f"{SCOPES[w]}（{w}）" for w in ordered(words))


def stored(text: str | None) -> list[str] | None:
    """The scopes stored on a token row (None: not limited)."""
    return None if text is None else ordered(text.split())


def effective(actor: Actor, text: str | None) -> list[str]:
    """What a token may do now: its scopes within what its user's roles allow."""
    mine = allowed(actor)
    kept = stored(text)
    return mine if kept is None else [w for w in kept if w in mine]


# --------------------------------------------------------------------------- operations

def requires(blp, scope: str):
    """Mark an operation as needing ``scope`` (beyond the default: ``read`` for GET, ``act`` for
    the other methods), documented in its ``security`` requirement."""
    assert scope in SCOPES, scope

    def decorator(func):
        func._peidai_scope = scope
        return blp.doc(security=[{SCHEME: [scope]}])(func)
    return decorator


def default(method: str) -> str:
    return "read" if method.upper() in READING else "act"


def needed(view, method: str) -> str:
    return getattr(view, "_peidai_scope", None) or default(method)


def _token_scopes() -> str | None:
    """The scopes stored on the token of this request, read with the token when it was checked
    (``webapp.auth``: one statement for token, user and scopes); None when not signed in with a
    token (the API trusts no other way): the user's rights."""
    return getattr(current_user, "token_scopes", None)


def enforce():
    """``before_request`` of every API blueprint: 403 when the token lacks the operation's scope."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "_peidai_public", False) or not current_user.is_authenticated:
        return None
    scope = needed(view, request.method)
    if scope in effective(current_user.actor, _token_scopes()):
        return None
    raise ApiFailure(403, "insufficient_scope",
                     _("此令牌没有“%(scope)s”权限，请用有此权限的令牌（POST /tokens 的 scopes）", scope=label([scope])),
                     headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'})


def document(spec: dict) -> None:
    """Each operation's scope in its ``security`` requirement (the document's default is none)."""
    for item in spec["paths"].values():
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op and op.get("security") != []:
                op.setdefault("security", [{SCHEME: [default(method)]}])


def describe() -> str:
    return ("访问令牌（POST /tokens 换取）。令牌的权限（scopes）：read 查看、act 办理、admin 管理（开启评选、拨动试运行时钟、设置他人的联系方式）；"
            "每个操作所需的权限见其 security。令牌的权限不超过其用户的角色所允许的（read 人人可有；act 须有角色；admin 须为人才科或"
            "系统管理员），用户失去角色后其令牌随之失去相应权限。未记录权限的旧令牌（及账户页面生成的令牌）与其用户的权限相同。"
            "缺少所需权限时 403，code 为 insufficient_scope。")


# --------------------------------------------------------------------------- tokens with their scopes

def create_token(engine, username: str, name: str, days: int, scopes: list[str]) -> tuple[str, dict]:
    """A token limited to ``scopes`` (already checked against the user), made, limited and audited
    in one transaction."""
    now = engine.now()
    with engine.unit_of_work() as s:
        token, row = identity.create_api_token(s, username, name, now, now + timedelta(days=days))
        row.scopes = " ".join(ordered(scopes))
        engine.audit(s, username, "api_token_created",
                     data={"id": row.id, "name": row.name, "via": "api", "scopes": ordered(scopes)}, now=now)
        s.flush()
        return token, {"id": row.id, "name": row.name, "hint": row.hint, "created_at": row.created_at,
                       "expires_at": row.expires_at, "last_used_at": row.last_used_at, "revoked_at": row.revoked_at,
                       "scopes": ordered(scopes)}


def with_scopes(engine, username: str, tokens: list[dict]) -> list[dict]:
    """The user's tokens (:func:`webapp.users.own_tokens`) with their stored scopes (None: not limited)."""
    with engine.sessions() as s:
        found = dict(s.execute(select(ApiToken.id, ApiToken.scopes).join(User, User.id == ApiToken.user_id)
                               .where(User.username == username)).all())
    return [t | {"scopes": stored(found.get(t["id"]))} for t in tokens]
