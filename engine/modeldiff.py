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

import ast
import difflib
import json
from typing import Any

from lxml import etree

KIND_LABELS = {"added": "新增", "removed": "删除", "changed": "修改", "moved": "顺序调整"}
AREA_LABELS = {"bpmn": "流程", "dmn": "决策表", "form": "表单", "layout": "布局", "file": "文件"}

BPMN_TYPES = {
    "process": "流程", "userTask": "用户任务", "manualTask": "人工任务", "serviceTask": "服务任务",
    "scriptTask": "脚本任务", "businessRuleTask": "业务规则任务", "sendTask": "发送任务", "receiveTask": "接收任务",
    "task": "任务", "callActivity": "调用子流程", "subProcess": "子流程", "transaction": "事务子流程",
    "startEvent": "开始事件", "endEvent": "结束事件", "intermediateCatchEvent": "中间事件（等待）",
    "intermediateThrowEvent": "中间事件（触发）", "boundaryEvent": "边界事件", "exclusiveGateway": "排他网关",
    "parallelGateway": "并行网关", "inclusiveGateway": "包容网关", "eventBasedGateway": "事件网关",
    "complexGateway": "复杂网关", "sequenceFlow": "连线", "lane": "泳道", "dataObject": "数据对象",
    "dataObjectReference": "数据对象引用", "dataStoreReference": "数据存储", "textAnnotation": "注释",
    "association": "关联", "participant": "参与者", "messageFlow": "消息流", "collaboration": "协作",
    "message": "消息", "error": "错误", "signal": "信号", "escalation": "升级",
}
ATTRIBUTE_LABELS = {
    "name": "名称", "sourceRef": "起点", "targetRef": "终点", "calledElement": "调用的流程", "default": "默认路径",
    "attachedToRef": "附着于", "cancelActivity": "中断原环节", "isInterrupting": "中断", "isExecutable": "可执行",
    "processRef": "流程", "scriptFormat": "脚本语言", "triggeredByEvent": "事件子流程", "gatewayDirection": "网关方向",
    "implementation": "实现方式", "messageRef": "消息", "errorRef": "错误", "signalRef": "信号",
    "escalationRef": "升级", "instantiate": "实例化", "text": "文字",
}
PROPERTY_LABELS = {
    "form": "表单", "dueIn": "办理期限", "dueAt": "截止时间", "assignee": "指定办理人", "title": "事项标题", "keepFields": "再次打开时保留的字段",
    "startRoles": "可发起的角色", "startForm": "启动表单", "title": "标题", "formUiSchema": "表单界面",
}
TIMER_LABELS = {"timeDuration": "定时器（时长）", "timeDate": "定时器（日期）", "timeCycle": "定时器（周期）"}
HIT_POLICIES = {"UNIQUE": "唯一命中（UNIQUE）", "COLLECT": "全部命中（COLLECT）", "FIRST": "首个命中（FIRST）",
                "ANY": "任一命中（ANY）", "PRIORITY": "优先级（PRIORITY）", "RULE ORDER": "按规则顺序（RULE ORDER）",
                "OUTPUT ORDER": "按输出顺序（OUTPUT ORDER）"}
FORM_TYPES = {"string": "文本", "integer": "整数", "number": "数字", "boolean": "是/否", "array": "列表",
              "object": "分组", "null": "空"}
FORM_FORMATS = {"date": "日期", "date-time": "日期时间", "time": "时间", "textarea": "多行文本", "email": "电子邮件",
                "uri": "网址", "data-url": "附件", "attachment": "附件"}
