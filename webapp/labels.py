"""What users read for stored codes: roles, units, categories, statuses, results, kinds, audit
actions and the verbs of the timeline. No page shows a stored code: templates go through the
filters installed here (``status``, ``outcome``, ``label('activity_kind')`` ...)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORIES = {"professional": _l("专业技术人才"), "skilled": _l("高技能人才"), "rural": _l("农村牧区实用人才")}

UNITS = {
    "hongshan": _l("红山区"), "yuanbaoshan": _l("元宝山区"), "songshan": _l("松山区"), "aluke": _l("阿鲁科尔沁旗"),
    "balinzuo": _l("巴林左旗"), "balinyou": _l("巴林右旗"), "linxi": _l("林西县"), "keshiketeng": _l("克什克腾旗"),
    "wengniute": _l("翁牛特旗"), "harqin": _l("喀喇沁旗"), "ningcheng": _l("宁城县"), "aohan": _l("敖汉旗"),
    "city_education": _l("市教育局"), "city_health": _l("市卫生健康委员会"), "city_agriculture": _l("市农牧业局"),
    "city_science": _l("市科学技术局"), "city_hrss": _l("市人力资源和社会保障局"), "city_industry": _l("市工业和信息化局"),
    "cfu": _l("赤峰学院"), "imvct": _l("内蒙古交通职业技术学院"), "cfpt": _l("赤峰工业职业技术学院"),
}

try:  # the programme's units (ids are the scopes of unit roles); those above have English names
    from workflows.units import UNITS as _PROGRAMME_UNITS
    UNITS = {uid: UNITS.get(uid, name) for uid, name, _kind, _urban in _PROGRAMME_UNITS}
except ImportError:
    pass

INSTANCE_STATUS = {"running": _l("办理中"), "suspended": _l("已挂起"), "completed": _l("已办结"),
                   "cancelled": _l("已取消"), "error": _l("出错")}

TASK_STATE = {"open": _l("待办"), "completed": _l("已办"), "cancelled": _l("已撤销")}

OUTCOMES = {"approve": _l("同意"), "return": _l("退回修改"), "reject": _l("不同意"), "submit": _l("已提交"),
            "withdrawn": _l("已撤回"), "withdraw": _l("撤回"), "decline": _l("不同意"), "agree": _l("同意"),
            "disagree": _l("不同意"), "abstain": _l("弃权"), "confirm": _l("确认"), "qualified": _l("合格"),
            "unqualified": _l("不合格"), "sign": _l("签批")}

ACTIONS = {
    "instance_started": _l("发起流程"), "task_completed": _l("提交办理"), "task_claimed": _l("认领"),
    "task_unclaimed": _l("放弃认领"), "task_assigned": _l("分派"), "task_transferred": _l("转办"),
    "task_withdrawn": _l("撤回"), "task_urged": _l("催办"), "instance_completed": _l("流程办结"),
    "instance_cancelled": _l("取消流程"), "instance_suspended": _l("挂起"), "instance_resumed": _l("恢复"),
    "timer_fired": _l("定时触发"), "instance_failed": _l("流程出错"), "model_deployed": _l("部署模型"),
    "instance_migrated": _l("迁移到新版本"), "outbox_retried": _l("重试消息"), "outbox_dismissed": _l("忽略消息"),
    "user_saved": _l("保存用户"), "user_activated": _l("启用用户"), "user_deactivated": _l("停用用户"),
}

# The verb of a completed task in the timeline, by its decision (the value of the form's decision
# field) and, where the same decision reads differently, by the step.
VERBS = {
    "approve": _l("审批通过"), "return": _l("退回修改"), "reject": _l("不予推荐"), "decline": _l("不同意"),
    "confirm": _l("确认通过"), "agree": _l("评审同意"), "disagree": _l("评审不同意"), "abstain": _l("评审弃权"),
    "qualified": _l("考核合格"), "unqualified": _l("考核不合格"), "submit": _l("提交"), "withdraw": _l("撤回推荐"),
    "publish": _l("公布名单"), "sign": _l("已签批"),
}
STEP_VERBS = {
    ("Task_SignOff", "approve"): _l("已签批"), ("Task_SignOff", "decline"): _l("不予签批"),
    ("Task_Fill", "submit"): _l("提交申报"), ("Task_UnitReview", "approve"): _l("审核通过"),
    ("Task_ExpertReview", None): _l("提交评审意见"), ("Task_ApproveBenefit", "approve"): _l("审批通过"),
    ("Task_ConfirmAssessment", "qualified"): _l("确认考核合格"), ("Task_ConfirmAssessment", "unqualified"): _l("确认考核不合格"),
    ("Task_RegisterMentees", None): _l("提交联系书"), ("Task_LogActivity", None): _l("登记活动"),
    ("Task_TrainingPlan", None): _l("提交培养计划"), ("Task_Apply", None): _l("提交申请"),
    ("Task_PublishList", None): _l("公布名单"), ("Task_UnitAssessment", None): _l("提交考核结果"),
    ("Task_PrepareList", None): _l("拟定推荐名单"), ("Task_SignList", "sign"): _l("签批名单"),
}

# Stored codes of the programme's records, by kind (``label`` filter: ``{{ x|label('mentee_status') }}``).
CODES = {
    "nomination_status": {
        "draft": _l("未报送"), "submitted": _l("已报送"), "returned": _l("退回修改"), "ineligible": _l("不符合条件"),
        "rejected": _l("单位不予推荐"), "withdrawn": _l("已撤回"), "in_review": _l("评审中"), "recommended": _l("评审通过"),
        "not_recommended": _l("评审未通过"), "declined": _l("未获签批"), "appointed": _l("已聘任"),
        "expired": _l("截止时未报送")},
    "list_status": {"listed": _l("已列入推荐名单"), "signed": _l("已签批"), "struck": _l("签批时划去")},
    "round_status": {"open": _l("报送中"), "closed": _l("已截止"), "published": _l("已公布")},
    "pool_status": {"active": _l("在库"), "ended": _l("已出库")},
    "certificate_status": {"valid": _l("有效"), "revoked": _l("已撤销")},
    "mentorship_status": {"agreement": _l("签订联系书"), "active": _l("培带中"), "completed": _l("培带期满"),
                          "disqualified": _l("已取消资格")},
    "mentee_status": {"active": _l("培养中"), "released": _l("已解除"), "completed": _l("已结业")},
    "assessment_status": {"open": _l("考核中"), "qualified": _l("合格"), "unqualified": _l("不合格")},
    "assessment_result": {"qualified": _l("合格"), "unqualified": _l("不合格")},
    "activity_kind": {"lecture": _l("专题讲座"), "guidance": _l("技术辅导"), "training": _l("培训授课"),
                      "exchange": _l("学术、技术或经验交流")},
    "benefit_kind": {"bus_card": _l("人才公交IC卡"), "apartment": _l("“玉龙人才”公寓"), "health_check": _l("免费健康检查"),
                     "recuperation": _l("免费休假疗养"), "training_class": _l("培带人培训班"),
                     "commendation": _l("优秀培带人表彰奖励")},
    "benefit_status": {"pending": _l("待审批"), "approved": _l("已批准"), "declined": _l("未批准"),
                       "ineligible": _l("不符合条件"), "withdrawn": _l("已撤回")},
    "vote": {"agree": _l("同意"), "disagree": _l("不同意"), "abstain": _l("弃权")},
    "talent_type": {"professional": _l("优秀专业技术人才"), "skilled": _l("优秀高技能人才"),
                    "rural": _l("优秀农村牧区实用人才"), "equivalent": _l("高于或相当于上述层次的优秀人才"),
                    "approved": _l("经市委组织部批准的其他人才")},
    "gender": {"男": _l("男"), "女": _l("女")},
}


def code_label(kind: str, value) -> str:
    """The label of a stored code of ``kind``; the value itself when it is not a known code."""
    if value is None or value == "":
        return ""
    found = CODES.get(kind, {}).get(value)
    if found is None and isinstance(value, bool):
        return str(_l("是") if value else _l("否"))
    return str(found) if found is not None else str(value)


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


def scope_label(scope, role: str | None = None) -> str:
    """A membership's scope in words: the unit of a unit role, the category of an expert."""
    if scope is None or scope == "":
        return ""
    if role == "expert" or (role is None and scope in CATEGORIES):
        return category_label(scope)
    if role in ("unit_submitter", "unit_reviewer") or (role is None and scope in UNITS):
        return unit_label(scope)
    return str(scope)


