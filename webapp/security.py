"""What every response and every log-in attempt goes through (issue 11, items 3 and 4).

* **Headers**: a Content-Security-Policy without inline script (``script-src 'self'``; pages keep
  their JavaScript in ``static/``), no framing (``frame-ancestors 'none'``), no plugins, no
  ``<base>``; ``Cache-Control: no-store`` on every page and API answer (static files excepted), so a
  shared computer's browser cache or a proxy keeps nothing personal; HSTS over HTTPS.
* **Proxies**: ``X-Forwarded-*`` headers are believed only when ``PEIDAI_PROXY_COUNT`` says how
  many proxies set them (werkzeug's ``ProxyFix``); otherwise the client address is the socket's.
* **Throttling** with Flask-Limiter, its counters in a storage that every web process shares:
  ``PEIDAI_RATELIMIT_STORAGE_URL`` (Redis in production, e.g. ``redis://127.0.0.1:6379/2``) or by
  default a SQLite file in the data folder (``peidai+sqlite://``, :class:`SQLiteStorage`, shared by
  the processes of one machine; the system clock decides its windows, so tests can move time).

Log-in throttling (:class:`LoginThrottle`) slows an attacker without letting anyone lock the
real user out:

* the hard limit (``LOGIN_LIMIT``, 5 failures in 15 minutes) counts failures per *account and
  address*, or per *account and browser* when the browser shows the signed device cookie of an
  earlier successful log-in to that account: an attacker elsewhere never blocks it;
* failures per account from everywhere (``LOGIN_SLOW_ACCOUNT``) and per address over every account
  (``LOGIN_SLOW_ADDRESS``) past their limits only *delay* further attempts from addresses and
  browsers the account has not succeeded from (``LOGIN_DELAY_MAX`` seconds at most), never refuse them:
  an account-wide hard limit would hand anyone who can name a user the power to lock that user out,
  while a growing delay still makes a guesser spread over many addresses slow;
* failed log-ins per *address* over every account, the page and the API together
  (``LOGIN_ADDRESS_LIMIT``, Flask-Limiter's shared limit on ``POST /login`` and ``POST /api/v1/tokens``
  in the same shared storage): past it the address is refused (429, ``Retry-After``) whatever name it
  tries, so one address cannot spray a common password over many accounts. Only failures count (an
  office of many people behind one address logs in freely), and a browser with the device cookie of
  the account it names is not held to it. Behind ``PEIDAI_PROXY_COUNT`` proxies the address is the
  forwarded one.

The password-link pages are limited per address too (``FORGOT_LIMIT``, ``LINK_LIMIT``).
"""
from __future__ import annotations

import logging
import math
import os
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import current_app, g, request
from flask_limiter import Limiter
from limits import parse as parse_limit
from limits.storage import Storage
from werkzeug.middleware.proxy_fix import ProxyFix

from . import limiter_gate

log = logging.getLogger(__name__)

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",   # style attributes in templates and the diagram libraries
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

