"""Contact details: an e-mail address (``users.email``) and a mobile number per account.

* The person edits their own on 我的账户: the mobile number at once; a new e-mail address only
  after they open the confirmation link mailed to it (``mail/confirm_address``, one-time, 3 days).
* An administrator sets anyone's directly (the users page, ``peidai users set-contacts``), or many
  at once from an Excel list (:mod:`.contacts_excel`, ``peidai users import``): every row is
  checked, nothing changes when any row is wrong.
* The talent section sees, per unit, who cannot be reached (:func:`unreachable_by_unit`).

Addresses are refused unless they are a plain ``local@domain`` (nothing that could end a mail
header or add a recipient); mobile numbers are mainland China's (``1[3-9]`` and nine digits,
``+86`` and spaces or dashes allowed around them).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from engine import Actor, InvalidData, InvalidState, NotFound, PermissionDenied
from engine.tables import Membership, User

from .tables import ContactDetails
from .times import local_text

CONFIRM_LIFETIME = timedelta(days=3)
CONFIRM_PATH = "/account/contacts/confirm/"
EMAIL_MAX = 200
KEEP = object()   # "leave this field as it is"

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*", re.ASCII)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}", re.ASCII)
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)


def clean_email(text) -> str | None:
    """The address, or None for an empty value; InvalidData (in Chinese) when it is not one."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidData("电子邮箱必须是文字", field="email")
    text = text.strip()
    if not text:
        return None
    if len(text) > EMAIL_MAX:
        raise InvalidData(f"电子邮箱不能超过 {EMAIL_MAX} 个字符", field="email")
    local, sep, domain = text.rpartition("@")
    if not sep or len(local) > 64 or not _LOCAL.fullmatch(local) or not _DOMAIN.fullmatch(domain):
        raise InvalidData("电子邮箱格式不正确，例如 wangli@example.cn", field="email")
    return f"{local}@{domain.lower()}"


def clean_mobile(text) -> str | None:
    """Eleven digits (``13912345678``), or None for an empty value; InvalidData otherwise."""
    if text is None:
        return None
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise InvalidData("手机号码必须是文字", field="mobile")
    compact = re.sub(r"[ \-]", "", text.strip())
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix):
            compact = compact[len(prefix):]
    if not compact:
        return None
    if not _MOBILE.fullmatch(compact):
        raise InvalidData("手机号码应为 11 位数字，以 13—19 开头，例如 13912345678", field="mobile")
    return compact


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise NotFound("账号不存在")
    return user


def _details(session, username: str, now, by: str) -> ContactDetails:
    row = session.get(ContactDetails, username)
    if row is None:
        row = ContactDetails(username=username, updated_at=now, updated_by=by)
        session.add(row)
    row.updated_at, row.updated_by = now, by
    return row


def contacts_of(session, usernames) -> dict[str, dict]:
    """username -> ``{"email", "mobile", "pending_email"}`` (accounts that exist)."""
    usernames = list(usernames)
    if not usernames:
        return {}
    out = {u: {"email": e, "mobile": None, "pending_email": None}
           for u, e in session.execute(select(User.username, User.email).where(User.username.in_(usernames)))}
    for row in session.scalars(select(ContactDetails).where(ContactDetails.username.in_(list(out)))):
        out[row.username].update(mobile=row.mobile, pending_email=row.pending_email)
    return out


def contacts(engine, username: str) -> dict:
    with engine.sessions() as s:
        found = contacts_of(s, [username]).get(username)
    if found is None:
        raise NotFound("账号不存在")
    return found


# --------------------------------------------------------------------------- administrators

def _require_admin(engine, actor: Actor) -> None:
    if not actor.has_role(engine.config.admin_role):
        raise PermissionDenied("只有系统管理员可以修改他人的联系方式")


def _apply(session, user: User, email, mobile, now, by: str) -> list[str]:
    """Write the given fields; returns the names of those that changed."""
    changed = []
    row = _details(session, user.username, now, by)
    if email is not KEEP and email != user.email:
        session.execute(update(User).where(User.id == user.id).values(email=email))
        changed.append("email")
    if email is not KEEP and row.pending_email:
        row.pending_email = row.pending_token_hash = row.pending_expires_at = None
    if mobile is not KEEP and mobile != row.mobile:
        row.mobile = mobile
        changed.append("mobile")
    return changed


