"""What the task page shows (webapp.blueprints.tasks renders it): the form and its decision
buttons, the case in view, the eligibility and attachments beside it, the agreement a mentoring step
is about, and who the step may be handed to."""
from __future__ import annotations

import re

from flask import current_app

from webapp import auth, drafts, schema_forms, users
from webapp.auth import current_actor
from webapp.i18n import localized_schema

# instance data keys shown beside the form when the programme provides them
ELIGIBILITY_KEYS = ("eligibility",)
ATTACHMENT_KEYS = ("attachments", "certificate_copies", "uploads")


# submitted text is shown as text: a link is offered only to this system's own upload downloads,
# never to an address someone typed (an external site, "//host", "javascript:") (issue 11, item 5)
_LOCAL_UPLOAD = re.compile(r"/documents/uploads/[0-9]{1,19}(?:\?inline=1)?")


def local_link(value) -> str | None:
    return value if isinstance(value, str) and _LOCAL_UPLOAD.fullmatch(value) else None


def mentorship_panel(engine, actor, data: dict) -> dict | None:
    """The agreement (联系书) a mentoring or assessment step is about, as far as ``actor`` may read
    it: period, indicators, mentees and the activities logged. The unit's annual assessment asks
    for a report "依据联系书指标和完成情况"; without this the page showed neither."""
    mentorship_id = data.get("mentorship_id")
    if type(mentorship_id) is not int or data.get("nomination_id") is not None:
        return None
    from workflows import api_reads
    with engine.sessions() as s:
        found = api_reads.mentorship(s, actor, mentorship_id)
        if found is None:
            return None
        found["activities"] = list(reversed(api_reads.activities(s, mentorship_id)))
    return found


# the round's steps the talent section decides on the round's state (extend or close the submission)
ROUND_STEPS = ("Task_ManageRound",)


def round_panel(engine, actor, task: dict, data: dict) -> dict | None:
    """The facts 报送期管理 is decided on: the current deadline and the days left, how many units
    have reported and which have not (the round's board, /rounds/<id>, has the rest)."""
    round_id = data.get("round_id")
    if task.get("element_id") not in ROUND_STEPS or type(round_id) is not int \
            or not auth.holds_any(actor, "talent_section", "director", "admin"):
        return None
    from workflows import office
    with engine.sessions() as s:
        board = office.board(s, round_id, engine.now())
    if board is None:
        return None
    return {"id": board.round.id, "title": board.round.title, "status": board.status_label,
            "deadline": board.round.deadline, "days_left": board.days_left,
            "units": len(board.units), "reported": sum(1 for u in board.units if u.submitted),
            "nominations": board.totals.get("已报送", 0), "filling": board.totals.get("填报中", 0),
            "not_reported": board.not_submitted}


def eligibility_basis(engine, nomination_id) -> dict | None:
    """What 符合推荐条件 was worked out from: the age and the years worked in Chifeng as of the
    round's deadline, against the limits of the nomination's rules, and whether 破格 was asked."""
    from webapp.params import as_id
    from webapp.pool import tables
    t, nid = tables(), as_id(nomination_id)
    if t is None or nid is None:
        return None
    from workflows import rules
    with engine.sessions() as s:
        nom = s.get(t.Nomination, nid)
        if nom is None or nom.age is None:
            return None
        rnd = s.get(t.Round, nom.round_id)
        limits = rules.version(s, nom.rules_version)
        return {"age": nom.age, "years": nom.years_in_chifeng, "on": rnd.deadline if rnd else None,
                "max_age": limits["max_age"], "min_years": limits["min_years_in_chifeng"],
                "exceptional": bool(nom.exceptional)}


def side_panel(data: dict) -> dict:
    eligibility = next((data[k] for k in ELIGIBILITY_KEYS if isinstance(data.get(k), dict)), None)
    if eligibility is None and data.get("eligible") is not None:
        eligibility = {"eligible": data.get("eligible"),
                       "reasons": list(data.get("eligibility_errors") or []) + list(data.get("eligibility_reasons") or []),
                       "warnings": list(data.get("eligibility_warnings") or [])}
    attachments = []
    for key in ATTACHMENT_KEYS:
        for item in data.get(key) or []:
            if isinstance(item, dict):
                url = local_link(item.get("url"))
                name = item.get("name") or item.get("filename") or item.get("title") or item.get("url") or ""
                attachments.append({"name": str(name), "url": url})
            else:
                text = str(item)
                url = local_link(text)
                attachments.append({"name": text.rsplit("/", 1)[-1] if url else text, "url": url})
    return {"eligibility": eligibility, "attachments": attachments}


