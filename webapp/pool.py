"""人才培带人库 and the talent section's figures: read-only queries on the programme's tables
(:mod:`workflows.tables`). Overseers see every unit; a unit reviewer its own units' mentors."""
from __future__ import annotations

from sqlalchemy import func, select

from engine import Actor
from webapp.params import as_id, as_int

POOL_ROLES = ("talent_section", "director", "admin", "unit_reviewer")
DASHBOARD_ROLES = ("talent_section", "director", "admin")


def tables():
    """The programme's table module, or None while it is not installed."""
    try:
        from workflows import tables as t
    except ModuleNotFoundError:
        return None
    return t if hasattr(t, "PoolEntry") else None


def filters_from(args) -> dict:
    out = {k: (args.get(k) or "").strip() or None for k in ("q", "category", "unit", "round", "status")}
    if out["round"] and as_int(out["round"], 1, 9999) is None:
        out["round"] = None
    return out


def unit_scope(actor: Actor) -> set[str] | None:
    """None: every unit; else the units whose mentors the actor may see."""
    if any(actor.holds(r, None) for r in ("talent_section", "director", "admin", "unit_reviewer")):
        return None
    return {s for r, s in actor.memberships if r == "unit_reviewer" and s}


def _pool_query(t, filters: dict, units: set[str] | None):
    mentees = (select(t.Mentorship.pool_entry_id, func.count(t.Mentee.id).label("n"))
               .join(t.Mentee, t.Mentee.mentorship_id == t.Mentorship.id)
               .where(t.Mentee.status != "released").group_by(t.Mentorship.pool_entry_id).subquery())
    q = (select(t.PoolEntry.id, t.Person.id.label("person_id"), t.Person.name, t.Person.gender, t.Person.title.label("job_title"),
                t.PoolEntry.unit_id, t.OrgUnit.name.label("unit"), t.PoolEntry.category, t.Round.year.label("round"),
                t.Certificate.number.label("certificate"), t.PoolEntry.status, t.PoolEntry.entered_at,
                func.coalesce(mentees.c.n, 0).label("mentees"))
         .join(t.Person, t.Person.id == t.PoolEntry.person_id)
         .join(t.OrgUnit, t.OrgUnit.id == t.PoolEntry.unit_id)
         .join(t.Round, t.Round.id == t.PoolEntry.round_id)
         .join(t.Certificate, t.Certificate.id == t.PoolEntry.certificate_id)
         .outerjoin(mentees, mentees.c.pool_entry_id == t.PoolEntry.id))
    if units is not None:
        q = q.where(t.PoolEntry.unit_id.in_(units or {"-"}))
    if filters.get("q"):
        like = f"%{filters['q']}%"
        q = q.where(t.Person.name.like(like) | t.Certificate.number.like(like))
    if filters.get("category"):
        q = q.where(t.PoolEntry.category == filters["category"])
    if filters.get("unit"):
        q = q.where(t.PoolEntry.unit_id == filters["unit"])
    if filters.get("round"):
        q = q.where(t.Round.year == int(filters["round"]))
    if filters.get("status"):
        q = q.where(t.PoolEntry.status == filters["status"])
    return q


def search(engine, filters: dict, actor: Actor | None = None, *, page: int = 1, per_page: int = 20):
    t = tables()
    if t is None:
        return [], 0
    q = _pool_query(t, filters, unit_scope(actor) if actor else None)
    with engine.sessions() as s:
        total = s.scalar(select(func.count()).select_from(q.subquery()))
        rows = s.execute(q.order_by(t.Round.year.desc(), t.Certificate.number).limit(per_page)
                         .offset((max(1, page) - 1) * per_page)).mappings().all()
    return [dict(r) for r in rows], total


def options(engine) -> dict:
    t = tables()
    if t is None:
        return {"units": [], "rounds": []}
    with engine.sessions() as s:
        return {"units": s.execute(select(t.OrgUnit.id, t.OrgUnit.name).where(t.OrgUnit.active.is_(True))
                                   .order_by(t.OrgUnit.sort, t.OrgUnit.id)).all(),
                "rounds": list(s.scalars(select(t.Round.year).order_by(t.Round.year.desc())))}


