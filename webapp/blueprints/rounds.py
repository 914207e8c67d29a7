"""评选管理 (the talent section's rounds) and the 推荐名单 signed in one act (issue 13 points 1, 2).

* ``/rounds/``: the rounds, and opening one (year, deadline, reminders, experts per panel,
  decision rule; checked by the process's start form and ``round/open``, messages in Chinese).
* ``/rounds/<id>``: the board of a round: every unit the notice addresses with its nominations by
  state, who has not submitted, reminders sent, overdue units highlighted; extend the deadline or
  close the submission (the round's open ``Task_ManageRound``).
* ``/rounds/<id>/list``: the list: the talent section prepares it (附件1 order), the director signs
  it as a whole on this one page (striking individuals out with a reason), the section publishes it.

Every action completes the round instance's open task through the engine (its lane decides who
may); this module only reads the programme's tables (:mod:`workflows.office`)."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import EngineError
from engine.queries import instance_tasks
from webapp import auth
from webapp.auth import current_actor, role_required
from webapp.errors import engine_message, field_errors
from webapp.params import as_int

bp = Blueprint("rounds", __name__, url_prefix="/rounds")
ROLES = ("talent_section", "director")
NAV = [("rounds.index", _l("评选管理"), ROLES + ("admin",))]
OPEN_FIELDS = ("year", "deadline", "title", "reminder_days", "experts_per_panel", "rule_num", "rule_den")
_SPLIT = re.compile(r"[\s,，、;；]+")


def _office():
    from workflows import office
    return office


def _open_task(instance_id: int | None, element: str) -> dict | None:
    if not instance_id:
        return None
    return next((t for t in instance_tasks(auth.engine(), instance_id)
                 if t["state"] == "open" and t["element_id"] == element), None)


def _complete(instance_id, element: str, data: dict, ok: str, comment: str = ""):
    """Complete the round's open ``element`` task as the signed-in user; (True, {}) or (False, field errors)."""
    task = _open_task(instance_id, element)
    if task is None:
        flash(_("该事项已办理或尚未到办理环节，请刷新页面"), "warning")
        return False, {}
    try:
        auth.engine().complete_task(task["id"], data, current_actor(), comment=comment)
    except EngineError as exc:
        if exc.http_status == 404:
            raise
        errors = {e["field"]: e["message"] for e in field_errors(exc)}
        field = exc.details.get("field") if isinstance(exc.details, dict) else None
        if field and field not in errors:
            errors[field] = engine_message(exc)
        flash(engine_message(exc), "danger")
        return False, errors
    flash(ok, "success")
    return True, {}


def _numbers(text: str):
    out = []
    for part in _SPLIT.split(text or ""):
        if part:
            number = as_int(part, 0, 100000)
            out.append(number if number is not None else part)
    return out


def _start_data(form) -> dict:
    data = {}
    for key in ("year", "experts_per_panel", "rule_num", "rule_den"):
        raw = (form.get(key) or "").strip()
        if raw:
            number = as_int(raw, 0, 10 ** 6)
            data[key] = number if number is not None else raw
    for key in ("deadline", "title"):
        raw = (form.get(key) or "").strip()
        if raw:
            data[key] = raw
    if (form.get("reminder_days") or "").strip():
        data["reminder_days"] = _numbers(form.get("reminder_days"))
    return data


@bp.route("/", methods=["GET", "POST"])
@role_required(*ROLES)
def index():
    from workflows import rules
    engine = auth.engine()
    actor = current_actor()
    errors: dict[str, str] = {}
    values = {}
    status = 200
    if request.method == "POST":
        if not auth.holds_any(actor, "talent_section"):
            abort(403)
        values = {k: request.form.get(k, "") for k in OPEN_FIELDS}
        try:
            iid = engine.start("selection_round", _start_data(request.form), actor)
        except EngineError as exc:
            if exc.http_status == 404:
                raise
            errors = {e["field"]: e["message"] for e in field_errors(exc)}
            field = exc.details.get("field") if isinstance(exc.details, dict) else None
            if field:
                errors.setdefault(field, engine_message(exc))
            flash(engine_message(exc), "danger")
            status = 422
        else:
            round_id = engine.instance_detail(iid)["data"]["round_id"]
            flash(_("评选已开启，已按培带规则安排截止前提醒"), "success")
            return redirect(url_for("rounds.show", round_id=round_id))
    with engine.sessions() as s:
        rows = _office().rounds(s)
        current = rules.current(s)
    year = engine.now().year
    return render_template("rounds/index.html", rows=rows, errors=errors, values=values, rules=current,
                           can_open=auth.holds_any(actor, "talent_section"), suggested_year=year), status


@bp.get("/<int:round_id>")
@role_required(*ROLES)
def show(round_id):
    engine = auth.engine()
    with engine.sessions() as s:
        board = _office().board(s, round_id, engine.now())
    if board is None:
        abort(404)
    manage = _open_task(board.round.instance_id, "Task_ManageRound")
    return render_template("rounds/show.html", b=board, manage=manage, errors={}, values={},
                           can_manage=manage is not None and auth.holds_any(current_actor(), "talent_section"))


def _manage(round_id: int, data: dict, ok: str):
    engine = auth.engine()
    with engine.sessions() as s:
        board = _office().board(s, round_id, engine.now())
    if board is None:
        abort(404)
    if not auth.holds_any(current_actor(), "talent_section"):
        abort(403)
    done, errors = _complete(board.round.instance_id, "Task_ManageRound", data, ok)
    if done:
        return redirect(url_for("rounds.show", round_id=round_id))
    with engine.sessions() as s:
        board = _office().board(s, round_id, engine.now())
    manage = _open_task(board.round.instance_id, "Task_ManageRound")
    return render_template("rounds/show.html", b=board, manage=manage, errors=errors, values=request.form,
                           can_manage=manage is not None), 422