# a form's own comment property is filled from the 审批意见 box when the form has approval buttons
COMMENT_FIELD = "comment"
REVIEWING = ("return", "reject", "decline", "disagree", "unqualified")
DRAFT = "_draft"   # the 暂存 button


def form_parts(schema):
    """The decision field (its buttons) and the fields the page does not render itself: the
    decision and the form's own comment, which the 审批意见 / 办理说明 box fills."""
    decision = schema_forms.decision_field(schema)
    declared = COMMENT_FIELD in ((schema or {}).get("properties") or {})
    skip = ((decision,) if decision else ()) + ((COMMENT_FIELD,) if decision or declared else ())
    return decision, skip


def comment_label(schema) -> str | None:
    prop = ((schema or {}).get("properties") or {}).get(COMMENT_FIELD)
    return str(prop.get("title")) if isinstance(prop, dict) and prop.get("title") else None


def context(task: dict, values: dict | None = None, errors: dict | None = None, comment: str = "",
             detail_data: dict | None = None):
    from webapp import case, confidential
    from webapp.blueprints.tasks import urgeable   # (looked up there: tests replace its urge service)

    engine = auth.engine()
    actor = current_actor()
    schema = localized_schema(engine.form(task["version_id"], task["form"])) if task.get("form") else None
    decision, skip = form_parts(schema)
    if detail_data is None:
        detail_data = engine.task_data(task["id"], auth.reading_actor())
    if "nomination_id" in detail_data:
        from webapp.pool import nomination_facts
        detail_data = nomination_facts(engine, detail_data["nomination_id"]) | detail_data
    the_case = case.build(engine, actor, task, detail_data)
    draft = None
    if values is None:
        draft = drafts.load(engine, task["id"], actor.username) if task["can_act"] else None
        if draft is not None:
            values, comment = draft["values"], draft["comment"]
        else:
            values = schema_forms.defaults(schema) | schema_forms.form_values(schema, detail_data)
    transfer_to = users.candidates(engine, task["role"], task["scope"], exclude=actor.username) if task["can_act"] else []
    transfer_to = confidential.transfer_targets(transfer_to, task, detail_data)
    may_assign = task["state"] == "open" and (actor.holds(task["role"], None) or actor.has_role(engine.config.admin_role))
    assign_to = confidential.transfer_targets(users.candidates(engine, task["role"], task["scope"]), task, detail_data) \
        if may_assign else []
    own = the_case.get("own")
    submitted = schema_forms.readonly(schema, own["data"], skip=skip) if own else []
    return {
        "task": task, "schema": schema, "fields": schema_forms.fields(schema, skip=skip),
        "decision": decision, "buttons": schema_forms.decision_choices(schema, decision),
        "values": values, "errors": errors or {}, "comment": comment, "draft": draft,
        "comment_label": comment_label(schema),
        # the case is open above a decision (and an expert's opinion); a form of one's own work keeps it folded
        "open_steps": bool(decision) or confidential.confidential(task),
        "assign_to": assign_to, "case": the_case, "submitted": submitted,
        "submitted_decision": own and decision and dict(
            (v, label) for v, label, _style in schema_forms.decision_choices(schema, decision)).get(
            str(own["data"].get(decision)), own["data"].get(decision)),
        "submitted_comment": own and (own.get("comment") or (own["data"].get(COMMENT_FIELD) if COMMENT_FIELD in skip else "")),
        "side": side_panel(detail_data) | {"nomination_id": detail_data.get("nomination_id")}, "transfer_to": transfer_to,
        "has_documents": "documents.upload_list" in current_app.view_functions,
        "withdrawable": engine.can_withdraw(task["id"], actor),
        "overdue": task["state"] == "open" and task["due_at"] is not None and task["due_at"] < engine.now(),
        "names": users.display_names(engine, [task.get("assignee"), task.get("completed_by"), task.get("started_by")]),
        "urge": urgeable(task, actor),
        # a decision that can send the case back or refuse it asks for an opinion (审批意见); a form of
        # one's own work (提交审核 / 撤回推荐) only for a remark (办理说明)
        "reviewing": any(value in REVIEWING for value, _label, _style in schema_forms.decision_choices(schema, decision)),
        "mentorship": mentorship_panel(engine, actor, detail_data),
        "round": round_panel(engine, actor, task, detail_data),
        "basis": eligibility_basis(engine, detail_data.get("nomination_id")) if the_case.get("eligibility") else None,
    }
