"""Settings from the environment (``PEIDAI_*``), with embedded defaults for ``make run``."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Settings:
    database_url: str = ""
    broker_url: str = ""
    data_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var")
    secret_key: str = ""
    port: int = 5000
    public_url: str = ""  # the site's public address, printed in certificates' QR codes
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = "peidai@localhost"
    timer_interval: float = 30.0
    # web sessions end after this long without a request, and this long after log-in in any case
    session_idle_minutes: float = 30.0
    session_max_hours: float = 12.0
    # where the log-in throttle keeps its counters, shared by every web process: a Redis URL in
    # production (redis://host:6379/2); empty: a SQLite file in the data folder (one machine)
    ratelimit_storage_url: str = ""
    # how many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host; 0 trusts none
    proxy_count: int = 0
    # the web server (gunicorn, ``peidai web`` / ``peidai serve``): 0 means a default for this machine
    web_workers: int = 0
    web_threads: int = 0
    # seconds the web server keeps an idle client connection open for its next request; 0 closes
    # it after each answer, so every request goes to whichever worker is free (webapp.server)
    web_keepalive: int = 0
    # seconds a process gets to finish its work on SIGTERM before it is killed
    stop_timeout: float = 20.0
    # ``Authorization: Bearer <token>`` that may read /metrics (administrators may always)
    metrics_token: str = ""
    testing: bool = False

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        data_dir = Path(env.get("PEIDAI_DATA_DIR", PROJECT_ROOT / "var"))
        s = cls(
            database_url=env.get("PEIDAI_DATABASE_URL", f"sqlite:///{data_dir / 'peidai.sqlite'}"),
            broker_url=env.get("PEIDAI_BROKER_URL", ""),
            data_dir=data_dir,
            secret_key=env.get("PEIDAI_SECRET_KEY", ""),
            port=int(env.get("PEIDAI_PORT", "5000")),
            public_url=env.get("PEIDAI_PUBLIC_URL", ""),
            smtp_host=env.get("PEIDAI_SMTP_HOST", ""),
            smtp_port=int(env.get("PEIDAI_SMTP_PORT", "25")),
            smtp_user=env.get("PEIDAI_SMTP_USER", ""),
            smtp_password=env.get("PEIDAI_SMTP_PASSWORD", ""),
            smtp_sender=env.get("PEIDAI_SMTP_SENDER", "peidai@localhost"),
            timer_interval=float(env.get("PEIDAI_TIMER_INTERVAL", "30")),
            session_idle_minutes=float(env.get("PEIDAI_SESSION_IDLE_MINUTES", "30")),
            session_max_hours=float(env.get("PEIDAI_SESSION_MAX_HOURS", "12")),
            ratelimit_storage_url=env.get("PEIDAI_RATELIMIT_STORAGE_URL", ""),
            proxy_count=int(env.get("PEIDAI_PROXY_COUNT", "0")),
            web_workers=int(env.get("PEIDAI_WEB_WORKERS", "0")),
            web_threads=int(env.get("PEIDAI_WEB_THREADS", "0")),
            web_keepalive=whole_number(env, "PEIDAI_WEB_KEEPALIVE", 0, 0, 300),
            stop_timeout=float(env.get("PEIDAI_STOP_TIMEOUT", "20")),
            metrics_token=env.get("PEIDAI_METRICS_TOKEN", ""),
        )
        for k, v in overrides.items():
            setattr(s, k, v)
        if not s.secret_key:
            s.secret_key = _local_secret(s.data_dir)
        return s


def whole_number(env, name: str, default: int, low: int, high: int) -> int:
    """``env[name]`` as a whole number from ``low`` to ``high`` (``default`` when unset or empty);
    anything else stops the process with a message that names the variable."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 6 or not low <= int(text) <= high:
        raise ValueError(f"环境变量 {name} 应为 {low} 到 {high} 之间的整数，现为 {text[:40]!r}")
    return int(text)


def _local_secret(data_dir: Path) -> str:
    """A per-installation secret kept in the data folder (production sets PEIDAI_SECRET_KEY)."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        return key
