"""Selection rounds (评选) with their board of units, and nominations (推荐) with their 附件2 data
and eligibility result, scoped like the pages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine import Actor

from .. import tables as t
from .scope import EDITABLE, expert_categories, is_overseer, loads, narrowed, page_of, unit_clause, unit_scopes

# A nomination's status -> its result once decided (None: still on its way)
NOMINATION_RESULTS = {"rejected": "rejected", "withdrawn": "withdrawn", "expired": "expired",
                      "not_recommended": "not_recommended", "declined": "declined", "appointed": "appointed"}


# --------------------------------------------------------------------------- rounds

def _round(r: t.Round) -> dict:
    return {"round_id": r.id, "year": r.year, "title": r.title or f"{r.year}年人才培带人评选", "status": r.status,
            "deadline": r.deadline, "opened_at": r.opened_at, "closed_at": r.closed_at, "published_at": r.published_at,
            "instance_id": r.instance_id, "experts_per_panel": r.experts_per_panel, "rule_num": r.rule_num,
            "rule_den": r.rule_den, "reminder_days": [d for d in loads(r.reminder_days, []) if isinstance(d, int)],
            "rules_version": r.rules_version}


def rounds(session: Session, *, status: str | None = None, year: int | None = None) -> list[dict]:
    """Every round (rounds are not secret: a submitter needs the id of the open one)."""
    q = narrowed(select(t.Round), filters=((t.Round.status, status), (t.Round.year, year)))
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
    q = narrowed(select(t.OrgUnit.id, t.OrgUnit.name).where(t.OrgUnit.active.is_(True), t.OrgUnit.kind != "section"),
                 unit_clause(t.OrgUnit.id, units))
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

def _nomination_scope(actor: Actor):
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
    findings = loads(nom.eligibility_json, [])
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
        out["application"] = loads(nom.application_json, {})
        out["eligibility"] = nomination_facts(nom)
        out["last_comment"] = nom.last_comment or ""
        out["list_note"] = getattr(nom, "list_note", "") or ""
        out["votes"] = ({"agree": nom.agree, "experts": nom.experts, "average_score": nom.average_score}
                        if sees_votes and nom.experts else None)
    return out


def _nomination_query(actor: Actor):
    return narrowed(select(t.Nomination, t.OrgUnit.name, t.Round.year)
                    .join(t.OrgUnit, t.OrgUnit.id == t.Nomination.unit_id)
                    .join(t.Round, t.Round.id == t.Nomination.round_id), _nomination_scope(actor))


def nominations(session: Session, actor: Actor, *, round_id=None, unit_id=None, status=None, category=None,
                q=None, page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    query = narrowed(_nomination_query(actor), filters=(
        (t.Nomination.round_id, round_id), (t.Nomination.unit_id, unit_id), (t.Nomination.status, status),
        (t.Nomination.category, category)))
    if q:
        query = query.where(t.Nomination.name.contains(q, autoescape=True))
    rows, total = page_of(session, query, (t.Nomination.id.desc(),), page, per_page)
    return [_nomination(n, name, year, full=False, sees_votes=False) for n, name, year in rows], total


def nomination(session: Session, actor: Actor, nomination_id: int) -> dict | None:
    row = session.execute(_nomination_query(actor).where(t.Nomination.id == nomination_id)).first()
    if row is None:
        return None
    nom, name, year = row
    out = _nomination(nom, name, year, full=True, sees_votes=is_overseer(actor))
    out["certificate_id"] = session.scalar(select(t.Certificate.id).where(t.Certificate.nomination_id == nom.id))
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
