"""激励与活动 (issue 13 point 5): the talent section's incentive lists from the assessment results
(recuperation, commendation; approved by the director), its events for mentors (training class,
study tour) with attendance, and the mentor profiles for the publicity month with their export.

Lists run as ``incentive_list`` instances (their tasks are completed here through the engine);
events and profiles are records the section keeps (:mod:`workflows.events`, :mod:`workflows.publicity`)."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import EngineError, InvalidData
from engine.queries import instance_tasks
from webapp import auth
from webapp.auth import current_actor, role_required
from webapp.errors import engine_message, field_errors
from webapp.params import as_int

bp = Blueprint("incentives", __name__, url_prefix="/incentives")
ROLES = ("talent_section", "director")
NAV = [("incentives.index", _l("激励与活动"), ROLES + ("admin",))]


def _office():
    from workflows import office
    return office


def _errors(exc: EngineError) -> dict[str, str]:
    out = {e["field"]: e["message"] for e in field_errors(exc)}
    for e in (exc.details.get("errors") or []) if isinstance(exc.details, dict) else []:
        if isinstance(e, dict) and "message" in e and "code" not in e:   # the programme's own field messages
            out.setdefault(str(e.get("field") or ""), str(e["message"]))
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    if field:
        out.setdefault(field, engine_message(exc))
    return out


def _index(errors=None, form=None, status=200):
    engine = auth.engine()
    with engine.sessions() as s:
        overview = _office().incentives_overview(s)
    return render_template("incentives/index.html", o=overview, errors=errors or {}, form=form or {},
                           can_edit=auth.holds_any(current_actor(), "talent_section"), year=engine.now().year), status


@bp.get("/")
@role_required(*ROLES)
def index():
    return _index()


@bp.post("/lists")
@role_required("talent_section")
def start_list():
    year = as_int(request.form.get("year", ""), 0, 10 ** 6)
    data = {"kind": request.form.get("kind", ""), "year": year if year is not None else request.form.get("year", "")}
    try:
        iid = auth.engine().start("incentive_list", data, current_actor())
    except EngineError as exc:
        if exc.http_status == 404:
            raise
        flash(engine_message(exc), "danger")
        return _index(_errors(exc), request.form, 422)
    list_id = auth.engine().instance_detail(iid)["data"]["list_id"]
    flash(_("已按年度考核结果列出人选，请拟定名单"), "success")
    return redirect(url_for("incentives.show_list", list_id=list_id))


def _open_task(instance_id, element):
    return next((t for t in instance_tasks(auth.engine(), instance_id) if t["state"] == "open" and t["element_id"] == element), None)


def _list_page(list_id, errors=None, status=200):
    with auth.engine().sessions() as s:
        view = _office().incentive_list_view(s, list_id)
    if view is None:
        abort(404)
    actor = current_actor()
    iid = view["list"].instance_id
    return render_template("incentives/list.html", v=view, errors=errors or {},
                           can_propose=_open_task(iid, "Task_ProposeList") is not None and auth.holds_any(actor, "talent_section"),
                           can_approve=_open_task(iid, "Task_ApproveList") is not None and actor.has_role("director")), status


@bp.get("/lists/<int:list_id>")
@role_required(*ROLES)
def show_list(list_id):
    return _list_page(list_id)


def _complete_list(list_id, element, data, ok):
    with auth.engine().sessions() as s:
        view = _office().incentive_list_view(s, list_id)
    if view is None:
        abort(404)
    task = _open_task(view["list"].instance_id, element)
    if task is None:
        flash(_("该事项已办理或尚未到办理环节，请刷新页面"), "warning")
        return redirect(url_for("incentives.show_list", list_id=list_id))
    try:
        auth.engine().complete_task(task["id"], data, current_actor())
    except EngineError as exc:
        if exc.http_status == 404:
            raise
        flash(engine_message(exc), "danger")
        return _list_page(list_id, _errors(exc), 422)
    flash(ok, "success")
    return redirect(url_for("incentives.show_list", list_id=list_id))


@bp.post("/lists/<int:list_id>/propose")
@role_required("talent_section")
def propose(list_id):
    selected = [n for n in (as_int(v, 1, 2 ** 31 - 1) for v in request.form.getlist("selected")) if n is not None]
    return _complete_list(list_id, "Task_ProposeList", {"selected": selected, "comment": request.form.get("comment", "").strip()},
                          _("名单已拟定，报领导小组办公室主任审定"))


@bp.post("/lists/<int:list_id>/approve")
@role_required("director")
def approve(list_id):
    data = {"incentive_decision": request.form.get("incentive_decision", ""), "comment": request.form.get("comment", "").strip()}
    return _complete_list(list_id, "Task_ApproveList", data, _("已办理"))


# ---------------------------------------------------------------------- events


@bp.post("/events")
@role_required("talent_section")
def create_event():
    from workflows import events
    engine = auth.engine()
    f = request.form
    try:
        with engine.unit_of_work() as s:
            event = events.create(s, kind=f.get("kind", ""), title=f.get("title", ""), starts_on=f.get("starts_on", ""),
                                  ends_on=f.get("ends_on", ""), place=f.get("place", ""), notes=f.get("notes", ""),
                                  actor=current_actor().username, now=engine.now())
            event_id = event.id
    except InvalidData as exc:
        flash(exc.message, "danger")
        return _index(_errors(exc), f, 422)
    flash(_("活动已登记，已邀请相应的培带人"), "success")
    return redirect(url_for("incentives.event", event_id=event_id))


def _event_page(event_id, errors=None, status=200):
    from workflows import events
    from workflows import rules
    with auth.engine().sessions() as s:
        event = s.get(events.ProgrammeEvent, event_id)
        if event is None:
            abort(404)
        people = events.invitees(s, event_id)
        kind = rules.version(s, event.rules_version).labels("events").get(event.kind, event.kind)
    return render_template("incentives/event.html", e=event, kind=kind, people=people, status_label=events.STATUS,
                           errors=errors or {}, can_edit=auth.holds_any(current_actor(), "talent_section")), status


@bp.get("/events/<int:event_id>")
@role_required(*ROLES)
def event(event_id):
    return _event_page(event_id)


@bp.post("/events/<int:event_id>/attendance")
@role_required("talent_section")
def attendance(event_id):
    from workflows import events
    engine = auth.engine()
    attended = {n for n in (as_int(v, 1, 2 ** 31 - 1) for v in request.form.getlist("attended")) if n is not None}
    try:
        with engine.unit_of_work() as s:
            events.record_attendance(s, event_id, attended, now=engine.now())
    except InvalidData as exc:
        flash(exc.message, "danger")
        return _event_page(event_id, _errors(exc), 422)
    except EngineError as exc:
        if exc.http_status == 404:
            abort(404)
        raise
    flash(_("出席情况已登记"), "success")
    return redirect(url_for("incentives.event", event_id=event_id))


# ---------------------------------------------------------------------- publicity month


def _year():
    return as_int(request.values.get("year", ""), 2014, 2100) or auth.engine().now().year


@bp.get("/publicity")
@role_required(*ROLES)
def publicity_index(errors=None, status=200):
    from workflows import publicity
    year = _year()
    with auth.engine().sessions() as s:
        rows = publicity.profiles(s, year)
    return render_template("incentives/publicity.html", rows=rows, year=year, errors=errors or {}, statuses=publicity.STATUS,
                           can_edit=auth.holds_any(current_actor(), "talent_section"),
                           approved=sum(1 for r in rows if r.status == "approved")), status


@bp.post("/publicity/<int:person_id>")
@role_required("talent_section")
def publicity_save(person_id):
    from workflows import publicity
    engine = auth.engine()
    year = _year()
    try:
        with engine.unit_of_work() as s:
            publicity.save(s, person_id, year, request.form.get("text", ""), approve=request.form.get("approve") == "1",
                           actor=current_actor().username, now=engine.now())
    except InvalidData as exc:
        flash(exc.message, "danger")
        return publicity_index(_errors(exc), 422)
    flash(_("简介已审核，可导出") if request.form.get("approve") == "1" else _("简介已保存，待审核"), "success")
    return redirect(url_for("incentives.publicity_index", year=year) + f"#p{person_id}")


@bp.get("/publicity/export.xlsx")
@role_required(*ROLES)
def publicity_export():
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from workflows import publicity
    from workflows.documents.excel import keep_text
    year = _year()
    with auth.engine().sessions() as s:
        rows = publicity.approved(s, year)
    wb = Workbook()
    ws = wb.active
    ws.title = _("培带人简介")
    ws.append([_("%(y)s年人才工作宣传月 优秀人才培带人简介", y=year)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("序号"), _("姓名"), _("单位"), _("人才类别"), _("聘书编号"), _("简介")])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for i, r in enumerate(rows, 1):
        ws.append([i, r.name, r.unit, r.category, r.certificate, r.text])
        ws.cell(row=i + 2, column=6).alignment = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows():
        keep_text(row)
    for col, width in zip("ABCDEF", (6, 10, 20, 16, 16, 80)):
        ws.column_dimensions[col].width = width
    buf = BytesIO()
    wb.save(buf)
    buf.seek(0)
    return send_file(buf, as_attachment=True, download_name=f"publicity-{year}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
