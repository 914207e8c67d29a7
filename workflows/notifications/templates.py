"""Message templates, Chinese first (``zh``) with English second (``en``).

A template is ``(title, body)`` in :meth:`str.format` syntax over the message's ``context``.
Rendering never fails on a missing or odd context value: a missing key renders as the
template's default (``DEFAULTS``) or “—”, so a programme operation that sends less than a
template names still produces a readable message. Add a template by adding an entry here::

    TEMPLATES["interview_invited"] = {
        "zh": ("面谈通知：{name}", "请于 {date} 到人才科面谈。"),
        "en": ("Interview: {name}", "Please come to the talent section on {date}."),
    }
"""
from __future__ import annotations

import string

from .times import words

MISSING = "—"
# context values that are days or moments (ISO text, China time): written as the pages write dates
DATE_KEYS = ("due", "deadline", "expires", "date")

TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "deadline_reminder": {
        "zh": ("推荐截止提醒：{year}年度人才培带人评选",
               "{unit_name}：{year}年度人才培带人评选的推荐材料将于 {deadline} 截止，还剩 {days_left} 天。"
               "贵单位目前已提交推荐 {submitted} 人，请按时提交。"),
        "en": ("Nomination deadline: {year} selection round",
               "{unit_name}: nominations for the {year} round close on {deadline}, in {days_left} days. "
               "Your unit has submitted {submitted} so far."),
    },
    "deadline_escalation": {
        "zh": ("推荐已截止：{count} 个单位未提交",
               "{year}年度人才培带人评选已于 {deadline} 截止，以下单位尚未提交推荐：{units}。请督促或按规定处理。"),
        "en": ("Deadline passed: {count} units have not submitted",
               "The {year} round closed on {deadline}; these units have not submitted: {units}."),
    },
    "task_assigned": {
        "zh": ("新待办：{task_name}", "您有一项新的待办事项“{task_name}”（{title}），办理期限：{due}。"),
        "en": ("New task: {task_name}", "You have a new task “{task_name}” ({title}); due {due}."),
    },
    "task_overdue": {
        "zh": ("待办已超期：{task_name}", "待办事项“{task_name}”（{title}）已于 {due} 到期，已超期 {days_overdue} 天，请尽快办理。"),
        "en": ("Overdue: {task_name}", "The task “{task_name}” ({title}) was due {due}, {days_overdue} days ago."),
    },
    "urge": {
        "zh": ("催办：{task_name}", "{by_name}催办待办事项“{task_name}”（{title}），办理期限 {due} 已过。{comment}"),
        "en": ("Reminder from {by_name}: {task_name}", "{by_name} asks you to finish “{task_name}” ({title}), due {due}. {comment}"),
    },
    "returned_for_revision": {
        "zh": ("退回修改：{name}", "{unit_name}{name}的材料被退回修改。意见：{comment}"),
        "en": ("Returned for revision: {name}", "The {kind} of {name} was returned for revision. Comment: {comment}"),
    },
    "decision_result": {
        "zh": ("审核结果：{name}", "{name}的审核结果：{outcome_label}。{comment}"),
        "en": ("Decision: {name}", "The decision on {name}: {outcome}. {comment}"),
    },
    "certificate_issued": {
        "zh": ("聘书已颁发：{name}", "{unit_name}{name}已被聘为{year}年度人才培带人，聘书编号 {number}。"),
        "en": ("Certificate issued: {name}", "{name} is appointed mentor ({year}); certificate number {number}."),
    },
    "assessment_due": {
        "zh": ("年度考核待办：{mentor_name}", "{unit_name}请于 {due} 前完成人才培带人{mentor_name}第 {year_no} 年度的考核。"),
        "en": ("Annual assessment due: {mentor_name}", "Please assess mentor {mentor_name} (year {year_no}) by {due}."),
    },
    "disqualified": {
        "zh": ("取消人才培带人资格：{mentor_name}",
               "{unit_name}人才培带人{mentor_name}（聘书编号 {certificate_number}）的资格已取消。原因：{reason}"),
        "en": ("Mentor status revoked: {mentor_name}",
               "The appointment of {mentor_name} (certificate {certificate_number}) is revoked. Reason: {reason}"),
    },
    "period_completed": {
        "zh": ("培带期满：{mentor_name}", "{unit_name}人才培带人{mentor_name}的培带期已满，培带对象 {mentees} 进入第二梯队。"),
        "en": ("Mentoring period completed: {mentor_name}", "The mentoring period of {mentor_name} has ended; {mentees} join the second tier."),
    },
    "round_due": {
        "zh": ("新一轮评选提醒", "上一轮人才培带人评选为 {last_year} 年，请准备开启 {next_year} 年度评选。"),
        "en": ("Next selection round", "The last round was {last_year}; please open the {next_year} round."),
    },
    # accounts (webapp.accounts, issue 11): the link is one-time and expires; never logged elsewhere
    "account_activation": {
        "zh": ("激活您的账号：{name}",
               "{name}：您在赤峰市人才培带工程管理系统的账号（用户名 {username}）已开通。请打开以下链接设置登录密码，"
               "链接只能使用一次，{expires} 前有效：\n{link}\n如非本人操作，请忽略本邮件。"),
        "en": ("Activate your account: {name}",
               "Your account (user name {username}) is ready. Open this link to choose your password; it works once, "
               "until {expires}:\n{link}"),
    },
    "password_reset": {
        "zh": ("重置密码：{name}",
               "{name}：请打开以下链接为账号 {username} 设置新密码，链接只能使用一次，{expires} 前有效：\n{link}\n"
               "如非本人申请，请忽略本邮件，您的密码不会改变。"),
        "en": ("Reset your password: {name}",
               "Open this link to choose a new password for {username}; it works once, until {expires}:\n{link}\n"
               "If you did not ask for it, ignore this mail."),
    },
    "account_pending": {
        "zh": ("新账号待激活：{name}",
               "{unit_name}{name}（用户名 {username}）的账号已开通，尚未设置密码。请在“账号激活”页生成激活链接并交给本人。"),
        "en": ("New account to activate: {name}",
               "The account of {name} (user name {username}) has no password yet: issue its activation link on the "
               "account activation page and hand it over."),
    },
    "incident": {
        "zh": ("系统故障：流程实例 {instance_id}", "流程实例 {instance_id} 运行出错，需要管理员处理。错误：{error}"),
        "en": ("Incident: instance {instance_id}", "Process instance {instance_id} failed and needs an administrator. Error: {error}"),
    },
}

