"""Who may read which document or upload (DESIGN.md, "Who does what"): the talent section, the
director and administrators see everything; a unit's submitters and reviewers see their unit;
experts see the nominations of their category once submitted; a mentor and the mentees see their
own agreement and certificate. ``instance_visible`` is the web layer's rule for process instances
(a user who must act on a record can always read it)."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor
from workflows import tables as t

from .sources import NominationScope, nomination_scope

OVERSEERS = ("talent_section", "director", "admin")
UNIT_ROLES = ("unit_submitter", "unit_reviewer")
EDITABLE = ("draft", "returned")

InstanceVisible = Callable[[Actor, int], bool]



def is_overseer(actor: Actor) -> bool:
    return any(actor.has_role(r) for r in OVERSEERS)


def in_unit(actor: Actor, unit_id: str | None) -> bool:
    return unit_id is not None and any(actor.holds(r, unit_id) for r in UNIT_ROLES)


def can_read_nomination(actor: Actor, scope: NominationScope | None,
                        instance_visible: InstanceVisible | None = None) -> bool:
    if scope is None:
        return False
    if is_overseer(actor) or in_unit(actor, scope.unit_id) or scope.created_by == actor.username:
        return True
    if scope.category and scope.status not in EDITABLE and actor.holds("expert", scope.category):
        return True
    return bool(instance_visible and scope.instance_id is not None and instance_visible(actor, scope.instance_id))


def can_upload(actor: Actor, scope: NominationScope | None) -> bool:
    """Certificate copies are added by the unit while the application is still being filled in."""
    if scope is None or scope.status not in EDITABLE:
        return False
    return (actor.holds("unit_submitter", scope.unit_id) or scope.created_by == actor.username
            or actor.has_role("admin"))


def nomination_readable(session: Session, actor: Actor, nomination_id: int,
                        instance_visible: InstanceVisible | None = None) -> NominationScope | None:
    """The nomination's scope if ``actor`` may read it, else None (the view answers 404)."""
    scope = nomination_scope(session, nomination_id)
    return scope if can_read_nomination(actor, scope, instance_visible) else None


def can_read_nominee_list(actor: Actor, unit_id: str | None) -> bool:
    return is_overseer(actor) or in_unit(actor, unit_id)


def _own_person(session: Session, actor: Actor, person_ids) -> bool:
    ids = [i for i in person_ids if i is not None]
    return bool(ids) and session.scalar(select(t.Person.id).where(
        t.Person.id.in_(ids), t.Person.username == actor.username).limit(1)) is not None


def can_read_agreement(session: Session, actor: Actor, mentorship_id: int) -> bool:
    ms = session.get(t.Mentorship, int(mentorship_id))
    if ms is None:
        return False
    if is_overseer(actor) or in_unit(actor, ms.unit_id):
        return True
    mentees = session.scalars(select(t.Mentee.person_id).where(t.Mentee.mentorship_id == ms.id)).all()
    return _own_person(session, actor, [ms.mentor_id, *mentees])


def can_read_certificate(session: Session, actor: Actor, certificate_id: int) -> bool:
    cert = session.get(t.Certificate, int(certificate_id))
    if cert is None:
        return False
    if is_overseer(actor):
        return True
    person = session.get(t.Person, cert.person_id)
    nomination = session.get(t.Nomination, cert.nomination_id)
    unit_id = (person.unit_id if person else None) or (nomination.unit_id if nomination else None)
    return in_unit(actor, unit_id) or (person is not None and person.username == actor.username)
