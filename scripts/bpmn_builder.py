"""A small builder that writes executable BPMN (SpiffWorkflow extensions) with BPMNDI.

``scripts/build_models.py`` describes the programme's processes with it; the generated files in
``bpmn/`` are committed, so administrators can open and edit them in bpmn-js afterwards.

Layout: columns come from the longest path from the start event, rows from the lanes (a lane
grows a sub-row for each element that shares a column with another element of the lane).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

SIZES = {"task": (100, 80), "event": (36, 36), "gateway": (50, 50)}
COL_W, ROW_H, LANE_X, LABEL_W = 160, 120, 40, 30
SEP = "\x00"  # separates the parts of an element body that go before and after incoming/outgoing


@dataclass
class Node:
    id: str
    kind: str          # startEvent endEvent userTask serviceTask scriptTask businessRuleTask callActivity
                       # exclusiveGateway parallelGateway intermediateCatchEvent
    name: str
    lane: str
    body: str = ""     # inner XML (extension elements, scripts, loop characteristics, event definitions)
    attrs: dict = field(default_factory=dict)
    incoming: list = field(default_factory=list)
    outgoing: list = field(default_factory=list)

    @property
    def shape(self) -> str:
        if self.kind.endswith("Event"):
            return "event"
        if self.kind.endswith("Gateway"):
            return "gateway"
        return "task"


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None


def _props(props: dict) -> str:
    items = "".join(f'<spiffworkflow:property name="{k}" value={quoteattr(v)} />' for k, v in props.items() if v)
    return f"<spiffworkflow:properties>{items}</spiffworkflow:properties>" if items else ""


def mi(collection: str, item: str, output: str | None = None, output_item: str | None = None, sequential=False,
       condition: str | None = None) -> str:
    out = ""
    if output:
        out = f"<bpmn:loopDataOutputRef>{output}</bpmn:loopDataOutputRef>"
    inner = (f"<bpmn:loopDataInputRef>{collection}</bpmn:loopDataInputRef>{out}"
             f'<bpmn:inputDataItem id="{item}" name="{item}" />')
    if output_item:
        inner += f'<bpmn:outputDataItem id="{output_item}" name="{output_item}" />'
    if condition:
        inner += f"<bpmn:completionCondition>{escape(condition)}</bpmn:completionCondition>"
    seq = ' isSequential="true"' if sequential else ""
    return f"<bpmn:multiInstanceLoopCharacteristics{seq}>{inner}</bpmn:multiInstanceLoopCharacteristics>"


def loop(condition: str, maximum: int | None = None, test_before: bool = False) -> str:
    m = f' loopMaximum="{maximum}"' if maximum else ""
    m += ' testBefore="true"' if test_before else ""
    return (f'<bpmn:standardLoopCharacteristics{m}><bpmn:loopCondition xsi:type="bpmn:tFormalExpression">'
            f"{escape(condition)}</bpmn:loopCondition></bpmn:standardLoopCharacteristics>")


class Process:
    """One executable process. ``start_roles`` (role keys of ``workflows/roles.py``) and ``start_form``
    (a JSON Schema in ``bpmn/forms/``) are the start contract the engine enforces: a process without
    ``start_roles`` is started only by the programme itself (``ctx.start_instance``)."""

    def __init__(self, key: str, name: str, lanes: list[str], doc: str = "", *, start_roles: list[str] | None = None,
                 start_form: str | None = None):
        self.key, self.name, self.lanes, self.doc = key, name, lanes, doc
        self.start_roles, self.start_form = list(start_roles or []), start_form
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []

    def _add(self, node: Node) -> str:
        assert node.id not in self.nodes, node.id
        assert node.lane in self.lanes, (node.id, node.lane)
        self.nodes[node.id] = node
        return node.id

    def start(self, id, name, lane):
        return self._add(Node(id, "startEvent", name, lane))

    def end(self, id, name, lane, terminate=False):
        body = f'<bpmn:terminateEventDefinition id="{id}_Terminate" />' if terminate else ""
        return self._add(Node(id, "endEvent", name, lane, body))

    def timer(self, id, name, lane, *, date: str | None = None, duration: str | None = None):
        tag, expr = ("timeDate", date) if date else ("timeDuration", duration)
        body = (f'<bpmn:timerEventDefinition id="{id}_Def"><bpmn:{tag} xsi:type="bpmn:tFormalExpression">'
                f"{escape(expr)}</bpmn:{tag}></bpmn:timerEventDefinition>")
        return self._add(Node(id, "intermediateCatchEvent", name, lane, body))

    def boundary_timer(self, id, name, attached_to: str, *, date: str | None = None, duration: str | None = None):
        """An interrupting timer on ``attached_to``; drawn on the activity's lower edge."""
        tag, expr = ("timeDate", date) if date else ("timeDuration", duration)
        body = (f'<bpmn:timerEventDefinition id="{id}_Def"><bpmn:{tag} xsi:type="bpmn:tFormalExpression">'
                f"{escape(expr)}</bpmn:{tag}></bpmn:timerEventDefinition>")
        lane = self.nodes[attached_to].lane
        return self._add(Node(id, "boundaryEvent", name, lane, body, {"attachedToRef": attached_to, "cancelActivity": "true"}))

    def user(self, id, name, lane, form, *, due_in=None, due_at=None, assignee=None, loop_xml="", doc="",
             keep_fields: list[str] | str | None = None):
        """A human task. ``keep_fields``: form fields the task shows again when it opens a second time
        in the instance (a loop or revision iteration; ``"*"`` for all); the engine clears the others."""
        keep = keep_fields if isinstance(keep_fields, str) or keep_fields is None else ",".join(keep_fields)
        ext = _props({"form": form, "dueIn": due_in, "dueAt": due_at, "assignee": assignee, "keepFields": keep})
        body = (f"<bpmn:documentation>{escape(doc)}</bpmn:documentation>" if doc else "") + \
            f"<bpmn:extensionElements>{ext}</bpmn:extensionElements>"
        return self._add(Node(id, "userTask", name, lane, body + SEP + loop_xml if loop_xml else body))

    def service(self, id, name, lane, op, params: dict | None = None, result: str | None = None):
        ps = "".join(f'<spiffworkflow:parameter id="{k}" type="any" value={quoteattr(v)} />' for k, v in (params or {}).items())
        rv = f" resultVariable={quoteattr(result or id.replace('Service_', '').lower() + '_result')}"
        body = (f'<bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="{op}"{rv}>'
                f"<spiffworkflow:parameters>{ps}</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>"
                f"</bpmn:extensionElements>")
        return self._add(Node(id, "serviceTask", name, lane, body))

    def script(self, id, name, lane, code: str):
        return self._add(Node(id, "scriptTask", name, lane, f"<bpmn:script>{escape(code)}</bpmn:script>"))

    def rule(self, id, name, lane, decision: str):
        body = (f"<bpmn:extensionElements><spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>"
                f"</bpmn:extensionElements>")
        return self._add(Node(id, "businessRuleTask", name, lane, body))

    def call(self, id, name, lane, called: str, loop_xml=""):
        return self._add(Node(id, "callActivity", name, lane, loop_xml, {"calledElement": called}))

    def xor(self, id, name, lane):
        return self._add(Node(id, "exclusiveGateway", name, lane))

    def par(self, id, name, lane):
        return self._add(Node(id, "parallelGateway", name, lane))

    def flow(self, source, target, condition=None, name="", default=False, id=None):
        fid = id or f"Flow_{source.split('_', 1)[-1]}_{target.split('_', 1)[-1]}"
        f = Flow(fid, source, target, name, condition)
        self.flows.append(f)
        self.nodes[source].outgoing.append(fid)
        self.nodes[target].incoming.append(fid)
        if default:
            self.nodes[source].attrs["default"] = fid
        return fid

    def chain(self, *ids):
        for a, b in zip(ids, ids[1:]):
            self.flow(a, b)

    # ------------------------------------------------------------------ layout and XML

    def _layout(self):
        cols = {n: 0 for n in self.nodes}
        attached = {n.id: n.attrs["attachedToRef"] for n in self.nodes.values() if n.kind == "boundaryEvent"}
        order = [n for n in self.nodes if n not in attached]
        for _ in range(len(self.nodes)):
            changed = False
            for b, host in attached.items():
                if cols[b] != cols[host]:
                    cols[b], changed = cols[host], True
            for f in self.flows:
                if cols[f.target] < cols[f.source] + 1:
                    cols[f.target] = cols[f.source] + 1
                    changed = True
            if not changed:
                break
        # sub-rows inside each lane
        sub: dict[str, int] = {}
        used: dict[tuple[str, int], int] = {}
        for n in order:
            key = (self.nodes[n].lane, cols[n])
            sub[n] = used.get(key, 0)
            used[key] = sub[n] + 1
        lane_rows = {lane: max([sub[n] + 1 for n in order if self.nodes[n].lane == lane] or [1]) for lane in self.lanes}
        lane_y, y = {}, 40
        for lane in self.lanes:
            lane_y[lane] = y
            y += lane_rows[lane] * ROW_H
        width = (max(cols.values()) + 1) * COL_W + 80
        bounds = {}
        for n in order:
            node = self.nodes[n]
            w, h = SIZES[node.shape]
            cx = LANE_X + LABEL_W + 60 + cols[n] * COL_W
            cy = lane_y[node.lane] + sub[n] * ROW_H + ROW_H // 2
            bounds[n] = (cx - w // 2, cy - h // 2, w, h)
        for b, host in attached.items():
            hx, hy, hw, hh = bounds[host]
            bounds[b] = (hx + hw - 30, hy + hh - 18, 36, 36)
        lanes = {lane: (LANE_X + LABEL_W, lane_y[lane], width, lane_rows[lane] * ROW_H) for lane in self.lanes}
        pool = (LANE_X, 40, width + LABEL_W, y - 40)
        return bounds, lanes, pool

    def xml(self) -> str:
        bounds, lanes, pool = self._layout()
        k = self.key
        lane_ids = {lane: f"Lane_{k}_{i + 1}" for i, lane in enumerate(self.lanes)}
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
               'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
               'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
               'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
               f'id="Definitions_{k}" targetNamespace="http://peidai.example/bpmn" exporter="peidai scripts/build_models.py" exporterVersion="1">',
               f'  <bpmn:collaboration id="Collaboration_{k}">',
               f'    <bpmn:participant id="Participant_{k}" name={quoteattr(self.name)} processRef="{k}" />',
               "  </bpmn:collaboration>",
               f'  <bpmn:process id="{k}" name={quoteattr(self.name)} isExecutable="true">']
        if self.doc:
            out.append(f"    <bpmn:documentation>{escape(self.doc)}</bpmn:documentation>")
        start = _props({"startRoles": ",".join(self.start_roles), "startForm": self.start_form})
        if start:
            out.append(f"    <bpmn:extensionElements>{start}</bpmn:extensionElements>")
        out.append(f'    <bpmn:laneSet id="LaneSet_{k}">')
        for lane in self.lanes:
            out.append(f'      <bpmn:lane id="{lane_ids[lane]}" name={quoteattr(lane)}>')
            out += [f"        <bpmn:flowNodeRef>{n.id}</bpmn:flowNodeRef>" for n in self.nodes.values() if n.lane == lane]
            out.append("      </bpmn:lane>")
        out.append("    </bpmn:laneSet>")
        for n in self.nodes.values():
            attrs = "".join(f" {a}={quoteattr(v)}" for a, v in n.attrs.items())
            out.append(f'    <bpmn:{n.kind} id="{n.id}" name={quoteattr(n.name)}{attrs}>')
            body_parts = []
            if n.body:
                # documentation and extension elements come before incoming/outgoing; loop/event definitions after
                head, tail = _split_body(n.body)
                body_parts = [head] if head else []
                out += [f"      {p}" for p in body_parts]
            out += [f"      <bpmn:incoming>{f}</bpmn:incoming>" for f in n.incoming]
            out += [f"      <bpmn:outgoing>{f}</bpmn:outgoing>" for f in n.outgoing]
            if n.body and tail:
                out.append(f"      {tail}")
            out.append(f"    </bpmn:{n.kind}>")
        for f in self.flows:
            name = f" name={quoteattr(f.name)}" if f.name else ""
            if f.condition:
                out.append(f'    <bpmn:sequenceFlow id="{f.id}"{name} sourceRef="{f.source}" targetRef="{f.target}">'
                           f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(f.condition)}'
                           f"</bpmn:conditionExpression></bpmn:sequenceFlow>")
            else:
                out.append(f'    <bpmn:sequenceFlow id="{f.id}"{name} sourceRef="{f.source}" targetRef="{f.target}" />')
        out.append("  </bpmn:process>")
        out.append(f'  <bpmndi:BPMNDiagram id="Diagram_{k}">')
        out.append(f'    <bpmndi:BPMNPlane id="Plane_{k}" bpmnElement="Collaboration_{k}">')
        x, y, w, h = pool
        out.append(f'      <bpmndi:BPMNShape id="Participant_{k}_di" bpmnElement="Participant_{k}" isHorizontal="true">'
                   f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>')
        for lane in self.lanes:
            x, y, w, h = lanes[lane]
            out.append(f'      <bpmndi:BPMNShape id="{lane_ids[lane]}_di" bpmnElement="{lane_ids[lane]}" isHorizontal="true">'
                       f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>')
        for n in self.nodes.values():
            x, y, w, h = bounds[n.id]
            extra = ' isMarkerVisible="true"' if n.kind == "exclusiveGateway" else ""
            extra += ' isExpanded="false"' if n.kind == "callActivity" else ""
            label = ""
            if n.shape != "task" and n.name:
                label = f'<bpmndi:BPMNLabel><dc:Bounds x="{x - 20}" y="{y + h + 4}" width="{w + 40}" height="14" /></bpmndi:BPMNLabel>'
            out.append(f'      <bpmndi:BPMNShape id="{n.id}_di" bpmnElement="{n.id}"{extra}>'
                       f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" />{label}</bpmndi:BPMNShape>')
        for f in self.flows:
            sx, sy, sw, sh = bounds[f.source]
            tx, ty, tw, th = bounds[f.target]
            a = (sx + sw, sy + sh // 2)
            b = (tx, ty + th // 2)
            if self.nodes[f.source].kind == "boundaryEvent":   # leave downwards, then to the target
                a = (sx + sw // 2, sy + sh)
                pts = [a, (a[0], max(a[1] + 20, b[1])), b] if b[1] >= a[1] else [a, (a[0], a[1] + 20), (b[0] - 25, a[1] + 20), (b[0] - 25, b[1]), b]
            elif b[0] <= a[0]:  # backwards (never in our models, but keep DI valid)
                pts = [a, (a[0] + 20, a[1]), (a[0] + 20, b[1] - 60), (b[0] - 20, b[1] - 60), (b[0] - 20, b[1]), b]
            elif a[1] == b[1]:
                pts = [a, b]
            else:
                mid = b[0] - 25
                pts = [a, (mid, a[1]), (mid, b[1]), b]
            wps = "".join(f'<di:waypoint x="{px}" y="{py}" />' for px, py in pts)
            out.append(f'      <bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">{wps}</bpmndi:BPMNEdge>')
        out.append("    </bpmndi:BPMNPlane>")
        out.append("  </bpmndi:BPMNDiagram>")
        out.append("</bpmn:definitions>")
        return "\n".join(out) + "\n"


def _split_body(body: str) -> tuple[str, str]:
    """Split an element body into what precedes <incoming> (documentation, extensions) and what
    follows <outgoing> (loop characteristics, event definitions, scripts)."""
    head, tail = [], []
    for part in body.split(SEP):
        if part.startswith(("<bpmn:documentation", "<bpmn:extensionElements")):
            # documentation + extensionElements may be concatenated on one line
            head.append(part)
        else:
            tail.append(part)
    return "".join(head), "".join(tail)


def dmn(decision_id: str, name: str, hit_policy: str, inputs: list[tuple[str, str, str]],
        outputs: list[tuple[str, str, str]], rules: list[tuple[str, list[str], list[str]]]) -> str:
    """A DMN 1.3 decision table. ``inputs``: (id, label, Python expression); ``outputs``: (name, label,
    typeRef); ``rules``: (description, input entries ('-' = any), output expressions)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
           f'id="Definitions_{decision_id}" name={quoteattr(name)} namespace="http://peidai.example/dmn">',
           f'  <decision id="{decision_id}" name={quoteattr(name)}>',
           f'    <decisionTable id="DecisionTable_{decision_id}" hitPolicy="{hit_policy}">']
    for iid, label, expr in inputs:
        out.append(f'      <input id="Input_{iid}" label={quoteattr(label)}><inputExpression id="InputExpression_{iid}">'
                   f"<text>{escape(expr)}</text></inputExpression></input>")
    for oname, label, type_ref in outputs:
        out.append(f'      <output id="Output_{oname}" label={quoteattr(label)} name="{oname}" typeRef="{type_ref}" />')
    for r, (desc, ins, outs) in enumerate(rules, 1):
        assert len(ins) == len(inputs) and len(outs) == len(outputs), desc
        out.append(f'      <rule id="Rule_{decision_id}_{r}"><description>{escape(desc)}</description>')
        for c, text in enumerate(ins):
            out.append(f'        <inputEntry id="InputEntry_{decision_id}_{r}_{c}"><text>{escape(text)}</text></inputEntry>')
        for c, text in enumerate(outs):
            out.append(f'        <outputEntry id="OutputEntry_{decision_id}_{r}_{c}"><text>{escape(text)}</text></outputEntry>')
        out.append("      </rule>")
    out += ["    </decisionTable>", "  </decision>", "</definitions>"]
    return "\n".join(out) + "\n"
