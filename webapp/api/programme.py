"""The programme's records after the selection: the mentor pool, agreements (联系书) with their
mentees and training plans, activities, annual assessments, incentives and certificates (聘书,
with the verification code printed on them); scoped like the pages (:mod:`workflows.api_reads`)."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from webapp import auth
from webapp.auth import current_actor
from workflows import api_reads

from . import schemas
from .core import ApiFailure, blueprint, paged, public

mentors_blp = blueprint("mentors", __name__, "/mentors", "人才培带人库")
mentorships_blp = blueprint("mentorships", __name__, "/mentorships", "培带：联系书、培带对象、培养计划、活动、年度考核")
mentees_blp = blueprint("mentees", __name__, "/mentees", "培带对象")
assessments_blp = blueprint("assessments", __name__, "/assessments", "年度考核")
benefits_blp = blueprint("benefits", __name__, "/benefits", "激励申请")
certificates_blp = blueprint("certificates", __name__, "/certificates", "聘书：编号、查验码、状态、撤销")
verify_blp = blueprint("verify", __name__, "/verify", "聘书查验（公开）")


def _not_found():
    return ApiFailure(404, "not_found", _("记录不存在或不在您的范围内"))


def _sessions():
    return auth.engine().sessions()


def _page(read, page: int, per_page: int, **filters) -> dict:
    """One page of ``read(session, actor, ...)`` (a scoped list of :mod:`workflows.api_reads`)."""
    with _sessions() as s:
        rows, total = read(s, current_actor(), page=page, per_page=per_page, **filters)
    return paged(rows, total, page, per_page)


def _one(read, record_id: int) -> dict:
    """``read(session, actor, id)``, or 404 when the record is not in the caller's scope."""
    with _sessions() as s:
        found = read(s, current_actor(), record_id)
    if found is None:
        raise _not_found()
    return found


@mentors_blp.get("")
@mentors_blp.arguments(schemas.MentorListArgs, location="query", as_kwargs=True)
@mentors_blp.response(200, schemas.MentorPage)
@mentors_blp.alt_response(403, schema=schemas.ErrorSchema, description="无权查看人才培带人库")
def list_mentors(page=1, per_page=20, **filters):
    """人才培带人库（人才科、领导小组办公室主任看全部，单位审核人看本单位）"""
    with _sessions() as s:
        found = api_reads.mentors(s, current_actor(), page=page, per_page=per_page, **filters)
    if found is None:
        raise ApiFailure(403, "forbidden", _("您无权查看人才培带人库"))
    rows, total = found
    return paged(rows, total, page, per_page)


# --------------------------------------------------------------------------- mentorships

def _mentorship(mentorship_id: int) -> dict:
    return _one(api_reads.mentorship, mentorship_id)


@mentorships_blp.get("")
@mentorships_blp.arguments(schemas.MentorshipListArgs, location="query", as_kwargs=True)
@mentorships_blp.response(200, schemas.MentorshipPage)
def list_mentorships(page=1, per_page=20, **filters):
    """培带（人才科看全部，单位看本单位，培带人和培带对象看本人的）"""
    return _page(api_reads.mentorships, page, per_page, **filters)


@mentorships_blp.get("/<int:mentorship_id>")
@mentorships_blp.response(200, schemas.AgreementSchema)
def get_mentorship(mentorship_id):
    """培带联系书（附件3）：培带期、指标、培带对象及其培养计划"""
    return _mentorship(mentorship_id)


@mentorships_blp.get("/<int:mentorship_id>/mentees")
@mentorships_blp.response(200, schemas.MenteeList)
def get_mentorship_mentees(mentorship_id):
    """培带对象"""
    return {"items": _mentorship(mentorship_id)["mentees"]}


@mentorships_blp.get("/<int:mentorship_id>/plans")
@mentorships_blp.response(200, schemas.PlanList)
def get_mentorship_plans(mentorship_id):
    """培养计划（每名培带对象一份）"""
    return {"items": [{"mentee_id": m["mentee_id"], "name": m["name"], "plan": m["plan"]}
                      for m in _mentorship(mentorship_id)["mentees"]]}


