"""Moving running instances between model versions, and comparing versions element by element.

The rule (DESIGN.md, invariant 6): nothing completed or started may change or disappear. A
completed, started or failed task whose element is removed or changed in the target version
blocks the move; a ready or waiting task (an open human task, a waiting timer) may see only
its sequence flows change (its outgoing path is predicted again from the new model), never its
own definition (form, lane, timer, ...). Elements nobody has reached yet may change freely.

The library work (SpiffWorkflow's ``diff_workflow`` / alignment) is in :mod:`engine.spiff`;
the transaction is :meth:`engine.service.Engine.migrate_instance`.
"""
from __future__ import annotations

import logging
from typing import Iterable

from .errors import EngineError
from .registry import validate

log = logging.getLogger(__name__)
FLOWS_ONLY = {"inputs", "outputs"}
STATE_LABELS = {"COMPLETED": "已完成", "STARTED": "进行中", "ERROR": "出错", "READY": "待办理", "WAITING": "等待中"}
IGNORED_FIELDS = {"file"}


def blocking_reason(changes: list[dict]) -> str | None:
    """Why an instance with these ``changes`` (from ``Engine.migration_changes``) must not move."""
    reasons = []
    for c in changes:
        state = STATE_LABELS.get(c["state"], c["state"])
        if c["kind"] == "removed":
            reasons.append(f"{state}的环节 {c['element']} 在目标版本中被删除")
        elif c["state"] in ("COMPLETED", "STARTED", "ERROR"):
            reasons.append(f"{state}的环节 {c['element']} 在目标版本中被修改（{'、'.join(c['attributes'])}）")
        elif set(c["attributes"]) - FLOWS_ONLY:
            reasons.append(f"{state}的环节 {c['element']} 在目标版本中被修改"
                           f"（{'、'.join(sorted(set(c['attributes']) - FLOWS_ONLY))}）")
    return "；".join(dict.fromkeys(reasons)) or None


def preview(engine, instance_ids: Iterable[int], version_id: int) -> list[dict]:
    """Per instance: whether it can move onto ``version_id`` and, if not, why."""
    out = []
    for iid in instance_ids:
        inst = engine.instance(iid)
        row = {"instance_id": iid, "from_version": inst["version_id"], "title": inst["title"],
               "status": inst["status"], "changes": [], "movable": False, "reason": None}
        if inst["version_id"] == version_id:
            row["reason"] = "已在目标版本上"
        elif inst["status"] not in ("running", "suspended"):
            row["reason"] = "流程实例已结束或出错，不能迁移"
        else:
            try:
                row["changes"] = engine.migration_changes(iid, version_id)
                row["reason"] = blocking_reason(row["changes"])
            except EngineError as exc:
                row["reason"] = exc.message
            except Exception as exc:  # the library could not align the two models: not movable, say why
                log.exception("migration preview of instance %s failed", iid)
                row["reason"] = f"无法比较两个版本：{type(exc).__name__}: {exc}"
            row["movable"] = row["reason"] is None
        out.append(row)
    return out


def migrate(engine, instance_ids: Iterable[int], version_id: int, actor, comment: str = "") -> list[dict]:
    """Move each movable instance (one engine command each, audited); refuse the rest with the reason."""
    out = []
    for row in preview(engine, instance_ids, version_id):
        if row["movable"]:
            try:
                engine.migrate_instance(row["instance_id"], version_id, actor, blocking_reason, comment)
                row["migrated"] = True
            except EngineError as exc:  # changed between preview and move: the command re-checked
                row.update(migrated=False, movable=False, reason=exc.message)
        else:
            row["migrated"] = False
        out.append(row)
    return out


# --------------------------------------------------------------------------- comparing versions

def element_inventory(engine, files: dict[str, str]) -> dict[str, dict]:
    """process key -> element id -> parsed element info, for files that are not deployed."""
    parsed, _ = validate(files, engine.config)
    return parsed.elements


def version_inventory(engine, version_id: int) -> dict[str, dict]:
    with engine.sessions() as s:
        return engine.models.load(s, version_id).elements


def compare(old: dict[str, dict], new: dict[str, dict]) -> dict:
    """Elements added, removed and changed (with the fields that differ) between two inventories."""
    added, removed, changed = [], [], []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, {}), new.get(key, {})
        for el in sorted(set(b) - set(a)):
            added.append({"process": key, "element": el, "name": b[el].get("name", ""), "type": b[el].get("type", "")})
        for el in sorted(set(a) - set(b)):
            removed.append({"process": key, "element": el, "name": a[el].get("name", ""), "type": a[el].get("type", "")})
        for el in sorted(set(a) & set(b)):
            fields = sorted(f for f in set(a[el]) | set(b[el]) if f not in IGNORED_FIELDS and a[el].get(f) != b[el].get(f))
            if fields:
                changed.append({"process": key, "element": el, "name": b[el].get("name", ""), "type": b[el].get("type", ""),
                                "fields": fields, "before": {f: a[el].get(f) for f in fields},
                                "after": {f: b[el].get(f) for f in fields}})
    return {"added": added, "removed": removed, "changed": changed}
