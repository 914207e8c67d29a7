"""我的培带 (issue 13 point 6): a mentor's own agreement, mentees and their plans, activities,
assessments (with the duty check), incentives and events, and applying for an incentive in one
step; a mentee's plan and the activities they attended. Only one's own: the person comes from
the user's ``mentor`` / ``mentee`` membership, never from the request."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from engine import EngineError
from engine.queries import instance_tasks
from webapp import auth
from webapp.auth import current_actor, role_required
from webapp.errors import engine_message, field_errors
from webapp.params import as_id

bp = Blueprint("corner", __name__, url_prefix="/corner")
NAV = [("corner.index", _l("我的培带"), ("mentor", "mentee"))]
APPLY_FLAGS = ("from_outside_city", "works_in_urban_area", "has_urban_housing")


def _own(role: str) -> int | None:
    """The record the user is (their mentor person id or mentee id), from their membership."""
    for r, scope in current_actor().memberships:
        if r == role and as_id(scope) is not None:
            return as_id(scope)
    return None


def _latest_form(ref: str) -> dict:
    from engine.tables import ModelVersion
    engine = auth.engine()
    with engine.sessions() as s:
        vid = s.scalar(select(func.max(ModelVersion.id)))
    return (engine.form(vid, ref) if vid else None) or {}


def applicable_kinds() -> list[tuple[str, str]]:
    """(code, label) a mentor applies for: the application form's kinds the current rules offer,
    except those the talent section grants on lists from the assessment results."""
    from workflows import rules
    offered = ((_latest_form("forms/benefit_apply.schema.json").get("properties") or {}).get("kind") or {}).get("enum") or []
    listed = ((_latest_form("forms/start_incentive_list.schema.json").get("properties") or {}).get("kind") or {}).get("enum") or []
    with auth.engine().sessions() as s:
        labels = rules.current(s).labels("incentives")
    return [(k, labels[k]) for k in offered if k in labels and k not in listed]


def _plan_labels() -> dict[str, str]:
    props = (((_latest_form("forms/training_plan.schema.json").get("properties") or {}).get("training_plan") or {})
             .get("properties") or {})
    return {k: v.get("title", k) for k, v in props.items()}


def _mentor(errors=None, form=None, status=200):
    from workflows import corner
    person_id = _own("mentor")
    with auth.engine().sessions() as s:
        page = corner.mentor_page(s, person_id) if person_id else None
    if page is None:
        abort(404)
    tasks = []
    for item in page.ships:
        if item["ship"].instance_id:
            tasks += [t for t in instance_tasks(auth.engine(), item["ship"].instance_id) if t["state"] == "open"]
    return render_template("corner/mentor.html", p=page, tasks=tasks, kinds=applicable_kinds(), plan_labels=_plan_labels(),
                           errors=errors or {}, form=form or {}), status


def _period(session, mentee_id: int):
    """(start, end) of the mentee's mentoring period as moments, for the date filter the mentor's
    page uses too (the programme's page data carry it as a text of ISO dates)."""
    from workflows.tables import Mentee, Mentorship
    mentee = session.get(Mentee, mentee_id)
    ship = session.get(Mentorship, mentee.mentorship_id) if mentee else None
    return (ship.started_at, ship.ends_at) if ship and ship.started_at and ship.ends_at else None


@bp.get("/")
@role_required("mentor", "mentee")
def index():
    actor = current_actor()
    if actor.has_role("mentor") and _own("mentor"):
        return _mentor()
    if actor.has_role("mentee") and _own("mentee"):
        from workflows import corner
        with auth.engine().sessions() as s:
            page = corner.mentee_page(s, _own("mentee"))
            period = _period(s, _own("mentee")) if page is not None else None
        if page is None:
            abort(404)
        return render_template("corner/mentee.html", p=page, period=period, plan_labels=_plan_labels())
    return render_template("corner/none.html")   # an administrator: the page is for mentors and mentees


@bp.post("/apply")
@role_required("mentor")
def apply():
    """激励申请 in one step: start ``benefit_application`` for oneself and fill its form."""
    engine = auth.engine()
    actor = current_actor()
    person_id = _own("mentor")
    if person_id is None:
        abort(404)
    kinds = dict(applicable_kinds())
    kind = request.form.get("kind", "")
    if kind not in kinds:
        flash(_("请选择申请项目"), "danger")
        return _mentor({"kind": _("请选择申请项目")}, request.form, 422)
    data = {"kind": kind, **{f: request.form.get(f) == "on" for f in APPLY_FLAGS}}
    note = request.form.get("note", "").strip()
    if note:
        data["note"] = note
    try:
        with engine.sessions() as s:
            from workflows.tables import Person
            name = s.get(Person, person_id).name
        iid = engine.start("benefit_application", {"mentor_id": person_id, "title": f"{name} 申请{kinds[kind]}"}, actor)
        task = next(t for t in instance_tasks(engine, iid) if t["state"] == "open" and t["element_id"] == "Task_Apply")
        engine.complete_task(task["id"], data, actor)
    except EngineError as exc:
        if exc.http_status == 404:
            raise
        flash(engine_message(exc), "danger")
        return _mentor({e["field"]: e["message"] for e in field_errors(exc)}, request.form, exc.http_status)
    detail = engine.instance_detail(iid)["data"]
    if detail.get("benefit_eligible"):
        flash(_("申请已提交，待人才科审批：%(r)s", r=detail.get("benefit_reason", "")), "success")
    else:
        flash(_("不符合申请条件：%(r)s", r=detail.get("benefit_reason", "")), "warning")
    return redirect(url_for("corner.index") + "#benefits")
