"""Sending the mails over SMTP (``PEIDAI_SMTP_*``), and saying why when one does not go out.

A mail row is ``queued`` while it is being sent, then ``sent``, or ``failed`` with the reason in
Chinese (``error``); without a configured SMTP host it is ``kept`` and :func:`send_kept` sends it
once a host is configured (the worker's beat, ``peidai outbox deliver``). Mails of an outbox
message that failed are sent again when the message is retried (:mod:`.delivery`); a kept mail
that fails ``MAX_ATTEMPTS`` times becomes ``failed``; an administrator can send a failed or kept
mail again (:func:`resend`). SMTP offers no idempotency: a crash right after the server took a
mail sends it twice; nothing else does.
"""
from __future__ import annotations

import logging
import smtplib
import socket
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import and_, false, or_, select, update

from engine import InvalidData, InvalidState, NotFound

from .tables import Mail

log = logging.getLogger(__name__)

QUEUED, SENT, KEPT, FAILED = "queued", "sent", "kept", "failed"
STATUS_LABELS = {QUEUED: "正在发送", SENT: "已发送", KEPT: "未配置邮件服务器，已保存待发", FAILED: "发送失败"}
MAX_ATTEMPTS = 5
TIMEOUT = 30


class MailNotSent(Exception):
    """Some mails of a delivery did not go out (each row says why); the outbox tries again."""


def smtp_configured(settings) -> bool:
    return bool(settings.smtp_host)


def connect(settings) -> smtplib.SMTP:
    if settings.smtp_port == 465:
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
    if settings.smtp_user:
        smtp.login(settings.smtp_user, settings.smtp_password)
    return smtp


