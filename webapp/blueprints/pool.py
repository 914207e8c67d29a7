"""人才培带人库: search, a mentor's page, export to Excel."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import auth, pool
from webapp.auth import current_actor, role_required
from webapp.blueprints.inbox import page_number
from webapp.labels import CATEGORIES

bp = Blueprint("pool", __name__, url_prefix="/pool")
NAV = [("pool.index", _l("人才培带人库"), pool.POOL_ROLES)]
STATUS = {"active": _l("在库"), "ended": _l("已出库")}


@bp.get("/")
@role_required(*pool.POOL_ROLES)
def index():
    engine = auth.engine()
    filters = pool.filters_from(request.args)
    page = page_number(request.args)
    per_page = current_app.config["PER_PAGE"]
    rows, total = pool.search(engine, filters, current_actor(), page=page, per_page=per_page)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("pool/index.html", rows=rows, total=total, page=page, pages=max(1, (total + per_page - 1) // per_page),
                           filters=filters, args=args, options=pool.options(engine), categories=CATEGORIES, statuses=STATUS,
                           available=pool.tables() is not None)


@bp.get("/<int:entry_id>")
@role_required(*pool.POOL_ROLES)
def show(entry_id):
    m = pool.mentor(auth.engine(), entry_id, current_actor())
    if m is None:
        abort(404)
    return render_template("pool/show.html", m=m, statuses=STATUS,
                           has_documents="documents.certificate" in current_app.view_functions)


@bp.get("/export.xlsx")
@role_required(*pool.POOL_ROLES)
def export():
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from webapp.labels import category_label
    from workflows.documents.excel import keep_text

    rows, _total = pool.search(auth.engine(), pool.filters_from(request.args), current_actor(), page=1, per_page=100000)
    wb = Workbook()
    ws = wb.active
    ws.title = _("人才培带人库")
    head = [_("序号"), _("姓名"), _("性别"), _("单位"), _("人才类别"), _("评选年度"), _("聘书编号"), _("状态"), _("入库时间"), _("培带对象人数")]
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1D3F72")
        cell.alignment = Alignment(horizontal="center")
    for i, r in enumerate(rows, 1):
        entered = r["entered_at"].astimezone().strftime("%Y-%m-%d") if r["entered_at"] else ""
        ws.append([i, r["name"], r["gender"] or "", r["unit"], category_label(r["category"]), r["round"], r["certificate"],
                   str(STATUS.get(r["status"], r["status"])), entered, r["mentees"]])
    for row in ws.iter_rows(min_row=2):
        keep_text(row)
    for col, width in zip("ABCDEFGHIJ", (6, 12, 6, 22, 18, 10, 18, 8, 12, 12)):
        ws.column_dimensions[col].width = width
    buf = BytesIO()
    wb.save(buf)
    buf.seek(0)
    return send_file(buf, as_attachment=True, download_name="mentor-pool.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
