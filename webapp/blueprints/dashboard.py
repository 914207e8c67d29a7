"""The talent section's dashboard: charts drawn in the page (chart.js) with the numbers in tables."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import auth, pool
from webapp.auth import role_required
from webapp.labels import CATEGORIES

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
NAV = [("dashboard.index", _l("统计分析"), pool.DASHBOARD_ROLES)]
NOMINATION_STATUS = {
    "draft": _l("填报中"), "submitted": _l("已提交"), "returned": _l("退回修改"), "ineligible": _l("不符合条件"),
    "rejected": _l("未通过审核"), "withdrawn": _l("已撤回"), "recommended": _l("评审通过"), "not_recommended": _l("评审未通过"),
    "declined": _l("未签批"), "appointed": _l("已聘任"),
}
ASSESSMENT_STATUS = {"open": _l("考核中"), "qualified": _l("合格"), "unqualified": _l("不合格")}


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
