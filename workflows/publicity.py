"""The publicity month (人才工作宣传月, notice 三(四)): profiles of the mentors in the pool that the
talent section writes (starting from the nomination's awards and achievements) and approves; the
approved ones are exported for the media. Plain functions on a session; callers hold the
transaction."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import InvalidData

from . import rules as programme_rules
from .tables import Certificate, Nomination, OrgUnit, Person, PoolEntry, PublicityProfile, Round

MIN_TEXT, MAX_TEXT = 20, 2000
STATUS = {"none": "初稿（取自推荐材料）", "draft": "待审核", "approved": "已审核"}


@dataclass
class Profile:
    person_id: int
    name: str
    unit: str
    category: str
    round_year: int
    certificate: str
    text: str
    status: str            # none draft approved
    approved_by: str | None


def _draft(name: str, nom: Nomination | None) -> str:
    if nom is None:
        return ""
    try:
        app = json.loads(nom.application_json or "{}")
    except ValueError:
        app = {}
    parts = [str(app.get("workplace") or "").strip(), str(app.get("awards") or "").strip(), str(app.get("achievements") or "").strip()]
    body = "。".join(p.rstrip("。") for p in parts if p)
    return f"{name}，{body}。" if body else ""


def profiles(session: Session, year: int) -> list[Profile]:
    """Every mentor in the pool with this year's profile (or a draft from the nomination)."""
    panels = programme_rules.current(session).labels("panels")
    rows = session.execute(
        select(PoolEntry, Person, OrgUnit.name, Certificate.number, Round.year, Nomination)
        .join(Person, Person.id == PoolEntry.person_id).join(OrgUnit, OrgUnit.id == PoolEntry.unit_id)
        .join(Certificate, Certificate.id == PoolEntry.certificate_id).join(Round, Round.id == PoolEntry.round_id)
        .outerjoin(Nomination, Nomination.id == Certificate.nomination_id)
        .where(PoolEntry.status == "active").order_by(OrgUnit.sort, Certificate.number)).all()
    saved = {p.person_id: p for p in session.scalars(select(PublicityProfile).where(PublicityProfile.year == year))}
    out = []
    for entry, person, unit, number, round_year, nom in rows:
        row = saved.get(person.id)
        out.append(Profile(person.id, person.name, unit, panels.get(entry.category, entry.category), round_year, number,
                           row.text if row else _draft(person.name, nom), row.status if row else "none", row.approved_by if row else None))
    return out


def save(session: Session, person_id: int, year: int, text: str, *, approve: bool, actor: str, now: datetime) -> PublicityProfile:
    text = " ".join(str(text or "").split()) if "\n" not in str(text or "") else str(text).strip()
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        message = f"简介须为{MIN_TEXT}至{MAX_TEXT}个字"
        raise InvalidData(message, errors=[{"field": f"text.{person_id}", "message": message}])
    active = session.scalar(select(PoolEntry.id).where(PoolEntry.person_id == person_id, PoolEntry.status == "active").limit(1))
    if active is None:
        message = "只能为在库的培带人撰写简介"
        raise InvalidData(message, errors=[{"field": f"text.{person_id}", "message": message}])
    row = session.scalar(select(PublicityProfile).where(PublicityProfile.person_id == person_id, PublicityProfile.year == year))
    if row is None:
        row = PublicityProfile(person_id=person_id, year=year, updated_at=now)
        session.add(row)
    changed = row.text != text
    row.text, row.updated_at = text, now
    if approve:
        row.status, row.approved_by, row.approved_at = "approved", actor, now
    elif changed:   # an approved text that is edited needs approving again
        row.status, row.approved_by, row.approved_at = "draft", None, None
    session.flush()
    return row


def approved(session: Session, year: int) -> list[Profile]:
    return [p for p in profiles(session, year) if p.status == "approved"]
