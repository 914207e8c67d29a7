"""附件1 as Excel: Chinese headers, frozen header row, filters, widths that fit Chinese text; it
reloads with the same rows."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from workflows.documents.excel import HEADER_ROW, HEADERS, display_width, nominee_rows, render_xlsx

from .conftest import sample_nominee_list


def test_nominee_list_reloads_with_the_same_rows():
    doc = sample_nominee_list()
    ws = load_workbook(io.BytesIO(render_xlsx(doc))).active
    assert ws["A1"].value == "赤峰市人才培带人推荐人选名单"
    assert "中共红山区委组织部" in ws["A2"].value and "2014年度" in ws["A2"].value
    assert tuple(c.value for c in ws[HEADER_ROW]) == HEADERS
    reloaded = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=HEADER_ROW + 1)]
    assert reloaded == [tuple(v if v != "" else None for v in r) for r in nominee_rows(doc)]  # empty cells read back as None
    assert [r[1] for r in reloaded] == ["王建国", "乌兰其其格", "李树林", "张秀英"]
    assert reloaded[2][10] == "高技能人才" and reloaded[1][12] is None


def test_header_is_frozen_and_filtered_and_columns_fit_chinese_text():
    doc = sample_nominee_list()
    ws = load_workbook(io.BytesIO(render_xlsx(doc))).active
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:M{HEADER_ROW + len(doc.nominees)}"
    widths = {h: ws.column_dimensions[chr(ord("A") + i)].width for i, h in enumerate(HEADERS)}
    assert widths["工作单位及职务"] >= display_width("红山区文钟镇 蔬菜专业合作社理事长")
    assert widths["姓名"] >= display_width("乌兰其其格")
    assert all(widths[h] >= display_width(h) for h in HEADERS)
    assert widths["主要业绩（简要）"] <= 48   # long text wraps instead of making the sheet unprintable
    assert ws.page_setup.orientation == "landscape"


def test_empty_list_still_has_its_header():
    doc = sample_nominee_list()
    doc.nominees = []
    ws = load_workbook(io.BytesIO(render_xlsx(doc))).active
    assert tuple(c.value for c in ws[HEADER_ROW]) == HEADERS
    assert ws.max_row == HEADER_ROW
