"""Generate the task forms (JSON Schema 2020-12) into ``bpmn/forms/``; the files are committed.

    .venv/bin/python scripts/build_forms.py
"""
from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "bpmn" / "forms"
S = "https://json-schema.org/draft/2020-12/schema"


def enum(title, values: dict, **kw):
    return {"type": "string", "title": title, "enum": list(values), "enumNames": list(values.values()), **kw}


def text(title, **kw):
    return {"type": "string", "title": title, **kw}


def form(title, required, properties, **kw):
    return {"$schema": S, "title": title, "type": "object", "required": required, "properties": properties, **kw}


def comment_required_unless(field, value, message_title="意见"):
    """``comment`` is required (at least two characters, not only blanks) unless ``field`` == ``value``."""
    return {"if": {"properties": {field: {"not": {"const": value}}}, "required": [field]},
            "then": {"required": ["comment"], "properties": {"comment": {"minLength": 2, "pattern": "\\S[\\s\\S]*\\S"}}}}


def integer(title, minimum=None, maximum=None, **kw):
    out = {"type": "integer", "title": title, **kw}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return out


# the years a selection round may be opened for: the notice is of 2014
FIRST_YEAR, LAST_YEAR = 2014, 2100

# Start forms: the schema of a process's start data (``startForm`` of the process). The engine
# refuses any other property; cross-field rules JSON Schema cannot state (rule_num <= rule_den, the
# deadline inside the round's year and after today) are checked by the handler that reads them.
START_FORMS = {
    "start_selection_round.schema.json": form(
        "开启人才培带人评选", ["year"],
        {"year": integer("评选年度", FIRST_YEAR, LAST_YEAR),
         "deadline": text("报送截止日期（默认当年6月30日；须晚于今天，且在评选年度内）", format="date"),
         "title": text("评选名称", minLength=2, maxLength=100),
         "reminder_days": {"type": "array", "title": "截止前提醒（提前天数）", "uniqueItems": True, "maxItems": 20,
                           "items": integer("提前天数", 1, 366)},
         "experts_per_panel": integer("每个评审类别的专家人数", 1, 50),
         "rule_num": integer("表决规则：同意票占比的分子（不大于分母）", 1, 100),
         "rule_den": integer("表决规则：同意票占比的分母", 1, 100)},
    ),
    "start_nomination.schema.json": form(
        "发起推荐", ["round_id", "unit_id"],
        {"round_id": integer("评选轮次", 1),
         "unit_id": text("推荐单位", minLength=1, maxLength=40)},
    ),
    "start_benefit_application.schema.json": form(
        "发起激励申请", ["mentor_id"],
        {"mentor_id": integer("培带人", 1),
         "title": text("标题", maxLength=200)},
    ),
}


