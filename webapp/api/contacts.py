"""Contact details and message channels through the API (issue 17 point 1), the same rules as
the pages (:mod:`webapp.blueprints.account`, :mod:`webapp.blueprints.accounts`), by calling the
same functions of :mod:`workflows.notifications.contacts` and :mod:`~workflows.notifications.kinds`:

* ``/me/contacts``: the caller's own e-mail address and mobile number. The mobile number changes
  at once; a new address is mailed a confirmation link (the web page that confirms it) and
  replaces the old one only when confirmed; an empty address removes the current one.
* ``/me/channels``: how each kind of message reaches the caller (in-app only, or in-app and mail).
* ``/users/{username}/contacts``: administrators read and set anyone's (no confirmation).
* ``/contacts/unreachable``: per unit, who has no address or no number (talent section and
  administrators, as the 联系方式缺失 page).

A wrong address or number is 422 with the service's Chinese message under its field."""
from __future__ import annotations

from flask import Response, current_app
from flask_babel import gettext as _

from engine import InvalidData, NotFound, PermissionDenied
from webapp import auth
from webapp.auth import current_actor
from workflows.notifications import contacts as service
from workflows.notifications import kinds

from . import scopes
from .core import ApiFailure, blueprint
from .schemas import contacts as schemas

me_blp = blueprint("my_contacts", __name__, "/me",
                   "我的联系方式（电子邮箱须经发到新邮箱的链接确认）和消息接收方式")
users_blp = blueprint("user_contacts", __name__, "/users", "他人的联系方式（系统管理员）")
unreachable_blp = blueprint("unreachable", __name__, "/contacts", "联系方式缺失：各单位没有邮箱或手机号码的人员（人才科）")

_CONTROL = {chr(c) for c in range(32)} | {"\x7f"}
USERNAME = [{"in": "path", "name": "username", "required": True, "description": "用户名（登录名）",
             "schema": {"type": "string", "minLength": 1, "maxLength": 80}}]


def _system():
    return current_app.extensions["peidai"]


def _refused(exc: InvalidData) -> ApiFailure:
    """The service's refusal of one field as a 422 naming that field."""
    from webapp.errors import engine_message, field_errors
    found = field_errors(exc)
    named = exc.details.get("field") if isinstance(exc.details, dict) else None
    if not found:
        found = [{"field": named if isinstance(named, str) else "", "code": "invalid", "message": engine_message(exc)}]
    return ApiFailure(422, "invalid_data", _("提交的数据有误"), found)


def _change(body: dict) -> dict:
    """The fields sent (an absent one is left as it is; empty or null removes it)."""
    return {key: ("" if body[key] is None else body[key]) for key in ("email", "mobile") if key in body}


def _contacts(username: str) -> dict:
    return {"username": username} | service.contacts(auth.engine(), username)


# --------------------------------------------------------------------------- the caller's own

@me_blp.get("/contacts")
@me_blp.response(200, schemas.ContactsSchema)
def get_my_contacts():
    """我的联系方式（电子邮箱、手机号码、待确认的新邮箱）"""
    return _contacts(current_actor().username)


@me_blp.patch("/contacts")
@me_blp.arguments(schemas.ContactsChange)
@me_blp.response(200, schemas.OwnContactsResult)
def change_my_contacts(body):
    """修改我的联系方式

    只修改请求中给出的项。手机号码立即生效；新的电子邮箱先发确认邮件（其中的链接打开网页确认），确认后才生效，之前
    `pending_email` 为待确认的地址，`email` 不变；空字符串或 null 删除当前邮箱。格式不对时 422，`errors` 指明字段。"""
    from webapp.blueprints.auth import base_url
    username = current_actor().username
    try:
        out = service.change_own(_system(), username, base_url(), **_change(body))
    except InvalidData as exc:
        raise _refused(exc) from None
    confirmation = {"email": out["pending_email"], "mailed": out["mailed"]} if out["pending_email"] else None
    return _contacts(username) | {"changed": out["changed"], "confirmation": confirmation}


