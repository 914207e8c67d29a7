"""Process instances: progress diagram (bpmn-js), the timeline of every action, start, cancel."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import EngineError
from engine.queries import audit_trail, instance_tasks
from webapp import auth, users
from webapp.auth import can_see_instance, current_actor, login_required, visible_or_404
from webapp.errors import engine_message

bp = Blueprint("instances", __name__)


def _visible_instance(instance_id: int) -> dict:
    engine = auth.engine()
    try:
        inst = engine.instance(instance_id)
    except EngineError:
        abort(404)
    visible_or_404(can_see_instance(current_actor(), instance_id, inst))
    return inst


def summarize(event: dict) -> dict:
    from webapp.case import summarize as _summarize
    return _summarize(event)


def may_cancel(actor, inst) -> bool:
    """Whether to offer cancelling: the engine's rule (``Engine.may_cancel``)."""
    return auth.engine().may_cancel(actor, inst)


@bp.get("/instances/<int:instance_id>")
@login_required
def show(instance_id):
    from webapp import case
    from webapp.pool import nominations_by_instance

    engine = auth.engine()
    inst = _visible_instance(instance_id)
    detail = engine.instance_detail(instance_id)
    actor = current_actor()
    raw_tasks = instance_tasks(engine, instance_id)
    tasks, trail = case.timeline(engine, actor, instance_id, raw_tasks)
    data = detail["data"] or {}
    ids = case.related(engine, instance_id, data)
    case_tasks = [t for iid in ids for t in (raw_tasks if iid == instance_id else instance_tasks(engine, iid))]
    _shown, case_trail = case.timeline(engine, actor, ids, case_tasks) if len(ids) > 1 else (tasks, trail)
    states = dict(detail["elements"])
    for t in tasks:
        if t["outcome"] == "return" and states.get(t["element_id"]) != "active":
            states[t["element_id"]] = "returned"
    names = users.display_names(engine, [e["actor"] for e in trail] + [t["assignee"] for t in tasks] + [inst["started_by"]]
                                + [e["data"].get("to") for e in trail if isinstance(e.get("data"), dict)])
    open_tasks = [t for t in tasks if t["state"] == "open"]
    from webapp.blueprints.tasks import urgeable
    title = inst["title"] or next((t["title"] for t in reversed(tasks) if t["title"]), "") or inst["process_key"]
    subject = next((t["title"] for t in reversed(tasks) if t["title"]), "")
    nomination = nominations_by_instance(engine, [instance_id]).get(instance_id)
    committee = case.committee(engine, actor, case_tasks, case_trail, data)
    return render_template("instances/show.html", inst=inst, title=title, subject=subject if subject != title else "",
                           states=states, trail=trail, tasks=tasks, open_tasks=open_tasks, names=names,
                           has_diagram=bool(detail["bpmn"]), nomination=nomination, committee=committee,
                           may_cancel=may_cancel(actor, inst), urge_ids={t["id"] for t in open_tasks if urgeable(t, actor)},
                           readable_ids={t["id"] for t in open_tasks if _may_open(engine, actor, t)})


def _may_open(engine, actor, task: dict) -> bool:
    """Whether the task's own page opens for ``actor`` (the engine's rule of who reads a task): the
    progress page links only those, not the 404 of someone else's step (the unit's reviewer
    looking at its mentor's training plans)."""
    from types import SimpleNamespace
    return engine.policy.can_see(actor, SimpleNamespace(**task))


@bp.get("/instances/<int:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id):
    _visible_instance(instance_id)
    xml = auth.engine().instance_detail(instance_id)["bpmn"]
    if not xml:
        abort(404)
    return Response(xml, mimetype="application/xml")


@bp.post("/instances/<int:instance_id>/cancel")
@login_required
def cancel(instance_id):
    inst = _visible_instance(instance_id)
    if not may_cancel(current_actor(), inst):
        abort(403)
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash(_("取消流程必须填写原因"), "danger")
        return redirect(url_for("instances.show", instance_id=instance_id))
    try:
        auth.engine().cancel(instance_id, current_actor(), reason)
    except EngineError as exc:
        if exc.http_status == 404:
            raise
        flash(engine_message(exc), "danger")
        return redirect(url_for("instances.show", instance_id=instance_id))
    flash(_("流程已取消"), "success")
    return redirect(url_for("instances.show", instance_id=instance_id))
