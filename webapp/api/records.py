"""Tasks, instances, history and opinions as the API answers them, scoped to the caller.

Confidential review is the rule of the reviewer's pages (:mod:`webapp.confidential`): a step whose
lane is a committee role is seen with the expert's identity, vote and comment only by overseers
(talent section, director, administrators) and by an expert of the panel once they have voted;
everybody else — the nominating unit above all — sees that an expert acted, and the committee's
result."""
from __future__ import annotations

from flask_babel import gettext as _

from engine import SYSTEM_ACTOR, NotFound
from engine.queries import audit_trail, instance_tasks
from webapp import auth, users
from webapp import confidential as review
from webapp.auth import can_see_instance, current_actor
from webapp.params import as_id
from workflows import api_reads

from . import decisions, words
from .core import ApiFailure

TASK_KEYS = ("id", "instance_id", "process_key", "element_id", "name", "role", "scope", "assignee", "state", "form",
             "org_unit", "category", "title", "created_at", "due_at", "completed_at", "completed_by")
confidential = review.confidential


def engine():
    return auth.engine()


def sees_votes(actor, tasks: list[dict]) -> bool:
    return review.sees_votes(engine(), actor, tasks)


def hidden(actor, task: dict, tasks: list[dict]) -> bool:
    """Whether ``actor`` may not see who holds or did ``task`` and what they decided."""
    return not review.may_read_task(engine(), actor, task, tasks)


def task_out(t: dict, *, redact: bool = False) -> dict:
    out = {k: t.get(k) for k in TASK_KEYS}
    out["round_id"] = as_id(t.get("batch"))
    out["title"] = out.get("title") or ""
    out["decision"] = t.get("outcome") if t.get("outcome") in decisions.VOCABULARY else None
    if redact:
        out.update(assignee=None, completed_by=None, decision=None)
    return out


def brief(t: dict, *, redact: bool = False) -> dict:
    return {"id": t["id"], "instance_id": t["instance_id"], "element_id": t["element_id"], "name": t["name"],
            "role": t["role"], "scope": t.get("scope"), "assignee": None if redact else t.get("assignee")}


def tasks_out(actor, tasks: list[dict]) -> list[dict]:
    return [task_out(t, redact=hidden(actor, t, tasks)) for t in tasks]


def current_steps(actor, tasks: list[dict]) -> list[dict]:
    return [brief(t, redact=hidden(actor, t, tasks)) for t in tasks if t["state"] == "open"]


def get_task(task_id: int, actor) -> dict:
    """:meth:`Engine.get_task` (one statement by row id, on the request's read scope)."""
    return engine().get_task(task_id, actor)


def read_task(task_id: int) -> dict:
    """The task if the caller may read it (404 otherwise); a committee step only by its own expert
    and those who see the votes."""
    eng = engine()
    task = get_task(task_id, current_actor())
    if confidential(task):
        tasks = instance_tasks(eng, task["instance_id"])
        if hidden(current_actor(), task, tasks):
            raise NotFound("待办事项不存在")
    return task


def visible_instance(instance_id: int) -> dict:
    try:
        inst = engine().instance(instance_id)
    except NotFound:
        raise ApiFailure(404, "not_found", _("记录不存在或不在您的范围内")) from None
    if not can_see_instance(current_actor(), instance_id, inst):
        raise ApiFailure(404, "not_found", _("记录不存在或不在您的范围内"))
    return inst


def _process_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for version in engine().list_versions():
        names.update(dict(version["processes"]))
    return names


def instance_out(inst: dict, *, tasks: list[dict] | None = None, with_tasks: bool = False) -> dict:
    eng = engine()
    actor = current_actor()
    tasks = instance_tasks(eng, inst["id"]) if tasks is None else tasks
    with eng.sessions() as s:
        result = api_reads.instance_result(s, inst["id"], inst["process_key"], inst["status"])
        title = inst.get("title") or api_reads.instance_title(s, inst["id"], inst["process_key"])
        nom = api_reads.nomination_by_instance(s, inst["id"])
        nomination_id = nom.id if nom is not None else None
    if not title:
        title = next((t["title"] for t in reversed(tasks) if t.get("title")), "") or \
            _process_names().get(inst["process_key"], inst["process_key"])
    out = {k: inst.get(k) for k in ("id", "process_key", "version_id", "status", "org_unit", "category", "business_key",
                                     "parent_id", "started_by", "started_at", "ended_at")}
    out.update(title=title, result=result, result_label=words.result_label(result), round_id=as_id(inst.get("batch")),
               nomination_id=nomination_id, current_steps=current_steps(actor, tasks))
    if with_tasks:
        out["tasks"] = tasks_out(actor, tasks)
    return out


# --------------------------------------------------------------------------- history and opinions

