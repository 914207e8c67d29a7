"""Deliverers of the ``notify``, ``incident`` and ``mail/confirm_address`` outbox topics (run by
the worker).

``notify`` payload: ``{"template": name, "users": [usernames], "context": {...}}``. Each user
gets one in-app notification and, with an e-mail address and unless they chose in-app only for
this kind of message (:mod:`.kinds`), one mail; both are keyed by the outbox message id, so a
redelivered message adds nothing. Mails go out over SMTP (:mod:`.mailer`); without a configured
host they are ``kept`` and sent once one is. When some mails of a message fail, the message fails
too (each mail says why) and the outbox tries again: only the mails not sent yet are sent again;
a retry while no SMTP host is configured keeps them (never a ``queued`` mail left behind).
"""
from __future__ import annotations

import json
import logging

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.identity import users_holding
from engine.outbox import Undeliverable
from engine.tables import User

from . import mailer
from .kinds import wants_mail
from .tables import ContactDetails, Mail, Notification
from .templates import TEMPLATES, render

log = logging.getLogger(__name__)

MAX_USERS = 5000


def _insert_ignore(session, table, values: dict) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=["key"]))


def check_payload(payload) -> tuple[str, list[str], dict]:
    """The template, users and context of a ``notify`` payload; Undeliverable when malformed."""
    if not isinstance(payload, dict):
        raise Undeliverable("通知内容必须是 JSON 对象")
    template = payload.get("template")
    if template not in TEMPLATES:
        raise Undeliverable(f"未知的通知模板“{template}”")
    users = payload.get("users")
    if not isinstance(users, list) or not all(isinstance(u, str) and u.strip() for u in users):
        raise Undeliverable("通知的接收人（users）必须是用户名列表")
    if len(users) > MAX_USERS:
        raise Undeliverable(f"一条通知最多发给 {MAX_USERS} 人")
    context = payload.get("context") or {}
    if not isinstance(context, dict):
        raise Undeliverable("通知的上下文（context）必须是 JSON 对象")
    return template, list(dict.fromkeys(u.strip() for u in users)), context


def deliver_notify(payload: dict, message_id: int, system) -> None:
    template, users, context = check_payload(payload)
    title, body = render(template, context, "zh")
    title_en, body_en = render(template, context, "en")
    engine = system.engine
    now = engine.now()
    smtp = mailer.smtp_configured(system.settings)
    prefix = f"outbox:{message_id}:"
    with engine.unit_of_work() as s:
        people = {u.username: u for u in s.execute(select(User.username, User.display_name, User.email)
                                                    .where(User.username.in_(users), User.active.is_(True)))}
        unknown = [u for u in users if u not in people]
        if unknown:
            log.warning("notify message %s: no active user %s", message_id, ", ".join(unknown))
        by_mail = wants_mail(s, list(people), template)
        for username in users:
            person = people.get(username)
            if person is None:
                continue
            key = prefix + username
            _insert_ignore(s, Notification, dict(
                key=key, username=username, template=template, title=title[:300], body=body,
                context_json=json.dumps(context, ensure_ascii=False, default=str),
                instance_id=context.get("instance_id") if isinstance(context.get("instance_id"), int) else None,
                created_at=now))
            if person.email and username in by_mail:
                _insert_ignore(s, Mail, dict(
                    key=key, username=username, to_address=mailer.address(person.display_name, person.email),
                    subject=title[:300], body=f"{body}\n\n——\n{title_en}\n{body_en}\n",
                    status=mailer.QUEUED if smtp else mailer.KEPT, created_at=now, attempts=0))
        if not smtp:   # a retry without SMTP: what failed before is kept until a server is configured
            s.execute(update(Mail).where(Mail.key.startswith(prefix, autoescape=True),
                                         Mail.status.in_((mailer.QUEUED, mailer.FAILED))).values(status=mailer.KEPT))
    if smtp:
        send_message_mails(system, prefix)


def send_message_mails(system, prefix: str) -> None:
    """Send the mails of one outbox message that are not sent yet; MailNotSent when some fail."""
    ids = mailer.claim(system.engine, select(Mail.id).where(
        Mail.key.startswith(prefix, autoescape=True), Mail.status.in_((mailer.FAILED, mailer.KEPT, mailer.QUEUED))),
        (mailer.FAILED, mailer.KEPT, mailer.QUEUED))
    counts = mailer.send_mails(system, ids)
    if counts["failed"]:
        raise mailer.MailNotSent(f"{counts['failed']} 封邮件未发出：{counts['reason']}")


def deliver_address_confirmation(payload: dict, message_id: int, system) -> None:
    """``mail/confirm_address`` (:mod:`.contacts`): the confirmation link goes to the address
    waiting for it, read from the database (never from the payload); nothing when the change was
    confirmed, replaced or withdrawn meanwhile."""
    if not isinstance(payload, dict) or not isinstance(payload.get("username"), str) \
            or not isinstance(payload.get("digest"), str):
        raise Undeliverable("邮箱确认消息的内容不完整")
    from .contacts import confirmation_text
    engine = system.engine
    smtp = mailer.smtp_configured(system.settings)
    key = f"outbox:{message_id}:{payload['username']}"
    with engine.unit_of_work() as s:
        row = s.get(ContactDetails, payload["username"])
        name = s.scalar(select(User.display_name).where(User.username == payload["username"]))
        if row is None or not row.pending_email or not (row.pending_token_hash or "").startswith(payload["digest"]):
            return
        subject, body = confirmation_text(name or payload["username"], payload)
        _insert_ignore(s, Mail, dict(key=key, username=payload["username"], to_address=mailer.address(name, row.pending_email),
                                     subject=subject[:300], body=body, created_at=engine.now(), attempts=0,
                                     status=mailer.QUEUED if smtp else mailer.KEPT))
        if not smtp:
            s.execute(update(Mail).where(Mail.key == key, Mail.status.in_((mailer.QUEUED, mailer.FAILED)))
                      .values(status=mailer.KEPT))
    if smtp:
        send_message_mails(system, f"outbox:{message_id}:")


def deliver_incident(payload: dict, message_id: int, system) -> None:
    """A failed instance (written by the engine): tell the administrators."""
    if not isinstance(payload, dict):
        raise Undeliverable("故障通知内容必须是 JSON 对象")
    with system.engine.sessions() as s:
        admins = users_holding(s, system.engine.config.admin_role, None)
    if admins:
        deliver_notify({"template": "incident", "users": admins, "context": payload}, message_id, system)
