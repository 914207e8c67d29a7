"""Migration of a running workflow onto another model version (used by engine/migration.py)."""
from __future__ import annotations

from SpiffWorkflow.bpmn.util.diff import diff_workflow
from SpiffWorkflow.util.task import TaskState

from .runtime import Runtime

MIGRATION_KEPT = TaskState.COMPLETED | TaskState.STARTED | TaskState.READY | TaskState.WAITING | TaskState.ERROR


def _element_of(task) -> str:
    return getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name


def migration_changes(runtime: Runtime, wf, spec, subprocess_specs) -> list[dict]:
    """What moving ``wf`` onto ``spec`` would touch, per task that exists (completed, started,
    ready, waiting): ``{"element", "state", "kind": "removed" | "changed", "attributes"}``.
    Uses SpiffWorkflow's :func:`diff_workflow` (alignment by BPMN id, then by structure)."""
    top, subs = diff_workflow(runtime.spec_codec.registry, wf, spec, subprocess_specs)
    out = []
    diffs = [top] + list(subs.values())
    workflows = [wf] + [wf.subprocesses[k] for k in subs]
    for diff, sub in zip(diffs, workflows):
        tasks = [t for t in sub.tasks.values() if t.state & MIGRATION_KEPT]
        if diff is None:
            out += [{"element": _element_of(t), "state": TaskState.get_name(t.state), "kind": "removed", "attributes": []}
                    for t in tasks]
            continue
        removed = {t.id for t in diff.removed}
        changed = {}
        for t in diff.changed:
            changed[t.id] = sorted(_spec_changes(runtime, t.task_spec, diff.alignment.get(t)))
        for t in tasks:
            if t.id in removed:
                out.append({"element": _element_of(t), "state": TaskState.get_name(t.state), "kind": "removed", "attributes": []})
            elif changed.get(t.id):
                out.append({"element": _element_of(t), "state": TaskState.get_name(t.state), "kind": "changed",
                            "attributes": changed[t.id]})
    return out


def _spec_changes(runtime: Runtime, old, new) -> list[str]:
    if new is None:
        return []
    a, b = runtime.spec_codec.registry.convert(old), runtime.spec_codec.registry.convert(new)
    return [k for k in set(a) | set(b) if a.get(k) != b.get(k)]


def migrate(runtime: Runtime, wf, spec, subprocess_specs) -> None:
    """Move ``wf`` onto ``spec``: aligned tasks take the new task specs; each ready or waiting
    task is re-predicted from the new model, keeping its data and internal data (a waiting
    timer keeps its due time). The caller has checked :func:`migration_changes` first."""
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
