"""The signed-in user's own account: change the password, end every session, personal API tokens
(listed, revocable, shown only once when created)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import EngineError, identity
from webapp import accounts, auth
from webapp.auth import current_actor, login_required
from webapp.errors import engine_message

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
        errors = exc.details.get("rules") or [engine_message(exc)]
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