FIELD_KEYS = {
    "title": "标题", "type": "类型", "format": "格式", "description": "说明", "default": "默认值",
    "minimum": "最小值", "maximum": "最大值", "exclusiveMinimum": "大于", "exclusiveMaximum": "小于",
    "minLength": "最少字数", "maxLength": "最多字数", "pattern": "格式要求（正则）", "minItems": "最少条数",
    "maxItems": "最多条数", "uniqueItems": "不得重复", "readOnly": "只读", "const": "固定值", "multipleOf": "倍数",
}
FLOW_CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
SKIPPED_CONTENT = {"incoming", "outgoing", "flowNodeRef", "childLaneSet"}
MODEL_SUFFIXES = (".bpmn", ".dmn", ".json")


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def show(value: Any) -> str:
    """A value as the administrator reads it: text as is, the rest as JSON without escapes."""
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _detail(label: str, before: Any, after: Any) -> dict:
    detail = {"label": label, "before": show(before) if before is not None else "", "after": show(after) if after is not None else ""}
    if isinstance(before, str) and isinstance(after, str) and ("\n" in before or "\n" in after):
        detail["lines"] = _line_diff(before, after)
    return detail


def _line_diff(before: str, after: str) -> list[list[str]]:
    """Changed lines only: ``[["-", old line], ["+", new line], ...]``."""
    out = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line[:1] in "-+":
            out.append([line[0], line[2:]])
    return out


def _change(area, kind, file, container, subject, *, element=None, type_label="", details=None) -> dict:
    return {"area": area, "area_label": AREA_LABELS[area], "kind": kind, "kind_label": KIND_LABELS[kind], "file": file,
            "container": container, "subject": subject, "element": element, "type": type_label, "details": details or []}


