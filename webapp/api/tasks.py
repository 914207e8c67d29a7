"""Tasks: inboxes, one task with its form, its data and the history its caller may see, and the
actions on it. Completing a task answers what happened: sent on, returned, refused as not
eligible (with the reasons), or the process finished (with its result)."""
from __future__ import annotations

from flask_babel import gettext as _

from engine import EngineError, InvalidData, NotFound
from engine.forms import writable_fields
from engine.queries import inbox, instance_tasks
from webapp import auth
from webapp.auth import current_actor
from workflows import api_reads

from . import decisions, handover, records, schemas, words
from .core import ApiFailure, BadInput, blueprint, checked_first, paged, visible_first

blp = blueprint("tasks", __name__, "/tasks", "待办：我的待办、待认领、已办；办理、认领、分派")


@blp.get("")
@blp.arguments(schemas.TaskListArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.TaskPage)
def list_tasks(box="todo", page=1, per_page=20, round_id=None, category=None, org_unit=None, overdue=None):
    """待办 / 待认领 / 已办"""
    engine = auth.engine()
    actor = current_actor()
    rows, total = inbox(engine, actor, box, batch=str(round_id) if round_id else None, category=category,
                        org_unit=org_unit, overdue=overdue == "1", now=engine.now(), page=page, per_page=per_page)
    return paged([records.task_out(r, redact=records.confidential(r) and actor.username not in
                                   (r.get("assignee"), r.get("completed_by"))) for r in rows], total, page, per_page)


def _kept(engine, task: dict, schema: dict | None) -> list[str]:
    """The fields the model keeps when this step opens again (``keepFields``): those a caller may
    leave out of a resubmission."""
    with engine.read_session() as s:
        element = engine.models.load(s, task["version_id"]).element(task["process_key"], task["element_id"])
    keep = str(((element or {}).get("properties") or {}).get("keepFields") or "").strip()
    writable = writable_fields(schema)
    if keep == "*":
        return writable
    names = {n.strip() for n in keep.split(",") if n.strip()}
    return [n for n in writable if n in names]


def _starting_data(task: dict, data: dict, schema: dict | None, field: decisions.DecisionField) -> dict:
    """What the task's form starts from: the values of its fields in the task's data (a returned
    form keeps those the model names), without the previous decision and opinion."""
    props = set(writable_fields(schema))
    skip = {field.path[0]} if field.path and not field.flag and len(field.path) == 1 else set()
    if field.flag and field.path:
        skip.add(field.path[0])
    if field.comment and len(field.comment) == 1:
        skip.add(field.comment[0])
    out = {k: v for k, v in data.items() if k in props and k not in skip}
    if field.path and len(field.path) == 2 and isinstance(out.get(field.path[0]), dict):
        out[field.path[0]] = {k: v for k, v in out[field.path[0]].items() if k not in (field.path[1], decisions.COMMENT)}
        if not out[field.path[0]]:
            out.pop(field.path[0])
    return out


def _eligibility(engine, data: dict) -> dict | None:
    nomination_id = data.get("nomination_id")
    if isinstance(nomination_id, int) and not isinstance(nomination_id, bool):
        with engine.read_session() as s:
            from workflows import tables as t
            nom = s.get(t.Nomination, nomination_id) if 0 < nomination_id < 2 ** 31 else None
            if nom is not None and nom.eligible is not None:
                return api_reads.nomination_facts(nom)
    return None


def _notice(task: dict, tasks: list[dict], trail: list[dict], eligibility: dict | None) -> dict | None:
    """Why this task is open again: not eligible, or the opinion that returned it."""
    if task["state"] != "open":
        return None
    again = any(t["element_id"] == task["element_id"] and t["id"] != task["id"] and t["state"] == "completed" for t in tasks)
    if not again:
        return None
    if eligibility is not None and eligibility["eligible"] is False:
        return {"kind": "ineligible", "reasons": eligibility["reasons"], "comment": "", "by": None, "at": None, "step": ""}
    before = [e for e in trail if e["action"] == "task_completed" and e["at"] <= task["created_at"]
              and e["element_id"] != task["element_id"] and not e["redacted"]]
    last = before[-1] if before else None
    if last is not None and last["decision"] in ("return", "reject", "decline", "unqualified"):
        return {"kind": "returned", "reasons": [], "comment": last["comment"], "by": last["actor_name"], "at": last["at"],
                "step": last["step"]}
    return None


