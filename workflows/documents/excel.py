"""附件1 as an Excel workbook: a title, the unit and round, a frozen header row with filters, and
column widths measured on the text (a Chinese character is about two Latin ones wide)."""
from __future__ import annotations

import io
import unicodedata

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .data import NomineeList
from .render import cn_date, cn_month

TITLE = "赤峰市人才培带人推荐人选名单"
HEADERS = ("序号", "姓名", "性别", "出生年月", "民族", "政治面貌", "学历学位", "职称（技术等级）",
           "推荐单位", "工作单位及职务", "人才类别", "主要业绩（简要）", "联系电话")
HEADER_ROW = 3
MAX_WIDTH = {"主要业绩（简要）": 48, "工作单位及职务": 34}
FONT = "宋体"


def keep_text(cells) -> None:
    """Text stays text: openpyxl stores a string that starts with "=" as a formula, so a name or
    workplace typed as ``=HYPERLINK(...)`` or ``=cmd|...`` would run when the export is opened
    (formula injection). Such cells are written as plain strings; the value itself is unchanged."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def nominee_rows(doc: NomineeList) -> list[tuple]:
    return [(i, n.name, n.gender, cn_month(n.birth_date), n.ethnicity, n.political_status, n.education, n.title,
             n.unit_name or doc.unit_name, n.workplace, n.category_label, n.achievements, n.phone)
            for i, n in enumerate(doc.nominees, start=1)]


def render_xlsx(doc: NomineeList) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "推荐人选名单"
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    last_col = get_column_letter(len(HEADERS))

    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"] = TITLE
    ws["A1"].font = Font(name=FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    ws.merge_cells(f"A2:{last_col}2")
    unit = f"推荐单位（盖章）：{doc.unit_name}" if doc.unit_name else "汇总单位：中共赤峰市委组织部人才科（全市汇总）"
    ws["A2"] = f"{unit}　　评选批次：{doc.round_name}　　填报日期：{cn_date(doc.prepared_on)}"
    ws["A2"].font = Font(name=FONT, size=11)

    for col, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.border = border
    rows = nominee_rows(doc)
    for r, values in enumerate(rows, start=HEADER_ROW + 1):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.font = Font(name=FONT, size=11)
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=True,
                                       horizontal="center" if col in (1, 2, 3, 4, 5, 6, 11) else "left")
            keep_text([cell])

    for col, header in enumerate(HEADERS, start=1):
        texts = [header] + [str(v[col - 1]) for v in rows if v[col - 1] is not None]
        width = max(display_width(t) for t in texts) + 3
        ws.column_dimensions[get_column_letter(col)].width = min(width, MAX_WIDTH.get(header, 30))

    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{HEADER_ROW + max(len(rows), 1)}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