def reason(exc: BaseException, settings) -> str:
    """Why a mail did not go out, in Chinese, with the server's own words."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"邮件服务器 {where} 拒绝了用户名或密码（{exc.smtp_code}）"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "；".join(f"{addr}：{code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items())
        return f"邮件服务器拒收收件人：{refused}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"邮件服务器拒绝发件人 {exc.sender}：{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"邮件服务器 {where} 拒绝发送：{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout,
                        TimeoutError)):
        return f"无法连接邮件服务器 {where}：{exc or type(exc).__name__}"
    if isinstance(exc, socket.gaierror):
        return f"找不到邮件服务器 {settings.smtp_host}：{exc}"
    if isinstance(exc, OSError):
        return f"无法连接邮件服务器 {where}：{exc}"
    return f"发送失败（{type(exc).__name__}）：{exc}"


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def message(settings, to_address: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.smtp_sender
    mail["To"] = to_address
    mail["Subject"] = subject
    mail.set_content(body)
    return mail


def address(name: str, email: str) -> str:
    """``姓名 <addr>``; the name loses whatever could end the header or quote the address."""
    name = "".join(c for c in (name or "") if c.isprintable() and c not in '<>",;\\').strip()
    return f"{name} <{email}>" if name else email


def send_mails(system, ids: list[int]) -> dict:
    """Send the mails ``ids`` (claimed by the caller: status ``queued``). Each ends ``sent`` or
    ``failed`` with the reason; returns counts ``sent`` / ``failed`` and the first reason."""
    engine, settings = system.engine, system.settings
    counts = {"sent": 0, "failed": 0, "reason": None}
    if not ids:
        return counts
    with engine.sessions() as s:
        rows = s.execute(select(Mail.id, Mail.to_address, Mail.subject, Mail.body)
                         .where(Mail.id.in_(ids), Mail.status == QUEUED).order_by(Mail.id)).all()
    if not rows:
        return counts
    try:
        smtp = connect(settings)
    except Exception as exc:  # noqa: BLE001 - every mail says why it was not sent
        why = reason(exc, settings)
        _mark(engine, [r.id for r in rows], FAILED, why)
        log.warning("SMTP connection failed: %s", why)
        return {"sent": 0, "failed": len(rows), "reason": why}
    with smtp:
        for row in rows:
            try:
                smtp.send_message(message(settings, row.to_address, row.subject, row.body))
            except Exception as exc:  # noqa: BLE001
                why = reason(exc, settings)
                _mark(engine, [row.id], FAILED, why)
                counts["failed"] += 1
                counts["reason"] = counts["reason"] or why
                if isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                    rest = [r.id for r in rows if r.id > row.id]
                    _mark(engine, rest, FAILED, why)
                    counts["failed"] += len(rest)
                    break
            else:
                _mark(engine, [row.id], SENT, None)
                counts["sent"] += 1
    return counts


def _mark(engine, ids: list[int], status: str, error: str | None) -> None:
    if not ids:
        return
    values = {"status": status, "error": error[:2000] if error else None, "attempts": Mail.attempts + 1}
    if status == SENT:
        values["sent_at"] = engine.now()
    with engine.unit_of_work() as s:
        s.execute(update(Mail).where(Mail.id.in_(ids)).values(**values))


CLAIM_STALE = timedelta(minutes=15)   # a claimed mail not sent by then (its sender died) is claimed again


def claim(engine, ids_query, from_statuses) -> list[int]:
    """Move the mails the query selects from ``from_statuses`` to ``queued``, stamped with the
    claim's time; returns those this call moved. Two senders never both claim one mail: a
    ``queued`` mail is claimable only before anyone claimed it (just written by its outbox
    message) or when its claim is older than :data:`CLAIM_STALE` (its sender died). Before this,
    a retried or doubled outbox delivery sent the same queued mail twice."""
    now = engine.now()
    others = tuple(st for st in from_statuses if st != QUEUED)
    free = Mail.status.in_(others) if others else false()
    if QUEUED in from_statuses:
        free = or_(free, and_(Mail.status == QUEUED,
                              or_(Mail.claimed_at.is_(None), Mail.claimed_at < now - CLAIM_STALE)))
    with engine.unit_of_work() as s:
        ids = list(s.scalars(ids_query))
        if not ids:
            return []
        return list(s.scalars(update(Mail).where(Mail.id.in_(ids), free)
                              .values(status=QUEUED, claimed_at=now).returning(Mail.id)))


def send_kept(system, *, limit: int = 200) -> dict:
    """Send the mails kept while no SMTP server was configured (nothing without one). A mail that
    fails goes back to ``kept`` with the reason and is tried again; after ``MAX_ATTEMPTS`` it is
    ``failed``."""
    engine = system.engine
    if not smtp_configured(system.settings):
        return {"sent": 0, "failed": 0, "reason": None}
    ids = claim(engine, select(Mail.id).where(Mail.status == KEPT, Mail.attempts < MAX_ATTEMPTS)
                .order_by(Mail.id).limit(limit), (KEPT,))
    counts = send_mails(system, ids)
    if counts["failed"]:
        with engine.unit_of_work() as s:   # not given up yet: kept (with the reason) for the next sweep
            s.execute(update(Mail).where(Mail.id.in_(ids), Mail.status == FAILED, Mail.attempts < MAX_ATTEMPTS)
                      .values(status=KEPT))
    return counts


def resend(system, mail_id) -> str:
    """An administrator sends a failed or kept mail again, now; returns its new status."""
    try:
        mail_id = int(mail_id)
    except (TypeError, ValueError):
        raise InvalidData("邮件编号必须是整数") from None
    engine = system.engine
    with engine.sessions() as s:
        row = s.get(Mail, mail_id)
        if row is None:
            raise NotFound(f"邮件 {mail_id} 不存在")
        status = row.status
    if status not in (FAILED, KEPT):
        raise InvalidState(f"邮件 {mail_id} 当前状态为“{STATUS_LABELS.get(status, status)}”，不能重新发送")
    if not smtp_configured(system.settings):
        raise InvalidState("尚未配置邮件服务器（PEIDAI_SMTP_HOST），邮件已保存，配置后会自动发送")
    ids = claim(engine, select(Mail.id).where(Mail.id == mail_id), (FAILED, KEPT))
    with engine.unit_of_work() as s:
        s.execute(update(Mail).where(Mail.id.in_(ids)).values(attempts=0))
    send_mails(system, ids)
    with engine.sessions() as s:
        return s.get(Mail, mail_id).status


def send_test_mail(settings, to: str) -> tuple[bool, str]:
    """Send a test mail to ``to`` with the configured settings; ``(ok, what happened in Chinese)``."""
    if not smtp_configured(settings):
        return False, "尚未配置邮件服务器：请设置 PEIDAI_SMTP_HOST（以及端口、用户名、密码、发件人）后重启系统"
    subject = "培带工程管理系统测试邮件"
    body = (f"这是一封测试邮件，说明邮件服务器 {settings.smtp_host}:{settings.smtp_port} 的设置可以发出邮件。\n\n"
            "This is a test mail from Peidai.")
    try:
        with connect(settings) as smtp:
            smtp.send_message(message(settings, to, subject, body))
    except Exception as exc:  # noqa: BLE001 - the administrator is told why
        return False, reason(exc, settings)
    return True, f"测试邮件已由 {settings.smtp_host}:{settings.smtp_port} 接收，发往 {to}，请查收"
