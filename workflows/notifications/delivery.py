"""Deliverers of the ``notify`` and ``incident`` outbox topics (run by the worker).

``notify`` payload: ``{"template": name, "users": [usernames], "context": {...}}``. Each user
gets one in-app notification and, with an e-mail address, one mail; both are keyed by the
outbox message id, so a redelivered message adds nothing. Mails go out over SMTP
(``PEIDAI_SMTP_*``); without a configured host they are kept in the database (status ``kept``).
A mail the SMTP server took is marked ``sent``; a crash between the two can send it twice
(SMTP offers no idempotency), everything else happens once.
"""
from __future__ import annotations

import json
import logging
import smtplib
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.identity import users_holding
from engine.outbox import Undeliverable
from engine.tables import User

from .tables import Mail, Notification
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
    smtp = bool(system.settings.smtp_host)
    with engine.unit_of_work() as s:
        people = {u.username: u for u in s.execute(select(User.username, User.display_name, User.email)
                                                    .where(User.username.in_(users), User.active.is_(True)))}
        unknown = [u for u in users if u not in people]
        if unknown:
            log.warning("notify message %s: no active user %s", message_id, ", ".join(unknown))
        for username in users:
            person = people.get(username)
            if person is None:
                continue
            key = f"outbox:{message_id}:{username}"
            _insert_ignore(s, Notification, dict(
                key=key, username=username, template=template, title=title[:300], body=body,
                context_json=json.dumps(context, ensure_ascii=False, default=str),
                instance_id=context.get("instance_id") if isinstance(context.get("instance_id"), int) else None,
                created_at=now))
            if person.email:
                _insert_ignore(s, Mail, dict(
                    key=key, username=username, to_address=_address(person.display_name, person.email),
                    subject=title[:300], body=f"{body}\n\n——\n{title_en}\n{body_en}\n",
                    status="queued" if smtp else "kept", created_at=now))
    if smtp:
        send_queued(system, f"outbox:{message_id}:")


def _address(name: str, email: str) -> str:
    name = "".join(c for c in (name or "") if c not in '<>",;\r\n').strip()
    return f"{name} <{email}>" if name else email


def send_queued(system, key_prefix: str = "") -> int:
    """Send the queued mails (of one message when ``key_prefix`` is given); returns how many."""
    engine, settings = system.engine, system.settings
    with engine.sessions() as s:
        q = select(Mail.id, Mail.to_address, Mail.subject, Mail.body).where(Mail.status == "queued")
        if key_prefix:
            q = q.where(Mail.key.startswith(key_prefix, autoescape=True))
        mails = s.execute(q.order_by(Mail.id)).all()
    if not mails:
        return 0
    with _connect(settings) as smtp:
        for mail in mails:
            message = EmailMessage()
            message["From"] = settings.smtp_sender
            message["To"] = mail.to_address
            message["Subject"] = mail.subject
            message.set_content(mail.body)
            smtp.send_message(message)
            with engine.unit_of_work() as s:
                s.execute(update(Mail).where(Mail.id == mail.id).values(status="sent", sent_at=engine.now()))
    return len(mails)


def _connect(settings) -> smtplib.SMTP:
    if settings.smtp_port == 465:
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=30)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
    if settings.smtp_user:
        smtp.login(settings.smtp_user, settings.smtp_password)
    return smtp


def deliver_incident(payload: dict, message_id: int, system) -> None:
    """A failed instance (written by the engine): tell the administrators."""
    if not isinstance(payload, dict):
        raise Undeliverable("故障通知内容必须是 JSON 对象")
    with system.engine.sessions() as s:
        admins = users_holding(s, system.engine.config.admin_role, None)
    if admins:
        deliver_notify({"template": "incident", "users": admins, "context": payload}, message_id, system)
