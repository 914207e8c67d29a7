"""Service-task operations of the programme: ``OPERATIONS[name](ctx, **params)``.

Each handler runs inside the engine's transaction (``ctx.session``), keeps the programme's tables
(:mod:`workflows.tables`) up to date, writes what the following BPMN elements need into the task
data (``ctx.task.data``), and emits side effects to the outbox. The rules themselves live in the
models: gateways, the DMN tables ``eligibility`` and ``benefit_eligibility``, the forms and the
``programme_rules`` script of ``selection_round``. Handlers compute facts (ages, dates, counts)
and record outcomes.

Bad input raises :class:`engine.InvalidData` with a Chinese message; the engine rolls the whole
command back, so the task stays open.

Notifications (topic ``notify``), templates and context keys:

* ``deadline_reminder``: round_id, year, deadline, days_left, unit_id, unit_name
* ``deadline_escalation``: round_id, year, deadline, units (names), count
* ``returned_for_revision``: kind (nomination|agreement), id, name, unit_name, comment
* ``decision_result``: kind (nomination|benefit), id, name, outcome, outcome_label, comment
* ``certificate_issued``: certificate_id, number, name, unit_name, year
* ``assessment_due``: assessment_id, mentorship_id, mentor_name, year_no, unit_name, due
* ``disqualified``: mentorship_id, mentor_name, certificate_number, unit_name, year_no, reason
* ``period_completed``: mentorship_id, mentor_name, unit_name, mentees (names)
* ``round_due``: round_id, last_year, next_year
"""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from engine import InvalidData, InvalidState
from engine.identity import upsert_user, users_holding

from . import dates
from .tables import (
    Activity,
    Assessment,
    BenefitApplication,
    Certificate,
    ExpertOpinion,
    Mentee,
    Mentorship,
    Nomination,
    OrgUnit,
    Person,
    PoolEntry,
    Round,
    SecondTierCandidate,
)

PANELS = ("professional", "skilled", "rural")
# a unit "has submitted" once one of its nominations passed its own review
SUBMITTED = ("submitted", "in_review", "recommended", "not_recommended", "declined", "appointed")
OUTCOME_LABELS = {"rejected": "单位不予推荐", "withdrawn": "已撤回", "not_recommended": "评审委员会未推荐",
                  "declined": "未获签批", "appointed": "已聘任为人才培带人", "approved": "同意", "ineligible": "不符合条件"}


# ----------------------------------------------------------------------------- helpers


def _notify(ctx, template: str, users, context: dict, key: str) -> None:
    users = sorted(set(u for u in users if u))
    if users:
        ctx.emit("notify", {"template": template, "users": users, "context": context}, key)


def _holders(ctx, role: str, scope=None) -> list[str]:
    return users_holding(ctx.session, role, None if scope is None else str(scope))


def _section(ctx) -> list[str]:
    return users_holding(ctx.session, "talent_section", None)


def _get(ctx, table, id_, what: str):
    row = ctx.session.get(table, int(id_)) if id_ is not None else None
    if row is None:
        raise InvalidState(f"{what} {id_} 不存在")
    return row


def _unit_name(ctx, unit_id) -> str:
    unit = ctx.session.get(OrgUnit, unit_id) if unit_id else None
    return unit.name if unit else str(unit_id or "")


def _addressed_units(ctx) -> list[OrgUnit]:
    return list(ctx.session.scalars(select(OrgUnit).where(OrgUnit.active.is_(True), OrgUnit.kind != "section")
                                    .order_by(OrgUnit.sort, OrgUnit.id)))


def _units_not_submitted(ctx, round_id: int) -> list[OrgUnit]:
    done = set(ctx.session.scalars(select(Nomination.unit_id).where(
        Nomination.round_id == round_id, Nomination.status.in_(SUBMITTED)).distinct()))
    return [u for u in _addressed_units(ctx) if u.id not in done]


# ----------------------------------------------------------------------------- selection round


