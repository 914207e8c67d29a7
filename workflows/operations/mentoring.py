"""Mentoring (培带): 1带5 agreement, period, plans, activities, yearly assessment instances,
disqualification and the second tier."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from engine import InvalidData, PermissionDenied

from .. import dates
from .. import rules as programme_rules
from ..tables import (Activity, Assessment, Certificate, Mentee, Mentorship, Person, PoolEntry, SecondTierCandidate)
from .common import get_row, holders, notify, owned_row, parent_instance, section_users, unit_name


def mentoring_register_mentees(ctx, mentorship_id):
    data = ctx.task.data
    ship = owned_row(ctx, Mentorship, mentorship_id, "培带关系")
    rules = programme_rules.version(ctx.session, ship.rules_version, now=ctx.now)
    mentees = data.get("mentees") or []
    need = rules["mentees_per_mentor"]   # 1带5: the rules of the mentorship, not the form, say how many
    if len(mentees) != need:
        raise InvalidData(f"须登记{need}名培带对象（已填写{len(mentees)}名）", field="mentees")
    period = data.get("period_years")
    if period not in rules["period_years"]:
        allowed = "或".join(str(p) for p in sorted(rules["period_years"]))
        raise InvalidData(f"培带期须为{allowed}年", field="period_years")
    # each mentee is an object or a line "姓名，单位及职务，专业领域" (what the web form sends)
    mentees = [m if isinstance(m, dict) else dict(zip(("name", "workplace", "field"),
                                                       [p.strip() for p in str(m).replace(",", "，").split("，")]))
               for m in mentees]
    names = [str((m or {}).get("name") or "").strip() for m in mentees]
    if not all(names):
        raise InvalidData("培带对象姓名不能为空")
    if len(set(names)) != len(names):
        raise InvalidData("培带对象不能重复登记")
    for old in ctx.session.scalars(select(Mentee).where(Mentee.mentorship_id == ship.id)):
        ctx.session.delete(old)
    ids = []
    try:
        born = [dates.parse_date(m.get("birth_date")) for m in mentees]
    except (TypeError, ValueError):
        raise InvalidData("培带对象的出生日期格式应为 年-月-日，例如 1990-05-01") from None
    for m, name, birth in zip(mentees, names, born):
        person = Person(name=name, gender=m.get("gender"), birth_date=birth,
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
    ship = owned_row(ctx, Mentorship, mentorship_id, "培带关系")
    # the form (agreement_confirm) requires a decision, and an opinion to return it
    decision, comment = data.get("agreement_decision"), str(data.get("comment") or "").strip()
    data["comment"] = ""   # consumed: the next decision brings its own
    if decision == "return":
        mentor = ctx.session.get(Person, ship.mentor_id)
        notify(ctx, "returned_for_revision", [mentor.username], {
            "kind": "agreement", "id": ship.id, "name": mentor.name, "unit_name": unit_name(ctx, ship.unit_id),
            "comment": comment}, f"agreement:{ship.id}:returned:{ctx.task.uuid}")
    else:
        ship.agreement_confirmed_at = ctx.now
    return {"decision": decision}


def mentoring_start_period(ctx, mentorship_id):
    """The period starts when the unit confirms the agreement; anniversaries in Asia/Shanghai."""
    data = ctx.task.data
    ship = owned_row(ctx, Mentorship, mentorship_id, "培带关系")
    start = dates.local_date(ctx.now)
    ship.status, ship.started_at = "active", ctx.now
    anniversaries = [{"year": k, "at": dates.iso(dates.at_local(dates.add_years(start, k)))} for k in range(1, ship.period_years + 1)]
    ship.ends_at = dates.at_local(dates.add_years(start, ship.period_years))
    data.update({"anniversaries": anniversaries, "year_index": 0, "period_end": dates.iso(ship.ends_at), "period_years": ship.period_years})
    return {"start": str(start), "end": str(dates.local_date(ship.ends_at))}


def mentoring_record_plans(ctx, mentorship_id):
    data = ctx.task.data
    ship = owned_row(ctx, Mentorship, mentorship_id, "培带关系")
    for mentee_id, plan in zip(data.get("mentee_ids") or [], data.get("training_plans") or []):
        mentee = get_row(ctx, Mentee, mentee_id, "培带对象")
        if mentee.mentorship_id == ship.id:
            mentee.plan_json = json.dumps(plan or {}, ensure_ascii=False, default=str)
    return {"plans": len(data.get("training_plans") or [])}


def activity_log(ctx, mentorship_id):
    data = ctx.task.data
    ship = owned_row(ctx, Mentorship, mentorship_id, "培带关系")
    if ship.status != "active":
        raise InvalidData("培带期未开始或已结束，不能记录培带活动")
    subject = str(data.get("subject") or "").strip()   # kind, date and subject: the form (activity) requires them
    kinds = programme_rules.version(ctx.session, ship.rules_version, now=ctx.now).labels("activity_kinds")
    if data.get("kind") not in kinds:
        raise InvalidData(f"活动类型须为：{'、'.join(kinds.values())}", field="kind")
    try:
        held_on = dates.parse_date(data.get("held_on")) or dates.local_date(ctx.now)
    except ValueError:
        raise InvalidData("活动日期格式应为 年-月-日，例如 2015-09-01") from None
    row = Activity(mentorship_id=ship.id, kind=data["kind"], held_on=held_on, subject=subject, hours=int(data.get("hours") or 0),
                   mentee_ids=json.dumps(data.get("attending") or [], ensure_ascii=False),
                   notes=str(data.get("notes") or ""), logged_by=ctx.actor.username, logged_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    return {"activity_id": row.id}


def assessment_start(ctx, mentorship_id, year_no):
    """On an anniversary: a separate ``assessment`` instance, so the mentoring instance stays small."""
    ship = owned_row(ctx, Mentorship, mentorship_id, "培带关系")
    if ship.status != "active":
        return {"started": False}
    mentor = ctx.session.get(Person, ship.mentor_id)
    iid = ctx.start_instance("assessment", {
        "mentorship_id": ship.id, "year_no": int(year_no), "final_year": int(year_no) >= (ship.period_years or 0),
        "unit_id": ship.unit_id, "mentor_id": ship.mentor_id, "mentor_name": mentor.name,
        "title": f"{mentor.name} 第{year_no}年度考核"})
    return {"started": True, "instance_id": iid}


def assessment_open(ctx, mentorship_id, year_no):
    """An assessment is started by its mentorship's own mentoring instance (``assessment/start``
    on an anniversary), never from outside with some mentorship's id."""
    data = ctx.task.data
    parent = parent_instance(ctx)
    if parent is None:
        raise PermissionDenied("年度考核由培带流程在周年日自动发起，不能手动发起")
    ship = owned_row(ctx, Mentorship, mentorship_id, "培带关系", owner=parent)
    rules = programme_rules.version(ctx.session, ship.rules_version, now=ctx.now)
    if isinstance(year_no, bool) or not isinstance(year_no, int) or not 1 <= year_no <= (ship.period_years or max(rules["period_years"])):
        raise InvalidData(f"考核年度 {str(year_no)[:20]} 不在培带期内")
    row = ctx.session.scalar(select(Assessment).where(Assessment.mentorship_id == ship.id, Assessment.year_no == year_no))
    if row is not None and row.instance_id != ctx.instance_id:
        raise InvalidData(f"{ship.id}号培带关系的第{year_no}年度考核已经发起")
    if row is None:
        row = Assessment(mentorship_id=ship.id, year_no=int(year_no), unit_id=ship.unit_id, status="open",
                         instance_id=ctx.instance_id, opened_at=ctx.now, rules_version=rules.version)
        ctx.session.add(row)
        ctx.session.flush()
    duty = duty_check(ctx.session, ship, int(year_no), rules)
    row.duty_json = json.dumps(duty, ensure_ascii=False)
    mentor = ctx.session.get(Person, ship.mentor_id)
    # the title is what the unit and the talent section read on the assessment's tasks
    data["duty"] = duty
    data["title"] = f"{mentor.name} 第{year_no}年度考核（培带职责：{duty['summary']}）"
    notify(ctx, "assessment_due", holders(ctx, "unit_reviewer", ship.unit_id), {
        "assessment_id": row.id, "mentorship_id": ship.id, "mentor_name": mentor.name, "year_no": int(year_no),
        "unit_name": unit_name(ctx, ship.unit_id), "due": str(dates.local_date(ctx.now + timedelta(days=rules["assessment_due_days"])))},
        f"assessment:{row.id}:due")
    data["assessment_id"] = row.id
    return {"assessment_id": row.id}


