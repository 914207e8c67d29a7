"""Read-only views of the programme's records for the REST API (/api/v1), each scoped the way the
web pages scope it (DESIGN.md, "Who does what"):

* overseers (talent section, director, administrators) read everything;
* a unit's submitters and reviewers read their unit's nominations, mentors, agreements,
  assessments, certificates and benefits; the creator of a nomination reads it too;
* experts read the submitted nominations of the category they review;
* a mentor or a mentee reads their own agreement, plans, activities, certificate and benefits.

Plain reads of :mod:`workflows.tables` (and the documents' and notifications' tables); nothing
here writes. Functions take an open session and an :class:`engine.Actor` and answer dicts (or
``None`` / an empty page when the record is outside the actor's scope: the API answers 404)."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import String, and_, cast, false, func, or_, select
from sqlalchemy.orm import Session

from engine import Actor

from . import tables as t

OVERSEERS = ("talent_section", "director", "admin")
UNIT_ROLES = ("unit_submitter", "unit_reviewer")
EDITABLE = ("draft", "returned")   # a nomination still with its unit (experts do not see it yet)
POOL_ROLES = ("talent_section", "director", "admin", "unit_reviewer")

# A nomination's status -> its result once decided (None: still on its way)
NOMINATION_RESULTS = {"rejected": "rejected", "withdrawn": "withdrawn", "expired": "expired",
                      "not_recommended": "not_recommended", "declined": "declined", "appointed": "appointed"}


def _loads(text, default):
    try:
        value = json.loads(text or "")
    except (TypeError, ValueError):
        return default
    return value if isinstance(value, type(default)) else default


# --------------------------------------------------------------------------- scope

def is_overseer(actor: Actor) -> bool:
    return any(actor.has_role(r) for r in OVERSEERS)


def unit_scopes(actor: Actor, roles=UNIT_ROLES) -> set[str] | None:
    """The units ``actor`` reads through ``roles`` (None: all units, a role held without scope)."""
    if any((r, None) in actor.memberships for r in roles):
        return None
    return {s for r, s in actor.memberships if r in roles and s}


def expert_categories(actor: Actor) -> set[str]:
    return {s for r, s in actor.memberships if r == "expert" and s}


def own_people(session: Session, actor: Actor) -> list[int]:
    return list(session.scalars(select(t.Person.id).where(t.Person.username == actor.username)))


def _unit_clause(column, units: set[str] | None):
    if units is None:
        return None
    return column.in_(units) if units else false()


# --------------------------------------------------------------------------- rounds

def _round(r: t.Round) -> dict:
    return {"round_id": r.id, "year": r.year, "title": r.title or f"{r.year}年人才培带人评选", "status": r.status,
            "deadline": r.deadline, "opened_at": r.opened_at, "closed_at": r.closed_at, "published_at": r.published_at,
            "instance_id": r.instance_id, "experts_per_panel": r.experts_per_panel, "rule_num": r.rule_num,
            "rule_den": r.rule_den, "reminder_days": [d for d in _loads(r.reminder_days, []) if isinstance(d, int)],
            "rules_version": r.rules_version}


def rounds(session: Session, *, status: str | None = None, year: int | None = None) -> list[dict]:
    """Every round (rounds are not secret: a submitter needs the id of the open one)."""
    q = select(t.Round)
    if status:
        q = q.where(t.Round.status == status)
    if year:
        q = q.where(t.Round.year == year)
    return [_round(r) for r in session.scalars(q.order_by(t.Round.year.desc(), t.Round.id.desc()))]


def round_(session: Session, round_id: int) -> dict | None:
    r = session.get(t.Round, round_id)
    return _round(r) if r is not None else None


def round_by_instance(session: Session, instance_id: int) -> dict | None:
    r = session.scalar(select(t.Round).where(t.Round.instance_id == instance_id))
    return _round(r) if r is not None else None


def round_board(session: Session, actor: Actor, round_id: int) -> list[dict] | None:
    """Per unit: its nominations in the round by stage (the units' board of the round), for
    overseers every unit, for a unit's staff their own units."""
    if session.get(t.Round, round_id) is None:
        return None
    units = None if is_overseer(actor) else unit_scopes(actor)
    q = select(t.OrgUnit.id, t.OrgUnit.name).where(t.OrgUnit.active.is_(True), t.OrgUnit.kind != "section")
    clause = _unit_clause(t.OrgUnit.id, units)
    if clause is not None:
        q = q.where(clause)
    rows = session.execute(q.order_by(t.OrgUnit.sort, t.OrgUnit.id)).all()
    counts: dict[str, dict[str, int]] = {}
    last: dict[str, datetime] = {}
    for unit_id, status, n, at in session.execute(
            select(t.Nomination.unit_id, t.Nomination.status, func.count(), func.max(t.Nomination.submitted_at))
            .where(t.Nomination.round_id == round_id).group_by(t.Nomination.unit_id, t.Nomination.status)):
        counts.setdefault(unit_id, {})[status] = n
        if at is not None and (unit_id not in last or at > last[unit_id]):
            last[unit_id] = at
    out = []
    for unit_id, name in rows:
        c = counts.get(unit_id, {})
        drafts = sum(c.get(s, 0) for s in ("draft", "returned", "ineligible"))
        ended = sum(c.get(s, 0) for s in ("rejected", "withdrawn", "expired"))
        total = sum(c.values())
        out.append({"unit_id": unit_id, "unit_name": name, "total": total, "in_preparation": drafts,
                    "submitted": total - drafts - ended, "ended": ended, "last_submitted_at": last.get(unit_id)})
    return out


# --------------------------------------------------------------------------- nominations

def _nomination_scope(session: Session, actor: Actor):
    """A where-clause of the nominations ``actor`` reads (None: all)."""
    if is_overseer(actor):
        return None
    units = unit_scopes(actor)
    if units is None:
        return None
    parts = [t.Nomination.created_by == actor.username]
    if units:
        parts.append(t.Nomination.unit_id.in_(units))
    cats = expert_categories(actor)
    if cats:
        parts.append(and_(t.Nomination.category.in_(cats), t.Nomination.status.not_in(EDITABLE)))
    return or_(*parts)


def nomination_facts(nom: t.Nomination) -> dict:
    findings = _loads(nom.eligibility_json, [])
    findings = [f for f in findings if isinstance(f, dict)]
    return {"eligible": nom.eligible,
            "reasons": [str(f.get("reason", "")) for f in findings if f.get("level") == "error"],
            "warnings": [str(f.get("reason", "")) for f in findings if f.get("level") != "error"]}


def _nomination(nom: t.Nomination, unit_name: str, year: int, *, full: bool, sees_votes: bool) -> dict:
    out = {"nomination_id": nom.id, "round_id": nom.round_id, "year": year, "unit_id": nom.unit_id,
           "unit_name": unit_name, "name": nom.name or "", "talent_type": nom.talent_type, "category": nom.category,
           "status": nom.status, "result": NOMINATION_RESULTS.get(nom.status), "eligible": nom.eligible,
           "instance_id": nom.instance_id, "review_instance_id": getattr(nom, "review_instance_id", None),
           "list_status": getattr(nom, "list_status", None), "returns": nom.returns, "created_by": nom.created_by,
           "created_at": nom.created_at, "submitted_at": nom.submitted_at, "decided_at": nom.decided_at}
    if full:
        out["application"] = _loads(nom.application_json, {})
        out["eligibility"] = nomination_facts(nom)
        out["last_comment"] = nom.last_comment or ""
        out["list_note"] = getattr(nom, "list_note", "") or ""
        out["votes"] = ({"agree": nom.agree, "experts": nom.experts, "average_score": nom.average_score}
                        if sees_votes and nom.experts else None)
    return out


def nominations(session: Session, actor: Actor, *, round_id=None, unit_id=None, status=None, category=None,
                q=None, page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    query = (select(t.Nomination, t.OrgUnit.name, t.Round.year)
             .join(t.OrgUnit, t.OrgUnit.id == t.Nomination.unit_id).join(t.Round, t.Round.id == t.Nomination.round_id))
    scope = _nomination_scope(session, actor)
    if scope is not None:
        query = query.where(scope)
    for column, value in ((t.Nomination.round_id, round_id), (t.Nomination.unit_id, unit_id),
                          (t.Nomination.status, status), (t.Nomination.category, category)):
        if value is not None:
            query = query.where(column == value)
    if q:
        query = query.where(t.Nomination.name.contains(q, autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(t.Nomination.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
    return [_nomination(n, name, year, full=False, sees_votes=False) for n, name, year in rows], total


def nomination(session: Session, actor: Actor, nomination_id: int) -> dict | None:
    query = (select(t.Nomination, t.OrgUnit.name, t.Round.year).join(t.OrgUnit, t.OrgUnit.id == t.Nomination.unit_id)
             .join(t.Round, t.Round.id == t.Nomination.round_id).where(t.Nomination.id == nomination_id))
    scope = _nomination_scope(session, actor)
    if scope is not None:
        query = query.where(scope)
    row = session.execute(query).first()
    if row is None:
        return None
    nom, name, year = row
    out = _nomination(nom, name, year, full=True, sees_votes=is_overseer(actor))
    cert = session.scalar(select(t.Certificate.id).where(t.Certificate.nomination_id == nom.id))
    out["certificate_id"] = cert
    return out


def nomination_by_instance(session: Session, instance_id: int) -> t.Nomination | None:
    review = getattr(t.Nomination, "review_instance_id", None)
    match = t.Nomination.instance_id == instance_id
    if review is not None:
        match = match | (review == instance_id)
    return session.scalars(select(t.Nomination).where(match).limit(1)).first()


def expert_opinions(session: Session, nomination_id: int) -> list[dict]:
    return [{"expert": o.expert, "vote": o.vote, "score": o.score, "comment": o.comment or "", "at": o.at}
            for o in session.scalars(select(t.ExpertOpinion).where(t.ExpertOpinion.nomination_id == nomination_id)
                                     .order_by(t.ExpertOpinion.at, t.ExpertOpinion.id))]


# --------------------------------------------------------------------------- results of instances

def instance_result(session: Session, instance_id: int, process_key: str, status: str) -> str | None:
    """What an instance came to, in the programme's words: a nomination ``appointed``,
    ``rejected``, ``withdrawn``, ``not_recommended`` ...; a committee review ``recommended`` or
    ``not_recommended``; an assessment ``qualified`` / ``unqualified``; a benefit ``approved`` /
    ``declined`` / ``ineligible``; a mentoring period ``completed`` / ``disqualified``; a round
    ``published``. None while nothing is decided; the instance's own status when the programme
    keeps no record of it."""
    if process_key == "nomination":
        nom = session.scalar(select(t.Nomination).where(t.Nomination.instance_id == instance_id))
        if nom is not None:
            if nom.status in NOMINATION_RESULTS:
                return NOMINATION_RESULTS[nom.status]
            return "submitted" if status == "completed" and nom.status in ("submitted", "in_review", "recommended") else None
    elif process_key == "committee_review":
        nom = nomination_by_instance(session, instance_id)
        if nom is not None and status != "running":
            if nom.status in ("recommended", "appointed", "declined"):
                return "recommended"
            if nom.status == "not_recommended":
                return "not_recommended"
    elif process_key == "assessment":
        a = session.scalar(select(t.Assessment).where(t.Assessment.instance_id == instance_id))
        if a is not None and a.status in ("qualified", "unqualified"):
            return a.status
    elif process_key == "benefit_application":
        b = session.scalar(select(t.BenefitApplication).where(t.BenefitApplication.instance_id == instance_id))
        if b is not None and b.status in ("approved", "declined", "ineligible"):
            return b.status
    elif process_key == "mentoring":
        m = session.scalar(select(t.Mentorship).where(t.Mentorship.instance_id == instance_id))
        if m is not None and m.status in ("completed", "disqualified"):
            return m.status
    elif process_key == "selection_round":
        r = session.scalar(select(t.Round).where(t.Round.instance_id == instance_id))
        if r is not None and r.status == "published":
            return "published"
    if status in ("completed", "cancelled"):
        return status
    return None


def instance_title(session: Session, instance_id: int, process_key: str) -> str:
    """A title for an instance the engine keeps none for: the candidate, the mentor, the round."""
    if process_key in ("nomination", "committee_review"):
        nom = nomination_by_instance(session, instance_id)
        if nom is not None:
            unit = session.get(t.OrgUnit, nom.unit_id)
            who = nom.name or "（未填写姓名）"
            return f"{who}（{unit.name if unit else nom.unit_id}）"
    if process_key == "selection_round":
        r = session.scalar(select(t.Round).where(t.Round.instance_id == instance_id))
        if r is not None:
            return r.title or f"{r.year}年人才培带人评选"
    if process_key == "mentoring":
        row = session.execute(select(t.Person.name).join(t.Mentorship, t.Mentorship.mentor_id == t.Person.id)
                              .where(t.Mentorship.instance_id == instance_id)).first()
        if row is not None:
            return f"{row.name}的培带"
    if process_key == "assessment":
        row = session.execute(select(t.Person.name, t.Assessment.year_no)
                              .join(t.Mentorship, t.Mentorship.id == t.Assessment.mentorship_id)
                              .join(t.Person, t.Person.id == t.Mentorship.mentor_id)
                              .where(t.Assessment.instance_id == instance_id)).first()
        if row is not None:
            return f"{row.name}第{row.year_no}年度考核"
    if process_key == "benefit_application":
        row = session.execute(select(t.Person.name, t.BenefitApplication.kind)
                              .join(t.Person, t.Person.id == t.BenefitApplication.person_id)
                              .where(t.BenefitApplication.instance_id == instance_id)).first()
        if row is not None:
            return f"{row.name}的激励申请"
    return ""


# --------------------------------------------------------------------------- mentor pool

def mentors(session: Session, actor: Actor, *, q=None, category=None, unit_id=None, round_id=None, year=None,
            status=None, page: int = 1, per_page: int = 20) -> tuple[list[dict], int] | None:
    """人才培带人库 as the pool page shows it; None when the actor may not see the pool."""
    if not any(actor.has_role(r) for r in POOL_ROLES):
        return None
    units = None if is_overseer(actor) else unit_scopes(actor, ("unit_reviewer",))
    mentees = (select(t.Mentorship.pool_entry_id, func.count(t.Mentee.id).label("n"))
               .join(t.Mentee, t.Mentee.mentorship_id == t.Mentorship.id)
               .where(t.Mentee.status != "released").group_by(t.Mentorship.pool_entry_id).subquery())
    query = (select(t.PoolEntry.id, t.Person.id.label("person_id"), t.Person.name, t.Person.gender,
                    t.Person.title.label("job_title"), t.PoolEntry.unit_id, t.OrgUnit.name.label("unit"),
                    t.PoolEntry.category, t.PoolEntry.round_id, t.Round.year, t.Certificate.id.label("certificate_id"),
                    t.Certificate.number.label("certificate"), t.PoolEntry.status, t.PoolEntry.entered_at,
                    t.PoolEntry.ended_at, func.coalesce(mentees.c.n, 0).label("mentees"))
             .join(t.Person, t.Person.id == t.PoolEntry.person_id)
             .join(t.OrgUnit, t.OrgUnit.id == t.PoolEntry.unit_id)
             .join(t.Round, t.Round.id == t.PoolEntry.round_id)
             .join(t.Certificate, t.Certificate.id == t.PoolEntry.certificate_id)
             .outerjoin(mentees, mentees.c.pool_entry_id == t.PoolEntry.id))
    clause = _unit_clause(t.PoolEntry.unit_id, units)
    if clause is not None:
        query = query.where(clause)
    if q:
        query = query.where(t.Person.name.contains(q, autoescape=True) | t.Certificate.number.contains(q, autoescape=True))
    for column, value in ((t.PoolEntry.category, category), (t.PoolEntry.unit_id, unit_id),
                          (t.PoolEntry.round_id, round_id), (t.Round.year, year), (t.PoolEntry.status, status)):
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(t.Round.year.desc(), t.Certificate.number)
                           .limit(per_page).offset((page - 1) * per_page)).mappings().all()
    return [dict(r) for r in rows], total


# --------------------------------------------------------------------------- mentorships

def _mentorship_scope(session: Session, actor: Actor):
    if is_overseer(actor):
        return None
    units = unit_scopes(actor)
    if units is None:
        return None
    people = own_people(session, actor)
    parts = []
    if units:
        parts.append(t.Mentorship.unit_id.in_(units))
    if people:
        parts.append(t.Mentorship.mentor_id.in_(people))
        parts.append(t.Mentorship.id.in_(select(t.Mentee.mentorship_id).where(t.Mentee.person_id.in_(people))))
    return or_(*parts) if parts else false()


def _mentee(m: t.Mentee, p: t.Person) -> dict:
    return {"mentee_id": m.id, "mentorship_id": m.mentorship_id, "person_id": p.id, "name": p.name, "gender": p.gender,
            "birth_date": p.birth_date, "workplace": p.workplace or "", "field": m.field or "", "status": m.status,
            "released_at": m.released_at, "plan": _loads(m.plan_json, {})}


def _mentorship(session: Session, m: t.Mentorship, *, full: bool) -> dict:
    mentor = session.get(t.Person, m.mentor_id)
    out = {"mentorship_id": m.id, "mentor_id": m.mentor_id, "mentor_name": mentor.name if mentor else "",
           "pool_entry_id": m.pool_entry_id, "unit_id": m.unit_id, "status": m.status, "period_years": m.period_years,
           "agreement_confirmed_at": m.agreement_confirmed_at, "started_at": m.started_at, "ends_at": m.ends_at,
           "ended_at": m.ended_at, "end_reason": m.end_reason or "", "instance_id": m.instance_id}
    if full:
        out["indicators"] = m.indicators or ""
        out["mentees"] = [_mentee(me, p) for me, p in session.execute(
            select(t.Mentee, t.Person).join(t.Person, t.Person.id == t.Mentee.person_id)
            .where(t.Mentee.mentorship_id == m.id).order_by(t.Mentee.id)).all()]
    return out


def mentorships(session: Session, actor: Actor, *, status=None, unit_id=None, mentor_id=None,
                page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    query = select(t.Mentorship)
    scope = _mentorship_scope(session, actor)
    if scope is not None:
        query = query.where(scope)
    for column, value in ((t.Mentorship.status, status), (t.Mentorship.unit_id, unit_id),
                          (t.Mentorship.mentor_id, mentor_id)):
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(t.Mentorship.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
    return [_mentorship(session, m, full=False) for m in rows], total


def mentorship(session: Session, actor: Actor, mentorship_id: int) -> dict | None:
    query = select(t.Mentorship).where(t.Mentorship.id == mentorship_id)
    scope = _mentorship_scope(session, actor)
    if scope is not None:
        query = query.where(scope)
    m = session.scalars(query).first()
    return _mentorship(session, m, full=True) if m is not None else None


def mentee(session: Session, actor: Actor, mentee_id: int) -> dict | None:
    row = session.execute(select(t.Mentee, t.Person).join(t.Person, t.Person.id == t.Mentee.person_id)
                          .where(t.Mentee.id == mentee_id)).first()
    if row is None or mentorship(session, actor, row[0].mentorship_id) is None:
        return None
    return _mentee(*row)


def activities(session: Session, mentorship_id: int) -> list[dict]:
    """The activities of a mentorship (the caller checked the mentorship is readable)."""
    names = dict(session.execute(select(t.Mentee.id, t.Person.name).join(t.Person, t.Person.id == t.Mentee.person_id)
                                 .where(t.Mentee.mentorship_id == mentorship_id)).all())
    out = []
    for a in session.scalars(select(t.Activity).where(t.Activity.mentorship_id == mentorship_id)
                             .order_by(t.Activity.held_on, t.Activity.id)):
        ids = [i for i in _loads(a.mentee_ids, []) if isinstance(i, int)]
        out.append({"activity_id": a.id, "mentorship_id": a.mentorship_id, "kind": a.kind, "held_on": a.held_on,
                    "subject": a.subject, "hours": a.hours, "mentee_ids": ids,
                    "attending": [names[i] for i in ids if i in names], "notes": a.notes or "",
                    "logged_by": a.logged_by, "logged_at": a.logged_at})
    return out


# --------------------------------------------------------------------------- assessments

def _assessment(a: t.Assessment, mentor_name: str) -> dict:
    return {"assessment_id": a.id, "mentorship_id": a.mentorship_id, "mentor_name": mentor_name, "year_no": a.year_no,
            "unit_id": a.unit_id, "status": a.status, "unit_result": a.unit_result, "report": a.report or "",
            "final_result": a.final_result, "outstanding": bool(a.outstanding), "section_comment": a.section_comment or "",
            "instance_id": a.instance_id, "opened_at": a.opened_at, "decided_at": a.decided_at}


def assessments(session: Session, actor: Actor, *, mentorship_id=None, status=None, year_no=None,
                page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    query = (select(t.Assessment, t.Person.name).join(t.Mentorship, t.Mentorship.id == t.Assessment.mentorship_id)
             .join(t.Person, t.Person.id == t.Mentorship.mentor_id))
    scope = _mentorship_scope(session, actor)
    if scope is not None:
        query = query.where(scope)
    for column, value in ((t.Assessment.mentorship_id, mentorship_id), (t.Assessment.status, status),
                          (t.Assessment.year_no, year_no)):
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(t.Assessment.opened_at.desc(), t.Assessment.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return [_assessment(a, name) for a, name in rows], total


def assessment(session: Session, actor: Actor, assessment_id: int) -> dict | None:
    query = (select(t.Assessment, t.Person.name).join(t.Mentorship, t.Mentorship.id == t.Assessment.mentorship_id)
             .join(t.Person, t.Person.id == t.Mentorship.mentor_id).where(t.Assessment.id == assessment_id))
    scope = _mentorship_scope(session, actor)
    if scope is not None:
        query = query.where(scope)
    row = session.execute(query).first()
    return _assessment(*row) if row is not None else None


# --------------------------------------------------------------------------- certificates and benefits

def _person_scope(session: Session, actor: Actor, unit_column):
    """Records of a person: overseers all, a unit's staff their unit's, a person their own."""
    if is_overseer(actor):
        return None
    units = unit_scopes(actor)
    if units is None:
        return None
    parts = [t.Person.username == actor.username]
    if units:
        parts.append(unit_column.in_(units))
    return or_(*parts)


def _certificate(c: t.Certificate, name: str, unit_id: str | None, code: str | None, year: int) -> dict:
    return {"certificate_id": c.id, "number": c.number, "nomination_id": c.nomination_id, "person_id": c.person_id,
            "name": name, "unit_id": unit_id, "round_id": c.round_id, "year": year, "issued_at": c.issued_at,
            "status": c.status, "revoked_at": c.revoked_at, "revoke_reason": c.revoke_reason or "",
            "verification_code": code}


def _certificate_query():
    from workflows.documents.tables import VerificationCode
    unit = func.coalesce(t.Person.unit_id, t.Nomination.unit_id)
    return (select(t.Certificate, t.Person.name, unit.label("unit_id"), VerificationCode.code, t.Round.year)
            .join(t.Person, t.Person.id == t.Certificate.person_id)
            .join(t.Nomination, t.Nomination.id == t.Certificate.nomination_id)
            .join(t.Round, t.Round.id == t.Certificate.round_id)
            .outerjoin(VerificationCode, VerificationCode.certificate_id == cast(t.Certificate.id, String))), unit


def certificates(session: Session, actor: Actor, *, round_id=None, status=None, unit_id=None,
                 page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    query, unit = _certificate_query()
    scope = _person_scope(session, actor, unit)
    if scope is not None:
        query = query.where(scope)
    for column, value in ((t.Certificate.round_id, round_id), (t.Certificate.status, status), (unit, unit_id)):
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(t.Certificate.issued_at.desc(), t.Certificate.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return [_certificate(*r) for r in rows], total


def certificate(session: Session, actor: Actor, certificate_id: int) -> dict | None:
    query, unit = _certificate_query()
    query = query.where(t.Certificate.id == certificate_id)
    scope = _person_scope(session, actor, unit)
    if scope is not None:
        query = query.where(scope)
    row = session.execute(query).first()
    return _certificate(*row) if row is not None else None


def benefits(session: Session, actor: Actor, *, status=None, kind=None, person_id=None,
             page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    query = (select(t.BenefitApplication, t.Person.name, t.Person.unit_id)
             .join(t.Person, t.Person.id == t.BenefitApplication.person_id))
    scope = _person_scope(session, actor, t.Person.unit_id)
    if scope is not None:
        query = query.where(scope)
    for column, value in ((t.BenefitApplication.status, status), (t.BenefitApplication.kind, kind),
                          (t.BenefitApplication.person_id, person_id)):
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(t.BenefitApplication.applied_at.desc(), t.BenefitApplication.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return [{"benefit_id": b.id, "person_id": b.person_id, "name": name, "unit_id": unit_id, "kind": b.kind,
             "year": b.year, "status": b.status, "reason": b.reason or "", "instance_id": b.instance_id,
             "applied_at": b.applied_at, "decided_at": b.decided_at} for b, name, unit_id in rows], total
