"""Task states the other modules of the package share, and a walk over every task."""
from __future__ import annotations

from typing import Iterator

from SpiffWorkflow.util.task import TaskState

FINISHED = TaskState.COMPLETED | TaskState.CANCELLED
LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
MAX_SAFE_DEPTH = 900  # SpiffWorkflow's iterators stop at 1000


def all_tasks(workflow) -> Iterator:
    """Every task of the workflow and its subprocesses (the task maps, not the depth-limited iterators)."""
    yield from workflow.tasks.values()
    for sp in workflow.subprocesses.values():
        yield from sp.tasks.values()
