"""Dropping the parts of a workflow that nothing reads again (finished subprocesses, merged loop
iterations), so an instance's tree does not grow with its history."""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import StandardLoopTask
from SpiffWorkflow.util.task import TaskState

from .states import FINISHED


def prune(wf, fragments: dict | None = None) -> list[str]:
    """Drop finished subprocess workflows whose calling task has finished too.

    SpiffWorkflow keeps every subprocess it ever ran, and its task iterators walk them on
    every step, so a loop of subprocesses makes each step slower than the last. Once a
    subprocess has completed and merged its data into the calling task nothing reads it
    again. Returns the element ids that were pruned (the progress diagram keeps them).
    """
    pruned: list[str] = []
    # A cancelled branch (cancel, terminate end event, interrupting boundary event) drops its
    # tasks from the tree but leaves their subprocesses behind, still holding READY tasks:
    # nothing can reach them any more, and the library's own lookups fail on them.
    known = set(wf.tasks).union(*(sp.tasks for sp in wf.subprocesses.values()))
    for task_id in [t for t in wf.subprocesses if t not in known]:
        del wf.subprocesses[task_id]
    for task_id, sp in list(wf.subprocesses.items()):
        if task_id not in wf.subprocesses or not sp.completed:
            continue
        caller = wf.get_task_from_id(task_id)
        if caller is None or not caller.state & FINISHED:
            continue
        for task in wf.delete_subprocess(caller):
            el = getattr(task.task_spec, "bpmn_id", None)
            if el and task.state == TaskState.COMPLETED:
                pruned.append(el)
    pruned.extend(_prune_loop_iterations(wf, fragments))
    if pruned:
        history = wf.task_tree.internal_data.setdefault("peidai_pruned", [])
        history.extend(e for e in dict.fromkeys(pruned) if e not in history)
        if fragments is not None:
            fragments.pop(wf.task_tree.id, None)  # its internal data changed without a state change
    return pruned


def _prune_loop_iterations(wf, fragments: dict | None) -> list[str]:
    """Drop the finished iterations of standard loops that the loop has merged already,
    keeping the latest: the loop counts iterations in its own ``merged`` list, and nothing
    else reads an old iteration again. Without this the main tree, and every walk of it,
    grows by one task a loop."""
    pruned: list[str] = []
    for loop in list(wf.tasks.values()):
        if not isinstance(loop.task_spec, StandardLoopTask):
            continue
        merged = loop.internal_data.get("merged") or []
        if len(merged) < 2:
            continue
        old = set(merged[:-1])
        for child_id in list(loop._children):
            child = wf.tasks.get(child_id)
            if (child is None or str(child_id) not in old or not child.state & FINISHED or child._children
                    or child_id in wf.subprocesses or child is wf.last_task):
                continue
            loop._children.remove(child_id)
            del wf.tasks[child_id]
            if fragments is not None:
                fragments.pop(child_id, None)
            el = getattr(child.task_spec, "bpmn_id", None)
            if el:
                pruned.append(el)
    return pruned
