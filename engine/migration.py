"""Moving running instances between model versions, and comparing versions element by element.

The rule (DESIGN.md, invariant 6): nothing completed or started may change or disappear. A
completed or failed task whose element is removed or changed in the target version blocks the
move; a started task (a running call activity, subprocess or multi-instance task), a ready or a
waiting one (an open human task, a waiting timer) may see only its sequence flows change (the
path ahead is predicted again from the new model), never its own definition (form, lane, timer,
called process, ...). Elements nobody has reached yet may change freely. Refusals name steps by
their names in the model (issue 17), never by element ids or the library's helper tasks.

The library work (SpiffWorkflow's ``diff_workflow`` / alignment) is in :mod:`engine.spiff`;
the transaction is :meth:`engine.service.Engine.migrate_instance`.
"""
from __future__ import annotations

import logging
from typing import Iterable

from .errors import EngineError
from .registry import validate

log = logging.getLogger(__name__)
FLOWS_ONLY = {"inputs", "outputs"}
STATE_LABELS = {"COMPLETED": "已完成", "STARTED": "进行中", "ERROR": "出错", "READY": "待办理", "WAITING": "等待中"}
IGNORED_FIELDS = {"file"}
# what an administrator calls the parts of a step that a new version changed (the keys are the
# serializer's attribute names of a task spec)
ATTRIBUTE_LABELS = {
    "inputs": "流入路径", "outputs": "流出路径", "bpmn_name": "名称", "lane": "泳道（办理角色）",
    "extensions": "扩展属性（表单、期限、办理人等）", "script": "脚本", "prescript": "前置脚本",
    "postscript": "后置脚本", "condition": "条件", "cond_task_specs": "网关条件", "default_task_spec": "默认流",
    "event_definition": "事件定义（定时器、消息等）", "cancel_activity": "是否中断", "documentation": "说明",
    "decision_ref": "决策表", "operation_name": "服务操作", "operation_params": "服务参数",
    "result_variable": "结果变量", "data_input": "多实例集合", "data_output": "多实例结果集合",
    "input_item": "多实例元素", "output_item": "多实例结果元素", "cardinality": "多实例数量",
    "condition_expr": "完成条件", "loop_condition": "循环条件", "task_spec": "多实例环节",
    "spec": "调用的流程", "io_specification": "输入输出定义",
    "data_input_associations": "输入数据关联", "data_output_associations": "输出数据关联",
}
TYPE_LABELS = {
    "StartEvent": "开始事件", "EndEvent": "结束事件", "IntermediateCatchEvent": "中间事件",
    "IntermediateThrowEvent": "中间事件", "BoundaryEvent": "边界事件", "ExclusiveGateway": "排他网关",
    "ParallelGateway": "并行网关", "InclusiveGateway": "包容网关", "EventBasedGateway": "事件网关",
    "UserTask": "用户任务", "ManualTask": "手工任务", "ScriptTask": "脚本任务", "ServiceTask": "服务任务",
    "BusinessRuleTask": "业务规则任务", "CallActivity": "调用活动", "SubWorkflowTask": "子流程",
}


def step_label(change: dict) -> str:
    """A step as people know it: its name in the model, never an element id; an unnamed one by
    its kind and the process it is in."""
    if change.get("name"):
        return f"「{change['name']}」"
    kind = next((label for key, label in TYPE_LABELS.items() if key in change.get("type", "")), "环节")
    return f"「{change.get('process') or '流程'}」中未命名的{kind}"


def _attributes(names) -> str:
    labels = [ATTRIBUTE_LABELS.get(a, "其他定义") for a in sorted(names)]
    return "、".join(dict.fromkeys(labels))


