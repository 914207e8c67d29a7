"""Programme rules as data (issue 13 point 4): one versioned table of the notice's parameters,
effective for new instances, the version that applied recorded on each record, and no such
constant left in the programme's Python."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import InvalidData
from workflows import rules
from workflows.driver import sample_application, sample_mentees
from workflows.tables import Certificate, Mentorship, Nomination, Round, RuleVersion

from .conftest import appoint, cst, open_round, submit

WORKFLOWS = Path(rules.__file__).parent


def save_rules(d, comment="按市委组织部通知调整", **changes):
    with d.engine.unit_of_work() as s:
        values = dict(rules.current(s, now=d.clock.now()).values, **changes)
        return rules.save(s, values, actor="section", now=d.clock.now(), comment=comment,
                          vocabulary=rules.form_vocabulary(d.engine))


def record(d, table, **where):
    with d.engine.sessions() as s:
        q = select(table)
        for k, v in where.items():
            q = q.where(getattr(table, k) == v)
        return s.scalars(q.order_by(table.id.desc())).first()


def test_version_one_is_the_notice(programme):
    d = programme
    with d.engine.sessions() as s:
        assert s.scalar(select(RuleVersion)) is None        # nothing written before a command needs the rules
    _, rid = open_round(d, 2014)
    with d.engine.sessions() as s:
        current = rules.current(s)
        assert s.get(Round, rid).rules_version == current.version == 1
    assert current["mentees_per_mentor"] == 5 and current["period_years"] == [2, 3]
    assert current["cycle_years"] == 3 and current["deadline_month_day"] == "06-30"
    assert (current["max_age"], current["min_years_in_chifeng"]) == (55, 3)
    assert current.labels("panels") == {"professional": "专业技术人才", "skilled": "高技能人才", "rural": "农村牧区实用人才"}
    assert current.interval("health_check") == 2 and current.interval("commendation") == 3
    assert current.certificate_number(2014, 7) == "CFPD-2014-0007"
    assert rules.problems(current.values) == []


def test_a_changed_rule_applies_to_rounds_opened_afterwards(programme):
    d = programme
    iid_2014, rid_2014 = open_round(d, 2014)
    v2 = save_rules(d, reminder_days=[10], experts_per_panel=3, rule_num=1, rule_den=2, cycle_years=2,
                    next_round_lead_days=30, certificate_number_format="CF{year}-{seq:03d}")
    assert v2.version == 2
    iid_2016, rid_2016 = open_round(d, 2016)
    old, new = record(d, Round, id=rid_2014), record(d, Round, id=rid_2016)
    assert (old.rules_version, old.experts_per_panel, old.rule_num, old.rule_den) == (1, 5, 2, 3)
    assert (new.rules_version, new.experts_per_panel, new.rule_num, new.rule_den) == (2, 3, 1, 2)
    assert [r["days"] for r in d.engine.instance_detail(iid_2014)["data"]["reminders"]] == [30, 14, 7, 3, 1]
    assert [r["days"] for r in d.engine.instance_detail(iid_2016)["data"]["reminders"]] == [10]
    # the next round is due one cycle later, the lead time before its deadline
    assert d.engine.instance_detail(iid_2014)["data"]["next_round_at"].startswith("2017-04-01")
    assert d.engine.instance_detail(iid_2016)["data"]["next_round_at"].startswith("2018-05-31")


def test_certificate_numbers_follow_the_format_of_the_rounds_rules(programme):
    d = programme
    _, rid = open_round(d, 2014)
    save_rules(d, certificate_number_format="CF{year}-{seq:03d}")   # after the round opened: not this round's
    appoint(d, rid, "hongshan", "张伟")
    cert = record(d, Certificate)
    assert cert.number == "CFPD-2014-0001" and cert.rules_version == 1


def test_the_certificate_format_cannot_reach_into_python(programme):
    for bad in ("{year.__class__}{seq}", "{0}{year}{seq}", "CF-{seq}", "{year}{seq}{seq}", "{year}-{seq:>10}",
                "A" * 30 + "{year}{seq}"):
        assert [e["field"] for e in rules.problems(dict(rules.defaults(), certificate_number_format=bad))] == \
            ["certificate_number_format"], bad
    assert rules.format_number("No.{year}/{seq:05d}", 2017, 12) == "No.2017/00012"


def test_mentees_per_mentor_and_period_come_from_the_mentorships_rules(programme):
    d = programme
    _, rid = open_round(d, 2014)
    appoint(d, rid, "hongshan", "张伟")                              # mentoring starts under version 1
    save_rules(d, mentees_per_mentor=4, period_years=[1, 2])
    _, later = open_round(d, 2015)
    appoint(d, later, "songshan", "王芳")                            # ... and this one under version 2
    with d.engine.sessions() as s:
        old, new = s.scalars(select(Mentorship).order_by(Mentorship.id)).all()
    assert (old.rules_version, new.rules_version) == (1, 2)
    with pytest.raises(InvalidData, match="须登记5名培带对象") as error:
        d.complete(old.instance_id, "Task_RegisterMentees", {"period_years": 2, "mentees": sample_mentees(count=4)})
    assert error.value.details.get("field") == "mentees"
    with pytest.raises(InvalidData, match="须登记4名培带对象"):
        d.complete(new.instance_id, "Task_RegisterMentees", {"period_years": 2, "mentees": sample_mentees(count=5)})
    with pytest.raises(InvalidData, match="培带期须为1或2年"):
        d.complete(new.instance_id, "Task_RegisterMentees", {"period_years": 3, "mentees": sample_mentees(count=4)})
    d.complete(old.instance_id, "Task_RegisterMentees", {"period_years": 3, "mentees": sample_mentees()})
    d.complete(new.instance_id, "Task_RegisterMentees", {"period_years": 1, "mentees": sample_mentees(count=4)})


def test_activity_kinds_are_those_of_the_mentorships_rules(programme):
    d = programme
    _, rid = open_round(d, 2014)
    save_rules(d, activity_kinds=[k for k in rules.defaults()["activity_kinds"] if k["code"] != "exchange"])
    appoint(d, rid)
    ship = record(d, Mentorship)
    d.complete(ship.instance_id, "Task_RegisterMentees", {"period_years": 2, "mentees": sample_mentees()})
    d.complete(ship.instance_id, "Task_ConfirmAgreement", {"agreement_decision": "confirm"})
    with pytest.raises(InvalidData, match="活动类型须为：专题讲座、技术辅导、培训授课"):
        d.complete(ship.instance_id, "Task_LogActivity", {"kind": "exchange", "held_on": "2014-08-01", "subject": "经验交流会"})
    d.complete(ship.instance_id, "Task_LogActivity", {"kind": "lecture", "held_on": "2014-08-01", "subject": "专题讲座"})


def test_panel_of_a_talent_type_comes_from_the_nominations_rules(programme):
    d = programme
    _, rid = open_round(d, 2014)
    mapping = dict(rules.defaults()["panel_of_talent_type"], equivalent="professional")
    save_rules(d, panel_of_talent_type=mapping)
    iid = submit(d, rid, "hongshan", sample_application(talent_type="equivalent"))   # no panel chosen
    nom = record(d, Nomination, instance_id=iid)
    assert (nom.category, nom.rules_version) == ("professional", 2)


def test_age_and_years_thresholds_are_those_of_the_nominations_rules(programme):
    d = programme
    _, rid = open_round(d, 2014)
    before = d.nominate(rid, "songshan")                       # started under version 1
    save_rules(d, max_age=40, min_years_in_chifeng=25)
    iid = d.nominate(rid, "hongshan")
    d.complete(iid, "Task_Fill", sample_application())        # 45 years old, 21 years in Chifeng
    data = d.engine.instance_detail(iid)["data"]
    assert (data["max_age"], data["min_years_in_chifeng"]) == (40, 25)
    assert record(d, Nomination, instance_id=iid).eligibility_json.count("E_") == 2
    assert data["eligibility_errors"] == ["在赤峰市工作21年，不满25年", "年龄45岁，超过40岁且未申请破格"]
    d.complete(before, "Task_Fill", sample_application())
    assert d.engine.instance_detail(before)["data"]["eligible"] is True


def test_incentive_intervals_are_those_of_the_applications_rules(programme):
    from workflows.tables import BenefitApplication

    from .conftest import agree_mentoring
    d = programme
    _, rid = open_round(d, 2014)
    appoint(d, rid)
    ship = record(d, Mentorship)
    agree_mentoring(d, ship.instance_id)

    def apply(kind):
        iid = d.start("benefit_application", {"mentor_id": ship.mentor_id}, user=f"mentor{ship.mentor_id}")
        d.complete(iid, "Task_Apply", {"kind": kind})
        return iid, record(d, BenefitApplication, instance_id=iid)

    iid, first = apply("health_check")
    d.complete(iid, "Task_ApproveBenefit", {"benefit_decision": "approve"})
    d.fire(cst("2015-03-01 09:00"))
    _, again = apply("health_check")
    assert again.status == "ineligible" and again.reason == "每2年组织一次免费健康检查，距上次检查不足2年"
    save_rules(d, incentives=[dict(i, interval_years=1) if i["code"] == "health_check" else i
                              for i in rules.defaults()["incentives"]])
    _, yearly = apply("health_check")
    assert (yearly.status, yearly.rules_version, first.rules_version) == ("pending", 2, 1)


def test_wrong_rules_are_refused_field_by_field_in_chinese_and_nothing_is_stored(programme):
    d = programme
    bad = dict(rules.defaults(), mentees_per_mentor=0, period_years=[2, 2], reminder_days=[30, "七"], rule_num=3, rule_den=2,
               deadline_month_day="02-30", duty_kinds=["lecture", "visit"], experts_per_panel=True,
               incentives=[{"code": "Bus Card", "label": "", "interval_years": -1}],
               panel_of_talent_type={"professional": "science"})
    with pytest.raises(InvalidData) as error:
        save_rules(d, **{k: v for k, v in bad.items()})
    fields = {e["field"]: e["message"] for e in error.value.details["errors"]}
    assert set(fields) == {"mentees_per_mentor", "period_years", "reminder_days", "rule_num", "deadline_month_day",
                           "duty_kinds", "experts_per_panel", "incentives", "panel_of_talent_type"}
    assert fields["mentees_per_mentor"] == "每名培带人的培带对象人数须为1至20之间的整数"
    assert fields["rule_num"] == "表决规则 3/2 无效：分子不能大于分母"
    assert "不能重复" in fields["period_years"] and "月-日" in fields["deadline_month_day"]
    with pytest.raises(InvalidData) as error:
        save_rules(d, comment="  ", max_age=60)
    assert [e["field"] for e in error.value.details["errors"]] == ["comment"]
    with pytest.raises(InvalidData, match="没有变化"):
        save_rules(d)
    with d.engine.sessions() as s:
        assert [r.version for r in rules.history(s)] == []


def test_rules_only_name_kinds_the_deployed_forms_accept(programme):
    kinds = rules.defaults()["activity_kinds"] + [{"code": "field_visit", "label": "现场观摩"}]
    with pytest.raises(InvalidData, match="不在当前流程表单的可选项中"):
        save_rules(programme, activity_kinds=kinds)


# the notice's values, as they would appear in code
NOTICE_LITERALS = [
    r"CFPD", r"['\"]0?6-30['\"]", r"\b6,\s*30\)", r"\[30,\s*14", r"days=90\b", r"\bP365D\b", r"(?<![\w.])55(?![\w.])",
    r"['\"]professional['\"],\s*['\"]skilled['\"]", r"len\([^)]*\)\s*[!=]=\s*5\b", r"\(2,\s*3\)", r"experts_per_panel\s*=\s*5",
    r"['\"]bus_card['\"]", r"['\"]health_check['\"]", r"['\"]commendation['\"]", r"cycle_years['\"]?\s*,\s*3",
]


def test_no_programme_rule_is_a_constant_in_python():
    """Grep of the programme's own Python (its migrations, the simulator's synthetic people and the
    demo's sample data aside) for the notice's numbers, kinds and formats."""
    found = []
    for path in sorted(WORKFLOWS.rglob("*.py")):
        rel = path.relative_to(WORKFLOWS).as_posix()
        if "migrations_versions" in rel or rel.startswith(("documents/", "notifications/")) or rel in ("demo.py",):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if rel == "rules.py" and ("message" in code or '"' in code and "例如" in code):
                continue   # the rules' own validation messages quote examples
            for pattern in NOTICE_LITERALS:
                if re.search(pattern, code):
                    found.append(f"{rel}:{n}: {line.strip()}")
    assert found == []
