"""Log-in, log-out, the language switch, and the pages reached without a session: a forgotten
password, and choosing a password through a one-time link (activation or reset)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, g, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from engine import EngineError
from webapp import accounts, auth, security, users
from webapp.errors import engine_message, user_text
from webapp.i18n import LANGUAGES

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return auth.safe_next(target, url_for("inbox.index"))


def _system():
    return current_app.extensions["peidai"]


def base_url() -> str:
    """The site's address for links handed to people: the configured public URL, else this request's."""
    return _system().settings.public_url or request.host_url


def _wait_minutes(seconds: int) -> int:
    return max(1, -(-int(seconds) // 60))


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:80]
        password = request.form.get("password", "")
        throttle = security.throttle()
        device = security.device_for(username)
        verdict = throttle.check(username, device)
        if verdict.refused_for:
            error = _("登录失败次数过多，请 %(minutes)s 分钟后再试；如忘记密码，可申请重置",
                      minutes=_wait_minutes(verdict.refused_for))
            resp = current_app.make_response((render_template("auth/login.html", error=error, username=username), 429))
            resp.headers["Retry-After"] = str(verdict.refused_for)
            return resp
        if verdict.delay:
            throttle.sleep(verdict.delay)
        name = users.check_login(auth.engine(), username, password)
        if name is None:
            throttle.failed(username, device)
            error = _("用户名或密码不正确")
            return render_template("auth/login.html", error=error, username=username), 401
        throttle.succeeded(username, device)
        if auth.start_session(name) is None:
            return render_template("auth/login.html", error=_("用户名或密码不正确"), username=username), 401
        resp = redirect(_safe_next(request.args.get("next")))
        security.remember_device(resp, name, device)
        return resp
    return render_template("auth/login.html", error=error, username=username)


@bp.post("/logout")
def logout():
    """Ends every session of the user (a copied cookie stops working too)."""
    if current_user.is_authenticated and not getattr(current_user, "via_token", False):
        accounts.end_sessions(auth.engine(), current_user.actor.username)
    auth.end_session()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.post("/lang")
def set_language():
    from flask import session
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link by mail. The answer is the same for every user name."""
    sent = False
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:80]
        by_address = security.hit_limit("FORGOT_LIMIT", security.client_address())
        by_account = security.hit_limit("FORGOT_ACCOUNT_LIMIT", security.LoginThrottle.account(username))
        if not by_address:
            security.refuse("FORGOT_LIMIT", security.client_address())
        accounts.forgot_password(_system(), username, base_url(), may_mail=by_account)
        sent = True
    return render_template("auth/forgot.html", sent=sent, smtp=bool(_system().settings.smtp_host))


def _choose(token: str, purpose: str):
    g.peidai_no_referrer = True   # the address carries the secret
    engine = auth.engine()
    holder = accounts.link_holder(engine, token)
    if holder is None or holder["purpose"] != purpose:
        return render_template("auth/choose_password.html", invalid=True, purpose=purpose), 404
    errors = []
    if request.method == "POST":
        if not security.hit_limit("LINK_LIMIT", security.client_address()):
            security.refuse("LINK_LIMIT", security.client_address())
        try:
            accounts.choose_password(engine, token, request.form.get("password", ""), request.form.get("confirm", ""))
        except EngineError as exc:
            errors = [user_text(r) for r in exc.details.get("rules") or []] or [engine_message(exc)]
        else:
            if current_user.is_authenticated:
                auth.end_session()
            flash(_("密码已设置，请用新密码登录") if purpose == "activation" else _("密码已重置，请用新密码登录"), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/choose_password.html", invalid=False, purpose=purpose, holder=holder,
                           errors=errors, min_length=accounts.identity.PASSWORD_MIN), (422 if errors else 200)


@bp.route("/account/activate/<token>", methods=["GET", "POST"])
def activate(token):
    return _choose(token, "activation")


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
def reset(token):
    return _choose(token, "reset")


@bp.get("/account/token")
@auth.login_required
def api_token():
    """Kept for old bookmarks and links: the API tokens live on the account pages."""
    return redirect(url_for("account.tokens"))