@mentorships_blp.get("/<int:mentorship_id>/activities")
@mentorships_blp.response(200, schemas.ActivityList)
def get_mentorship_activities(mentorship_id):
    """培带活动记录"""
    _mentorship(mentorship_id)
    with _sessions() as s:
        return {"items": api_reads.activities(s, mentorship_id)}


@mentorships_blp.get("/<int:mentorship_id>/assessments")
@mentorships_blp.response(200, schemas.AssessmentPage)
def get_mentorship_assessments(mentorship_id):
    """该培带的年度考核"""
    _mentorship(mentorship_id)
    return _page(api_reads.assessments, 1, 100, mentorship_id=mentorship_id)


@mentees_blp.get("/<int:mentee_id>")
@mentees_blp.response(200, schemas.MenteeSchema)
def get_mentee(mentee_id):
    """一名培带对象及其培养计划"""
    return _one(api_reads.mentee, mentee_id)


# --------------------------------------------------------------------------- assessments, benefits

@assessments_blp.get("")
@assessments_blp.arguments(schemas.AssessmentListArgs, location="query", as_kwargs=True)
@assessments_blp.response(200, schemas.AssessmentPage)
def list_assessments(page=1, per_page=20, **filters):
    """年度考核（人才科看全部，单位看本单位，培带人看本人的）"""
    return _page(api_reads.assessments, page, per_page, **filters)


@assessments_blp.get("/<int:assessment_id>")
@assessments_blp.response(200, schemas.AssessmentSchema)
def get_assessment(assessment_id):
    """一次年度考核：单位结论、书面报告、人才科确认结果"""
    return _one(api_reads.assessment, assessment_id)


@benefits_blp.get("")
@benefits_blp.arguments(schemas.BenefitListArgs, location="query", as_kwargs=True)
@benefits_blp.response(200, schemas.BenefitPage)
def list_benefits(page=1, per_page=20, **filters):
    """激励申请（人才科看全部，单位看本单位人员的，培带人看本人的）"""
    return _page(api_reads.benefits, page, per_page, **filters)


# --------------------------------------------------------------------------- certificates

def _verify_url(code: str | None) -> str | None:
    if not code:
        return None
    from workflows.documents.verification import verify_url
    return verify_url(code, current_app.extensions["peidai"].settings)


def _with_code(row: dict) -> dict:
    """The certificate with its verification code (made on first use, as when it is printed)."""
    if row["verification_code"] is None:
        from workflows.documents.verification import code_for
        engine = auth.engine()
        with engine.unit_of_work() as s:
            row["verification_code"] = code_for(s, row["certificate_id"], engine.now())
    return row | {"verify_url": _verify_url(row["verification_code"])}


@certificates_blp.get("")
@certificates_blp.arguments(schemas.CertificateListArgs, location="query", as_kwargs=True)
@certificates_blp.response(200, schemas.CertificatePage)
def list_certificates(page=1, per_page=20, **filters):
    """聘书（人才科看全部，单位看本单位，培带人看本人的）"""
    found = _page(api_reads.certificates, page, per_page, **filters)
    return found | {"items": [r | {"verify_url": _verify_url(r["verification_code"])} for r in found["items"]]}


@certificates_blp.get("/<int:certificate_id>")
@certificates_blp.response(200, schemas.CertificateSchema)
def get_certificate(certificate_id):
    """一份聘书：编号、查验码、状态（有效、已撤销及原因）"""
    return _with_code(_one(api_reads.certificate, certificate_id))


@verify_blp.get("/<vcode:code>")
@public(verify_blp)
@verify_blp.response(200, schemas.VerificationSchema)
def verify_certificate(code):
    """查验聘书（公开，无需令牌）：查验码对应的聘书有效、已撤销（及日期）或不存在；不含任何个人信息"""
    from workflows.documents import verification
    with _sessions() as s:
        found = verification.verify(s, code)
    return {"state": found.state, "number": found.number, "revoked_on": found.revoked_on}
