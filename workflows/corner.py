"""What a mentor and a mentee see of their own part of the programme (培带人、培带对象的个人页):
the agreement and its mentees, the training plans, the activities, the assessments with the duty
check, the incentives and the events; a mentee sees their plan and the activities they attended.
Plain reads; everything is scoped by the caller to the person the user is."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events
from . import rules as programme_rules
from .tables import (Activity, Assessment, BenefitApplication, Certificate, Mentee, Mentorship, OrgUnit, Person, PoolEntry)

SHIP_STATUS = {"agreement": "签订联系书中", "active": "培带期内", "completed": "培带期满", "disqualified": "已取消资格"}
MENTEE_STATUS = {"active": "培带中", "released": "已解除", "completed": "已完成培带"}
RESULTS = {"qualified": "合格", "unqualified": "不合格", "open": "考核中"}
BENEFIT_STATUS = {"pending": "待审批", "approved": "已同意", "declined": "未同意", "ineligible": "不符合条件", "withdrawn": "已撤回"}
CERT_STATUS = {"valid": "有效", "revoked": "已撤销"}


def _json(text, default):
    try:
        value = json.loads(text or "")
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


@dataclass
class MentorPage:
    person: Person
    unit: str
    certificate: Certificate | None
    pool_status: str | None
    ships: list[dict] = field(default_factory=list)
    benefits: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


def mentor_page(session: Session, person_id: int) -> MentorPage | None:
    person = session.get(Person, person_id)
    if person is None:
        return None
    unit = session.get(OrgUnit, person.unit_id) if person.unit_id else None
    cert = session.scalar(select(Certificate).where(Certificate.person_id == person.id).order_by(Certificate.issued_at.desc()))
    entry = session.scalar(select(PoolEntry).where(PoolEntry.person_id == person.id).order_by(PoolEntry.id.desc()))
    page = MentorPage(person, unit.name if unit else "", cert, entry.status if entry else None)
    for ship in session.scalars(select(Mentorship).where(Mentorship.mentor_id == person.id).order_by(Mentorship.id.desc())):
        rules = programme_rules.version(session, ship.rules_version)
        kinds = rules.labels("activity_kinds")
        mentees = []
        for m, p in session.execute(select(Mentee, Person).join(Person, Person.id == Mentee.person_id)
                                    .where(Mentee.mentorship_id == ship.id).order_by(Mentee.id)).all():
            plan = _json(m.plan_json, {})
            mentees.append({"name": p.name, "field": m.field, "workplace": p.workplace,
                            "status": MENTEE_STATUS.get(m.status, m.status), "plan": plan})
        activities = [{"held_on": a.held_on, "kind": kinds.get(a.kind, a.kind), "subject": a.subject, "hours": a.hours,
                       "attending": _json(a.mentee_ids, [])}
                      for a in session.scalars(select(Activity).where(Activity.mentorship_id == ship.id)
                                               .order_by(Activity.held_on.desc(), Activity.id.desc()))]
        assessments = []
        for a in session.scalars(select(Assessment).where(Assessment.mentorship_id == ship.id).order_by(Assessment.year_no)):
            duty = _json(a.duty_json, {})
            assessments.append({"year_no": a.year_no, "result": RESULTS.get(a.final_result or a.status, a.status),
                                "outstanding": a.outstanding, "duty": duty.get("summary", ""), "duty_met": duty.get("met"),
                                "decided_at": a.decided_at, "comment": a.section_comment})
        page.ships.append({"ship": ship, "status": SHIP_STATUS.get(ship.status, ship.status), "mentees": mentees,
                           "activities": activities, "assessments": assessments, "rules_version": ship.rules_version,
                           "required_mentees": rules["mentees_per_mentor"]})
    labels = programme_rules.current(session).labels("incentives")
    page.benefits = [{"kind": labels.get(b.kind, b.kind), "year": b.year, "status": BENEFIT_STATUS.get(b.status, b.status),
                      "reason": b.reason, "applied_at": b.applied_at, "rules_version": b.rules_version}
                     for b in session.scalars(select(BenefitApplication).where(BenefitApplication.person_id == person.id)
                                              .order_by(BenefitApplication.applied_at.desc()))]
    event_labels = programme_rules.current(session).labels("events")
    page.events = [dict(e, kind=event_labels.get(e["kind"], e["kind"])) for e in events.of_mentor(session, person.id)]
    return page


@dataclass
class MenteePage:
    name: str
    mentor: str
    unit: str
    status: str
    field: str
    plan: dict
    ship_status: str
    period: str
    activities: list[dict]


def mentee_page(session: Session, mentee_id: int) -> MenteePage | None:
    mentee = session.get(Mentee, mentee_id)
    if mentee is None:
        return None
    person = session.get(Person, mentee.person_id)
    ship = session.get(Mentorship, mentee.mentorship_id)
    mentor = session.get(Person, ship.mentor_id)
    unit = session.get(OrgUnit, ship.unit_id)
    kinds = programme_rules.version(session, ship.rules_version).labels("activity_kinds")
    attended = []
    for a in session.scalars(select(Activity).where(Activity.mentorship_id == ship.id).order_by(Activity.held_on.desc())):
        names = [str(n).replace(",", "，").split("，")[0].strip() for n in _json(a.mentee_ids, [])]
        if person.name in names or str(mentee.id) in names:
            attended.append({"held_on": a.held_on, "kind": kinds.get(a.kind, a.kind), "subject": a.subject, "hours": a.hours})
    period = ""
    if ship.started_at and ship.ends_at:
        from .dates import local_date
        period = f"{local_date(ship.started_at)} 至 {local_date(ship.ends_at)}"
    return MenteePage(person.name, mentor.name, unit.name if unit else "", MENTEE_STATUS.get(mentee.status, mentee.status),
                      mentee.field, _json(mentee.plan_json, {}), SHIP_STATUS.get(ship.status, ship.status), period, attended)
