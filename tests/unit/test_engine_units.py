"""Small engine pieces that need no database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine import EngineConfig, Role, VirtualClock
from engine.fastsql import FastSQL, insert_sql
from engine.registry import content_hash
from engine.spiff import iso_duration_from, parse_duration_or_date, use_clock

CST = timezone(timedelta(hours=8))


def test_lane_names_map_to_roles_by_key_label_or_suffix():
    config = EngineConfig(roles={"unit_reviewer": Role("unit_reviewer", "单位审核人", "unit_id")})
    assert config.role_for_lane("unit_reviewer").key == "unit_reviewer"
    assert config.role_for_lane(" 单位审核人 ").key == "unit_reviewer"
    assert config.role_for_lane("旗县区审核（unit_reviewer）").key == "unit_reviewer"
    assert config.role_for_lane("路人") is None
    assert config.role_for_lane(None) is None


def test_content_hash_depends_on_names_and_contents_not_order():
    a = {"a.bpmn": "x", "forms/f.json": "{}"}
    assert content_hash(a) == content_hash(dict(reversed(list(a.items()))))
    assert content_hash(a) != content_hash({"b.bpmn": "x", "forms/f.json": "{}"})
    assert content_hash(a) != content_hash({"a.bpmn": "x ", "forms/f.json": "{}"})


def test_fast_sql_speaks_both_paramstyles_and_stores_times_like_sqlalchemy():
    sql = "UPDATE t SET a = :a, b = ':not_a_param' WHERE id = :b_id AND x::text LIKE '5%'"
    assert FastSQL("sqlite")._sql(sql) == sql
    assert FastSQL("postgresql")._sql(sql) == "UPDATE t SET a = %(a)s, b = ':not_a_param' WHERE id = %(b_id)s AND x::text LIKE '5%%'"
    when = datetime(2014, 6, 30, 9, 0, tzinfo=CST)
    assert FastSQL("sqlite").time(when) == "2014-06-30 01:00:00.000000"
    assert FastSQL("postgresql").time(when) == datetime(2014, 6, 30, 1, 0)
    assert FastSQL("sqlite").time(None) is None
    from engine.tables import Timer
    assert insert_sql(Timer.__table__, ["instance_id", "due_at"]) == "INSERT INTO timers (instance_id, due_at) VALUES (:instance_id, :due_at)"


@pytest.mark.parametrize("value", ["P1Y", "P10D", "PT12H", "2014-06-30T09:00:00+08:00", "R3/2014-06-01T00:00:00Z/P1D"])
def test_timer_values_that_parse(value):
    parse_duration_or_date(value)


@pytest.mark.parametrize("value", ["P1Q", "ten days", "", "2014-13-01"])
def test_timer_values_that_do_not(value):
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_duration_or_date(value)


def test_calendar_durations_count_months_and_leap_years():
    start = datetime(2015, 2, 28, 0, 0, tzinfo=timezone.utc)
    assert iso_duration_from(start, "P1Y") == datetime(2016, 2, 28, tzinfo=timezone.utc)
    assert iso_duration_from(datetime(2016, 1, 31, tzinfo=timezone.utc), "P1M") == datetime(2016, 3, 2, tzinfo=timezone.utc)


def test_clock_seam_routes_the_library_timer_module_and_restores_it():
    from engine.spiff import _timer_module as timer

    clock = VirtualClock("2030-01-01T00:00:00+00:00")
    with use_clock(clock.now):
        assert timer.datetime.now(timezone.utc) == clock.now()
    assert abs(timer.datetime.now(timezone.utc) - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_only_one_module_imports_spiffworkflow():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    importers = sorted(
        str(p.relative_to(root)) for folder in ("engine", "workflows", "webapp", "worker", "peidai", "bench", "scripts", "tests")
        for p in (root / folder).rglob("*.py")
        if re.search(r"^\s*(from|import)\s+SpiffWorkflow\b", p.read_text(encoding="utf-8"), re.M))
    outside = [p for p in importers if not p.startswith("engine/spiff/")]
    assert importers and not outside, outside
