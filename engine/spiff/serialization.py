"""Serializer registry built from a *copy* of the library's config. Workflow state is stored
without its spec (the spec is stored once per model version) and finished tasks' JSON fragments
are reused between saves."""
from __future__ import annotations

import json
from functools import partial
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .parsing import ParsedModels
from .states import FINISHED, LIVE

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
        # the registry's Task converter is the library's own: _task_dict may build its dict directly
        to_dict = self.registry.convert_to_dict.get("Task")
        bound = to_dict.args[1] if isinstance(to_dict, partial) and len(to_dict.args) == 2 else None
        self._plain_tasks = getattr(bound, "__func__", None) is TaskConverter.to_dict

    def _task_json(self, task, parent, cache: dict | None, parents: dict) -> str:
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

        This runs for every task at every save: it reads the task's attributes directly
        (``_state``, ``_children``; ``parent`` is looked up by the caller in the task map)
        instead of through the library's properties.
        """
        state = task._state
        full = parent is not None and bool(state & FINISHED) and not parent._state & FINISHED
        if cache is None or state & LIVE:
            return f'"{task.id}":' + self._json.encode(self._task_dict(task, parent, full))
        if parent is None or full:
            key = (state, task.last_state_change, len(task._children), full)
        else:
            fingerprint = None
            if not parent._state & FINISHED and parent.data:
                fingerprint = parents.get(parent.id)
                if fingerprint is None:
                    fingerprint = parents[parent.id] = self._json.encode(self.registry.convert(parent.data))
            key = (state, task.last_state_change, len(task._children), parent._state, parent.last_state_change,
                   fingerprint)
        hit = cache.get(task.id)
        if hit is not None and hit[0] == key:
            return hit[1]
        text = f'"{task.id}":' + self._json.encode(self._task_dict(task, parent, full))
        cache[task.id] = (key, text)
        return text

    def _task_dict(self, task, parent, full: bool) -> dict:
        """What the library's ``TaskConverter.to_dict`` gives (encoder mode: values are left to
        the encoder), built in one step instead of through the registry's layers: about half the
        cost of each task converted at a save. ``parent`` is ``task.parent``, looked up by the
        caller. Another Task converter in the registry is used as it is."""
        if not self._plain_tasks:
            dct = self.registry.convert(task)
            if full:
                dct["data"], dct["delta"] = self.registry.convert(self.registry.clean(task.data)), {}
            return dct
        data = task.data
        if full:
            data, delta = self.registry.clean(data), {}
        elif parent is None:
            delta = {}
        else:
            before = parent.data
            delta = {"updates": {k: v for k, v in data.items() if k not in before or v != before[k]},
                     "deletions": [k for k in before if k not in data]}
            data = {}
        return {"id": str(task.id), "parent": str(task._parent) if parent is not None else None,
                "children": [str(child) for child in task._children], "last_state_change": task.last_state_change,
                "state": task._state, "task_spec": task.task_spec.name, "triggered": task.triggered,
                "internal_data": self.registry.clean(task.internal_data), "data": data, "delta": delta,
                "typename": "Task"}

    def _tasks_json(self, tasks: dict, cache) -> str:
        parents: dict = {}
        get = tasks.get
        return "{" + ",".join([self._task_json(t, get(t._parent) if t._parent is not None else None, cache, parents)
                               for t in tasks.values()]) + "}"

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

