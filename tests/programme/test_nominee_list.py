"""附件1 赤峰市人才培带人推荐人选名单 (issue 13 point 3): only nominations that passed their unit's
review, in the order the talent section set, no blank rows (PDF data and Excel)."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from workflows.documents import sources
from workflows.documents.excel import HEADER_ROW, render_xlsx
from workflows.driver import sample_application
from workflows.tables import Nomination

from .conftest import close, committee, open_round, submit


def attachment_1(d, round_id, unit=""):
    with d.engine.sessions() as s:
        return sources.nominee_list(s, f"{round_id}:{unit}" if unit else str(round_id), d.clock.now())


def ids_by_name(d):
    with d.engine.sessions() as s:
        return dict(s.execute(select(Nomination.name, Nomination.id)).all())


def a_round_in_every_state(d):
    _, rid = open_round(d, 2014)
    d.nominate(rid, "hongshan")                                                     # draft, nothing filled in
    submit(d, rid, "songshan", sample_application("待审"), review=False)            # waiting for its unit
    submit(d, rid, "aohan", sample_application("退回"), review={"unit_decision": "return", "comment": "补充材料"})
    submit(d, rid, "linxi", sample_application("否决"), review={"unit_decision": "reject", "comment": "不予推荐"})
    iid = d.nominate(rid, "ningcheng")
    d.complete(iid, "Task_Fill", sample_application("超龄", birth_date="1950-01-01"))   # ineligible
    iid = d.nominate(rid, "harqin")
    d.complete(iid, "Task_Fill", sample_application("撤回"))
    d.complete(iid, "Task_UnitReview", {"unit_decision": "return", "comment": "请核实"})
    d.complete(iid, "Task_Fill", {"action": "withdraw"})
    submitted = {name: submit(d, rid, unit, sample_application(name))
                 for name, unit in (("甲", "cfu"), ("乙", "hongshan"), ("丙", "city_health"), ("丁", "songshan"))}
    return rid, submitted


def test_attachment_1_lists_only_nominations_that_passed_unit_review(programme):
    d = programme
    rid, _ = a_round_in_every_state(d)
    assert [n.name for n in attachment_1(d, rid).nominees] == ["乙", "丁", "丙", "甲"]   # by unit while the round is open
    assert [n.name for n in attachment_1(d, rid, "songshan").nominees] == ["丁"]
    close(d, rid)                                                              # the drafts expire: still not listed
    assert [n.name for n in attachment_1(d, rid).nominees] == ["乙", "丁", "丙", "甲"]


def test_attachment_1_follows_the_order_the_office_set_on_the_list(programme):
    d = programme
    rid, submitted = a_round_in_every_state(d)
    close(d, rid)
    for name, iid in submitted.items():
        committee(d, iid, ("disagree",) * 5 if name == "乙" else ("agree",) * 5)
    ids = ids_by_name(d)
    d.prepare_list(d.round_instance(rid), [ids["丙"], ids["甲"], ids["丁"]])
    # the list's candidates in the office's order, then the others (not recommended) by unit
    assert [n.name for n in attachment_1(d, rid).nominees] == ["丙", "甲", "丁", "乙"]
    assert [n.name for n in attachment_1(d, rid, "songshan").nominees] == ["丁"]


def test_attachment_1_in_excel_has_no_blank_rows(programme):
    d = programme
    rid, _ = a_round_in_every_state(d)
    close(d, rid)
    doc = attachment_1(d, rid)
    ws = load_workbook(BytesIO(render_xlsx(doc))).active
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=HEADER_ROW + 1)]
    assert len(body) == len(doc.nominees) == 4
    assert [row[0] for row in body] == [1, 2, 3, 4] and all(row[1] for row in body)   # numbered, every row named
    assert ws.cell(row=HEADER_ROW, column=1).value == "序号"
    assert all(all(c.value in (None, "") for c in row) is False for row in ws.iter_rows(min_row=1, max_row=ws.max_row))
