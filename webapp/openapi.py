"""The OpenAPI 3 document of /api/v1 (kept beside the routes; tests check each one answers, and
``tests/web/test_api_fuzz.py`` fuzzes every operation against it).

The request bodies and query parameters declared here are also what the API checks
(:mod:`webapp.blueprints.api` validates against :data:`BODIES` and :data:`QUERIES`), so the
document and the code cannot disagree. Form data (``data`` of a start or a completion) is checked
by the engine against the model's own form; the document only says it is an object."""
from __future__ import annotations

from webapp.params import MAX_BIGINT, MAX_INT

MAX_PAGE = 100000
MAX_PER_PAGE = 100

ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_TEXT = {400: "请求有误（例如请求体不是有效的 JSON）", 401: "未登录或令牌无效", 403: "无权操作",
              404: "记录不存在或不在您的范围内；流程不存在", 409: "冲突：已被他人办理，或当前状态不允许此操作",
              422: "数据校验失败：`errors` 逐项说明（字段、代码、提示）"}


def _resp(description: str, schema=None) -> dict:
    out = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def _errors(*codes: int) -> dict:
    return {str(c): _resp(ERROR_TEXT[c], ERROR) for c in sorted({400, 401, *codes})}


def _op(summary: str, responses: dict, *, params=None, body=None, tag: str, op_id: str, description: str = "") -> dict:
    out = {"summary": summary, "operationId": op_id, "tags": [tag], "responses": responses}
    if description:
        out["description"] = description
    if params:
        out["parameters"] = params
    if body:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return out


ID32 = {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_INT}
ID64 = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_BIGINT}


def _path_id(name: str, what: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "description": what, "schema": schema}


def _query(name: str, what: str, schema=None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": what, "schema": schema or {"type": "string"}}


TASK_ID = _path_id("task_id", "待办事项编号", ID64)
INSTANCE_ID = _path_id("instance_id", "流程实例编号", ID32)
TASK = {"$ref": "#/components/schemas/Task"}
INSTANCE = {"$ref": "#/components/schemas/Instance"}
TEXT = {"type": "string", "maxLength": 2000}
PAGE = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}

# request bodies by operation id: what the API accepts (and checks)
BODIES = {
    "startInstance": {"type": "object", "required": ["process_key"], "additionalProperties": False, "properties": {
        "process_key": {"type": "string", "minLength": 1, "maxLength": 120, "example": "nomination",
                        "description": "流程标识（不存在时 404；无权发起时 403）"},
        "data": {"type": "object", "description": "启动数据，按流程的启动表单校验（不符合时 422）"},
        "title": {"type": "string", "maxLength": 300}, "business_key": {"type": "string", "maxLength": 120}}},
    "cancelInstance": {"type": "object", "required": ["reason"], "additionalProperties": False, "properties": {
        "reason": {**TEXT, "minLength": 1, "description": "取消原因"}}},
    "assignTask": {"type": "object", "required": ["username"], "additionalProperties": False, "properties": {
        "username": {"type": "string", "minLength": 1, "maxLength": 80}, "comment": TEXT}},
    "completeTask": {"type": "object", "additionalProperties": False, "properties": {
        "data": {"type": "object", "description": "表单数据，按待办的表单（form_schema）校验（不符合时 422，逐项说明）"},
        "comment": {**TEXT, "description": "审批意见；表单自己有 comment 字段而 data 中没有时，填入该字段"},
        "outcome": {"type": "string", "enum": ["approve", "return", "reject", "submit"]}}},
}