def round_open(ctx):
    data = ctx.task.data
    rules = data.get("programme_rules") or {}
    year = int(data.get("year") or dates.local_date(ctx.now).year)
    if data.get("deadline"):
        value = str(data["deadline"])
        deadline = dates.end_of_day(dates.parse_date(value)) if len(value) <= 10 else dates.parse_moment(value)
    else:
        month, day = (int(x) for x in rules.get("deadline_month_day", "06-30").split("-"))
        deadline = dates.end_of_day(dates.date(year, month, day))
    if deadline <= ctx.now:
        raise InvalidData(f"报送截止时间 {dates.local_date(deadline)} 已过，请重新设置")
    days = [int(d) for d in (data.get("reminder_days") or rules.get("reminder_days") or [])]
    round_id = data.get("round_id")
    row = ctx.session.get(Round, int(round_id)) if round_id else ctx.session.scalar(select(Round).where(Round.year == year))
    if row is not None and row.instance_id not in (None, ctx.instance_id):
        raise InvalidData(f"{year}年度的评选已经开启")
    if row is None:
        row = Round(year=year, opened_at=ctx.now)
        ctx.session.add(row)
    row.title = data.get("title") or f"{year}年度人才培带人评选"
    row.deadline = deadline
    row.status = "open"
    row.experts_per_panel = int(data.get("experts_per_panel") or rules.get("experts_per_panel", 5))
    row.rule_num = int(data.get("rule_num") or rules.get("rule_num", 2))
    row.rule_den = int(data.get("rule_den") or rules.get("rule_den", 3))
    row.reminder_days = json.dumps(days)
    row.instance_id = ctx.instance_id
    ctx.session.flush()
    data.update({
        "round_id": row.id, "year": year, "title": row.title, "closes_at": dates.iso(deadline), "reminder_index": 0,
        "reminders": [{"days": d, "at": dates.iso(dates.days_before(deadline, d))}
                      for d in sorted(set(days), reverse=True) if dates.days_before(deadline, d) > ctx.now],
        "next_round_at": dates.iso(dates.at_local(dates.add_years(dates.local_date(deadline), int(rules.get("cycle_years", 3))) - timedelta(days=90))),
    })
    return {"round_id": row.id, "deadline": str(dates.local_date(deadline))}


def round_remind(ctx, round_id, days):
    row = _get(ctx, Round, round_id, "评选")
    if row.status != "open" or ctx.now > row.deadline:
        return {"units": 0}
    units = _units_not_submitted(ctx, row.id)
    for unit in units:
        users = _holders(ctx, "unit_submitter", unit.id) + _holders(ctx, "unit_reviewer", unit.id)
        _notify(ctx, "deadline_reminder", users, {
            "round_id": row.id, "year": row.year, "deadline": str(dates.local_date(row.deadline)), "days_left": int(days),
            "unit_id": unit.id, "unit_name": unit.name}, f"round:{row.id}:remind:{days}:{unit.id}")
    return {"units": len(units), "days": int(days)}


def round_escalate(ctx, round_id):
    row = _get(ctx, Round, round_id, "评选")
    units = _units_not_submitted(ctx, row.id)
    if units:
        _notify(ctx, "deadline_escalation", _section(ctx), {
            "round_id": row.id, "year": row.year, "deadline": str(dates.local_date(row.deadline)),
            "units": [u.name for u in units], "count": len(units)}, f"round:{row.id}:escalate")
    return {"units": [u.id for u in units]}


def round_close(ctx, round_id):
    row = _get(ctx, Round, round_id, "评选")
    row.status, row.closed_at = "closed", ctx.now
    counts = dict(ctx.session.execute(select(Nomination.category, func.count()).where(
        Nomination.round_id == row.id, Nomination.status.in_(SUBMITTED)).group_by(Nomination.category)).all())
    return {"submitted": sum(counts.values()), "by_category": counts}


def round_publish(ctx, round_id):
    row = _get(ctx, Round, round_id, "评选")
    row.status, row.published_at = "published", ctx.now
    appointed = ctx.session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.round_id == row.id, Nomination.status == "appointed"))
    return {"appointed": appointed}


def round_next_due(ctx, round_id):
    row = _get(ctx, Round, round_id, "评选")
    cycle = int((ctx.task.data.get("programme_rules") or {}).get("cycle_years", 3))
    _notify(ctx, "round_due", _section(ctx), {"round_id": row.id, "last_year": row.year, "next_year": row.year + cycle},
            f"round:{row.id}:next_due")
    return {"next_year": row.year + cycle}


# ----------------------------------------------------------------------------- nomination


def nomination_register(ctx, round_id, unit_id):
    data = ctx.task.data
    if round_id is None:
        raise InvalidData("请选择评选轮次")
    rnd = ctx.session.get(Round, int(round_id))
    if rnd is None:
        raise InvalidData(f"评选轮次 {round_id} 不存在")
    if rnd.status != "open" or ctx.now > rnd.deadline:
        raise InvalidData(f"{rnd.year}年度评选已于{dates.local_date(rnd.deadline)}截止，不能再推荐")
    unit = ctx.session.get(OrgUnit, str(unit_id)) if unit_id else None
    if unit is None or unit.kind == "section":
        raise InvalidData("推荐单位不存在")
    nom = ctx.session.get(Nomination, int(data["nomination_id"])) if data.get("nomination_id") else None
    if nom is None:
        nom = Nomination(round_id=rnd.id, unit_id=unit.id, status="draft", created_by=ctx.actor.username, created_at=ctx.now)
        ctx.session.add(nom)
        ctx.session.flush()
    nom.instance_id = ctx.instance_id
    data.update({"nomination_id": nom.id, "round_id": rnd.id, "round_year": rnd.year, "unit_name": unit.name,
                 "closes_at": dates.iso(rnd.deadline), "deadline_date": str(dates.local_date(rnd.deadline))})
    if not data.get("title"):
        data["title"] = f"{unit.name}推荐人选（{rnd.year}年度）"
    return {"nomination_id": nom.id}


