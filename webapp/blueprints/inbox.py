"""待办 / 已办 / 我发起的, with filters and paging; counts for the navigation."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine.queries import counts, inbox
from webapp import auth, users
from webapp.auth import current_actor, login_required
from webapp.labels import CATEGORIES, UNITS
from webapp.params import as_int
from webapp.pool import round_labels

bp = Blueprint("inbox", __name__)
BOXES = ("todo", "group", "done", "started")


def inbox_filters(args) -> dict:
    q = (args.get("q") or "").strip()[:40] or None
    return {"batch": args.get("batch") or None, "category": args.get("category") or None,
            "org_unit": args.get("org_unit") or None, "overdue": args.get("overdue") in ("1", "true", "on"), "q": q}


def done_rows(engine, actor, rows: list[dict]) -> list[dict]:
    """已办, saying when a step came back: the same step of the same case is open again for the
    user (not eligible, or returned), with a link to it."""
    from engine.queries import instance_tasks

    open_again: dict[tuple[int, str], dict] = {}
    for iid in {r["instance_id"] for r in rows}:
        for t in instance_tasks(engine, iid):
            if t["state"] == "open" and (t["assignee"] == actor.username
                                         or (t["assignee"] is None and actor.holds(t["role"], t["scope"]))):
                open_again[(iid, t["element_id"])] = t
    out = []
    for r in rows:
        again = open_again.get((r["instance_id"], r["element_id"]))
        back = again is not None and r["completed_at"] is not None and again["created_at"] >= r["completed_at"]
        out.append(r | {"back_again": again["id"] if back else None})
    return out


def again_rows(engine, rows: list[dict]) -> list[dict]:
    """待办 / 待认领, saying which step came back (returned for revision, or not eligible): the same
    step of the same case was done before."""
    from engine.queries import instance_tasks

    done: set[tuple[int, str]] = set()
    for iid in {r["instance_id"] for r in rows}:
        done |= {(iid, t["element_id"]) for t in instance_tasks(engine, iid) if t["state"] == "completed"}
    return [r | {"again": (r["instance_id"], r["element_id"]) in done} for r in rows]


def started_rows(engine, rows: list[dict]) -> list[dict]:
    """我发起的, naming things: the candidate (or the record's person), the round, the current
    step(s) and the outcome of each instance."""
    from engine.queries import instance_tasks
    from webapp import confidential
    from webapp.pool import nominations_by_instance

    noms = nominations_by_instance(engine, [r["id"] for r in rows])
    out = []
    for r in rows:
        tasks = instance_tasks(engine, r["id"])
        steps = list(dict.fromkeys(t["name"] for t in tasks if t["state"] == "open"))
        nom = noms.get(r["id"])
        if nom is not None:   # a nomination names its candidate once the application says who
            subject = nom.get("name") or str(_l("（尚未填写）"))
        else:
            subject = next((t["title"] for t in reversed(tasks) if t["title"]), "")
        done = [t for t in tasks if t["state"] == "completed" and not confidential.confidential(t)]
        out.append(r | {"subject": subject if subject != r["title"] else "", "steps": steps,
                        "round_year": (nom or {}).get("year"), "nomination_status": (nom or {}).get("status"),
                        "last_outcome": done[-1]["outcome"] if done else None})
    return out


MAX_PAGE = 100000


def page_number(args) -> int:
    """The page asked for (1 .. MAX_PAGE), 1 when it is not a number."""
    return as_int(args.get("page", "1"), 1, MAX_PAGE) or 1


@bp.app_context_processor
def nav_counts():
    if getattr(current_user, "is_authenticated", False) and not getattr(current_user, "via_token", False):
        actor = current_actor()
        extra = [{"url": url_for(endpoint), "label": str(label)}
                 for endpoint, label, roles in current_app.extensions.get("peidai_nav", [])
                 if auth.holds_any(actor, *roles, "admin")]
        return {"nav_counts": counts(auth.engine(), actor), "nav_extra": extra}
    return {"nav_counts": {}, "nav_extra": []}


@bp.get("/")
def home():
    return redirect(url_for("inbox.index"))


@bp.get("/inbox")
@login_required
def index():
    engine = auth.engine()
    box = request.args.get("box")
    if box not in BOXES:  # land where there is work: mine first, else my groups' unclaimed
        n = counts(engine, current_actor())
        box = "group" if not n["todo"] and n["group"] else "todo"
    filters = inbox_filters(request.args)
    page = page_number(request.args)
    per_page = current_app.config["PER_PAGE"]
    rows, total = inbox(engine, current_actor(), box, page=page, per_page=per_page, now=engine.now(),
                        **({"q": filters["q"]} if box == "started" else filters))
    names = users.display_names(engine, [r.get("assignee") for r in rows] + [r.get("completed_by") for r in rows])
    processes = {}
    if box == "started":  # an instance's own title may come later in its data: show the process's name
        for v in engine.list_versions():
            processes.update(v["processes"])
        rows = started_rows(engine, rows)
    elif box == "done":
        rows = done_rows(engine, current_actor(), rows)
    else:
        rows = again_rows(engine, rows)
    pages = max(1, (total + per_page - 1) // per_page)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("inbox/index.html", box=box, current_box=box, rows=rows, total=total, page=page, pages=pages,
                           filters=filters, args=args, names=names, now=engine.now(), processes=processes,
                           categories=CATEGORIES, units=UNITS, rounds=round_labels(engine))