_HEADERS = tuple((k.lower(), k, v) for k, v in (
    ("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"), ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")))

# Pages of the process-administration area (issue 6) that still carry an inline script on main; that
# area's working copy already removes it (editor settings in a JSON block, confirmation in admin.js).
# Until it lands, these pages, and only while their HTML still has inline script, get 'unsafe-inline'.
LEGACY_INLINE_SCRIPT = {"admin.edit", "admin.version_list"}
_INLINE = re.compile(rb"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\son[a-z]+\s*=")

DEFAULTS = {
    "LOGIN_LIMIT": "5 per 15 minutes",           # failures per account and address (or browser): refused past it
    "LOGIN_SLOW_ACCOUNT": "10 per 15 minutes",   # failures per account from anywhere: slower past it
    "LOGIN_SLOW_ADDRESS": "10 per 15 minutes",   # failures per address over all accounts: slower past it
    "LOGIN_ADDRESS_LIMIT": "20 per 15 minutes",  # failures per address over all accounts: refused past it
    "LOGIN_DELAY_MAX": 3.0,                      # seconds
    "FORGOT_LIMIT": "5 per hour",                # password-reset requests per address
    "FORGOT_ACCOUNT_LIMIT": "3 per hour",        # reset mails per account
    "LINK_LIMIT": "30 per hour",                 # password choices through a link, per address
    "DEVICE_COOKIE": "peidai_device",
    "DEVICE_COOKIE_DAYS": 180,
}


# --------------------------------------------------------------------------- a shared storage without a server

class SQLiteStorage(Storage):
    """Fixed-window counters in a SQLite file, for :mod:`limits` (and so Flask-Limiter): every
    process that opens the same file shares them. ``peidai+sqlite:////abs/path/ratelimit.sqlite``.
    Option ``clock``: a function returning the time in epoch seconds (default ``time.time``)."""

    STORAGE_SCHEME = ["peidai+sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, clock: Callable[[], float] | None = None,
                 **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = (uri or "").split("://", 1)[-1]
        if not path or path == "/":
            raise ValueError("peidai+sqlite:// needs a file path, e.g. peidai+sqlite:////srv/peidai/ratelimit.sqlite")
        self.path = Path(path[1:] if path.startswith("//") else path)
        self.clock = clock or time.time
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, "
                         "expires_at REAL NOT NULL)")

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():   # a forked worker opens its own
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT count, expires_at FROM counters WHERE key = ?", (key,)).fetchone()
            if row is None or row[1] <= now:
                count = amount
                conn.execute("INSERT OR REPLACE INTO counters (key, count, expires_at) VALUES (?, ?, ?)",
                             (key, count, now + expiry))
            else:
                count = row[0] + amount
                conn.execute("UPDATE counters SET count = ? WHERE key = ?", (count, key))
            if int(now) % 97 == 0:   # now and then, forget what has expired
                conn.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return count

    def get(self, key: str) -> int:
        row = self._connect().execute("SELECT count FROM counters WHERE key = ? AND expires_at > ?",
                                      (key, self.clock())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        row = self._connect().execute("SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?",
                                      (key, now)).fetchone()
        return row[0] if row else now

    def check(self) -> bool:
        try:
            self._connect().execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        conn = self._connect()
        count = conn.execute("SELECT count(*) FROM counters").fetchone()[0]
        conn.execute("DELETE FROM counters")
        return count

    def clear(self, key: str) -> None:
        self._connect().execute("DELETE FROM counters WHERE key = ?", (key,))


def storage_uri(settings) -> str:
    """The throttle's storage: the configured URL, or the SQLite file in the data folder."""
    if settings.ratelimit_storage_url:
        return settings.ratelimit_storage_url
    return f"peidai+sqlite:///{(Path(settings.data_dir) / 'ratelimit.sqlite').resolve()}"


# --------------------------------------------------------------------------- log-in throttling

@dataclass
class Verdict:
    refused_for: int = 0      # seconds until the hard limit lets this account and address try again
    delay: float = 0.0        # seconds to wait before checking the password


class LoginThrottle:
    def __init__(self, limiter: Limiter, config):
        self.limiter = limiter
        self.config = config
        self.sleep = time.sleep     # tests replace it to see the delay without waiting

    def _limit(self, name: str):
        return parse_limit(self.config[name])

    @property
    def strategy(self):
        return self.limiter.limiter

    @staticmethod
    def account(username: str) -> str:
        return (username or "").strip().lower()[:80]

    def _pair(self, account: str, device: str | None) -> tuple[str, ...]:
        return ("login", "device", account, device) if device else ("login", "pair", account, client_address())

    def check(self, username: str, device: str | None) -> Verdict:
        """Before the password is checked: refused (hard limit), delayed, or free to go."""
        account = self.account(username)
        try:
            hard = self._limit("LOGIN_LIMIT")
            if not self.strategy.test(hard, *self._pair(account, device)):
                reset = self.strategy.get_window_stats(hard, *self._pair(account, device)).reset_time
                return Verdict(refused_for=max(1, math.ceil(reset - self._now())))
            if device:
                return Verdict()   # this browser logged in to this account before: no slowing down
            over = 0.0
            for name, ids in (("LOGIN_SLOW_ACCOUNT", ("login", "account", account)),
                              ("LOGIN_SLOW_ADDRESS", ("login", "address", client_address()))):
                item = self._limit(name)
                used = item.amount - self.strategy.get_window_stats(item, *ids).remaining
                if used >= item.amount:
                    over = max(over, used / item.amount)
            if over:
                return Verdict(delay=min(float(self.config["LOGIN_DELAY_MAX"]), over))
        except Exception:   # the storage is down: log in without throttling rather than not at all
            log.exception("log-in throttle storage failed")
        return Verdict()

    def failed(self, username: str, device: str | None) -> None:
        account = self.account(username)
        try:
            self.strategy.hit(self._limit("LOGIN_LIMIT"), *self._pair(account, device))
            self.strategy.hit(self._limit("LOGIN_SLOW_ACCOUNT"), "login", "account", account)
            self.strategy.hit(self._limit("LOGIN_SLOW_ADDRESS"), "login", "address", client_address())
        except Exception:
            log.exception("log-in throttle storage failed")

    def succeeded(self, username: str, device: str | None) -> None:
        """The right password clears this account-and-address (or browser) count only: an
        attacker's failures elsewhere keep slowing the attacker."""
        try:
            self.strategy.clear(self._limit("LOGIN_LIMIT"), *self._pair(self.account(username), device))
        except Exception:
            log.exception("log-in throttle storage failed")

    def _now(self) -> float:
        return current_app.extensions["peidai"].clock.now().timestamp()


def throttle() -> LoginThrottle:
    return current_app.extensions["peidai_login_throttle"]


def hit_limit(name: str, *identifiers: str) -> bool:
    """Count one request against the configured limit ``name``; False when it is exhausted."""
    try:
        return current_app.extensions["peidai_limiter"].limiter.hit(
            parse_limit(current_app.config[name]), name.lower(), *identifiers)
    except Exception:
        log.exception("throttle storage failed")
        return True


def refuse(name: str, *identifiers: str):
    """Abort with 429 for the exhausted limit ``name``, saying in ``Retry-After`` when its window
    lets the caller in again (the page or JSON answer is the site's usual one)."""
    from flask import abort
    try:
        reset, _left = current_app.extensions["peidai_limiter"].limiter.get_window_stats(
            parse_limit(current_app.config[name]), name.lower(), *identifiers)
        g.peidai_retry_after = max(1, int(reset - time.time()) + 1)
    except Exception:
        log.exception("throttle storage failed")
        g.peidai_retry_after = 60
    abort(429)


def client_address() -> str:
    return request.remote_addr or "-"


# --------------------------------------------------------------------------- the per-address limit on log-ins

SIGN_IN_VIEWS = ("auth.login", "api_tokens.create_token")   # one count over both


def _sign_in_failed(response) -> bool:
    return response.status_code == 401


def _known_browser() -> bool:
    """A browser that logged in to the account it names before (its signed device cookie)."""
    return request.path == "/login" and device_for(request.form.get("username", "").strip()[:80]) is not None


def _sign_in_refused(limit):
    """The 429 answer of the address limit: the log-in page with its message, or JSON under /api/."""
    from flask import render_template
    from flask_babel import gettext as _

    from .errors import json_error, wants_json

    seconds = max(1, math.ceil(limit.reset_at - current_app.extensions["peidai"].clock.now().timestamp()))
    message = _("此网络地址登录失败次数过多，请 %(minutes)s 分钟后再试；如忘记密码，可申请重置",
                minutes=max(1, -(-seconds // 60)))
    if wants_json():
        resp = current_app.make_response(json_error("too_many_requests", message, 429))
    else:
        username = request.form.get("username", "").strip()[:80]
        resp = current_app.make_response(
            (render_template("auth/login.html", error=message, username=username), 429))
    resp.headers["Retry-After"] = str(seconds)
    return resp


def limit_sign_in(app) -> None:
    """Put ``LOGIN_ADDRESS_LIMIT`` on the log-in views (called once the blueprints are registered):
    Flask-Limiter tests the count before the view and adds a failure (401) after it."""
    limiter = app.extensions["peidai_limiter"]
    shared = limiter.shared_limit(lambda: current_app.config["LOGIN_ADDRESS_LIMIT"], scope="sign-in",
                                  methods=["POST"], deduct_when=_sign_in_failed, exempt_when=_known_browser,
                                  on_breach=_sign_in_refused)
    for endpoint in SIGN_IN_VIEWS:
        app.view_functions[endpoint] = shared(app.view_functions[endpoint])


# --------------------------------------------------------------------------- device cookie

def _device_serializer():
    from itsdangerous import URLSafeTimedSerializer
    return URLSafeTimedSerializer(current_app.secret_key, salt="peidai-login-device")


def device_for(username: str) -> str | None:
    """The id of this browser if it carries a device cookie of ``username`` (signed by us)."""
    raw = request.cookies.get(current_app.config["DEVICE_COOKIE"])
    if not raw:
        return None
    try:
        data = _device_serializer().loads(raw, max_age=int(current_app.config["DEVICE_COOKIE_DAYS"]) * 86400)
    except Exception:
        return None
    if not isinstance(data, dict) or data.get("u") != LoginThrottle.account(username):
        return None
    device = data.get("d")
    return device if isinstance(device, str) and 8 <= len(device) <= 64 else None


def remember_device(response, username: str, device: str | None) -> None:
    import secrets
    value = _device_serializer().dumps({"u": LoginThrottle.account(username), "d": device or secrets.token_urlsafe(16)})
    response.set_cookie(current_app.config["DEVICE_COOKIE"], value,
                        max_age=int(current_app.config["DEVICE_COOKIE_DAYS"]) * 86400, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE") or request.is_secure),
                        path="/login")


# --------------------------------------------------------------------------- wiring

def init_app(app, system) -> None:
    settings = system.settings
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    if settings.proxy_count > 0:
        n = int(settings.proxy_count)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    uri = app.config.get("RATELIMIT_STORAGE_URI") or storage_uri(settings)
    options = {"clock": lambda: system.clock.now().timestamp()} if uri.startswith("peidai+sqlite") else {}
    limiter = Limiter(client_address, app=app, storage_uri=uri, storage_options=options, strategy="fixed-window",
                      key_prefix="peidai", swallow_errors=True)
    app.extensions["peidai_limiter"] = limiter
    limiter_gate.install(app, limiter)   # its check before each view only when a limit could apply
    app.extensions["peidai_login_throttle"] = LoginThrottle(limiter, app.config)

    @app.after_request
    def security_headers(resp):
        h = resp.headers
        if (request.endpoint in LEGACY_INLINE_SCRIPT and resp.mimetype == "text/html" and not resp.direct_passthrough
                and _INLINE.search(resp.get_data())):
            h.setdefault("Content-Security-Policy", CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"))
        present = {k.lower() for k in h.keys()}   # each header unless the view set its own (one pass)
        h.extend([(k, v) for low, k, v in _HEADERS if low not in present])
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint != "static" and "cache-control" not in present:
            h.extend((("Cache-Control", "no-store"), ("Pragma", "no-cache")))
        if g.get("peidai_no_referrer"):   # pages whose address carries a secret (password links)
            h["Referrer-Policy"] = "no-referrer"
        return resp
