"""Migration of a running workflow onto another model version (used by engine/migration.py)."""
from __future__ import annotations

from SpiffWorkflow.bpmn.util.diff import diff_workflow
from SpiffWorkflow.util.task import TaskState

from .runtime import Runtime

MIGRATION_KEPT = TaskState.COMPLETED | TaskState.STARTED | TaskState.READY | TaskState.WAITING | TaskState.ERROR
# tasks of the path ahead that a migration drops and predicts again from the new model
AHEAD = TaskState.FUTURE | TaskState.PREDICTED_MASK
# helper task specs the parser adds around an element; a change to one is a change to its element
HELPER_SUFFIXES = (".BoundaryEventSplit", ".BoundaryEventJoin")


def _step_of(task, spec) -> tuple[str, str, str] | None:
    """``(element id, name, kind)`` of the model element ``task`` belongs to, or ``None`` for the
    library's own bookkeeping tasks (``Start``, ``Root``, ``<process>.EndJoin``)."""
    ts = task.task_spec
    bpmn_id = getattr(ts, "bpmn_id", None)
    if bpmn_id is None:
        owner = next((ts.name[: -len(s)] for s in HELPER_SUFFIXES if ts.name.endswith(s)), None)
        owner_spec = spec.task_specs.get(owner) if owner else None
        if owner_spec is None:
            return None
        ts, bpmn_id = owner_spec, owner
    return bpmn_id, getattr(ts, "bpmn_name", None) or "", type(ts).__name__


def migration_changes(runtime: Runtime, wf, spec, subprocess_specs) -> list[dict]:
    """What moving ``wf`` onto ``spec`` would touch, per step that exists (completed, started,
    ready, waiting): ``{"element", "name", "type", "process", "state", "kind": "removed" |
    "changed", "attributes"}``. ``name`` is the element's name in the model (Chinese), ``process``
    the name of the process it is in. Helper tasks the library adds (boundary event splits and
    joins) count as their element; its start/end bookkeeping tasks are left out.
    Uses SpiffWorkflow's :func:`diff_workflow` (alignment by BPMN id, then by structure)."""
    top, subs = diff_workflow(runtime.spec_codec.registry, wf, spec, subprocess_specs)
    out: dict[tuple, dict] = {}
    workflows = [wf] + [wf.subprocesses[k] for k in subs]
    for diff, sub in zip([top] + list(subs.values()), workflows):
        removed = {t.id for t in diff.removed} if diff is not None else None
        changed = {} if diff is None else {
            t.id: _spec_changes(runtime, t.task_spec, diff.alignment.get(t)) for t in diff.changed}
        for t in (t for t in sub.tasks.values() if t.state & MIGRATION_KEPT):
            step = _step_of(t, sub.spec)
            if step is None:
                continue
            if removed is None or t.id in removed:
                kind, attributes = "removed", []
            elif changed.get(t.id):
                kind, attributes = "changed", changed[t.id]
            else:
                continue
            element, name, type_ = step
            state = TaskState.get_name(t.state)
            row = out.setdefault((id(sub), element, state), {
                "element": element, "name": name, "type": type_, "process": sub.spec.description or sub.spec.name,
                "state": state, "kind": kind, "attributes": []})
            if kind == "removed":
                row["kind"] = "removed"
            row["attributes"] = sorted(set(row["attributes"]) | set(attributes))
    return list(out.values())


def _spec_changes(runtime: Runtime, old, new) -> list[str]:
    if new is None:
        return []
    a, b = runtime.spec_codec.registry.convert(old), runtime.spec_codec.registry.convert(new)
    return [k for k in set(a) | set(b) if a.get(k) != b.get(k)]


def migrate(runtime: Runtime, wf, spec, subprocess_specs) -> None:
    """Move ``wf`` onto ``spec``: aligned tasks take the new task specs; each ready or waiting
    task is re-predicted from the new model, keeping its data and internal data (a waiting
    timer keeps its due time); the path ahead of each started task (a running call activity,
    subprocess or multi-instance task) is dropped and predicted again from the new model, in the
    calling process as in the called one. The caller has checked :func:`migration_changes` first."""
    top, subs = diff_workflow(runtime.spec_codec.registry, wf, spec, subprocess_specs)
    wf.subprocess_specs = subprocess_specs
    for diff, sub, new_spec in [(top, wf, spec)] + [(d, wf.subprocesses[k], subprocess_specs.get(wf.subprocesses[k].spec.name))
                                                     for k, d in subs.items() if d is not None]:
        sub.spec = new_spec
        for task in sub.tasks.values():
            aligned = diff.alignment.get(task)
            if aligned is not None:
                task.task_spec = aligned
        for task in [t for t in sub.tasks.values() if t.state & (TaskState.READY | TaskState.WAITING)]:
            if task.id not in sub.tasks:
                continue
            data, internal = dict(task.data), dict(task.internal_data)
            task.reset_branch(data)
            task.internal_data.update(internal)
        for task in [t for t in sub.tasks.values() if t.state & TaskState.STARTED]:
            _predict_again(sub, task)


def _predict_again(workflow, task) -> None:
    """Drop the not yet reached children of a started task (never a triggered child: a
    multi-instance task's instances) and predict its outgoing path from its new spec."""
    for child in [c for c in task.children if c.state & AHEAD and not c.triggered]:
        workflow._remove_task(child.id)
    task.task_spec._predict_hook(task)
    for child in [c for c in task.children if c.state & AHEAD and not c.triggered]:
        child.task_spec._predict(child, mask=AHEAD)
