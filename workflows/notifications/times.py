"""Dates as users read them: China Standard Time, written as the web pages write them
(2014年6月30日 on a Chinese page, Jun 30, 2014 on an English one)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")


def local_date(moment: datetime) -> date:
    return moment.astimezone(CST).date()


def local_text(moment: datetime) -> str:
    return moment.astimezone(CST).strftime("%Y-%m-%d %H:%M")


_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}:\d{2}))?")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def words(text: str, lang: str = "zh") -> str:
    """A day ("2014-06-30") or a China-time moment ("2014-06-30 09:00", what :func:`local_text`
    writes) as a message says it; any other text unchanged."""
    m = _DAY.fullmatch(text.strip()) if isinstance(text, str) else None
    if m is None:
        return text
    year, month, day, clock = int(m[1]), int(m[2]), int(m[3]), m[4]
    if not 1 <= month <= 12:
        return text
    shown = f"{year}年{month}月{day}日" if lang == "zh" else f"{_MONTHS[month - 1]} {day}, {year}"
    return f"{shown} {clock}" if clock else shown
