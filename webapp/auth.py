"""Authentication and authorisation for every blueprint.

* ``login_required``: a page or API route needs a signed-in user (session, or ``Authorization:
  Bearer <token>`` for the API).
* ``current_actor()``: the signed-in user as an :class:`engine.Actor` (roles and scopes).
* ``role_required("talent_section", "director")``: 403 unless the user holds one of the roles.
* ``visible_or_404(ok)``: raise 404 when a record is outside the user's scope, so a reviewer of
  another county cannot even learn that the record exists.
* ``can_see_instance(actor, instance_id)``: the scope rule for a process instance.

Example::

    @bp.get("/<int:instance_id>")
    @login_required
    def show(instance_id):
        visible_or_404(can_see_instance(current_actor(), instance_id))
"""
from __future__ import annotations

from datetime import timedelta
from functools import wraps
from types import SimpleNamespace

from flask import abort, current_app, g, request
from flask_login import LoginManager, UserMixin, current_user
from flask_login import login_required as _flask_login_required
from flask_wtf.csrf import CSRFProtect

from engine import Actor, NotFound

from . import users

csrf = CSRFProtect()
login_manager = LoginManager()

# roles that see every unit and category (DESIGN.md: the talent section receives everything)
OVERSEERS = ("talent_section", "director", "admin")


class WebUser(UserMixin):
    def __init__(self, actor: Actor, display_name: str, via_token: bool = False):
        self.actor = actor
        self.display_name = display_name
        self.via_token = via_token

    def get_id(self) -> str:
        return self.actor.username


def engine():
    return current_app.extensions["peidai"].engine


def _load(username: str, via_token: bool = False) -> WebUser | None:
    try:
        actor = engine().actor_for(username)
    except NotFound:
        return None
    return WebUser(actor, users.display_name(engine(), username), via_token)


def init_app(app) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    app.extensions["peidai_login_failures"] = {}

    from flask_babel import lazy_gettext as _l
    login_manager.login_message = _l("请先登录")
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(username):
        if request.path.startswith("/api/"):
            return None  # the API trusts tokens only, never the session cookie (no CSRF there)
        if "peidai_user" not in g:
            g.peidai_user = _load(username)
        return g.peidai_user

    @login_manager.request_loader
    def load_from_token(req):
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        username = users.user_for_token(engine(), header[7:].strip())
        return _load(username, via_token=True) if username else None

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for
        if request.path.startswith("/api/"):
            from .errors import json_error
            return json_error("unauthorized", _l("需要登录或有效的访问令牌"), 401)
        flash(str(login_manager.login_message), "warning")
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


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
    """``target`` if it is a path on this site (no open redirects), else ``default``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


# ---------------------------------------------------------------- log-in throttling

def _failures() -> dict:
    return current_app.extensions["peidai_login_failures"]


def _now():
    return current_app.extensions["peidai"].clock.now()


def _keys(username: str) -> list[str]:
    return [f"u:{(username or '').strip().lower()}", f"ip:{request.remote_addr}"]


def locked_until(username: str):
    """When the lock on this user name (or address) ends, or None if not locked."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    now = _now()
    for key, factor in zip(_keys(username), (1, 4)):
        times = [t for t in _failures().get(key, []) if now - t < window]
        _failures()[key] = times
        if len(times) >= limit * factor:
            return times[-limit * factor] + window
    return None


def record_failure(username: str) -> None:
    for key in _keys(username):
        _failures().setdefault(key, []).append(_now())


def clear_failures(username: str) -> None:
    _failures().pop(_keys(username)[0], None)
