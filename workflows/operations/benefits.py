"""Incentives: facts for the ``benefit_eligibility`` DMN and the talent section's decision."""
from __future__ import annotations

from sqlalchemy import func, select

from engine import InvalidData

from .. import dates
from .. import rules as programme_rules
from ..tables import Assessment, BenefitApplication, Mentorship, OrgUnit, Person, PoolEntry
from .common import get_row, notify, owned_row, require


def benefit_facts(ctx, mentor_id):
    """The application is this instance's own record; only the mentor himself applies (the start
    contract checks ``mentor_id`` against the starter, the task's lane against whoever completes it)."""
    data = ctx.task.data
    person = get_row(ctx, Person, mentor_id, "培带人")
    require(ctx, ctx.actor.holds("mentor", str(person.id)), "只能由培带人本人申请激励")
    kind = data.get("kind")   # the form (benefit_apply) is the contract of what was applied for
    own = ctx.session.scalar(select(BenefitApplication).where(BenefitApplication.instance_id == ctx.instance_id).limit(1))
    rules = programme_rules.version(ctx.session, own.rules_version if own else None, now=ctx.now)
    interval = rules.interval(kind)
    if interval is None:
        raise InvalidData(f"激励项目须为：{'、'.join(rules.labels('incentives').values())}", field="kind")
    ship = ctx.session.scalar(select(Mentorship).where(Mentorship.mentor_id == person.id)
                              .order_by(Mentorship.id.desc()).limit(1))
    entry = ctx.session.get(PoolEntry, ship.pool_entry_id) if ship else None
    unit = ctx.session.get(OrgUnit, person.unit_id) if person.unit_id else None
    today = dates.local_date(ctx.now)

    def years_since_last(k) -> int:
        """Calendar years since the kind was last granted or applied for (99: never); the notice
        counts in years (每年, 每两年, 每3年), so 2015 -> 2017 is two years."""
        years = ctx.session.scalars(select(BenefitApplication.year).where(
            BenefitApplication.person_id == person.id, BenefitApplication.kind == k,
            BenefitApplication.status.in_(("approved", "pending")),
            BenefitApplication.id != (own.id if own else -1))).all()
        return min((today.year - y for y in years), default=99)

    outstanding = ctx.session.scalar(select(func.count()).select_from(Assessment).where(
        Assessment.mentorship_id == (ship.id if ship else -1), Assessment.outstanding.is_(True))) > 0
    if own is not None and own.person_id != person.id:
        raise InvalidData("激励申请的培带人不能更改", field="mentor_id")
    facts = {
        "mentor_active": bool(entry and entry.status == "active"),   # in the pool, not disqualified
        "unit_id": person.unit_id, "unit_kind": unit.kind if unit else "", "unit_name": unit.name if unit else "",
        "from_outside_city": bool(data.get("from_outside_city")), "works_in_urban_area": bool(data.get("works_in_urban_area")),
        "has_urban_housing": bool(data.get("has_urban_housing")),
        "outstanding": outstanding,
        "benefit_eligible": False, "benefit_reason": "不符合申请条件",
        # the rules' interval for the kind applied for (0: no limit) and the years since it was last granted
        "interval_years": interval, "years_since_last": years_since_last(kind),
        "kind_label": rules.labels("incentives")[kind],
    }
    row = own or BenefitApplication(person_id=person.id, year=today.year, status="pending", applied_at=ctx.now,
                                    instance_id=ctx.instance_id, rules_version=rules.version)
    row.kind = kind
    ctx.session.add(row)
    ctx.session.flush()
    data.update(facts)
    data["application_id"] = row.id
    return {"application_id": row.id}


def benefit_record(ctx, mentor_id):
    data = ctx.task.data
    row = owned_row(ctx, BenefitApplication, data.get("application_id"), "激励申请")
    row.reason = str(data.get("benefit_reason") or "")
    if not data.get("benefit_eligible"):
        row.status, row.decided_at = "ineligible", ctx.now
    return {"eligible": bool(data.get("benefit_eligible")), "reason": row.reason}


def benefit_decide(ctx, application_id):
    data = ctx.task.data
    row = owned_row(ctx, BenefitApplication, application_id, "激励申请")
    # the form (benefit_decision) requires a decision, and an opinion to decline
    decision, comment = data.get("benefit_decision"), str(data.get("comment") or "").strip()
    data["comment"] = ""
    row.status, row.decided_at = ("approved" if decision == "approve" else "declined"), ctx.now
    person = ctx.session.get(Person, row.person_id)
    notify(ctx, "decision_result", [person.username], {
        "kind": "benefit", "id": row.id, "name": person.name, "outcome": row.status,
        "outcome_label": "同意" if decision == "approve" else "不同意", "comment": comment}, f"benefit:{row.id}:result")
    return {"status": row.status}
