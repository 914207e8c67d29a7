"""The talent section's dashboard: charts drawn in the page (chart.js) with the numbers in tables."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import auth, pool
from webapp.auth import role_required
from webapp.labels import CATEGORIES, CODES

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
NAV = [("dashboard.index", _l("统计分析"), pool.DASHBOARD_ROLES)]
NOMINATION_STATUS = CODES["nomination_status"]
ASSESSMENT_STATUS = CODES["assessment_status"]


@bp.get("/")
@role_required(*pool.DASHBOARD_ROLES)
def index():
    data = pool.dashboard(auth.engine())
    by_unit: dict[str, int] = {}
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for r in data["nominations"]:
        by_unit[r["unit"]] = by_unit.get(r["unit"], 0) + r["n"]
        by_category[str(CATEGORIES.get(r["category"], r["category"] or "—"))] = by_category.get(str(CATEGORIES.get(r["category"], r["category"] or "—")), 0) + r["n"]
        label = str(NOMINATION_STATUS.get(r["status"], r["status"]))
        by_status[label] = by_status.get(label, 0) + r["n"]
    years = sorted({r["year_no"] for r in data["assessments"]})
    assess = {str(ASSESSMENT_STATUS.get(st, st)): [sum(r["n"] for r in data["assessments"] if r["year_no"] == y and r["status"] == st) for y in years]
              for st in ASSESSMENT_STATUS}
    charts = {
        "by_unit": {"labels": list(by_unit), "values": list(by_unit.values())},
        "by_category": {"labels": list(by_category), "values": list(by_category.values())},
        "by_status": {"labels": list(by_status), "values": list(by_status.values())},
        "assessments": {"labels": [_("第%(n)s年", n=y) for y in years], "series": assess},
    }
    return render_template("dashboard/index.html", data=data, charts=charts, by_unit=by_unit, by_category=by_category,
                           by_status=by_status, assess=assess, years=years, categories=CATEGORIES,
                           available=pool.tables() is not None)
