"""The task page: the model's form rendered and validated on the server, and the actions on a
task (approve / return / reject, claim, unclaim, transfer, withdraw, urge)."""
from __future__ import annotations

import importlib
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import EngineError, InvalidData
from webapp import auth, drafts, schema_forms, users
from webapp.i18n import localized_schema
from webapp.auth import current_actor, login_required
from webapp.errors import engine_message, field_errors
from webapp.task_page import COMMENT_FIELD, DRAFT
from webapp.task_page import context as _context
from webapp.task_page import form_parts as _form_parts

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

def urge_service():
    """The worker area's 催办 service (``workflows.notifications.service``: ``urge(engine, actor,
    task_id, comment)`` and ``may_urge(actor, task)``), or None while it is not installed."""
    try:
        module = importlib.import_module("workflows.notifications.service")
    except ModuleNotFoundError:
        return None
    return module if hasattr(module, "urge") else None


def urgeable(task: dict, actor) -> bool:
    """Whether to offer 催办 on an open task: it is overdue, it is held by someone else (urging
    oneself only mails oneself), and the service lets this user urge."""
    from types import SimpleNamespace

    service = urge_service()
    if service is None or task["state"] != "open" or task["due_at"] is None or task["due_at"] >= auth.engine().now():
        return False
    if task.get("assignee") == actor.username:
        return False
    may = getattr(service, "may_urge", None)
    return may is None or may(actor, SimpleNamespace(**task), auth.engine().config.admin_role)


def read_task(task_id) -> dict:
    """The task if the user may read it (404 otherwise); overseers read every task. A committee
    step is read only by its own expert and those who see the votes (:mod:`webapp.confidential`)."""
    from engine.queries import instance_tasks
    from webapp import confidential

    engine = auth.engine()
    task = engine.get_task(task_id, auth.reading_actor())
    if confidential.confidential(task) and not confidential.may_read_task(
            engine, current_actor(), task, instance_tasks(engine, task["instance_id"])):
        abort(404)
    return task


@bp.get("/<bigint:task_id>")
@login_required
def show(task_id):
    task = read_task(task_id)
    return render_template("tasks/show.html", **_context(task))


def _next_here(engine, actor, task: dict) -> dict | None:
    """An open task of the same instance that is now the user's (a submission that came straight
    back: not eligible), to go on with at once."""
    from engine.queries import instance_tasks
    for t in instance_tasks(engine, task["instance_id"]):
        if t["state"] == "open" and t["id"] != task["id"] and (
                t["assignee"] == actor.username or (t["assignee"] is None and t["element_id"] == task["element_id"]
                                                    and actor.holds(t["role"], t["scope"]))):
            return t
    return None


def _not_yours_now(task: dict):
    """A form sent for a task the user cannot act on (any more): a second click on 提交, the back
    button, another window, or the task taken meanwhile. The task page as it is now says what
    happened (409), not 您无权访问此页面."""
    if task["state"] != "open":
        flash(_("此事项已办理完毕，无需重复提交（可能是重复点击了提交按钮，或已在其他窗口办理）"), "info")
    elif task.get("can_claim"):
        flash(_("此事项尚未认领，请先认领后再办理"), "warning")
    elif task.get("assignee"):
        name = users.display_names(auth.engine(), [task["assignee"]]).get(task["assignee"], task["assignee"])
        flash(_("此事项正由 %(name)s 办理，您这次提交的内容未保存", name=name), "warning")
    else:
        abort(403)
    return render_template("tasks/show.html", **_context(task)), 409


