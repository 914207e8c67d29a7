"""Labels and the shape of a change, shared by the BPMN, DMN and form comparisons."""
from __future__ import annotations

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
