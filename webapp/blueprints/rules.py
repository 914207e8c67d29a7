"""培带规则: the programme's rules as data (:mod:`workflows.rules`), one versioned table.

The talent section and administrators change them here; every change is validated (Chinese
messages next to the field), stored as the next version with a reason, and applies to instances
started afterwards. Earlier versions stay readable (``?version=N``)."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import InvalidData
from webapp import auth
from webapp.auth import current_actor, role_required
from webapp.params import as_int

bp = Blueprint("rules", __name__, url_prefix="/rules")
EDIT_ROLES = ("talent_section", "admin")
VIEW_ROLES = EDIT_ROLES + ("director",)
NAV = [("rules.index", _l("培带规则"), VIEW_ROLES)]
BLANK_ROWS = 2
_SPLIT = re.compile(r"[\s,，、;；]+")


def _rules():
    from workflows import rules
    return rules


def _talent_types(engine) -> list[tuple[str, str]]:
    """(code, label) of the talent types the newest application form offers."""
    from sqlalchemy import func, select

    from engine.tables import ModelVersion
    with engine.sessions() as s:
        vid = s.scalar(select(func.max(ModelVersion.id)))
    schema = engine.form(vid, "forms/application.schema.json") if vid else None
    prop = ((schema or {}).get("properties") or {}).get("talent_type") or {}
    names = prop.get("enumNames") or []
    return [(v, names[i] if i < len(names) else v) for i, v in enumerate(prop.get("enum") or [])]


def _numbers(text: str):
    """"30, 14、7" -> [30, 14, 7]; a part that is not a whole number stays as text (the rules refuse it)."""
    out = []
    for part in _SPLIT.split(text or ""):
        if part:
            out.append(int(part) if part.isdigit() and len(part) < 6 else part)
    return out


def _int(value: str):
    value = (value or "").strip()
    number = as_int(value, 0, 10 ** 6)
    return number if number is not None else value


def _items(form, key: str, extra: str | None = None) -> list[dict]:
    codes, labels = form.getlist(f"{key}.code"), form.getlist(f"{key}.label")
    extras = form.getlist(f"{key}.{extra}") if extra else []
    out = []
    for i, (code, label) in enumerate(zip(codes, labels)):
        code, label = code.strip(), label.strip()
        if not code and not label:
            continue
        item = {"code": code, "label": label}
        if extra:
            item[extra] = _int(extras[i] if i < len(extras) else "")
        out.append(item)
    return out


def values_from(form, talent_types) -> dict:
    """The rules page's inputs -> a rules document (not yet validated)."""
    mapping = {}
    for code, _label in talent_types:
        chosen = (form.get(f"panel_of_talent_type.{code}") or "").strip()
        if chosen:
            mapping[code] = chosen
    return {
        "mentees_per_mentor": _int(form.get("mentees_per_mentor")),
        "period_years": _numbers(form.get("period_years")),
        "activity_kinds": _items(form, "activity_kinds"),
        "duty_kinds": [c for c in form.getlist("duty_kinds") if c],
        "duty_per_year": _int(form.get("duty_per_year")),
        "incentives": _items(form, "incentives", "interval_years"),
        "events": _items(form, "events"),
        "event_outstanding_only": [c for c in form.getlist("event_outstanding_only") if c],
        "panels": _items(form, "panels"),
        "panel_of_talent_type": mapping,
        "cycle_years": _int(form.get("cycle_years")),
        "next_round_lead_days": _int(form.get("next_round_lead_days")),
        "deadline_month_day": (form.get("deadline_month_day") or "").strip(),
        "reminder_days": _numbers(form.get("reminder_days")),
        "experts_per_panel": _int(form.get("experts_per_panel")),
        "rule_num": _int(form.get("rule_num")),
        "rule_den": _int(form.get("rule_den")),
        "certificate_number_format": (form.get("certificate_number_format") or "").strip(),
        "assessment_due_days": _int(form.get("assessment_due_days")),
        "max_age": _int(form.get("max_age")),
        "min_years_in_chifeng": _int(form.get("min_years_in_chifeng")),
    }


@bp.route("/", methods=["GET", "POST"])
@role_required(*VIEW_ROLES)
def index():
    rules = _rules()
    engine = auth.engine()
    actor = current_actor()
    can_edit = auth.holds_any(actor, *EDIT_ROLES)
    talent_types = _talent_types(engine)
    with engine.sessions() as s:
        current = rules.current(s)
        history = rules.history(s)
        shown = current
        wanted = as_int(request.args.get("version", ""), 1, 10 ** 6)
        if wanted is not None and wanted != current.version:
            found = [h for h in history if h.version == wanted]
            if not found:
                abort(404)
            shown = found[0]
    errors: dict[str, str] = {}
    values, comment = shown.values, ""
    if request.method == "POST":
        if not can_edit:
            abort(403)
        values, comment = values_from(request.form, talent_types), request.form.get("comment", "")
        try:
            with engine.unit_of_work() as s:
                saved = rules.save(s, values, actor=actor.username, now=engine.now(), comment=comment,
                                   vocabulary=rules.form_vocabulary(engine))
            flash(_("培带规则已保存为第%(v)s版，此后发起的流程按新规则办理", v=saved.version), "success")
            return redirect(url_for("rules.index"))
        except InvalidData as exc:
            for e in exc.details.get("errors") or [{"field": "", "message": exc.message}]:
                errors.setdefault(e["field"], e["message"])
            flash(_("规则有误，未保存：请按提示修改"), "danger")
    return render_template("rules/index.html", values=values, errors=errors, comment=comment, current=current,
                           shown=shown, history=history, can_edit=can_edit and shown.version == current.version,
                           labels=rules.LABELS, talent_types=talent_types, blank_rows=BLANK_ROWS), 422 if errors else 200