def _forms(tasks: list[dict]) -> dict[tuple[int, str], dict]:
    """(version, form) -> the form's decision field, for the forms of these tasks."""
    eng = engine()
    out = {}
    versions = {}
    for t in tasks:
        if t.get("form") and t["instance_id"] not in versions:
            versions[t["instance_id"]] = eng.instance(t["instance_id"])["version_id"]
    for t in tasks:
        key = (versions.get(t["instance_id"]), t.get("form"))
        if t.get("form") and key not in out:
            out[key] = decisions.field_of(eng.form(key[0], key[1]))
    return {k: v for k, v in out.items()} | {"_versions": versions}


def actor_name(username: str | None, names: dict[str, str]) -> str:
    """Who acted, as people read it: the display name, 系统 for the engine itself."""
    if username == SYSTEM_ACTOR.username:
        return str(words.SYSTEM)
    return names.get(username, username or "")


def history(actor, instance_ids: list[int], tasks: list[dict] | None = None) -> list[dict]:
    """Every recorded action on the instances, oldest first, as ``actor`` may see it."""
    eng = engine()
    tasks = [t for iid in instance_ids for t in instance_tasks(eng, iid)] if tasks is None else tasks
    forms = _forms(tasks)
    versions = forms.pop("_versions")
    by_uuid = {t["task_uuid"]: t for t in tasks}
    by_element = {(t["instance_id"], t["element_id"]): t for t in tasks}
    votes_seen = sees_votes(actor, tasks)
    secret = {(t["instance_id"], t["element_id"]) for t in tasks if confidential(t)}
    trail = sorted((e | {"instance_id": iid} for iid in instance_ids for e in audit_trail(eng, iid)),
                   key=lambda e: (e["at"], e["id"]))
    names = users.display_names(eng, [e.get("actor") for e in trail])
    out = []
    for e in trail:
        task = by_uuid.get(e.get("task_uuid")) or by_element.get((e["instance_id"], e.get("element_id")))
        data = e["data"] if isinstance(e.get("data"), dict) else {}
        field = forms.get((versions.get(e["instance_id"]), task.get("form"))) if task else None
        decision = decisions.decision_in(field, data) if field else None
        comment = e.get("comment") or (decisions.comment_in(field, data) if field else "")
        redacted = (e["instance_id"], e.get("element_id")) in secret and e.get("actor") != actor.username and not votes_seen
        entry = {"id": e["id"], "at": e["at"], "instance_id": e["instance_id"], "action": e["action"],
                 "action_label": words.action_label(e["action"]), "actor": e.get("actor"),
                 "actor_name": actor_name(e.get("actor"), names), "element_id": e.get("element_id"),
                 "step": task["name"] if task else "", "decision": decision, "comment": comment or "",
                 "data": data, "redacted": False}
        if redacted:
            entry.update(actor=None, actor_name=str(words.EXPERT), decision=None, comment="", data={}, redacted=True)
        out.append(entry)
    return out


def opinions(actor, instance_ids: list[int]) -> tuple[list[dict], dict | None]:
    """The decisions and opinions of the case (unit review, committee, sign-off ...) and the
    committee's summary; experts' names, votes and comments only for those who may see them."""
    eng = engine()
    tasks = [t for iid in instance_ids for t in instance_tasks(eng, iid)]
    trail = history(actor, instance_ids, tasks)
    out = []
    for e in trail:
        if e["action"] != "task_completed" or not (e["decision"] or e["comment"] or e["redacted"]):
            continue
        opinion = e["data"].get("opinion") if isinstance(e["data"].get("opinion"), dict) else {}
        score = opinion.get("score")
        out.append({"at": e["at"], "instance_id": e["instance_id"], "element_id": e["element_id"], "step": e["step"],
                    "actor": e["actor"], "actor_name": e["actor_name"], "decision": e["decision"], "comment": e["comment"],
                    "score": score if isinstance(score, int) and not isinstance(score, bool) else None})
    panel = [t for t in tasks if confidential(t) and t["state"] != "cancelled"]
    committee = None
    if panel:
        done = sum(1 for t in panel if t["state"] == "completed")
        committee = {"done": done, "total": len(panel)}
        with eng.sessions() as s:
            nom = next((n for n in (api_reads.nomination_by_instance(s, iid) for iid in instance_ids) if n is not None), None)
            status = nom.status if nom is not None else None
        if status in ("recommended", "appointed", "declined"):
            committee["result"] = "recommended"
        elif status == "not_recommended":
            committee["result"] = "not_recommended"
        else:
            committee["result"] = None
        if sees_votes(actor, tasks):
            tally = {"agree": 0, "disagree": 0, "abstain": 0}
            for e in out:
                if e["decision"] in tally and (e["instance_id"], e["element_id"]) in {(t["instance_id"], t["element_id"]) for t in panel}:
                    tally[e["decision"]] += 1
            committee["votes"] = tally
    return out, committee