DEFAULTS: dict[str, dict[str, object]] = {
    "deadline_reminder": {"submitted": 0, "unit_name": "贵单位"},
    "returned_for_revision": {"unit_name": "", "comment": "（无）"},
    "decision_result": {"comment": ""},
    "urge": {"comment": "", "by_name": "有关单位"},
    "assessment_due": {"unit_name": ""},
    "certificate_issued": {"unit_name": ""},
    "disqualified": {"unit_name": ""},
    "period_completed": {"unit_name": ""},
    "account_pending": {"unit_name": ""},
}

LANGUAGES = ("zh", "en")


class _Values(dict):
    def __missing__(self, key):
        return MISSING


class _Formatter(string.Formatter):
    def get_field(self, field_name, args, kwargs):
        try:
            return super().get_field(field_name, args, kwargs)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):
            return MISSING, field_name

    def format_field(self, value, format_spec):
        try:
            return super().format_field(value, format_spec)
        except (TypeError, ValueError):
            return str(value)


_FORMATTER = _Formatter()


def _text(value) -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) if value else MISSING
    return str(value)


def render(template: str, context: dict | None, lang: str = "zh") -> tuple[str, str]:
    """``(title, body)`` of ``template`` in ``lang`` (``zh`` first, ``en``). Raises KeyError for
    an unknown template."""
    texts = TEMPLATES[template]
    title, body = texts.get(lang) or texts["zh"]
    values = _Values({k: str(v) for k, v in DEFAULTS.get(template, {}).items()})
    for k, v in (context or {}).items():
        if (v is None or v == "" or v == []) and k in values:
            continue
        values[k] = _text(v)
    for k in DATE_KEYS:
        if k in values:
            values[k] = words(values[k], lang)
    return _FORMATTER.vformat(title, (), values).strip(), _FORMATTER.vformat(body, (), values).strip()
