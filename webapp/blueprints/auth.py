"""Log-in, log-out and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from webapp import auth, users
from webapp.i18n import LANGUAGES

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return auth.safe_next(target, url_for("inbox.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        until = auth.locked_until(username)
        if until is not None:
            from flask_babel import format_datetime
            error = _("登录失败次数过多，账号已暂时锁定，请于 %(time)s 后再试", time=format_datetime(until, "HH:mm"))
            return render_template("auth/login.html", error=error, username=username), 429
        name = users.check_login(auth.engine(), username, request.form.get("password", ""))
        if name is None:
            auth.record_failure(username)
            error = _("用户名或密码不正确")
            return render_template("auth/login.html", error=error, username=username), 401
        auth.clear_failures(username)
        user = auth._load(name)
        lang = session.get("lang")
        session.clear()  # a fresh session on log-in (no fixation)
        if lang:
            session["lang"] = lang
        session.permanent = True
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error, username=username)


@bp.post("/logout")
def logout():
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))


@bp.route("/account/token", methods=["GET", "POST"])
@auth.login_required
def api_token():
    """The user's API token for /api/v1: issuing one replaces the old; it is shown only once."""
    token = None
    if request.method == "POST":
        token = users.issue_token(auth.engine(), auth.current_actor().username)
    return render_template("auth/token.html", token=token)
