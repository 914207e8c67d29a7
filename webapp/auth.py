"""Authentication and authorisation for every blueprint.

* ``login_required``: a page or API route needs a signed-in user (session, or ``Authorization:
  Bearer <token>`` for the API).
* ``current_actor()``: the signed-in user as an :class:`engine.Actor` (roles and scopes).
* ``role_required("talent_section", "director")``: 403 unless the user holds one of the roles.
* ``visible_or_404(ok)``: raise 404 when a record is outside the user's scope, so a reviewer of
  another county cannot even learn that the record exists.
* ``can_see_instance(actor, instance_id)``: the scope rule for a process instance.
* ``safe_next(target, default)``: where to go after log-in or an action; only a path on this site.

Sessions (issue 11): a session cookie names the user, the user's ``session_version`` at log-in
and the times of log-in and of the last request. Each request checks them against the database
and the wall clock: log-out, a password change or reset and deactivation bump the version and so end
every session of the user, wherever its cookie was copied; a session ends after
``PEIDAI_SESSION_IDLE_MINUTES`` without a request and ``PEIDAI_SESSION_MAX_HOURS`` after log-in.

Example::

    @bp.get("/<int:instance_id>")
    @login_required
    def show(instance_id):
        visible_or_404(can_see_instance(current_actor(), instance_id))
"""
from __future__ import annotations

import logging
import time
import unicodedata
from functools import wraps
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

from flask import abort, current_app, g, request, session
from flask_login import LoginManager, UserMixin, current_user
from flask_login import login_required as _flask_login_required
from flask_wtf.csrf import CSRFProtect

from engine import Actor, NotFound
from engine import identity

from . import users

log = logging.getLogger(__name__)
csrf = CSRFProtect()
login_manager = LoginManager()

# roles that see every unit and category (DESIGN.md: the talent section receives everything)
OVERSEERS = ("talent_section", "director", "admin")


class WebUser(UserMixin):
    def __init__(self, actor: Actor, display_name: str, via_token: bool = False, token_id: int | None = None,
                 token_scopes: str | None = None):
        self.actor = actor
        self.display_name = display_name
        self.via_token = via_token
        self.token_id = token_id   # the API token this request came with, if any
        self.token_scopes = token_scopes   # its scopes as stored, read with it (webapp.api.scopes)

    def get_id(self) -> str:
        return self.actor.username


def engine():
    return current_app.extensions["peidai"].engine


def _now() -> float:
    """Session time is wall-clock time (``SESSION_CLOCK``, default :func:`time.time`), not the
    engine's clock: a simulation or a test that moves the programme's time on keeps its sessions."""
    return current_app.config["SESSION_CLOCK"]()


# what a session cookie carries besides Flask-Login's user id
SESSION_VERSION, SESSION_START, SESSION_SEEN = "_sv", "_t0", "_ta"


def start_session(username: str) -> WebUser | None:
    """Log ``username`` in on a fresh session (no fixation), bound to the user's session version."""
    from flask_login import login_user
    with engine().sessions() as s:
        found = identity.web_identity(s, username)
    if found is None:
        return None
    actor, display_name, version = found
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    now = _now()
    session[SESSION_VERSION], session[SESSION_START], session[SESSION_SEEN] = version, now, now
    user = WebUser(actor, display_name)
    login_user(user)
    g.peidai_user = user
    return user


def end_session() -> None:
    """Clear the session cookie, keeping the chosen language."""
    from flask_login import logout_user
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _session_user(username: str) -> WebUser | None:
    cfg = current_app.config
    now = _now()
    started, seen = session.get(SESSION_START), session.get(SESSION_SEEN)
    if not isinstance(started, (int, float)) or not isinstance(seen, (int, float)):
        return _ended("revoked")
    if now - seen > cfg["SESSION_IDLE_SECONDS"] or now - started > cfg["SESSION_MAX_SECONDS"]:
        return _ended("timeout")
    with engine().read_session() as s:   # the page's read scope (webapp.page_reads): read on every request
        found = identity.web_identity(s, username)
    if found is None or found[2] != session.get(SESSION_VERSION):
        return _ended("revoked")   # logged out, password changed or reset, account deactivated
    if now - seen >= 60:   # the idle clock, kept to the minute (no new cookie on every request)
        session[SESSION_SEEN] = now
    return WebUser(found[0], found[1])


def _ended(why: str):
    g.peidai_session_ended = why
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return None


