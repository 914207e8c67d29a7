"""Incentives the programme grants on the assessment results (notice 三(三)): the yearly free
recuperation of outstanding mentors (休假疗养) and the commendation of outstanding mentors at the
rules' interval (表彰奖励, every three years in the notice). Process ``incentive_list``: the
candidates from the assessment results, the talent section's list, the director's approval,
then the incentive recorded for everyone on it (a granted :class:`BenefitApplication`)."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine import InvalidData, InvalidState

from .. import dates
from .. import rules as programme_rules
from ..tables import (Assessment, BenefitApplication, IncentiveList, IncentiveListEntry, Mentorship, Person, PoolEntry)
from .common import notify, owned_row, require

def _granted_years(session, person_id: int, kind: str) -> list[int]:
    return list(session.scalars(select(BenefitApplication.year).where(
        BenefitApplication.person_id == person_id, BenefitApplication.kind == kind,
        BenefitApplication.status.in_(("approved", "pending")))))


def candidates(session, kind: str, year: int, rules) -> list[dict]:
    """Mentors in the pool whose assessments make them candidates, with the results it rests on.
    A yearly incentive (recuperation): the latest decided assessment is outstanding (优秀). One
    with a longer interval (commendation): every assessment within the interval qualified and at
    least one outstanding. Nobody who had
    the incentive within its interval (calendar years)."""
    interval = rules.interval(kind) or 0
    out = []
    rows = session.execute(select(Mentorship, Person).join(PoolEntry, PoolEntry.id == Mentorship.pool_entry_id)
                           .join(Person, Person.id == Mentorship.mentor_id)
                           .where(PoolEntry.status == "active", Mentorship.status.in_(("active", "completed")))
                           .order_by(Mentorship.unit_id, Person.id)).all()
    for ship, person in rows:
        decided = list(session.scalars(select(Assessment).where(
            Assessment.mentorship_id == ship.id, Assessment.decided_at.is_not(None)).order_by(Assessment.year_no)))
        if not decided:
            continue
        if interval <= 1:   # a yearly incentive (recuperation): the latest year's result
            latest = decided[-1]
            ok = latest.final_result == "qualified" and latest.outstanding
            basis = [latest]
        else:
            window = [a for a in decided if year - dates.local_date(a.decided_at).year < max(interval, 1)]
            ok = bool(window) and all(a.final_result == "qualified" for a in window) and any(a.outstanding for a in window)
            basis = window
        if not ok:
            continue
        if any(year - y < interval for y in _granted_years(session, person.id, kind)):
            continue
        out.append({"person_id": person.id, "mentorship_id": ship.id, "name": person.name, "unit_id": ship.unit_id,
                    "basis": "；".join(f"第{a.year_no}年度考核{'优秀' if a.outstanding else '合格'}" for a in basis)})
    return out


def incentive_candidates(ctx):
    """The list's candidates from the assessment results; the list is this instance's record."""
    data = ctx.task.data
    require(ctx, ctx.actor.has_role("talent_section"), "激励名单由市委组织部人才科拟定")
    kind, year = data.get("kind"), data.get("year")   # which kinds: the start form (start_incentive_list)
    rules = programme_rules.current(ctx.session, now=ctx.now)
    if rules.interval(kind) is None:
        raise InvalidData(f"现行培带规则中没有“{kind}”这项激励", field="kind")
    if ctx.session.scalar(select(IncentiveList.id).where(IncentiveList.kind == kind, IncentiveList.year == year)) is not None:
        raise InvalidData(f"{year}年度的{rules.labels('incentives')[kind]}名单已经发起", field="year")
    lst = IncentiveList(kind=kind, year=year, status="proposed", instance_id=ctx.instance_id, rules_version=rules.version,
                        created_at=ctx.now)
    ctx.session.add(lst)
    ctx.session.flush()
    found = candidates(ctx.session, kind, year, rules)
    for c in found:
        ctx.session.add(IncentiveListEntry(list_id=lst.id, person_id=c["person_id"], mentorship_id=c["mentorship_id"],
                                           basis=c["basis"], selected=False))
    label = rules.labels("incentives")[kind]
    data.update({"list_id": lst.id, "kind_label": label, "rules_version": rules.version,
                 "title": data.get("title") or f"{year}年度{label}名单"})
    return {"list_id": lst.id, "candidates": len(found)}


def _ids(values) -> list[int]:
    out = []
    for value in values or []:
        text = str(value).strip()
        if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,10}", text):
            raise InvalidData(f"培带人编号“{text[:20]}”不是有效编号", field="selected")
        out.append(int(text))
    return out


def incentive_propose(ctx, list_id):
    data = ctx.task.data
    lst = owned_row(ctx, IncentiveList, list_id, "激励名单")
    require(ctx, ctx.actor.has_role("talent_section"), "激励名单由市委组织部人才科拟定")
    entries = {e.person_id: e for e in ctx.session.scalars(select(IncentiveListEntry).where(IncentiveListEntry.list_id == lst.id))}
    chosen = _ids(data.get("selected"))
    outside = [i for i in chosen if i not in entries]
    if outside:
        raise InvalidData("不在人选范围内（须按年度考核结果）：" + "、".join(str(i) for i in outside[:10]), field="selected")
    for person_id, entry in entries.items():
        entry.selected = person_id in chosen
    lst.status, lst.proposed_by, lst.proposed_at = "proposed", ctx.actor.username, ctx.now
    lst.comment = str(data.get("comment") or "").strip()
    data.update({"selected": chosen, "comment": "", "incentive_decision": None})
    return {"selected": len(chosen)}


def incentive_approve(ctx, list_id):
    data = ctx.task.data
    lst = owned_row(ctx, IncentiveList, list_id, "激励名单")
    require(ctx, ctx.actor.has_role("director"), "激励名单由领导小组办公室主任审定")
    decision, comment = data.get("incentive_decision"), str(data.get("comment") or "").strip()
    data["comment"] = ""
    if decision == "return":
        lst.status, lst.comment = "returned", comment
    else:
        lst.status, lst.approved_by, lst.approved_at = "approved", ctx.actor.username, ctx.now
        if comment:
            lst.comment = comment
    return {"decision": decision}


def incentive_grant(ctx, list_id):
    """Everyone on the approved list has the incentive (a granted application of this year) and is told."""
    lst = owned_row(ctx, IncentiveList, list_id, "激励名单")
    if lst.status != "approved":
        raise InvalidState("激励名单尚未审定")
    label = programme_rules.version(ctx.session, lst.rules_version, now=ctx.now).labels("incentives").get(lst.kind, lst.kind)
    granted = 0
    for entry in ctx.session.scalars(select(IncentiveListEntry).where(IncentiveListEntry.list_id == lst.id,
                                                                      IncentiveListEntry.selected.is_(True))):
        exists = ctx.session.scalar(select(BenefitApplication.id).where(
            BenefitApplication.instance_id == ctx.instance_id, BenefitApplication.person_id == entry.person_id))
        if exists is not None:
            continue
        row = BenefitApplication(person_id=entry.person_id, kind=lst.kind, year=lst.year, status="approved",
                                 reason=f"{lst.year}年度{label}名单（{entry.basis}）", instance_id=ctx.instance_id,
                                 applied_at=ctx.now, decided_at=ctx.now, rules_version=lst.rules_version)
        ctx.session.add(row)
        ctx.session.flush()
        person = ctx.session.get(Person, entry.person_id)
        notify(ctx, "decision_result", [person.username], {
            "kind": "benefit", "id": row.id, "name": person.name, "outcome": "approved",
            "outcome_label": f"列入{lst.year}年度{label}名单", "comment": lst.comment}, f"incentive:{lst.id}:{entry.person_id}")
        granted += 1
    return {"granted": granted}
