"""Generate the programme's BPMN files (with diagrams) into ``bpmn/``.

    .venv/bin/python scripts/build_models.py

The generated files are committed; after that they may be edited in a modeller like any other.
Element ids are the vocabulary shared with ``workflows/handlers.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bpmn_builder import Process, dmn, loop, mi  # noqa: E402
from build_forms import FORMS  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "bpmn"

SUBMITTER, REVIEWER, EXPERT, SECTION, DIRECTOR, MENTOR = "单位申报人", "单位审核人", "评审专家", "人才科", "领导小组办公室主任", "培带人"

# A returned application opens again showing what the unit submitted (all of 附件2), but not the
# previous choice between submitting and withdrawing.
APPLICATION_KEEP = [f for f in FORMS["application.schema.json"]["properties"] if f != "action"]

PROGRAMME_RULES = """# 赤组通字〔2014〕21号 — rules a round starts with (the start data may override them)
programme_rules = {
    "deadline_month_day": "06-30",        # 6月30日前报送
    "reminder_days": [30, 14, 7, 3, 1],   # reminders to units that have not submitted
    "experts_per_panel": 5,               # experts reviewing each nomination of a category
    "rule_num": 2, "rule_den": 3,         # recommended when agree >= 2/3 of the opinions
    "cycle_years": 3,                     # 原则上每三年评选一次
}"""


def selection_round() -> Process:
    p = Process("selection_round", "人才培带人评选", [SECTION],
                "市委组织部人才科开启评选：截止日前向未报送单位发送提醒，截止后向人才科报告仍未报送的单位，截止即把已报送的推荐交评审委员会。",
                start_roles=["talent_section"], start_form="forms/start_selection_round.schema.json")
    p.start("StartEvent_Round", "开启评选", SECTION)
    p.script("Script_ProgrammeRules", "评选规则", SECTION, PROGRAMME_RULES)
    p.service("Service_OpenRound", "登记评选轮次", SECTION, "round/open", {}, "round_info")
    p.call("Call_Reminders", "截止前提醒", SECTION, "round_reminder",
           loop("reminder_index < len(reminders)", test_before=True))
    p.timer("Timer_Deadline", "报送截止", SECTION, date="closes_at")
    p.service("Service_Escalate", "督促未报送单位", SECTION, "round/escalate", {"round_id": "round_id"}, "escalation")
    p.service("Service_CloseRound", "截止并移交评审委员会", SECTION, "round/close", {"round_id": "round_id"}, "closing")
    p.user("Task_PublishList", "公布培带人名单", SECTION, "forms/publish_list.schema.json",
           doc="评审和签批结束后，人才科公布人才培带人名单。")
    p.service("Service_Publish", "公布名单", SECTION, "round/publish", {"round_id": "round_id"}, "published")
    p.timer("Timer_NextRound", "三年后", SECTION, date="next_round_at")
    p.service("Service_NextRoundDue", "提醒开启下一轮评选", SECTION, "round/next_due", {"round_id": "round_id"}, "next_due")
    p.end("EndEvent_Round", "评选结束", SECTION)
    p.chain("StartEvent_Round", "Script_ProgrammeRules", "Service_OpenRound", "Call_Reminders", "Timer_Deadline",
            "Service_Escalate", "Service_CloseRound", "Task_PublishList", "Service_Publish", "Timer_NextRound",
            "Service_NextRoundDue", "EndEvent_Round")
    return p


def round_reminder() -> Process:
    p = Process("round_reminder", "截止前提醒", [SECTION], "到提醒日，向尚未报送推荐的单位发送提醒。")
    p.start("StartEvent_Reminder", "提醒", SECTION)
    p.script("Script_PickReminder", "下一个提醒日", SECTION, "reminder = reminders[reminder_index]")
    p.timer("Timer_Reminder", "提醒日", SECTION, date="reminder['at']")
    p.service("Service_Remind", "提醒未报送单位", SECTION, "round/remind",
              {"round_id": "round_id", "days": "reminder['days']"}, "reminded")
    p.script("Script_NextReminder", "计数", SECTION, "reminder_index = reminder_index + 1")
    p.end("EndEvent_Reminder", "已提醒", SECTION)
    p.chain("StartEvent_Reminder", "Script_PickReminder", "Timer_Reminder", "Service_Remind", "Script_NextReminder",
            "EndEvent_Reminder")
    return p


def nomination() -> Process:
    p = Process("nomination", "人才培带人推荐", [SUBMITTER, REVIEWER, SECTION, EXPERT, DIRECTOR],
                "单位填报《推荐申报表》→ 资格审查（DMN）→ 单位审核（可退回修改，次数不限；截止时仍未报送的逾期关闭）→ 截止后评审委员会分类评审 → "
                "领导小组办公室主任签批 → 颁发聘书 → 入库 → 开始培带。",
                start_roles=["unit_submitter", "talent_section"], start_form="forms/start_nomination.schema.json")
    p.start("StartEvent_Nomination", "发起推荐", SUBMITTER)
    p.service("Service_Register", "登记推荐", SUBMITTER, "nomination/register",
              {"round_id": "round_id", "unit_id": "unit_id"}, "registered")
    p.call("Call_Prepare", "填报与单位审核", SUBMITTER, "nomination_revision", loop("unit_decision == 'return'"))
    p.service("Service_Expired", "记录逾期未报送", SUBMITTER, "nomination/close",
              {"nomination_id": "nomination_id", "outcome": "'expired'"}, "closed")
    p.end("EndEvent_Expired", "逾期未报送", SUBMITTER)
    p.xor("Gateway_UnitDecision", "单位审核结论", REVIEWER)
    p.service("Service_Submit", "报送市委组织部", REVIEWER, "nomination/submit", {"nomination_id": "nomination_id"}, "submitted")
    p.service("Service_Rejected", "记录不予推荐", REVIEWER, "nomination/close",
              {"nomination_id": "nomination_id", "outcome": "'rejected'"}, "closed")
    p.service("Service_Withdrawn", "记录撤回", SUBMITTER, "nomination/close",
              {"nomination_id": "nomination_id", "outcome": "'withdrawn'"}, "closed")
    p.end("EndEvent_Rejected", "单位不予推荐", REVIEWER)
    p.end("EndEvent_Withdrawn", "已撤回", SUBMITTER)
    p.timer("Timer_RoundClosed", "评选截止", SECTION, date="closes_at")
    p.service("Service_AssignExperts", "分配评审专家", SECTION, "committee/assign", {"nomination_id": "nomination_id"}, "committee")
    p.user("Task_ExpertReview", "专家评审", EXPERT, "forms/expert_opinion.schema.json", assignee="expert", due_in="'P20D'",
           loop_xml=mi("experts", "expert", "opinions", "opinion"),
           doc="每位专家独立给出意见和评分；破格推荐的须审议破格理由。")
    p.script("Script_Tally", "按表决规则统计", EXPERT,
             "agree = len([o for o in opinions if (o or {}).get('vote') == 'agree'])\n"
             "recommended = len(opinions) > 0 and agree * rule_den >= len(opinions) * rule_num")
    p.service("Service_RecordCommittee", "记录评审结果", SECTION, "committee/record",
              {"nomination_id": "nomination_id"}, "committee_result")
    p.xor("Gateway_Recommended", "评审委员会是否推荐", SECTION)
    p.service("Service_NotRecommended", "记录未入选", SECTION, "nomination/close",
              {"nomination_id": "nomination_id", "outcome": "'not_recommended'"}, "closed")
    p.end("EndEvent_NotRecommended", "未入选", SECTION)
    p.user("Task_SignOff", "签批", DIRECTOR, "forms/sign_off.schema.json", due_in="'P15D'",
           doc="市人才工作领导小组办公室主任签批评审委员会确定的培带人名单。")
    p.xor("Gateway_SignOff", "签批结论", DIRECTOR)
    p.service("Service_Declined", "记录未签批", DIRECTOR, "nomination/close",
              {"nomination_id": "nomination_id", "outcome": "'declined'"}, "closed")
    p.end("EndEvent_Declined", "未签批", DIRECTOR)
    p.service("Service_IssueCertificate", "颁发聘书", SECTION, "certificate/issue", {"nomination_id": "nomination_id"}, "certificate")
    p.service("Service_EnterPool", "列入人才培带人库", SECTION, "pool/enter", {"nomination_id": "nomination_id"}, "pool")
    p.service("Service_StartMentoring", "开始培带", SECTION, "mentoring/start", {"nomination_id": "nomination_id"}, "mentoring")
    p.end("EndEvent_Appointed", "已聘任", SECTION)
    p.chain("StartEvent_Nomination", "Service_Register", "Call_Prepare", "Gateway_UnitDecision")
    p.flow("Gateway_UnitDecision", "Service_Submit", "unit_decision == 'approve'", "同意推荐")
    p.flow("Gateway_UnitDecision", "Service_Rejected", "unit_decision == 'reject'", "不予推荐")
    p.flow("Gateway_UnitDecision", "Service_Expired", "unit_decision == 'expired'", "逾期")
    p.flow("Gateway_UnitDecision", "Service_Withdrawn", name="撤回", default=True)
    p.chain("Service_Expired", "EndEvent_Expired")
    p.chain("Service_Rejected", "EndEvent_Rejected")
    p.chain("Service_Withdrawn", "EndEvent_Withdrawn")
    p.chain("Service_Submit", "Timer_RoundClosed", "Service_AssignExperts", "Task_ExpertReview", "Script_Tally",
            "Service_RecordCommittee", "Gateway_Recommended")
    p.flow("Gateway_Recommended", "Task_SignOff", "recommended", "推荐")
    p.flow("Gateway_Recommended", "Service_NotRecommended", name="不推荐", default=True)
    p.chain("Service_NotRecommended", "EndEvent_NotRecommended")
    p.chain("Task_SignOff", "Gateway_SignOff")
    p.flow("Gateway_SignOff", "Service_IssueCertificate", "sign_off == 'approve'", "同意")
    p.flow("Gateway_SignOff", "Service_Declined", name="不同意", default=True)
    p.chain("Service_Declined", "EndEvent_Declined")
    p.chain("Service_IssueCertificate", "Service_EnterPool", "Service_StartMentoring", "EndEvent_Appointed")
    return p


def nomination_revision() -> Process:
    p = Process("nomination_revision", "推荐材料填报与单位审核", [SUBMITTER, REVIEWER],
                "一次填报与审核；被退回时由上级流程的标准循环再次调用（不加深任务树）。")
    p.start("StartEvent_Revision", "填报", SUBMITTER)
    p.user("Task_Fill", "填写推荐申报表", SUBMITTER, "forms/application.schema.json", due_at="closes_at",
           keep_fields=APPLICATION_KEEP,
           doc="附件2《赤峰市人才培带人推荐申报表》及证书复印件；被退回时请按审核意见修改。")
    p.xor("Gateway_Action", "提交或撤回", SUBMITTER)
    p.script("Script_Withdraw", "撤回推荐", SUBMITTER, "unit_decision = 'withdrawn'")
    p.end("EndEvent_RevisionWithdrawn", "撤回", SUBMITTER)
    p.service("Service_Facts", "计算年龄和在赤工作年限", SUBMITTER, "nomination/check_eligibility",
              {"nomination_id": "nomination_id"}, "facts")
    p.rule("Rule_Eligibility", "资格审查", SUBMITTER, "eligibility")
    p.service("Service_RecordEligibility", "记录资格审查结果", SUBMITTER, "nomination/record_eligibility",
              {"nomination_id": "nomination_id"}, "eligibility")
    p.xor("Gateway_Eligible", "是否符合条件", SUBMITTER)
    p.end("EndEvent_Ineligible", "不符合条件，退回修改", SUBMITTER)
    p.user("Task_UnitReview", "单位审核", REVIEWER, "forms/unit_review.schema.json", due_in="'P10D'",
           doc="同意推荐、退回修改（须填写意见）或不予推荐（须填写理由）。")
    p.service("Service_RecordReview", "记录审核意见", REVIEWER, "nomination/record_review",
              {"nomination_id": "nomination_id"}, "review")
    p.end("EndEvent_Reviewed", "审核完成", REVIEWER)
    # 6月30日前报送: what is not filled in and approved by the unit at the deadline expires
    p.boundary_timer("Timer_FillDeadline", "报送截止", "Task_Fill", date="closes_at")
    p.boundary_timer("Timer_ReviewDeadline", "报送截止", "Task_UnitReview", date="closes_at")
    p.script("Script_Expired", "逾期未报送", SUBMITTER, "unit_decision = 'expired'")
    p.end("EndEvent_RevisionExpired", "逾期", SUBMITTER)
    p.chain("StartEvent_Revision", "Task_Fill", "Gateway_Action")
    p.flow("Gateway_Action", "Script_Withdraw", "action == 'withdraw'", "撤回")
    p.flow("Gateway_Action", "Service_Facts", name="提交", default=True)
    p.chain("Script_Withdraw", "EndEvent_RevisionWithdrawn")
    p.chain("Service_Facts", "Rule_Eligibility", "Service_RecordEligibility", "Gateway_Eligible")
    p.flow("Gateway_Eligible", "Task_UnitReview", "eligible", "符合")
    p.flow("Gateway_Eligible", "EndEvent_Ineligible", name="不符合", default=True)
    p.chain("Task_UnitReview", "Service_RecordReview", "EndEvent_Reviewed")
    p.flow("Timer_FillDeadline", "Script_Expired")
    p.flow("Timer_ReviewDeadline", "Script_Expired")
    p.chain("Script_Expired", "EndEvent_RevisionExpired")
    return p


def mentoring() -> Process:
    p = Process("mentoring", "人才培带", [MENTOR, REVIEWER, SECTION],
                "1带5：登记五名培带对象并签订联系书（单位确认）→ 每名培带对象制定培养计划 → 培带期内随时记录活动 → "
                "每个周年日启动一次年度考核（独立流程实例）→ 培带期满结束。")
    p.start("StartEvent_Mentoring", "开始培带", MENTOR)
    p.call("Call_Agreement", "签订培带联系书", MENTOR, "mentoring_agreement", loop("agreement_decision == 'return'"))
    p.service("Service_StartPeriod", "开始培带期", REVIEWER, "mentoring/start_period", {"mentorship_id": "mentorship_id"}, "period")
    p.par("Gateway_Split", "培带期", REVIEWER)
    p.user("Task_TrainingPlan", "制定培养计划", MENTOR, "forms/training_plan.schema.json", due_in="'P30D'",
           loop_xml=mi("mentee_ids", "plan_mentee", "training_plans", "training_plan"),
           doc="与每名培带对象共同制定培养计划（每人一项，并行办理）。")
    p.service("Service_RecordPlans", "保存培养计划", MENTOR, "mentoring/record_plans", {"mentorship_id": "mentorship_id"}, "plans")
    p.end("EndEvent_Plans", "培养计划已制定", MENTOR)
    p.call("Call_Activities", "记录培带活动", MENTOR, "mentoring_activity", loop("True"))
    p.end("EndEvent_Activities", "活动记录结束", MENTOR)
    p.call("Call_Years", "年度考核", SECTION, "mentoring_year", loop("year_index < len(anniversaries)", test_before=True))
    p.end("EndEvent_Period", "培带期结束", SECTION, terminate=True)
    p.chain("StartEvent_Mentoring", "Call_Agreement", "Service_StartPeriod", "Gateway_Split")
    p.flow("Gateway_Split", "Task_TrainingPlan")
    p.flow("Gateway_Split", "Call_Activities")
    p.flow("Gateway_Split", "Call_Years")
    p.chain("Task_TrainingPlan", "Service_RecordPlans", "EndEvent_Plans")
    p.chain("Call_Activities", "EndEvent_Activities")
    p.chain("Call_Years", "EndEvent_Period")
    return p


def mentoring_agreement() -> Process:
    p = Process("mentoring_agreement", "培带联系书", [MENTOR, REVIEWER], "培带人登记五名培带对象和培带期，单位确认联系书。")
    p.start("StartEvent_Agreement", "联系书", MENTOR)
    p.user("Task_RegisterMentees", "登记培带对象", MENTOR, "forms/agreement.schema.json", due_in="'P30D'", keep_fields="*",
           doc="按“1带5”确定五名本部门、本专业的培带对象，选择培带期（2年或3年），填写培带指标。")
    p.service("Service_RegisterMentees", "核对培带对象", MENTOR, "mentoring/register_mentees",
              {"mentorship_id": "mentorship_id"}, "mentees_registered")
    p.user("Task_ConfirmAgreement", "单位确认联系书", REVIEWER, "forms/agreement_confirm.schema.json", due_in="'P15D'")
    p.service("Service_RecordAgreement", "记录确认结果", REVIEWER, "mentoring/record_agreement",
              {"mentorship_id": "mentorship_id"}, "agreement")
    p.end("EndEvent_Agreement", "联系书办结", REVIEWER)
    p.chain("StartEvent_Agreement", "Task_RegisterMentees", "Service_RegisterMentees", "Task_ConfirmAgreement",
            "Service_RecordAgreement", "EndEvent_Agreement")
    return p


def mentoring_activity() -> Process:
    p = Process("mentoring_activity", "培带活动", [MENTOR], "专题讲座、技术辅导、培训授课、交流活动，随时记录。")
    p.start("StartEvent_Activity", "活动", MENTOR)
    p.user("Task_LogActivity", "记录培带活动", MENTOR, "forms/activity.schema.json")
    p.service("Service_LogActivity", "保存活动记录", MENTOR, "activity/log", {"mentorship_id": "mentorship_id"}, "activity_logged")
    p.end("EndEvent_Activity", "已记录", MENTOR)
    p.chain("StartEvent_Activity", "Task_LogActivity", "Service_LogActivity", "EndEvent_Activity")
    return p


def mentoring_year() -> Process:
    p = Process("mentoring_year", "培带周年", [SECTION], "周年日启动当年的年度考核（独立的流程实例）。")
    p.start("StartEvent_Year", "培带年度", SECTION)
    p.script("Script_PickYear", "下一个周年日", SECTION, "anniversary = anniversaries[year_index]")
    p.timer("Timer_Anniversary", "周年日", SECTION, date="anniversary['at']")
    p.service("Service_StartAssessment", "启动年度考核", SECTION, "assessment/start",
              {"mentorship_id": "mentorship_id", "year_no": "anniversary['year']"}, "assessment_started")
    p.script("Script_NextYear", "计数", SECTION, "year_index = year_index + 1")
    p.end("EndEvent_Year", "考核已启动", SECTION)
    p.chain("StartEvent_Year", "Script_PickYear", "Timer_Anniversary", "Service_StartAssessment", "Script_NextYear",
            "EndEvent_Year")
    return p


def assessment() -> Process:
    p = Process("assessment", "培带人年度考核", [REVIEWER, SECTION],
                "培带人所在单位按联系书指标考核（合格/不合格，书面报告），报市委组织部人才科确认；不合格即取消培带人资格。")
    p.start("StartEvent_Assessment", "周年日", REVIEWER)
    p.service("Service_OpenAssessment", "发起年度考核", REVIEWER, "assessment/open",
              {"mentorship_id": "mentorship_id", "year_no": "year_no"}, "assessment")
    p.user("Task_UnitAssessment", "单位年度考核", REVIEWER, "forms/assessment.schema.json", due_in="'P30D'",
           doc="依据《赤峰市培带联系协议书》规定的指标和完成情况综合考核，书面报告。")
    p.user("Task_ConfirmAssessment", "人才科确认考核结果", SECTION, "forms/assessment_confirm.schema.json", due_in="'P15D'")
    p.service("Service_RecordAssessment", "记录考核结果", SECTION, "assessment/record", {"assessment_id": "assessment_id"}, "assessment_result")
    p.xor("Gateway_Result", "考核结果", SECTION)
    p.service("Service_Disqualify", "取消培带人资格", SECTION, "mentor/disqualify", {"mentorship_id": "mentorship_id"}, "disqualification")
    p.end("EndEvent_Disqualified", "已取消资格", SECTION)
    p.service("Service_CompletePeriod", "培带期满", SECTION, "mentoring/complete_period",
              {"mentorship_id": "mentorship_id"}, "period_completed")
    p.end("EndEvent_PeriodCompleted", "培带期满，培带对象列入第二梯队", SECTION)
    p.end("EndEvent_Qualified", "合格", SECTION)
    p.chain("StartEvent_Assessment", "Service_OpenAssessment", "Task_UnitAssessment", "Task_ConfirmAssessment",
            "Service_RecordAssessment", "Gateway_Result")
    p.flow("Gateway_Result", "Service_Disqualify", "final_result == 'unqualified'", "不合格")
    p.flow("Gateway_Result", "Service_CompletePeriod", "final_result == 'qualified' and final_year", "合格且期满")
    p.flow("Gateway_Result", "EndEvent_Qualified", name="合格", default=True)
    p.chain("Service_Disqualify", "EndEvent_Disqualified")
    p.chain("Service_CompletePeriod", "EndEvent_PeriodCompleted")
    return p


def benefit_application() -> Process:
    p = Process("benefit_application", "培带人激励申请", [MENTOR, SECTION],
                "公交IC卡、人才公寓、免费健康检查、休假疗养、培训班、表彰：资格由决策表 benefit_eligibility 判定，人才科审批。",
                start_roles=["mentor"], start_form="forms/start_benefit_application.schema.json")
    p.start("StartEvent_Benefit", "申请", MENTOR)
    p.user("Task_Apply", "填写激励申请", MENTOR, "forms/benefit_apply.schema.json")
    p.service("Service_BenefitFacts", "查询培带人情况", MENTOR, "benefit/facts", {"mentor_id": "mentor_id"}, "benefit_facts")
    p.rule("Rule_Benefit", "资格判定", SECTION, "benefit_eligibility")
    p.service("Service_RecordBenefit", "记录资格判定", SECTION, "benefit/record", {"mentor_id": "mentor_id"}, "benefit_recorded")
    p.xor("Gateway_BenefitEligible", "是否符合条件", SECTION)
    p.user("Task_ApproveBenefit", "人才科审批", SECTION, "forms/benefit_decision.schema.json", due_in="'P15D'")
    p.service("Service_DecideBenefit", "记录审批结果", SECTION, "benefit/decide", {"application_id": "application_id"}, "benefit_decided")
    p.end("EndEvent_BenefitDecided", "已审批", SECTION)
    p.end("EndEvent_BenefitIneligible", "不符合条件", SECTION)
    p.chain("StartEvent_Benefit", "Task_Apply", "Service_BenefitFacts", "Rule_Benefit", "Service_RecordBenefit",
            "Gateway_BenefitEligible")
    p.flow("Gateway_BenefitEligible", "Task_ApproveBenefit", "benefit_eligible", "符合")
    p.flow("Gateway_BenefitEligible", "EndEvent_BenefitIneligible", name="不符合", default=True)
    p.chain("Task_ApproveBenefit", "Service_DecideBenefit", "EndEvent_BenefitDecided")
    return p


def eligibility() -> str:
    """Selection conditions (notice, part 一(一)(二)). Codes E_* make a nomination ineligible and are shown
    to the submitter; W_* are warnings for the committee ("原则上"/"一般" in the notice: a human decides)."""
    inputs = [("type", "人才类型", "talent_type"), ("age", "年龄（截至报送截止日）", "age"),
              ("exceptional", "特别优秀破格", "exceptional"), ("reason", "已填写破格理由", "has_exceptional_reason"),
              ("years", "在赤峰市工作年限（截至报送截止日）", "years_in_chifeng"), ("degree", "学历学位", "degree"),
              ("title", "专业技术职称", "title_level"), ("honours", "技能奖项数", "skill_honours_count"),
              ("skill", "职业资格", "skill_level"), ("rural", "实用人才类型数", "rural_kind_count"),
              ("approval", "已填写批准文号", "has_approval_ref"), ("second_tier", "第二梯队培带对象", "second_tier")]
    outputs = [("reason_code", "代码（E_ 不符合，W_ 提示评审委员会）", "string"), ("reason", "原因", "string")]
    any_ = "-"

    def row(desc, code, text, **entries):
        ins = [entries.get(i[0], any_) for i in inputs]
        return (desc, ins, [repr(code), text])

    rules = [
        row("选拔范围：五类人才", "E_TYPE", "'人才类型不在选拔范围内（专业技术、高技能、农村牧区实用人才、相当层次人才、经批准的其他人才）'",
            type="? not in ('professional', 'skilled', 'rural', 'equivalent', 'approved')"),
        row("必须在赤峰市工作满3年", "E_YEARS", "f'在赤峰市工作{years_in_chifeng}年，不满3年'", years="< 3"),
        row("年龄一般在55岁以下", "E_AGE", "f'年龄{age}岁，超过55岁且未申请破格'", age="> 55", exceptional="False"),
        row("破格须有理由", "E_AGE_REASON", "f'年龄{age}岁，申请破格但未填写破格理由'", age="> 55", exceptional="True", reason="False"),
        row("特别优秀的不受年龄限制", "W_AGE_EXCEPTIONAL", "f'年龄{age}岁，超过55岁，按特别优秀破格推荐，请评审委员会审议破格理由'",
            age="> 55", exceptional="True", reason="True"),
        row("专业技术人才原则上硕士及以上或副高级以上职称", "W_PROFESSIONAL_LEVEL",
            "'原则上应具有硕士及以上学历或副高级以上专业技术职称，该人选均未达到，请评审委员会审议'",
            type="'professional'", degree="? not in ('master', 'doctor')", title="? not in ('associate_senior', 'senior')"),
        row("高技能人才：所列奖项或技师、高级技师", "E_SKILLED",
            "'高技能人才须获得中华技能大奖、全国技术能手等称号或在职业技能竞赛中成绩突出，或为技师、高级技师'",
            type="'skilled'", honours="== 0", skill="? not in ('technician', 'senior_technician')"),
        row("农村牧区实用人才：通知所列四类之一", "E_RURAL",
            "'农村牧区实用人才须属于通知所列四类之一（生产开发型、经营型、农牧民企业家或能工巧匠、技术或管理人才）'",
            type="'rural'", rural="== 0"),
        row("经市委组织部批准的其他人才", "E_APPROVAL", "'经市委组织部批准的其他人才须填写批准文件文号'",
            type="'approved'", approval="False"),
        row("高于或相当于上述层次的人才", "W_EQUIVALENT", "'“高于或相当于上述层次”的人才，由评审委员会认定其层次'", type="'equivalent'"),
        row("第二梯队：培带期满的培带对象", "W_SECOND_TIER", "'该人选为第二梯队培带对象（已完成培带期），可作为培带人人选'",
            second_tier="True"),
    ]
    return dmn("eligibility", "人才培带人选拔条件", "COLLECT", inputs, outputs, rules)


def benefit_eligibility() -> str:
    """Incentives (notice, part 三(三)). First matching row decides (rows are mutually exclusive)."""
    inputs = [("kind", "激励项目", "kind"), ("active", "在人才培带人库中", "mentor_active"), ("unit", "所在单位", "unit_id"),
              ("unit_kind", "单位类别", "unit_kind"), ("outside", "由市外引进", "from_outside_city"),
              ("urban", "在市区工作", "works_in_urban_area"), ("housing", "在市区有住房", "has_urban_housing"),
              ("health", "距上次健康检查年数", "years_since_health_check"), ("this_year", "本年度已享受", "had_this_year"),
              ("outstanding", "考核优秀/突出贡献", "outstanding"), ("commended", "距上次表彰年数", "years_since_commendation")]
    outputs = [("benefit_eligible", "符合条件", "boolean"), ("benefit_reason", "说明", "string")]

    def row(desc, ok, text, **entries):
        return (desc, [entries.get(i[0], "-") for i in inputs], ["True" if ok else "False", repr(text)])

    city = "('department', 'enterprise', 'institution', 'college')"
    rules = [
        row("不在人才培带人库中", False, "已被取消培带人资格，不能申请", active="False"),
        row("公交IC卡：红山区、松山区", True, "红山区、松山区的培带人可优先申请办理人才公交IC卡",
            kind="'bus_card'", active="True", unit="? in ('hongshan', 'songshan')"),
        row("公交IC卡：市直部门和企事业单位", True, "市直部门和企事业单位的培带人可优先申请办理人才公交IC卡",
            kind="'bus_card'", active="True", unit="? not in ('hongshan', 'songshan')", unit_kind=f"? in {city}"),
        row("公交IC卡：其他地区", False, "人才公交IC卡限红山区、松山区、市直部门和企事业单位的培带人",
            kind="'bus_card'", active="True", unit="? not in ('hongshan', 'songshan')", unit_kind=f"? not in {city}"),
        row("人才公寓", True, "由市外引进到市区工作且在市区无住房，可优先申请入住“玉龙人才”公寓",
            kind="'apartment'", active="True", outside="True", urban="True", housing="False"),
        row("人才公寓：不符合", False, "“玉龙人才”公寓限由市外引进到市区工作且在市区无住房的培带人",
            kind="'apartment'", active="True", outside="? is not True"),
        row("人才公寓：不符合", False, "“玉龙人才”公寓限由市外引进到市区工作且在市区无住房的培带人",
            kind="'apartment'", active="True", outside="True", urban="? is not True"),
        row("人才公寓：不符合", False, "“玉龙人才”公寓限由市外引进到市区工作且在市区无住房的培带人",
            kind="'apartment'", active="True", outside="True", urban="True", housing="True"),
        row("每两年一次免费健康检查", True, "每两年组织培带人开展一次免费健康检查", kind="'health_check'", active="True", health=">= 2"),
        row("健康检查未满两年", False, "每两年组织一次免费健康检查，距上次检查不足两年", kind="'health_check'", active="True", health="< 2"),
        row("休假疗养：突出贡献", True, "每年组织一批有突出贡献的优秀培带人免费休假疗养",
            kind="'recuperation'", active="True", this_year="False", outstanding="True"),
        row("休假疗养：本年度已安排", False, "本年度已安排休假疗养", kind="'recuperation'", active="True", this_year="True"),
        row("休假疗养：非突出贡献", False, "休假疗养面向有突出贡献的优秀培带人",
            kind="'recuperation'", active="True", this_year="False", outstanding="False"),
        row("培训班：每年1期", True, "市委组织部每年举办1期培带人培训班", kind="'training_class'", active="True", this_year="False"),
        row("培训班：本年度已报名", False, "本年度已报名培训班", kind="'training_class'", active="True", this_year="True"),
        row("表彰：每3年一次", True, "市委、政府每3年对优秀培带人进行一次表彰奖励",
            kind="'commendation'", active="True", outstanding="True", commended=">= 3"),
        row("表彰：未满3年", False, "每3年表彰一次，距上次表彰不足3年", kind="'commendation'", active="True", outstanding="True", commended="< 3"),
        row("表彰：非优秀", False, "表彰对象为考核优秀的培带人", kind="'commendation'", active="True", outstanding="False"),
    ]
    return dmn("benefit_eligibility", "培带人激励资格", "UNIQUE", inputs, outputs, rules)


DECISIONS = {"eligibility.dmn": eligibility, "benefit_eligibility.dmn": benefit_eligibility}

PROCESSES = [selection_round, round_reminder, nomination, nomination_revision, mentoring, mentoring_agreement,
             mentoring_activity, mentoring_year, assessment, benefit_application]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for build in PROCESSES:
        p = build()
        (OUT / f"{p.key}.bpmn").write_text(p.xml(), encoding="utf-8")
        print(f"bpmn/{p.key}.bpmn")
    for name, build in DECISIONS.items():
        (OUT / name).write_text(build(), encoding="utf-8")
        print(f"bpmn/{name}")


if __name__ == "__main__":
    main()
