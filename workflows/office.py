"""What the programme office's pages read (rounds, the board of a round, the 推荐名单): plain reads
of the programme's tables, one function per page, so views stay thin. Labels are Chinese."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import dates
from . import rules as programme_rules
from engine.tables import User

from .tables import (Certificate, ExpertOpinion, Nomination, NomineeList, OrgUnit, Round, RoundChange, RoundReminder)

ROUND_STATUS = {"open": "报送中", "closed": "已截止", "published": "名单已公布"}
LIST_STATUS = {None: "未拟定", "prepared": "待签批", "signed": "已签批", "published": "已公布"}
UNIT_KINDS = {"county": "旗县区", "department": "市直部门", "college": "高校", "enterprise": "企业", "institution": "事业单位"}
# the board's columns: label -> nomination statuses
STATE_GROUPS = {
    "填报中": ("draft", "returned", "ineligible"),
    "已报送": ("submitted", "in_review", "recommended", "not_recommended", "declined", "appointed"),
    "不予推荐": ("rejected",),
    "已撤回": ("withdrawn",),
    "逾期未报": ("expired",),
}
NOMINATION_STATUS = {"draft": "填报中", "returned": "退回修改", "ineligible": "不符合条件", "submitted": "已报送",
                     "in_review": "评审中", "recommended": "评审通过", "not_recommended": "评审未通过", "declined": "签批时划去",
                     "appointed": "已聘任", "rejected": "单位不予推荐", "withdrawn": "已撤回", "expired": "逾期未报送"}
VOTES = {"agree": "同意", "disagree": "不同意", "abstain": "弃权"}
CHANGE_KINDS = {"extend": "延长截止日期", "close": "提前截止"}


@dataclass
class UnitRow:
    id: str
    name: str
    kind: str
    counts: dict[str, int]
    total: int
    submitted: int
    reminded: int
    overdue: bool          # the deadline passed (or the round closed) and nothing was submitted
    due_soon: bool         # still open, nothing submitted, the last reminder has gone out


@dataclass
class Board:
    round: Round
    status_label: str
    rules_version: int | None
    units: list[UnitRow]
    totals: dict[str, int]
    not_submitted: list[str]
    reminders: list[dict]
    changes: list[dict]
    in_review: int
    recommended: int
    list_status: str | None
    list_label: str
    days_left: int | None


def display_names(session: Session, usernames) -> dict[str, str]:
    """username -> the name users read (the username when the account is gone)."""
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    found = dict(session.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all())
    return {u: found.get(u) or u for u in wanted}


def rounds(session: Session) -> list[dict]:
    counts = dict(session.execute(select(Nomination.round_id, func.count()).where(Nomination.submitted_at.is_not(None))
                                  .group_by(Nomination.round_id)).all())
    lists = dict(session.execute(select(NomineeList.round_id, NomineeList.status)).all())
    appointed = dict(session.execute(select(Certificate.round_id, func.count()).group_by(Certificate.round_id)).all())
    out = []
    for r in session.scalars(select(Round).order_by(Round.year.desc())):
        out.append({"id": r.id, "year": r.year, "title": r.title, "deadline": r.deadline, "status": r.status,
                    "status_label": ROUND_STATUS.get(r.status, r.status), "submitted": counts.get(r.id, 0),
                    "list_label": LIST_STATUS.get(lists.get(r.id), ""), "certificates": appointed.get(r.id, 0),
                    "rules_version": r.rules_version, "instance_id": r.instance_id})
    return out


def board(session: Session, round_id: int, now: datetime) -> Board | None:
    rnd = session.get(Round, round_id)
    if rnd is None:
        return None
    units = list(session.scalars(select(OrgUnit).where(OrgUnit.active.is_(True), OrgUnit.kind != "section")
                                 .order_by(OrgUnit.sort, OrgUnit.id)))
    per_unit: dict[str, dict[str, int]] = {}
    for unit_id, status, n in session.execute(select(Nomination.unit_id, Nomination.status, func.count())
                                              .where(Nomination.round_id == rnd.id)
                                              .group_by(Nomination.unit_id, Nomination.status)).all():
        per_unit.setdefault(unit_id, {})[status] = n
    reminders = list(session.scalars(select(RoundReminder).where(RoundReminder.round_id == rnd.id)
                                     .order_by(RoundReminder.due_at, RoundReminder.id)))
    sent = [r for r in reminders if r.sent_at is not None]
    passed = now >= rnd.deadline or rnd.status != "open"
    rows, totals = [], {label: 0 for label in STATE_GROUPS}
    for u in units:
        by_status = per_unit.get(u.id, {})
        counts = {label: sum(by_status.get(s, 0) for s in group) for label, group in STATE_GROUPS.items()}
        for label, n in counts.items():
            totals[label] += n
        submitted = counts["已报送"]
        rows.append(UnitRow(u.id, u.name, UNIT_KINDS.get(u.kind, u.kind), counts, sum(by_status.values()), submitted,
                            sum(1 for r in sent if (r.units or 0) > 0) if not submitted else 0,
                            overdue=passed and submitted == 0, due_soon=not passed and submitted == 0 and bool(sent)))
    lst = session.scalar(select(NomineeList).where(NomineeList.round_id == rnd.id))
    in_review = session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.round_id == rnd.id, Nomination.status.in_(("submitted", "in_review")))) if rnd.status != "open" else 0
    recommended = session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.round_id == rnd.id, Nomination.status.in_(("recommended", "declined", "appointed"))))
    rows_changes = list(session.scalars(select(RoundChange).where(RoundChange.round_id == rnd.id).order_by(RoundChange.id)))
    names = display_names(session, [c.by for c in rows_changes])
    changes = [{"kind": CHANGE_KINDS.get(c.kind, c.kind), "old": c.old_deadline, "new": c.new_deadline, "reason": c.reason,
                "by": names.get(c.by, c.by), "at": c.at} for c in rows_changes]
    return Board(
        round=rnd, status_label=ROUND_STATUS.get(rnd.status, rnd.status), rules_version=rnd.rules_version, units=rows,
        totals=totals, not_submitted=[r.name for r in rows if r.submitted == 0],
        reminders=[{"days": r.days, "due_at": r.due_at, "sent_at": r.sent_at, "units": r.units, "cancelled": r.cancelled}
                   for r in reminders if not r.cancelled],   # replaced when the deadline moved: not shown
        changes=changes, in_review=in_review, recommended=recommended, list_status=lst.status if lst else None,
        list_label=LIST_STATUS.get(lst.status if lst else None, ""),
        days_left=(dates.local_date(rnd.deadline) - dates.local_date(now)).days if not passed else None)


@dataclass
class Candidate:
    id: int
    name: str
    unit: str
    category: str
    gender: str
    age: int | None
    workplace: str
    achievements: str
    agree: int | None
    experts: int | None
    average_score: int | None
    opinions: list[dict]
    warnings: list[str]
    rank: int | None
    list_status: str | None
    note: str
    status_label: str
    certificate: str | None = None


@dataclass
class ListView:
    round: Round
    record: NomineeList | None
    names: dict[str, str] = field(default_factory=dict)   # who prepared and signed it
    candidates: list[Candidate] = field(default_factory=list)
    pending_review: int = 0
    not_recommended: list[Candidate] = field(default_factory=list)
    rules_version: int | None = None


def _candidate(nom: Nomination, unit: str, panels: dict, opinions: list[ExpertOpinion], certificate: str | None) -> Candidate:
    try:
        app = json.loads(nom.application_json or "{}")
    except ValueError:
        app = {}
    try:
        findings = json.loads(nom.eligibility_json or "[]")
    except ValueError:
        findings = []
    achievements = " ".join(str(app.get("achievements") or "").split())
    return Candidate(
        id=nom.id, name=nom.name, unit=unit, category=panels.get(nom.category, nom.category or ""), gender=nom.gender or "",
        age=nom.age, workplace=str(app.get("workplace") or ""),
        achievements=achievements[:120] + ("……" if len(achievements) > 120 else ""),
        agree=nom.agree, experts=nom.experts, average_score=nom.average_score,
        opinions=[{"vote": VOTES.get(o.vote, o.vote), "score": o.score, "comment": o.comment} for o in opinions],
        warnings=[f["reason"] for f in findings if f.get("level") == "warning"],
        rank=nom.list_rank, list_status=nom.list_status, note=nom.list_note or "",
        status_label=NOMINATION_STATUS.get(nom.status, nom.status), certificate=certificate)


def nominee_list(session: Session, round_id: int) -> ListView | None:
    """The round's 推荐名单: the candidates in the office's order once prepared, before that the
    committee's recommended ones in the default order; opinions of the experts (anonymous)."""
    from .operations.lists import default_order, listed

    rnd = session.get(Round, round_id)
    if rnd is None:
        return None
    lst = session.scalar(select(NomineeList).where(NomineeList.round_id == rnd.id))
    noms = listed(session, rnd.id) if lst is not None else default_order(session, rnd.id)
    panels = programme_rules.version(session, rnd.rules_version).labels("panels")
    units = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    others = list(session.scalars(select(Nomination).where(Nomination.round_id == rnd.id, Nomination.status == "not_recommended")
                                  .order_by(Nomination.id)))
    ids = [n.id for n in noms + others]
    opinions: dict[int, list] = {}
    for o in session.scalars(select(ExpertOpinion).where(ExpertOpinion.nomination_id.in_(ids or [-1])).order_by(ExpertOpinion.id)):
        opinions.setdefault(o.nomination_id, []).append(o)
    certs = dict(session.execute(select(Certificate.nomination_id, Certificate.number)
                                 .where(Certificate.nomination_id.in_(ids or [-1]))).all())
    pending = session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.round_id == rnd.id, Nomination.status.in_(("submitted", "in_review"))))
    return ListView(
        round=rnd, record=lst, names=display_names(session, [lst.prepared_by, lst.signed_by] if lst else []),
        pending_review=pending if rnd.status != "open" else 0, rules_version=rnd.rules_version,
        candidates=[_candidate(n, units.get(n.unit_id, n.unit_id), panels, opinions.get(n.id, []), certs.get(n.id)) for n in noms],
        not_recommended=[_candidate(n, units.get(n.unit_id, n.unit_id), panels, opinions.get(n.id, []), None) for n in others])


