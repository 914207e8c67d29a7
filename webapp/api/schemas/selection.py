"""Selection rounds (评选) and nominations (推荐, 附件2)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from .common import CATEGORIES, ID32, NOMINATION_STATUSES, Closed, PageArgs, choice, id_filter, list_of, nullable_text, page_of, unit_filter, when, year_filter
from .work import EligibilitySchema, TaskBrief


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


RoundList = list_of(RoundSchema, "RoundList")


class RoundListArgs(Closed):
    status = choice(["open", "closed", "published"])
    year = year_filter()


class OpenRoundRequest(Closed):
    year = f.Integer(required=True, validate=v.Range(min=2014, max=2100), metadata={"description": "评选年度"})
    deadline = f.Date(metadata={"description": "报送截止日期（默认按培带规则）"})
    title = f.String(validate=[v.Length(min=2, max=100), v.Regexp(r"\s*\S")],
                     metadata={"description": "评选名称（不能只有空格；首尾的空格不保存）"})
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


NominationPage = page_of(NominationSchema, "NominationPage")


class NominationListArgs(PageArgs):
    round_id = id_filter()
    unit_id = unit_filter()
    status = choice(NOMINATION_STATUSES)
    category = choice(CATEGORIES)
    q = f.String(validate=v.Length(min=1, max=80), metadata={"description": "姓名包含"})


class StartNominationRequest(Closed):
    round_id = f.Integer(required=True, validate=ID32, metadata={"description": "正在报送的评选轮次（GET /rounds?status=open）"})
    unit_id = f.String(required=True, validate=v.Length(min=1, max=40), metadata={"description": "推荐单位"})


class StartedNomination(NominationDetail):
    task_id = f.Integer(allow_none=True, required=True, metadata={"description": "推荐申报表的待办（已为发起人认领）"})