def set_contacts(engine, actor: Actor, username: str, *, email=KEEP, mobile=KEEP) -> list[str]:
    """An administrator sets an account's e-mail address and/or mobile number (an empty value
    removes it). Returns the fields that changed."""
    _require_admin(engine, actor)
    email = KEEP if email is KEEP else clean_email(email)
    mobile = KEEP if mobile is KEEP else clean_mobile(mobile)
    now = engine.now()
    with engine.unit_of_work() as s:
        user = _user(s, username)
        changed = _apply(s, user, email, mobile, now, actor.username)
        if changed:
            engine.audit(s, actor, "contacts_changed", data={"username": user.username, "fields": changed}, now=now)
    return changed


def import_contacts(engine, actor: Actor, rows: list[dict]) -> dict:
    """Rows ``{"row", "username", "email", "mobile"}`` (``None``: leave as it is) from a list.
    Every row is checked first; when any is wrong nothing changes and InvalidData carries
    ``errors = [{"row", "column", "message"}]``. Returns ``{"rows", "changed"}``."""
    _require_admin(engine, actor)
    errors, clean = [], []
    seen: dict[str, int] = {}
    with engine.sessions() as s:
        known = set(s.scalars(select(User.username).where(
            User.username.in_([str(r.get("username") or "").strip() for r in rows]))))
    for r in rows:
        line, username = r.get("row"), str(r.get("username") or "").strip()
        fail = lambda column, message: errors.append({"row": line, "column": column, "message": message})  # noqa: E731
        if not username:
            fail("用户名", "用户名不能为空")
            continue
        if username not in known:
            fail("用户名", f"账号 {username[:80]} 不存在")
            continue
        if username in seen:
            fail("用户名", f"与第 {seen[username]} 行重复")
            continue
        seen[username] = line
        values = {}
        for key, column, check in (("email", "电子邮箱", clean_email), ("mobile", "手机号码", clean_mobile)):
            if r.get(key) is None:
                values[key] = KEEP
                continue
            try:
                values[key] = check(r[key])
            except InvalidData as exc:
                fail(column, exc.message)
        if len(values) == 2:
            clean.append((username, values))
    if errors:
        raise InvalidData(f"名单中有 {len({e['row'] for e in errors})} 行有误，未修改任何联系方式", errors=errors)
    now = engine.now()
    changed = 0
    with engine.unit_of_work() as s:
        for username, values in clean:
            if _apply(s, _user(s, username), values["email"], values["mobile"], now, actor.username):
                changed += 1
        engine.audit(s, actor, "contacts_imported", data={"rows": len(clean), "changed": changed}, now=now)
    return {"rows": len(clean), "changed": changed}


# --------------------------------------------------------------------------- the person's own

def change_own(system, username: str, base_url: str, *, email=KEEP, mobile=KEEP) -> dict:
    """The person's own change: the mobile number at once; a new e-mail address waits for its
    confirmation link (mailed to it); an empty address removes the current one at once.
    Returns ``{"changed": [...], "pending_email": address or None, "mailed": bool}``."""
    engine = system.engine
    email = KEEP if email is KEEP else clean_email(email)
    mobile = KEEP if mobile is KEEP else clean_mobile(mobile)
    now = engine.now()
    out = {"changed": [], "pending_email": None, "mailed": False}
    with engine.unit_of_work() as s:
        user = _user(s, username)
        if email is not KEEP and email is not None and email != user.email:
            token = secrets.token_urlsafe(32)
            row = _details(s, user.username, now, user.username)
            row.pending_email, row.pending_token_hash = email, _digest(token)
            row.pending_expires_at = now + CONFIRM_LIFETIME
            link = (base_url or "").rstrip("/") + CONFIRM_PATH + token
            engine.outbox.emit(s, "mail/confirm_address", {"username": user.username, "digest": row.pending_token_hash[:16],
                                                           "link": link, "expires": local_text(row.pending_expires_at)},
                               f"contacts:confirm:{row.pending_token_hash[:32]}", now=now)
            out.update(pending_email=email, mailed=bool(system.settings.smtp_host))
            email = KEEP
        out["changed"] = _apply(s, user, email, mobile, now, user.username) if (email, mobile) != (KEEP, KEEP) else []
        if out["changed"] or out["pending_email"]:
            engine.audit(s, user.username, "contacts_changed", now=now,
                         data={"username": user.username, "fields": out["changed"],
                               "email_pending": bool(out["pending_email"])})
    return out