def blocking_reason(changes: list[dict]) -> str | None:
    """Why an instance with these ``changes`` (from ``Engine.migration_changes``) must not move,
    naming each step by its Chinese name. A started step (a running call activity, subprocess or
    multi-instance task) and a ready or waiting one may see their sequence flows change: the path
    ahead is predicted again from the new model."""
    reasons = []
    for c in changes:
        state, step = STATE_LABELS.get(c["state"], "现有"), step_label(c)
        if c["kind"] == "removed":
            reasons.append(f"{state}的环节{step}在目标版本中被删除")
        elif c["state"] in ("COMPLETED", "ERROR"):
            reasons.append(f"{state}的环节{step}在目标版本中被修改（{_attributes(c['attributes'])}）")
        elif set(c["attributes"]) - FLOWS_ONLY:
            reasons.append(f"{state}的环节{step}在目标版本中被修改（{_attributes(set(c['attributes']) - FLOWS_ONLY)}）")
    return "；".join(dict.fromkeys(reasons)) or None


def preview(engine, instance_ids: Iterable[int], version_id: int) -> list[dict]:
    """Per instance: whether it can move onto ``version_id`` and, if not, why."""
    out = []
    for iid in instance_ids:
        inst = engine.instance(iid)
        row = {"instance_id": iid, "from_version": inst["version_id"], "title": inst["title"],
               "status": inst["status"], "changes": [], "movable": False, "reason": None}
        if inst["version_id"] == version_id:
            row["reason"] = "已在目标版本上"
        elif inst["status"] not in ("running", "suspended"):
            row["reason"] = "流程实例已结束或出错，不能迁移"
        else:
            try:
                row["changes"] = engine.migration_changes(iid, version_id)
                row["reason"] = blocking_reason(row["changes"])
            except EngineError as exc:
                row["reason"] = exc.message
            except Exception as exc:  # the library could not align the two models: not movable, say why
                log.exception("migration preview of instance %s failed", iid)
                row["reason"] = f"无法比较两个版本：{type(exc).__name__}: {exc}"
            row["movable"] = row["reason"] is None
        out.append(row)
    return out


def migrate(engine, instance_ids: Iterable[int], version_id: int, actor, comment: str = "") -> list[dict]:
    """Move each movable instance (one engine command each, audited); refuse the rest with the reason."""
    out = []
    for row in preview(engine, instance_ids, version_id):
        if row["movable"]:
            try:
                engine.migrate_instance(row["instance_id"], version_id, actor, blocking_reason, comment)
                row["migrated"] = True
            except EngineError as exc:  # changed between preview and move: the command re-checked
                row.update(migrated=False, movable=False, reason=exc.message)
        else:
            row["migrated"] = False
        out.append(row)
    return out


# --------------------------------------------------------------------------- comparing versions

def element_inventory(engine, files: dict[str, str]) -> dict[str, dict]:
    """process key -> element id -> parsed element info, for files that are not deployed."""
    parsed, _ = validate(files, engine.config)
    return parsed.elements


def version_inventory(engine, version_id: int) -> dict[str, dict]:
    with engine.sessions() as s:
        return engine.models.load(s, version_id).elements


def compare(old: dict[str, dict], new: dict[str, dict]) -> dict:
    """Elements added, removed and changed (with the fields that differ) between two inventories."""
    added, removed, changed = [], [], []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, {}), new.get(key, {})
        for el in sorted(set(b) - set(a)):
            added.append({"process": key, "element": el, "name": b[el].get("name", ""), "type": b[el].get("type", "")})
        for el in sorted(set(a) - set(b)):
            removed.append({"process": key, "element": el, "name": a[el].get("name", ""), "type": a[el].get("type", "")})
        for el in sorted(set(a) & set(b)):
            fields = sorted(f for f in set(a[el]) | set(b[el]) if f not in IGNORED_FIELDS and a[el].get(f) != b[el].get(f))
            if fields:
                changed.append({"process": key, "element": el, "name": b[el].get("name", ""), "type": b[el].get("type", ""),
                                "fields": fields, "before": {f: a[el].get(f) for f in fields},
                                "after": {f: b[el].get(f) for f in fields}})
    return {"added": added, "removed": removed, "changed": changed}
