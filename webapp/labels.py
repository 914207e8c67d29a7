"""What users read for stored codes: roles, units, categories, statuses, audit actions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORIES = {"professional": _l("专业技术人才"), "skilled": _l("高技能人才"), "rural": _l("农村牧区实用人才")}

UNITS = {
    "hongshan": _l("红山区"), "yuanbaoshan": _l("元宝山区"), "songshan": _l("松山区"), "aluke": _l("阿鲁科尔沁旗"),
    "balinzuo": _l("巴林左旗"), "balinyou": _l("巴林右旗"), "linxi": _l("林西县"), "keshiketeng": _l("克什克腾旗"),
    "wengniute": _l("翁牛特旗"), "harqin": _l("喀喇沁旗"), "ningcheng": _l("宁城县"), "aohan": _l("敖汉旗"),
}

try:  # the programme's units (ids are the scopes of unit roles); counties above have English names
    from workflows.units import UNITS as _PROGRAMME_UNITS
    UNITS = {uid: UNITS.get(uid, name) for uid, name, _kind, _urban in _PROGRAMME_UNITS}
except ImportError:
    pass

INSTANCE_STATUS = {"running": _l("办理中"), "suspended": _l("已挂起"), "completed": _l("已办结"),
                   "cancelled": _l("已取消"), "error": _l("出错")}

TASK_STATE = {"open": _l("待办"), "completed": _l("已办"), "cancelled": _l("已撤销")}

OUTCOMES = {"approve": _l("同意"), "return": _l("退回修改"), "reject": _l("不同意"), "submit": _l("提交"),
            "withdrawn": _l("已撤回"), "decline": _l("不同意"), "agree": _l("同意"), "disagree": _l("不同意"),
            "abstain": _l("弃权"), "confirm": _l("确认"), "qualified": _l("合格"), "unqualified": _l("不合格")}

ACTIONS = {
    "instance_started": _l("发起流程"), "task_completed": _l("提交办理"), "task_claimed": _l("认领"),
    "task_unclaimed": _l("放弃认领"), "task_assigned": _l("分派"), "task_transferred": _l("转办"),
    "task_withdrawn": _l("撤回"), "task_urged": _l("催办"), "instance_completed": _l("流程办结"),
    "instance_cancelled": _l("取消流程"), "instance_suspended": _l("挂起"), "instance_resumed": _l("恢复"),
    "timer_fired": _l("定时触发"), "instance_failed": _l("流程出错"), "model_deployed": _l("部署模型"),
    "instance_migrated": _l("迁移到新版本"), "outbox_retried": _l("重试消息"), "outbox_dismissed": _l("忽略消息"),
    "user_saved": _l("保存用户"), "user_activated": _l("启用用户"), "user_deactivated": _l("停用用户"),
}


def role_label(engine, key: str | None) -> str:
    from .i18n import is_chinese
    role = engine.role(key) if key else None
    if role is None:
        return key or ""
    return role.label if is_chinese() or not role.label_en else role.label_en


def unit_label(value) -> str:
    return str(UNITS.get(value, value or ""))


def category_label(value) -> str:
    return str(CATEGORIES.get(value, value or ""))


def init_app(app) -> None:
    engine = app.extensions["peidai"].engine
    app.jinja_env.filters.update(
        unit=unit_label, category=category_label, role=lambda k: role_label(engine, k),
        status=lambda s: str(INSTANCE_STATUS.get(s, s or "")), task_state=lambda s: str(TASK_STATE.get(s, s or "")),
        outcome=lambda s: str(OUTCOMES.get(s, s or "")), action=lambda s: str(ACTIONS.get(s, s or "")),
    )