def confirm_email(engine, token: str) -> str:
    """Open a confirmation link: the address it was sent to becomes the account's. Returns the
    user name; InvalidState when the link is unknown, used or expired."""
    now = engine.now()
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise InvalidState("确认链接无效或已过期，请在“我的账户”重新填写邮箱")
    with engine.unit_of_work() as s:
        row = s.scalar(select(ContactDetails).where(ContactDetails.pending_token_hash == _digest(token)))
        if row is None or row.pending_expires_at is None or row.pending_expires_at < now:
            raise InvalidState("确认链接无效或已过期，请在“我的账户”重新填写邮箱")
        s.execute(update(User).where(User.username == row.username).values(email=row.pending_email))
        row.pending_email = row.pending_token_hash = row.pending_expires_at = None
        row.updated_at, row.updated_by = now, row.username
        engine.audit(s, row.username, "email_confirmed", data={"username": row.username}, now=now)
        return row.username


def pending_for(engine, token) -> dict | None:
    """``{"username", "email"}`` a valid confirmation link is for, else None."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    with engine.sessions() as s:
        row = s.scalar(select(ContactDetails).where(ContactDetails.pending_token_hash == _digest(token)))
        if row is None or row.pending_expires_at is None or row.pending_expires_at < engine.now():
            return None
        return {"username": row.username, "email": row.pending_email}


def withdraw_pending(engine, username: str) -> None:
    with engine.unit_of_work() as s:
        row = s.get(ContactDetails, username)
        if row is not None and row.pending_email:
            row.pending_email = row.pending_token_hash = row.pending_expires_at = None


def confirmation_text(name: str, payload: dict) -> tuple[str, str]:
    link, expires = str(payload.get("link") or ""), str(payload.get("expires") or "")
    return ("请确认您的电子邮箱",
            f"{name}：您在赤峰市人才培带工程管理系统中把电子邮箱改为本地址。请在 {expires} 前打开以下链接确认，"
            f"确认后系统的邮件将发到这里：\n{link}\n如非本人操作，请忽略本邮件，您的邮箱不会改变。\n\n——\n"
            f"Please confirm your e-mail address for Peidai by opening this link before {expires}:\n{link}\n")


# --------------------------------------------------------------------------- who cannot be reached

def unreachable_by_unit(engine) -> list[dict]:
    """Per unit (in the units' order): its active people, and those without an e-mail address
    or a mobile number. Units whose people can all be reached are included (``complete``)."""
    from workflows.tables import OrgUnit
    with engine.sessions() as s:
        units = s.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.active.is_(True)).order_by(OrgUnit.sort)).all()
        members = s.execute(select(Membership.scope, User.username, User.display_name, User.email)
                            .join(User, User.id == Membership.user_id)
                            .where(User.active.is_(True), Membership.scope.in_([u.id for u in units]))
                            .order_by(User.username)).all()
        mobiles = dict(s.execute(select(ContactDetails.username, ContactDetails.mobile)
                                 .where(ContactDetails.username.in_({m.username for m in members}))).all())
    people: dict[str, dict[str, tuple]] = {}
    for m in members:
        people.setdefault(m.scope, {})[m.username] = (m.display_name, m.email, mobiles.get(m.username))
    out = []
    for unit in units:
        here = people.get(unit.id, {})
        no_email = [{"username": u, "name": n} for u, (n, e, _m) in here.items() if not e]
        no_mobile = [{"username": u, "name": n} for u, (n, _e, m) in here.items() if not m]
        out.append({"unit_id": unit.id, "unit_name": unit.name, "people": len(here), "no_email": no_email,
                    "no_mobile": no_mobile, "complete": bool(here) and not no_email and not no_mobile})
    return out