@bp.post("/<bigint:task_id>")
@login_required
def complete(task_id):
    """Submit the form. The engine checks the data against the task's form (the one rule place);
    its per-field errors are shown next to the fields. 暂存 keeps the form for later instead."""
    engine = auth.engine()
    actor = current_actor()
    task = read_task(task_id)
    if not task["can_act"]:
        return _not_yours_now(task)
    action = request.form.get("_action", "submit")  # the button; "action" may be a field of the form
    comment = request.form.get("comment", "").strip()
    if action == DRAFT:
        drafts.save(engine, task_id, actor.username, drafts.form_values(request.form), comment)
        flash(_("已暂存，可稍后继续填写（暂存内容只有您本人可见，未提交办理）"), "success")
        # the page's upload link saves the form first and then goes on (app.js: data-save-draft)
        return redirect(auth.safe_next(request.form.get("_next"), url_for("tasks.show", task_id=task_id)))
    schema = localized_schema(engine.form(task["version_id"], task["form"])) if task.get("form") else None
    decision, skip = _form_parts(schema)
    data = schema_forms.coerce(schema, request.form)
    if decision:
        data[decision] = action  # the form refuses a value that is not one of its buttons
    elif action != "submit":
        abort(400)
    if COMMENT_FIELD in ((schema or {}).get("properties") or {}) and comment:
        data[COMMENT_FIELD] = comment  # the 审批意见 / 办理说明 box is the form's own comment
    try:
        engine.complete_task(task_id, data, actor, comment=comment, outcome=action)
    except InvalidData as exc:
        shown = schema_forms.field_names(schema_forms.fields(schema, skip=skip)) | {COMMENT_FIELD}
        if decision:
            shown |= {decision}
        errors = schema_forms.place_errors(schema, field_errors(exc), shown)
        if decision and errors.get(COMMENT_FIELD) and action not in schema_forms.POSITIVE:
            errors[COMMENT_FIELD] = _("退回修改或不同意时必须填写审批意见")
        if decision and errors.pop(decision, None):
            errors[""] = _("请选择审核结论")
        errors = errors or {"": engine_message(exc)}
        values = drafts.form_values(request.form)
        flash(_("表单填写有误，请按提示修改后再提交"), "danger")
        return render_template("tasks/show.html", **_context(task, values, errors, comment)), 422
    except EngineError as exc:
        if exc.http_status in (403, 404):
            raise
        flash(engine_message(exc), "danger")
        return render_template("tasks/show.html", **_context(read_task(task_id), drafts.form_values(request.form), {},
                                                             comment)), exc.http_status
    drafts.discard(engine, task_id)
    again = _next_here(engine, actor, task)
    if again is not None:
        same = again["element_id"] == task["element_id"]
        refused = same and engine.task_data(again["id"], actor).get("eligible") is False
        if refused or not same:  # not eligible: the reasons are on the task that opened again, in 我的待办
            if again["assignee"] is None:
                try:
                    engine.claim(again["id"], actor)
                except EngineError:
                    pass  # somebody else took it meanwhile: the page says who holds it
            if refused:
                flash(_("已提交，但未通过资格审查，已退回您修改：请按页面上方的原因修改后重新提交"), "warning")
            else:
                flash(_("已办理：%(name)s；下一步“%(next)s”由您办理", name=task["name"], next=again["name"]), "success")
            return redirect(url_for("tasks.show", task_id=again["id"]))
    flash(_("已办理：%(name)s", name=task["name"]), "success")
    return redirect(url_for("inbox.index", box="done"))


def _act(task_id, fn, message):
    engine = auth.engine()
    actor = current_actor()
    read_task(task_id)  # 404 outside the user's scope
    try:
        fn(engine, actor)
    except EngineError as exc:
        # the task was found: a record not found now is another one (the user named in the form)
        if exc.http_status == 403:
            raise
        flash(engine_message(exc), "danger")
        return redirect(auth.safe_next(request.form.get("next"), url_for("tasks.show", task_id=task_id)))
    flash(message, "success")
    return redirect(auth.safe_next(request.form.get("next"), url_for("tasks.show", task_id=task_id)))


@bp.post("/<bigint:task_id>/claim")
@login_required
def claim(task_id):
    return _act(task_id, lambda e, a: e.claim(task_id, a), _("已认领，请办理；此事项已在“我的待办”中"))


@bp.post("/<bigint:task_id>/unclaim")
@login_required
def unclaim(task_id):
    return _act(task_id, lambda e, a: e.unclaim(task_id, a), _("已放弃认领，事项回到组待办"))


def _committee_refusal(task_id, username: str) -> str | None:
    """A committee step goes only to an expert of the category who is not on this panel."""
    from webapp import confidential
    task = read_task(task_id)
    if not confidential.confidential(task):
        return None
    return confidential.transfer_refused(auth.engine(), task, username, auth.engine().task_data(task_id, current_actor()))


@bp.post("/<bigint:task_id>/transfer")
@login_required
def transfer(task_id):
    to, comment = request.form.get("username", ""), request.form.get("comment", "").strip()
    if not comment:
        flash(_("转办必须填写说明"), "danger")
        return redirect(url_for("tasks.show", task_id=task_id))
    refused = _committee_refusal(task_id, to)
    if refused:
        flash(refused, "danger")
        return redirect(url_for("tasks.show", task_id=task_id))
    return _act(task_id, lambda e, a: e.transfer(task_id, a, to, comment),
                _("已转办给 %(name)s", name=users.display_name(auth.engine(), to)))


