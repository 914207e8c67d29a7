"""Creating, running and inspecting workflows: :class:`Runtime` and the views of tasks the
engine works with, without the library's types."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime as _std_datetime, timezone
from typing import Any, Callable
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from ..errors import EngineError, LoopDepthError, ScriptSecurityError
from . import pruning
from .sandbox import RestrictedEnvironment
from .serialization import SpecCodec, WorkflowCodec
from .states import MAX_SAFE_DEPTH, all_tasks as _all_tasks

ServiceDispatch = Callable[[Any, str, dict], Any]


class EngineScriptEngine(PythonScriptEngine):
    """Routes service tasks to the engine's operation table (``dispatch(task_view, op, params)``)."""

    def __init__(self, environment: RestrictedEnvironment, dispatch: ServiceDispatch | None):
        super().__init__(environment=environment)
        self.dispatch = dispatch

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        if self.dispatch is None:
            raise RuntimeError(f"no handler table for service task {operation_name}")
        params = {name: p["value"] for name, p in (operation_params or {}).items()}
        result = self.dispatch(TaskView.of(task), operation_name, params)
        return json.dumps(result)


# --------------------------------------------------------------------------- runtime views


@dataclass
class TaskView:
    """What the engine needs to know about one SpiffWorkflow task, without the library's types."""

    uuid: str
    element_id: str
    name: str
    lane: str | None
    type: str
    data: dict
    properties: dict
    state: str

    @classmethod
    def of(cls, task) -> "TaskView":
        ts = task.task_spec
        return cls(
            uuid=str(task.id),
            element_id=getattr(ts, "bpmn_id", None) or ts.name,
            name=getattr(ts, "bpmn_name", None) or ts.name,
            lane=getattr(ts, "lane", None),
            type=type(ts).__name__,
            data=task.data,
            properties=dict((getattr(ts, "extensions", None) or {}).get("properties", {}) or {}),
            state=TaskState.get_name(task.state),
        )


class WorkflowFailure(Exception):
    """A model failed at run time (script error, no gateway path, ...)."""

    def __init__(self, message: str, element_id: str | None = None, cause: Exception | None = None):
        super().__init__(message)
        self.element_id = element_id
        self.cause = cause


def _failing_element(exc: BaseException) -> str | None:
    """The BPMN id of the innermost task the library was working on when ``exc`` was raised."""
    element, tb = None, exc.__traceback__
    while tb is not None:
        task = tb.tb_frame.f_locals.get("my_task")
        spec = getattr(task, "task_spec", None)
        element = getattr(spec, "bpmn_id", None) or element
        tb = tb.tb_next
    return element


