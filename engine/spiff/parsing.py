"""The parser (``SpiffBpmnParser`` with XSD validation), the element inventory validation works
from, and ISO 8601 time expressions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime as _std_datetime
from typing import Any

import re

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from ..errors import ScriptSecurityError
from .checker import compile_model_code

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

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
    # process id -> {name: value} from the process's spiffworkflow:properties (startRoles, startForm, ...)
    process_properties: dict[str, dict[str, str]] = field(default_factory=dict)


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


def _process_properties(tree) -> dict[str, dict[str, str]]:
    """process id -> {name: value} of ``bpmn:process/bpmn:extensionElements/
    spiffworkflow:properties/spiffworkflow:property`` (the process's own, not its elements')."""
    out: dict[str, dict[str, str]] = {}
    path = f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"
    for process in tree.iter(f"{{{BPMN_NS}}}process"):
        props = {p.get("name"): p.get("value") or "" for p in process.findall(path) if p.get("name")}
        if process.get("id"):
            out[process.get("id")] = props
    return out


_DMN_INPUT = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')  # the library's "?" outside quotes


def _dmn_cell(text: str) -> str:
    """The expression SpiffWorkflow's DMN engine evaluates for an input entry (``"> 55"``,
    ``"? in ('a', 'b')"``, ``"'a'"``), with ``dmninputexpr`` standing for the input."""
    text = _DMN_INPUT.sub("dmninputexpr", text)
    if "dmninputexpr" in text:
        return text
    try:
        compile(text, "<dmn>", "eval", dont_inherit=True, flags=0x400)  # PyCF_ONLY_AST: parse only
        return f"(dmninputexpr) == ({text})"
    except SyntaxError:
        return f"dmninputexpr {text}"


def _dmn_problems(parser) -> list[Problem]:
    """Every DMN cell goes through the same checker as scripts (nothing is run)."""
    problems: list[Problem] = []
    for dmn in parser.dmn_parsers.values():
        try:
            dmn.parse()
            tables = dmn.decision.decisionTables
        except Exception as exc:
            problems.append(Problem(dmn.filename or "*", None, f"无法解析决策表：{exc}"))
            continue
        for table in tables:
            cells = [(i.id, i.expression) for i in table.inputs]
            for rule in table.rules:
                cells += [(e.id, _dmn_cell(lhs)) for e in rule.inputEntries for lhs in e.lhs if lhs]
                cells += [(e.id, e.text) for e in rule.outputEntries if e.text]
            for element, source in cells:
                try:
                    compile_model_code(source, "eval")
                except ScriptSecurityError as exc:
                    problems.append(Problem(dmn.filename or "*", element, f"决策表单元格：{exc.message}"))
    return problems


def parse_files(files: dict[str, str]) -> ParsedModels:
    """Parse BPMN and DMN files (XSD-validated). Never raises for model errors: they are returned."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    problems: list[Problem] = []
    lanes: list[tuple[str, str, str]] = []
    process_properties: dict[str, dict[str, str]] = {}
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
                process_properties.update(_process_properties(tree))
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
        return ParsedModels(specs, elements, names, lanes, problems, process_properties)
    try:
        process_ids = parser.get_process_ids()
    except Exception as exc:
        return ParsedModels(specs, elements, names, lanes, [Problem("*", None, f"无法读取流程：{exc}")],
                            process_properties)
    problems += _dmn_problems(parser)
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
    return ParsedModels(specs, elements, names, lanes, problems, process_properties)


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