def _compare_props(a: dict, b: dict, order: list[str] | None = None) -> list[dict]:
    keys = list(dict.fromkeys((order or []) + list(a) + list(b)))
    return [_detail(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


# --------------------------------------------------------------------------- scripts

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

def dmn_decisions(text: str) -> dict[str, dict]:
    root = etree.fromstring(text.encode("utf-8"))
    out = {}
    for dec in root.iter("{*}decision"):
        table = dec.find("{*}decisionTable")
        d = {"name": dec.get("name", ""), "hit_policy": None, "aggregation": None, "inputs": {}, "outputs": {}, "rules": {},
             "order": []}
        if table is not None:
            d["hit_policy"] = table.get("hitPolicy", "UNIQUE")
            d["aggregation"] = table.get("aggregation")
            in_ids, out_ids = [], []
            for i, inp in enumerate(table.findall("{*}input")):
                iid = inp.get("id") or f"input{i + 1}"
                expr = inp.find("{*}inputExpression/{*}text")
                values = inp.find("{*}inputValues/{*}text")
                d["inputs"][iid] = {"label": inp.get("label") or (_text(expr) if expr is not None else iid),
                                    "expression": _text(expr) if expr is not None else "",
                                    "values": _text(values) if values is not None else ""}
                in_ids.append(iid)
            for i, outp in enumerate(table.findall("{*}output")):
                oid = outp.get("id") or f"output{i + 1}"
                values = outp.find("{*}outputValues/{*}text")
                d["outputs"][oid] = {"label": outp.get("label") or outp.get("name") or oid, "name": outp.get("name", ""),
                                     "type": outp.get("typeRef", ""), "values": _text(values) if values is not None else ""}
                out_ids.append(oid)
            for n, rule in enumerate(table.findall("{*}rule")):
                rid = rule.get("id") or f"row{n + 1}"
                desc = rule.find("{*}description")
                cells = {}
                for iid, entry in zip(in_ids, rule.findall("{*}inputEntry")):
                    t = entry.find("{*}text")
                    cells[("in", iid)] = _text(t) if t is not None else ""
                for oid, entry in zip(out_ids, rule.findall("{*}outputEntry")):
                    t = entry.find("{*}text")
                    cells[("out", oid)] = _text(t) if t is not None else ""
                d["rules"][rid] = {"row": n + 1, "description": _text(desc) if desc is not None else "", "cells": cells}
                d["order"].append(rid)
        out[dec.get("id")] = d
    return out


def _column(d_old, d_new, kind, cid) -> str:
    for d in (d_new, d_old):
        if d and cid in d["inputs" if kind == "in" else "outputs"]:
            col = d["inputs" if kind == "in" else "outputs"][cid]
            return ("条件：" if kind == "in" else "结果：") + col["label"]
    return cid


def _rule_subject(rule: dict, rid: str) -> str:
    return f"第 {rule['row']} 行" + (f"「{rule['description']}」" if rule["description"] else "") + f"（{rid}）"


def _compare_dmn(file: str, old: str | None, new: str | None, changes: list[dict]) -> None:
    a = dmn_decisions(old) if old else {}
    b = dmn_decisions(new) if new else {}
    for did in dict.fromkeys(list(b) + list(a)):
        x, y = a.get(did), b.get(did)
        d = y or x
        container = f"{d['name']}（{did}）" if d["name"] else did
        if x is None or y is None:
            changes.append(_change("dmn", "added" if x is None else "removed", file, container, "整张决策表", element=did,
                                   type_label="决策表", details=[_detail("规则行数", None if x is None else len(d["rules"]),
                                                                          None if y is None else len(d["rules"]))]))
            continue
        table = []
        if x["name"] != y["name"]:
            table.append(_detail("名称", x["name"], y["name"]))
        if x["hit_policy"] != y["hit_policy"]:
            table.append(_detail("命中策略", HIT_POLICIES.get(x["hit_policy"] or "", x["hit_policy"]),
                                 HIT_POLICIES.get(y["hit_policy"] or "", y["hit_policy"])))
        if x["aggregation"] != y["aggregation"]:
            table.append(_detail("汇总方式", x["aggregation"], y["aggregation"]))
        if table:
            changes.append(_change("dmn", "changed", file, container, "决策表设置", element=did, type_label="决策表",
                                   details=table))
        for kind, key, what in (("in", "inputs", "条件列"), ("out", "outputs", "结果列")):
            for cid in dict.fromkeys(list(y[key]) + list(x[key])):
                c0, c1 = x[key].get(cid), y[key].get(cid)
                col = c1 or c0
                subject = f"{what}「{col['label']}」（{cid}）"
                if c0 is None or c1 is None:
                    changes.append(_change("dmn", "added" if c0 is None else "removed", file, container, subject, element=cid,
                                           type_label=what, details=[_detail(
                                               {"label": "标题", "expression": "表达式", "values": "可选值", "name": "变量名",
                                                "type": "类型"}[k], None if c0 is None else v, None if c1 is None else v)
                                               for k, v in col.items() if v]))
                    continue
                details = [_detail({"label": "标题", "expression": "表达式", "values": "可选值", "name": "变量名",
                                    "type": "类型"}[k], c0.get(k), c1.get(k)) for k in col if c0.get(k) != c1.get(k)]
                if details:
                    changes.append(_change("dmn", "changed", file, container, subject, element=cid, type_label=what,
                                           details=details))
        for rid in dict.fromkeys(list(y["rules"]) + list(x["rules"])):
            r0, r1 = x["rules"].get(rid), y["rules"].get(rid)
            rule = r1 or r0
            if r0 is None or r1 is None:
                cells = [_detail(_column(x, y, kind, cid), None if r0 is None else v, None if r1 is None else v)
                         for (kind, cid), v in rule["cells"].items() if v and v != "-"]
                if rule["description"]:
                    cells.insert(0, _detail("说明", None if r0 is None else rule["description"],
                                            None if r1 is None else rule["description"]))
                changes.append(_change("dmn", "added" if r0 is None else "removed", file, container,
                                       _rule_subject(rule, rid), element=rid, type_label="规则", details=cells))
                continue
            details = []
            if r0["description"] != r1["description"]:
                details.append(_detail("说明", r0["description"], r1["description"]))
            for cell in dict.fromkeys(list(r1["cells"]) + list(r0["cells"])):
                v0, v1 = r0["cells"].get(cell), r1["cells"].get(cell)
                if v0 != v1:
                    details.append(_detail(_column(x, y, *cell), v0, v1))
            if details:
                changes.append(_change("dmn", "changed", file, container, _rule_subject(r1, rid), element=rid,
                                       type_label="规则", details=details))
        common_old = [r for r in x["order"] if r in y["rules"]]
        common_new = [r for r in y["order"] if r in x["rules"]]
        if common_old != common_new:
            moved = [r for r in common_new if x["rules"][r]["row"] != y["rules"][r]["row"]]
            changes.append(_change("dmn", "moved", file, container, "规则行的顺序", element=did, type_label="规则",
                                   details=[_detail(_rule_subject(y["rules"][r], r), f"第 {x['rules'][r]['row']} 行",
                                                    f"第 {y['rules'][r]['row']} 行") for r in moved]))


# --------------------------------------------------------------------------- forms

def _choices(prop: dict) -> str | None:
    if prop.get("enum") is not None:
        names = prop.get("enumNames") or []
        return "；".join(f"{v}" + (f" {names[i]}" if i < len(names) else "") for i, v in enumerate(
            show(v) if not isinstance(v, str) else v for v in prop["enum"]))
    if prop.get("oneOf") and all(isinstance(o, dict) and "const" in o for o in prop["oneOf"]):
        return "；".join(f"{show(o['const'])} {o.get('title', '')}".strip() for o in prop["oneOf"])
    return None


def _field_props(prop: dict, required: bool) -> dict[str, str]:
    out = {"必填": "是" if required else "否"}
    for key, value in prop.items():
        if key in ("properties", "required", "enum", "enumNames", "oneOf", "allOf", "if", "then", "else", "items"):
            continue
        label = FIELD_KEYS.get(key, key)
        if key == "type":
            value = FORM_TYPES.get(value, value) if isinstance(value, str) else "、".join(FORM_TYPES.get(v, v) for v in value)
        elif key == "format":
            value = FORM_FORMATS.get(value, value)
        out[label] = show(value)
    choices = _choices(prop)
    if choices is not None:
        out["选项"] = choices
    items = prop.get("items")
    if isinstance(items, dict) and items.get("type") != "object":
        item_choices = _choices(items)
        out["每项"] = (FORM_TYPES.get(items.get("type"), items.get("type") or "") +
                     (f"，选项：{item_choices}" if item_choices else ""))
    return out


def _condition_text(cond: dict) -> str:
    parts = []
    for name, c in ((cond or {}).get("properties") or {}).items():
        if not isinstance(c, dict):
            continue
        if "const" in c:
            parts.append(f"{name} 为 {show(c['const'])}")
        elif "enum" in c:
            parts.append(f"{name} 为 {'、'.join(show(v) for v in c['enum'])} 之一")
        elif isinstance(c.get("not"), dict) and "const" in c["not"]:
            parts.append(f"{name} 不为 {show(c['not']['const'])}")
        elif isinstance(c.get("not"), dict) and "enum" in c["not"]:
            parts.append(f"{name} 不为 {'、'.join(show(v) for v in c['not']['enum'])}")
        else:
            parts.append(f"{name} 满足 {show(c)}")
    for name in (cond or {}).get("required") or []:
        if name not in ((cond or {}).get("properties") or {}):
            parts.append(f"已填写 {name}")
    return "并且".join(parts) or show(cond)


def _outcome_text(then: dict) -> str:
    parts = []
    if (then or {}).get("required"):
        parts.append(f"{'、'.join(then['required'])} 必填")
    for name, c in ((then or {}).get("properties") or {}).items():
        if isinstance(c, dict) and c:
            parts.append(f"{name}：" + "，".join(f"{FIELD_KEYS.get(k, k)} {show(v)}" for k, v in c.items()))
    rest = {k: v for k, v in (then or {}).items() if k not in ("required", "properties")}
    if rest:
        parts.append(show(rest))
    return "；".join(parts) or "（无要求）"


def form_rules(schema: dict, path: str = "") -> list[str]:
    """The conditional rules of a form, one sentence each."""
    out = []
    entries = list(schema.get("allOf") or [])
    if "if" in schema:
        entries.append({k: schema[k] for k in ("if", "then", "else") if k in schema})
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        where = f"{path}：" if path else ""
        if "if" in entry:
            text = f"{where}当 {_condition_text(entry['if'])} 时，{_outcome_text(entry.get('then') or {})}"
            if entry.get("else"):
                text += f"；否则 {_outcome_text(entry['else'])}"
            out.append(text)
        else:
            out.append(where + _outcome_text(entry))
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            out.extend(form_rules(prop, f"{path}.{name}" if path else name))
            if isinstance(prop.get("items"), dict):
                out.extend(form_rules(prop["items"], f"{path}.{name}[]" if path else f"{name}[]"))
    return out


def form_fields(schema: dict, prefix: str = "") -> dict[str, dict]:
    """``{"path": {"title": ..., "props": {...}}}`` for every field, nested ones as ``a.b`` and
    ``a[].b``."""
    out = {}
    required = set(schema.get("required") or [])
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        path = f"{prefix}{name}"
        out[path] = {"title": prop.get("title", ""), "props": _field_props(prop, name in required)}
        if prop.get("type") == "object" or "properties" in prop:
            out.update(form_fields(prop, f"{path}."))
        items = prop.get("items")
        if isinstance(items, dict) and (items.get("type") == "object" or "properties" in items):
            out.update(form_fields(items, f"{path}[]."))
    return out


def _compare_form(file: str, old: str | None, new: str | None, changes: list[dict]) -> None:
    def load(text):
        if text is None:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return {"title": "（不是有效的 JSON）"}
        return value if isinstance(value, dict) else {}
    a, b = load(old), load(new)
    title = (b or a or {}).get("title") or file
    container = f"{title}（{file}）"
    if a is None or b is None:
        fields = form_fields(b or a)
        changes.append(_change("form", "added" if a is None else "removed", file, container, "整个表单", type_label="表单",
                               details=[_detail("字段", None if a is None else "、".join(fields),
                                                None if b is None else "、".join(fields))]))
        return
    form_level = [_detail({"title": "表单标题", "description": "表单说明"}.get(k, k), a.get(k), b.get(k))
                  for k in dict.fromkeys(list(a) + list(b))
                  if k not in ("properties", "required", "allOf", "if", "then", "else", "$schema", "type") and a.get(k) != b.get(k)]
    if form_level:
        changes.append(_change("form", "changed", file, container, "表单设置", type_label="表单", details=form_level))
    fa, fb = form_fields(a), form_fields(b)
    for path in dict.fromkeys(list(fb) + list(fa)):
        x, y = fa.get(path), fb.get(path)
        f = y or x
        subject = f"字段 {path}" + (f"「{f['title']}」" if f["title"] else "")
        if x is None or y is None:
            changes.append(_change("form", "added" if x is None else "removed", file, container, subject, element=path,
                                   type_label="字段", details=[_detail(k, None if x is None else v, None if y is None else v)
                                                              for k, v in f["props"].items()]))
            continue
        details = _compare_props(x["props"], y["props"])
        if details:
            changes.append(_change("form", "changed", file, container, subject, element=path, type_label="字段",
                                   details=details))
    ra, rb = form_rules(a), form_rules(b)
    for text in rb:
        if text not in ra:
            changes.append(_change("form", "added", file, container, "条件规则", type_label="条件规则",
                                   details=[_detail("规则", None, text)]))
    for text in ra:
        if text not in rb:
            changes.append(_change("form", "removed", file, container, "条件规则", type_label="条件规则",
                                   details=[_detail("规则", text, None)]))
    order_a = [p for p in fa if p in fb and "." not in p]
    order_b = [p for p in fb if p in fa and "." not in p]
    if order_a != order_b:
        changes.append(_change("form", "moved", file, container, "字段顺序", type_label="字段",
                               details=[_detail("顺序", "、".join(order_a), "、".join(order_b))]))


# --------------------------------------------------------------------------- all files

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