def nomination_check_eligibility(ctx, nomination_id):
    """Facts the DMN needs, counted as of the round deadline (Asia/Shanghai)."""
    data = ctx.task.data
    nom = _get(ctx, Nomination, nomination_id, "推荐")
    rnd = ctx.session.get(Round, nom.round_id)
    if ctx.now > rnd.deadline:
        raise InvalidData(f"{rnd.year}年度评选已于{dates.local_date(rnd.deadline)}截止，不能再提交；如不再推荐请撤回")
    missing = [label for key, label in (("name", "姓名"), ("birth_date", "出生日期"), ("chifeng_since", "在赤峰市工作起始日期"),
                                        ("talent_type", "人才类型")) if not data.get(key)]
    if missing:
        raise InvalidData("请填写：" + "、".join(missing))
    try:
        birth, since = dates.parse_date(data["birth_date"]), dates.parse_date(data["chifeng_since"])
    except ValueError:
        raise InvalidData("日期格式应为 YYYY-MM-DD")
    on = dates.local_date(rnd.deadline)
    if birth >= on or since > on:
        raise InvalidData("出生日期或在赤峰市工作起始日期不能晚于报送截止日")
    talent_type = data["talent_type"]
    category = talent_type if talent_type in PANELS else data.get("panel")
    if category not in PANELS:
        raise InvalidData("请选择评审类别（专业技术、高技能或农村牧区实用人才）")
    facts = {
        "age": dates.full_years(birth, on), "years_in_chifeng": dates.full_years(since, on),
        "exceptional": bool(data.get("exceptional")),
        "has_exceptional_reason": bool(str(data.get("exceptional_reason") or "").strip()),
        "degree": data.get("degree") or "none", "title_level": data.get("title_level") or "none",
        "skill_level": data.get("skill_level") or "none",
        "skill_honours_count": len(data.get("skill_honours") or []), "rural_kind_count": len(data.get("rural_kinds") or []),
        "has_approval_ref": bool(str(data.get("approval_ref") or "").strip()), "category": category,
        "reason_code": [], "reason": [],
    }
    data.update(facts)
    application = {k: data.get(k) for k in (
        "name", "gender", "birth_date", "ethnicity", "political_status", "id_number", "workplace", "phone", "chifeng_since",
        "talent_type", "panel", "education", "degree", "title_level", "skill_level", "skill_honours", "rural_kinds",
        "programmes", "approval_ref", "exceptional", "exceptional_reason", "awards", "achievements", "recommendation",
        "attachments")}
    nom.name, nom.gender, nom.birth_date, nom.chifeng_since = data["name"], data.get("gender"), birth, since
    nom.talent_type, nom.category, nom.degree, nom.title_level = talent_type, category, facts["degree"], facts["title_level"]
    nom.age, nom.years_in_chifeng, nom.exceptional = facts["age"], facts["years_in_chifeng"], facts["exceptional"]
    nom.exceptional_reason = str(data.get("exceptional_reason") or "")
    nom.application_json = json.dumps(application, ensure_ascii=False, default=str)
    nom.revision += 1
    data["title"] = f"{data['name']}（{_unit_name(ctx, nom.unit_id)}，{rnd.year}年度）"
    return {"age": facts["age"], "years_in_chifeng": facts["years_in_chifeng"]}


def nomination_record_eligibility(ctx, nomination_id):
    data = ctx.task.data
    nom = _get(ctx, Nomination, nomination_id, "推荐")
    findings = [{"code": c, "level": "error" if c.startswith("E_") else "warning", "reason": r}
                for c, r in zip(data.get("reason_code") or [], data.get("reason") or [])]
    errors = [f["reason"] for f in findings if f["level"] == "error"]
    warnings = [f["reason"] for f in findings if f["level"] == "warning"]
    nom.eligible = not errors
    nom.eligibility_json = json.dumps(findings, ensure_ascii=False)
    data.update({"eligible": not errors, "eligibility_errors": errors, "eligibility_warnings": warnings})
    if errors:
        nom.status = "ineligible"
        nom.last_comment = "；".join(errors)
        data.update({"unit_decision": "return", "review_comment": "不符合选拔条件：" + "；".join(errors)})
    else:
        nom.status = "draft"
        data["unit_decision"] = None
    return {"eligible": not errors, "errors": errors, "warnings": warnings}


def nomination_record_review(ctx, nomination_id):
    data = ctx.task.data
    nom = _get(ctx, Nomination, nomination_id, "推荐")
    decision = data.get("unit_decision")
    comment = str(data.get("comment") or "").strip()
    if decision not in ("approve", "return", "reject"):
        raise InvalidData("请选择审核结论：同意推荐、退回修改或不予推荐")
    if decision != "approve" and len(comment) < 2:
        raise InvalidData("退回修改或不予推荐时必须填写审核意见")
    data["review_comment"] = comment
    nom.last_comment = comment
    if decision == "return":
        nom.status, nom.returns = "returned", nom.returns + 1
        _notify(ctx, "returned_for_revision", _holders(ctx, "unit_submitter", nom.unit_id), {
            "kind": "nomination", "id": nom.id, "name": nom.name, "unit_name": _unit_name(ctx, nom.unit_id), "comment": comment},
            f"nomination:{nom.id}:returned:{nom.revision}")
    return {"decision": decision}


