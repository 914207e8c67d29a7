"""What an instance came to and what it is called, in the programme's words (for instances whose
records live in :mod:`workflows.tables`)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import tables as t
from .selection import NOMINATION_RESULTS, nomination_by_instance

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

