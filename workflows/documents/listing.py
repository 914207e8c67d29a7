"""What the documents page offers a user: the nominee lists of the rounds they may read, their
unit's applications, and a mentor's own certificate and agreement. Plain reads of the
programme's tables, scoped like :mod:`access`."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Actor
from workflows import tables as t

from .access import UNIT_ROLES, is_overseer
from .sources import NOT_LISTED, round_name

# the same words as the pages' labels (webapp/labels.py, CODES["nomination_status"]): every status has one
NOMINATION_STATUS = {"draft": "未报送", "submitted": "已报送", "returned": "退回修改", "ineligible": "不符合条件",
                     "rejected": "单位不予推荐", "withdrawn": "已撤回", "in_review": "评审中", "recommended": "评审通过",
                     "not_recommended": "评审未通过", "declined": "未获签批", "appointed": "已聘任",
                     "expired": "截止时未报送"}


@dataclass
class UnitList:
    unit_id: str
    unit_name: str
    nominees: int


@dataclass
class RoundLists:
    round_id: int
    name: str
    whole_round: bool
    units: list[UnitList] = field(default_factory=list)


@dataclass
class NominationRow:
    id: int
    name: str
    unit_name: str
    round_name: str
    status: str
    uploads: int


@dataclass
class OwnDocuments:
    certificate_id: int | None
    certificate_number: str | None
    certificate_status: str | None
    mentorship_ids: list[int] = field(default_factory=list)


@dataclass
class Offer:
    rounds: list[RoundLists]
    nominations: list[NominationRow]
    own: OwnDocuments | None


def actor_units(actor: Actor) -> set[str]:
    return {scope for role, scope in actor.memberships if role in UNIT_ROLES and scope}


def offer(session: Session, actor: Actor, nomination_limit: int = 100) -> Offer:
    from .tables import Upload

    overseer = is_overseer(actor)
    units = actor_units(actor)
    rounds = []
    if overseer or units:
        counts = (select(t.Nomination.round_id, t.OrgUnit.id, t.OrgUnit.name, func.count(t.Nomination.id))
                  .join(t.OrgUnit, t.OrgUnit.id == t.Nomination.unit_id)
                  .where(t.Nomination.submitted_at.is_not(None), t.Nomination.status.not_in(NOT_LISTED))
                  .group_by(t.Nomination.round_id, t.OrgUnit.id, t.OrgUnit.name, t.OrgUnit.sort)
                  .order_by(t.OrgUnit.sort, t.OrgUnit.id))
        if not overseer:
            counts = counts.where(t.Nomination.unit_id.in_(units))
        names = dict(session.execute(select(t.OrgUnit.id, t.OrgUnit.name).where(t.OrgUnit.id.in_(units))).all())
        per_round: dict[int, list[UnitList]] = {}
        for round_id, unit_id, unit_name, n in session.execute(counts).all():
            per_round.setdefault(round_id, []).append(UnitList(unit_id, unit_name, n))
        for rnd in session.scalars(select(t.Round).order_by(t.Round.year.desc())):
            listed = per_round.get(rnd.id, [])
            if not overseer:  # a unit sees its own (possibly empty) list of every round
                known = {u.unit_id for u in listed}
                listed += [UnitList(u, names.get(u, u), 0) for u in sorted(units) if u not in known]
            rounds.append(RoundLists(rnd.id, round_name(rnd), overseer, listed))

    nominations = []
    if units:
        uploads = (select(Upload.nomination_id, func.count(Upload.id).label("n")).group_by(Upload.nomination_id)
                   .subquery())
        rows = session.execute(
            select(t.Nomination, t.OrgUnit.name, t.Round, func.coalesce(uploads.c.n, 0))
            .join(t.OrgUnit, t.OrgUnit.id == t.Nomination.unit_id).join(t.Round, t.Round.id == t.Nomination.round_id)
            .outerjoin(uploads, uploads.c.nomination_id == t.Nomination.id)
            .where(t.Nomination.unit_id.in_(units), t.Nomination.status != "withdrawn")
            .order_by(t.Round.year.desc(), t.Nomination.id.desc()).limit(nomination_limit)).all()
        nominations = [NominationRow(nom.id, nom.name or "（未填写姓名）", unit_name, round_name(rnd),
                                     NOMINATION_STATUS.get(nom.status, nom.status), n)
                       for nom, unit_name, rnd, n in rows]

    own = None
    person_ids = session.scalars(select(t.Person.id).where(t.Person.username == actor.username)).all()
    if person_ids:
        cert = session.scalar(select(t.Certificate).where(t.Certificate.person_id.in_(person_ids))
                              .order_by(t.Certificate.issued_at.desc()))
        ships = session.scalars(select(t.Mentorship.id).where(t.Mentorship.mentor_id.in_(person_ids))
                                .order_by(t.Mentorship.id.desc())).all()
        mentee_ships = session.scalars(select(t.Mentee.mentorship_id).where(t.Mentee.person_id.in_(person_ids))).all()
        own = OwnDocuments(cert.id if cert else None, cert.number if cert else None, cert.status if cert else None,
                           list(dict.fromkeys([*ships, *mentee_ships])))
    return Offer(rounds, nominations, own)
