"""发起推荐: a unit's submitter starts a nomination in an open selection round."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from engine import EngineError
from engine.queries import instance_tasks
from webapp import auth, pool
from webapp.auth import current_actor, role_required
from webapp.errors import engine_message
from webapp.params import as_id

bp = Blueprint("nominations", __name__, url_prefix="/nominations")
NAV = [("nominations.new", _l("发起推荐"), ("unit_submitter",))]
PROCESS = "nomination"


def _choices(actor):
    t = pool.tables()
    if t is None:
        return [], []
    scopes = {s for r, s in actor.memberships if r == "unit_submitter"}
    with auth.engine().sessions() as s:
        rounds = s.execute(select(t.Round.id, t.Round.year, t.Round.title, t.Round.deadline)
                           .where(t.Round.status == "open").order_by(t.Round.year.desc())).all()
        q = select(t.OrgUnit.id, t.OrgUnit.name).where(t.OrgUnit.active.is_(True)).order_by(t.OrgUnit.sort, t.OrgUnit.id)
        if None not in scopes and not auth.holds_any(actor, "talent_section", "admin"):
            q = q.where(t.OrgUnit.id.in_(scopes or {"-"}))
        units = s.execute(q).all()
    return rounds, units


@bp.route("/new", methods=["GET", "POST"])
@role_required("unit_submitter", "talent_section")
def new():
    actor = current_actor()
    rounds, units = _choices(actor)
    if request.method == "POST":
        round_id, unit_id = as_id(request.form.get("round_id", "")), request.form.get("unit_id", "")
        if round_id not in {r.id for r in rounds}:
            flash(_("请选择正在进行的评选"), "danger")
        elif unit_id not in {u.id for u in units}:
            abort(403)
        else:
            try:
                iid = auth.engine().start(PROCESS, {"round_id": round_id, "unit_id": unit_id}, actor)
            except EngineError as exc:
                if exc.http_status == 404:
                    raise
                flash(engine_message(exc), "danger")
                return render_template("nominations/new.html", rounds=rounds, units=units), exc.http_status
            first = [t for t in instance_tasks(auth.engine(), iid) if t["state"] == "open"]
            flash(_("已发起推荐，请填写推荐申报表"), "success")
            if first:
                task = auth.engine().get_task(first[0]["id"], actor)
                if task["can_claim"]:  # whoever nominates fills the form: it goes to 我的待办
                    auth.engine().claim(task["id"], actor)
                return redirect(url_for("tasks.show", task_id=task["id"]))
            return redirect(url_for("instances.show", instance_id=iid))
    return render_template("nominations/new.html", rounds=rounds, units=units)
