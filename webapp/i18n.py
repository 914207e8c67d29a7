"""Chinese (zh_CN) first, English selectable; dates shown in China Standard Time.

Message ids are the Chinese texts; ``translations/en`` holds the English catalogue."""
from __future__ import annotations

from datetime import datetime

from flask import request, session
from flask_babel import Babel, format_date, format_datetime, get_locale

LANGUAGES = {"zh_CN": "中文", "en": "English"}
babel = Babel()


def select_locale() -> str:
    """Pages: the language chosen with the switch (kept in the session), else Chinese. The API
    (token clients, no session): the request's ``Accept-Language``, else Chinese."""
    if not request:
        return "zh_CN"
    if request.path.startswith("/api/"):
        best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
        return "en" if best == "en" else "zh_CN"
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    return "zh_CN"


def is_chinese() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "zh"


def init_app(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    babel.init_app(app, locale_selector=select_locale)

    @app.template_filter("dt")
    def dt(value: datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        if is_chinese():
            return format_datetime(value, "yyyy年M月d日 HH:mm")
        return format_datetime(value, fmt)

    @app.template_filter("d")
    def d(value) -> str:
        if value is None:
            return ""
        if is_chinese():
            return format_date(value, "yyyy年M月d日")
        return format_date(value, "medium")

    @app.context_processor
    def languages():
        return {"LANGUAGES": LANGUAGES, "current_locale": "zh_CN" if is_chinese() else "en"}