def nomination_submit(ctx, nomination_id):
    nom = _get(ctx, Nomination, nomination_id, "推荐")
    nom.status, nom.submitted_at = "submitted", ctx.now
    return {"status": nom.status}


def nomination_close(ctx, nomination_id, outcome):
    nom = _get(ctx, Nomination, nomination_id, "推荐")
    nom.status, nom.decided_at = outcome, ctx.now
    comment = str(ctx.task.data.get("comment") or "").strip() if outcome in ("rejected", "declined") else ""
    if outcome != "withdrawn":
        users = _holders(ctx, "unit_submitter", nom.unit_id) + _holders(ctx, "unit_reviewer", nom.unit_id)
        _notify(ctx, "decision_result", users, {
            "kind": "nomination", "id": nom.id, "name": nom.name, "outcome": outcome,
            "outcome_label": OUTCOME_LABELS.get(outcome, outcome), "comment": comment}, f"nomination:{nom.id}:result")
    return {"status": outcome}


# ----------------------------------------------------------------------------- committee and appointment


def committee_assign(ctx, nomination_id):
    """Experts of the nomination's category; how many and the decision rule come from the round."""
    data = ctx.task.data
    nom = _get(ctx, Nomination, nomination_id, "推荐")
    rnd = ctx.session.get(Round, nom.round_id)
    pool = _holders(ctx, "expert", nom.category)
    if not pool:
        raise InvalidState(f"“{nom.category}”类别没有评审专家，请先在用户管理中配置")
    n = max(1, min(rnd.experts_per_panel, len(pool)))
    start = nom.id % len(pool)
    experts = (pool[start:] + pool[:start])[:n]
    nom.status, nom.experts = "in_review", len(experts)
    data.update({"experts": experts, "rule_num": rnd.rule_num, "rule_den": rnd.rule_den,
                 "committee_note": (data.get("eligibility_warnings") or [])})
    return {"experts": experts, "rule": f"{rnd.rule_num}/{rnd.rule_den}"}


def committee_record(ctx, nomination_id):
    data = ctx.task.data
    nom = _get(ctx, Nomination, nomination_id, "推荐")
    opinions = data.get("opinions") or []
    scores = []
    for expert, opinion in zip(data.get("experts") or [], opinions):
        opinion = opinion or {}
        if opinion.get("score") is not None:
            scores.append(int(opinion["score"]))
        if ctx.session.scalar(select(ExpertOpinion.id).where(ExpertOpinion.nomination_id == nom.id, ExpertOpinion.expert == expert)) is None:
            ctx.session.add(ExpertOpinion(nomination_id=nom.id, expert=expert, vote=str(opinion.get("vote") or "abstain"),
                                          score=opinion.get("score"), comment=str(opinion.get("comment") or ""), at=ctx.now))
    nom.agree = int(data.get("agree") or 0)
    nom.average_score = round(sum(scores) / len(scores)) if scores else None
    if data.get("recommended"):
        nom.status = "recommended"
    return {"agree": nom.agree, "experts": len(opinions), "recommended": bool(data.get("recommended"))}


def certificate_issue(ctx, nomination_id):
    data = ctx.task.data
    nom = _get(ctx, Nomination, nomination_id, "推荐")
    existing = ctx.session.scalar(select(Certificate).where(Certificate.nomination_id == nom.id))
    if existing is not None:
        data.update({"certificate_id": existing.id, "certificate_number": existing.number, "person_id": existing.person_id})
        return {"certificate_id": existing.id, "number": existing.number}
    rnd = ctx.session.get(Round, nom.round_id)
    app = json.loads(nom.application_json or "{}")
    person = Person(name=nom.name, gender=nom.gender, birth_date=nom.birth_date, unit_id=nom.unit_id,
                    workplace=str(app.get("workplace") or ""), phone=str(app.get("phone") or ""))
    ctx.session.add(person)
    ctx.session.flush()
    prefix = f"CFPD-{rnd.year}-"
    last = ctx.session.scalar(select(func.max(Certificate.number)).where(Certificate.number.like(prefix + "%")))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    cert = Certificate(number=f"{prefix}{seq:04d}", nomination_id=nom.id, person_id=person.id, round_id=rnd.id,
                       issued_at=ctx.now, status="valid")
    ctx.session.add(cert)
    ctx.session.flush()
    nom.person_id, nom.decided_at = person.id, ctx.now
    users = _holders(ctx, "unit_submitter", nom.unit_id) + _holders(ctx, "unit_reviewer", nom.unit_id) + _section(ctx)
    _notify(ctx, "certificate_issued", users, {"certificate_id": cert.id, "number": cert.number, "name": nom.name,
                                               "unit_name": _unit_name(ctx, nom.unit_id), "year": rnd.year},
            f"certificate:{cert.id}:issued")
    ctx.emit("document/render", {"kind": "certificate", "id": cert.id}, f"certificate:{cert.id}:render")
    data.update({"certificate_id": cert.id, "certificate_number": cert.number, "person_id": person.id})
    return {"certificate_id": cert.id, "number": cert.number}