def duty_check(session, ship: Mentorship, year_no: int, rules) -> dict:
    """培带职责 (notice 二(二)): each year lectures, technical guidance or training for the mentees.
    The activities the mentor logged in the assessed year of the period, per kind, against the
    rules of the mentorship (``duty_kinds``, ``duty_per_year``)."""
    start = dates.local_date(ship.started_at) if ship.started_at else None
    kinds = rules.labels("activity_kinds")
    counts = {code: 0 for code in kinds}
    if start is not None:
        begin, end = dates.add_years(start, year_no - 1), dates.add_years(start, year_no)
        for kind, n in session.execute(select(Activity.kind, func.count()).where(
                Activity.mentorship_id == ship.id, Activity.held_on >= begin, Activity.held_on < end).group_by(Activity.kind)):
            counts[kind] = counts.get(kind, 0) + n
    duty_kinds = [k for k in rules["duty_kinds"] if k in kinds]
    done = sum(counts.get(k, 0) for k in duty_kinds)
    required = rules["duty_per_year"]
    met = done >= required
    per_kind = "、".join(f"{kinds[k]}{counts.get(k, 0)}次" for k in duty_kinds)
    return {"counts": counts, "labels": kinds, "duty_kinds": duty_kinds, "done": done, "required": required, "met": met,
            "summary": f"{per_kind}，合计{done}次，规定每年至少{required}次，{'达标' if met else '未达标'}"}


