"""Nomination (推荐): application facts for the eligibility DMN, unit review, committee, sign-off
outcomes, certificate (聘书), mentor pool and the start of mentoring."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from engine import InvalidData, InvalidState, PermissionDenied
from engine.identity import upsert_user

from .. import dates
from .. import rules as programme_rules
from ..tables import (Certificate, ExpertOpinion, Mentorship, Nomination, OrgUnit, Person, PoolEntry, Round,
                      SecondTierCandidate)
from .common import (OUTCOME_LABELS, as_id, get_row, holders, notify, owned_row, require, same_as_record, section_users,
                     unit_name)


def nomination_register(ctx, round_id, unit_id):
    """The nomination is this instance's own record: created here (``instance_id``), never one
    whose id the start data names."""
    data = ctx.task.data
    if round_id is None:
        raise InvalidData("请选择评选轮次", field="round_id")
    rid = as_id(round_id)
    rnd = ctx.session.get(Round, rid) if rid is not None else None
    if rnd is None:
        raise InvalidData(f"评选轮次 {str(round_id)[:40]} 不存在", field="round_id")
    if rnd.status != "open" or ctx.now > rnd.deadline:
        raise InvalidData(f"{rnd.year}年度评选已于{dates.local_date(rnd.deadline)}截止，不能再推荐")
    unit = ctx.session.get(OrgUnit, unit_id) if isinstance(unit_id, str) and unit_id else None
    if unit is None or unit.kind == "section":
        raise InvalidData("推荐单位不存在", field="unit_id")
    require(ctx, ctx.actor.holds("unit_submitter", unit.id) or ctx.actor.has_role("talent_section"),
             f"您不能为{unit.name}推荐人选")
    nom = ctx.session.scalar(select(Nomination).where(Nomination.instance_id == ctx.instance_id).limit(1))
    if nom is None:
        nom = Nomination(round_id=rnd.id, unit_id=unit.id, status="draft", created_by=ctx.actor.username, created_at=ctx.now,
                         instance_id=ctx.instance_id, rules_version=programme_rules.current(ctx.session, now=ctx.now).version)
        ctx.session.add(nom)
        ctx.session.flush()
    elif (nom.round_id, nom.unit_id) != (rnd.id, unit.id):
        raise InvalidData("推荐的评选轮次和推荐单位不能更改")
    data.update({"nomination_id": nom.id, "round_id": rnd.id, "unit_id": unit.id, "round_year": rnd.year,
                 "unit_name": unit.name, "closes_at": dates.iso(rnd.deadline),
                 "deadline_date": str(dates.local_date(rnd.deadline)),
                 "filled_by": ctx.actor.username})   # who fills 附件2 (Task_Fill's assignee)
    draft = data.pop("draft", None)
    if isinstance(draft, dict):   # a row of an uploaded 附件1 (nomination/import): the application form starts from it
        for key, value in draft.items():
            data.setdefault(key, value)
        nom.name, nom.gender = str(draft.get("name") or ""), draft.get("gender")
        nom.birth_date = dates.parse_date(draft.get("birth_date"))
        data["title"] = f"{nom.name}（{unit.name}，{rnd.year}年度）"
    if not data.get("title"):
        data["title"] = f"{unit.name}推荐人选（{rnd.year}年度）"
    return {"nomination_id": nom.id}


def own_nomination(ctx, nomination_id, *, category: bool = True) -> Nomination:
    """This instance's nomination; the task data must still route it to its own unit, round
    (and, once known, category)."""
    nom = owned_row(ctx, Nomination, nomination_id, "推荐")
    fields = {"unit_id": "推荐单位", "round_id": "评选轮次"}
    if category:
        fields["category"] = "评审类别"
    same_as_record(ctx, nom, **fields)
    return nom


def nomination_check_eligibility(ctx, nomination_id):
    """Facts the DMN needs, counted as of the round deadline (Asia/Shanghai)."""
    data = ctx.task.data
    nom = own_nomination(ctx, nomination_id, category=False)   # a revision may change the category
    rnd = ctx.session.get(Round, nom.round_id)
    if ctx.now > rnd.deadline:
        raise InvalidData(f"{rnd.year}年度评选已于{dates.local_date(rnd.deadline)}截止，不能再提交；如不再推荐请撤回")
    # what must be filled in to submit, and the review category of the other talents: the form (application)
    try:
        birth, since = dates.parse_date(data["birth_date"]), dates.parse_date(data["chifeng_since"])
    except (KeyError, TypeError, ValueError):
        raise InvalidData("出生日期和在赤峰市工作起始日期应为 年-月-日，例如 1969-03-15") from None
    on = dates.local_date(rnd.deadline)
    if birth >= on or since > on:
        raise InvalidData("出生日期或在赤峰市工作起始日期不能晚于报送截止日")
    rules = programme_rules.version(ctx.session, nom.rules_version, now=ctx.now)
    talent_type = data["talent_type"]
    category = rules.panel_for(talent_type, data.get("panel"))
    if category is None:
        panels = "、".join(rules.labels("panels").values())
        raise InvalidData(f"请选择评审类别（{panels}）", field="panel")
    facts = {
        "age": dates.full_years(birth, on), "years_in_chifeng": dates.full_years(since, on),
        "exceptional": bool(data.get("exceptional")),
        "has_exceptional_reason": bool(str(data.get("exceptional_reason") or "").strip()),
        "degree": data.get("degree") or "none", "title_level": data.get("title_level") or "none",
        "skill_level": data.get("skill_level") or "none",
        "skill_honours_count": len(data.get("skill_honours") or []), "rural_kind_count": len(data.get("rural_kinds") or []),
        "has_approval_ref": bool(str(data.get("approval_ref") or "").strip()), "category": category,
        "second_tier": ctx.session.scalar(select(SecondTierCandidate.id).join(Person, Person.id == SecondTierCandidate.person_id)
                                          .where(Person.name == data["name"], Person.birth_date == birth).limit(1)) is not None,
        "reason_code": [], "reason": [],
        # the thresholds of the nomination's rules, for the eligibility DMN
        "max_age": rules["max_age"], "min_years_in_chifeng": rules["min_years_in_chifeng"],
    }
    levels = {k: data.get(k) for k in ("degree", "title_level", "skill_level")}  # as filled in (facts say "none")
    data.update(facts)
    application = {k: levels[k] if k in levels else data.get(k) for k in (
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
    data["title"] = f"{data['name']}（{unit_name(ctx, nom.unit_id)}，{rnd.year}年度）"
    data["filled_by"] = ctx.actor.username   # a return (or an ineligible submission) goes back to who submitted
    _deadline_now(data, rnd)
    return {"age": facts["age"], "years_in_chifeng": facts["years_in_chifeng"]}


def nomination_record_eligibility(ctx, nomination_id):
    data = ctx.task.data
    nom = own_nomination(ctx, nomination_id)
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
    return {"eligible": not errors, "reasons": errors, "warnings": warnings}  # shown beside the task form


def _deadline_now(data: dict, rnd: Round) -> None:
    """The round's deadline as it is now (the talent section may have extended it): the fill step
    that opens next (a return, an ineligible submission) is due then (its ``dueAt`` is ``closes_at``)."""
    data.update({"closes_at": dates.iso(rnd.deadline), "deadline_date": str(dates.local_date(rnd.deadline))})


def nomination_record_review(ctx, nomination_id):
    data = ctx.task.data
    nom = own_nomination(ctx, nomination_id)
    # the form (unit_review) requires a decision, and an opinion to return or reject
    decision = data.get("unit_decision")
    comment = str(data.get("comment") or "").strip()
    data["review_comment"] = comment
    data["comment"] = ""   # consumed: the next decision brings its own
    nom.last_comment = comment
    if decision == "approve":
        # 选拔条件1 (political and ethical): the form requires the reviewer to attest it to approve
        if data.get("conditions_attested") is not True:
            raise InvalidData("同意推荐须确认该人选符合选拔条件第1项", field="conditions_attested")
        nom.conditions_attested_by, nom.conditions_attested_at = ctx.actor.username, ctx.now
    if decision == "return":
        nom.status, nom.returns = "returned", nom.returns + 1
        _deadline_now(data, ctx.session.get(Round, nom.round_id))
        notify(ctx, "returned_for_revision", holders(ctx, "unit_submitter", nom.unit_id), {
            "kind": "nomination", "id": nom.id, "name": nom.name, "unit_name": unit_name(ctx, nom.unit_id), "comment": comment},
            f"nomination:{nom.id}:returned:{nom.revision}")
    return {"decision": decision}


def nomination_submit(ctx, nomination_id):
    nom = own_nomination(ctx, nomination_id)
    rnd = ctx.session.get(Round, nom.round_id)
    if rnd.status != "open" or ctx.now > rnd.deadline:
        raise InvalidData(f"{rnd.year}年度评选已于{dates.local_date(rnd.deadline)}截止，不能再报送")
    nom.status, nom.submitted_at = "submitted", ctx.now
    return {"status": nom.status}


def nomination_close(ctx, nomination_id, outcome):
    nom = own_nomination(ctx, nomination_id)
    data = ctx.task.data
    comment = ""
    if outcome == "rejected":
        comment = str(data.get("review_comment") or "")
    elif outcome == "declined":
        comment = str(data.get("comment") or "").strip()   # required to decline by the form (sign_off)
        data["comment"] = ""
    nom.status, nom.decided_at = outcome, ctx.now
    if outcome != "withdrawn":
        users = holders(ctx, "unit_submitter", nom.unit_id) + holders(ctx, "unit_reviewer", nom.unit_id)
        notify(ctx, "decision_result", users, {
            "kind": "nomination", "id": nom.id, "name": nom.name, "outcome": outcome,
            "outcome_label": OUTCOME_LABELS.get(outcome, outcome), "comment": comment}, f"nomination:{nom.id}:result")
    return {"status": outcome}


# ----------------------------------------------------------------------------- committee


def deliver_committee_start(payload: dict, message_id: int, system) -> None:
    """``committee/start`` (written by ``round/close``): one ``committee_review`` instance for a
    submitted nomination, started after the round's command committed. Idempotent: a nomination
    already under review (or no longer submitted) is left alone."""
    from engine import SYSTEM_ACTOR

    with system.engine.sessions() as s:
        nom = s.get(Nomination, int(payload["nomination_id"]))
        if nom is None or nom.review_instance_id is not None or nom.status != "submitted":
            return
        rnd = s.get(Round, nom.round_id)
        unit = s.get(OrgUnit, nom.unit_id)
        data = {"nomination_id": nom.id, "round_id": nom.round_id, "unit_id": nom.unit_id, "category": nom.category,
                "title": f"评审：{nom.name}（{unit.name if unit else nom.unit_id}，{rnd.year}年度）"}
    system.engine.start("committee_review", data, SYSTEM_ACTOR)


def reviewed_nomination(ctx, nomination_id) -> Nomination:
    """The nomination this ``committee_review`` instance reviews (the one naming it in
    ``review_instance_id``); the task data must still route it to its own unit, round and category."""
    nom = owned_row(ctx, Nomination, nomination_id, "推荐", column="review_instance_id")
    same_as_record(ctx, nom, unit_id="推荐单位", round_id="评选轮次", category="评审类别")
    return nom


def committee_assign(ctx, nomination_id):
    """The first step of a review the programme started for a submitted nomination of a closed
    round: the review takes the nomination (once), then the experts of its category; how many
    and the decision rule come from the round."""
    data = ctx.task.data
    nom = ctx.session.scalar(select(Nomination).where(Nomination.review_instance_id == ctx.instance_id).limit(1))
    if nom is None:
        if ctx.actor.username != "system":
            raise PermissionDenied("评审由评选截止时自动发起，不能手动发起")
        nom = get_row(ctx, Nomination, nomination_id, "推荐")
        rnd = ctx.session.get(Round, nom.round_id)
        if nom.status != "submitted" or nom.review_instance_id is not None or rnd.status == "open":
            raise InvalidData(f"推荐 {nom.id} 不在待评审状态")
        nom.review_instance_id = ctx.instance_id
    nom = reviewed_nomination(ctx, nomination_id)
    rnd = ctx.session.get(Round, nom.round_id)
    pool = holders(ctx, "expert", nom.category)
    if not pool:
        raise InvalidState(f"“{nom.category}”类别没有评审专家，请先在用户管理中配置")
    n = max(1, min(rnd.experts_per_panel, len(pool)))
    start = nom.id % len(pool)
    experts = (pool[start:] + pool[:start])[:n]
    nom.status, nom.experts = "in_review", len(experts)
    warnings = [f["reason"] for f in json.loads(nom.eligibility_json or "[]") if f.get("level") == "warning"]
    data.update({"experts": experts, "rule_num": rnd.rule_num, "rule_den": rnd.rule_den, "committee_note": warnings,
                 "nominee_name": nom.name, "exceptional": nom.exceptional, "exceptional_reason": nom.exceptional_reason})
    return {"experts": experts, "rule": f"{rnd.rule_num}/{rnd.rule_den}"}


def committee_record(ctx, nomination_id):
    """The committee's result; a candidate not recommended is told so, a recommended one waits
    for the list (推荐名单) the talent section prepares and the director signs."""
    data = ctx.task.data
    nom = reviewed_nomination(ctx, nomination_id)
    opinions = data.get("opinions") or []
    scores = []
    for expert, opinion in zip(data.get("experts") or [], opinions):
        opinion = opinion or {}
        if isinstance(opinion.get("score"), int) and not isinstance(opinion.get("score"), bool):
            scores.append(opinion["score"])
        if ctx.session.scalar(select(ExpertOpinion.id).where(ExpertOpinion.nomination_id == nom.id, ExpertOpinion.expert == expert)) is None:
            ctx.session.add(ExpertOpinion(nomination_id=nom.id, expert=expert, vote=str(opinion.get("vote") or "abstain"),
                                          score=opinion.get("score"), comment=str(opinion.get("comment") or ""), at=ctx.now))
    nom.agree = int(data.get("agree") or 0)
    nom.average_score = round(sum(scores) / len(scores)) if scores else None
    recommended = bool(data.get("recommended"))
    nom.status = "recommended" if recommended else "not_recommended"
    if not recommended:
        nom.decided_at = ctx.now
        users = holders(ctx, "unit_submitter", nom.unit_id) + holders(ctx, "unit_reviewer", nom.unit_id)
        notify(ctx, "decision_result", users, {
            "kind": "nomination", "id": nom.id, "name": nom.name, "outcome": "not_recommended",
            "outcome_label": OUTCOME_LABELS["not_recommended"], "comment": ""}, f"nomination:{nom.id}:result")
    return {"agree": nom.agree, "experts": len(opinions), "recommended": recommended}


# ----------------------------------------------------------------------------- appointment


def issue_certificate(ctx, nom: Nomination) -> Certificate:
    """聘书 for a candidate on the signed list: a person record and a unique number in the
    format of the round's rules. Idempotent."""
    existing = ctx.session.scalar(select(Certificate).where(Certificate.nomination_id == nom.id))
    if existing is not None:
        return existing
    rnd = ctx.session.get(Round, nom.round_id)
    app = json.loads(nom.application_json or "{}")
    person = Person(name=nom.name, gender=nom.gender, birth_date=nom.birth_date, unit_id=nom.unit_id,
                    workplace=str(app.get("workplace") or ""), phone=str(app.get("phone") or ""))
    ctx.session.add(person)
    ctx.session.flush()
    rules = programme_rules.version(ctx.session, rnd.rules_version, now=ctx.now)   # the round's format
    seq = ctx.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.round_id == rnd.id)) + 1
    number = rules.certificate_number(rnd.year, seq)
    while ctx.session.scalar(select(Certificate.id).where(Certificate.number == number)) is not None:
        seq += 1
        number = rules.certificate_number(rnd.year, seq)
    cert = Certificate(number=number, nomination_id=nom.id, person_id=person.id, round_id=rnd.id,
                       issued_at=ctx.now, status="valid", rules_version=rules.version)
    ctx.session.add(cert)
    ctx.session.flush()
    nom.person_id, nom.decided_at = person.id, ctx.now
    users = holders(ctx, "unit_submitter", nom.unit_id) + holders(ctx, "unit_reviewer", nom.unit_id) + section_users(ctx)
    notify(ctx, "certificate_issued", users, {"certificate_id": cert.id, "number": cert.number, "name": nom.name,
                                               "unit_name": unit_name(ctx, nom.unit_id), "year": rnd.year},
           f"certificate:{cert.id}:issued")
    ctx.emit("document/render", {"kind": "certificate", "id": cert.id}, f"certificate:{cert.id}:render")
    return cert