def pool_enter(ctx, nomination_id):
    data = ctx.task.data
    nom = _get(ctx, Nomination, nomination_id, "推荐")
    cert = ctx.session.scalar(select(Certificate).where(Certificate.nomination_id == nom.id))
    entry = ctx.session.scalar(select(PoolEntry).where(PoolEntry.certificate_id == cert.id))
    if entry is None:
        entry = PoolEntry(person_id=cert.person_id, certificate_id=cert.id, round_id=nom.round_id, unit_id=nom.unit_id,
                          category=nom.category, status="active", entered_at=ctx.now)
        ctx.session.add(entry)
        ctx.session.flush()
    nom.status = "appointed"
    data["pool_entry_id"] = entry.id
    return {"pool_entry_id": entry.id}


def mentor_username(person_id: int) -> str:
    return f"mentor{person_id}"


def mentoring_start(ctx, nomination_id):
    """Give the new mentor a log-in (role ``mentor`` scoped to the person) and start ``mentoring``."""
    data = ctx.task.data
    nom = _get(ctx, Nomination, nomination_id, "推荐")
    person = ctx.session.get(Person, nom.person_id)
    entry = ctx.session.get(PoolEntry, int(data["pool_entry_id"]))
    if not person.username:
        person.username = mentor_username(person.id)
        upsert_user(ctx.session, person.username, person.name, memberships=[("mentor", str(person.id))])
    ship = Mentorship(mentor_id=person.id, pool_entry_id=entry.id, unit_id=nom.unit_id, status="agreement")
    ctx.session.add(ship)
    ctx.session.flush()
    rnd = ctx.session.get(Round, nom.round_id)
    ship.instance_id = ctx.start_instance("mentoring", {
        "mentorship_id": ship.id, "mentor_id": person.id, "mentor_name": person.name, "unit_id": nom.unit_id,
        "category": nom.category, "round_id": rnd.id, "certificate_number": data.get("certificate_number"),
        "title": f"{person.name}的人才培带（{rnd.year}年度聘任）"})
    data["mentorship_id"] = ship.id
    return {"mentorship_id": ship.id, "instance_id": ship.instance_id}


# ----------------------------------------------------------------------------- mentoring


def mentoring_register_mentees(ctx, mentorship_id):
    data = ctx.task.data
    ship = _get(ctx, Mentorship, mentorship_id, "培带关系")
    mentees = data.get("mentees") or []
    if not isinstance(mentees, list) or len(mentees) != 5:
        raise InvalidData(f"按“1带5”的要求须登记五名培带对象，当前登记了{len(mentees) if isinstance(mentees, list) else 0}名")
    # each mentee is an object or a line "姓名，单位及职务，专业领域" (what the web form sends)
    mentees = [m if isinstance(m, dict) else dict(zip(("name", "workplace", "field"),
                                                       [p.strip() for p in str(m).replace(",", "，").split("，")]))
               for m in mentees]
    names = [str((m or {}).get("name") or "").strip() for m in mentees]
    if not all(names):
        raise InvalidData("培带对象姓名不能为空")
    if len(set(names)) != 5:
        raise InvalidData("培带对象不能重复登记")
    try:
        period = int(data.get("period_years") or 0)
    except (TypeError, ValueError):
        period = 0
    if period not in (2, 3):
        raise InvalidData("培带期须为2年或3年")
    for old in ctx.session.scalars(select(Mentee).where(Mentee.mentorship_id == ship.id)):
        ctx.session.delete(old)
    ids = []
    for m, name in zip(mentees, names):
        person = Person(name=name, gender=m.get("gender"), birth_date=dates.parse_date(m.get("birth_date")),
                        unit_id=ship.unit_id, workplace=str(m.get("workplace") or ""), phone=str(m.get("phone") or ""))
        ctx.session.add(person)
        ctx.session.flush()
        mentee = Mentee(mentorship_id=ship.id, person_id=person.id, field=str(m.get("field") or ""), status="active")
        ctx.session.add(mentee)
        ctx.session.flush()
        ids.append(mentee.id)
    ship.period_years, ship.indicators = period, str(data.get("indicators") or "")
    data["mentee_ids"] = ids
    return {"mentees": ids, "period_years": period}