def mentor(engine, entry_id: int, actor: Actor) -> dict | None:
    """One pool entry with certificate, mentees, assessments, activities and benefits."""
    t = tables()
    if t is None:
        return None
    q = _pool_query(t, {}, unit_scope(actor)).where(t.PoolEntry.id == entry_id)
    with engine.sessions() as s:
        row = s.execute(q).mappings().first()
        if row is None:
            return None
        out = dict(row)
        cert = s.scalar(select(t.Certificate).join(t.PoolEntry, t.PoolEntry.certificate_id == t.Certificate.id)
                        .where(t.PoolEntry.id == entry_id))
        out["certificate_row"] = {"id": cert.id, "number": cert.number, "issued_at": cert.issued_at, "status": cert.status,
                                  "revoked_at": cert.revoked_at, "revoke_reason": cert.revoke_reason}
        ships = s.scalars(select(t.Mentorship).where(t.Mentorship.pool_entry_id == entry_id).order_by(t.Mentorship.id)).all()
        ship_ids = [m.id for m in ships]
        out["mentorships"] = [{"id": m.id, "status": m.status, "period_years": m.period_years, "started_at": m.started_at,
                               "ends_at": m.ends_at, "indicators": m.indicators} for m in ships]
        out["mentees"] = [dict(r) for r in s.execute(
            select(t.Person.name, t.Person.workplace, t.Mentee.field, t.Mentee.status)
            .join(t.Person, t.Person.id == t.Mentee.person_id).where(t.Mentee.mentorship_id.in_(ship_ids or [-1]))
            .order_by(t.Mentee.id)).mappings()]
        out["assessments"] = [dict(r) for r in s.execute(
            select(t.Assessment.year_no, t.Assessment.status, t.Assessment.unit_result, t.Assessment.final_result,
                   t.Assessment.decided_at).where(t.Assessment.mentorship_id.in_(ship_ids or [-1]))
            .order_by(t.Assessment.year_no)).mappings()]
        out["activities"] = [dict(r) for r in s.execute(
            select(t.Activity.held_on, t.Activity.kind, t.Activity.subject, t.Activity.hours)
            .where(t.Activity.mentorship_id.in_(ship_ids or [-1])).order_by(t.Activity.held_on.desc()).limit(50)).mappings()]
        out["benefits"] = [dict(r) for r in s.execute(
            select(t.BenefitApplication.year, t.BenefitApplication.kind, t.BenefitApplication.status, t.BenefitApplication.reason)
            .where(t.BenefitApplication.person_id == out["person_id"]).order_by(t.BenefitApplication.year.desc())).mappings()]
    return out


