"""Mail for administrators (issue 17 point 2): how many mails are sent, kept (no SMTP server
configured: they go out once one is) or failed and why, sending a failed or kept mail again, and
a test mail that checks the SMTP settings and says the result in Chinese."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import EngineError
from webapp import auth
from webapp.admin.access import admins_only
from webapp.auth import current_actor
from webapp.errors import engine_message, user_text
from workflows.notifications import mailer, service
from workflows.notifications.contacts import clean_email

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")
admins_only(bp)

SHOWN = ("failed", "kept", "queued", "sent")


def _system():
    return current_app.extensions["peidai"]


def _page(status: str, result=None, to: str = "", code: int = 200):
    settings = _system().settings
    engine = auth.engine()
    return render_template("mail_admin/index.html", counts=service.mail_counts(engine), status=status,
                           rows=service.mails(engine, status=status, limit=100), labels=mailer.STATUS_LABELS,
                           smtp={"host": settings.smtp_host, "port": settings.smtp_port, "user": settings.smtp_user,
                                 "sender": settings.smtp_sender},
                           result=result, to=to), code


@bp.get("/")
def index():
    status = request.args.get("status", "failed")
    return _page(status if status in SHOWN else "failed")


@bp.post("/test")
def test():
    """Send a test mail with the configured settings; the page says what happened."""
    to = request.form.get("to", "")[:300]
    try:
        address = clean_email(to)
    except EngineError as exc:
        return _page("failed", (False, engine_message(exc)), to, 422)
    if not address:
        return _page("failed", (False, _("请填写收件邮箱")), to, 422)
    ok, text = mailer.send_test_mail(_system().settings, address)
    engine = auth.engine()
    with engine.unit_of_work() as s:
        engine.audit(s, current_actor(), "smtp_test_mail", data={"to": address, "ok": ok}, comment=text[:500])
    return _page("failed", (ok, user_text(text)), address, 200 if ok else 502)


@bp.post("/<int:mail_id>/resend")
def resend(mail_id):
    try:
        status = mailer.resend(_system(), mail_id)
    except EngineError as exc:
        flash(engine_message(exc), "danger")
    else:
        flash(_("邮件已发送") if status == "sent" else _("邮件仍未发出，原因见列表"), "success" if status == "sent" else "danger")
    return redirect(url_for("mail_admin.index", status=request.args.get("status") or "failed"))

