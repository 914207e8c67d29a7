"""Flask application factory. Views are thin: they call the engine's service API.

Blueprints are discovered: every module in :mod:`webapp.blueprints` with a module-level ``bp``
is registered, so another area adds its pages by dropping in a module::

    # webapp/blueprints/reports.py
    from flask import Blueprint, render_template
    from webapp.auth import login_required, role_required

    bp = Blueprint("reports", __name__, url_prefix="/reports")

    @bp.get("/")
    @role_required("talent_section")
    def index():
        return render_template("reports/index.html")

Templates live in ``webapp/templates/<blueprint>/`` and extend ``base.html``. A module may add
side-navigation links with ``NAV = [("reports.index", _l("统计报表"), ("talent_section",))]``
(endpoint, label, roles that see it).
"""
from __future__ import annotations

import importlib
import pkgutil
import os

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookies are HttpOnly, SameSite=Lax and Secure whenever the request came over HTTPS
    (or SESSION_COOKIE_SECURE forces it); plain-HTTP `make run` on localhost still works."""

    def get_cookie_secure(self, app) -> bool:
        try:
            return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)
        except RuntimeError:
            return bool(app.config["SESSION_COOKIE_SECURE"])

    # The API trusts access tokens only: a site cookie the client also holds (a browser, or a script's
    # HTTP session that once opened a page) is neither read nor written there. Read, it would trip
    # Flask-Login's strong session protection before the token is looked at, and answer 401.
    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if request.path.startswith("/api/"):
            return None
        return super().save_session(app, session, response)


def create_app(system=None, **config) -> Flask:
    from datetime import timedelta

    from peidai.bootstrap import bootstrap

    from . import auth, errors, i18n, labels, security
    from .params import CONVERTERS

    app = Flask(__name__)
    app.url_map.converters.update(CONVERTERS)  # ids within their column's range, else 404
    system = system or bootstrap()
    app.config.update(
        SECRET_KEY=system.settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("PEIDAI_COOKIE_SECURE", "") == "1",
        SESSION_COOKIE_NAME="peidai_session",
        # the cookie outlives no session: idle and absolute timeouts are checked on each request (webapp.auth)
        PERMANENT_SESSION_LIFETIME=timedelta(hours=system.settings.session_max_hours),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        PER_PAGE=20,
    )
    app.config.update(config)
    app.session_interface = _SessionInterface()
    app.extensions["peidai"] = system
    from workflows.documents import check_cjk_font
    check_cjk_font()  # PDFs need a CJK font: fail at start-up, not at the first download (documents, issue 7)

    i18n.init_app(app)
    security.init_app(app, system)   # headers, CSP, no-store, ProxyFix, the shared throttle (issue 11)
    auth.init_app(app)
    errors.init_app(app)
    labels.init_app(app)
    page_reads(app)
    register_blueprints(app)   # /healthz, /readyz and /metrics: webapp/blueprints/health.py
    security.limit_sign_in(app)   # the per-address limit on the log-in views (issue 11)
    return app


NO_READS = frozenset(("static", "health"))   # blueprints (and the static route) that read nothing of the engine's


def page_reads(app: Flask) -> None:
    """A page's engine reads share one pooled connection and session (``Engine.reading``), as the
    API's requests do (their blueprints open their own: :mod:`webapp.api.core`). The scope holds
    no transaction or lock between reads, so a page's commands, and the reads after them, are
    unaffected. Static files and the health routes take no connection."""
    from .api.core import _close_reads, _open_reads

    @app.before_request
    def open_page_reads():
        if request.blueprint not in NO_READS and request.endpoint not in NO_READS and not request.path.startswith("/api/"):
            _open_reads()

    app.teardown_request(_close_reads)


def register_blueprints(app: Flask) -> list[str]:
    """Register every ``bp`` found in a module of :mod:`webapp.blueprints`; returns their names."""
    from . import blueprints

    names = []
    for info in sorted(pkgutil.iter_modules(blueprints.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{blueprints.__name__}.{info.name}")
        bp = getattr(module, "bp", None)
        if bp is not None:
            if getattr(module, "csrf_exempt", False):  # token-authenticated JSON API
                from .auth import csrf
                csrf.exempt(bp)
            app.register_blueprint(bp)
            names.append(bp.name)
            app.extensions.setdefault("peidai_nav", []).extend(getattr(module, "NAV", ()))
    return names


def system_of(app: Flask):
    return app.extensions["peidai"]
