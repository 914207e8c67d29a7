"""The case in view: what a task page shows above its form, so that nobody decides blind.

* the opinion that sent the task back (退回意见) or the reasons an application is not eligible,
  at the top of the form;
* every earlier step's form read-only (the application 附件2 with every field, the agreement, the
  unit's assessment ...), the latest submission of each;
* the eligibility result with its reasons and warnings, and the uploaded copies (images shown,
  PDFs in an embedded viewer);
* the committee: tally and opinions for those who may see them (:mod:`webapp.confidential`),
  the committee's result only for the others;
* the history of the case (who did what, with the verbs of approval), redacted the same way.

Reads only: the instance's projection (tasks), its audit trail and, for one task, its data."""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _

from engine.queries import audit_trail, instance_tasks
from webapp import confidential, pool, schema_forms, users
from webapp.i18n import localized_schema, model_text
from webapp.labels import OUTCOMES, code_label, verb

# the nomination's status once the committee has decided (the committee's result, all a unit sees of it)
RECOMMENDED = ("recommended", "appointed", "declined")
NOT_RECOMMENDED = ("not_recommended",)
HISTORY_ACTIONS = ("task_completed", "task_withdrawn", "task_transferred", "task_assigned", "instance_cancelled")


def summarize(event: dict) -> dict:
    """The decision (approve, return, vote, ...) and opinion of a timeline entry, wherever the
    form kept them: top level or one object down (``opinion.vote``)."""
    data = event["data"] if isinstance(event.get("data"), dict) else {}
    layers = [data] + [v for v in data.values() if isinstance(v, dict)]
    decision = next((v for layer in layers for k, v in layer.items() if isinstance(v, str) and v in OUTCOMES
                     and k not in ("status",)), None)
    opinion = event.get("comment") or next((layer["comment"] for layer in layers if isinstance(layer.get("comment"), str)
                                            and layer["comment"].strip()), "")
    return event | {"decision": decision, "opinion": opinion}


def related(engine, instance_id: int, data: dict) -> list[int]:
    """The instances of one case: this one and, for a nomination, its own process and its
    committee review (when the programme runs the review as a process of its own)."""
    ids = [instance_id]
    if data.get("nomination_id") is not None:
        for iid in pool.nomination_instances(engine, data["nomination_id"]):
            if iid is not None and iid not in ids:
                ids.append(iid)
    return ids


def timeline(engine, actor, instance_ids, tasks: list[dict] | None = None) -> tuple[list[dict], list[dict]]:
    """(the tasks, the audit trail) of the case's instances as ``actor`` may see them, each entry
    with its decision, opinion, step and verb."""
    ids = [instance_ids] if isinstance(instance_ids, int) else list(instance_ids)
    if tasks is None:
        tasks = [t for iid in ids for t in instance_tasks(engine, iid)]
    trail = sorted((summarize(e) for iid in ids for e in audit_trail(engine, iid)), key=lambda e: (e["at"], e["id"]))
    names = {t["task_uuid"]: t["name"] for t in tasks}
    secret = confidential.confidential_elements(tasks)
    for e in trail:
        e["step"] = names.get(e.get("task_uuid"), "")
        e["verb"] = verb(e.get("element_id"), e["decision"]) if e["action"] == "task_completed" else None
        if e["verb"] and e.get("element_id") in secret and e["decision"] in OUTCOMES:  # 提交评审意见（同意）
            e["verb"] = f"{e['verb']}（{OUTCOMES[e['decision']]}）"
    return confidential.redact_tasks(engine, actor, tasks), confidential.redact_trail(engine, actor, trail, tasks)


def _uploads(nomination_id) -> list[dict]:
    if nomination_id is None or "documents.upload_file" not in current_app.view_functions:
        return []
    try:
        from workflows.documents import uploads
    except ImportError:
        return []
    from webapp import auth
    with auth.engine().sessions() as s:
        rows = uploads.list_uploads(s, nomination_id)
    categories = getattr(uploads, "CATEGORIES", {})
    out = []
    for r in rows:
        kind = "image" if r.content_type.startswith("image/") else "pdf" if r.content_type == "application/pdf" else "file"
        out.append({"id": r.id, "name": r.original_name, "kind": kind, "category": categories.get(r.category, ""),
                    "url": url_for("documents.upload_file", upload_id=r.id),
                    "inline_url": url_for("documents.upload_file", upload_id=r.id, inline=1)})
    return out


