"""The one module that imports SpiffWorkflow.

Everything the engine needs from the library is built here, so an upgrade touches one file:

* :func:`parse_files` — the parser (``SpiffBpmnParser`` with XSD validation) and the element
  inventory validation works from;
* :class:`SpecCodec` / :class:`WorkflowCodec` — a serializer registry built from a *copy* of the
  library's config; workflow state is stored without its spec (the spec is stored once per
  model version) and finished tasks' JSON fragments are reused between saves;
* :class:`RestrictedEnvironment` — the script environment: no imports, no dunder access, a short
  list of builtins, compiled code cached;
* :func:`use_clock` — the clock seam. SpiffWorkflow 3.2.0's timer module calls
  ``datetime.now(timezone.utc)`` directly; we rebind that module's ``datetime`` name to a
  subclass whose ``now`` reads the engine clock of the current context (falling back to the
  system time), which is the only library global we touch.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import contextvars
import json
from dataclasses import dataclass, field
from datetime import datetime as _std_datetime, timezone
from typing import Any, Callable, Iterator
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module
from SpiffWorkflow.bpmn.util.diff import diff_workflow
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import StandardLoopTask
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .errors import ScriptSecurityError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FINISHED = TaskState.COMPLETED | TaskState.CANCELLED
LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
MAX_SAFE_DEPTH = 900  # SpiffWorkflow's iterators stop at 1000


# --------------------------------------------------------------------------- clock seam

_clock: contextvars.ContextVar[Callable[[], _std_datetime] | None] = contextvars.ContextVar(
    "peidai_clock", default=None
)


class _ClockedDatetime(_std_datetime):
    """``datetime`` whose ``now`` asks the engine clock bound to the current context."""

    @classmethod
    def now(cls, tz=None):
        source = _clock.get()
        if source is None:
            return super().now(tz)
        value = source()
        return value.astimezone(tz) if tz is not None else value.astimezone(timezone.utc).replace(tzinfo=None)


_timer_module.datetime = _ClockedDatetime


@contextlib.contextmanager
def use_clock(now: Callable[[], _std_datetime]):
    token = _clock.set(now)
    try:
        yield
    finally:
        _clock.reset(token)


# --------------------------------------------------------------------------- scripts

SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs all any bool dict divmod enumerate filter float format frozenset int isinstance "
        "len list map max min next range repr reversed round set slice sorted str sum tuple zip "
        "Exception ValueError KeyError TypeError"
    ).split()
}

FORBIDDEN_NAMES = frozenset(
    "eval exec compile open input globals locals vars getattr setattr delattr breakpoint "
    "__import__ help memoryview type object super classmethod staticmethod property".split()
)


class _ScriptChecker(ast.NodeVisitor):
    def __init__(self, source: str):
        self.source = source

    def fail(self, what: str):
        raise ScriptSecurityError(f"脚本或表达式中不允许使用{what}：{self.source.strip()[:80]}", source=self.source)

    def visit_Import(self, node):
        self.fail(" import")

    visit_ImportFrom = visit_Import

    def visit_Attribute(self, node):
        if node.attr.startswith("_"):
            self.fail(f"下划线属性 {node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id.startswith("__") or node.id in FORBIDDEN_NAMES:
            self.fail(f" {node.id}")

    def visit_Global(self, node):
        self.fail(" global")

    visit_Nonlocal = visit_Global

    def visit_Constant(self, node):
        if isinstance(node.value, str) and node.value.startswith("__") and node.value.endswith("__"):
            self.fail(f"特殊名称 {node.value}")


def check_script(source: str, mode: str = "exec"):
    """Parse and vet a script or expression; return the compiled code."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptSecurityError(f"脚本语法错误（第 {exc.lineno} 行）：{exc.msg}", source=source) from exc
    _ScriptChecker(source).visit(tree)
    return compile(tree, "<string>", mode)


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment with a vetted, cached compile step and a short builtins list."""

    def __init__(self, environment_globals=None):
        super().__init__(dict(environment_globals or {}))
        self._code: dict[tuple[str, str], Any] = {}

    def _compiled(self, source: str, mode: str):
        key = (source, mode)
        code = self._code.get(key)
        if code is None:
            code = check_script(source, mode)
            if len(self._code) > 4096:
                self._code.clear()
            self._code[key] = code
        return code

    def evaluate(self, expression, context, external_context=None):
        code = self._compiled(expression, "eval")
        scope = {"__builtins__": SAFE_BUILTINS}
        scope.update(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        code = self._compiled(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        context["__builtins__"] = SAFE_BUILTINS
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


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


# --------------------------------------------------------------------------- parsing


@dataclass
class Problem:
    file: str
    element: str | None
    message: str
    severity: str = "error"  # error | warning

    def __str__(self):
        where = f"{self.file}" + (f" #{self.element}" if self.element else "")
        return f"{where}: {self.message}"

    def as_dict(self):
        return {"file": self.file, "element": self.element, "message": self.message, "severity": self.severity}


@dataclass
class ParsedModels:
    """What the parser found in one set of files."""

    specs: dict[str, dict]                 # process key -> {"spec": obj, "subprocess_specs": {...}}
    elements: dict[str, dict]              # process key -> {element id -> info}
    names: dict[str, str]                  # process key -> display name
    lanes: list[tuple[str, str, str]]      # (file, lane id, lane name)
    problems: list[Problem] = field(default_factory=list)


def _element_info(ts) -> dict:
    info: dict[str, Any] = {
        "id": getattr(ts, "bpmn_id", None) or ts.name,
        "name": getattr(ts, "bpmn_name", None) or "",
        "type": type(ts).__name__,
        "lane": getattr(ts, "lane", None),
        "manual": bool(getattr(ts, "manual", False)),
        "properties": dict((getattr(ts, "extensions", None) or {}).get("properties", {}) or {}),
    }
    event = getattr(ts, "event_definition", None)
    if isinstance(event, TimerEventDefinition):
        info["timer"] = {"expression": event.expression, "kind": type(event).__name__}
    if hasattr(ts, "operation_name"):
        info["operation"] = ts.operation_name
        info["operation_params"] = {k: v.get("value") for k, v in (ts.operation_params or {}).items()}
    script = getattr(ts, "script", None)
    if script:
        info["script"] = script
    conditions = []
    for cond in getattr(ts, "cond_task_specs", None) or []:
        condition = cond[0] if isinstance(cond, (tuple, list)) else None
        args = getattr(condition, "args", None)
        if args and isinstance(args[0], str):
            conditions.append(args[0])
    if conditions:
        info["conditions"] = conditions
    info["outputs"] = [o.name for o in getattr(ts, "outputs", [])]
    return info


def _find_cycles(task_specs: dict) -> list[list[str]]:
    """Element ids on sequence-flow cycles (each cycle reported once, by its entry)."""
    graph = {name: [o.name for o in ts.outputs] for name, ts in task_specs.items()}
    color: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(start):
        stack = [(start, iter(graph.get(start, ())))]
        path = [start]
        color[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if color.get(child, 0) == 0:
                    color[child] = 1
                    stack.append((child, iter(graph.get(child, ()))))
                    path.append(child)
                    break
                if color.get(child) == 1:
                    cycles.append(path[path.index(child):])
            else:
                color[node] = 2
                stack.pop()
                path.pop()

    for name in graph:
        if color.get(name, 0) == 0:
            visit(name)
    return cycles


def parse_files(files: dict[str, str]) -> ParsedModels:
    """Parse BPMN and DMN files (XSD-validated). Never raises for model errors: they are returned."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    problems: list[Problem] = []
    lanes: list[tuple[str, str, str]] = []
    for name, text in sorted(files.items()):
        if not name.endswith((".bpmn", ".dmn")):
            continue
        try:
            tree = etree.fromstring(text.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            problems.append(Problem(name, None, f"XML 格式错误：{exc}"))
            continue
        try:
            if name.endswith(".bpmn"):
                parser.add_bpmn_xml(tree, filename=name)
                for lane in tree.iter(f"{{{BPMN_NS}}}lane"):
                    lanes.append((name, lane.get("id"), (lane.get("name") or "").strip()))
            else:
                parser.add_dmn_xml(tree, filename=name)
        except ValidationException as exc:
            problems.append(Problem(name, getattr(exc, "id", None), f"不符合 BPMN/DMN 规范：{exc}"))
        except Exception as exc:  # the library raises plain exceptions for some malformed input
            problems.append(Problem(name, None, f"无法解析：{exc}"))
    specs: dict[str, dict] = {}
    elements: dict[str, dict] = {}
    names: dict[str, str] = {}
    if problems:
        return ParsedModels(specs, elements, names, lanes, problems)
    try:
        process_ids = parser.get_process_ids()
    except Exception as exc:
        return ParsedModels(specs, elements, names, lanes, [Problem("*", None, f"无法读取流程：{exc}")])
    for key in process_ids:
        try:
            spec = parser.get_spec(key)
            subprocess_specs = parser.get_subprocess_specs(key)
        except ValidationException as exc:
            problems.append(Problem(getattr(exc, "file_name", "") or "*", getattr(exc, "id", None), str(exc)))
            continue
        except Exception as exc:
            problems.append(Problem("*", key, f"无法构建流程 {key}：{exc}"))
            continue
        specs[key] = {"spec": spec, "subprocess_specs": subprocess_specs}
        names[key] = spec.description or key
        info = {}
        for ts in list(spec.task_specs.values()) + [t for s in subprocess_specs.values() for t in s.task_specs.values()]:
            if getattr(ts, "bpmn_id", None) is None:
                continue
            item = _element_info(ts)
            item["file"] = getattr(spec, "file", None)
            info[item["id"]] = item
        cycle_sets = _find_cycles(spec.task_specs)
        for sp in subprocess_specs.values():
            cycle_sets += _find_cycles(sp.task_specs)
        for cycle in cycle_sets:
            visible = [c for c in cycle if c in info]
            problems.append(Problem(
                getattr(spec, "file", "") or "*", visible[0] if visible else None,
                "顺序流构成循环（" + " → ".join(visible) + "）：SpiffWorkflow 在任务树深度 1000 处停止遍历，"
                "请改用标准循环、多实例或独立实例", severity="warning"))
        elements[key] = info
    return ParsedModels(specs, elements, names, lanes, problems)


def parse_duration_or_date(value: str) -> None:
    """Raise ValueError unless ``value`` is an ISO 8601 duration, date-time or recurring interval."""
    try:
        text = str(value)
        if text.upper().startswith("R"):
            TimerEventDefinition.parse_iso_recurring_interval(text)
        else:
            TimerEventDefinition.parse_time_or_duration(text)
    except Exception as exc:
        raise ValueError(f"不是有效的 ISO 8601 时间表达式：{value!r}") from exc


def iso_duration_from(start: _std_datetime, expression: str) -> _std_datetime:
    """``start`` plus an ISO 8601 duration (months and years counted on the calendar)."""
    parsed = TimerEventDefinition.parse_iso_duration(expression)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


# --------------------------------------------------------------------------- serialization


class _InstanceConverter(BpmnWorkflowConverter):
    """Workflow converter that leaves the specs out: they are stored once per model version."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_registry():
    config = dict(SPIFF_CONFIG)  # a copy: the library's table stays as it was
    config[BpmnWorkflow] = _InstanceConverter
    return BpmnWorkflowSerializer.configure(config)


class SpecCodec:
    def __init__(self):
        self.registry = _build_registry()

    def dumps(self, parsed: ParsedModels) -> str:
        out = {}
        for key, item in parsed.specs.items():
            out[key] = {
                "spec": self.registry.convert(item["spec"]),
                "subprocess_specs": {k: self.registry.convert(v) for k, v in item["subprocess_specs"].items()},
            }
        return json.dumps(out, ensure_ascii=False)

    def loads(self, text: str) -> dict[str, dict]:
        raw = json.loads(text)
        return {
            key: {
                "spec": self.registry.restore(item["spec"]),
                "subprocess_specs": {k: self.registry.restore(v) for k, v in item["subprocess_specs"].items()},
            }
            for key, item in raw.items()
        }


_TASKS_MARK = "\u0000tasks:"


class WorkflowCodec:
    """Workflow state <-> text, without the spec.

    ``dump`` accepts a fragment cache (``dict``) that it fills with the JSON of finished tasks,
    which never change again; the next dump of the same workflow reuses them, so the cost of a
    save grows with the live part of the tree rather than with the instance's history.
    """

    SERIALIZER_VERSION = "1.5"

    def __init__(self):
        self.registry = _build_registry()
        self.encoder = create_encoder(self.registry)
        self._json = self.encoder(ensure_ascii=False)
        self._task_converter = self.registry.convert_to_dict

    def _task_json(self, task, cache: dict | None, parents: dict) -> str:
        """One task's ``"id":{...}`` member, reused while nothing it is made of has changed.

        The library stores a task's data as a delta against its parent's. A finished task under
        a parent that is still running (the iterations of a loop, the instances of a
        multi-instance task, whose parent merges their data into its own) is stored with its
        full data instead, so that it does not have to be written again each time the parent's
        data change; the library reads both forms.

        Live tasks (READY, WAITING, STARTED, ERROR) may change data without changing state, so
        they are always converted again. Every other task is keyed by its state, last state
        change and number of children, and (when stored as a delta) by its parent's state and
        last state change, plus a fingerprint of the parent's data when the parent is not
        finished, computed once per dump (``parents``).
        """
        parent = task.parent
        full = parent is not None and bool(task.state & FINISHED) and not parent.state & FINISHED
        if cache is None or task.state & LIVE:
            return f'"{task.id}":' + self._json.encode(self._task_dict(task, full))
        if parent is None or full:
            key = (task.state, task.last_state_change, len(task._children), full)
        else:
            fingerprint = None
            if not parent.state & FINISHED and parent.data:
                fingerprint = parents.get(parent.id)
                if fingerprint is None:
                    fingerprint = parents[parent.id] = self._json.encode(self.registry.convert(parent.data))
            key = (task.state, task.last_state_change, len(task._children), parent.state, parent.last_state_change, fingerprint)
        hit = cache.get(task.id)
        if hit is not None and hit[0] == key:
            return hit[1]
        text = f'"{task.id}":' + self._json.encode(self._task_dict(task, full))
        cache[task.id] = (key, text)
        return text

    def _task_dict(self, task, full: bool) -> dict:
        dct = self.registry.convert(task)
        if full:
            dct["data"], dct["delta"] = self.registry.convert(self.registry.clean(task.data)), {}
        return dct

    def _tasks_json(self, tasks: dict, cache) -> str:
        parents: dict = {}
        return "{" + ",".join([self._task_json(t, cache, parents) for t in tasks.values()]) + "}"

    def dump(self, workflow, cache: dict | None = None) -> str:
        self.registry._encoder_mode = True
        try:
            top = self._workflow_dict(workflow)
            pieces = {"top": self._tasks_json(workflow.tasks, cache)}
            top["tasks"] = _TASKS_MARK + "top"
            for sp_id, sp in top["subprocesses"].items():
                pieces[sp_id] = self._tasks_json(workflow.subprocesses[UUID(sp_id)].tasks, cache)
                sp["tasks"] = _TASKS_MARK + sp_id
            top["serializer_version"] = self.SERIALIZER_VERSION
            text = self._json.encode(top)
        finally:
            self.registry._encoder_mode = False
        for name, piece in pieces.items():
            text = text.replace(json.dumps(_TASKS_MARK + name), piece, 1)
        return text

    def _workflow_dict(self, workflow) -> dict:
        """The top-level dict with each workflow's task map left empty (filled in as text)."""
        tasks, workflow.tasks = workflow.tasks, {}
        saved = {}
        try:
            for sp_id, sp in workflow.subprocesses.items():
                saved[sp_id], sp.tasks = sp.tasks, {}
            dct = self.registry.convert(workflow)
        finally:
            workflow.tasks = tasks
            for sp_id, sp_tasks in saved.items():
                workflow.subprocesses[sp_id].tasks = sp_tasks
        dct.pop("typename", None)
        return dct

    def load(self, text: str, spec, subprocess_specs):
        dct = json.loads(text)
        dct.pop("serializer_version", None)
        dct["typename"] = "BpmnWorkflow"
        return self.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)


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


