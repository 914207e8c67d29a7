"""The programme's rules beside the model comparison (issue 14 point 2): rules are versioned on
their own (the rules page), so the comparison and the draft page list the rule versions saved
between the two model versions, item by item in Chinese."""
from __future__ import annotations

import re

import pytest

from webapp.admin.rules_history import rule_changes, show
from workflows import rules

from .conftest import with_notice


def save_rules(engine, clock, comment, **changes):
    with engine.unit_of_work() as s:
        values = dict(rules.current(s, now=clock.now()).values) | changes
        return rules.save(s, values, actor="section", now=clock.now(), comment=comment).version


def rows_of(html: str) -> dict[tuple[str, str], str]:
    return {(v, key): body for v, key, body in
            re.findall(r'<tr class="rules-row" data-rules-version="(\d+)" data-rule="(\w+)">(.*?)</tr>', html, re.S)}


def test_rules_saved_between_two_model_versions_are_shown_beside_their_comparison(admin_auth, engine, clock,
                                                                                   fixture_models):
    with engine.unit_of_work() as s:
        rules.current(s, now=clock.now())                       # version 1: the notice
    clock.advance(days=1)
    v1 = engine.deploy(fixture_models)["version"]
    clock.advance(days=1)
    health = [dict(i, interval_years=3) if i["code"] == "health_check" else i for i in rules.defaults()["incentives"]]
    assert save_rules(engine, clock, "年龄放宽", max_age=56, incentives=health, duty_kinds=["lecture", "guidance"]) == 2
    clock.advance(days=1)
    v2 = engine.deploy(with_notice(fixture_models))["version"]
    clock.advance(days=1)
    assert save_rules(engine, clock, "提醒提前", reminder_days=[30, 7]) == 3   # after version 2: not between

    html = admin_auth.client.get(f"/admin/versions/compare?a={v1}&b={v2}").get_data(as_text=True)
    assert 'id="rules-history"' in html and "单独按版本保存" in html
    rows = rows_of(html)
    assert set(rows) == {("2", "max_age"), ("2", "incentives"), ("2", "duty_kinds")}
    assert "年龄上限（岁）" in rows[("2", "max_age")] and re.search(r"55</s> → <span class=\"diff-after\">56", rows[("2", "max_age")])
    assert "免费健康检查（每2年）" in rows[("2", "incentives")] and "免费健康检查（每3年）" in rows[("2", "incentives")]
    assert "专题讲座、技术辅导、培训授课" in rows[("2", "duty_kinds")] and "lecture" not in rows[("2", "duty_kinds")]
    assert "年龄放宽" in html and "\\u" not in html

    # a draft of version 2: the rules saved since it was deployed are still in force when it deploys
    d = admin_auth.post(f"/admin/versions/{v2}/draft", data={"name": "草稿"}, follow_redirects=True).get_data(as_text=True)
    assert set(rows_of(d)) == {("3", "reminder_days")} and "30、7" in d


def test_no_rule_change_between_versions_says_so(admin_auth, engine, clock, fixture_models):
    v1 = engine.deploy(fixture_models)["version"]
    clock.advance(days=1)
    v2 = engine.deploy(with_notice(fixture_models))["version"]
    html = admin_auth.client.get(f"/admin/versions/compare?a={v2}&b={v1}").get_data(as_text=True)
    assert "这期间培带规则没有修改（当前为第 1 版）" in html and not rows_of(html)


@pytest.mark.parametrize("value, expected", [
    (None, "（无）"), ([], "（无）"), (True, "是"), ([2, 3], "2、3"), ("06-30", "06-30"),
    ({"professional": "skilled"}, "专业技术人才 → 高技能人才"),
    ([{"code": "x"}], "x"), ([[1, 2]], "1、2"), (1.5, "1.5"),
])
def test_rule_values_read_as_text_with_labels(value, expected):
    assert show(value, {"professional": "专业技术人才", "skilled": "高技能人才"}) == expected


def test_hostile_rule_values_are_shown_as_text_and_escaped(admin_auth, engine, clock, fixture_models):
    """A label that looks like markup, a key the page does not know: shown, never interpreted."""
    v1 = engine.deploy(fixture_models)["version"]
    clock.advance(days=1)
    with engine.unit_of_work() as s:   # written as stored data (the rules page would refuse the unknown key)
        from workflows.tables import RuleVersion
        import json
        base = rules.current(s, now=clock.now())
        values = dict(base.values, events=[{"code": "x", "label": "<script>alert(1)</script>"}], unknown_key={"a": [1]})
        s.add(RuleVersion(version=base.version + 1, rules_json=json.dumps(values, ensure_ascii=False),
                          created_at=clock.now(), created_by="<b>x</b>", comment=""))
    clock.advance(days=1)
    v2 = engine.deploy(with_notice(fixture_models))["version"]
    html = admin_auth.client.get(f"/admin/versions/compare?a={v1}&b={v2}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html and "<b>x</b>" not in html
    assert any(key == "unknown_key" for _, key in rows_of(html)) and "其他规则" in html
    assert rule_changes({"a": 1}, {"a": 1}) == []
