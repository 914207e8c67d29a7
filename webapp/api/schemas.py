"""Request and response schemas of /api/v1, declared once: the document (webapp/api/__init__.py),
the checks of every request (:class:`webapp.api.core.Parser`) and the answers are generated from
these. Names of the programme's records are the same everywhere: ``round_id`` (never batch or
year), ``nomination_id``, ``mentorship_id`` ..."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from webapp.params import MAX_BIGINT, MAX_INT

from .core import MAX_PAGE, MAX_PER_PAGE

ID32 = v.Range(min=1, max=MAX_INT)
ID64 = v.Range(min=1, max=MAX_BIGINT)

# the one vocabulary of decisions (``decision`` of POST /tasks/{task_id}/complete), mapped to each
# form's own field by webapp.api.decisions
DECISIONS = ("approve", "return", "reject", "submit", "withdraw", "confirm", "decline", "agree", "disagree",
             "abstain", "sign", "publish", "qualified", "unqualified", "extend", "close")
NOMINATION_STATUSES = ("draft", "submitted", "returned", "ineligible", "rejected", "withdrawn", "expired", "in_review",
                       "recommended", "not_recommended", "declined", "appointed")
CATEGORIES = ("professional", "skilled", "rural")


def text(max_length: int = 200, **kw):
    return f.String(validate=v.Length(max=max_length), **kw)


def nullable_text(**kw):
    return f.String(allow_none=True, **kw)


def when(**kw):
    return f.AwareDateTime(allow_none=True, format="iso", **kw)


class Closed(ma.Schema):
    """Request schemas: a property the document does not have is refused."""

    class Meta:
        unknown = ma.RAISE


# --------------------------------------------------------------------------- errors

class FieldErrorSchema(ma.Schema):
    field = f.String(required=True, metadata={"description": "字段路径（以点分隔）；空字符串为整个表单", "example": "opinion.score"})
    code = f.String(required=True, metadata={
        "description": "required, unknown_field, read_only, type, enum, const, minLength, maxLength, minimum, maximum, "
                       "pattern, format, minItems, maxItems, not_object, invalid ...", "example": "maximum"})
    message = f.String(required=True, metadata={"example": "不能大于 100"})


class ErrorSchema(ma.Schema):
    code = f.String(required=True, metadata={
        "description": "bad_request, unauthorized, forbidden, not_found, conflict, invalid_state, invalid_data, "
                       "too_many_requests, busy, internal_error ...", "example": "conflict"})
    message = f.String(required=True, metadata={"example": "该待办已经办理完毕"})
    errors = f.List(f.Nested(FieldErrorSchema), metadata={"description": "数据校验失败（422）时逐项说明"})


# --------------------------------------------------------------------------- paging

class PageArgs(Closed):
    page = f.Integer(load_default=1, validate=v.Range(min=1, max=MAX_PAGE), metadata={"description": "页码"})
    per_page = f.Integer(load_default=20, validate=v.Range(min=1, max=MAX_PER_PAGE),
                         metadata={"description": f"每页条数（最多 {MAX_PER_PAGE}）"})


class PageSchema(ma.Schema):
    total = f.Integer(required=True)
    page = f.Integer(required=True)
    per_page = f.Integer(required=True)


def page_of(item_schema, name: str):
    return type(name, (PageSchema,), {"items": f.List(f.Nested(item_schema), required=True)})


# --------------------------------------------------------------------------- tokens

class TokenRequest(Closed):
    username = f.String(required=True, validate=v.Length(min=1, max=80))
    password = f.String(required=True, validate=v.Length(min=1, max=200), metadata={"format": "password"})
    name = f.String(validate=v.Length(max=80), metadata={"description": "令牌名称（如“人事系统对接”）"})
    days = f.Integer(validate=v.OneOf([30, 90, 180, 365]), metadata={"description": "有效天数（默认 90）"})


class TokenSchema(ma.Schema):
    id = f.Integer(required=True)
    name = f.String(required=True)
    hint = f.String(required=True, metadata={"description": "令牌开头几位，便于辨认"})
    created_at = when(required=True)
    expires_at = when()
    last_used_at = when()
    revoked_at = when()


class NewTokenSchema(TokenSchema):
    token = f.String(required=True, metadata={"description": "访问令牌，只显示这一次；请求头 `Authorization: Bearer <令牌>`"})


class TokenList(ma.Schema):
    items = f.List(f.Nested(TokenSchema), required=True)


# --------------------------------------------------------------------------- models, instances, history

class ProcessSchema(ma.Schema):
    key = f.String(required=True)
    name = f.String(required=True)


class ModelVersionSchema(ma.Schema):
    version = f.Integer(required=True)
    hash = f.String(required=True)
    created_at = when(required=True)
    author = f.String(required=True)
    comment = f.String(required=True)
    processes = f.List(f.Nested(ProcessSchema), required=True)


class ModelVersionList(ma.Schema):
    items = f.List(f.Nested(ModelVersionSchema), required=True)


class TaskBrief(ma.Schema):
    id = f.Integer(required=True)
    instance_id = f.Integer(required=True)
    element_id = f.String(required=True)
    name = f.String(required=True)
    role = f.String(required=True)
    scope = nullable_text()
    assignee = nullable_text(metadata={"description": "办理人；评审专家的身份对无权查看者隐藏（null）"})


class TaskSchema(ma.Schema):
    id = f.Integer(required=True)
    instance_id = f.Integer(required=True)
    process_key = f.String()
    element_id = f.String()
    name = f.String(required=True)
    role = f.String()
    scope = nullable_text()
    assignee = nullable_text()
    state = f.String(required=True, validate=v.OneOf(["open", "completed", "cancelled"]))
    form = nullable_text()
    org_unit = nullable_text()
    category = nullable_text()
    round_id = f.Integer(allow_none=True, metadata={"description": "评选轮次（GET /rounds）"})
    title = f.String()
    created_at = when()
    due_at = when()
    completed_at = when()
    completed_by = nullable_text()
    decision = f.String(allow_none=True, metadata={"description": "已办事项的结论（统一词汇，见 POST /tasks/{task_id}/complete）"})


class TaskPage(PageSchema):
    items = f.List(f.Nested(TaskSchema), required=True)


class TaskListArgs(PageArgs):
    box = f.String(load_default="todo", validate=v.OneOf(["todo", "group", "done"]),
                   metadata={"description": "todo（我的待办）、group（待认领）、done（已办）"})
    round_id = f.Integer(validate=ID32, metadata={"description": "评选轮次"})
    category = f.String(validate=v.OneOf(CATEGORIES), metadata={"description": "人才类别"})
    org_unit = f.String(validate=v.Length(min=1, max=64), metadata={"description": "单位"})
    overdue = f.String(validate=v.OneOf(["0", "1"]), metadata={"description": "仅已超期（1）"})


class EligibilitySchema(ma.Schema):
    eligible = f.Boolean(allow_none=True, required=True)
    reasons = f.List(f.String(), required=True, metadata={"description": "不符合条件的原因"})
    warnings = f.List(f.String(), required=True)


class HistoryEntry(ma.Schema):
    id = f.Integer(required=True)
    at = when(required=True)
    instance_id = f.Integer(required=True)
    action = f.String(required=True, metadata={"description": "instance_started, task_completed, task_claimed, task_assigned, "
                                                              "task_transferred, task_withdrawn, instance_cancelled, timer_fired ..."})
    action_label = f.String(required=True)
    actor = nullable_text(metadata={"description": "用户名；无权查看评审专家身份者为 null"})
    actor_name = f.String(required=True, metadata={"description": "姓名（或“评审专家”）"})
    element_id = nullable_text()
    step = f.String(required=True, metadata={"description": "环节名称"})
    decision = f.String(allow_none=True, metadata={"description": "结论（统一词汇）"})
    comment = f.String(required=True, metadata={"description": "意见"})
    data = f.Dict(required=True, metadata={"description": "提交的表单数据（无权查看者为空）"})
    redacted = f.Boolean(required=True, metadata={"description": "是否因评审保密而隐去身份和内容"})


class HistoryList(ma.Schema):
    items = f.List(f.Nested(HistoryEntry), required=True)


class OpinionSchema(ma.Schema):
    at = when(required=True)
    instance_id = f.Integer(required=True)
    element_id = nullable_text()
    step = f.String(required=True)
    actor = nullable_text(metadata={"description": "用户名；评审专家对无权查看者隐藏（null）"})
    actor_name = f.String(required=True)
    decision = f.String(allow_none=True)
    comment = f.String(required=True)
    score = f.Integer(allow_none=True, metadata={"description": "评审专家的评分"})


class OpinionList(ma.Schema):
    items = f.List(f.Nested(OpinionSchema), required=True)
    committee = f.Dict(allow_none=True, metadata={"description": "评审委员会：已完成/总数与结果；有权查看者另见票数"})


class InstanceSchema(ma.Schema):
    id = f.Integer(required=True)
    process_key = f.String(required=True)
    version_id = f.Integer()
    status = f.String(required=True, validate=v.OneOf(["running", "suspended", "completed", "cancelled", "error"]))
    result = f.String(allow_none=True, metadata={"description": (
        "结果：nomination 的 appointed、rejected、withdrawn、expired、not_recommended、declined、submitted；"
        "committee_review 的 recommended、not_recommended；assessment 的 qualified、unqualified；"
        "benefit_application 的 approved、declined、ineligible；mentoring 的 completed、disqualified；"
        "selection_round 的 published；其他流程结束时为 completed 或 cancelled；未决为 null")})
    result_label = f.String(required=True)
    title = f.String(required=True)
    org_unit = nullable_text()
    category = nullable_text()
    round_id = f.Integer(allow_none=True)
    nomination_id = f.Integer(allow_none=True)
    business_key = nullable_text()
    parent_id = f.Integer(allow_none=True)
    started_by = f.String()
    started_at = when()
    ended_at = when()
    current_steps = f.List(f.Nested(TaskBrief), required=True, metadata={"description": "当前待办环节"})
    tasks = f.List(f.Nested(TaskSchema))


class StartInstanceRequest(Closed):
    process_key = f.String(required=True, validate=v.Length(min=1, max=120),
                           metadata={"example": "nomination", "description": "流程标识（不存在时 404；无权发起时 403）"})
    data = f.Dict(metadata={"description": "启动数据，按流程的启动表单校验（不符合时 422）"})
    title = f.String(validate=v.Length(max=300))
    business_key = f.String(validate=v.Length(max=120))


class CancelRequest(Closed):
    reason = f.String(required=True, validate=v.Length(min=1, max=2000), metadata={"description": "取消原因"})


class AssignRequest(Closed):
    username = f.String(required=True, validate=v.Length(min=1, max=80))
    comment = text(2000)


class CompleteRequest(Closed):
    decision = f.String(validate=v.OneOf(DECISIONS), metadata={"description": (
        "结论，统一词汇：approve（同意）、return（退回修改）、reject（不同意/不予推荐）、submit（提交）、withdraw（撤回）、"
        "confirm、decline、agree、disagree、abstain、sign、publish、qualified、unqualified、extend、close。"
        "按表单映射到其结论字段（GET /tasks/{task_id} 的 decision_field 与 decisions）；approve 可用于 confirm、agree、sign、publish，"
        "reject 可用于 decline、disagree。表单没有结论字段时只接受 submit 或不填")})
    outcome = f.String(validate=v.OneOf(DECISIONS), metadata={"description": "同 decision（旧名称，保留兼容）"})
    comment = text(2000, metadata={"description": "意见；填入表单的意见字段（comment_field），并记入办理记录"})
    data = f.Dict(metadata={"description": (
        "表单数据，按待办的表单（form_schema）校验，不符合时 422 逐项说明。模型为该环节声明保留字段（kept_fields）时，"
        "未给出的字段沿用 GET /tasks/{task_id} 的 data（退回后再次提交只需给出修改的字段），再整体校验")})


class NextStep(TaskBrief):
    pass


class CompleteResult(ma.Schema):
    instance_id = f.Integer(required=True)
    task_id = f.Integer(required=True)
    task_uuid = f.String(required=True)
    element_id = f.String(required=True)
    decision = f.String(allow_none=True)
    status = f.String(required=True, validate=v.OneOf(["forwarded", "returned", "ineligible", "completed", "cancelled", "waiting"]),
                      metadata={"description": (
                          "forwarded：已送下一环节（如送单位审核）；returned：已退回前一环节；ineligible：未通过资格审查，已退回修改"
                          "（reasons 为原因）；completed：流程已办结（result 为结果）；cancelled：流程已取消；waiting：等待定时或其他流程")})
    message = f.String(required=True)
    reasons = f.List(f.String(), required=True)
    warnings = f.List(f.String(), required=True)
    next_steps = f.List(f.Nested(NextStep), required=True)
    instance_status = f.String(required=True)
    result = f.String(allow_none=True)


class NoticeSchema(ma.Schema):
    kind = f.String(required=True, validate=v.OneOf(["returned", "ineligible"]))
    reasons = f.List(f.String(), required=True)
    comment = f.String(required=True)
    by = nullable_text()
    at = when()
    step = f.String(required=True)


class TaskDetail(TaskSchema):
    can_act = f.Boolean(required=True)
    can_claim = f.Boolean(required=True)
    form_schema = f.Dict(allow_none=True, required=True, metadata={"description": "表单（JSON Schema，取自流程模型）"})
    data = f.Dict(required=True, metadata={"description": "表单的初始内容：之前提交、退回后保留的字段值"})
    kept_fields = f.List(f.String(), required=True, metadata={"description": "再次打开时保留的字段（可部分提交）"})
    decision_field = f.String(allow_none=True, required=True, metadata={"description": "结论在表单中的字段（以点分隔）"})
    decisions = f.List(f.String(), required=True, metadata={"description": "可选结论"})
    comment_field = f.String(allow_none=True, required=True)
    nomination_id = f.Integer(allow_none=True)
    eligibility = f.Nested(EligibilitySchema, allow_none=True)
    notice = f.Nested(NoticeSchema, allow_none=True, metadata={"description": "为何再次办理：退回意见或不符合条件的原因"})
    submitted = f.Dict(allow_none=True, metadata={"description": "已办事项提交的数据"})
    history = f.List(f.Nested(HistoryEntry), required=True)


# --------------------------------------------------------------------------- rounds

class RoundSchema(ma.Schema):
    round_id = f.Integer(required=True)
    year = f.Integer(required=True)
    title = f.String(required=True)
    status = f.String(required=True, metadata={"description": "open（报送中）、closed（评审中）、published（已公布）"})
    deadline = when(required=True)
    opened_at = when()
    closed_at = when()
    published_at = when()
    instance_id = f.Integer(allow_none=True)
    experts_per_panel = f.Integer()
    rule_num = f.Integer()
    rule_den = f.Integer()
    reminder_days = f.List(f.Integer())
    rules_version = f.Integer(allow_none=True)


class RoundList(ma.Schema):
    items = f.List(f.Nested(RoundSchema), required=True)


class RoundListArgs(Closed):
    status = f.String(validate=v.OneOf(["open", "closed", "published"]))
    year = f.Integer(validate=v.Range(min=2000, max=2100))


class OpenRoundRequest(Closed):
    year = f.Integer(required=True, validate=v.Range(min=2014, max=2100), metadata={"description": "评选年度"})
    deadline = f.Date(metadata={"description": "报送截止日期（默认按培带规则）"})
    title = f.String(validate=v.Length(min=2, max=100))
    reminder_days = f.List(f.Integer(validate=v.Range(min=1, max=366)), validate=v.Length(max=20))
    experts_per_panel = f.Integer(validate=v.Range(min=1, max=50))
    rule_num = f.Integer(validate=v.Range(min=1, max=100))
    rule_den = f.Integer(validate=v.Range(min=1, max=100))


class BoardRow(ma.Schema):
    unit_id = f.String(required=True)
    unit_name = f.String(required=True)
    total = f.Integer(required=True)
    in_preparation = f.Integer(required=True, metadata={"description": "填报中、退回修改、不符合条件"})
    submitted = f.Integer(required=True, metadata={"description": "已报送（含评审中及其后）"})
    ended = f.Integer(required=True, metadata={"description": "不予推荐、撤回、逾期"})
    last_submitted_at = when()


class BoardSchema(ma.Schema):
    round_id = f.Integer(required=True)
    units = f.List(f.Nested(BoardRow), required=True)


# --------------------------------------------------------------------------- nominations

class NominationSchema(ma.Schema):
    nomination_id = f.Integer(required=True)
    round_id = f.Integer(required=True)
    year = f.Integer(required=True)
    unit_id = f.String(required=True)
    unit_name = f.String(required=True)
    name = f.String(required=True, metadata={"description": "被推荐人姓名"})
    talent_type = nullable_text()
    category = nullable_text(metadata={"description": "评审类别"})
    status = f.String(required=True, metadata={"description": ", ".join(NOMINATION_STATUSES)})
    status_label = f.String(required=True)
    result = f.String(allow_none=True, metadata={"description": "appointed、rejected、withdrawn、expired、not_recommended、declined；未决为 null"})
    eligible = f.Boolean(allow_none=True)
    instance_id = f.Integer(allow_none=True)
    review_instance_id = f.Integer(allow_none=True)
    list_status = nullable_text()
    returns = f.Integer()
    created_by = f.String()
    created_at = when()
    submitted_at = when()
    decided_at = when()


class NominationDetail(NominationSchema):
    application = f.Dict(required=True, metadata={"description": "推荐申报表（附件2）最近一次提交的内容"})
    eligibility = f.Nested(EligibilitySchema, required=True)
    last_comment = f.String()
    list_note = f.String()
    votes = f.Dict(allow_none=True, metadata={"description": "评审票数（仅人才科、领导小组办公室主任可见）"})
    certificate_id = f.Integer(allow_none=True)
    current_steps = f.List(f.Nested(TaskBrief), required=True)


class NominationPage(PageSchema):
    items = f.List(f.Nested(NominationSchema), required=True)


class NominationListArgs(PageArgs):
    round_id = f.Integer(validate=ID32)
    unit_id = f.String(validate=v.Length(min=1, max=64))
    status = f.String(validate=v.OneOf(NOMINATION_STATUSES))
    category = f.String(validate=v.OneOf(CATEGORIES))
    q = f.String(validate=v.Length(min=1, max=80), metadata={"description": "姓名包含"})


class StartNominationRequest(Closed):
    round_id = f.Integer(required=True, validate=ID32, metadata={"description": "正在报送的评选轮次（GET /rounds?status=open）"})
    unit_id = f.String(required=True, validate=v.Length(min=1, max=40), metadata={"description": "推荐单位"})


class StartedNomination(NominationDetail):
    task_id = f.Integer(allow_none=True, required=True, metadata={"description": "推荐申报表的待办（已为发起人认领）"})


# --------------------------------------------------------------------------- pool, mentoring

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


class MentorPage(PageSchema):
    items = f.List(f.Nested(MentorSchema), required=True)


class MentorListArgs(PageArgs):
    q = f.String(validate=v.Length(min=1, max=80), metadata={"description": "姓名或聘书编号"})
    category = f.String(validate=v.OneOf(CATEGORIES))
    unit_id = f.String(validate=v.Length(min=1, max=64))
    round_id = f.Integer(validate=ID32)
    year = f.Integer(validate=v.Range(min=2000, max=2100), metadata={"description": "评选年度"})
    status = f.String(validate=v.OneOf(["active", "ended"]))


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


class MentorshipPage(PageSchema):
    items = f.List(f.Nested(MentorshipSchema), required=True)


class MentorshipListArgs(PageArgs):
    status = f.String(validate=v.OneOf(["agreement", "active", "completed", "disqualified"]))
    unit_id = f.String(validate=v.Length(min=1, max=64))
    mentor_id = f.Integer(validate=ID32)


class MenteeList(ma.Schema):
    items = f.List(f.Nested(MenteeSchema), required=True)


class PlanSchema(ma.Schema):
    mentee_id = f.Integer(required=True)
    name = f.String(required=True)
    plan = f.Dict(required=True)


class PlanList(ma.Schema):
    items = f.List(f.Nested(PlanSchema), required=True)


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


class ActivityList(ma.Schema):
    items = f.List(f.Nested(ActivitySchema), required=True)


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


class AssessmentPage(PageSchema):
    items = f.List(f.Nested(AssessmentSchema), required=True)


class AssessmentListArgs(PageArgs):
    mentorship_id = f.Integer(validate=ID32)
    status = f.String(validate=v.OneOf(["open", "qualified", "unqualified"]))
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


class BenefitPage(PageSchema):
    items = f.List(f.Nested(BenefitSchema), required=True)


class BenefitListArgs(PageArgs):
    status = f.String(validate=v.OneOf(["ineligible", "pending", "approved", "declined"]))
    kind = f.String(validate=v.OneOf(["bus_card", "apartment", "health_check", "recuperation", "training_class", "commendation"]))
    person_id = f.Integer(validate=ID32)


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


class CertificatePage(PageSchema):
    items = f.List(f.Nested(CertificateSchema), required=True)


class CertificateListArgs(PageArgs):
    round_id = f.Integer(validate=ID32)
    status = f.String(validate=v.OneOf(["valid", "revoked"]))
    unit_id = f.String(validate=v.Length(min=1, max=64))


class VerificationSchema(ma.Schema):
    state = f.String(required=True, validate=v.OneOf(["valid", "revoked", "unknown"]))
    number = nullable_text()
    revoked_on = f.Date(allow_none=True)


# --------------------------------------------------------------------------- documents, uploads, notifications

class DocumentLink(ma.Schema):
    kind = f.String(required=True, validate=v.OneOf(["nominee_list", "application_form", "agreement", "certificate"]))
    title = f.String(required=True)
    formats = f.List(f.String(), required=True)
    href = f.String(required=True, metadata={"description": "下载地址"})


class DocumentList(ma.Schema):
    items = f.List(f.Nested(DocumentLink), required=True)


class NomineeListArgs(Closed):
    format = f.String(load_default="pdf", validate=v.OneOf(["pdf", "xlsx"]))
    unit_id = f.String(validate=v.Length(min=1, max=64), metadata={"description": "只要一个单位的名单（单位只能取本单位的）"})


class UploadSchema(ma.Schema):
    upload_id = f.Integer(required=True)
    nomination_id = f.Integer(required=True)
    category = f.String(required=True)
    name = f.String(required=True)
    content_type = f.String(required=True)
    size = f.Integer(required=True)
    uploaded_by = f.String(required=True)
    uploaded_at = when()


class UploadList(ma.Schema):
    items = f.List(f.Nested(UploadSchema), required=True)


class UploadRequest(Closed):
    category = f.String(required=True, validate=v.OneOf(["degree", "title", "award", "research", "other"]), metadata={
        "description": "类别：degree 学历学位证书、title 职称证书、award 获奖证书、research 科研成果证明、other 其他证明材料"})
    file = f.Raw(required=True, metadata={"type": "string", "format": "binary",
                                          "description": "PDF、JPEG 或 PNG（不能含脚本等活动内容）"})


class NotificationSchema(ma.Schema):
    id = f.Integer(required=True)
    template = f.String(required=True)
    title = f.String(required=True)
    body = f.String(required=True)
    instance_id = f.Integer(allow_none=True)
    context = f.Dict(required=True)
    created_at = when()
    read_at = when()


class NotificationPage(PageSchema):
    items = f.List(f.Nested(NotificationSchema), required=True)
    unread = f.Integer(required=True)


class NotificationListArgs(PageArgs):
    unread = f.String(validate=v.OneOf(["0", "1"]), metadata={"description": "仅未读（1）"})


class MarkReadRequest(Closed):
    ids = f.List(f.Integer(validate=ID64), validate=v.Length(max=1000), metadata={"description": "不填则全部标为已读"})


class MarkReadResult(ma.Schema):
    marked = f.Integer(required=True)
    unread = f.Integer(required=True)


# --------------------------------------------------------------------------- clock (dry runs and tests)

class ClockRequest(Closed):
    to = f.AwareDateTime(format="iso", metadata={"description": "把程序时钟拨到此时刻（不能回拨）"})
    advance_days = f.Integer(validate=v.Range(min=0, max=3660))


class ClockSchema(ma.Schema):
    now = when(required=True)
    virtual = f.Boolean(required=True)
    fired = f.Integer(required=True, metadata={"description": "本次触发的定时事件数"})
    delivered = f.Integer(required=True, metadata={"description": "本次投递的消息数（文书生成除外）"})
