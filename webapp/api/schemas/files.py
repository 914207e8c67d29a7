"""Documents (附件1–3, 聘书), uploads, notifications and the programme clock of dry runs."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from .common import ID64, Closed, PageArgs, choice, list_of, page_of, unit_filter, when


class DocumentLink(ma.Schema):
    kind = f.String(required=True, validate=v.OneOf(["nominee_list", "application_form", "agreement", "certificate"]))
    title = f.String(required=True)
    formats = f.List(f.String(), required=True)
    href = f.String(required=True, metadata={"description": "下载地址"})


DocumentList = list_of(DocumentLink, "DocumentList")


class NomineeListArgs(Closed):
    format = f.String(load_default="pdf", validate=v.OneOf(["pdf", "xlsx"]))
    unit_id = unit_filter(metadata={"description": "只要一个单位的名单（单位只能取本单位的）"})


class UploadSchema(ma.Schema):
    upload_id = f.Integer(required=True)
    nomination_id = f.Integer(required=True)
    category = f.String(required=True)
    name = f.String(required=True)
    content_type = f.String(required=True)
    size = f.Integer(required=True)
    uploaded_by = f.String(required=True)
    uploaded_at = when()


UploadList = list_of(UploadSchema, "UploadList")


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


NotificationPage = page_of(NotificationSchema, "NotificationPage", unread=f.Integer(required=True))


class NotificationListArgs(PageArgs):
    unread = choice(["0", "1"], metadata={"description": "仅未读（1）"})


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