def enter_pool(ctx, nom: Nomination, cert: Certificate) -> PoolEntry:
    entry = ctx.session.scalar(select(PoolEntry).where(PoolEntry.certificate_id == cert.id))
    if entry is None:
        entry = PoolEntry(person_id=cert.person_id, certificate_id=cert.id, round_id=nom.round_id, unit_id=nom.unit_id,
                          category=nom.category, status="active", entered_at=ctx.now)
        ctx.session.add(entry)
        ctx.session.flush()
    nom.status = "appointed"
    return entry


def mentor_username(person_id: int) -> str:
    return f"mentor{person_id}"


def start_mentoring(ctx, nom: Nomination, cert: Certificate, entry: PoolEntry) -> Mentorship:
    """Give the new mentor a log-in (role ``mentor`` scoped to the person) and start ``mentoring``
    under the rules in force now. Idempotent."""
    existing = ctx.session.scalar(select(Mentorship).where(Mentorship.pool_entry_id == entry.id))
    if existing is not None:
        return existing
    person = ctx.session.get(Person, cert.person_id)
    if not person.username:
        # a new account has no password: the talent section hands its activation link over (issue 11)
        person.username = mentor_username(person.id)
        upsert_user(ctx.session, person.username, person.name, memberships=[("mentor", str(person.id))])
        notify(ctx, "account_pending", section_users(ctx), {
            "name": person.name, "username": person.username, "unit_name": unit_name(ctx, nom.unit_id)},
            f"account:{person.username}:pending")
    rules = programme_rules.current(ctx.session, now=ctx.now)   # a new mentoring instance: the rules in force now
    ship = Mentorship(mentor_id=person.id, pool_entry_id=entry.id, unit_id=nom.unit_id, status="agreement",
                      rules_version=rules.version)
    ctx.session.add(ship)
    ctx.session.flush()
    rnd = ctx.session.get(Round, nom.round_id)
    ship.instance_id = ctx.start_instance("mentoring", {
        "mentorship_id": ship.id, "mentor_id": person.id, "mentor_name": person.name, "unit_id": nom.unit_id,
        "category": nom.category, "round_id": rnd.id, "certificate_number": cert.number,
        "title": f"{person.name}的人才培带（{rnd.year}年度聘任）"})
    return ship


