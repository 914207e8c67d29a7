"""After the selection: the mentor pool, agreements (联系书) with mentees and plans, activities,
annual assessments, incentives and certificates (聘书) with their verification."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from .common import CATEGORIES, PageArgs, choice, id_filter, list_of, nullable_text, page_of, unit_filter, when, year_filter


class MentorSchema(ma.Schema):
    id = f.Integer(required=True, metadata={"description": "入库编号"})
    person_id = f.Integer(required=True)
    name = f.String(required=True)
    gender = nullable_text()
    job_title = f.String()
    unit_id = f.String(required=True)
    unit = f.String(required=True)
    category = f.String(required=True)
    round_id = f.Integer(required=True)
    year = f.Integer(required=True)
    certificate_id = f.Integer(required=True)
    certificate = f.String(required=True, metadata={"description": "聘书编号"})
    status = f.String(required=True, validate=v.OneOf(["active", "ended"]))
    entered_at = when()
    ended_at = when()
    mentees = f.Integer(required=True)


MentorPage = page_of(MentorSchema, "MentorPage")


class MentorListArgs(PageArgs):
    q = f.String(validate=v.Length(min=1, max=80), metadata={"description": "姓名或聘书编号"})
    category = choice(CATEGORIES)
    unit_id = unit_filter()
    round_id = id_filter()
    year = year_filter(metadata={"description": "评选年度"})
    status = choice(["active", "ended"])


class MenteeSchema(ma.Schema):
    mentee_id = f.Integer(required=True)
    mentorship_id = f.Integer(required=True)
    person_id = f.Integer(required=True)
    name = f.String(required=True)
    gender = nullable_text()
    birth_date = f.Date(allow_none=True)
    workplace = f.String()
    field = f.String()
    status = f.String(required=True, metadata={"description": "active、released、completed"})
    released_at = when()
    plan = f.Dict(required=True, metadata={"description": "培养计划"})


class MentorshipSchema(ma.Schema):
    mentorship_id = f.Integer(required=True)
    mentor_id = f.Integer(required=True)
    mentor_name = f.String(required=True)
    pool_entry_id = f.Integer()
    unit_id = f.String(required=True)
    status = f.String(required=True, metadata={"description": "agreement（联系书）、active、completed、disqualified"})
    period_years = f.Integer(allow_none=True)
    agreement_confirmed_at = when()
    started_at = when()
    ends_at = when()
    ended_at = when()
    end_reason = f.String()
    instance_id = f.Integer(allow_none=True)


class AgreementSchema(MentorshipSchema):
    indicators = f.String(required=True, metadata={"description": "培带指标和内容（联系书）"})
    mentees = f.List(f.Nested(MenteeSchema), required=True)


MentorshipPage = page_of(MentorshipSchema, "MentorshipPage")


class MentorshipListArgs(PageArgs):
    status = choice(["agreement", "active", "completed", "disqualified"])
    unit_id = unit_filter()
    mentor_id = id_filter()


MenteeList = list_of(MenteeSchema, "MenteeList")


class PlanSchema(ma.Schema):
    mentee_id = f.Integer(required=True)
    name = f.String(required=True)
    plan = f.Dict(required=True)


PlanList = list_of(PlanSchema, "PlanList")


class ActivitySchema(ma.Schema):
    activity_id = f.Integer(required=True)
    mentorship_id = f.Integer(required=True)
    kind = f.String(required=True, metadata={"description": "lecture、guidance、training、exchange"})
    held_on = f.Date(required=True)
    subject = f.String(required=True)
    hours = f.Integer(required=True)
    mentee_ids = f.List(f.Integer(), required=True)
    attending = f.List(f.String(), required=True)
    notes = f.String(required=True)
    logged_by = f.String(required=True)
    logged_at = when()


ActivityList = list_of(ActivitySchema, "ActivityList")


class AssessmentSchema(ma.Schema):
    assessment_id = f.Integer(required=True)
    mentorship_id = f.Integer(required=True)
    mentor_name = f.String(required=True)
    year_no = f.Integer(required=True)
    unit_id = f.String(required=True)
    status = f.String(required=True, metadata={"description": "open、qualified、unqualified"})
    unit_result = nullable_text()
    report = f.String(required=True)
    final_result = nullable_text()
    outstanding = f.Boolean(required=True)
    section_comment = f.String(required=True)
    instance_id = f.Integer(allow_none=True)
    opened_at = when()
    decided_at = when()


AssessmentPage = page_of(AssessmentSchema, "AssessmentPage")


class AssessmentListArgs(PageArgs):
    mentorship_id = id_filter()
    status = choice(["open", "qualified", "unqualified"])
    year_no = f.Integer(validate=v.Range(min=1, max=20))


class BenefitSchema(ma.Schema):
    benefit_id = f.Integer(required=True)
    person_id = f.Integer(required=True)
    name = f.String(required=True)
    unit_id = nullable_text()
    kind = f.String(required=True)
    year = f.Integer(required=True)
    status = f.String(required=True, metadata={"description": "ineligible、pending、approved、declined"})
    reason = f.String(required=True)
    instance_id = f.Integer(allow_none=True)
    applied_at = when()
    decided_at = when()


BenefitPage = page_of(BenefitSchema, "BenefitPage")


class BenefitListArgs(PageArgs):
    status = choice(["ineligible", "pending", "approved", "declined"])
    kind = choice(["bus_card", "apartment", "health_check", "recuperation", "training_class", "commendation"])
    person_id = id_filter()


class CertificateSchema(ma.Schema):
    certificate_id = f.Integer(required=True)
    number = f.String(required=True)
    nomination_id = f.Integer(required=True)
    person_id = f.Integer(required=True)
    name = f.String(required=True)
    unit_id = nullable_text()
    round_id = f.Integer(required=True)
    year = f.Integer(required=True)
    issued_at = when(required=True)
    status = f.String(required=True, validate=v.OneOf(["valid", "revoked"]))
    revoked_at = when()
    revoke_reason = f.String(required=True)
    verification_code = nullable_text(metadata={"description": "聘书上的查验码（GET /verify/{code}）"})
    verify_url = nullable_text()


CertificatePage = page_of(CertificateSchema, "CertificatePage")


class CertificateListArgs(PageArgs):
    round_id = id_filter()
    status = choice(["valid", "revoked"])
    unit_id = unit_filter()


class VerificationSchema(ma.Schema):
    state = f.String(required=True, validate=v.OneOf(["valid", "revoked", "unknown"]))
    number = nullable_text()
    revoked_on = f.Date(allow_none=True)
