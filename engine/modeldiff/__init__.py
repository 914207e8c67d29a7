"""What changed between two sets of model files, in words an administrator reads (Chinese).

Covers every part of a model a change can hide in:

* BPMN: every flow element, sequence flow, lane and the process itself, with its name, lane,
  attributes, conditions, scripts (line by line; a script that only assigns literals, such as the
  programme's rules, key by key), timers, loops and multi-instance settings, service operations
  and their parameters, and the extension properties (form, due time, assignee, start roles, ...);
  layout changes are counted, not listed;
* DMN: the hit policy, the columns, and the rules row by row and cell by cell;
* forms (JSON Schema): fields added, removed and changed (title, type, choices, limits,
  required), and the conditional rules (``allOf``/``if``/``then``) in words.

:func:`compare` returns ``{"changes": [...], "counts": {...}}``; each change is a dict with
``area`` (bpmn | dmn | form | layout | file), ``kind`` (added | removed | changed | moved), the
file, the container (process, decision or form), the subject and a list of ``details``
(``label``, ``before``, ``after`` and, for scripts, ``lines``). Every text is plain Unicode: no
``\\uXXXX`` escapes anywhere (values that are not text are shown with
``json.dumps(ensure_ascii=False)``). :func:`as_text` renders the result for a terminal.
"""
from __future__ import annotations

from lxml import etree

from .common import AREA_LABELS, KIND_LABELS, _change, _detail, show  # noqa: F401
from .bpmn import _compare_bpmn, bpmn_elements, literal_assignments  # noqa: F401
from .dmn import _compare_dmn, dmn_decisions  # noqa: F401
from .forms import _compare_form, form_fields, form_rules  # noqa: F401


def compare(old: dict[str, str], new: dict[str, str]) -> dict:
    """Every change from the files ``old`` to the files ``new`` (see the module docstring)."""
    changes: list[dict] = []
    for name in sorted(set(old) | set(new), key=lambda n: (not n.endswith(".bpmn"), not n.endswith(".dmn"), n)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        try:
            if name.endswith(".bpmn"):
                _compare_bpmn(name, a, b, changes)
            elif name.endswith(".dmn"):
                _compare_dmn(name, a, b, changes)
            elif name.endswith(".json"):
                _compare_form(name, a, b, changes)
            else:
                changes.append(_change("file", "added" if a is None else "removed" if b is None else "changed", name, "",
                                       name, details=[_detail("内容", a, b)]))
        except etree.XMLSyntaxError as exc:
            changes.append(_change("file", "changed", name, "", f"{name}（无法解析：{exc}）", details=[]))
    counts = {k: sum(1 for c in changes if c["kind"] == k and c["area"] != "layout") for k in KIND_LABELS}
    counts["layout"] = sum(1 for c in changes if c["area"] == "layout")
    return {"changes": changes, "counts": counts, "empty": not changes}


def as_text(diff: dict, limit: int | None = None) -> list[str]:
    """One line per change (and one per detail), for a terminal."""
    lines = []
    for c in diff["changes"][:limit]:
        where = " › ".join(p for p in (c["file"], c["container"], c["subject"]) if p)
        lines.append(f"[{c['kind_label']}] {c['area_label']} {where}")
        for d in c["details"]:
            if d.get("lines"):
                lines.append(f"    {d['label']}：")
                lines.extend(f"      {sign} {text}" for sign, text in d["lines"])
            elif c["kind"] == "added":
                lines.append(f"    {d['label']}：{d['after']}")
            elif c["kind"] == "removed":
                lines.append(f"    {d['label']}：{d['before']}")
            else:
                lines.append(f"    {d['label']}：{d['before'] or '（无）'} → {d['after'] or '（无）'}")
    if limit is not None and len(diff["changes"]) > limit:
        lines.append(f"……另有 {len(diff['changes']) - limit} 处改动")
    return lines