# model versions before the list signed in one act issued certificates from each nomination instance


def certificate_issue(ctx, nomination_id):
    cert = issue_certificate(ctx, own_nomination(ctx, nomination_id))
    ctx.task.data.update({"certificate_id": cert.id, "certificate_number": cert.number, "person_id": cert.person_id})
    return {"certificate_id": cert.id, "number": cert.number}


def pool_enter(ctx, nomination_id):
    nom = own_nomination(ctx, nomination_id)
    cert = ctx.session.scalar(select(Certificate).where(Certificate.nomination_id == nom.id))
    entry = enter_pool(ctx, nom, cert)
    ctx.task.data["pool_entry_id"] = entry.id
    return {"pool_entry_id": entry.id}


def mentoring_start(ctx, nomination_id):
    nom = own_nomination(ctx, nomination_id)
    cert = ctx.session.scalar(select(Certificate).where(Certificate.nomination_id == nom.id))
    entry = ctx.session.scalar(select(PoolEntry).where(PoolEntry.certificate_id == cert.id)) if cert else None
    if entry is None:
        raise InvalidData("该推荐尚未颁发聘书并列入人才培带人库，不能开始培带")
    ship = start_mentoring(ctx, nom, cert, entry)
    ctx.task.data["mentorship_id"] = ship.id
    return {"mentorship_id": ship.id, "instance_id": ship.instance_id}