# query parameters by operation id (also what the API checks)
QUERIES = {
    "listTasks": [
        _query("box", "todo（我的待办）、group（待认领）、done（已办）", {"type": "string", "enum": ["todo", "group", "done"], "default": "todo"}),
        _query("batch", "评选批次"), _query("category", "人才类别"), _query("org_unit", "单位"),
        _query("overdue", "仅已超期（1）", {"type": "string", "enum": ["0", "1"]}),
        _query("page", "页码", PAGE),
        _query("per_page", f"每页条数（最多 {MAX_PER_PAGE}）", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20})],
    "listMentors": [
        _query("q", "姓名或证书编号"), _query("category", "人才类别"), _query("unit", "单位"),
        _query("round", "评选年度", {"type": "integer", "minimum": 1, "maximum": 9999}),
        _query("status", "状态", {"type": "string", "enum": ["active", "ended"]}), _query("page", "页码", PAGE)],
}


def document(base: str = "/api/v1") -> dict:
    paths = {
        "/process-models": {"get": _op("已部署的流程模型版本", {"200": _resp("版本列表", {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ModelVersion"}}}}), **_errors()}, tag="models", op_id="listProcessModels")},
        "/instances": {"post": _op("发起流程", {"201": _resp("已发起", INSTANCE), **_errors(403, 404, 422)}, tag="instances", op_id="startInstance",
                                   body=BODIES["startInstance"],
                                   description="谁可以发起、为哪个范围发起，由流程模型声明；流程自动发起的流程（如培带、考核）不能从外部发起。")},
        "/instances/{instance_id}": {"get": _op("流程实例及其待办", {"200": _resp("实例", INSTANCE), **_errors(404)}, params=[INSTANCE_ID], tag="instances", op_id="getInstance")},
        "/instances/{instance_id}/cancel": {"post": _op("取消流程（须填写原因）", {"200": _resp("已取消", INSTANCE), **_errors(403, 404, 409, 422)}, params=[INSTANCE_ID], tag="instances", op_id="cancelInstance",
                                                        body=BODIES["cancelInstance"])},
        "/tasks": {"get": _op("待办 / 待认领 / 已办", {"200": _resp("一页事项", {"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
            "items": {"type": "array", "items": TASK}, "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}}), **_errors(422)},
            params=QUERIES["listTasks"], tag="tasks", op_id="listTasks")},
        "/tasks/{task_id}": {"get": _op("待办详情及表单（JSON Schema）", {"200": _resp("事项", {"allOf": [TASK, {"type": "object", "properties": {
            "can_act": {"type": "boolean"}, "can_claim": {"type": "boolean"}, "form_schema": {"type": ["object", "null"]}}}]}), **_errors(404)}, params=[TASK_ID], tag="tasks", op_id="getTask")},
        "/tasks/{task_id}/claim": {"post": _op("认领", {"200": _resp("已认领", TASK), **_errors(403, 404, 409)}, params=[TASK_ID], tag="tasks", op_id="claimTask")},
        "/tasks/{task_id}/unclaim": {"post": _op("放弃认领", {"200": _resp("已放弃", TASK), **_errors(403, 404, 409)}, params=[TASK_ID], tag="tasks", op_id="unclaimTask")},
        "/tasks/{task_id}/assign": {"post": _op("分派给用户（同角色同范围）", {"200": _resp("已分派", TASK), **_errors(403, 404, 409, 422)}, params=[TASK_ID], tag="tasks", op_id="assignTask",
                                                body=BODIES["assignTask"])},
        "/tasks/{task_id}/complete": {"post": _op("办理（提交表单数据；退回或不同意须填写意见）", {"200": _resp("已办理", {"type": "object", "required": ["instance_id", "task_uuid", "element_id"], "properties": {
            "instance_id": {"type": "integer"}, "task_uuid": {"type": "string"}, "element_id": {"type": "string"}}}), **_errors(403, 404, 409, 422)},
            params=[TASK_ID], tag="tasks", op_id="completeTask", body=BODIES["completeTask"])},
        "/mentors": {"get": _op("人才培带人库", {"200": _resp("培带人", {"type": "object", "required": ["items", "total"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Mentor"}}, "total": {"type": "integer"}, "page": {"type": "integer"}}}), **_errors(403, 422)},
            params=QUERIES["listMentors"], tag="mentors", op_id="listMentors")},
    }
    nullable_str = {"type": ["string", "null"]}
    nullable_time = {"type": ["string", "null"], "format": "date-time"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "赤峰市人才培带工程管理系统 API", "version": "1.0.0",
                 "description": "令牌认证：请求头 `Authorization: Bearer <令牌>`。提示语言按 `Accept-Language`（默认中文，`en` 为英文）。\n\n"
                                "错误以 JSON 返回：`{\"code\": ..., \"message\": ...}`；数据校验失败（422）另有 `errors`，"
                                "逐项给出 `field`（字段路径，空字符串为整个表单）、`code`（如 required、enum、maxLength、unknown_field）和 `message`。\n\n"
                                "状态码：400 请求格式有误；401 未登录或令牌无效；403 无权操作；404 记录不存在或不在您的范围内（编号超出范围同样为 404）、"
                                "流程不存在；409 冲突（已被他人办理，或当前状态不允许）；422 数据校验失败。权限范围与网页一致。"},
        "servers": [{"url": base}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string", "example": "conflict",
                             "description": "bad_request, unauthorized, forbidden, not_found, conflict, invalid_state, invalid_data, ..."},
                    "message": {"type": "string", "example": "该待办已经办理完毕"},
                    "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}}},
                "FieldError": {"type": "object", "required": ["field", "code", "message"], "properties": {
                    "field": {"type": "string", "example": "opinion.score", "description": "字段路径（以点分隔）；空字符串为整个表单"},
                    "code": {"type": "string", "example": "maximum",
                             "description": "required, unknown_field, read_only, type, enum, const, minLength, maxLength, minimum, maximum, pattern, format, minItems, maxItems, ..."},
                    "message": {"type": "string", "example": "不能大于 100"}}},
                "ModelVersion": {"type": "object", "properties": {"version": {"type": "integer"}, "hash": {"type": "string"},
                                 "created_at": {"type": "string", "format": "date-time"}, "author": {"type": "string"},
                                 "comment": {"type": "string"}, "processes": {"type": "array", "items": {"type": "object", "required": ["key", "name"],
                                 "properties": {"key": {"type": "string"}, "name": {"type": "string"}}}}}},
                "Task": {"type": "object", "required": ["id", "instance_id", "name", "state"], "properties": {
                    "id": {"type": "integer"}, "instance_id": {"type": "integer"}, "process_key": {"type": "string"},
                    "element_id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string"}, "scope": nullable_str,
                    "assignee": nullable_str, "state": {"type": "string", "enum": ["open", "completed", "cancelled"]},
                    "form": nullable_str, "org_unit": nullable_str, "category": nullable_str, "batch": nullable_str,
                    "title": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}, "due_at": nullable_time,
                    "completed_at": nullable_time, "completed_by": nullable_str, "outcome": nullable_str}},
                "Instance": {"type": "object", "required": ["id", "process_key", "status"], "properties": {
                    "id": {"type": "integer"}, "process_key": {"type": "string"}, "version_id": {"type": "integer"},
                    "status": {"type": "string", "enum": ["running", "suspended", "completed", "cancelled", "error"]},
                    "title": {"type": "string"}, "org_unit": nullable_str, "category": nullable_str, "batch": nullable_str,
                    "business_key": nullable_str, "started_by": {"type": "string"}, "started_at": {"type": "string", "format": "date-time"},
                    "ended_at": nullable_time, "tasks": {"type": "array", "items": TASK}}},
                "Mentor": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "unit_id": {"type": "string"}, "unit": {"type": "string"},
                    "category": {"type": "string"}, "round": {"type": ["integer", "null"]}, "certificate": nullable_str,
                    "status": {"type": "string"}, "entered_at": nullable_time, "mentees": {"type": "integer"}}},
            },
        },
    }
