"""The units' contact lists as Excel (.xlsx): the blank list to fill and reading a filled one.

Columns (the header row is found by its names, anywhere in the first rows): 用户名 (required),
姓名 (for the reader's eyes only), 电子邮箱, 手机号码. A column that is missing leaves that detail
as it is; an empty cell removes it. Formulas are refused (a list carries values, and a formula's
cached value is whatever the last program that saved it left there); so are files over
``MAX_BYTES``, sheets over ``MAX_ROWS`` rows and anything that is not an .xlsx workbook.
"""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from engine import InvalidData

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
HEADER_ROWS = 10   # the header must be within the first rows
COLUMNS = {"用户名": "username", "姓名": "name", "电子邮箱": "email", "手机号码": "mobile"}
ALIASES = {"账号": "username", "邮箱": "email", "电子邮件": "email", "手机": "mobile", "手机号": "mobile"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def read_sheet(data: bytes) -> list[dict]:
    """Rows ``{"row", "username", "email", "mobile"}`` (``email`` / ``mobile`` None when the list
    has no such column); InvalidData in Chinese when the file cannot be used. Cell errors (a
    formula) are reported per row as ``errors`` in the InvalidData's details."""
    from openpyxl import load_workbook
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise InvalidData("请选择要导入的 Excel 文件（.xlsx）", field="file")
    if len(data) > MAX_BYTES:
        raise InvalidData(f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB", field="file")
    try:
        ws = load_workbook(BytesIO(bytes(data)), read_only=True, data_only=False).active
    except Exception:  # noqa: BLE001 - zip bombs, other formats, broken files: all "cannot read"
        raise InvalidData("无法读取该文件，请上传 Excel 文件（.xlsx），可先下载联系方式模板填写", field="file") from None
    columns: dict[str, int] | None = None
    rows, errors = [], []
    for r, cells in enumerate(ws.iter_rows(), start=1):
        if r > 2 * MAX_ROWS + HEADER_ROWS:
            raise InvalidData(f"一次最多导入 {MAX_ROWS} 行", field="file")
        if columns is None:
            names = {(_text(c.value)): i for i, c in enumerate(cells)}
            found = {(COLUMNS.get(n) or ALIASES.get(n)): i for n, i in names.items() if n in COLUMNS or n in ALIASES}
            if "username" in found:
                columns = found
            elif r >= HEADER_ROWS:
                break
            continue
        row: dict = {"row": r}
        for key in ("username", "email", "mobile"):
            i = columns.get(key)
            if i is None:
                row[key] = None if key != "username" else ""
                continue
            cell = cells[i] if i < len(cells) else None
            if cell is not None and getattr(cell, "data_type", None) == "f":
                label = next(n for n, k in COLUMNS.items() if k == key)
                errors.append({"row": r, "column": label, "message": "不能是公式，请填写文字"})
                row[key] = ""
                continue
            row[key] = _text(cell.value if cell is not None else None)
        if not any(row[k] for k in ("username", "email", "mobile")):
            continue
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise InvalidData(f"一次最多导入 {MAX_ROWS} 行", field="file")
    if columns is None:
        raise InvalidData("没有找到表头：第一行须有“用户名”列，以及“电子邮箱”或“手机号码”列", field="file")
    if "email" not in columns and "mobile" not in columns:
        raise InvalidData("表中既没有“电子邮箱”列，也没有“手机号码”列", field="file")
    if errors:
        raise InvalidData(f"名单中有 {len({e['row'] for e in errors})} 行有误，未修改任何联系方式", errors=errors)
    if not rows:
        raise InvalidData("名单中没有任何账号", field="file")
    return rows


def template(rows: list[dict] = ()) -> bytes:
    """The list to fill (with ``rows`` ``{"username", "name", "email", "mobile"}`` already in it)."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "联系方式"
    ws.append(list(COLUMNS))
    for r in rows:
        # written as text: a value that starts like a formula stays a value
        ws.append([str(r.get(k) or "") for k in COLUMNS.values()])
        for cell in ws[ws.max_row]:
            cell.data_type = "s"
    for column, width in zip("ABCD", (20, 14, 32, 16)):
        ws.column_dimensions[column].width = width
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