def eligibility(data: dict) -> dict | None:
    found = data.get("eligibility")
    if isinstance(found, dict) and "eligible" in found:
        return {"eligible": bool(found.get("eligible")), "reasons": list(found.get("reasons") or []),
                "warnings": list(found.get("warnings") or [])}
    if data.get("eligible") is None:
        return None
    return {"eligible": bool(data.get("eligible")),
            "reasons": list(data.get("eligibility_errors") or []) + list(data.get("eligibility_reasons") or []),
            "warnings": list(data.get("eligibility_warnings") or [])}


def committee(engine, actor, tasks: list[dict], trail: list[dict], data: dict) -> dict | None:
    """The committee of this instance: ``visible`` (names, votes, comments) for those who may see
    them, else only its progress and result."""
    panel = [t for t in tasks if confidential.confidential(t) and t["state"] != "cancelled"]
    if not panel:
        return None
    secret = {t["task_uuid"] for t in panel}
    visible = confidential.sees_votes(engine, actor, tasks)
    events = {e["task_uuid"]: e for e in trail if e["action"] == "task_completed" and e.get("task_uuid") in secret}
    names = users.display_names(engine, [t.get("completed_by") or t.get("assignee") for t in panel])
    opinions, votes, scores = [], {"agree": 0, "disagree": 0, "abstain": 0}, []
    for i, t in enumerate(panel, 1):
        event = events.get(t["task_uuid"])
        opinion = (event or {}).get("data", {}).get("opinion") if event else None
        opinion = opinion if isinstance(opinion, dict) else {}
        vote = opinion.get("vote")
        if vote in votes:
            votes[vote] += 1
        if isinstance(opinion.get("score"), int) and not isinstance(opinion.get("score"), bool):
            scores.append(opinion["score"])
        who = t.get("completed_by") or t.get("assignee")
        opinions.append({"expert": names.get(who, who) if visible else _("专家 %(n)s", n=i),
                         "done": t["state"] == "completed", "vote": code_label("vote", vote) if vote else "",
                         "vote_code": vote, "score": opinion.get("score"), "comment": opinion.get("comment") or "",
                         "at": t.get("completed_at")})
    done = sum(1 for t in panel if t["state"] == "completed")
    result = None
    status = pool.nomination_status(engine, data.get("nomination_id")) if data.get("nomination_id") is not None else None
    if status in RECOMMENDED or status in NOT_RECOMMENDED:
        result = _("推荐") if status in RECOMMENDED else _("不推荐")
    elif data.get("recommended") is not None and done == len(panel):
        result = _("推荐") if data.get("recommended") else _("不推荐")
    rule = None
    if data.get("rule_num") and data.get("rule_den"):
        rule = _("同意票不少于 %(num)s/%(den)s", num=data["rule_num"], den=data["rule_den"])
    return {"visible": visible, "opinions": opinions if visible else [], "votes": votes if visible else None,
            "average": round(sum(scores) / len(scores), 1) if visible and scores else None,
            "done": done, "total": len(panel), "result": result, "rule": rule}


def steps(engine, version_id: int, tasks: list[dict], trail: list[dict], exclude: str | None) -> list[dict]:
    """The latest submission of each earlier step (not the committee's, not ``exclude``), read-only."""
    secret = confidential.confidential_elements(tasks)
    forms = {t["element_id"]: t.get("form") for t in tasks}
    names = {t["element_id"]: model_text(t["name"]) for t in tasks}
    latest: dict[str, dict] = {}
    order: list[str] = []
    for e in trail:
        el = e.get("element_id")
        if e["action"] != "task_completed" or not el or el in secret or el == exclude or e.get("redacted"):
            continue
        if el not in latest:
            order.append(el)
        latest[el] = e
    people = users.display_names(engine, [latest[el].get("actor") for el in order])
    out = []
    for el in order:
        e = latest[el]
        schema = localized_schema(engine.form(version_id, forms.get(el))) if forms.get(el) else None
        if not schema:
            continue
        decision = schema_forms.decision_field(schema)
        shown = schema_forms.readonly(schema, e["data"], skip=(decision,) if decision else ())
        if not shown and not decision:
            continue
        out.append({"element_id": el, "name": names.get(el, el), "title": schema.get("title") or names.get(el, el),
                    "by": people.get(e.get("actor"), e.get("actor")), "at": e["at"], "verb": e.get("verb"),
                    "decision": decision and e["data"].get(decision), "fields": shown})
    return out


