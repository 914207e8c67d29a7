"""Records of a person: certificates (聘书, with the verification code printed on them) and
incentive applications (激励申请); overseers read all, a unit's staff their unit's people's, a
person their own."""
from __future__ import annotations

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from engine import Actor

from .. import tables as t
from .scope import is_overseer, narrowed, page_of, unit_scopes


def _person_scope(actor: Actor, unit_column):
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


def _certificate_query(actor: Actor):
    from workflows.documents.tables import VerificationCode
    unit = func.coalesce(t.Person.unit_id, t.Nomination.unit_id)
    query = (select(t.Certificate, t.Person.name, unit.label("unit_id"), VerificationCode.code, t.Round.year)
             .join(t.Person, t.Person.id == t.Certificate.person_id)
             .join(t.Nomination, t.Nomination.id == t.Certificate.nomination_id)
             .join(t.Round, t.Round.id == t.Certificate.round_id)
             .outerjoin(VerificationCode, VerificationCode.certificate_id == cast(t.Certificate.id, String)))
    return narrowed(query, _person_scope(actor, unit)), unit


def certificates(session: Session, actor: Actor, *, round_id=None, status=None, unit_id=None,
                 page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    query, unit = _certificate_query(actor)
    query = narrowed(query, filters=((t.Certificate.round_id, round_id), (t.Certificate.status, status), (unit, unit_id)))
    rows, total = page_of(session, query, (t.Certificate.issued_at.desc(), t.Certificate.id.desc()), page, per_page)
    return [_certificate(*r) for r in rows], total


def certificate(session: Session, actor: Actor, certificate_id: int) -> dict | None:
    query, _unit = _certificate_query(actor)
    row = session.execute(query.where(t.Certificate.id == certificate_id)).first()
    return _certificate(*row) if row is not None else None


def benefits(session: Session, actor: Actor, *, status=None, kind=None, person_id=None,
             page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    query = narrowed(select(t.BenefitApplication, t.Person.name, t.Person.unit_id)
                     .join(t.Person, t.Person.id == t.BenefitApplication.person_id),
                     _person_scope(actor, t.Person.unit_id),
                     ((t.BenefitApplication.status, status), (t.BenefitApplication.kind, kind),
                      (t.BenefitApplication.person_id, person_id)))
    rows, total = page_of(session, query, (t.BenefitApplication.applied_at.desc(), t.BenefitApplication.id.desc()),
                          page, per_page)
    return [{"benefit_id": b.id, "person_id": b.person_id, "name": name, "unit_id": unit_id, "kind": b.kind,
             "year": b.year, "status": b.status, "reason": b.reason or "", "instance_id": b.instance_id,
             "applied_at": b.applied_at, "decided_at": b.decided_at} for b, name, unit_id in rows], total