def verb(element_id: str | None, decision: str | None) -> str:
    """审批通过, 退回修改, 不予推荐, 已签批 ...: what a completed task did, for the timeline."""
    for key in ((element_id, decision), (element_id, None)):
        if key in STEP_VERBS and (key[1] is not None or decision not in ("return", "reject", "decline")):
            return str(STEP_VERBS[key])
    if decision in VERBS:
        return str(VERBS[decision])
    return str(ACTIONS["task_completed"])


# The words the programme's office pages are given as Chinese labels (workflows.office, corner,
# events, publicity) and the shipped rules' own labels that the models do not name: listed here so
# the catalogue carries them; the ``word`` filter (webapp.i18n.word) shows them in English.
WORDS = (
    _l("报送中"), _l("已截止"), _l("名单已公布"), _l("未拟定"), _l("待签批"), _l("已签批"), _l("已公布"), _l("旗县区"),
    _l("市直部门"), _l("高校"), _l("企业"), _l("事业单位"), _l("填报中"), _l("退回修改"), _l("不符合条件"), _l("已报送"),
    _l("评审中"), _l("评审通过"), _l("评审未通过"), _l("签批时划去"), _l("已聘任"), _l("单位不予推荐"), _l("已撤回"),
    _l("逾期未报送"), _l("同意"), _l("不同意"), _l("弃权"), _l("延长截止日期"), _l("提前截止"), _l("待审定"),
    _l("已退回重拟"), _l("已审定"), _l("不予推荐"), _l("逾期未报"), _l("签订联系书中"), _l("培带期内"), _l("培带期满"),
    _l("已取消资格"), _l("培带中"), _l("已解除"), _l("已完成培带"), _l("合格"), _l("不合格"), _l("考核中"), _l("待审批"),
    _l("已同意"), _l("未同意"), _l("有效"), _l("已撤销"), _l("筹备中"), _l("已举办"), _l("已取消"),
    _l("初稿（取自推荐材料）"), _l("待审核"), _l("已审核"), _l("优秀培带人赴先进发达地区学习考察"),
    # workflows.notifications: kinds of message, channels (account/contacts.html) and mail states (mail_admin)
    _l("待办、超期提醒和催办"), _l("评选通知和截止提醒"), _l("审核结果、退回修改和聘书"), _l("培带期、年度考核和资格"),
    _l("账号待激活和系统故障"), _l("仅站内消息"), _l("站内消息和邮件"),
    _l("正在发送"), _l("已发送"), _l("未配置邮件服务器，已保存待发"), _l("发送失败"),
)


def yes_no(value) -> str:
    return str(_l("是") if value else _l("否"))


def init_app(app) -> None:
    engine = app.extensions["peidai"].engine
    app.jinja_env.filters.update(
        unit=unit_label, category=category_label, role=lambda k: role_label(engine, k),
        status=lambda s: str(INSTANCE_STATUS.get(s, s or "")), task_state=lambda s: str(TASK_STATE.get(s, s or "")),
        outcome=lambda s: str(OUTCOMES.get(s, s or "")), action=lambda s: str(ACTIONS.get(s, s or "")),
        label=lambda value, kind: code_label(kind, value), yes_no=yes_no, scope=scope_label,
    )