@blp.get("/<bigint:task_id>")
@blp.response(200, schemas.TaskDetail)
@blp.alt_response(404, schema=schemas.ErrorSchema, description="不存在或不在您的范围内")
def get_task(task_id):
    """待办详情：表单（JSON Schema）、表单的初始内容（之前提交、退回后保留的字段）、结论选项和可见的办理记录"""
    engine = auth.engine()
    actor = current_actor()
    t = checked_first(records.read_task, task_id=task_id)
    schema = engine.form(t["version_id"], t["form"]) if t.get("form") else None
    field = decisions.field_of(schema)
    data = engine.task_data(task_id, actor)
    tasks = instance_tasks(engine, t["instance_id"])
    trail = records.history(actor, [t["instance_id"]], tasks)
    eligibility = _eligibility(engine, data)
    own = next((e for e in reversed(trail) if e["action"] == "task_completed" and e["element_id"] == t["element_id"]
                and t["state"] == "completed" and e["actor"] == t.get("completed_by")), None)
    nomination_id = data.get("nomination_id") if isinstance(data.get("nomination_id"), int) else None
    return records.task_out(t) | {
        "can_act": t["can_act"], "can_claim": t["can_claim"], "form_schema": schema,
        "data": _starting_data(t, data, schema, field) if t["state"] == "open" else {},
        "kept_fields": _kept(engine, t, schema), "decision_field": field.name,
        "decisions": list(field.choices), "comment_field": field.comment_name, "nomination_id": nomination_id,
        "eligibility": eligibility, "notice": _notice(t, tasks, trail, eligibility),
        "submitted": own["data"] if own else None, "history": trail}


@blp.post("/<bigint:task_id>/claim")
@blp.response(200, schemas.TaskSchema)
def claim_task(task_id):
    """认领"""
    t = records.read_task(task_id)
    auth.engine().claim(task_id, current_actor())
    return _after(t, current_actor().username)


@blp.post("/<bigint:task_id>/unclaim")
@blp.response(200, schemas.TaskSchema)
def unclaim_task(task_id):
    """放弃认领"""
    t = records.read_task(task_id)
    auth.engine().unclaim(task_id, current_actor())
    return _after(t, None)


@blp.post("/<bigint:task_id>/assign")
@visible_first(records.read_task)
@blp.arguments(schemas.AssignRequest)
@blp.response(200, schemas.TaskSchema)
def assign_task(body, task_id):
    """分派给用户（同角色同范围；评审专家的评审只能分派给本类别中未参加本推荐评审的专家）"""
    t = checked_first(records.read_task, task_id=task_id)
    handover.refuse_panel_member(t, body["username"])
    try:
        auth.engine().assign(task_id, current_actor(), body["username"], body.get("comment", ""))
    except NotFound:  # the task was found above: it is the user named in the body that is not
        raise BadInput([{"field": "username", "code": "unknown_user", "message": _("用户不存在或已停用")}]) from None
    return _after(t, body["username"])


def _after(task: dict, assignee: str | None) -> dict:
    """The task as a claim, unclaim or assignment left it. The engine changes the assignee only
    of an open task whose assignee is still the one it read, in one statement: so the task read
    before the command, with the new assignee, is what a second read would find."""
    return records.task_out(task | {"assignee": assignee})


def _field_errors(exc: InvalidData, field: decisions.DecisionField) -> list[dict]:
    """The engine's per-field errors, the form's decision and opinion named as the request names
    them (``decision``, ``comment``); the other fields keep the form's names."""
    from webapp.errors import engine_message, field_errors
    found = field_errors(exc)
    named = exc.details.get("field") if isinstance(exc.details, dict) else None
    if not found and isinstance(named, str) and named:   # a handler's refusal naming one field
        found = [{"field": named, "code": "invalid", "message": engine_message(exc)}]
    out = []
    for e in found:
        if field.name and e["field"] == field.name:
            e = e | {"field": "decision"}
        elif field.comment_name and e["field"] == field.comment_name:
            e = e | {"field": "comment"}
        out.append(e)
    return out