def _domain_error(exc: BaseException):
    """An :class:`~engine.errors.EngineError` a service-task handler raised (e.g. ``InvalidData``
    with a message for the user), found under the library's wrapping; ``None`` if there is none."""
    from .errors import EngineError, ScriptSecurityError as _Sandbox

    seen, todo = set(), [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, EngineError) and not isinstance(e, _Sandbox):
            return e
        todo += [getattr(e, "exception", None), getattr(e, "error", None), e.__cause__, e.__context__]
    return None


def _all_tasks(workflow) -> Iterator:
    yield from workflow.tasks.values()
    for sp in workflow.subprocesses.values():
        yield from sp.tasks.values()


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
        if isinstance(getattr(exc, "exception", None), ScriptSecurityError):
            return WorkflowFailure(exc.exception.message, element, exc.exception)
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
        except SpiffWorkflowException as exc:
            raise self._wrap(exc) from exc
        self.run(wf)

    def is_completed(self, wf) -> bool:
        return wf.is_completed()

    def check_depth(self, wf) -> None:
        """Refuse to accept a 'completed' workflow that still has unfinished tasks, or a tree
        near the iterator's depth limit."""
        from .errors import LoopDepthError

        unfinished = [t for t in _all_tasks(wf) if t.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED)]
        if wf.is_completed() and unfinished:
            raise LoopDepthError(
                "流程显示已结束，但仍有未完成的任务（任务树过深，SpiffWorkflow 遍历在深度 1000 处停止）",
                elements=[getattr(t.task_spec, "bpmn_id", "") for t in unfinished],
            )
        for task in unfinished:
            depth, node = 0, task
            while node.parent is not None and depth <= MAX_SAFE_DEPTH:
                node, depth = node.parent, depth + 1
            if depth > MAX_SAFE_DEPTH:
                raise LoopDepthError(
                    f"任务树深度超过 {MAX_SAFE_DEPTH}（元素 {getattr(task.task_spec, 'bpmn_id', '')}）：流程中的顺序流循环次数过多",
                    elements=[getattr(task.task_spec, "bpmn_id", "")],
                )

    def prune(self, wf, fragments: dict | None = None) -> list[str]:
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
        pruned.extend(self._prune_loop_iterations(wf, fragments))
        if pruned:
            history = wf.task_tree.internal_data.setdefault("peidai_pruned", [])
            history.extend(e for e in dict.fromkeys(pruned) if e not in history)
            if fragments is not None:
                fragments.pop(wf.task_tree.id, None)  # its internal data changed without a state change
        return pruned

    @staticmethod
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


# --------------------------------------------------------------------------- migration (engine/migration.py)

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
