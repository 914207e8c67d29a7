"""The programme's rules beside a model comparison: which rule versions were saved between two
model versions, and what each changed, item by item in Chinese.

Why beside and not inside: the rules (``programme_rules``, :mod:`workflows.rules`) are versioned
on their own. The talent section changes them on the rules page (培带规则), not an administrator
in a draft; a record keeps the rules version that applied when its instance started; and a model
version's content (and hash) does not contain them. So a model comparison cannot say "the rules
changed in version 3", but it can say which rule versions were saved between the two model
versions being compared (or since a draft's base version), so every change that affects new
instances is visible in one place.
"""
from __future__ import annotations

import json
from datetime import datetime

from workflows import rules as programme_rules


def _labels(values: dict) -> dict[str, str]:
    """code -> Chinese label for every coded list of the rules (kinds, incentives, panels)."""
    out: dict[str, str] = {}
    for key in ("activity_kinds", "incentives", "events", "panels"):
        for item in values.get(key) or []:
            if isinstance(item, dict) and "code" in item:
                out.setdefault(str(item["code"]), str(item.get("label") or item["code"]))
    return out


def show(value, labels: dict[str, str]) -> str:
    """A rule's value as a line of text: labels instead of codes, no JSON escapes."""
    if value is None or value == [] or value == {}:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict) and "code" in item:
                text = str(item.get("label") or item["code"])
                if "interval_years" in item:
                    years = item.get("interval_years") or 0
                    text += "（不限次数）" if not years else f"（每{years}年）"
                parts.append(text)
            elif isinstance(item, str):
                parts.append(labels.get(item, item))
            else:
                parts.append(show(item, labels))
        return "、".join(parts)
    if isinstance(value, dict):
        return "；".join(f"{labels.get(str(k), k)} → {labels.get(str(v), v) if isinstance(v, str) else show(v, labels)}"
                        for k, v in value.items())
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def rule_changes(before: dict, after: dict) -> list[dict]:
    """One row per rule that differs: ``{"key", "label", "before", "after"}`` in the rules page's order."""
    labels_before, labels_after = _labels(before), _labels(after)
    order = list(programme_rules.LABELS) + sorted(k for k in set(before) | set(after) if k not in programme_rules.LABELS)
    rows = []
    for key in order:
        if key not in before and key not in after or before.get(key) == after.get(key):
            continue
        label = programme_rules.LABELS.get(key, ("其他规则", ""))[0]
        rows.append({"key": key, "label": label,
                     "before": show(before.get(key), labels_before) if key in before else "（无）",
                     "after": show(after.get(key), labels_after) if key in after else "（无）"})
    return rows


def history_between(engine, since: datetime | None, until: datetime | None = None) -> dict:
    """The rule versions saved after ``since`` and up to ``until`` (None: up to now), newest first,
    each with its changes against the version before it; and the current version."""
    with engine.sessions() as s:
        history = programme_rules.history(s)          # newest first
    by_number = {r.version: r for r in history}
    saved = []
    for r in history:
        when = r.created_at
        if when is None or (since is not None and when <= since) or (until is not None and when > until):
            continue
        previous = by_number.get(r.version - 1)
        saved.append({"version": r.version, "created_at": when, "created_by": r.created_by, "comment": r.comment,
                      "rows": rule_changes(previous.values, r.values) if previous else [],
                      "initial": previous is None})
    return {"versions": saved, "current": history[0].version if history else 1, "count": len(history)}


def between_model_versions(engine, a: int, b: int) -> dict:
    """Rule versions saved between the deployments of model versions ``a`` and ``b``."""
    when = {v["version"]: v["created_at"] for v in engine.list_versions()}
    first, last = sorted((when.get(a), when.get(b)), key=lambda t: (t is not None, t))
    return history_between(engine, first, last) | {"since_version": min(a, b), "until_version": max(a, b)}


def since_model_version(engine, version: int) -> dict:
    """Rule versions saved since model version ``version`` was deployed (a draft's base)."""
    when = {v["version"]: v["created_at"] for v in engine.list_versions()}
    return history_between(engine, when.get(version)) | {"since_version": version, "until_version": None}