@me_blp.delete("/contacts/pending-email")
@me_blp.response(204)
def withdraw_my_pending_email():
    """撤回尚未确认的新邮箱（原邮箱不变，已发出的确认链接失效）"""
    service.withdraw_pending(auth.engine(), current_actor().username)
    return Response(status=204)


def _channels(chosen: dict) -> dict:
    return {"items": [{"kind": kind, "label": _(label), "channel": chosen[kind], "channel_label": _(kinds.CHANNELS[chosen[kind]])}
                      for kind, (label, _templates) in kinds.KINDS.items()]}


@me_blp.get("/channels")
@me_blp.response(200, schemas.ChannelList)
def get_my_channels():
    """我的消息接收方式（每类消息：仅站内消息，或站内消息和邮件）"""
    with auth.engine().sessions() as s:
        return _channels(kinds.preferences(s, current_actor().username))


@me_blp.patch("/channels")
@me_blp.arguments(schemas.ChannelsChange)
@me_blp.response(200, schemas.ChannelList)
def change_my_channels(body):
    """修改我的消息接收方式

    只修改请求中给出的类别，如 `{"tasks": "in_app"}`。账号激活和重置密码的链接总是发邮件。"""
    try:
        return _channels(kinds.set_preferences(auth.engine(), current_actor().username, body))
    except InvalidData as exc:
        raise _refused(exc) from None


# --------------------------------------------------------------------------- administrators

def _admin_only() -> None:
    """Administrators only, checked before the account is looked up (others learn nothing of it)."""
    engine = auth.engine()
    if not current_actor().has_role(engine.config.admin_role):
        raise PermissionDenied("只有系统管理员可以查看和修改他人的联系方式")


def _account(username: str) -> str:
    """A user name from the path; one no account can have (too long, control characters) is not found."""
    if not 1 <= len(username) <= 80 or _CONTROL & set(username) or any("\ud800" <= c <= "\udfff" for c in username):
        raise NotFound("账号不存在")
    return username


@users_blp.get("/<username>/contacts", parameters=USERNAME)
@users_blp.response(200, schemas.ContactsSchema)
def get_user_contacts(username):
    """某人的联系方式（系统管理员）"""
    _admin_only()
    return _contacts(_account(username))


@users_blp.patch("/<username>/contacts", parameters=USERNAME)
@scopes.requires(users_blp, "admin")
@users_blp.arguments(schemas.ContactsChange)
@users_blp.response(200, schemas.ContactsResult)
def set_user_contacts(body, username):
    """设置某人的联系方式（系统管理员）

    直接生效，不发确认邮件（并撤销此人待确认的新邮箱）；只修改请求中给出的项，空字符串或 null 删除。令牌须有 admin 权限。"""
    _admin_only()
    username = _account(username)
    try:
        changed = service.set_contacts(auth.engine(), current_actor(), username, **_change(body))
    except InvalidData as exc:
        raise _refused(exc) from None
    return _contacts(username) | {"changed": changed}


# --------------------------------------------------------------------------- who cannot be reached

@unreachable_blp.get("/unreachable")
@unreachable_blp.arguments(schemas.UnreachableArgs, location="query", as_kwargs=True)
@unreachable_blp.response(200, schemas.UnreachableList)
def list_unreachable(unit_id=None):
    """联系方式缺失：各单位没有电子邮箱或手机号码的人员（人才科、系统管理员）

    只列出有在用账号的单位；`complete` 为 true 的单位人员都能联系到。"""
    actor, engine = current_actor(), auth.engine()
    if not any(actor.has_role(role) for role in ("talent_section", engine.config.admin_role)):
        raise PermissionDenied("只有人才科和系统管理员可以查看联系方式缺失情况")
    units = [u for u in service.unreachable_by_unit(engine) if u["people"] and unit_id in (None, u["unit_id"])]
    return {"items": units, "units_with_gaps": sum(1 for u in units if not u["complete"])}
