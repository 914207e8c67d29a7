"""DMN: hit policy, columns, and rules row by row and cell by cell."""
from __future__ import annotations


from lxml import etree

from .common import HIT_POLICIES, _change, _detail

from .bpmn import _text


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