def assessment_record(ctx, assessment_id):
    data = ctx.task.data
    row = owned_row(ctx, Assessment, assessment_id, "年度考核")
    unit_result = data.get("result")   # both forms (assessment, assessment_confirm) require their result
    final = data.get("final_result") or unit_result
    row.unit_result, row.final_result, row.status = unit_result, final, final
    row.report = str(data.get("report") or "")
    row.outstanding = bool(data.get("outstanding")) and final == "qualified"
    row.section_comment = str(data.get("comment") or "")
    data["comment"] = ""
    row.decided_at = ctx.now
    data["final_result"] = final
    return {"result": final}


def assessed_mentorship(ctx, mentorship_id) -> Mentorship:
    """The mentorship this assessment instance assesses (its own ``Assessment`` record says which)."""
    assessment = owned_row(ctx, Assessment, ctx.task.data.get("assessment_id"), "年度考核")
    ship = get_row(ctx, Mentorship, assessment.mentorship_id, "培带关系")
    if mentorship_id is not None and str(mentorship_id) != str(ship.id):
        raise InvalidData(f"培带关系 {str(mentorship_id)[:40]} 不属于本流程，不能办理", field="mentorship_id")
    return ship


def mentor_disqualify(ctx, mentorship_id):
    """不合格: certificate revoked, pool entry ended, mentees released, everyone notified, and the
    mentoring instance cancelled (after this commit, through the outbox)."""
    data = ctx.task.data
    ship = assessed_mentorship(ctx, mentorship_id)
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
    users = [mentor.username] + mentee_users + holders(ctx, "unit_reviewer", ship.unit_id) + section_users(ctx)
    notify(ctx, "disqualified", users, {
        "mentorship_id": ship.id, "mentor_name": mentor.name, "certificate_number": cert.number,
        "unit_name": unit_name(ctx, ship.unit_id), "year_no": data.get("year_no"), "reason": reason},
        f"mentorship:{ship.id}:disqualified")
    if ship.instance_id:
        ctx.emit("instance/cancel", {"instance_id": ship.instance_id, "reason": f"培带人资格已取消：{reason}"},
                 f"mentorship:{ship.id}:cancel")
    ctx.emit("document/render", {"kind": "certificate", "id": cert.id}, f"certificate:{cert.id}:revoked")
    return {"certificate": cert.number, "mentees_released": len(mentee_users)}


def mentoring_complete_period(ctx, mentorship_id):
    """培带期满: mentees who completed it become second-tier candidates (第二梯队)."""
    ship = assessed_mentorship(ctx, mentorship_id)
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
    notify(ctx, "period_completed", [mentor.username] + holders(ctx, "unit_reviewer", ship.unit_id) + section_users(ctx), {
        "mentorship_id": ship.id, "mentor_name": mentor.name, "unit_name": unit_name(ctx, ship.unit_id), "mentees": names},
        f"mentorship:{ship.id}:completed")
    return {"second_tier": len(names)}
