"""The signed-in user's own account: change the password, end every session, personal API tokens
(listed, revocable, shown only once when created), contact details (a new e-mail address takes
effect once the link mailed to it is opened) and how each kind of message reaches the person."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import EngineError, identity
from webapp import accounts, auth
from webapp.auth import current_actor, login_required
from webapp.errors import engine_message, user_text
from workflows.notifications import contacts, kinds

bp = Blueprint("account", __name__, url_prefix="/account")

TOKEN_DAYS = (30, 90, 180, 365)


def _own_tokens():
    with auth.engine().sessions() as s:
        return identity.api_tokens(s, current_actor().username)


@bp.get("/")
@login_required
def index():
    engine = auth.engine()
    with engine.sessions() as s:
        user = identity.get_user(s, current_actor().username)
        info = {"username": user.username, "display_name": user.display_name, "email": user.email,
                "password_changed_at": user.password_changed_at}
    return render_template("account/index.html", info=info, errors=[], min_length=identity.PASSWORD_MIN)


@bp.post("/password")
@login_required
def change_password():
    """A new password ends every session of the user; this browser gets a fresh one."""
    engine = auth.engine()
    username = current_actor().username
    try:
        accounts.change_password(engine, username, request.form.get("current_password", ""),
                                 request.form.get("password", ""), request.form.get("confirm", ""))
    except EngineError as exc:
        with engine.sessions() as s:
            user = identity.get_user(s, username)
            info = {"username": user.username, "display_name": user.display_name, "email": user.email,
                    "password_changed_at": user.password_changed_at}
        errors = [user_text(r) for r in exc.details.get("rules") or []] or [engine_message(exc)]
        return render_template("account/index.html", info=info, errors=errors, min_length=identity.PASSWORD_MIN), 422
    auth.start_session(username)
    flash(_("密码已修改，您在其他设备上的登录已全部退出"), "success")
    return redirect(url_for("account.index"))


@bp.post("/sessions/end")
@login_required
def end_sessions():
    """Log out everywhere (this browser included)."""
    accounts.end_sessions(auth.engine(), current_actor().username)
    auth.end_session()
    flash(_("已退出全部登录，请重新登录"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """Personal API tokens: a new one is shown once; only its hash is kept."""
    token, error = None, None
    if request.method == "POST":
        engine = auth.engine()
        days = request.form.get("days", "90")
        now = engine.now()
        expires = now + timedelta(days=int(days)) if days.isdigit() and int(days) in TOKEN_DAYS else None
        if days not in ("never",) and expires is None:
            expires = now + timedelta(days=90)
        try:
            with engine.unit_of_work() as s:
                token, row = identity.create_api_token(s, current_actor().username, request.form.get("name", ""), now,
                                                       expires)
                engine.audit(s, current_actor(), "api_token_created", data={"id": row.id, "name": row.name}, now=now)
        except EngineError as exc:
            error = engine_message(exc)
    return render_template("account/tokens.html", token=token, error=error, rows=_own_tokens(), days=TOKEN_DAYS,
                           now=auth.engine().now()), (422 if error else 200)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    engine = auth.engine()
    now = engine.now()
    with engine.unit_of_work() as s:
        identity.revoke_api_token(s, current_actor().username, token_id, now)
        engine.audit(s, current_actor(), "api_token_revoked", data={"id": token_id}, now=now)
    flash(_("令牌已撤销，使用它的程序将无法再访问系统"), "info")
    return redirect(url_for("account.tokens"))


# --------------------------------------------------------------------------- contacts and channels

def _contacts_page(errors=(), values=None, status=200):
    engine = auth.engine()
    username = current_actor().username
    with engine.sessions() as s:
        channels = kinds.preferences(s, username)
    mine = contacts.contacts(engine, username)
    return render_template("account/contacts.html", mine=mine, values=values or mine, errors=list(errors),
                           channels=channels, kinds=kinds.KINDS, labels=kinds.CHANNELS,
                           smtp=bool(current_app.extensions["peidai"].settings.smtp_host)), status


@bp.get("/contacts")
@login_required
def contacts_page():
    return _contacts_page()


@bp.post("/contacts")
@login_required
def change_contacts():
    """The mobile number changes at once; a new e-mail address once its confirmation link is opened."""
    from webapp.blueprints.auth import base_url
    values = {"email": request.form.get("email", "")[:300], "mobile": request.form.get("mobile", "")[:60]}
    try:
        out = contacts.change_own(current_app.extensions["peidai"], current_actor().username, base_url(),
                                  email=values["email"], mobile=values["mobile"])
    except EngineError as exc:
        return _contacts_page([engine_message(exc)], values, 422)
    if out["pending_email"]:
        flash(_("确认邮件已发送到 %(a)s，打开邮件中的链接后新邮箱才生效", a=out["pending_email"]) if out["mailed"] else
              _("邮件服务器尚未配置：确认邮件已保存，配置后发往 %(a)s，确认后新邮箱才生效", a=out["pending_email"]), "info")
    if out["changed"]:
        flash(_("联系方式已保存"), "success")
    elif not out["pending_email"]:
        flash(_("联系方式没有变化"), "info")
    return redirect(url_for("account.contacts_page"))


@bp.post("/contacts/withdraw")
@login_required
def withdraw_email():
    contacts.withdraw_pending(auth.engine(), current_actor().username)
    flash(_("已撤回邮箱修改，原邮箱不变"), "info")
    return redirect(url_for("account.contacts_page"))


@bp.post("/channels")
@login_required
def change_channels():
    choices = {kind: request.form.get(kind, "") for kind in kinds.KINDS if kind in request.form}
    try:
        kinds.set_preferences(auth.engine(), current_actor().username, choices)
    except EngineError as exc:
        return _contacts_page([engine_message(exc)], status=422)
    flash(_("消息接收方式已保存"), "success")
    return redirect(url_for("account.contacts_page"))


@bp.route("/contacts/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token):
    """The link mailed to a new address: the page asks, the button confirms (a mail scanner that
    opens links changes nothing)."""
    g.peidai_no_referrer = True   # the address carries the secret
    pending = contacts.pending_for(auth.engine(), token)
    if pending is None:
        return render_template("account/confirm_email.html", invalid=True), 404
    if request.method == "POST":
        try:
            contacts.confirm_email(auth.engine(), token)
        except EngineError:
            return render_template("account/confirm_email.html", invalid=True), 404
        flash(_("电子邮箱已确认，系统的邮件将发到新邮箱"), "success")
        return redirect(url_for("account.contacts_page"))
    return render_template("account/confirm_email.html", invalid=False, pending=pending)
