"""Adapters: the programme's tables (``workflows.tables``) -> document data (``data.py``).

This is the only module of the documents package that reads the programme's rows, so a change
there is absorbed here. ``load(session, kind, ref, ...)`` is what the outbox deliverer and the
download views call; ``certificate_status`` feeds the public verification page and
``nomination_scope`` the upload and download permission checks.

Refs: ``nominee_list`` -> ``"<round id>"`` (whole round) or ``"<round id>:<unit id>"``;
``application_form`` -> nomination id; ``agreement`` -> mentorship id; ``certificate`` ->
certificate id.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from engine.tables import AuditEvent, HumanTask, User
from workflows import tables as t

from . import data as d
from .verification import REVOKED, UNKNOWN, VALID, Verification, code_for, display, verify_url

LOCAL = ZoneInfo("Asia/Shanghai")
KINDS = ("nominee_list", "application_form", "agreement", "certificate")
# nominations that are not (or no longer) on a unit's list
NOT_LISTED = ("draft", "withdrawn", "rejected", "ineligible")
OUTCOMES = {"approve": "同意", "approved": "同意", "agree": "同意", "pass": "同意", "return": "退回修改",
            "returned": "退回修改", "reject": "不同意", "rejected": "不同意", "disagree": "不同意",
            "abstain": "弃权", "sign": "同意", "signed": "同意"}
STAGE_FOR_ROLE = {"unit_reviewer": "单位审核", "director": "签批"}
# codes of bpmn/forms/application.schema.json -> what the printed form says
DEGREES = {"doctor": "博士", "master": "硕士", "bachelor": "学士/本科", "college": "大专", "secondary": "中专及以下"}
TITLE_LEVELS = {"senior": "正高级", "associate_senior": "副高级", "intermediate": "中级", "junior": "初级", "none": ""}
SKILL_LEVELS = {"senior_technician": "高级技师（国家一级）", "technician": "技师（国家二级）", "senior_worker": "高级工",
                "none": ""}
TALENT_TYPES = {"professional": "优秀专业技术人才", "skilled": "优秀高技能人才", "rural": "优秀农村牧区实用人才",
                "equivalent": "高于或相当于上述层次的优秀人才", "approved": "经市委组织部批准的其他人才"}
SKILL_HONOURS = {"china_skill_award": "中华技能大奖", "national_technical_expert": "全国技术能手",
                 "national_competition": "国家级职业技能竞赛成绩突出", "region_competition": "自治区级职业技能竞赛成绩突出",
                 "city_competition": "市级职业技能竞赛成绩突出"}
RURAL_KINDS = {"producer": "生产开发型", "business": "经营型", "entrepreneur": "农牧民企业家或能工巧匠型",
               "technical_management": "技术或社区管理型"}
SUMMARY_LENGTH = 60


class DocumentNotFound(LookupError):
    """The record a document is made from does not exist."""


@dataclass(frozen=True)
class NominationScope:
    """What decides who may read a nomination and its uploads."""

    id: int
    unit_id: str
    category: str | None
    instance_id: int | None
    created_by: str
    status: str
    name: str = ""


def local_time(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if moment else ""


def local_date(moment: datetime | None) -> date | None:
    return moment.astimezone(LOCAL).date() if moment else None



def _app(nomination) -> dict:
    try:
        value = json.loads(nomination.application_json or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _pick(app: dict, *keys: str, default: str = "") -> str:
    for key in keys:
        value = app.get(key)
        if value not in (None, "", []):
            if isinstance(value, list):
                return "\n".join(str(v) for v in value)
            return str(value)
    return default


def _label(table: dict, code) -> str:
    return table.get(code, code) if code else ""


def _labels(table: dict, codes) -> list[str]:
    return [_label(table, c) for c in (codes if isinstance(codes, list) else []) if c]


def education_label(app: dict, nomination) -> str:
    degree = _label(DEGREES, app.get("degree") or nomination.degree)
    education = _pick(app, "education")
    return "/".join(x for x in (education, degree) if x and x != "none")


def title_label(app: dict, nomination) -> str:
    return _label(TITLE_LEVELS, app.get("title_level") or nomination.title_level) or _label(SKILL_LEVELS, app.get("skill_level"))


def summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[:SUMMARY_LENGTH] + "……"


def _unit_name(session: Session, unit_id: str | None) -> str:
    if not unit_id:
        return ""
    unit = session.get(t.OrgUnit, unit_id)
    return unit.name if unit else unit_id


def round_name(rnd) -> str:
    return rnd.title or f"{rnd.year}年度"


# ------------------------------------------------------------------ 附件1

def nominee_list(session: Session, ref: str, now: datetime) -> d.NomineeList:
    round_part, _, unit_id = str(ref).partition(":")
    rnd = session.get(t.Round, int(round_part))
    if rnd is None:
        raise DocumentNotFound(f"评选批次 {round_part} 不存在")
    # 附件1 lists the nominations that passed their unit's review (submitted), in the order the
    # talent section set on the 推荐名单, the others after them by unit and submission (issue 13)
    unranked = case((t.Nomination.list_rank.is_(None), 1), else_=0)
    q = (select(t.Nomination, t.OrgUnit).join(t.OrgUnit, t.OrgUnit.id == t.Nomination.unit_id)
         .where(t.Nomination.round_id == rnd.id, t.Nomination.submitted_at.is_not(None),
                t.Nomination.status.not_in(NOT_LISTED))
         .order_by(unranked, t.Nomination.list_rank, t.OrgUnit.sort, t.OrgUnit.id, t.Nomination.submitted_at, t.Nomination.id))
    if unit_id:
        q = q.where(t.Nomination.unit_id == unit_id)
    nominees = []
    rows = session.execute(q).all()
    # dated by the latest submission, not today: the list is rendered again only when it changes
    submitted = [nom.submitted_at for nom, _ in rows if nom.submitted_at]
    for nom, unit in rows:
        app = _app(nom)
        nominees.append(d.Nominee(
            name=nom.name, gender=nom.gender or "", birth_date=nom.birth_date,
            ethnicity=_pick(app, "ethnicity", "nation"), political_status=_pick(app, "political_status", "party"),
            education=education_label(app, nom), title=title_label(app, nom), workplace=_pick(app, "workplace"),
            category=nom.category or "", achievements=summary(_pick(app, "achievements")), unit_name=unit.name,
            phone=_pick(app, "phone")))
    return d.NomineeList(round_name=round_name(rnd), unit_name=_unit_name(session, unit_id) if unit_id else "",
                         nominees=nominees, prepared_on=local_date(max(submitted)) if submitted else None)


# ------------------------------------------------------------------ 附件2

def _display_names(session: Session, usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return dict(session.execute(select(User.username, User.display_name).where(User.username.in_(usernames))).all())


def review_opinions(session: Session, nomination) -> list[d.ReviewOpinion]:
    """Unit review and sign-off from the audit trail; the committee as a vote count (experts stay anonymous)."""
    opinions: list[d.ReviewOpinion] = []
    if nomination.instance_id is not None:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.at, AuditEvent.comment, AuditEvent.data_json, HumanTask.role, HumanTask.outcome)
            .join(HumanTask, HumanTask.task_uuid == AuditEvent.task_uuid)
            .where(AuditEvent.instance_id == nomination.instance_id, AuditEvent.action == "task_completed",
                   HumanTask.role.in_(tuple(STAGE_FOR_ROLE)))
            .order_by(AuditEvent.id)).all()
        names = _display_names(session, {r.actor for r in rows})
        for r in rows:
            try:
                submitted = json.loads(r.data_json or "{}")
            except ValueError:
                submitted = {}
            outcome = r.outcome or str(submitted.get("decision") or submitted.get("outcome") or "")
            comment = r.comment or str(submitted.get("comment") or submitted.get("opinion") or "")
            opinions.append(d.ReviewOpinion(STAGE_FOR_ROLE[r.role], names.get(r.actor, r.actor),
                                            OUTCOMES.get(outcome, outcome), comment, local_date(r.at)))
    votes = session.scalars(select(t.ExpertOpinion).where(t.ExpertOpinion.nomination_id == nomination.id)).all()
    if votes:
        count = {v: sum(1 for o in votes if o.vote == v) for v in ("agree", "disagree", "abstain")}
        text = f"评审专家 {len(votes)} 人：同意 {count['agree']} 票，不同意 {count['disagree']} 票，弃权 {count['abstain']} 票"
        if nomination.average_score is not None:
            text += f"；平均得分 {nomination.average_score} 分"
        outcome = {"recommended": "同意", "appointed": "同意", "not_recommended": "不同意"}.get(nomination.status, "")
        opinions.append(d.ReviewOpinion("专家评审", "评审委员会", outcome, text + "。", local_date(max(o.at for o in votes))))
    # the director signs the round's list as a whole (issue 13): signed, or struck out with a reason
    lst = session.scalar(select(t.NomineeList).where(t.NomineeList.round_id == nomination.round_id))
    if lst is not None and lst.signed_at is not None and nomination.list_status in ("signed", "struck"):
        signer = _display_names(session, {lst.signed_by}).get(lst.signed_by, lst.signed_by or "")
        signed = nomination.list_status == "signed"
        opinions.append(d.ReviewOpinion("签批", signer, "同意" if signed else "不同意",
                                        lst.sign_comment if signed else nomination.list_note, local_date(lst.signed_at)))
    order = {"单位审核": 0, "专家评审": 1, "签批": 2}
    return sorted(opinions, key=lambda o: order[o.stage])


def application_form(session: Session, ref: str, now: datetime) -> d.ApplicationForm:
    from .tables import Upload
    from .uploads import CATEGORIES

    nom = session.get(t.Nomination, int(ref))
    if nom is None:
        raise DocumentNotFound(f"推荐申报 {ref} 不存在")
    rnd = session.get(t.Round, nom.round_id)
    app = _app(nom)
    uploads = session.scalars(select(Upload).where(Upload.nomination_id == nom.id).order_by(Upload.id)).all()
    talent_type = _label(TALENT_TYPES, app.get("talent_type") or nom.talent_type)
    rural = _labels(RURAL_KINDS, app.get("rural_kinds"))
    names = [u.original_name for u in uploads]
    listed = [f"{CATEGORIES.get(u.category, u.category)}：{u.original_name}" for u in uploads]
    listed += [str(a).rsplit("/", 1)[-1] for a in (app.get("attachments") or []) if str(a).rsplit("/", 1)[-1] not in names]
    return d.ApplicationForm(
        reference=f"{rnd.year}-{nom.id:04d}", round_name=round_name(rnd), unit_name=_unit_name(session, nom.unit_id),
        category=nom.category or "", name=nom.name, gender=nom.gender or "", birth_date=nom.birth_date,
        ethnicity=_pick(app, "ethnicity"), political_status=_pick(app, "political_status"),
        education=education_label(app, nom), title=_label(TITLE_LEVELS, app.get("title_level") or nom.title_level),
        skill_level=_label(SKILL_LEVELS, app.get("skill_level")), workplace=_pick(app, "workplace"),
        phone=_pick(app, "phone"), talent_type=talent_type + (f"（{'、'.join(rural)}）" if rural else ""),
        chifeng_since=nom.chifeng_since, years_in_chifeng=nom.years_in_chifeng, exceptional=bool(nom.exceptional),
        exceptional_reason=nom.exceptional_reason or _pick(app, "exceptional_reason"),
        honours=[str(p) for p in (app.get("programmes") or []) if p] + _labels(SKILL_HONOURS, app.get("skill_honours")),
        approval_ref=_pick(app, "approval_ref"), awards=_pick(app, "awards"), achievements=_pick(app, "achievements"),
        attachments=listed, recommendation=_pick(app, "recommendation"), recommended_on=local_date(nom.submitted_at),
        reviews=review_opinions(session, nom))


# ------------------------------------------------------------------ 附件3

def _person(p, field: str = "") -> d.Person:
    return d.Person(name=p.name, gender=p.gender or "", birth_date=p.birth_date, title=p.title or "",
                    workplace=p.workplace or "", field=field, phone=p.phone or "")


def _indicators(text: str) -> list[str]:
    if not text:
        return list(d.DEFAULT_INDICATORS)
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, list):
        return [str(v) for v in value] or list(d.DEFAULT_INDICATORS)
    return [line.strip(" -•") for line in text.splitlines() if line.strip()]


def agreement(session: Session, ref: str, now: datetime) -> d.Agreement:
    ms = session.get(t.Mentorship, int(ref))
    if ms is None:
        raise DocumentNotFound(f"培带关系 {ref} 不存在")
    mentor = session.get(t.Person, ms.mentor_id)
    pool = session.get(t.PoolEntry, ms.pool_entry_id)
    mentees = session.execute(select(t.Mentee, t.Person).join(t.Person, t.Person.id == t.Mentee.person_id)
                              .where(t.Mentee.mentorship_id == ms.id, t.Mentee.status != "released")
                              .order_by(t.Mentee.id)).all()
    people = [_person(person, field=mentee.field) for mentee, person in mentees]
    start = local_date(ms.started_at or ms.agreement_confirmed_at) or local_date(pool.entered_at if pool else now)
    end = local_date(ms.ends_at) or (start.replace(year=start.year + (ms.period_years or 3)) - timedelta(days=1))
    nomination = session.scalar(select(t.Nomination).where(t.Nomination.person_id == ms.mentor_id)
                                .order_by(t.Nomination.id.desc()))
    app = _app(nomination) if nomination else {}
    mentor_row = _person(mentor)
    mentor_row.workplace = mentor_row.workplace or _pick(app, "workplace")
    mentor_row.title = mentor_row.title or (title_label(app, nomination) if nomination else "")
    return d.Agreement(reference=f"LXS-{start.year}-{ms.id:04d}", unit_name=_unit_name(session, ms.unit_id),
                       category=pool.category if pool else "", mentor=mentor_row,
                       mentees=people, period_start=start, period_end=end, indicators=_indicators(ms.indicators))


# ------------------------------------------------------------------ 聘书

def certificate(session: Session, ref: str, now: datetime, settings=None) -> d.Certificate:
    cert = session.get(t.Certificate, int(ref))
    if cert is None:
        raise DocumentNotFound(f"聘书 {ref} 不存在")
    person = session.get(t.Person, cert.person_id)
    nomination = session.get(t.Nomination, cert.nomination_id)
    pool = session.scalar(select(t.PoolEntry).where(t.PoolEntry.certificate_id == cert.id))
    category = (pool.category if pool else None) or nomination.category or nomination.talent_type or ""
    code = code_for(session, cert.id, now)
    return d.Certificate(number=cert.number, mentor_name=person.name, category=category,
                         issued_on=local_date(cert.issued_at), verify_code=display(code),
                         verify_url=verify_url(code, settings),
                         revoked_on=local_date(cert.revoked_at) if cert.status == REVOKED else None)


def certificate_status(session: Session, certificate_id: str) -> Verification:
    cert = session.get(t.Certificate, int(certificate_id))
    if cert is None:
        return Verification(UNKNOWN)
    if cert.status == REVOKED:
        return Verification(REVOKED, cert.number, local_date(cert.revoked_at))
    return Verification(VALID, cert.number)


def nomination_scope(session: Session, nomination_id: int) -> NominationScope | None:
    nom = session.get(t.Nomination, int(nomination_id))
    if nom is None:
        return None
    return NominationScope(nom.id, nom.unit_id, nom.category, nom.instance_id, nom.created_by, nom.status, nom.name)


LOADERS = {"nominee_list": nominee_list, "application_form": application_form, "agreement": agreement,
           "certificate": certificate}


def load(session: Session, kind: str, ref: str, now: datetime, settings=None) -> d.DocumentData:
    if kind not in LOADERS:
        raise ValueError(f"unknown document kind {kind!r}")
    if kind == "certificate":
        return certificate(session, ref, now, settings)
    return LOADERS[kind](session, ref, now)