def mentoring_record_agreement(ctx, mentorship_id):
    data = ctx.task.data
    ship = _get(ctx, Mentorship, mentorship_id, "培带关系")
    decision, comment = data.get("agreement_decision"), str(data.get("comment") or "").strip()
    if decision not in ("confirm", "return"):
        raise InvalidData("请选择：确认或退回修改")
    if decision == "return":
        if len(comment) < 2:
            raise InvalidData("退回联系书时必须填写意见")
        mentor = ctx.session.get(Person, ship.mentor_id)
        _notify(ctx, "returned_for_revision", [mentor.username], {
            "kind": "agreement", "id": ship.id, "name": mentor.name, "unit_name": _unit_name(ctx, ship.unit_id),
            "comment": comment}, f"agreement:{ship.id}:returned:{ctx.task.uuid}")
    else:
        ship.agreement_confirmed_at = ctx.now
    return {"decision": decision}


def mentoring_start_period(ctx, mentorship_id):
    """The period starts when the unit confirms the agreement; anniversaries in Asia/Shanghai."""
    data = ctx.task.data
    ship = _get(ctx, Mentorship, mentorship_id, "培带关系")
    start = dates.local_date(ctx.now)
    ship.status, ship.started_at = "active", ctx.now
    anniversaries = [{"year": k, "at": dates.iso(dates.at_local(dates.add_years(start, k)))} for k in range(1, ship.period_years + 1)]
    ship.ends_at = dates.at_local(dates.add_years(start, ship.period_years))
    data.update({"anniversaries": anniversaries, "year_index": 0, "period_end": dates.iso(ship.ends_at), "period_years": ship.period_years})
    return {"start": str(start), "end": str(dates.local_date(ship.ends_at))}


def mentoring_record_plans(ctx, mentorship_id):
    data = ctx.task.data
    for mentee_id, plan in zip(data.get("mentee_ids") or [], data.get("training_plans") or []):
        mentee = ctx.session.get(Mentee, int(mentee_id))
        if mentee is not None and mentee.mentorship_id == int(mentorship_id):
            mentee.plan_json = json.dumps(plan or {}, ensure_ascii=False, default=str)
    return {"plans": len(data.get("training_plans") or [])}


