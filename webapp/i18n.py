"""Chinese (zh_CN) first, English selectable; dates shown in China Standard Time.

Message ids are the Chinese texts; ``translations/en`` holds the English catalogue of the web
pages. The models' own text (process and task names, form titles, field labels, choices, the
decision tables' messages) is translated by the models: each model version may carry
``i18n/en.json`` (``bpmn/i18n/en.json``, see bpmn/README.md), a table from the Chinese text to
its English, edited and deployed with the models. English pages show a model text through
:func:`model_text` (the ``mt`` filter), which falls back to the Chinese."""
from __future__ import annotations

import json
import re
import threading
from datetime import date, datetime

from babel import Locale
from flask import current_app, g, has_request_context, request, session
from flask_babel import Babel, format_date, format_datetime, get_locale, gettext

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


MODEL_TEXTS = "i18n/en.json"   # the English of a model version's texts, one file of the version
_cache: dict = {"versions": None, "texts": {}}
_cache_lock = threading.Lock()


def texts_of(files: dict[str, str]) -> dict[str, str]:
    """The Chinese → English table of one model version's files (empty when it has none or it
    is not the expected shape: a broken file shows Chinese, it never breaks a page)."""
    try:
        doc = json.loads(files.get(MODEL_TEXTS) or "{}")
    except ValueError:
        return {}
    table = doc.get("texts") if isinstance(doc, dict) else None
    if not isinstance(table, dict):
        return {}
    return {k.strip(): v.strip() for k, v in table.items() if isinstance(k, str) and isinstance(v, str) and v.strip()}


def model_texts() -> dict[str, str]:
    """Every deployed version's table, newer versions winning (a text keeps its English when a
    newer version drops it: older instances still show it). Rebuilt when a version is deployed;
    read once per request."""
    if "model_texts" in g:
        return g.model_texts
    engine = current_app.extensions["peidai"].engine
    versions = tuple(v["version"] for v in engine.list_versions())
    if _cache["versions"] != versions:
        merged: dict[str, str] = {}
        for vid in versions:
            merged.update(texts_of(engine.version_files(vid)))
        with _cache_lock:
            _cache.update(versions=versions, texts=merged)
    g.model_texts = _cache["texts"]
    return g.model_texts


_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _patterns(table: dict[str, str]) -> list[tuple[re.Pattern, str]]:
    """The entries with ``{name}`` (a decision table's f-string message, e.g. ``年龄{age}岁``) as
    patterns that match the message as shown; cached per table."""
    cached = _cache.get("patterns")
    if cached is not None and cached[0] is table:
        return cached[1]
    found = []
    for zh, en in table.items():
        if not _FIELD.search(zh):
            continue
        parts, names, last = [], set(), 0
        for m in _FIELD.finditer(zh):
            parts.append(re.escape(zh[last:m.start()]))
            parts.append(f"(?P={m.group(1)})" if m.group(1) in names else f"(?P<{m.group(1)}>.+?)")
            names.add(m.group(1))
            last = m.end()
        parts.append(re.escape(zh[last:]))
        found.append((re.compile("".join(parts) + r"\Z", re.S), en))
    _cache["patterns"] = (table, found)
    return found


def model_text(text):
    """A text of the models in the page's language: its English when English is chosen and the
    models translate it (a message with values, ``年龄58岁``, through its ``{age}`` entry), else
    the text itself."""
    if not isinstance(text, str) or not text or not has_request_context() or is_chinese():
        return text
    table = model_texts()
    key = text.strip()
    if key in table:
        return table[key]
    for pattern, en in _patterns(table):
        m = pattern.match(key)
        if m:
            values = m.groupdict()
            return _FIELD.sub(lambda f: values.get(f.group(1), f.group(0)), en)
    return text


def word(text):
    """A Chinese label the programme hands the pages (a status, a kind, a rules label) in the
    page's language: the web catalogue's English (webapp.labels.WORDS), else the models'."""
    if not isinstance(text, str) or not text or not has_request_context() or is_chinese():
        return text
    english = gettext(text)
    return english if english != text else model_text(text)


_SCHEMA_TEXTS = ("title", "description")
_SCHEMA_LISTS = ("enumNames", "x-enumNames")


def localized_schema(schema: dict | None) -> dict | None:
    """A form (JSON Schema) with its titles, descriptions and choice labels in the page's
    language (a copy; the original is the engine's and shared)."""
    if schema is None or is_chinese():
        return schema
    table = model_texts()

    def walk(node):
        if isinstance(node, dict):
            out = {k: walk(v) for k, v in node.items()}
            for key in _SCHEMA_TEXTS:
                if isinstance(node.get(key), str):
                    out[key] = table.get(node[key].strip(), node[key])
            for key in _SCHEMA_LISTS:
                if isinstance(node.get(key), list):
                    out[key] = [table.get(t.strip(), t) if isinstance(t, str) else t for t in node[key]]
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node
    return walk(schema)


def date_text(value) -> str:
    """A day as the pages write it (the ``d`` filter): 2014年6月30日, or Jun 30, 2014 in English; a
    moment is taken in China Standard Time, a "YYYY-MM-DD" text (a form's date field) is read."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if is_chinese():
        return format_date(value, "yyyy年M月d日")
    return format_date(value, "medium")


def init_app(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    parsed = {code: Locale.parse(code) for code in LANGUAGES}   # parsed once, not on every request
    babel.init_app(app, locale_selector=lambda: parsed[select_locale()])

    @app.template_filter("dt")
    def dt(value: datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        if is_chinese():
            return format_datetime(value, "yyyy年M月d日 HH:mm")
        return format_datetime(value, fmt)

    app.add_template_filter(date_text, "d")

    app.add_template_filter(model_text, "mt")
    app.add_template_filter(word, "word")

    @app.context_processor
    def languages():
        return {"LANGUAGES": LANGUAGES, "current_locale": "zh_CN" if is_chinese() else "en"}