def init_app(app) -> None:
    settings = app.extensions["peidai"].settings
    app.config.setdefault("SESSION_IDLE_SECONDS", float(settings.session_idle_minutes) * 60)
    app.config.setdefault("SESSION_MAX_SECONDS", float(settings.session_max_hours) * 3600)
    app.config.setdefault("SESSION_CLOCK", time.time)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    from flask_babel import lazy_gettext as _l
    login_manager.login_message = _l("请先登录")
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(username):
        if request.path.startswith("/api/"):
            return None  # the API trusts tokens only, never the session cookie (no CSRF there)
        if "peidai_user" not in g:
            g.peidai_user = _session_user(username)
        return g.peidai_user

    login_manager.request_loader(token_user)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for
        if request.path.startswith("/api/"):
            from .errors import json_error
            return json_error("unauthorized", _l("需要登录或有效的访问令牌"), 401)
        if g.get("peidai_session_ended") == "timeout":
            flash(str(_l("登录已超时，请重新登录")), "warning")
        else:
            flash(str(login_manager.login_message), "warning")
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.login", next=target if request.method == "GET" else None))


def token_user(req) -> WebUser | None:
    """The user of ``Authorization: Bearer <token>``: one statement, nothing cached
    (:func:`webapp.users.token_identity`). Flask-Login's request loader."""
    header = req.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":   # the scheme's name is case-insensitive (RFC 9110 11.1)
        return None
    found = users.token_identity(engine(), header[7:].strip())
    if found is None:
        return None
    return WebUser(found.actor, found.display_name, via_token=True, token_id=found.token_id,
                   token_scopes=found.scopes)


def load_api_user() -> None:
    """Sign in an API request from its token, as Flask-Login's loader would find it there, without
    the loader's session and cookie steps: under /api/ the session is always empty and never saved
    (``webapp._SessionInterface``), the session's user loader answers None and no remember-me
    cookie is issued, so the token is all there is. Read on every request (no cache): a revoked
    token or a deactivated user is refused on the very next one."""
    from flask_login.signals import user_loaded_from_request
    if "_login_user" in g:   # already loaded (current_user was read earlier in this request)
        return
    user = token_user(request)
    if user is not None:
        user_loaded_from_request.send(current_app._get_current_object(), user=user)
    login_manager._update_request_context_with_user(user)


login_required = _flask_login_required


def current_actor() -> Actor:
    return current_user.actor


def reading_actor() -> Actor:
    """The signed-in user for read access. Oversight (the talent section and the director read
    every record) is the engine's own rule (``EngineConfig.oversight_roles``), so this is the
    acting user itself; kept as the name views use for reads."""
    return current_actor()


def holds_any(actor: Actor, *roles: str) -> bool:
    return any(actor.has_role(r) for r in roles)


def role_required(*roles: str):
    """403 unless the signed-in user holds one of ``roles`` (admins always pass)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not holds_any(current_actor(), *roles, "admin"):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def visible_or_404(ok: bool) -> None:
    if not ok:
        abort(404)


def can_see_instance(actor: Actor, instance_id: int, inst: dict | None = None) -> bool:
    """Overseers see every instance; others the instances they started or that have a task they
    may act on, have acted on, or that falls in their role and scope."""
    from engine.queries import instance_tasks

    eng = engine()
    if eng.policy.oversees(actor):
        return True
    if inst is None:
        try:
            inst = eng.instance(instance_id)
        except NotFound:
            return False
    if inst["started_by"] == actor.username:
        return True
    return any(eng.can_see(actor, SimpleNamespace(**t)) for t in instance_tasks(eng, instance_id))


def safe_next(target: str | None, default: str) -> str:
    r"""``target`` if it is a path on this site, else ``default`` (no open redirects).

    Refused: anything but a single leading ``/`` (``//evil``, ``https:evil``, ``javascript:``),
    backslashes (browsers read ``/\evil`` as ``//evil``), control characters (browsers drop a tab:
    ``/%09/evil`` arrives as ``/<tab>/evil`` and is followed as ``//evil``), spaces in the path, and
    any of these hidden behind percent-encoding (``/%2F%2Fevil``, ``/%5Cevil``)."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return default
    decoded = target
    for _ in range(3):
        decoded = unquote(decoded)
    for text in (target, decoded):
        if not text.startswith("/") or text.startswith("//") or "\\" in text:
            return default
        if any(unicodedata.category(c)[0] == "C" for c in text):
            return default
        if any(unicodedata.category(c)[0] == "Z" for c in text.split("?", 1)[0]):
            return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    segments = unquote(parts.path).split("/")
    if "." in segments or ".." in segments:   # "/.//evil" is "//evil" once a browser tidies it
        return default
    return target
