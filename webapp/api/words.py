"""What the API's answers say in words (Chinese first, English through the catalogue): results,
statuses, actions and the summary of a submission."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

RESULTS = {
    "appointed": _l("已聘任"), "rejected": _l("单位不予推荐"), "withdrawn": _l("已撤回"), "expired": _l("截止时未报送"),
    "not_recommended": _l("评审未通过"), "declined": _l("未获签批"), "submitted": _l("已报送"),
    "recommended": _l("评审通过"), "qualified": _l("合格"), "unqualified": _l("不合格"), "approved": _l("已批准"),
    "ineligible": _l("不符合条件"), "disqualified": _l("已取消资格"), "published": _l("已公布"),
    "completed": _l("已办结"), "cancelled": _l("已取消"),
}

NOMINATION_STATUS = {
    "draft": _l("未报送"), "submitted": _l("已报送"), "returned": _l("退回修改"), "ineligible": _l("不符合条件"),
    "rejected": _l("单位不予推荐"), "withdrawn": _l("已撤回"), "in_review": _l("评审中"), "recommended": _l("评审通过"),
    "not_recommended": _l("评审未通过"), "declined": _l("未获签批"), "appointed": _l("已聘任"), "expired": _l("截止时未报送"),
}

ACTIONS = {
    "instance_started": _l("发起流程"), "task_completed": _l("提交办理"), "task_claimed": _l("认领"),
    "task_unclaimed": _l("放弃认领"), "task_assigned": _l("分派"), "task_transferred": _l("转办"),
    "task_withdrawn": _l("撤回"), "task_urged": _l("催办"), "instance_completed": _l("流程办结"),
    "instance_cancelled": _l("取消流程"), "instance_suspended": _l("挂起"), "instance_resumed": _l("恢复"),
    "timer_fired": _l("定时触发"), "instance_failed": _l("流程出错"), "instance_migrated": _l("迁移到新版本"),
}

EXPERT = _l("评审专家")
SYSTEM = _l("系统")   # the engine's own actor (timers, service tasks, automatic cancellation)


def result_label(code: str | None) -> str:
    return str(RESULTS.get(code, code or ""))


def status_label(code: str | None) -> str:
    return str(NOMINATION_STATUS.get(code, code or ""))


def action_label(code: str | None) -> str:
    return str(ACTIONS.get(code, code or ""))
