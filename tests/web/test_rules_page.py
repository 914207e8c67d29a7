"""培带规则 page (issue 13 point 4): the programme's parameters, edited with validation and saved
as a new version that applies to instances started afterwards."""
from __future__ import annotations

import html

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.security import generate_password_hash

from peidai.settings import PROJECT_ROOT
from tests.web.conftest import PASSWORD
from workflows import rules
from workflows.driver import Driver

_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture
def programme(system):
    d = Driver(system)
    d.seed(experts_per_panel=1, password_hash=lambda _u: _HASH)
    d.deploy(PROJECT_ROOT / "bpmn")
    return d


def text(r):
    return html.unescape(r.get_data(as_text=True))


def form_of(values: dict, comment: str = "调整") -> MultiDict:
    """What the page posts for ``values``."""
    out = MultiDict()
    for key in ("mentees_per_mentor", "duty_per_year", "cycle_years", "next_round_lead_days", "deadline_month_day",
                "experts_per_panel", "rule_num", "rule_den", "certificate_number_format", "assessment_due_days", "max_age",
                "min_years_in_chifeng"):
        out.add(key, str(values[key]))
    out.add("period_years", ", ".join(str(p) for p in values["period_years"]))
    out.add("reminder_days", "、".join(str(p) for p in values["reminder_days"]))
    for key in ("activity_kinds", "panels", "incentives", "events"):
        for item in values[key]:
            out.add(f"{key}.code", item["code"])
            out.add(f"{key}.label", item["label"])
            if key == "incentives":
                out.add(f"{key}.interval_years", str(item["interval_years"]))
    for code in values["duty_kinds"]:
        out.add("duty_kinds", code)
    for code in values["event_outstanding_only"]:
        out.add("event_outstanding_only", code)
    for talent, panel in values["panel_of_talent_type"].items():
        out.add(f"panel_of_talent_type.{talent}", panel)
    out.add("comment", comment)
    return out


def post(auth, values, comment="调整"):
    data = form_of(values, comment)
    data.add("csrf_token", auth.token)
    return auth.client.post("/rules/", data=data)


def test_rules_page_shows_the_notices_values_with_chinese_labels(auth, client, programme):
    auth.login("section")
    page = text(client.get("/rules/"))
    for expected in ("培带规则", "第1版", "每名培带人的培带对象人数", 'value="5"', "专题讲座", "免费健康检查", "CFPD-{year}-{seq:04d}",
                     "优秀专业技术人才", "由单位选择", "06-30", "30, 14, 7, 3, 1"):
        assert expected in page, expected


def test_saving_changed_rules_makes_a_new_version_for_new_instances(auth, client, programme):
    auth.login("section")
    client.get("/rules/")
    values = dict(rules.defaults(), mentees_per_mentor=4, reminder_days=[20, 5])
    r = post(auth, values, "2017年起每名培带人带4名")
    assert r.status_code == 302, text(r)[:2000]
    page = text(client.get("/rules/"))
    assert "第2版" in page and "2017年起每名培带人带4名" in page and "20, 5" in page
    with programme.engine.sessions() as s:
        assert rules.current(s)["mentees_per_mentor"] == 4
    iid = programme.open_round(2014)
    assert [r["days"] for r in programme.engine.instance_detail(iid)["data"]["reminders"]] == [20, 5]
    old = text(client.get("/rules/?version=1"))
    assert "已被第2版取代" in old and "保存为新版本" not in old


def test_wrong_values_are_shown_next_to_their_fields_and_nothing_is_saved(auth, client, programme):
    auth.login("admin")
    client.get("/rules/")
    values = dict(rules.defaults(), mentees_per_mentor=0, rule_num=4, rule_den=3, certificate_number_format="{year.real}",
                  period_years=["两"])
    r = post(auth, values, "")
    assert r.status_code == 422
    page = text(r)
    assert 'id="err-mentees_per_mentor">每名培带人的培带对象人数须为1至20之间的整数<' in page
    assert 'id="err-rule_num">表决规则 4/3 无效：分子不能大于分母<' in page
    assert 'id="err-certificate_number_format">' in page and 'id="err-period_years">' in page
    assert 'id="err-comment">请填写修改说明' in page
    assert 'value="两"' in page                      # what was typed stays in the form
    with programme.engine.sessions() as s:
        assert rules.history(s) == []


def test_only_the_section_and_administrators_change_the_rules(auth, client, programme):
    auth.login("director")
    page = text(client.get("/rules/"))
    assert "第1版" in page and "保存为新版本" not in page
    assert post(auth, dict(rules.defaults(), max_age=50)).status_code == 403
    auth.logout()
    auth.login("hongshan_rev")
    assert client.get("/rules/").status_code == 403
