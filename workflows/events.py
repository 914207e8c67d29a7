"""Events the talent section organises for mentors (notice 三(三)): the yearly training class
(每年举办1期培带人培训班) and the study tour of outstanding mentors (组织优秀培带人到先进发达地区学习
考察). An event invites the mentors in the pool (only the outstanding ones for the kinds the rules
say so) and records who attended. Plain functions on a session; callers hold the transaction
(``engine.unit_of_work()``). Bad input raises :class:`engine.InvalidData` with Chinese
``errors=[{"field", "message"}]``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import InvalidData, NotFound

from . import dates
from . import rules as programme_rules
from .tables import Assessment, EventAttendance, Mentorship, OrgUnit, Person, PoolEntry, ProgrammeEvent

STATUS = {"planned": "筹备中", "held": "已举办", "cancelled": "已取消"}


def outstanding(session: Session, person_id: int) -> bool:
    """The mentor's latest decided assessment was outstanding (优秀)."""
    latest = session.scalar(select(Assessment).join(Mentorship, Mentorship.id == Assessment.mentorship_id)
                            .where(Mentorship.mentor_id == person_id, Assessment.decided_at.is_not(None))
                            .order_by(Assessment.decided_at.desc()).limit(1))
    return bool(latest and latest.final_result == "qualified" and latest.outstanding)


def eligible_mentors(session: Session, outstanding_only: bool) -> list[Person]:
    people = list(session.scalars(select(Person).join(PoolEntry, PoolEntry.person_id == Person.id)
                                  .where(PoolEntry.status == "active").order_by(PoolEntry.unit_id, Person.id).distinct()))
    return [p for p in people if not outstanding_only or outstanding(session, p.id)]


def _day(value, field: str, label: str, errors: list) -> date | None:
    try:
        day = dates.parse_date(value)
    except (TypeError, ValueError):
        day = None
    if day is None:
        errors.append({"field": field, "message": f"请填写{label}，格式为 年-月-日"})
    return day


def create(session: Session, *, kind: str, title: str, starts_on, ends_on, place: str = "", notes: str = "",
           actor: str, now: datetime) -> ProgrammeEvent:
    """A new event of the rules' kinds, inviting the mentors it is for."""
    rules = programme_rules.current(session, now=now)
    kinds = rules.labels("events")
    errors: list[dict] = []
    if kind not in kinds:
        errors.append({"field": "kind", "message": "活动类型须为：" + "、".join(kinds.values())})
    title = str(title or "").strip()
    if not 2 <= len(title) <= 200:
        errors.append({"field": "title", "message": "活动名称须为2至200个字"})
    start, end = _day(starts_on, "starts_on", "开始日期", errors), _day(ends_on, "ends_on", "结束日期", errors)
    if start and end and end < start:
        errors.append({"field": "ends_on", "message": "结束日期不能早于开始日期"})
    if start and start.year < 2014:
        errors.append({"field": "starts_on", "message": "开始日期不能早于2014年"})
    if errors:
        raise InvalidData("活动信息有误：" + "；".join(e["message"] for e in errors[:3]), errors=errors)
    event = ProgrammeEvent(kind=kind, year=start.year, title=title, starts_on=start, ends_on=end, place=str(place or "")[:200],
                           notes=str(notes or "")[:4000], status="planned", created_by=actor, created_at=now,
                           rules_version=rules.version)
    session.add(event)
    session.flush()
    for person in eligible_mentors(session, kind in rules["event_outstanding_only"]):
        session.add(EventAttendance(event_id=event.id, person_id=person.id))
    session.flush()
    return event


@dataclass
class Invitee:
    person_id: int
    name: str
    unit: str
    attended: bool | None


def invitees(session: Session, event_id: int) -> list[Invitee]:
    rows = session.execute(select(EventAttendance, Person, OrgUnit.name)
                           .join(Person, Person.id == EventAttendance.person_id)
                           .outerjoin(OrgUnit, OrgUnit.id == Person.unit_id)
                           .where(EventAttendance.event_id == event_id).order_by(OrgUnit.sort, Person.id)).all()
    return [Invitee(p.id, p.name, unit or "", a.attended) for a, p, unit in rows]


def get(session: Session, event_id: int) -> ProgrammeEvent:
    event = session.get(ProgrammeEvent, event_id)
    if event is None:
        raise NotFound(f"活动 {event_id} 不存在")
    return event


def record_attendance(session: Session, event_id: int, attended: set[int], *, now: datetime) -> ProgrammeEvent:
    """Who of the invited came; the event is then held."""
    event = get(session, event_id)
    if event.status == "cancelled":
        raise InvalidData("活动已取消，不能登记出席", errors=[{"field": "", "message": "活动已取消，不能登记出席"}])
    if dates.local_date(now) < event.starts_on:
        raise InvalidData("活动尚未开始，不能登记出席", errors=[{"field": "", "message": "活动尚未开始，不能登记出席"}])
    rows = list(session.scalars(select(EventAttendance).where(EventAttendance.event_id == event.id)))
    unknown = attended - {r.person_id for r in rows}
    if unknown:
        message = "出席人员须是受邀的培带人"
        raise InvalidData(message, errors=[{"field": "attended", "message": message}])
    for row in rows:
        row.attended = row.person_id in attended
    event.status = "held"
    return event


def of_mentor(session: Session, person_id: int) -> list[dict]:
    """The events a mentor was invited to, newest first."""
    rows = session.execute(select(ProgrammeEvent, EventAttendance).join(EventAttendance, EventAttendance.event_id == ProgrammeEvent.id)
                           .where(EventAttendance.person_id == person_id).order_by(ProgrammeEvent.starts_on.desc())).all()
    return [{"title": e.title, "kind": e.kind, "starts_on": e.starts_on, "ends_on": e.ends_on, "place": e.place,
             "status": STATUS.get(e.status, e.status), "attended": a.attended} for e, a in rows]
