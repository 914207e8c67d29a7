"""After the selection: the mentor pool (人才培带人库), mentorships with their agreement (联系书),
mentees and plans, activities and annual assessments, scoped like the pages."""
from __future__ import annotations

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from engine import Actor

from .. import tables as t
from .scope import POOL_ROLES, is_overseer, loads, narrowed, own_people, page_of, unit_clause, unit_scopes


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
    query = narrowed(query, unit_clause(t.PoolEntry.unit_id, units), (
        (t.PoolEntry.category, category), (t.PoolEntry.unit_id, unit_id), (t.PoolEntry.round_id, round_id),
        (t.Round.year, year), (t.PoolEntry.status, status)))
    if q:
        query = query.where(t.Person.name.contains(q, autoescape=True) | t.Certificate.number.contains(q, autoescape=True))
    rows, total = page_of(session, query, (t.Round.year.desc(), t.Certificate.number), page, per_page)
    return [dict(r._mapping) for r in rows], total


# --------------------------------------------------------------------------- mentorships

def mentorship_scope(session: Session, actor: Actor, *, mentees: bool = True):
    """A where-clause of the mentorships ``actor`` reads (None: all): overseers all, a unit's staff
    their unit's, a mentor or (unless ``mentees`` is false) a mentee their own."""
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
        if mentees:
            parts.append(t.Mentorship.id.in_(select(t.Mentee.mentorship_id).where(t.Mentee.person_id.in_(people))))
    return or_(*parts) if parts else false()


def _mentee(m: t.Mentee, p: t.Person) -> dict:
    return {"mentee_id": m.id, "mentorship_id": m.mentorship_id, "person_id": p.id, "name": p.name, "gender": p.gender,
            "birth_date": p.birth_date, "workplace": p.workplace or "", "field": m.field or "", "status": m.status,
            "released_at": m.released_at, "plan": loads(m.plan_json, {})}


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
    query = narrowed(select(t.Mentorship), mentorship_scope(session, actor), (
        (t.Mentorship.status, status), (t.Mentorship.unit_id, unit_id), (t.Mentorship.mentor_id, mentor_id)))
    rows, total = page_of(session, query, (t.Mentorship.id.desc(),), page, per_page)
    return [_mentorship(session, m, full=False) for (m,) in rows], total


def mentorship(session: Session, actor: Actor, mentorship_id: int) -> dict | None:
    query = narrowed(select(t.Mentorship).where(t.Mentorship.id == mentorship_id), mentorship_scope(session, actor))
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
        ids = [i for i in loads(a.mentee_ids, []) if isinstance(i, int)]
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


def _assessment_query(session: Session, actor: Actor):
    """A mentor's annual assessments (the unit's conclusion and report, the section's comment) are
    read by the section, the mentor's unit and the mentor, not by the mentor's mentees."""
    return narrowed(select(t.Assessment, t.Person.name).join(t.Mentorship, t.Mentorship.id == t.Assessment.mentorship_id)
                    .join(t.Person, t.Person.id == t.Mentorship.mentor_id), mentorship_scope(session, actor, mentees=False))


def assessments(session: Session, actor: Actor, *, mentorship_id=None, status=None, year_no=None,
                page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    query = narrowed(_assessment_query(session, actor), filters=(
        (t.Assessment.mentorship_id, mentorship_id), (t.Assessment.status, status), (t.Assessment.year_no, year_no)))
    rows, total = page_of(session, query, (t.Assessment.opened_at.desc(), t.Assessment.id.desc()), page, per_page)
    return [_assessment(a, name) for a, name in rows], total


def assessment(session: Session, actor: Actor, assessment_id: int) -> dict | None:
    row = session.execute(_assessment_query(session, actor).where(t.Assessment.id == assessment_id)).first()
    return _assessment(*row) if row is not None else None
