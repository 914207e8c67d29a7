"""BPMN: every flow element, flow, lane and process with its properties, scripts and timers."""
from __future__ import annotations

import ast
from typing import Any

from lxml import etree

from .common import ATTRIBUTE_LABELS, BPMN_TYPES, FLOW_CONTAINERS, PROPERTY_LABELS, SKIPPED_CONTENT, TIMER_LABELS, _change, _detail, _local


def literal_assignments(source: str) -> dict[str, Any] | None:
    """``{"name.key": value}`` when the script only assigns literals (dicts flattened one level per
    key), else None."""
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return None
    out: dict[str, Any] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            return None
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, SyntaxError, TypeError):
            return None
        name = node.targets[0].id
        if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
            for k, v in value.items():
                out[f"{name}.{k}"] = v
        else:
            out[name] = value
    return out if out else None


def _script_details(label: str, before: str | None, after: str | None) -> list[dict]:
    a, b = literal_assignments(before or ""), literal_assignments(after or "")
    if a is not None and b is not None:
        details = [_detail(f"{label}：{k}", a.get(k), b.get(k)) for k in dict.fromkeys(list(a) + list(b)) if a.get(k) != b.get(k)]
        if details:
            return details
    return [_detail(label, before, after)]


# --------------------------------------------------------------------------- BPMN

def _text(el) -> str:
    return (el.text or "").strip()


def _flatten(el, lane: str | None) -> dict[str, str]:
    """The readable properties of one element: its attributes and everything below it that is not
    an element of its own."""
    props: dict[str, str] = {}
    if lane:
        props["泳道"] = lane
    for attr, value in el.attrib.items():
        name = _local(attr) if attr.startswith("{") else attr
        if name in ("id", "name") or name.startswith("type"):
            continue
        props[ATTRIBUTE_LABELS.get(name, name)] = value
    for child in el:
        tag = _local(child.tag)
        if not tag or tag in SKIPPED_CONTENT or (tag in BPMN_TYPES and child.get("id") and tag != "message"):
            continue
        if tag in FLOW_CONTAINERS or tag == "laneSet":
            continue
        _content(child, tag, props)
    return props


def _content(child, tag: str, props: dict) -> None:
    if tag == "documentation":
        props["说明"] = _text(child)
    elif tag == "conditionExpression":
        props["条件"] = _text(child)
    elif tag == "script":
        props["脚本"] = child.text or ""
    elif tag == "timerEventDefinition":
        for t in child:
            props[TIMER_LABELS.get(_local(t.tag), "定时器")] = _text(t)
        if not len(child):
            props["定时器"] = "（未设置）"
    elif tag == "multiInstanceLoopCharacteristics":
        props["多实例：依次办理"] = child.get("isSequential", "false")
        for c in child:
            ctag = _local(c.tag)
            label = {"loopCardinality": "份数", "loopDataInputRef": "输入集合", "loopDataOutputRef": "输出集合",
                     "inputDataItem": "每份的变量", "outputDataItem": "每份的结果变量",
                     "completionCondition": "完成条件"}.get(ctag, ctag)
            props[f"多实例：{label}"] = _text(c) or c.get("name") or c.get("id") or ""
    elif tag == "standardLoopCharacteristics":
        props["循环：先判断后执行"] = child.get("testBefore", "false")
        if child.get("loopMaximum"):
            props["循环：最多次数"] = child.get("loopMaximum")
        for c in child:
            if _local(c.tag) == "loopCondition":
                props["循环：条件"] = _text(c)
    elif tag.endswith("EventDefinition"):
        kind = tag[:-len("EventDefinition")]
        ref = next((v for k, v in child.attrib.items() if k.endswith("Ref")), "")
        props[{"message": "消息", "error": "错误", "signal": "信号", "escalation": "升级", "terminate": "终止",
               "conditional": "条件事件", "cancel": "取消", "compensate": "补偿"}.get(kind, kind)] = \
            ref or "".join(_text(c) for c in child) or "是"
    elif tag == "extensionElements":
        for ext in child:
            _extension(ext, props)
    else:
        _generic(child, tag, props)


def _extension(ext, props: dict) -> None:
    tag = _local(ext.tag)
    if tag == "properties":
        for p in ext:
            if _local(p.tag) == "property":
                name = p.get("name", "")
                props[f"属性：{PROPERTY_LABELS.get(name, name)}"] = p.get("value", _text(p))
    elif tag == "serviceTaskOperator":
        props["服务操作"] = ext.get("id", "")
        if ext.get("resultVariable"):
            props["服务操作：结果变量"] = ext.get("resultVariable")
        for params in ext:
            for p in params:
                props[f"服务操作参数：{p.get('id') or p.get('name')}"] = p.get("value", "")
    elif tag in ("preScript", "postScript"):
        props["前置脚本" if tag == "preScript" else "后置脚本"] = ext.text or ""
    elif tag == "calledDecisionId":
        props["决策表"] = _text(ext)
    elif tag == "instructionsForEndUser":
        props["办理说明"] = ext.text or ""
    else:
        _generic(ext, tag, props)