@bp.post("/<int:round_id>/extend")
@role_required("talent_section")
def extend(round_id):
    data = {"round_action": "extend", "reason": request.form.get("reason", "").strip()}
    if request.form.get("new_deadline", "").strip():
        data["new_deadline"] = request.form["new_deadline"].strip()
    return _manage(round_id, data, _("报送截止日期已延长，未发送的提醒已按新的截止日期重新安排"))


@bp.post("/<int:round_id>/close")
@role_required("talent_section")
def close(round_id):
    data = {"round_action": "close", "reason": request.form.get("reason", "").strip()}
    return _manage(round_id, data, _("报送已截止，已报送的推荐交评审委员会评审"))


# ---------------------------------------------------------------------- the list


def _list_page(round_id: int, errors=None, status: int = 200):
    engine = auth.engine()
    with engine.sessions() as s:
        view = _office().nominee_list(s, round_id)
    if view is None:
        abort(404)
    actor = current_actor()
    iid = view.round.instance_id
    prepare, sign, publish = (_open_task(iid, e) for e in ("Task_PrepareList", "Task_SignList", "Task_PublishList"))
    return render_template(
        "rounds/list.html", v=view, errors=errors or {}, form=request.form if request.method == "POST" else {},
        can_prepare=prepare is not None and auth.holds_any(actor, "talent_section"),
        can_sign=sign is not None and actor.has_role("director"),
        can_publish=publish is not None and auth.holds_any(actor, "talent_section"),
        waiting_sign=sign is not None), status


@bp.get("/<int:round_id>/list")
@role_required(*ROLES)
def nominee_list(round_id):
    return _list_page(round_id)


def _round_instance(round_id: int) -> int:
    engine = auth.engine()
    with engine.sessions() as s:
        view = _office().nominee_list(s, round_id)
    if view is None:
        abort(404)
    return view.round.instance_id


def _duplicate_ranks(round_id: int, ranks: list[tuple[int, int]]) -> dict[int, list[str]]:
    """Rank -> the candidates given it, for ranks typed more than once (1, 1, 2 was taken silently)."""
    taken: dict[int, list[int]] = {}
    for rank, nid in ranks:
        taken.setdefault(rank, []).append(nid)
    twice = {rank: nids for rank, nids in sorted(taken.items()) if len(nids) > 1}
    if not twice:
        return {}
    with auth.engine().sessions() as s:
        view = _office().nominee_list(s, round_id)
    names = {c.id: c.name for c in view.candidates} if view else {}
    return {rank: [names.get(nid, str(nid)) for nid in nids] for rank, nids in twice.items()}


@bp.post("/<int:round_id>/list/prepare")
@role_required("talent_section")
def prepare(round_id):
    iid = _round_instance(round_id)
    ranks = []
    for key, value in request.form.items():
        m = re.fullmatch(r"rank\.([0-9]{1,10})", key)
        if m:
            rank = as_int(value.strip(), 1, 100000)
            if rank is None:
                flash(_("名单顺序须填写正整数"), "danger")
                return _list_page(round_id, {"order": _("名单顺序须填写正整数")}, 422)
            ranks.append((rank, int(m.group(1))))
    duplicates = _duplicate_ranks(round_id, ranks)
    if duplicates:
        message = _("名单顺序的序号不能重复：%(which)s。请为每位人选填写不同的序号。", which=_("；").join(
            _("序号 %(rank)s（%(names)s）", rank=rank, names=_("、").join(names)) for rank, names in duplicates.items()))
        flash(message, "danger")
        errors = {"order": message} | {f"rank.{nid}": _("序号重复") for rank, nid in ranks if rank in duplicates}
        return _list_page(round_id, errors, 422)
    order = [nid for _rank, nid in sorted(ranks)]
    data = {"comment": request.form.get("comment", "").strip()}
    if order:
        data["order"] = order
    done, errors = _complete(iid, "Task_PrepareList", data, _("推荐名单已拟定，报领导小组办公室主任签批"))
    if done:
        return redirect(url_for("rounds.nominee_list", round_id=round_id))
    return _list_page(round_id, errors, 422)


@bp.post("/<int:round_id>/list/sign")
@role_required("director")
def sign(round_id):
    iid = _round_instance(round_id)
    struck, errors = [], {}
    for value in request.form.getlist("strike"):
        nid = as_int(value, 1, 2 ** 31 - 1)
        if nid is None:
            continue
        reason = request.form.get(f"reason.{nid}", "").strip()
        if len(reason) < 2:
            errors[f"reason.{nid}"] = _("划去的人选须写明理由")
        struck.append({"nomination_id": nid, "reason": reason})
    if errors:
        flash(_("划去的人选须写明理由"), "danger")
        return _list_page(round_id, errors, 422)
    data = {"sign_list": "sign", "struck": struck, "comment": request.form.get("comment", "").strip()}
    done, errors = _complete(iid, "Task_SignList", data, _("推荐名单已签批，聘书将颁发给名单上的人选"))
    if done:
        return redirect(url_for("rounds.nominee_list", round_id=round_id))
    return _list_page(round_id, errors, 422)


@bp.post("/<int:round_id>/list/publish")
@role_required("talent_section")
def publish(round_id):
    iid = _round_instance(round_id)
    data = {"publish": True, "comment": request.form.get("comment", "").strip()}
    done, errors = _complete(iid, "Task_PublishList", data, _("人才培带人名单已公布"))
    if done:
        return redirect(url_for("rounds.nominee_list", round_id=round_id))
    return _list_page(round_id, errors, 422)
