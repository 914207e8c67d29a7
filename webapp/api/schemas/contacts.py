"""Contact details and message channels (issue 17): a person's own e-mail address and mobile
number, an administrator's edit of anyone's, how each kind of message reaches the person, and
the talent section's list of who cannot be reached per unit. The rules of an address or a
number are :mod:`workflows.notifications.contacts`' (checked there, answered as field errors);
the document only bounds the length of what is sent."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from workflows.notifications.contacts import EMAIL_MAX
from workflows.notifications.kinds import CHANNELS, KINDS

from .common import Closed, choice, list_of, nullable_text, unit_filter

MOBILE_MAX = 40   # eleven digits with +86, spaces or dashes fit easily

EMAIL_TEXT = ("电子邮箱，如 wangli@example.cn（不超过 %d 个字符；只能是一个普通地址，不能含换行、引号、空格或多个收件人）；"
              "空字符串或 null 为删除") % EMAIL_MAX
MOBILE_TEXT = "手机号码：中国大陆 11 位手机号，以 13—19 开头，可带 +86、空格或短横线；空字符串或 null 为删除"
CHANNEL_TEXT = "接收方式：" + "；".join(f"{key} {label}" for key, label in CHANNELS.items())


def _email(**kw):
    return f.String(allow_none=True, validate=v.Length(max=EMAIL_MAX), metadata={"description": EMAIL_TEXT}, **kw)


def _mobile(**kw):
    return f.String(allow_none=True, validate=v.Length(max=MOBILE_MAX), metadata={"description": MOBILE_TEXT}, **kw)


class ContactsSchema(ma.Schema):
    username = f.String(required=True)
    email = nullable_text(required=True, metadata={"description": "已确认的电子邮箱（系统的邮件发到这里）"})
    mobile = nullable_text(required=True, metadata={"description": "手机号码（11 位数字）"})
    pending_email = nullable_text(required=True, metadata={
        "description": "待确认的新邮箱：确认链接已发到该地址，打开链接并确认后才取代 email"})


class ContactsChange(Closed):
    email = _email()
    mobile = _mobile()


class ConfirmationSchema(ma.Schema):
    email = f.String(required=True, metadata={"description": "确认链接发往的新邮箱"})
    mailed = f.Boolean(required=True, metadata={
        "description": "true：确认邮件已交给邮件服务器；false：系统尚未配置邮件服务器，确认邮件已保存，配置后发出"})


class OwnContactsResult(ContactsSchema):
    changed = f.List(choice(("email", "mobile")), required=True, metadata={"description": "立即生效的修改"})
    confirmation = f.Nested(ConfirmationSchema, allow_none=True, required=True, metadata={
        "description": "修改了邮箱时：确认邮件的去向（新邮箱在确认后生效）；否则 null"})


class ContactsResult(ContactsSchema):
    changed = f.List(choice(("email", "mobile")), required=True, metadata={"description": "有变化的项"})


class ChannelSchema(ma.Schema):
    kind = choice(KINDS, required=True, metadata={"description": "消息类别"})
    label = f.String(required=True)
    channel = choice(CHANNELS, required=True, metadata={"description": CHANNEL_TEXT})
    channel_label = f.String(required=True)


ChannelList = list_of(ChannelSchema, "ChannelList")

# one optional property per kind of message: {"tasks": "in_app", "round": "mail", ...}
ChannelsChange = type("ChannelsChange", (Closed,), {
    kind: choice(CHANNELS, metadata={"description": f"{label}。{CHANNEL_TEXT}"}) for kind, (label, _t) in KINDS.items()})


class UnreachableArgs(Closed):
    unit_id = unit_filter(metadata={"description": "只看这个单位（单位编号，如 hongshan）"})


class PersonSchema(ma.Schema):
    username = f.String(required=True)
    name = f.String(required=True, metadata={"description": "姓名"})


class UnitReachSchema(ma.Schema):
    unit_id = f.String(required=True)
    unit_name = f.String(required=True)
    people = f.Integer(required=True, metadata={"description": "在用账号数"})
    complete = f.Boolean(required=True, metadata={"description": "全部人员都有电子邮箱和手机号码"})
    no_email = f.List(f.Nested(PersonSchema), required=True, metadata={"description": "没有电子邮箱的人员"})
    no_mobile = f.List(f.Nested(PersonSchema), required=True, metadata={"description": "没有手机号码的人员"})


UnreachableList = list_of(UnitReachSchema, "UnreachableList", units_with_gaps=f.Integer(
    required=True, metadata={"description": "有人员缺少联系方式的单位数"}))
