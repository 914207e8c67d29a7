"""附件1 uploaded by a unit (issue 13 point 7): every row of its 推荐人选名单 checked, and only when
all rows are right a draft nomination started for each (the 推荐申报表 prefilled from the row);
one wrong row and nothing is started, with a Chinese message per row and column. All the
nominations are started inside this one command (``ctx.start_instance``), so they commit or
roll back together."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from engine import InvalidData
from engine.tables import Instance

from .. import dates
from .. import rules as programme_rules
from ..tables import Nomination, OrgUnit, Round
from .common import as_id, require

APPLICATION_FORM = "forms/application.schema.json"
# 附件1's columns (workflows/documents/excel.py HEADERS) -> the row keys of forms/start_nomination_import
COLUMNS = {"序号": "row_no", "姓名": "name", "性别": "gender", "出生年月": "birth", "民族": "ethnicity", "政治面貌": "political_status",
           "学历学位": "education", "职称（技术等级）": "title", "推荐单位": "unit", "工作单位及职务": "workplace",
           "人才类别": "category", "主要业绩（简要）": "achievements", "联系电话": "phone"}
LABELS = {v: k for k, v in COLUMNS.items()}
_BIRTH = re.compile(r"\s*([0-9]{4})\s*[-./年]\s*([0-9]{1,2})\s*(?:[-./月]\s*([0-9]{1,2})\s*日?|月?)\s*")


def _choices(schema: dict, name: str) -> dict[str, str]:
    prop = (schema.get("properties") or {}).get(name) or {}
    names = prop.get("enumNames") or []
    return {names[i]: code for i, code in enumerate(prop.get("enum") or []) if i < len(names)}


def _pick(text: str, choices: dict[str, str]) -> str | None:
    """The code whose label ``text`` is, or whose label (or the part before its bracket) ``text`` names."""
    text = text.strip()
    if text in choices:
        return choices[text]
    for label, code in sorted(choices.items(), key=lambda kv: -len(kv[0])):
        short = re.split(r"[（(]", label)[0]
        if short and (short in text or text in label) and len(text) >= 2:
            return code
    return None


def birth_date(text: str) -> date | None:
    """出生年月: 1969-03, 1969.3, 1969年3月, 1969-03-15 (the first of the month when no day is given)."""
    m = _BIRTH.fullmatch(str(text or ""))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    except ValueError:
        return None


def check_rows(rows: list[dict], *, unit_name: str, schema: dict, rules, existing: set[str], today: date) -> tuple[list[dict], list[dict]]:
    """(drafts for the application form, errors ``[{"field": "rows.<i>.<key>", "row": n, "message"}]``)."""
    genders = set(_choices(schema, "gender").values()) or {"男", "女"}
    talent = _choices(schema, "talent_type")
    panels = {label: code for code, label in rules.labels("panels").items()}
    by_panel = {panel: t for t, panel in (rules.get("panel_of_talent_type") or {}).items()}
    degrees, titles, skills = _choices(schema, "degree"), _choices(schema, "title_level"), _choices(schema, "skill_level")
    drafts, errors, seen = [], [], set()
    for i, row in enumerate(rows):
        n = row.get("row") or i + 1

        def fail(key, message):
            errors.append({"field": f"rows.{i}.{key}", "code": "row", "row": n, "column": LABELS.get(key, key),
                           "message": f"第{n}行“{LABELS.get(key, key)}”：{message}"})

        get = {k: " ".join(str(row.get(k) or "").split()) for k in COLUMNS.values()}
        draft: dict = {}
        if not get["name"]:
            fail("name", "不能为空")
        elif len(get["name"]) > 40:
            fail("name", "不能超过40个字")
        else:
            draft["name"] = get["name"]
        if get["gender"] not in genders:
            fail("gender", "须为“男”或“女”")
        else:
            draft["gender"] = get["gender"]
        born = birth_date(get["birth"])
        if born is None:
            fail("birth", "应为 年-月，例如 1969-03")
        elif not date(1900, 1, 1) < born < today:
            fail("birth", "不是合理的出生日期")
        else:
            draft["birth_date"] = born.isoformat()
        code = talent.get(get["category"]) or by_panel.get(panels.get(get["category"], ""), None) or _pick(get["category"], talent)
        if not code:
            fail("category", "须为" + "、".join(list(rules.labels("panels").values())) + "之一，或推荐申报表中的人才类型")
        else:
            draft["talent_type"] = code
            if code not in (rules.get("panel_of_talent_type") or {}) and get["category"] in panels:
                draft["panel"] = panels[get["category"]]
        if not get["workplace"]:
            fail("workplace", "不能为空")
        else:
            draft["workplace"] = get["workplace"][:200]
        if get["unit"] and get["unit"] != unit_name:
            fail("unit", f"与上传单位“{unit_name}”不符")
        if get["title"]:
            level = _pick(get["title"], titles) if get["title"] not in skills else None
            skill = _pick(get["title"], skills)
            if skill and ("技师" in get["title"] or "高级工" in get["title"]):
                draft["skill_level"] = skill
            elif level:
                draft["title_level"] = level
        if get["education"]:
            draft["education"] = get["education"][:100]
            degree = _pick(get["education"], degrees)
            if degree:
                draft["degree"] = degree
        for key in ("ethnicity", "political_status", "achievements", "phone"):
            if get[key]:
                draft[key] = get[key][:2000]
        key = (draft.get("name"), draft.get("birth_date"))
        if draft.get("name") and key in seen:
            fail("name", "与前面的行重复")
        elif draft.get("name") in existing:
            fail("name", "本单位本轮评选已推荐此人")
        seen.add(key)
        drafts.append(draft)
    return drafts, errors


def nomination_import(ctx, round_id, unit_id):
    """Start a draft nomination of ``unit_id`` in ``round_id`` for every row, or none."""
    data = ctx.task.data
    rid = as_id(round_id)
    rnd = ctx.session.get(Round, rid) if rid is not None else None
    if rnd is None:
        raise InvalidData(f"评选轮次 {str(round_id)[:40]} 不存在", field="round_id")
    if rnd.status != "open" or ctx.now > rnd.deadline:
        raise InvalidData(f"{rnd.year}年度评选已于{dates.local_date(rnd.deadline)}截止，不能再推荐")
    unit = ctx.session.get(OrgUnit, unit_id) if isinstance(unit_id, str) else None
    if unit is None or unit.kind == "section":
        raise InvalidData("推荐单位不存在", field="unit_id")
    require(ctx, ctx.actor.holds("unit_submitter", unit.id) or ctx.actor.has_role("talent_section"),
            f"您不能为{unit.name}推荐人选")
    version_id = ctx.session.scalar(select(Instance.version_id).where(Instance.id == ctx.instance_id))
    schema = ctx.engine.form(version_id, APPLICATION_FORM) or {}
    existing = set(ctx.session.scalars(select(Nomination.name).where(
        Nomination.round_id == rnd.id, Nomination.unit_id == unit.id, Nomination.status != "withdrawn")))
    drafts, errors = check_rows(list(data.get("rows") or []), unit_name=unit.name, schema=schema,
                                rules=programme_rules.current(ctx.session, now=ctx.now), existing=existing,
                                today=dates.local_date(ctx.now))
    if errors:
        rows = sorted({e["row"] for e in errors})
        raise InvalidData(f"附件1中有{len(rows)}行有误，未发起任何推荐：" + "；".join(e["message"] for e in errors[:3]),
                          errors=errors)
    started = []
    for draft in drafts:
        started.append(ctx.start_instance("nomination", {"round_id": rnd.id, "unit_id": unit.id, "draft": draft}))
    data.update({"nominations": started, "title": f"{unit.name}导入推荐人选名单（{rnd.year}年度，{len(started)}人）"})
    total = ctx.session.scalar(select(func.count()).select_from(Nomination).where(Nomination.round_id == rnd.id,
                                                                                  Nomination.unit_id == unit.id))
    return {"started": len(started), "unit_total": total}