def activity_log(ctx, mentorship_id):
    data = ctx.task.data
    ship = _get(ctx, Mentorship, mentorship_id, "培带关系")
    if ship.status != "active":
        raise InvalidData("培带期未开始或已结束，不能记录培带活动")
    if data.get("kind") not in ("lecture", "guidance", "training", "exchange"):
        raise InvalidData("请选择活动类型：专题讲座、技术辅导、培训授课或交流活动")
    subject = str(data.get("subject") or "").strip()
    if len(subject) < 2:
        raise InvalidData("请填写活动主题")
    try:
        held_on = dates.parse_date(data.get("held_on")) or dates.local_date(ctx.now)
    except ValueError:
        raise InvalidData("日期格式应为 YYYY-MM-DD")
    row = Activity(mentorship_id=ship.id, kind=data["kind"], held_on=held_on, subject=subject, hours=int(data.get("hours") or 0),
                   mentee_ids=json.dumps(data.get("attending") or [], ensure_ascii=False),
                   notes=str(data.get("notes") or ""), logged_by=ctx.actor.username, logged_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    return {"activity_id": row.id}


def assessment_start(ctx, mentorship_id, year_no):
    """On an anniversary: a separate ``assessment`` instance, so the mentoring instance stays small."""
    ship = _get(ctx, Mentorship, mentorship_id, "培带关系")
    if ship.status != "active":
        return {"started": False}
    mentor = ctx.session.get(Person, ship.mentor_id)
    iid = ctx.start_instance("assessment", {
        "mentorship_id": ship.id, "year_no": int(year_no), "final_year": int(year_no) >= (ship.period_years or 0),
        "unit_id": ship.unit_id, "mentor_id": ship.mentor_id, "mentor_name": mentor.name,
        "title": f"{mentor.name} 第{year_no}年度考核"})
    return {"started": True, "instance_id": iid}


def assessment_open(ctx, mentorship_id, year_no):
    data = ctx.task.data
    ship = _get(ctx, Mentorship, mentorship_id, "培带关系")
    row = ctx.session.scalar(select(Assessment).where(Assessment.mentorship_id == ship.id, Assessment.year_no == int(year_no)))
    if row is None:
        row = Assessment(mentorship_id=ship.id, year_no=int(year_no), unit_id=ship.unit_id, status="open",
                         instance_id=ctx.instance_id, opened_at=ctx.now)
        ctx.session.add(row)
        ctx.session.flush()
    mentor = ctx.session.get(Person, ship.mentor_id)
    _notify(ctx, "assessment_due", _holders(ctx, "unit_reviewer", ship.unit_id), {
        "assessment_id": row.id, "mentorship_id": ship.id, "mentor_name": mentor.name, "year_no": int(year_no),
        "unit_name": _unit_name(ctx, ship.unit_id), "due": str(dates.local_date(ctx.now + timedelta(days=30)))},
        f"assessment:{row.id}:due")
    data["assessment_id"] = row.id
    return {"assessment_id": row.id}


def assessment_record(ctx, assessment_id):
    data = ctx.task.data
    row = _get(ctx, Assessment, assessment_id, "年度考核")
    unit_result = data.get("result")
    final = data.get("final_result") or unit_result
    if unit_result not in ("qualified", "unqualified") or final not in ("qualified", "unqualified"):
        raise InvalidData("考核结果须为合格或不合格")
    row.unit_result, row.final_result, row.status = unit_result, final, final
    row.report = str(data.get("report") or "")
    row.outstanding = bool(data.get("outstanding")) and final == "qualified"
    row.section_comment = str(data.get("comment") or "")
    row.decided_at = ctx.now
    data["final_result"] = final
    return {"result": final}


def mentor_disqualify(ctx, mentorship_id):
    """不合格: certificate revoked, pool entry ended, mentees released, everyone notified, and the
    mentoring instance cancelled (after this commit, through the outbox)."""
    data = ctx.task.data
    ship = _get(ctx, Mentorship, mentorship_id, "培带关系")
    if ship.status == "disqualified":
        return {"already": True}
    reason = f"第{data.get('year_no')}年度考核不合格"
    ship.status, ship.ended_at, ship.end_reason = "disqualified", ctx.now, reason
    entry = ctx.session.get(PoolEntry, ship.pool_entry_id)
    entry.status, entry.ended_at, entry.end_reason = "ended", ctx.now, reason
    cert = ctx.session.get(Certificate, entry.certificate_id)
    cert.status, cert.revoked_at, cert.revoke_reason = "revoked", ctx.now, reason
    mentee_users = []
    for mentee in ctx.session.scalars(select(Mentee).where(Mentee.mentorship_id == ship.id, Mentee.status == "active")):
        mentee.status, mentee.released_at = "released", ctx.now
        mentee_users.append(ctx.session.get(Person, mentee.person_id).username)
    mentor = ctx.session.get(Person, ship.mentor_id)
    users = [mentor.username] + mentee_users + _holders(ctx, "unit_reviewer", ship.unit_id) + _section(ctx)
    _notify(ctx, "disqualified", users, {
        "mentorship_id": ship.id, "mentor_name": mentor.name, "certificate_number": cert.number,
        "unit_name": _unit_name(ctx, ship.unit_id), "year_no": data.get("year_no"), "reason": reason},
        f"mentorship:{ship.id}:disqualified")
    if ship.instance_id:
        ctx.emit("instance/cancel", {"instance_id": ship.instance_id, "reason": f"培带人资格已取消：{reason}"},
                 f"mentorship:{ship.id}:cancel")
    ctx.emit("document/render", {"kind": "certificate", "id": cert.id}, f"certificate:{cert.id}:revoked")
    return {"certificate": cert.number, "mentees_released": len(mentee_users)}


def mentoring_complete_period(ctx, mentorship_id):
    """培带期满: mentees who completed it become second-tier candidates (第二梯队)."""
    ship = _get(ctx, Mentorship, mentorship_id, "培带关系")
    if ship.status != "active":
        return {"second_tier": 0}
    ship.status, ship.ended_at, ship.end_reason = "completed", ctx.now, "培带期满"
    names = []
    for mentee in ctx.session.scalars(select(Mentee).where(Mentee.mentorship_id == ship.id, Mentee.status == "active")):
        mentee.status = "completed"
        person = ctx.session.get(Person, mentee.person_id)
        names.append(person.name)
        if ctx.session.scalar(select(SecondTierCandidate.id).where(SecondTierCandidate.person_id == person.id)) is None:
            ctx.session.add(SecondTierCandidate(person_id=person.id, mentee_id=mentee.id, mentorship_id=ship.id,
                                                unit_id=person.unit_id, since=ctx.now))
    mentor = ctx.session.get(Person, ship.mentor_id)
    _notify(ctx, "period_completed", [mentor.username] + _holders(ctx, "unit_reviewer", ship.unit_id) + _section(ctx), {
        "mentorship_id": ship.id, "mentor_name": mentor.name, "unit_name": _unit_name(ctx, ship.unit_id), "mentees": names},
        f"mentorship:{ship.id}:completed")
    return {"second_tier": len(names)}


# ----------------------------------------------------------------------------- incentives


def benefit_facts(ctx, mentor_id):
    data = ctx.task.data
    person = _get(ctx, Person, mentor_id, "培带人")
    kind = data.get("kind")
    if kind not in ("bus_card", "apartment", "health_check", "recuperation", "training_class", "commendation"):
        raise InvalidData("请选择申请项目")
    ship = ctx.session.scalar(select(Mentorship).where(Mentorship.mentor_id == person.id)
                              .order_by(Mentorship.id.desc()).limit(1))
    entry = ctx.session.get(PoolEntry, ship.pool_entry_id) if ship else None
    unit = ctx.session.get(OrgUnit, person.unit_id) if person.unit_id else None
    today = dates.local_date(ctx.now)

    def approved(k):
        return list(ctx.session.scalars(select(BenefitApplication).where(
            BenefitApplication.person_id == person.id, BenefitApplication.kind == k,
            BenefitApplication.status.in_(("approved", "pending")))))

    def years_since(k):
        rows = [r for r in approved(k) if r.status == "approved"]
        return min((dates.full_years(dates.local_date(r.decided_at or r.applied_at), today) for r in rows), default=99)

    outstanding = ctx.session.scalar(select(func.count()).select_from(Assessment).where(
        Assessment.mentorship_id == (ship.id if ship else -1), Assessment.outstanding.is_(True))) > 0
    row = BenefitApplication(person_id=person.id, kind=kind, year=today.year, status="pending", applied_at=ctx.now,
                             instance_id=ctx.instance_id)
    facts = {
        "mentor_active": bool(ship and ship.status in ("agreement", "active") and entry and entry.status == "active"),
        "unit_id": person.unit_id, "unit_kind": unit.kind if unit else "", "unit_name": unit.name if unit else "",
        "from_outside_city": bool(data.get("from_outside_city")), "works_in_urban_area": bool(data.get("works_in_urban_area")),
        "has_urban_housing": bool(data.get("has_urban_housing")),
        "years_since_health_check": years_since("health_check"),
        "had_this_year": any(r.year == today.year for r in approved(kind)),
        "outstanding": outstanding, "years_since_commendation": years_since("commendation"),
        "benefit_eligible": False, "benefit_reason": "不符合申请条件",
    }
    ctx.session.add(row)
    ctx.session.flush()
    data.update(facts)
    data["application_id"] = row.id
    return {"application_id": row.id}


def benefit_record(ctx, mentor_id):
    data = ctx.task.data
    row = _get(ctx, BenefitApplication, data["application_id"], "激励申请")
    row.reason = str(data.get("benefit_reason") or "")
    if not data.get("benefit_eligible"):
        row.status, row.decided_at = "ineligible", ctx.now
    return {"eligible": bool(data.get("benefit_eligible")), "reason": row.reason}


def benefit_decide(ctx, application_id):
    data = ctx.task.data
    row = _get(ctx, BenefitApplication, application_id, "激励申请")
    decision, comment = data.get("benefit_decision"), str(data.get("comment") or "").strip()
    if decision not in ("approve", "decline"):
        raise InvalidData("请选择审批结论")
    if decision == "decline" and len(comment) < 2:
        raise InvalidData("不同意时必须填写意见")
    row.status, row.decided_at = ("approved" if decision == "approve" else "declined"), ctx.now
    person = ctx.session.get(Person, row.person_id)
    _notify(ctx, "decision_result", [person.username], {
        "kind": "benefit", "id": row.id, "name": person.name, "outcome": row.status,
        "outcome_label": "同意" if decision == "approve" else "不同意", "comment": comment}, f"benefit:{row.id}:result")
    return {"status": row.status}


# ----------------------------------------------------------------------------- outbox deliverers


def deliver_cancel(payload: dict, message_id: int, system) -> None:
    """``instance/cancel``: end an instance after the command that decided it committed.
    Idempotent: an instance that already ended is left alone."""
    from engine import SYSTEM_ACTOR, NotFound

    try:
        system.engine.cancel(int(payload["instance_id"]), SYSTEM_ACTOR, payload.get("reason") or "已取消")
    except (InvalidState, NotFound):
        pass


OPERATIONS = {
    "round/open": round_open,
    "round/remind": round_remind,
    "round/escalate": round_escalate,
    "round/close": round_close,
    "round/publish": round_publish,
    "round/next_due": round_next_due,
    "nomination/register": nomination_register,
    "nomination/check_eligibility": nomination_check_eligibility,
    "nomination/record_eligibility": nomination_record_eligibility,
    "nomination/record_review": nomination_record_review,
    "nomination/submit": nomination_submit,
    "nomination/close": nomination_close,
    "committee/assign": committee_assign,
    "committee/record": committee_record,
    "certificate/issue": certificate_issue,
    "pool/enter": pool_enter,
    "mentoring/start": mentoring_start,
    "mentoring/register_mentees": mentoring_register_mentees,
    "mentoring/record_agreement": mentoring_record_agreement,
    "mentoring/start_period": mentoring_start_period,
    "mentoring/record_plans": mentoring_record_plans,
    "activity/log": activity_log,
    "assessment/start": assessment_start,
    "assessment/open": assessment_open,
    "assessment/record": assessment_record,
    "mentor/disqualify": mentor_disqualify,
    "mentoring/complete_period": mentoring_complete_period,
    "benefit/facts": benefit_facts,
    "benefit/record": benefit_record,
    "benefit/decide": benefit_decide,
}

DELIVERERS = {"instance/cancel": deliver_cancel}
