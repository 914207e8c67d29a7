"""The OpenAPI 3 document of /api/v1 (kept beside the routes; tests check each one answers)."""
from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}


def _resp(description: str, schema=None) -> dict:
    out = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def _errors(*codes: int) -> dict:
    text = {400: "请求有误", 401: "未登录或令牌无效", 403: "无权操作", 404: "记录不存在或不在您的范围内",
            409: "冲突：已被他人办理或状态不允许", 422: "数据校验失败"}
    return {str(c): _resp(text[c], ERROR) for c in codes}


def _op(summary: str, responses: dict, *, params=None, body=None, tag: str, op_id: str) -> dict:
    out = {"summary": summary, "operationId": op_id, "tags": [tag], "responses": responses}
    if params:
        out["parameters"] = params
    if body:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return out


def _path_id(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": what, "schema": {"type": "integer"}}


def _query(name: str, what: str, schema=None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": what, "schema": schema or {"type": "string"}}


TASK_ID = _path_id("task_id", "待办事项编号")
INSTANCE_ID = _path_id("instance_id", "流程实例编号")
TASK = {"$ref": "#/components/schemas/Task"}
INSTANCE = {"$ref": "#/components/schemas/Instance"}


def document(base: str = "/api/v1") -> dict:
    paths = {
        "/process-models": {"get": _op("已部署的流程模型版本", {"200": _resp("版本列表", {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ModelVersion"}}}}), **_errors(401)}, tag="models", op_id="listProcessModels")},
        "/instances": {"post": _op("发起流程", {"201": _resp("已发起", INSTANCE), **_errors(401, 403, 404, 422)}, tag="instances", op_id="startInstance",
                                   body={"type": "object", "required": ["process_key"], "properties": {
                                       "process_key": {"type": "string", "example": "nomination"},
                                       "data": {"type": "object"}, "title": {"type": "string"}, "business_key": {"type": "string"}}})},
        "/instances/{instance_id}": {"get": _op("流程实例及其待办", {"200": _resp("实例", INSTANCE), **_errors(401, 404)}, params=[INSTANCE_ID], tag="instances", op_id="getInstance")},
        "/instances/{instance_id}/cancel": {"post": _op("取消流程（须填写原因）", {"200": _resp("已取消", INSTANCE), **_errors(401, 403, 404, 409, 422)}, params=[INSTANCE_ID], tag="instances", op_id="cancelInstance",
                                                        body={"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}})},
        "/tasks": {"get": _op("待办 / 待认领 / 已办", {"200": _resp("一页事项", {"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
            "items": {"type": "array", "items": TASK}, "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}}), **_errors(401, 422)},
            params=[_query("box", "todo（我的待办）、group（待认领）、done（已办）", {"type": "string", "enum": ["todo", "group", "done"], "default": "todo"}),
                    _query("batch", "评选批次"), _query("category", "人才类别"), _query("org_unit", "单位"),
                    _query("overdue", "仅已超期（1）", {"type": "string", "enum": ["0", "1"]}),
                    _query("page", "页码", {"type": "integer", "minimum": 1}), _query("per_page", "每页条数（最多 100）", {"type": "integer", "minimum": 1, "maximum": 100})],
            tag="tasks", op_id="listTasks")},
        "/tasks/{task_id}": {"get": _op("待办详情及表单（JSON Schema）", {"200": _resp("事项", {"allOf": [TASK, {"type": "object", "properties": {
            "can_act": {"type": "boolean"}, "can_claim": {"type": "boolean"}, "form_schema": {"type": ["object", "null"]}}}]}), **_errors(401, 404)}, params=[TASK_ID], tag="tasks", op_id="getTask")},
        "/tasks/{task_id}/claim": {"post": _op("认领", {"200": _resp("已认领", TASK), **_errors(401, 403, 404, 409)}, params=[TASK_ID], tag="tasks", op_id="claimTask")},
        "/tasks/{task_id}/unclaim": {"post": _op("放弃认领", {"200": _resp("已放弃", TASK), **_errors(401, 403, 404, 409)}, params=[TASK_ID], tag="tasks", op_id="unclaimTask")},
        "/tasks/{task_id}/assign": {"post": _op("分派给用户（同角色同范围）", {"200": _resp("已分派", TASK), **_errors(401, 403, 404, 409, 422)}, params=[TASK_ID], tag="tasks", op_id="assignTask",
                                                body={"type": "object", "required": ["username"], "properties": {"username": {"type": "string"}, "comment": {"type": "string"}}})},
        "/tasks/{task_id}/complete": {"post": _op("办理（提交表单数据；退回或不同意须填写意见）", {"200": _resp("已办理", {"type": "object", "properties": {
            "instance_id": {"type": "integer"}, "task_uuid": {"type": "string"}, "element_id": {"type": "string"}}}), **_errors(401, 403, 404, 409, 422)},
            params=[TASK_ID], tag="tasks", op_id="completeTask",
            body={"type": "object", "properties": {"data": {"type": "object"}, "comment": {"type": "string", "description": "审批意见"},
                                                   "outcome": {"type": "string", "enum": ["approve", "return", "reject", "submit"]}}})},
        "/mentors": {"get": _op("人才培带人库", {"200": _resp("培带人", {"type": "object", "required": ["items", "total"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Mentor"}}, "total": {"type": "integer"}, "page": {"type": "integer"}}}), **_errors(401, 403)},
            params=[_query("q", "姓名或证书编号"), _query("category", "人才类别"), _query("unit", "单位"), _query("round", "评选年度"),
                    _query("status", "状态", {"type": "string", "enum": ["active", "ended"]}), _query("page", "页码", {"type": "integer", "minimum": 1})],
            tag="mentors", op_id="listMentors")},
    }
    nullable_str = {"type": ["string", "null"]}
    nullable_time = {"type": ["string", "null"], "format": "date-time"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "赤峰市人才培带工程管理系统 API", "version": "1.0.0",
                 "description": "令牌认证：请求头 `Authorization: Bearer <令牌>`。错误以 JSON 返回：`{\"code\": ..., \"message\": ...}`；"
                                "并发办理同一事项时后到者得到 409。权限范围与网页一致。"},
        "servers": [{"url": base}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string", "example": "conflict"}, "message": {"type": "string", "example": "该待办已经办理完毕"},
                    "details": {"type": "object"}}},
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
                    "started_by": {"type": "string"}, "started_at": {"type": "string", "format": "date-time"}, "ended_at": nullable_time,
                    "tasks": {"type": "array", "items": TASK}}},
                "Mentor": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "unit_id": {"type": "string"}, "unit": {"type": "string"},
                    "category": {"type": "string"}, "round": {"type": ["integer", "null"]}, "certificate": nullable_str,
                    "status": {"type": "string"}, "entered_at": nullable_time, "mentees": {"type": "integer"}}},
            },
        },
    }