# ---------------------------------------------------------------------- incentives and events

INCENTIVE_LIST_STATUS = {"proposed": "待审定", "returned": "已退回重拟", "approved": "已审定"}


def incentives_overview(session: Session) -> dict:
    from .tables import EventAttendance, IncentiveList, ProgrammeEvent
    current = programme_rules.current(session)
    labels = current.labels("incentives")
    lists = [{"id": x.id, "kind": labels.get(x.kind, x.kind), "year": x.year,
              "status": INCENTIVE_LIST_STATUS.get(x.status, x.status), "instance_id": x.instance_id}
             for x in session.scalars(select(IncentiveList).order_by(IncentiveList.year.desc(), IncentiveList.id.desc()))]
    event_labels = current.labels("events")
    counts = dict(session.execute(select(EventAttendance.event_id, func.count()).group_by(EventAttendance.event_id)).all())
    came = dict(session.execute(select(EventAttendance.event_id, func.count()).where(EventAttendance.attended.is_(True))
                                .group_by(EventAttendance.event_id)).all())
    from .events import STATUS
    evs = [{"id": e.id, "kind": event_labels.get(e.kind, e.kind), "title": e.title, "starts_on": e.starts_on, "ends_on": e.ends_on,
            "place": e.place, "status": STATUS.get(e.status, e.status), "invited": counts.get(e.id, 0), "attended": came.get(e.id, 0)}
           for e in session.scalars(select(ProgrammeEvent).order_by(ProgrammeEvent.starts_on.desc()))]
    return {"lists": lists, "events": evs, "event_kinds": event_labels, "rules": current}


def incentive_list_view(session: Session, list_id: int) -> dict | None:
    from .tables import IncentiveList, IncentiveListEntry, Person
    lst = session.get(IncentiveList, list_id)
    if lst is None:
        return None
    labels = programme_rules.version(session, lst.rules_version).labels("incentives")
    units = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    rows = session.execute(select(IncentiveListEntry, Person).join(Person, Person.id == IncentiveListEntry.person_id)
                           .where(IncentiveListEntry.list_id == lst.id).order_by(Person.unit_id, Person.id)).all()
    names = display_names(session, [lst.proposed_by, lst.approved_by])
    return {"list": lst, "kind": labels.get(lst.kind, lst.kind), "status": INCENTIVE_LIST_STATUS.get(lst.status, lst.status),
            "names": names, "entries": [{"person_id": p.id, "name": p.name, "unit": units.get(p.unit_id, p.unit_id or ""),
                                          "basis": e.basis, "selected": e.selected} for e, p in rows]}
