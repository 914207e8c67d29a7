"""Programme dates: deadlines, anniversaries and ages are reckoned in China Standard Time
(Asia/Shanghai) and stored in UTC."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

CST = ZoneInfo("Asia/Shanghai")


def local_date(moment: datetime) -> date:
    return moment.astimezone(CST).date()


def at_local(day: date, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    """``day`` at the given local (Asia/Shanghai) time, as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute, second), CST).astimezone(timezone.utc)


def end_of_day(day: date) -> datetime:
    return at_local(day, 23, 59, 59)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def full_years(since: date, on: date) -> int:
    """Completed years from ``since`` to ``on`` (an age, or years worked)."""
    years = on.year - since.year - ((on.month, on.day) < (since.month, since.day))
    return max(years, 0)


def parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return local_date(value) if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def parse_moment(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=CST)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def days_before(deadline: datetime, days: int) -> datetime:
    """09:00 local time ``days`` calendar days before the deadline's local date."""
    return at_local(local_date(deadline) - timedelta(days=days))