FORMS = {
    "application.schema.json": form(
        "赤峰市人才培带人推荐申报表（附件2）",
        ["action"],
        {
            "action": enum("操作", {"submit": "提交审核", "withdraw": "撤回推荐"}, default="submit"),
            "name": text("姓名", minLength=1, maxLength=40),
            "gender": enum("性别", {"男": "男", "女": "女"}),
            "birth_date": text("出生日期", format="date"),
            "ethnicity": text("民族"),
            "political_status": text("政治面貌"),
            "id_number": text("身份证号", pattern="^[0-9]{17}[0-9Xx]$"),
            "workplace": text("工作单位及职务"),
            "phone": text("联系电话"),
            "chifeng_since": text("在赤峰市工作起始日期", format="date"),
            "talent_type": enum("人才类型", {"professional": "优秀专业技术人才", "skilled": "优秀高技能人才",
                                            "rural": "优秀农村牧区实用人才", "equivalent": "高于或相当于上述层次的优秀人才",
                                            "approved": "经市委组织部批准的其他人才"}),
            "panel": enum("评审类别（相当层次或经批准的人才选择）",
                          {"professional": "专业技术人才", "skilled": "高技能人才", "rural": "农村牧区实用人才"}),
            "education": text("学历"),
            "degree": enum("最高学位/学历层次", {"doctor": "博士", "master": "硕士", "bachelor": "学士/本科", "college": "大专",
                                                "secondary": "中专及以下"}),
            "title_level": enum("专业技术职称", {"senior": "正高级", "associate_senior": "副高级", "intermediate": "中级",
                                                "junior": "初级", "none": "无"}),
            "skill_level": enum("职业资格等级", {"senior_technician": "高级技师（国家一级）", "technician": "技师（国家二级）",
                                                "senior_worker": "高级工", "none": "无"}),
            "skill_honours": {"type": "array", "title": "技能奖项", "uniqueItems": True, "items": enum("奖项", {
                "china_skill_award": "中华技能大奖", "national_technical_expert": "全国技术能手",
                "national_competition": "国家级职业技能竞赛成绩突出", "region_competition": "自治区级职业技能竞赛成绩突出",
                "city_competition": "市级职业技能竞赛成绩突出"})},
            "rural_kinds": {"type": "array", "title": "农村牧区实用人才类型", "uniqueItems": True, "items": enum("类型", {
                "producer": "种植、养殖能手等生产开发型人才", "business": "合作社带头人、经纪人等经营型人才",
                "entrepreneur": "农牧民企业家或能工巧匠型人才", "technical_management": "农牧民技术人才或社区管理人才"})},
            "programmes": {"type": "array", "title": "入选人才工程及荣誉", "items": text("名称")},
            "approval_ref": text("批准文件文号（经市委组织部批准的其他人才）"),
            "exceptional": {"type": "boolean", "title": "特别优秀，申请不受年龄限制（破格）", "default": False},
            "exceptional_reason": text("破格理由", maxLength=2000),
            "awards": text("获奖情况", maxLength=4000),
            "achievements": text("主要业绩和科研、技术成果", maxLength=8000),
            "recommendation": text("推荐理由", maxLength=4000),
            "attachments": {"type": "array", "title": "学历、职称、获奖、成果等证书复印件", "items": text("文件", format="uri-reference")},
        },
        allOf=[{"if": {"properties": {"action": {"const": "submit"}}},
                "then": {"required": ["name", "gender", "birth_date", "chifeng_since", "talent_type", "workplace",
                                      "recommendation"]}},
               # the committee reviews three categories: the other talents name the one they belong to
               {"if": {"properties": {"action": {"const": "submit"},
                                      "talent_type": {"enum": ["equivalent", "approved"]}},
                       "required": ["action", "talent_type"]},
                "then": {"required": ["panel"]}}],
    ),
    "unit_review.schema.json": form(
        "单位审核", ["unit_decision"],
        {"unit_decision": enum("审核结论", {"approve": "同意推荐", "return": "退回修改", "reject": "不予推荐"}),
         "comment": text("审核意见（退回或不予推荐时必填）", maxLength=2000)},
        allOf=[comment_required_unless("unit_decision", "approve")],
    ),
    "expert_opinion.schema.json": form(
        "专家评审意见", ["opinion"],
        {"opinion": {"type": "object", "title": "评审意见", "required": ["vote", "score"], "properties": {
            "vote": enum("表决", {"agree": "同意", "disagree": "不同意", "abstain": "弃权"}),
            "score": {"type": "integer", "title": "评分", "minimum": 0, "maximum": 100},
            "comment": text("意见", maxLength=2000)}}},
    ),
    "sign_off.schema.json": form(
        "领导小组办公室主任签批", ["sign_off"],
        {"sign_off": enum("签批", {"approve": "同意", "decline": "不同意"}), "comment": text("签批意见", maxLength=1000)},
        allOf=[comment_required_unless("sign_off", "approve")],
    ),
    "publish_list.schema.json": form(
        "公布培带人名单", ["publish"],
        {"publish": {"type": "boolean", "title": "评审、签批已完成，公布名单", "const": True},
         "comment": text("说明", maxLength=1000)},
    ),
    "agreement.schema.json": form(
        "赤峰市人才培带联系书（附件3）", ["period_years", "mentees"],
        {"period_years": {"type": "integer", "title": "培带期（年）", "enum": [2, 3]},
         "indicators": text("培带指标和内容", maxLength=4000),
         "mentees": {"type": "array", "title": "培带对象（1带5，须五名；每行一名，可写“姓名，单位及职务，专业领域”）",
                     "minItems": 5, "maxItems": 5, "items": {"anyOf": [
                         text("姓名", minLength=1, maxLength=200),
                         {"type": "object", "required": ["name"], "additionalProperties": False, "properties": {
                             "name": text("姓名", minLength=1, maxLength=40), "gender": enum("性别", {"男": "男", "女": "女"}),
                             "birth_date": text("出生日期", format="date"), "workplace": text("工作单位及职务"),
                             "field": text("专业领域"), "phone": text("联系电话")}}]}}},
    ),
    "agreement_confirm.schema.json": form(
        "单位确认联系书", ["agreement_decision"],
        {"agreement_decision": enum("确认结论", {"confirm": "确认", "return": "退回修改"}),
         "comment": text("意见（退回时必填）", maxLength=2000)},
        allOf=[comment_required_unless("agreement_decision", "confirm")],
    ),
    "training_plan.schema.json": form(
        "培带对象培养计划", ["training_plan"],
        {"training_plan": {"type": "object", "title": "培养计划", "required": ["goals"], "properties": {
            "goals": text("培养目标", minLength=2, maxLength=2000), "measures": text("培养措施和进度安排", maxLength=4000),
            "projects": text("参与的科研项目或岗位实践", maxLength=2000)}}},
    ),
    "activity.schema.json": form(
        "培带活动记录", ["kind", "held_on", "subject"],
        {"kind": enum("活动类型", {"lecture": "专题讲座", "guidance": "技术辅导", "training": "培训授课", "exchange": "学术、技术或经验交流"}),
         "held_on": text("日期", format="date"), "subject": text("主题", minLength=2, maxLength=200, pattern="\\S[\\s\\S]*\\S"),
         "hours": {"type": "integer", "title": "学时", "minimum": 0, "maximum": 200},
         "attending": {"type": "array", "title": "参加的培带对象（每行一名）", "items": text("姓名")},
         "notes": text("内容和成效", maxLength=4000)},
    ),
    "assessment.schema.json": form(
        "培带人年度考核", ["result", "report"],
        {"result": enum("考核结果", {"qualified": "合格", "unqualified": "不合格"}),
         "report": text("考核情况书面报告（依据联系书指标和完成情况）", minLength=10, maxLength=8000),
         "outstanding": {"type": "boolean", "title": "考核优秀、有突出贡献", "default": False}},
    ),
    "assessment_confirm.schema.json": form(
        "人才科确认考核结果", ["final_result"],
        {"final_result": enum("确认结果", {"qualified": "合格", "unqualified": "不合格（取消培带人资格）"}),
         "comment": text("意见", maxLength=2000)},
    ),
    "benefit_apply.schema.json": form(
        "培带人激励申请", ["kind"],
        {"kind": enum("申请项目", {"bus_card": "人才公交IC卡", "apartment": "“玉龙人才”公寓", "health_check": "免费健康检查",
                                   "recuperation": "免费休假疗养", "training_class": "培带人培训班", "commendation": "优秀培带人表彰"}),
         "from_outside_city": {"type": "boolean", "title": "由市外引进", "default": False},
         "works_in_urban_area": {"type": "boolean", "title": "在市区工作", "default": False},
         "has_urban_housing": {"type": "boolean", "title": "在市区有住房", "default": False},
         "note": text("说明", maxLength=2000)},
    ),
    "benefit_decision.schema.json": form(
        "激励申请审批", ["benefit_decision"],
        {"benefit_decision": enum("审批结论", {"approve": "同意", "decline": "不同意"}), "comment": text("意见", maxLength=1000)},
        allOf=[comment_required_unless("benefit_decision", "approve")],
    ),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, schema in {**FORMS, **START_FORMS}.items():
        (OUT / name).write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"bpmn/forms/{name}")


if __name__ == "__main__":
    main()