def dashboard(engine) -> dict:
    """Figures for the talent section: each is a list of rows, drawn as a chart and a table."""
    t = tables()
    empty = {"nominations": [], "deadline": [], "committee": [], "totals": {}, "assessments": [], "one_to_five": {},
             "second_tier": []}
    if t is None:
        return empty
    with engine.sessions() as s:
        units = dict(s.execute(select(t.OrgUnit.id, t.OrgUnit.name)).all())
        nominations = [dict(r) for r in s.execute(
            select(t.Nomination.unit_id, t.Nomination.category, t.Nomination.status, func.count().label("n"))
            .group_by(t.Nomination.unit_id, t.Nomination.category, t.Nomination.status)).mappings()]
        rows = s.execute(select(t.Nomination.unit_id, t.Round.year, t.Nomination.submitted_at, t.Round.deadline)
                         .join(t.Round, t.Round.id == t.Nomination.round_id)).all()
        per_unit: dict[tuple, dict] = {}
        for unit_id, year, submitted, due in rows:
            d = per_unit.setdefault((unit_id, year), {"unit_id": unit_id, "round": year, "total": 0, "on_time": 0, "late": 0, "missing": 0})
            d["total"] += 1
            if submitted is None:
                d["missing"] += 1
            elif submitted <= due:
                d["on_time"] += 1
            else:
                d["late"] += 1
        deadline = sorted(per_unit.values(), key=lambda d: (-d["round"], d["unit_id"]))
        votes = dict(s.execute(select(t.ExpertOpinion.nomination_id, func.count()).group_by(t.ExpertOpinion.nomination_id)).all())
        committee: dict[str, dict] = {}
        # 评审人选: the nominations handed to the committee (a review started), not drafts or those the unit kept
        for nid, category, experts, status in s.execute(select(t.Nomination.id, t.Nomination.category, t.Nomination.experts,
                                                               t.Nomination.status)
                                                        .where(t.Nomination.category.is_not(None),
                                                               t.Nomination.review_instance_id.is_not(None))):
            c = committee.setdefault(category, {"category": category, "nominations": 0, "opinions": 0, "expected": 0, "decided": 0})
            c["nominations"] += 1
            c["opinions"] += votes.get(nid, 0)
            c["expected"] += experts or 0
            c["decided"] += status in ("recommended", "not_recommended", "appointed", "declined")
        totals = {
            "mentors": s.scalar(select(func.count()).select_from(t.PoolEntry).where(t.PoolEntry.status == "active")) or 0,
            "mentees": s.scalar(select(func.count()).select_from(t.Mentee).where(t.Mentee.status == "active")) or 0,
            "certificates": s.scalar(select(func.count()).select_from(t.Certificate).where(t.Certificate.status == "valid")) or 0,
            "second_tier": s.scalar(select(func.count()).select_from(t.SecondTierCandidate)) or 0,
            "nominations": s.scalar(select(func.count()).select_from(t.Nomination)) or 0,
        }
        assessments = [dict(r) for r in s.execute(
            select(t.Assessment.year_no, t.Assessment.status, func.count().label("n"))
            .group_by(t.Assessment.year_no, t.Assessment.status).order_by(t.Assessment.year_no)).mappings()]
        per_ship = dict(s.execute(select(t.Mentee.mentorship_id, func.count()).where(t.Mentee.status != "released")
                                  .group_by(t.Mentee.mentorship_id)).all())
        ships = list(s.scalars(select(t.Mentorship.id).where(t.Mentorship.status.in_(("agreement", "active", "completed")))))
        one_to_five = {"mentorships": len(ships), "full": sum(1 for m in ships if per_ship.get(m, 0) >= 5),
                       "partial": sum(1 for m in ships if 0 < per_ship.get(m, 0) < 5),
                       "none": sum(1 for m in ships if per_ship.get(m, 0) == 0)}
        second_tier = [dict(r) for r in s.execute(
            select(t.SecondTierCandidate.unit_id, func.count().label("n")).group_by(t.SecondTierCandidate.unit_id)).mappings()]
    for row in nominations + deadline + second_tier:
        row["unit"] = units.get(row.get("unit_id"), row.get("unit_id") or "")
    return {"nominations": nominations, "deadline": deadline, "committee": sorted(committee.values(), key=lambda c: c["category"]),
            "totals": totals, "assessments": assessments, "one_to_five": one_to_five, "second_tier": second_tier}



def nomination_facts(engine, nomination_id) -> dict:
    """Eligibility findings and uploaded copies of a nomination, for the side of its task pages."""
    import json

    t = tables()
    if t is None or nomination_id is None:
        return {}
    with engine.sessions() as s:
        nid = as_id(nomination_id)
        nom = s.get(t.Nomination, nid) if nid is not None else None
        if nom is None:
            return {}
        findings = json.loads(nom.eligibility_json or "[]")
        application = json.loads(nom.application_json or "{}")
    return {
        "eligible": nom.eligible,
        "eligibility_errors": [f["reason"] for f in findings if f.get("level") == "error"],
        "eligibility_warnings": [f["reason"] for f in findings if f.get("level") != "error"],
        "attachments": application.get("attachments") or [],
    }


def round_labels(engine) -> dict[str, str]:
    """Round id (the inbox's batch) -> its year, for lists and the round filter."""
    t = tables()
    if t is None:
        return {}
    with engine.sessions() as s:
        return {str(i): str(y) for i, y in s.execute(select(t.Round.id, t.Round.year).order_by(t.Round.year.desc()))}


def nominations_by_instance(engine, instance_ids) -> dict[int, dict]:
    """instance id -> its nomination (candidate's name, round year, status, committee counts), for
    the lists that name things (我发起的) and the instance page."""
    t = tables()
    ids = [i for i in instance_ids if i is not None]
    if t is None or not ids:
        return {}
    review = getattr(t.Nomination, "review_instance_id", None)
    match = t.Nomination.instance_id.in_(ids)
    if review is not None:
        match = match | review.in_(ids)
    with engine.sessions() as s:
        rows = s.execute(select(t.Nomination.instance_id, t.Nomination.id, t.Nomination.name, t.Nomination.status,
                                t.Nomination.category, t.Nomination.agree, t.Nomination.experts, t.Round.year,
                                *([review.label("review_instance_id")] if review is not None else []))
                         .join(t.Round, t.Round.id == t.Nomination.round_id).where(match)).mappings().all()
    out = {}
    for r in rows:
        for key in ("instance_id", "review_instance_id"):
            if r.get(key) in ids:
                out[r[key]] = dict(r)
    return out


