"""附件1 uploaded in one step (issue 13 point 7): every row checked, a draft nomination per row with
the application prefilled, errors per row and column, nothing created when any row is wrong."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import InvalidData, PermissionDenied
from engine.tables import Instance
from workflows.operations.imports import birth_date
from workflows.tables import Nomination

from .conftest import open_round

GOOD = [
    {"row": 1, "name": "张伟", "gender": "男", "birth": "1969-03", "ethnicity": "汉族", "political_status": "中共党员",
     "education": "研究生/硕士", "title": "正高级", "unit": "红山区", "workplace": "赤峰市医院 主任医师", "category": "专业技术人才",
     "achievements": "主持省部级科研课题两项", "phone": "0476-8838010"},
    {"row": 2, "name": "李秀兰", "gender": "女", "birth": "1975年6月", "education": "大专", "title": "高级技师（国家一级）",
     "workplace": "红山区热电厂 高级技师", "category": "高技能人才"},
    {"row": 3, "name": "王刚", "gender": "男", "birth": "1980.11.02", "workplace": "某合作社 理事长", "category": "农村牧区实用人才"},
]


def import_rows(d, rid, rows, unit="hongshan", user=None):
    return d.start("nomination_import", {"round_id": rid, "unit_id": unit, "rows": rows}, user=user or f"{unit}_sub")


def count(d, table=Nomination):
    with d.engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_birth_month_as_units_write_it():
    assert [str(birth_date(t)) for t in ("1969-03", "1969.3", "1969年3月", "1969-03-15", "1969/3/15")] == [
        "1969-03-01", "1969-03-01", "1969-03-01", "1969-03-15", "1969-03-15"]
    assert birth_date("六九年") is None and birth_date("1969-13") is None


def test_every_row_becomes_a_draft_nomination_with_its_application_prefilled(programme):
    d = programme
    _, rid = open_round(d, 2014)
    iid = import_rows(d, rid, GOOD)
    assert d.instance_status(iid) == "completed"
    with d.engine.sessions() as s:
        noms = s.scalars(select(Nomination).order_by(Nomination.id)).all()
        parents = {s.get(Instance, n.instance_id).parent_id for n in noms}
    assert [(n.name, n.status, n.unit_id) for n in noms] == [("张伟", "draft", "hongshan"), ("李秀兰", "draft", "hongshan"),
                                                             ("王刚", "draft", "hongshan")]
    assert parents == {iid}
    first = d.open_tasks(noms[0].instance_id)[0]
    assert (first["element_id"], first["title"]) == ("Task_Fill", "张伟（红山区，2014年度）")
    data = d.engine.task_data(first["id"], d.actor("hongshan_sub"))
    assert {k: data[k] for k in ("name", "gender", "birth_date", "talent_type", "degree", "title_level", "workplace", "phone")} == {
        "name": "张伟", "gender": "男", "birth_date": "1969-03-01", "talent_type": "professional", "degree": "master",
        "title_level": "senior", "workplace": "赤峰市医院 主任医师", "phone": "0476-8838010"}
    second = d.engine.task_data(d.open_tasks(noms[1].instance_id)[0]["id"], d.actor("hongshan_sub"))
    assert (second["talent_type"], second["skill_level"], second["degree"]) == ("skilled", "senior_technician", "college")


def test_one_wrong_row_and_nothing_is_created_with_errors_per_row(programme):
    d = programme
    _, rid = open_round(d, 2014)
    bad = [GOOD[0], dict(GOOD[1], gender="F", birth="七五年"), dict(GOOD[2], category="公务员", unit="松山区"),
           dict(GOOD[0], row=4)]
    with pytest.raises(InvalidData, match="附件1中有3行有误，未发起任何推荐") as error:
        import_rows(d, rid, bad)
    messages = [e["message"] for e in error.value.details["errors"]]
    assert messages == ["第2行“性别”：须为“男”或“女”", "第2行“出生年月”：应为 年-月，例如 1969-03",
                        "第3行“人才类别”：须为专业技术人才、高技能人才、农村牧区实用人才之一，或推荐申报表中的人才类型",
                        "第3行“推荐单位”：与上传单位“红山区”不符", "第4行“姓名”：与前面的行重复"]
    assert count(d) == 0 and count(d, Instance) == 1                 # only the round: not even the import instance


def test_a_person_the_unit_already_nominated_is_refused(programme):
    d = programme
    _, rid = open_round(d, 2014)
    import_rows(d, rid, GOOD[:1])
    with pytest.raises(InvalidData, match="第1行“姓名”：本单位本轮评选已推荐此人"):
        import_rows(d, rid, GOOD[:1])
    assert count(d) == 1


def test_a_unit_imports_only_for_itself_and_only_while_the_round_is_open(programme):
    d = programme
    _, rid = open_round(d, 2014)
    with pytest.raises(PermissionDenied):
        import_rows(d, rid, GOOD, unit="hongshan", user="songshan_sub")
    d.clock.set(d.clock.now().replace(year=2014, month=7, day=2))
    with pytest.raises(InvalidData, match="截止"):
        import_rows(d, rid, GOOD)
    assert count(d) == 0