def notice(task: dict, data: dict, tasks: list[dict], trail: list[dict], engine) -> dict | None:
    """Why this task is open again: the reasons an application is not eligible, or the opinion
    that returned it (who, when, what), for the top of the form."""
    if task["state"] != "open":
        return None
    again = any(t["element_id"] == task["element_id"] and t["id"] != task["id"] and t["state"] == "completed" for t in tasks)
    if not again:
        return None
    found = eligibility(data)
    if found is not None and not found["eligible"]:
        return {"kind": "ineligible", "reasons": found["reasons"], "warnings": found["warnings"]}
    before = [e for e in trail if e["action"] == "task_completed" and e["at"] <= task["created_at"]
              and e.get("element_id") != task["element_id"] and not e.get("redacted")]
    last = before[-1] if before else None
    if last is not None and last["decision"] in ("return", "reject", "decline", "unqualified"):
        return {"kind": "returned", "by": users.display_name(engine, last["actor"]) if last.get("actor") else "",
                "at": last["at"], "comment": last["opinion"], "step": last.get("step", ""), "verb": last.get("verb")}
    return None


def subject(engine, data: dict, title: str = "") -> str | None:
    """The person a task is about when its title does not say (one mentee of a mentor's five)."""
    for key in ("plan_mentee", "mentee_id"):
        if data.get(key) is not None:
            name = pool.mentee_name(engine, data[key])
            if name and name not in (title or ""):
                return _("培带对象：%(name)s", name=name)
    return None


def application_step(engine, version_id: int, nomination_id, trail: list[dict]) -> dict | None:
    """The application as the nomination record holds it (the last one submitted), for a step
    of another process than the one that filled it in (the committee's review)."""
    record = pool.nomination_application(engine, nomination_id)
    schema = localized_schema(engine.form(version_id, APPLICATION_FORM)) if record else None
    if not schema:
        return None
    decision = schema_forms.decision_field(schema)
    return {"element_id": "Task_Fill", "name": schema.get("title") or "", "title": schema.get("title") or "",
            "by": "", "at": record["submitted_at"], "verb": None, "decision": None,
            "fields": schema_forms.readonly(schema, record["application"], skip=(decision,) if decision else ())}


APPLICATION_FORM = "forms/application.schema.json"


def round_cases(engine, version_id: int, round_id) -> list[dict]:
    """Every candidate of the round who reached the committee: application in words, the experts'
    opinions and the tally (for the talent section and the director, who see everything)."""
    rows = pool.round_nominations(engine, round_id)
    schema = localized_schema(engine.form(version_id, APPLICATION_FORM)) if rows else None
    decision = schema_forms.decision_field(schema)
    names = users.display_names(engine, [o["expert"] for r in rows for o in r["opinions"]])
    for r in rows:
        r["fields"] = schema_forms.readonly(schema, r["application"], skip=(decision,) if decision else ()) if schema else []
        r["opinions"] = [o | {"expert_name": names.get(o["expert"], o["expert"]), "vote_label": code_label("vote", o["vote"])}
                         for o in r["opinions"]]
    return rows


def build(engine, actor, task: dict, data: dict) -> dict:
    ids = related(engine, task["instance_id"], data)
    tasks = [t for iid in ids for t in instance_tasks(engine, iid)]
    own_tasks = [t for t in tasks if t["instance_id"] == task["instance_id"]]
    shown_tasks, trail = timeline(engine, actor, ids, tasks)
    nomination_id = data.get("nomination_id")
    history = [e for e in trail if e["action"] in HISTORY_ACTIONS]
    people = users.display_names(engine, [e.get("actor") for e in history] + [e["data"].get("to") for e in history
                                                                               if isinstance(e.get("data"), dict)])
    own_element = task["element_id"]   # its own form is the page's form (or, done, what was submitted on it)
    earlier = steps(engine, task["version_id"], tasks, trail, exclude=own_element)
    if nomination_id is not None and own_element != "Task_Fill" and not any(s["element_id"] == "Task_Fill" for s in earlier):
        found = application_step(engine, task["version_id"], nomination_id, trail)
        if found:
            earlier.insert(0, found)
    out = {
        "notice": notice(task, data, own_tasks, trail, engine),
        "steps": earlier,
        "eligibility": eligibility(data),
        "uploads": _uploads(nomination_id),
        "committee": committee(engine, actor, tasks, trail, data),
        "history": history, "people": people,
        "subject": subject(engine, data, task.get("title") or ""),
        "nomination_id": nomination_id,
        "round": round_cases(engine, task["version_id"], data.get("round_id"))
        if data.get("round_id") and not nomination_id and engine.policy.oversees(actor) else [],
        "warnings_for_committee": list(data.get("committee_note") or []),
    }
    if task["state"] != "open":  # the page of a done step shows what was submitted on it, read-only too
        own = [e for e in trail if e["action"] == "task_completed" and e.get("task_uuid") == task["task_uuid"]]
        out["own"] = own[-1] if own else None
    return out