@bp.post("/<bigint:task_id>/assign")
@login_required
def assign(task_id):
    """分派: a manager of the task's role (unscoped) or an administrator gives the task to a user."""
    to, comment = request.form.get("username", ""), request.form.get("comment", "").strip()
    refused = _committee_refusal(task_id, to)
    if refused:
        flash(refused, "danger")
        return redirect(url_for("tasks.show", task_id=task_id))
    return _act(task_id, lambda e, a: e.assign(task_id, a, to, comment),
                _("已分派给 %(name)s", name=users.display_name(auth.engine(), to)))


@bp.post("/<bigint:task_id>/withdraw")
@login_required
def withdraw(task_id):
    comment = request.form.get("comment", "").strip()
    engine = auth.engine()
    actor = current_actor()
    task = read_task(task_id)
    submitted = _submitted(engine, task)
    try:
        engine.withdraw(task_id, actor, comment)
    except EngineError as exc:
        if exc.http_status in (403, 404):
            raise
        flash(engine_message(exc), "danger")
        return redirect(url_for("tasks.show", task_id=task_id))
    if submitted is not None:  # 撤回 keeps what was submitted: the form reopens with it
        schema = localized_schema(engine.form(task["version_id"], task["form"])) if task.get("form") else None
        decision = schema_forms.decision_field(schema)
        values = schema_forms.form_values(schema, {k: v for k, v in submitted["data"].items() if k != decision})
        drafts.save(engine, task_id, actor.username, values, submitted.get("comment") or "", kind="withdrawn")
    flash(_("已撤回，请重新办理"), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


def _submitted(engine, task: dict) -> dict | None:
    """The last submission of this task (its audit entry), or None."""
    from engine.queries import audit_trail
    found = [e for e in audit_trail(engine, task["instance_id"])
             if e["action"] == "task_completed" and e["task_uuid"] == task["task_uuid"]]
    return found[-1] if found else None


@bp.post("/<bigint:task_id>/urge")
@login_required
def urge(task_id):
    service = urge_service()
    if service is None:
        abort(404)
    task = read_task(task_id)
    if not (auth.can_see_instance(current_actor(), task["instance_id"]) or task["can_act"]):
        abort(404)
    comment = request.form.get("comment", "").strip()
    return _act(task_id, lambda e, a: service.urge(e, a, task_id, comment), _("已催办"))


@bp.post("/<bigint:task_id>/draft/discard")
@login_required
def discard_draft(task_id):
    read_task(task_id)
    drafts.discard(auth.engine(), task_id, current_actor().username)
    flash(_("已放弃暂存内容"), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.get("/for-nomination/<int:nomination_id>")
@login_required
def for_nomination(nomination_id):
    """From a nomination's pages (the uploads page) back to its task: the user's open step of the
    nomination or of its committee review, else the progress page of the first of them the user
    may see; a reader of the nomination who sees neither (its unit's reviewer while it is a draft,
    an expert of its category before the review) goes to 我的待办 instead of a 404."""
    from engine.queries import instance_tasks
    from webapp.pool import nomination_instances

    engine, actor = auth.engine(), current_actor()
    visible = [iid for iid in nomination_instances(engine, nomination_id) if auth.can_see_instance(actor, iid)]
    for iid in visible:
        for t in instance_tasks(engine, iid):
            if t["state"] == "open" and (t["assignee"] == actor.username
                                         or (t["assignee"] is None and actor.holds(t["role"], t["scope"]))):
                return redirect(url_for("tasks.show", task_id=t["id"]))
    if visible:
        return redirect(url_for("instances.show", instance_id=visible[0]))
    from workflows.documents import access
    with engine.sessions() as s:
        if access.nomination_readable(s, actor, nomination_id) is None:
            abort(404)
    return redirect(url_for("inbox.index"))


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@bp.get("/u/<task_uuid>")
@login_required
def by_uuid(task_uuid):
    """A task named by its uuid (what a message about a new task knows of it)."""
    if not _UUID.fullmatch(task_uuid):
        abort(404)
    return redirect(url_for("tasks.show", task_id=read_task(task_uuid)["id"]))
