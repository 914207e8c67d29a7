"""Handing a task over (转办) and taking one's own step back (撤回), as on the task page.

A committee step goes only to an expert of the category (the engine: the target must hold the
task's role in its scope) who is not already on this nomination's panel — the rule of the review
pages, :func:`webapp.confidential.transfer_refused`, called here and not written again."""
from __future__ import annotations

from flask_babel import gettext as _

from engine import InvalidData, NotFound
from webapp import auth, confidential
from webapp.auth import current_actor

from . import records, schemas
from .core import BadInput, blueprint, visible_first

blp = blueprint("task_handover", __name__, "/tasks", "待办：转办（交给同角色同范围的其他人）、撤回本人刚办理的事项")


def _username_error(code: str, message: str) -> BadInput:
    return BadInput([{"field": "username", "code": code, "message": message}])


def refuse_panel_member(task: dict, username: str) -> None:
    """422 when ``task`` is a committee step and ``username`` already sits on its panel."""
    if not confidential.confidential(task):
        return
    engine = auth.engine()
    refused = confidential.transfer_refused(engine, task, username, engine.task_data(task["id"], current_actor()))
    if refused:
        raise _username_error("on_panel", refused)


@blp.post("/<bigint:task_id>/transfer")
@visible_first(records.read_task)
@blp.arguments(schemas.TransferRequest)
@blp.response(200, schemas.TaskSchema)
@blp.alt_response(422, schema=schemas.ErrorSchema, description=(
    "数据有误；或 username 不存在（unknown_user）、不具备此事项的角色或范围（no_role，如评审专家不属本类别）、"
    "已在本推荐的评审组中（on_panel）"))
def transfer_task(body, task_id):
    """转办：把本人的待办交给同角色同范围的其他用户（须填写说明）

    评审专家的评审只能转给本类别中未参加本推荐评审的专家。转办后该事项不再出现在本人的待办中。"""
    engine, actor = auth.engine(), current_actor()
    task = records.read_task(task_id)
    to = body["username"]
    refuse_panel_member(task, to)
    try:
        engine.transfer(task_id, actor, to, body["comment"].strip())
    except NotFound:   # the task was read above: it is the user named in the body that is not found
        raise _username_error("unknown_user", _("用户不存在或已停用")) from None
    except InvalidData as exc:
        if exc.details.get("reason") != "no_role":
            raise
        raise _username_error("no_role", _("该用户不具备办理此事项的角色或范围")) from None
    return records.task_out(task | {"assignee": to})


@blp.post("/<bigint:task_id>/withdraw")
@visible_first(records.read_task)
@blp.arguments(schemas.WithdrawRequest, required=False)
@blp.response(200, schemas.TaskSchema)
@blp.alt_response(409, schema=schemas.ErrorSchema, description="不能撤回：后续环节已办理、流程已结束，或不是本人办理的")
def withdraw_task(body, task_id):
    """撤回本人刚办理的事项（后续环节尚未办理时）：事项重新打开，回到本人的待办"""
    engine, actor = auth.engine(), current_actor()
    records.read_task(task_id)
    engine.withdraw(task_id, actor, (body or {}).get("comment", "").strip())
    return records.task_out(records.read_task(task_id))