def _generic(el, path: str, props: dict) -> None:
    attrs = {(_local(k) if k.startswith("{") else k): v for k, v in el.attrib.items() if k != "id"}
    if attrs or _text(el):
        value = _text(el)
        if attrs:
            value = (value + " " if value else "") + " ".join(f"{k}={v}" for k, v in sorted(attrs.items()))
        props[path] = value
    for c in el:
        _generic(c, f"{path}/{_local(c.tag)}", props)


def bpmn_elements(text: str) -> tuple[dict[tuple[str, str], dict], dict[str, str]]:
    """``{(process id, element id): {"type", "name", "props"}}`` and the layout fingerprints
    (element id -> shape bounds or edge waypoints)."""
    root = etree.fromstring(text.encode("utf-8"))
    out: dict[tuple[str, str], dict] = {}
    for top in root:
        kind = _local(top.tag)
        if kind not in ("process", "collaboration"):
            if top.get("id") and kind in ("message", "error", "signal", "escalation"):
                out[("*", top.get("id"))] = {"type": kind, "name": top.get("name", ""), "props": _flatten(top, None),
                                            "process_name": ""}
            continue
        pid, pname = top.get("id", ""), top.get("name", "")
        lane_of = {}
        for lane in top.iter("{*}lane"):
            for ref in lane.findall("{*}flowNodeRef"):
                lane_of[_text(ref)] = lane.get("name") or lane.get("id")
        out[(pid, pid)] = {"type": kind, "name": pname, "props": _flatten(top, None), "process_name": pname}

        def visit(container):
            for child in container:
                tag = _local(child.tag)
                if tag == "laneSet":
                    for lane in child.iter("{*}lane"):
                        out[(pid, lane.get("id"))] = {"type": "lane", "name": lane.get("name", ""),
                                                      "props": _flatten(lane, None), "process_name": pname}
                    continue
                if not child.get("id") or tag in ("extensionElements", "documentation"):
                    continue
                out[(pid, child.get("id"))] = {"type": tag, "name": child.get("name", ""),
                                               "props": _flatten(child, lane_of.get(child.get("id"))), "process_name": pname}
                if tag in FLOW_CONTAINERS:
                    visit(child)
        visit(top)
    layout = {}
    for shape in root.iter("{*}BPMNShape"):
        bounds = shape.find("{*}Bounds")
        layout[shape.get("bpmnElement")] = "" if bounds is None else \
            ",".join(bounds.get(k, "") for k in ("x", "y", "width", "height")) + shape.get("isExpanded", "")
    for edge in root.iter("{*}BPMNEdge"):
        layout[edge.get("bpmnElement")] = ";".join(f"{w.get('x')},{w.get('y')}" for w in edge.findall("{*}waypoint"))
    return out, layout


def _element_subject(info: dict, element_id: str, names: dict[str, str]) -> str:
    name = info.get("name") or ""
    if info["type"] == "sequenceFlow":
        src, dst = info["props"].get("起点", ""), info["props"].get("终点", "")
        route = f"{names.get(src) or src} → {names.get(dst) or dst}"
        return f"{name}（{element_id}：{route}）" if name else f"{element_id}（{route}）"
    return f"{name}（{element_id}）" if name else element_id


def _compare_bpmn(file: str, old: str | None, new: str | None, changes: list[dict]) -> None:
    a, la = bpmn_elements(old) if old else ({}, {})
    b, lb = bpmn_elements(new) if new else ({}, {})
    names = {eid: i["name"] for (_, eid), i in list(a.items()) + list(b.items()) if i["name"]}
    for key in list(dict.fromkeys(list(b) + list(a))):
        pid, eid = key
        before, after = a.get(key), b.get(key)
        info = after or before
        container = f"{info['process_name']}（{pid}）" if info["process_name"] else pid
        type_label = BPMN_TYPES.get(info["type"], info["type"])
        subject = _element_subject(info, eid, names)
        if before is None or after is None:
            details = [_detail(k, v, None) if after is None else _detail(k, None, v)
                       for k, v in info["props"].items() if k not in ("起点", "终点")]
            changes.append(_change("bpmn", "added" if before is None else "removed", file, container, subject,
                                   element=eid, type_label=type_label, details=details))
            continue
        details = []
        if before["type"] != after["type"]:
            details.append(_detail("类型", BPMN_TYPES.get(before["type"], before["type"]), type_label))
        if before["name"] != after["name"]:
            details.append(_detail("名称", before["name"], after["name"]))
        for k in dict.fromkeys(list(before["props"]) + list(after["props"])):
            x, y = before["props"].get(k), after["props"].get(k)
            if x == y:
                continue
            if k in ("脚本", "前置脚本", "后置脚本"):
                details.extend(_script_details(k, x, y))
            else:
                details.append(_detail(k, x, y))
        if details:
            changes.append(_change("bpmn", "changed", file, container, subject, element=eid, type_label=type_label,
                                   details=details))
    moved = sorted(e for e in set(la) & set(lb) if la[e] != lb[e])
    if moved:
        changes.append(_change("layout", "changed", file, "", f"{len(moved)} 个图形或连线的位置有调整", element=None,
                               details=[{"label": "涉及", "before": "", "after": "、".join(names.get(e) or e for e in moved[:20])
                                         + ("等" if len(moved) > 20 else "")}]))


# --------------------------------------------------------------------------- DMN
