"""The programme's record: what reports, lists and the UI read. Workflow data references these
rows by id; the service-task handlers in :mod:`workflows.handlers` keep them up to date inside
the engine's transaction.

Dates that are days (birth dates, start of work in Chifeng) are ``Date``; moments are UTC
(``UTCDateTime``); deadlines and anniversaries are computed in Asia/Shanghai.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.tables import Base, UTCDateTime


class RuleVersion(Base):
    """One version of the programme's rules (:mod:`workflows.rules`); never changed once written."""

    __tablename__ = "programme_rules"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rules_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    comment: Mapped[str] = mapped_column(Text, default="")


class OrgUnit(Base):
    """A unit the notice addresses: a county (旗县区), a city department, a college, an enterprise."""

    __tablename__ = "org_units"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # county department college enterprise institution section
    urban: Mapped[bool] = mapped_column(Boolean, default=False)  # in the central urban area (市区)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Person(Base):
    """A mentor (once appointed) or a mentee; nominees live on their nomination until appointed."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    gender: Mapped[str | None] = mapped_column(String(4), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"), nullable=True, index=True)
    workplace: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    username: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)


class Round(Base):
    """A selection round (评选), normally every three years, with its deadline and committee rules."""

    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open closed published
    experts_per_panel: Mapped[int] = mapped_column(Integer, default=5)
    rule_num: Mapped[int] = mapped_column(Integer, default=2)
    rule_den: Mapped[int] = mapped_column(Integer, default=3)
    reminder_days: Mapped[str] = mapped_column(String(200), default="[]")  # days before the deadline (the round's rules)
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rules_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # programme_rules that applied


class Nomination(Base):
    """One nominee's application (附件2) and where it stands."""

    __tablename__ = "nominations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    gender: Mapped[str | None] = mapped_column(String(4), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    chifeng_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    talent_type: Mapped[str | None] = mapped_column(String(20), nullable=True)  # professional skilled rural equivalent approved
    category: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)  # committee panel
    degree: Mapped[str | None] = mapped_column(String(20), nullable=True)
    title_level: Mapped[str | None] = mapped_column(String(30), nullable=True)
    age: Mapped[int | None] = mapped_column(Integer, nullable=True)  # as of the round deadline
    years_in_chifeng: Mapped[int | None] = mapped_column(Integer, nullable=True)  # as of the round deadline
    exceptional: Mapped[bool] = mapped_column(Boolean, default=False)
    exceptional_reason: Mapped[str] = mapped_column(Text, default="")
    application_json: Mapped[str] = mapped_column(Text, default="{}")
    eligible: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    eligibility_json: Mapped[str] = mapped_column(Text, default="[]")  # [{"code", "level", "reason"}]
    # draft submitted returned ineligible rejected withdrawn expired in_review recommended not_recommended
    # declined (struck from the signed list) appointed
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    last_comment: Mapped[str] = mapped_column(Text, default="")
    agree: Mapped[int | None] = mapped_column(Integer, nullable=True)
    experts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    average_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rules_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # programme_rules that applied
    review_instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # committee_review
    # the 推荐名单 (nominee list) the talent section prepares and the director signs as a whole
    list_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)   # 附件1 order the office set
    list_status: Mapped[str | None] = mapped_column(String(10), nullable=True)  # listed signed struck
    list_note: Mapped[str] = mapped_column(Text, default="")   # why the director struck the candidate out
    # 选拔条件1 (political and ethical conditions), attested by the unit's reviewer when approving
    conditions_attested_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    conditions_attested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (Index("ix_nominations_round_unit_status", "round_id", "unit_id", "status"),)


class RoundReminder(Base):
    """A reminder to the units that have not submitted, at a number of days before the deadline
    (the round's rules); unsent ones are computed again when the deadline is extended."""

    __tablename__ = "round_reminders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    units: Mapped[int | None] = mapped_column(Integer, nullable=True)   # units reminded
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)     # replaced when the deadline moved


class RoundChange(Base):
    """A change of a round's submission period: a deadline extended or the submission closed early."""

    __tablename__ = "round_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))   # extend close
    old_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    new_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(80), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class NomineeList(Base):
    """推荐名单: the recommended candidates of a round in 附件1 order, prepared by the talent section,
    signed as a whole by the director (individuals struck out with a reason), then published."""

    __tablename__ = "nominee_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="prepared")  # prepared signed published
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prepared_by: Mapped[str] = mapped_column(String(80), default="")
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prepare_comment: Mapped[str] = mapped_column(Text, default="")
    listed: Mapped[int] = mapped_column(Integer, default=0)
    signed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sign_comment: Mapped[str] = mapped_column(Text, default="")
    signed: Mapped[int] = mapped_column(Integer, default=0)
    struck: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ExpertOpinion(Base):
    __tablename__ = "expert_opinions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    expert: Mapped[str] = mapped_column(String(80))
    vote: Mapped[str] = mapped_column(String(10))  # agree disagree abstain
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("nomination_id", "expert"),)