def mentee_name(engine, mentee_id) -> str | None:
    """The name of a mentee (培带对象), for the subject of the tasks about one mentee."""
    t = tables()
    mid = as_id(mentee_id)
    if t is None or mid is None:
        return None
    with engine.sessions() as s:
        return s.scalar(select(t.Person.name).join(t.Mentee, t.Mentee.person_id == t.Person.id).where(t.Mentee.id == mid))


def round_nominations(engine, round_id) -> list[dict]:
    """The round's nominations that reached the committee, in the list's order when there is one,
    each with its application (附件2 data) and the experts' opinions: the page that prepares, signs
    or publishes the list (拟定、签批、公布名单) shows every candidate's case."""
    import json

    t = tables()
    rid = as_id(round_id)
    if t is None or rid is None:
        return []
    rank = getattr(t.Nomination, "list_rank", None)
    list_status = getattr(t.Nomination, "list_status", None)
    extra = [c for c in (rank, list_status) if c is not None]
    order = ([rank.is_(None), rank] if rank is not None else []) + [t.Nomination.category, t.Nomination.id]
    with engine.sessions() as s:
        rows = s.execute(select(t.Nomination.id, t.Nomination.name, t.Nomination.unit_id, t.OrgUnit.name.label("unit"),
                                t.Nomination.category, t.Nomination.status, t.Nomination.agree, t.Nomination.experts,
                                t.Nomination.average_score, t.Nomination.instance_id, t.Nomination.application_json, *extra)
                         .join(t.OrgUnit, t.OrgUnit.id == t.Nomination.unit_id)
                         .where(t.Nomination.round_id == rid, t.Nomination.status.in_(REVIEWED))
                         .order_by(*order)).mappings().all()
        ids = [r["id"] for r in rows]
        opinions: dict[int, list] = {}
        for o in s.execute(select(t.ExpertOpinion.nomination_id, t.ExpertOpinion.expert, t.ExpertOpinion.vote,
                                  t.ExpertOpinion.score, t.ExpertOpinion.comment)
                           .where(t.ExpertOpinion.nomination_id.in_(ids or [-1])).order_by(t.ExpertOpinion.id)).mappings():
            opinions.setdefault(o["nomination_id"], []).append(dict(o))
    out = []
    for r in rows:
        r = dict(r)
        try:
            r["application"] = json.loads(r.pop("application_json") or "{}")
        except ValueError:
            r["application"] = {}
        r["opinions"] = opinions.get(r["id"], [])
        r["votes"] = {v: sum(1 for o in r["opinions"] if o["vote"] == v) for v in ("agree", "disagree", "abstain")}
        out.append(r)
    return out


# the nomination's statuses from the committee on (what the list pages show)
REVIEWED = ("in_review", "recommended", "not_recommended", "declined", "appointed", "listed", "signed", "struck")


def nomination_instance(engine, nomination_id) -> int | None:
    """The process instance of a nomination."""
    found = nomination_instances(engine, nomination_id)
    return found[0] if found else None


def nomination_instances(engine, nomination_id) -> list[int]:
    """The nomination's own process and, when the programme reviews it in a process of its own,
    that review's instance."""
    t = tables()
    nid = as_id(nomination_id)
    if t is None or nid is None:
        return []
    review = getattr(t.Nomination, "review_instance_id", None)
    columns = [t.Nomination.instance_id] + ([review] if review is not None else [])
    with engine.sessions() as s:
        row = s.execute(select(*columns).where(t.Nomination.id == nid)).first()
    return [i for i in (row or []) if i is not None]


def nomination_application(engine, nomination_id) -> dict | None:
    """The application (附件2 data) as last submitted, and when."""
    import json
    t = tables()
    nid = as_id(nomination_id)
    if t is None or nid is None:
        return None
    with engine.sessions() as s:
        row = s.execute(select(t.Nomination.application_json, t.Nomination.submitted_at, t.Nomination.created_at)
                        .where(t.Nomination.id == nid)).first()
    if row is None:
        return None
    try:
        application = json.loads(row.application_json or "{}")
    except ValueError:
        application = {}
    if not application:
        return None
    return {"application": application, "submitted_at": row.submitted_at or row.created_at}


def nomination_status(engine, nomination_id) -> str | None:
    t = tables()
    nid = as_id(nomination_id)
    if t is None or nid is None:
        return None
    with engine.sessions() as s:
        return s.scalar(select(t.Nomination.status).where(t.Nomination.id == nid))
