"""Tasks, process instances, their history and opinions, and the deployed model versions."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from .common import DECISIONS, CATEGORIES, Closed, PageArgs, choice, id_filter, list_of, nullable_text, page_of, text, unit_filter, when


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


ModelVersionList = list_of(ModelVersionSchema, "ModelVersionList")


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


TaskPage = page_of(TaskSchema, "TaskPage")


class TaskListArgs(PageArgs):
    box = f.String(load_default="todo", validate=v.OneOf(["todo", "group", "done"]),
                   metadata={"description": "todo（我的待办）、group（待认领）、done（已办）"})
    round_id = id_filter(metadata={"description": "评选轮次"})
    category = choice(CATEGORIES, metadata={"description": "人才类别"})
    org_unit = unit_filter(metadata={"description": "单位"})
    overdue = choice(["0", "1"], metadata={"description": "仅已超期（1）"})


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


HistoryList = list_of(HistoryEntry, "HistoryList")


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


OpinionList = list_of(OpinionSchema, "OpinionList", committee=f.Dict(allow_none=True, metadata={
    "description": "评审委员会：已完成/总数与结果；有权查看者另见票数"}))


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


class TransferRequest(Closed):
    username = f.String(required=True, validate=v.Length(min=1, max=80), metadata={"description": "接手的用户"})
    comment = f.String(required=True, validate=[v.Length(min=1, max=2000), v.Regexp(r"\s*\S")],
                       metadata={"description": "转办说明（必填）"})


class WithdrawRequest(Closed):
    comment = text(2000, metadata={"description": "撤回原因"})


class CompleteRequest(Closed):
    decision = choice(DECISIONS, metadata={"description": (
        "结论，统一词汇：approve（同意）、return（退回修改）、reject（不同意/不予推荐）、submit（提交）、withdraw（撤回）、"
        "confirm、decline、agree、disagree、abstain、sign、publish、qualified、unqualified、extend、close。"
        "按表单映射到其结论字段（GET /tasks/{task_id} 的 decision_field 与 decisions）；approve 可用于 confirm、agree、sign、publish，"
        "reject 可用于 decline、disagree。表单没有结论字段时只接受 submit 或不填")})
    outcome = choice(DECISIONS, metadata={"description": "同 decision（旧名称，保留兼容）"})
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
