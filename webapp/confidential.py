"""Confidential review (评审保密): the committee's experts vote independently.

* An expert does not see the other experts' votes or names before voting (their task pages,
  their entries in the timeline, the open review tasks of the instance);
* the nominating unit (and anyone else who is not an overseer) never sees the experts' names,
  votes or comments: it sees the committee's result;
* the talent section, the director and administrators (the engine's oversight roles) see all;
* an expert review is transferred only to an expert of the category who is not on this panel.

A step is confidential when its lane is a committee role (:data:`COMMITTEE_ROLES`)."""
from __future__ import annotations

from flask_babel import gettext as _

from engine import Actor
from webapp.labels import verb

COMMITTEE_ROLES = ("expert",)


def confidential(task: dict) -> bool:
    return task.get("role") in COMMITTEE_ROLES


def confidential_elements(tasks: list[dict]) -> set[str]:
    return {t["element_id"] for t in tasks if confidential(t)}


def has_voted(actor: Actor, tasks: list[dict]) -> bool:
    """The actor completed a committee step of this instance."""
    return any(confidential(t) and t["state"] == "completed" and t.get("completed_by") == actor.username for t in tasks)


def sees_votes(engine, actor: Actor, tasks: list[dict]) -> bool:
    """Whether ``actor`` may see the committee's names, votes and comments on this instance:
    overseers always; an expert of the panel once they have voted; nobody else."""
    return engine.policy.oversees(actor) or has_voted(actor, tasks)


def may_read_task(engine, actor: Actor, task: dict, tasks: list[dict]) -> bool:
    """A committee step's page is for its own expert and those who see the votes."""
    if not confidential(task):
        return True
    if task.get("assignee") == actor.username or task.get("completed_by") == actor.username:
        return True
    return sees_votes(engine, actor, tasks)


def redact_tasks(engine, actor: Actor, tasks: list[dict]) -> list[dict]:
    """The instance's tasks as ``actor`` may see them: committee steps without who holds or did
    them and without their outcome, unless the actor sees the votes (or it is the actor's own)."""
    if sees_votes(engine, actor, tasks):
        return tasks
    out = []
    for t in tasks:
        if confidential(t) and actor.username not in (t.get("assignee"), t.get("completed_by")):
            t = t | {"assignee": None, "completed_by": None, "candidates": None, "outcome": None, "redacted": True}
        out.append(t)
    return out


def redact_trail(engine, actor: Actor, trail: list[dict], tasks: list[dict]) -> list[dict]:
    """Timeline entries of committee steps without the expert's name, vote and comment (and
    without the person a review was handed to) for those who may not see them."""
    if sees_votes(engine, actor, tasks):
        return trail
    secret = confidential_elements(tasks)
    out = []
    for e in trail:
        if e.get("element_id") in secret and e.get("actor") != actor.username:
            e = e | {"actor": None, "actor_label": _("评审专家"), "data": {}, "comment": "", "decision": None,
                     "opinion": "", "redacted": True,
                     "verb": verb(e["element_id"], None) if e.get("action") == "task_completed" else None}
        out.append(e)
    return out


def transfer_targets(candidates: list[tuple[str, str]], task: dict, data: dict) -> list[tuple[str, str]]:
    """Whom a committee step may go to: experts of the category not on this panel (``experts``
    of the instance's data)."""
    if not confidential(task):
        return candidates
    panel = set(data.get("experts") or [])
    return [(u, n) for u, n in candidates if u not in panel]


def transfer_refused(engine, task: dict, username: str, data: dict) -> str | None:
    """Why a committee step may not go to ``username`` (None: it may)."""
    if confidential(task) and username in set(data.get("experts") or []):
        return _("该专家已在本推荐的评审组中，只能转给本类别中未参加本推荐评审的专家")
    return None