class Certificate(Base):
    """聘书: a unique number in the format of the round's rules; revoked on disqualification."""

    __tablename__ = "certificates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="valid")  # valid revoked
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    rules_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # programme_rules that applied


class PoolEntry(Base):
    """人才培带人库."""

    __tablename__ = "mentor_pool"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="active")  # active ended
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str] = mapped_column(Text, default="")


class Mentorship(Base):
    """One mentor's period (培带期) with five mentees under an agreement (联系书)."""

    __tablename__ = "mentorships"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    pool_entry_id: Mapped[int] = mapped_column(ForeignKey("mentor_pool.id"))
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), index=True)
    # agreement active completed disqualified
    status: Mapped[str] = mapped_column(String(20), default="agreement", index=True)
    period_years: Mapped[int | None] = mapped_column(Integer, nullable=True)
    indicators: Mapped[str] = mapped_column(Text, default="")
    agreement_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    rules_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # programme_rules that applied


class Mentee(Base):
    __tablename__ = "mentees"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    field: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(12), default="active")  # active released completed
    plan_json: Mapped[str] = mapped_column(Text, default="{}")
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Activity(Base):
    """A lecture, technical guidance, training session or exchange the mentor held."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # lecture guidance training exchange
    held_on: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(200))
    hours: Mapped[int] = mapped_column(Integer, default=0)
    mentee_ids: Mapped[str] = mapped_column(String(200), default="[]")
    notes: Mapped[str] = mapped_column(Text, default="")
    logged_by: Mapped[str] = mapped_column(String(80), default="")
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Assessment(Base):
    """年度考核: one per mentorship year, by the mentor's unit, confirmed by the talent section."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"), index=True)
    year_no: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open qualified unqualified
    unit_result: Mapped[str | None] = mapped_column(String(12), nullable=True)
    report: Mapped[str] = mapped_column(Text, default="")
    final_result: Mapped[str | None] = mapped_column(String(12), nullable=True)
    outstanding: Mapped[bool] = mapped_column(Boolean, default=False)
    section_comment: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rules_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # programme_rules that applied
    # 培带职责: activities per kind in the assessed year against the rules (counts, required, met)
    duty_json: Mapped[str] = mapped_column(Text, default="{}")
    __table_args__ = (UniqueConstraint("mentorship_id", "year_no"),)


class BenefitApplication(Base):
    """An application for an incentive (bus IC card, talent apartment, health check, ...)."""

    __tablename__ = "benefit_applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # ineligible pending approved declined withdrawn
    reason: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rules_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # programme_rules that applied
    __table_args__ = (Index("ix_benefit_person_kind", "person_id", "kind", "status"),)


class SecondTierCandidate(Base):
    """第二梯队: a mentee who completed a period, eligible to be nominated as a mentor."""

    __tablename__ = "second_tier"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("mentees.id"))
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"))
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"), nullable=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class ProgrammeEvent(Base):
    """An event the talent section organises for mentors: the yearly training class (培训班) or
    the study tour of outstanding mentors (学习考察)."""

    __tablename__ = "programme_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))   # training_class study_tour
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default="planned")   # planned held cancelled
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rules_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class EventAttendance(Base):
    """A mentor invited to an event, and whether they attended."""

    __tablename__ = "event_attendance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("programme_events.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    attended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)


class IncentiveList(Base):
    """The list of mentors for an incentive the programme grants on the assessment results:
    the yearly recuperation (休假疗养) or the commendation every three years (表彰奖励); proposed
    by the talent section, approved by the director (process ``incentive_list``)."""

    __tablename__ = "incentive_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))   # recuperation commendation
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="proposed")   # proposed approved returned
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rules_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    proposed_by: Mapped[str] = mapped_column(String(80), default="")
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("kind", "year"),)


class IncentiveListEntry(Base):
    """A candidate on an incentive list (from the assessment results) and whether chosen."""

    __tablename__ = "incentive_list_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("incentive_lists.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"))
    basis: Mapped[str] = mapped_column(Text, default="")   # the assessment results it rests on
    selected: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (UniqueConstraint("list_id", "person_id"),)


class PublicityProfile(Base):
    """A mentor's profile for the yearly talent publicity month (人才工作宣传月), written and
    approved by the talent section before it is exported for the media."""

    __tablename__ = "publicity_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")   # draft approved
    approved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("person_id", "year"),)