def _find(exc: BaseException, wanted):
    """The first exception under the library's wrapping (``exception``, ``error``, cause,
    context) for which ``wanted(e)`` holds; ``None`` if there is none."""
    seen, todo = set(), [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if wanted(e):
            return e
        todo += [getattr(e, "exception", None), getattr(e, "error", None), e.__cause__, e.__context__]
    return None


def _domain_error(exc: BaseException):
    """An :class:`~engine.errors.EngineError` a service-task handler raised (e.g. ``InvalidData``
    with a message for the user), found under the library's wrapping; ``None`` if there is none."""
    return _find(exc, lambda e: isinstance(e, EngineError) and not isinstance(e, ScriptSecurityError))


class Runtime:
    """Creates, runs and inspects workflows. One per engine; thread-safe (holds no per-call state)."""

    def __init__(self, script_globals: dict | None = None, dispatch: ServiceDispatch | None = None):
        self.environment = RestrictedEnvironment(script_globals)
        self.script_engine = EngineScriptEngine(self.environment, dispatch)
        self.codec = WorkflowCodec()
        self.spec_codec = SpecCodec()

    def new(self, spec, subprocess_specs, data: dict | None = None):
        wf = BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine)
        for task in wf.tasks.values():  # only the root and the start task exist yet
            task.data.update(data or {})
        return wf

    def load(self, text, spec, subprocess_specs):
        wf = self.codec.load(text, spec, subprocess_specs)
        wf.script_engine = self.script_engine  # not serialized: set on every load
        return wf

    def dump(self, wf, cache=None) -> str:
        return self.codec.dump(wf, cache)

    @staticmethod
    def _wrap(exc: Exception) -> WorkflowFailure:
        element = None
        task = getattr(exc, "task", None)
        if task is not None:
            element = getattr(task.task_spec, "bpmn_id", None)
        inner = getattr(exc, "error", None) or exc
        sandbox = _find(exc, lambda e: isinstance(e, ScriptSecurityError))  # a refusal or a budget limit
        if sandbox is not None:
            return WorkflowFailure(sandbox.message, element, sandbox)
        return WorkflowFailure(f"{inner}", element, exc)

    def run(self, wf, start: bool = False) -> None:
        """Run engine steps until only human tasks or waiting events are left."""
        current = []

        def track(task):
            current[:] = [task]

        try:
            for _ in range(1000):
                wf.do_engine_steps(will_complete_task=track)
                # a timer that fired in the final refresh leaves engine work READY
                if not any(t.state == TaskState.READY and not t.task_spec.manual for t in _all_tasks(wf)):
                    break
        except (SpiffWorkflowException, ScriptSecurityError) as exc:
            domain = _domain_error(exc)
            if domain is not None:
                raise domain from exc
            raise self._wrap(exc) from exc
        except Exception as exc:
            if _domain_error(exc) is exc:
                raise
            element = _failing_element(exc) or (getattr(current[0].task_spec, "bpmn_id", None) if current else None)
            raise WorkflowFailure(f"{type(exc).__name__}: {exc}", element, exc) from exc

    def find_task(self, wf, task_uuid: str):
        try:
            return wf.get_task_from_id(UUID(task_uuid))
        except Exception:
            return None

    def complete(self, wf, task_uuid: str, data: dict) -> TaskView:
        task = self.find_task(wf, task_uuid)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise LookupError(task_uuid)
        task.data.update(data)
        try:
            task.run()
        except (SpiffWorkflowException, ScriptSecurityError) as exc:
            raise self._wrap(exc) from exc
        except Exception as exc:
            raise WorkflowFailure(f"{type(exc).__name__}: {exc}", _failing_element(exc) or getattr(task.task_spec, "bpmn_id", None), exc) from exc
        return TaskView.of(task)

    def task_data(self, wf, task_uuid: str) -> dict | None:
        """The data a human task sees (inside a called subprocess too), or None if it is gone."""
        task = self.find_task(wf, task_uuid)
        return None if task is None else dict(task.data)

    def can_reset(self, wf, task_uuid: str) -> bool:
        """Whether :meth:`reset_to` would find the task (a finished subprocess may be pruned)."""
        task = self.find_task(wf, task_uuid)
        return task is not None and task.state == TaskState.COMPLETED and task.task_spec.manual

    def reset_to(self, wf, task_uuid: str) -> TaskView:
        """Make a completed human task ready again, dropping what followed it (withdraw).
        The task keeps its data, so its form shows what was submitted."""
        task = self.find_task(wf, task_uuid)
        if task is None or task.state != TaskState.COMPLETED or not task.task_spec.manual:
            raise LookupError(task_uuid)
        wf.reset_from_task_id(task.id, data=dict(task.data))
        return TaskView.of(task)

    def ready_human_tasks(self, wf) -> list[TaskView]:
        # Walk the task maps, not the depth-limited iterators.
        return [TaskView.of(t) for t in _all_tasks(wf) if t.state == TaskState.READY and t.task_spec.manual]

    def waiting_timers(self, wf) -> list[tuple[str, str, _std_datetime]]:
        out = []
        for task in list(wf.event_manager.tasks.values()):
            event = getattr(task.task_spec, "event_definition", None)
            if not isinstance(event, TimerEventDefinition) or task.state != TaskState.WAITING:
                continue
            value = task._get_internal_data("event_value")
            if value is None:
                continue
            if isinstance(event, CycleTimerEventDefinition):
                if not isinstance(value, dict) or value.get("cycles") == 0:
                    continue
                due = _std_datetime.fromisoformat(value["next"])
            elif type(event).__name__ == "TimeDateEventDefinition":
                due = TimerEventDefinition.parse_time_or_duration(value)
            else:
                due = TimerEventDefinition.get_datetime(value)
            due = _std_datetime.fromtimestamp(due.timestamp(), timezone.utc) if due.tzinfo else \
                _std_datetime(*due.timetuple()[:6], due.microsecond, tzinfo=timezone.utc)
            out.append((str(task.id), getattr(task.task_spec, "bpmn_id", task.task_spec.name), due))
        return out

    def fire_timers(self, wf) -> None:
        try:
            wf.refresh_timers()
        except (SpiffWorkflowException, ScriptSecurityError) as exc:
            raise self._wrap(exc) from exc
        self.run(wf)

    def is_completed(self, wf) -> bool:
        return wf.is_completed()

    def check_depth(self, wf) -> None:
        """Refuse to accept a 'completed' workflow that still has unfinished tasks, or a tree
        near the iterator's depth limit.

        SpiffWorkflow's ``is_completed()`` walks the tree (a depth-limited iterator) up to the first
        unfinished task: it is asked only when its answer is not already known. An unfinished task
        of the top tree within :data:`MAX_SAFE_DEPTH` is one that walk reaches, so the workflow is
        not completed unless the library says so with its own flag."""
        unfinished, reachable = [], False
        active = (TaskState.READY, TaskState.WAITING, TaskState.STARTED)
        for workflow in (wf, *wf.subprocesses.values()):
            tasks = workflow.tasks
            for task in tasks.values():
                if task._state not in active:
                    continue
                depth, node = 0, task
                while node._parent is not None and depth <= MAX_SAFE_DEPTH:
                    node = tasks.get(node._parent)
                    if node is None:
                        break
                    depth += 1
                unfinished.append((task, depth))
                reachable = reachable or (workflow is wf and depth <= MAX_SAFE_DEPTH)
        if not unfinished:
            return
        if wf.completed or (not reachable and wf.is_completed()):
            raise LoopDepthError(
                "流程显示已结束，但仍有未完成的任务（任务树过深，SpiffWorkflow 遍历在深度 1000 处停止）",
                elements=[getattr(t.task_spec, "bpmn_id", "") for t, _ in unfinished],
            )
        for task, depth in unfinished:
            if depth > MAX_SAFE_DEPTH:
                raise LoopDepthError(
                    f"任务树深度超过 {MAX_SAFE_DEPTH}（元素 {getattr(task.task_spec, 'bpmn_id', '')}）：流程中的顺序流循环次数过多",
                    elements=[getattr(task.task_spec, "bpmn_id", "")],
                )

    def prune(self, wf, fragments: dict | None = None) -> list[str]:
        """Drop finished subprocesses and merged loop iterations (see :func:`pruning.prune`)."""
        return pruning.prune(wf, fragments)

    def cancel(self, wf) -> None:
        wf.cancel()

    def data(self, wf) -> dict:
        """The data of the most recently completed task anywhere in the instance (a running
        subprocess included), or the workflow data when nothing has completed."""
        latest = None
        for task in _all_tasks(wf):
            if task.state == TaskState.COMPLETED and (latest is None or task.last_state_change >= latest.last_state_change):
                latest = task
        if latest is None:
            latest = wf.last_task
        return dict(latest.data) if latest is not None else dict(wf.data)

    def element_states(self, wf) -> dict[str, str]:
        """element id -> 'completed' | 'active' | 'waiting' (for the progress diagram)."""
        out: dict[str, str] = {el: "completed" for el in wf.task_tree.internal_data.get("peidai_pruned", [])}
        for t in _all_tasks(wf):
            el = getattr(t.task_spec, "bpmn_id", None)
            if not el:
                continue
            if t.state == TaskState.COMPLETED:
                out.setdefault(el, "completed")
            elif t.state == TaskState.READY or t.state == TaskState.STARTED:
                out[el] = "active"
            elif t.state == TaskState.WAITING:
                out[el] = "waiting"
        return out

    def task_states(self, wf) -> dict[str, tuple[str, str]]:
        """task uuid -> (element id, state name): what a migration must preserve."""
        return {
            str(t.id): (getattr(t.task_spec, "bpmn_id", None) or t.task_spec.name, TaskState.get_name(t.state))
            for t in _all_tasks(wf)
            if t.state & (TaskState.COMPLETED | TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR)
        }

