"""Kinds of message and each person's channel for them: in-app only, or in-app plus mail.

Every template belongs to one kind (``KINDS``); a template of no kind, and links a person needs
to get into the system (``ALWAYS_MAIL``), always go by mail as well. Without a choice of their
own people get ``DEFAULT_CHANNEL`` (in-app plus mail), so a reminder reaches whoever has an
address.
"""
from __future__ import annotations

from sqlalchemy import delete, select

from engine import InvalidData

from .tables import ChannelPreference

IN_APP, MAIL = "in_app", "mail"
CHANNELS = {IN_APP: "仅站内消息", MAIL: "站内消息和邮件"}
DEFAULT_CHANNEL = MAIL

# kind -> (label, templates)
KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "tasks": ("待办、超期提醒和催办", frozenset({"task_assigned", "task_overdue", "urge"})),
    "round": ("评选通知和截止提醒", frozenset({"deadline_reminder", "deadline_escalation", "round_due"})),
    "results": ("审核结果、退回修改和聘书", frozenset({"returned_for_revision", "decision_result", "certificate_issued"})),
    "mentoring": ("培带期、年度考核和资格", frozenset({"assessment_due", "disqualified", "period_completed"})),
    "system": ("账号待激活和系统故障", frozenset({"account_pending", "incident"})),
}
ALWAYS_MAIL = frozenset({"account_activation", "password_reset"})
_KIND_OF = {template: kind for kind, (_label, templates) in KINDS.items() for template in templates}


def kind_of(template: str) -> str | None:
    return _KIND_OF.get(template)


def preferences(session, username: str) -> dict[str, str]:
    """kind -> channel for every kind (the default where the person chose nothing)."""
    chosen = dict(session.execute(select(ChannelPreference.kind, ChannelPreference.channel)
                                  .where(ChannelPreference.username == username)).all())
    return {kind: chosen.get(kind, DEFAULT_CHANNEL) if chosen.get(kind) in CHANNELS else DEFAULT_CHANNEL
            for kind in KINDS}


def wants_mail(session, usernames, template: str) -> set[str]:
    """Which of ``usernames`` get ``template`` by mail as well as in the app."""
    usernames = list(usernames)
    kind = kind_of(template)
    if kind is None or template in ALWAYS_MAIL or not usernames:
        return set(usernames)
    in_app_only = set(session.scalars(select(ChannelPreference.username).where(
        ChannelPreference.username.in_(usernames), ChannelPreference.kind == kind, ChannelPreference.channel == IN_APP)))
    return set(usernames) - in_app_only


def check_choices(choices: dict) -> dict[str, str]:
    """``{kind: channel}`` from a form or the command line; an unknown kind or channel is refused."""
    if not isinstance(choices, dict):
        raise InvalidData("消息接收方式必须是“消息类别 → 方式”的对应表")
    out = {}
    for kind, channel in choices.items():
        if kind not in KINDS:
            raise InvalidData(f"没有这类消息：{str(kind)[:40]}", field="kind")
        if channel not in CHANNELS:
            raise InvalidData(f"接收方式只能是“{CHANNELS[IN_APP]}”或“{CHANNELS[MAIL]}”", field=kind)
        out[kind] = channel
    return out


def set_preferences(engine, username: str, choices: dict, *, by: str | None = None) -> dict[str, str]:
    """Save the person's channel for each kind in ``choices`` (``by``: who changed it, when not
    the person); returns every kind's channel."""
    choices = check_choices(choices)
    with engine.unit_of_work() as s:
        if choices:
            s.execute(delete(ChannelPreference).where(ChannelPreference.username == username,
                                                      ChannelPreference.kind.in_(list(choices))))
            for kind, channel in choices.items():
                if channel != DEFAULT_CHANNEL:
                    s.add(ChannelPreference(username=username, kind=kind, channel=channel))
            s.flush()
        engine.audit(s, by or username, "channel_preferences_changed", data={"username": username, "channels": choices})
        return preferences(s, username)
