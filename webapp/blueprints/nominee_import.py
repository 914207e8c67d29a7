"""导入附件1 (issue 13 point 7): a unit uploads its filled 推荐人选名单 (Excel) and gets a draft
nomination per row in one step; every row is checked and the errors are shown per row and
column, nothing is created when any row is wrong (process ``nomination_import``)."""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import EngineError
from engine.queries import instance_tasks
from webapp import auth
from webapp.auth import current_actor, role_required
from webapp.errors import engine_message
from webapp.params import as_id

bp = Blueprint("nominee_import", __name__, url_prefix="/import")
NAV = [("nominee_import.index", _l("导入推荐名单"), ("unit_submitter",))]
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 200


def _choices(actor):
    """The open rounds and the units the user nominates for."""
    from sqlalchemy import select

    from workflows.tables import OrgUnit, Round
    scopes = {s for r, s in actor.memberships if r == "unit_submitter"}
    with auth.engine().sessions() as s:
        rounds = s.execute(select(Round.id, Round.title, Round.deadline).where(Round.status == "open")
                           .order_by(Round.year.desc())).all()
        q = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.active.is_(True), OrgUnit.kind != "section").order_by(OrgUnit.sort)
        if not auth.holds_any(actor, "talent_section") and None not in scopes:
            q = q.where(OrgUnit.id.in_(scopes or {"-"}))
        units = s.execute(q).all()
    return rounds, units


class SheetError(ValueError):
    pass


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(data: bytes) -> list[dict]:
    """The rows of a filled 附件1: the header row found by its column names, then every row with
    anything but a 序号 in it; ``row`` is the row's number in the sheet."""
    from openpyxl import load_workbook

    from workflows.operations.imports import COLUMNS
    try:
        ws = load_workbook(BytesIO(data), read_only=True, data_only=True).active
    except Exception:
        raise SheetError(_("无法读取该文件，请上传 Excel 文件（.xlsx），可先下载附件1模板填写")) from None
    header, columns = None, {}
    out = []
    for r, cells in enumerate(ws.iter_rows(values_only=True), start=1):
        values = [_text(c) for c in cells]
        if header is None:
            found = {v: i for i, v in enumerate(values) if v in COLUMNS}
            if "姓名" in found and "性别" in found:
                header, columns = r, {COLUMNS[k]: i for k, i in found.items()}
            continue
        row = {key: values[i] if i < len(values) else "" for key, i in columns.items()}
        if not any(v for k, v in row.items() if k != "row_no"):
            continue
        row.pop("row_no", None)
        out.append({"row": r, **row})
        if len(out) > MAX_ROWS:
            raise SheetError(_("一次最多导入%(n)s人", n=MAX_ROWS))
    if header is None:
        raise SheetError(_("没有找到附件1的表头（须有“姓名”“性别”等列），请使用附件1模板"))
    if not out:
        raise SheetError(_("附件1中没有推荐人选"))
    return out


@bp.route("/", methods=["GET", "POST"])
@role_required("unit_submitter", "talent_section")
def index():
    actor = current_actor()
    rounds, units = _choices(actor)
    errors, rows, status = [], [], 200
    if request.method == "POST":
        round_id, unit_id = as_id(request.form.get("round_id", "")), request.form.get("unit_id", "")
        upload = request.files.get("file")
        if round_id not in {r.id for r in rounds}:
            flash(_("请选择正在进行的评选"), "danger")
            status = 422
        elif unit_id not in {u.id for u in units}:
            abort(403)
        elif upload is None or not upload.filename:
            flash(_("请选择要上传的附件1文件"), "danger")
            status = 422
        else:
            data = upload.read(MAX_BYTES + 1)
            try:
                if len(data) > MAX_BYTES:
                    raise SheetError(_("文件不能超过2MB"))
                rows = read_rows(data)
                iid = auth.engine().start("nomination_import", {"round_id": round_id, "unit_id": unit_id, "rows": rows}, actor)
            except SheetError as exc:
                flash(str(exc), "danger")
                status = 422
            except EngineError as exc:
                if exc.http_status == 404:
                    raise
                errors = [e for e in (exc.details.get("errors") or []) if isinstance(e, dict) and e.get("row")] \
                    if isinstance(exc.details, dict) else []
                flash(engine_message(exc) if not errors else _("附件1中有%(n)s行有误，未发起任何推荐，请修改后重新上传",
                                                                n=len({e["row"] for e in errors})), "danger")
                status = 422
            else:
                started = auth.engine().instance_detail(iid)["data"].get("nominations") or []
                flash(_("已为%(n)s名人选发起推荐，请逐一补充推荐申报表后提交审核", n=len(started)), "success")
                return redirect(url_for("nominee_import.done", instance_id=iid))
    return render_template("nominee_import/index.html", rounds=rounds, units=units, errors=errors, rows=rows), status


@bp.get("/done/<int:instance_id>")
@role_required("unit_submitter", "talent_section")
def done(instance_id):
    engine = auth.engine()
    detail = engine.instance(instance_id)
    if detail.get("process_key") != "nomination_import" or detail.get("started_by") != current_actor().username:
        abort(404)
    created = []
    for iid in engine.instance_detail(instance_id)["data"].get("nominations") or []:
        task = next((t for t in instance_tasks(engine, iid) if t["state"] == "open"), None)
        created.append({"instance_id": iid, "title": task["title"] if task else "", "task_id": task["id"] if task else None})
    return render_template("nominee_import/done.html", created=created)


@bp.get("/template.xlsx")
@role_required("unit_submitter", "talent_section")
def template():
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from workflows.documents.excel import HEADERS, TITLE
    wb = Workbook()
    ws = wb.active
    ws.title = "推荐人选名单"
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("推荐单位（盖章）：　　　填写说明：每行一名人选；出生年月写作 1969-03；人才类别写 专业技术人才、高技能人才 或 农村牧区实用人才")])
    ws.append(list(HEADERS))
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for col, width in zip("ABCDEFGHIJKLM", (6, 10, 6, 10, 8, 10, 14, 16, 14, 24, 16, 40, 14)):
        ws.column_dimensions[col].width = width
    buf = BytesIO()
    wb.save(buf)
    buf.seek(0)
    return send_file(buf, as_attachment=True, download_name="fujian1-template.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