@blp.post("/<bigint:task_id>/complete")
@visible_first(records.read_task)
@blp.arguments(schemas.CompleteRequest, required=False)
@blp.response(200, schemas.CompleteResult)
def complete_task(body, task_id):
    """办理：提交结论、意见和表单数据；答复办理结果（送下一环节、退回、不符合条件及原因、办结及结果）

    `decision` 按表单映射到其结论字段；`comment` 填入表单的意见字段（退回、不同意时通常必填）；
    `data` 按表单校验，模型声明保留字段时可只提交修改的字段。"""
    engine = auth.engine()
    actor = current_actor()
    t = checked_first(records.read_task, task_id=task_id)
    schema = engine.form(t["version_id"], t["form"]) if t.get("form") else None
    field = decisions.field_of(schema)
    word = body.get("decision") or body.get("outcome")
    comment = (body.get("comment") or "").strip()
    data = dict(body.get("data") or {})
    kept = _kept(engine, t, schema)
    if kept and t["can_act"]:
        start = _starting_data(t, engine.task_data(task_id, actor), schema, field)
        data = {k: v for k, v in start.items() if k in kept} | data
    if word:
        if field.path is None:
            if word != "submit":
                raise BadInput([{"field": "decision", "code": "enum", "message": _("此事项没有可选结论，请不填或填 submit")}])
        else:
            try:
                data = decisions.set_path(data, field.path, decisions.form_value(field, word))
            except KeyError:
                raise BadInput([{"field": "decision", "code": "enum",
                                 "message": _("请从给定选项中选择：%(choices)s", choices="、".join(field.choices))}]) from None
    if comment and field.comment and not decisions.comment_in(field, data):
        data = decisions.set_path(data, field.comment, comment)
    decided = decisions.decision_in(field, data) or (word if field.path is None else None)
    try:
        done = engine.complete_task(task_id, data, actor, comment=comment, outcome=decided, answer=_result)
    except InvalidData as exc:
        errors = _field_errors(exc, field)
        if errors:
            from webapp.errors import engine_message
            raise ApiFailure(422, exc.code, engine_message(exc), errors) from None
        raise
    return _what_happened(engine, actor, t, done, decided)


def _result(ctx, done: dict) -> str | None:
    """The programme's result of the instance, read in the completion's own transaction."""
    return api_reads.instance_result(ctx.session, ctx.instance_id, done["process_key"], done["instance_status"])


def _what_happened(engine, actor, task: dict, done: dict, decided: str | None) -> dict:
    """The answer from what the engine's completion read in its own transaction: the instance's
    status, its result and its tasks after the command."""
    iid = task["instance_id"]
    tasks, status = done["tasks"], done["instance_status"]
    opened = [x for x in tasks if x["state"] == "open"]
    steps = records.current_steps(actor, tasks)
    out = {"instance_id": iid, "task_id": task["id"], "task_uuid": done["task_uuid"], "element_id": done["element_id"],
           "decision": decided, "reasons": [], "warnings": [], "next_steps": steps, "instance_status": status,
           "result": done["answer"]}
    again = next((x for x in opened if x["element_id"] == task["element_id"]), None)
    refused = None
    if again is not None:
        try:
            again_data = engine.task_data(again["id"], actor)
        except EngineError:
            again_data = {}
        facts = _eligibility(engine, again_data)
        if facts is not None and facts["eligible"] is False:
            refused = facts
        elif again_data.get("eligible") is False:
            refused = {"reasons": [str(r) for r in again_data.get("eligibility_errors") or []],
                       "warnings": [str(r) for r in again_data.get("eligibility_warnings") or []]}
    if status in ("completed", "cancelled"):
        out["status"] = status
        out["message"] = _("流程已办结：%(result)s", result=words.result_label(out["result"]) or words.result_label(status))
    elif refused is not None:
        out.update(status="ineligible", reasons=refused["reasons"], warnings=refused.get("warnings") or [])
        out["message"] = _("已提交，但未通过资格审查，已退回修改：%(reasons)s", reasons="；".join(refused["reasons"]))
        if again["assignee"] is None and actor.holds(again["role"], again["scope"]):
            try:
                engine.claim(again["id"], actor)   # as on the page: the form that came back is the submitter's again
                out["next_steps"] = records.current_steps(actor, instance_tasks(engine, iid))
            except EngineError:
                pass
    elif opened:
        earlier = {x["element_id"] for x in tasks if x["state"] == "completed" and x["id"] != task["id"]
                   and x["completed_at"] is not None and x["completed_at"] <= (task.get("created_at") or x["completed_at"])}
        names = "、".join(dict.fromkeys(x["name"] for x in opened))
        if decided in ("return", "reject", "decline", "unqualified") and any(x["element_id"] in earlier for x in opened):
            out["status"] = "returned"
            out["message"] = _("已退回：%(steps)s", steps=names)
        else:
            out["status"] = "forwarded"
            out["message"] = _("已提交，下一步：%(steps)s", steps=names)
    else:
        out["status"] = "waiting"
        out["message"] = _("已提交，等待后续处理")
    return out

