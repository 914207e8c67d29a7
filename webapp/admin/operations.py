"""Operations: instances by version and status, the audit trail (filtered, exported), users and
their role memberships. Reads are plain queries on the engine's tables; every change goes
through the engine's service API or ``engine.identity``."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select

from engine import Actor, InvalidData
from engine.identity import upsert_user
from engine.tables import AuditEvent, Instance, Membership, User

CN = timezone(timedelta(hours=8))
PAGE = 200


def instances(engine, *, version_id: int | None = None, statuses=None, process_key: str | None = None,
              limit: int = 500) -> list[dict]:
    q = select(Instance.id, Instance.process_key, Instance.version_id, Instance.status, Instance.title,
               Instance.started_by, Instance.started_at, Instance.error).order_by(Instance.id.desc()).limit(limit)
    if version_id:
        q = q.where(Instance.version_id == version_id)
    if statuses:
        q = q.where(Instance.status.in_(tuple(statuses)))
    if process_key:
        q = q.where(Instance.process_key == process_key)
    with engine.sessions() as s:
        return [dict(r._mapping) for r in s.execute(q)]


def process_names(engine) -> dict[str, str]:
    """Process key -> the name its model gives it (Chinese; newer versions win)."""
    names: dict[str, str] = {}
    for version in engine.list_versions():
        names.update(dict(version["processes"]))
    return names


def with_subjects(engine, rows: list[dict]) -> list[dict]:
    """Rows whose instance keeps no title get the one the other pages show: the candidate and unit
    of a nomination and its committee review, the round's title, the mentor's name."""
    from workflows import api_reads
    missing = [r for r in rows if not r["title"]]
    if not missing:
        return rows
    with engine.sessions() as s:
        titles = {r["id"]: api_reads.instance_title(s, r["id"], r["process_key"]) for r in missing}
    return [r | {"title": titles[r["id"]]} if r["id"] in titles else r for r in rows]


def _day(value: str | None, end: bool = False):
    if not value:
        return None
    try:
        d = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidData(f"日期格式应为 YYYY-MM-DD：{value}")
    return datetime.combine(d + timedelta(days=1) if end else d, time(0), CN)


def audit(engine, *, actor: str | None = None, instance_id: int | None = None, since: str | None = None,
          until: str | None = None, limit: int | None = PAGE) -> list[dict]:
    """Audit events, newest first, filtered by user, instance and (local) dates, both inclusive."""
    q = select(AuditEvent).order_by(AuditEvent.id.desc())
    if actor:
        q = q.where(AuditEvent.actor == actor)
    if instance_id:
        q = q.where(AuditEvent.instance_id == instance_id)
    if since:
        q = q.where(AuditEvent.at >= _day(since))
    if until:
        q = q.where(AuditEvent.at < _day(until, end=True))
    if limit:
        q = q.limit(limit)
    with engine.sessions() as s:
        return [{"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "instance_id": e.instance_id,
                 "element_id": e.element_id, "comment": e.comment, "data": e.data_json} for e in s.scalars(q)]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value):
    """A text cell that Excel would run as a formula (it starts with = + - @, a tab or a carriage
    return) gets a leading apostrophe, which Excel shows as text; the same rule as
    ``workflows.documents.excel.keep_text`` for the xlsx exports, which works on openpyxl cells."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def audit_csv(rows: list[dict]) -> str:
    """CSV with a BOM so that Excel opens the Chinese text correctly; no text cell is a formula."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(["编号", "时间（北京时间）", "操作人", "操作", "流程实例", "环节", "说明", "数据"])
    for r in rows:
        w.writerow([csv_text(v) for v in (
            r["id"], r["at"].astimezone(CN).strftime("%Y-%m-%d %H:%M:%S"), r["actor"], r["action"],
            r["instance_id"] or "", r["element_id"] or "", r["comment"], r["data"])])
    return out.getvalue()


def users(engine) -> list[dict]:
    with engine.sessions() as s:
        rows = s.execute(select(User.username, User.display_name, User.active).order_by(User.username)).all()
        ms = s.execute(select(User.username, Membership.role, Membership.scope)
                       .join(Membership, Membership.user_id == User.id)).all()
    by_user: dict[str, list] = {}
    for name, role, scope in ms:
        by_user.setdefault(name, []).append((role, scope))
    return [{"username": u, "display_name": d, "active": a, "memberships": sorted(by_user.get(u, []), key=str)}
            for u, d, a in rows]


def scope_assignments(rows: list[dict], scoped_roles: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """role -> scope -> user names: who holds each org unit's and each expert category's roles."""
    out: dict[str, dict[str, list[str]]] = {role: {} for role in scoped_roles}
    for u in rows:
        if not u["active"]:
            continue
        for role, scope in u["memberships"]:
            if role in out:
                name = u.get("display_name") or u["username"]
                out[role].setdefault(scope or "*", []).append(
                    name if name == u["username"] else f"{name}（{u['username']}）")
    return out


def parse_memberships(text: str, roles: dict) -> list[tuple[str, str | None]]:
    """One ``role`` or ``role:scope`` per line (or separated by commas)."""
    out = []
    for item in text.replace(",", "\n").replace("，", "\n").splitlines():
        item = item.strip()
        if not item:
            continue
        role, _, scope = item.partition(":")
        role, scope = role.strip(), scope.strip() or None
        if role not in roles:
            raise InvalidData(f"角色“{role}”不存在；可用角色：{'、'.join(roles)}")
        out.append((role, scope))
    return out


def pick_memberships(pairs, roles: dict, scopes: dict[str, dict]) -> list[tuple[str, str | None]]:
    """Memberships chosen with the pickers: (role, scope) pairs; a scope must be one of the role's
    scope field's known values (``scopes``: scope field -> {code: name}); an empty scope is every scope."""
    out = []
    for role, scope in pairs:
        role, scope = (role or "").strip(), (scope or "").strip() or None
        if not role:
            continue
        if role not in roles:
            raise InvalidData(f"角色“{role}”不存在；可用角色：{'、'.join(roles)}")
        known = scopes.get(roles[role].scope_field or "")
        if scope is not None and known is not None and scope not in known:
            raise InvalidData(f"“{scope}”不是角色“{roles[role].label}”可选的范围")
        if (role, scope) not in out:
            out.append((role, scope))
    return out


def save_user(engine, actor: Actor, username: str, display_name: str, memberships_text: str = "",
              memberships: list[tuple[str, str | None]] | None = None) -> None:
    """Create or change a user; ``memberships`` (from the pickers) or ``memberships_text`` (one
    ``role`` or ``role:scope`` per line)."""
    if not (username or "").strip():
        raise InvalidData("请填写用户名")
    if memberships is None:
        memberships = parse_memberships(memberships_text, engine.config.roles)
    with engine.unit_of_work() as s:
        upsert_user(s, username, display_name or username, memberships=memberships)
        engine.audit(s, actor, "user_saved", data={"username": username, "memberships": memberships})


def set_active(engine, actor: Actor, username: str, active: bool) -> None:
    with engine.unit_of_work() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise InvalidData(f"用户 {username} 不存在")
        user.active = active
        engine.audit(s, actor, "user_activated" if active else "user_deactivated", data={"username": username})


def data_preview(text: str, limit: int = 120) -> str:
    try:
        value = json.dumps(json.loads(text or "{}"), ensure_ascii=False)
    except ValueError:
        value = text or ""
    return value if len(value) <= limit else value[:limit] + "…"
