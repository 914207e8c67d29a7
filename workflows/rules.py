"""The programme's rules as data (赤组通字〔2014〕21号): one versioned table, ``programme_rules``.

Every number, list and format the notice fixes (five mentees, 2–3 year periods, the activity and
incentive kinds with their intervals, the review panels, the three-year cycle and the lead time
before the next round, reminder offsets, the certificate number format, the age and years
thresholds, ...) is a key of one JSON document. A version is never changed: saving the rules
page adds the next version. A record (round, nomination, mentorship, assessment, certificate,
incentive application) keeps the version that applied when its instance started
(``rules_version``), so a change is effective for new instances only.

Version 1 is the notice's own values, :file:`programme_rules.json` beside this module; it is
written to the table the first time a command needs the rules.

Which values a key may hold is checked by :func:`problems` (Chinese messages per field); the
kinds a form can submit are the vocabulary of the deployed forms (:func:`form_vocabulary`)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import InvalidData

from .tables import RuleVersion

DEFAULTS_FILE = Path(__file__).with_name("programme_rules.json")
CODE = re.compile(r"[a-z][a-z0-9_]{0,29}")
_PLACEHOLDER = re.compile(r"\{(year|seq)(?::0([1-9])d)?\}")

# key -> (Chinese label, short explanation); the order of the rules page
LABELS: dict[str, tuple[str, str]] = {
    "mentees_per_mentor": ("每名培带人的培带对象人数", "“1带5”：每名培带人确定的培带对象人数"),
    "period_years": ("培带期可选年限", "培带期一般为2-3年；联系书只能选择这些年限"),
    "activity_kinds": ("培带活动类型", "培带人可登记的活动类型"),
    "duty_kinds": ("计入年度培带职责的活动类型", "每年须开展的专题讲座、技术辅导或培训授课"),
    "duty_per_year": ("每年至少开展的培带活动次数", "年度考核时对照检查（上述类型合计）"),
    "incentives": ("激励项目及间隔年限", "间隔0年表示不限；1年表示每年一次"),
    "events": ("人才科组织的活动", "每年举办的培训班、组织优秀培带人学习考察"),
    "event_outstanding_only": ("只邀请考核优秀培带人的活动", "其余活动邀请全部在库培带人"),
    "panels": ("评审类别", "评审委员会分类评审的人才类别"),
    "panel_of_talent_type": ("人才类型对应的评审类别", "未列出的人才类型由申报单位选择评审类别"),
    "cycle_years": ("评选周期（年）", "原则上每三年评选一次"),
    "next_round_lead_days": ("提前提醒开启下一轮评选的天数", "下一轮报送截止日前多少天提醒人才科"),
    "deadline_month_day": ("默认报送截止日（月-日）", "各地区、各部门于6月30日前报送"),
    "reminder_days": ("截止前提醒（提前天数）", "向尚未报送的单位发送提醒"),
    "experts_per_panel": ("每份推荐的评审专家人数", "每个评审类别参加评审的专家人数"),
    "rule_num": ("表决规则：同意票占比分子", "同意票不少于 分子/分母 时推荐"),
    "rule_den": ("表决规则：同意票占比分母", ""),
    "certificate_number_format": ("聘书编号格式", "须含 {year}（评选年度）和 {seq}（序号，可写 {seq:04d} 补足4位）"),
    "assessment_due_days": ("年度考核办理期限（天）", "周年日起单位完成考核的天数"),
    "max_age": ("年龄上限（岁）", "年龄一般在55岁以下；特别优秀的不受年龄限制"),
    "min_years_in_chifeng": ("在赤峰市工作年限下限（年）", "必须在赤峰市工作满3年"),
}


def defaults() -> dict:
    """The notice's values (version 1)."""
    return json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Rules:
    """One version of the rules, read-only."""

    version: int
    values: dict
    created_at: datetime | None = None
    created_by: str = ""
    comment: str = ""

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    # ------------------------------------------------------------------ derived views

    def labels(self, key: str) -> dict[str, str]:
        """code -> Chinese label of a list of ``{"code", "label"}`` (activity kinds, incentives, panels)."""
        return {item["code"]: item["label"] for item in self.values.get(key) or []}

    @property
    def panel_codes(self) -> list[str]:
        return [p["code"] for p in self.values["panels"]]

    def panel_for(self, talent_type: str | None, chosen: str | None) -> str | None:
        """The review panel of a nomination: fixed by the talent type, or the one the unit chose."""
        fixed = (self.values.get("panel_of_talent_type") or {}).get(talent_type or "")
        return fixed or (chosen if chosen in self.panel_codes else None)

    def interval(self, incentive: str) -> int | None:
        """Years between two awards of an incentive (0: no limit), or None if the kind is not offered."""
        for item in self.values.get("incentives") or []:
            if item["code"] == incentive:
                return int(item.get("interval_years") or 0)
        return None

    def certificate_number(self, year: int, seq: int) -> str:
        return format_number(self.values["certificate_number_format"], year, seq)


def format_number(fmt: str, year: int, seq: int) -> str:
    """``{year}`` and ``{seq}`` / ``{seq:0Nd}`` only: a format from the table is never handed to
    ``str.format`` (no attribute or item access through it)."""
    def sub(m):
        value = year if m.group(1) == "year" else seq
        return str(value).zfill(int(m.group(2))) if m.group(2) else str(value)
    return _PLACEHOLDER.sub(sub, fmt)


def _row_rules(row: RuleVersion) -> Rules:
    return Rules(row.version, json.loads(row.rules_json), row.created_at, row.created_by, row.comment)


def latest_version(session: Session) -> int | None:
    return session.scalar(select(func.max(RuleVersion.version)))


def current(session: Session, *, now: datetime | None = None) -> Rules:
    """The newest version; version 1 (the notice) is written when the table is empty and the
    session may write (``now`` given), else returned without a row."""
    version = latest_version(session)
    if version is None:
        if now is None:
            return Rules(1, defaults())
        row = RuleVersion(version=1, rules_json=json.dumps(defaults(), ensure_ascii=False), created_at=now,
                          created_by="system", comment="赤组通字〔2014〕21号")
        session.add(row)
        session.flush()
        return _row_rules(row)
    return _row_rules(session.get(RuleVersion, version))


def version(session: Session, number: int | None, *, now: datetime | None = None) -> Rules:
    """The rules of ``number`` (a record's ``rules_version``); the current ones when the record
    predates versioned rules (None)."""
    if number is None:
        return current(session, now=now)
    row = session.get(RuleVersion, int(number))
    if row is None:
        if int(number) == 1:
            return current(session, now=now)
        raise InvalidData(f"培带规则第{number}版不存在")
    return _row_rules(row)


def history(session: Session) -> list[Rules]:
    return [_row_rules(r) for r in session.scalars(select(RuleVersion).order_by(RuleVersion.version.desc()))]


def save(session: Session, values: dict, *, actor: str, now: datetime, comment: str = "",
         vocabulary: dict[str, set[str]] | None = None) -> Rules:
    """Validate and store ``values`` as the next version. Raises :class:`engine.InvalidData`
    with ``errors=[{"field", "message"}]`` and stores nothing when a value is wrong."""
    errors = problems(values, vocabulary)
    if not str(comment or "").strip():
        errors.append({"field": "comment", "message": "请填写修改说明（依据的文件或原因）"})
    if errors:
        raise InvalidData("培带规则有误：" + "；".join(e["message"] for e in errors[:3]), errors=errors)
    base = current(session, now=now)
    if _canonical(values) == _canonical(base.values):
        raise InvalidData("规则没有变化，无需保存", errors=[{"field": "", "message": "规则没有变化，无需保存"}])
    row = RuleVersion(version=base.version + 1, rules_json=json.dumps(values, ensure_ascii=False), created_at=now,
                      created_by=actor, comment=str(comment).strip()[:500])
    session.add(row)
    session.flush()
    return _row_rules(row)


def _canonical(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


# ---------------------------------------------------------------------- validation


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _kinds(values: dict, key: str, errors: list, extra: str | None = None, vocabulary: set[str] | None = None) -> list[str]:
    label = LABELS[key][0]
    items = values.get(key)
    if not isinstance(items, list) or not items:
        errors.append({"field": key, "message": f"{label}：至少需要一项"})
        return []
    codes = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            errors.append({"field": key, "message": f"{label}第{i}项格式不正确"})
            continue
        code, name = str(item.get("code") or ""), str(item.get("label") or "").strip()
        if not CODE.fullmatch(code):
            errors.append({"field": key, "message": f"{label}第{i}项的代码“{code[:30]}”应为小写英文字母开头的字母、数字或下划线"})
        elif code in codes:
            errors.append({"field": key, "message": f"{label}的代码“{code}”重复"})
        elif vocabulary is not None and code not in vocabulary:
            errors.append({"field": key, "message": f"{label}的代码“{code}”不在当前流程表单的可选项中，请先在流程模型的表单中增加"})
        if not name or len(name) > 30:
            errors.append({"field": key, "message": f"{label}第{i}项的名称须为1至30个字"})
        if extra is not None and not _whole(item.get(extra), 0, 10):
            errors.append({"field": key, "message": f"{label}“{name or code}”的间隔年限须为0至10的整数"})
        codes.append(code)
    return codes


def problems(values: Any, vocabulary: dict[str, set[str]] | None = None) -> list[dict]:
    """[{"field", "message"}] for every value that is not allowed (empty: the rules are valid).
    ``vocabulary``: kind key -> the codes the deployed forms accept (activity kinds, incentives)."""
    if not isinstance(values, dict):
        return [{"field": "", "message": "培带规则须为 JSON 对象"}]
    vocabulary = vocabulary or {}
    errors: list[dict] = []
    unknown = sorted(set(values) - set(LABELS))
    if unknown:
        errors.append({"field": "", "message": "未知的规则项：" + "、".join(str(u)[:30] for u in unknown[:5])})
    missing = [k for k in LABELS if k not in values]
    if missing:
        errors.append({"field": "", "message": "缺少规则项：" + "、".join(LABELS[k][0] for k in missing)})
        return errors

    def whole(key, low, high):
        if not _whole(values[key], low, high):
            errors.append({"field": key, "message": f"{LABELS[key][0]}须为{low}至{high}之间的整数"})
            return False
        return True

    whole("mentees_per_mentor", 1, 20)
    periods = values["period_years"]
    if not isinstance(periods, list) or not periods or not all(_whole(p, 1, 10) for p in periods):
        errors.append({"field": "period_years", "message": "培带期可选年限须为1至10年的整数，至少一项，例如 2, 3"})
    elif len(set(periods)) != len(periods):
        errors.append({"field": "period_years", "message": "培带期可选年限不能重复"})
    activity = _kinds(values, "activity_kinds", errors, vocabulary=vocabulary.get("activity_kinds"))
    duty = values["duty_kinds"]
    if not isinstance(duty, list) or not duty or not all(isinstance(c, str) for c in duty):
        errors.append({"field": "duty_kinds", "message": "计入年度培带职责的活动类型至少需要一项"})
    elif activity and set(duty) - set(activity):
        errors.append({"field": "duty_kinds", "message": "计入年度培带职责的活动类型须是培带活动类型之一："
                       + "、".join(sorted(set(duty) - set(activity)))})
    whole("duty_per_year", 0, 100)
    _kinds(values, "incentives", errors, extra="interval_years", vocabulary=vocabulary.get("incentives"))
    events = _kinds(values, "events", errors)
    only = values["event_outstanding_only"]
    if not isinstance(only, list) or not all(isinstance(c, str) for c in only):
        errors.append({"field": "event_outstanding_only", "message": "只邀请考核优秀培带人的活动格式不正确"})
    elif events and set(only) - set(events):
        errors.append({"field": "event_outstanding_only", "message": "只邀请考核优秀培带人的活动须是人才科组织的活动之一"})
    panels = _kinds(values, "panels", errors)
    mapping = values["panel_of_talent_type"]
    if not isinstance(mapping, dict):
        errors.append({"field": "panel_of_talent_type", "message": "人才类型对应的评审类别格式不正确"})
    else:
        wrong = [f"{k}→{v}" for k, v in mapping.items() if not (isinstance(v, str) and v in panels)]
        if panels and wrong:
            errors.append({"field": "panel_of_talent_type", "message": "人才类型只能对应已设立的评审类别：" + "、".join(wrong[:5])})
    whole("cycle_years", 1, 10)
    whole("next_round_lead_days", 0, 366)
    md = str(values["deadline_month_day"])
    try:
        datetime.strptime("2001-" + md, "%Y-%m-%d")   # a day every year has (not 02-29)
        if not re.fullmatch(r"[0-9]{2}-[0-9]{2}", md):
            raise ValueError(md)
    except ValueError:
        errors.append({"field": "deadline_month_day", "message": f"默认报送截止日“{md[:10]}”应为 月-日，例如 06-30"})
    days = values["reminder_days"]
    if not isinstance(days, list) or not all(_whole(d, 1, 366) for d in days):
        errors.append({"field": "reminder_days", "message": "截止前提醒须为1至366之间的天数，例如 30, 14, 7, 3, 1"})
    elif len(set(days)) != len(days):
        errors.append({"field": "reminder_days", "message": "截止前提醒的天数不能重复"})
    whole("experts_per_panel", 1, 50)
    if whole("rule_num", 1, 100) & whole("rule_den", 1, 100) and values["rule_num"] > values["rule_den"]:
        errors.append({"field": "rule_num", "message": f"表决规则 {values['rule_num']}/{values['rule_den']} 无效：分子不能大于分母"})
    fmt = values["certificate_number_format"]
    if not isinstance(fmt, str) or not fmt:
        errors.append({"field": "certificate_number_format", "message": "聘书编号格式不能为空"})
    else:
        names = [m.group(1) for m in _PLACEHOLDER.finditer(fmt)]
        rest = _PLACEHOLDER.sub("", fmt)
        if "{" in rest or "}" in rest:
            errors.append({"field": "certificate_number_format", "message": "聘书编号格式只能使用 {year}、{seq} 或 {seq:04d} 这样的占位符"})
        elif names.count("year") != 1 or names.count("seq") != 1:
            errors.append({"field": "certificate_number_format", "message": "聘书编号格式须各含一次 {year} 和 {seq}"})
        elif not re.fullmatch(r"[A-Za-z0-9\-_/〔〕第号字]*", rest):
            errors.append({"field": "certificate_number_format", "message": "聘书编号格式中的固定文字只能是字母、数字、- _ / 或 〔〕第字号"})
        elif len(format_number(fmt, 2100, 9999)) > 20:
            errors.append({"field": "certificate_number_format", "message": "聘书编号不能超过20个字符"})
    whole("assessment_due_days", 1, 366)
    whole("max_age", 18, 100)
    whole("min_years_in_chifeng", 0, 50)
    return errors


def form_vocabulary(engine) -> dict[str, set[str]]:
    """The kinds the newest deployed forms accept: ``activity_kinds`` (form ``activity``, field
    ``kind``) and ``incentives`` (form ``benefit_apply``, field ``kind``). A kind the rules name
    must be one a user can submit."""
    from engine.tables import ModelVersion

    out: dict[str, set[str]] = {}
    with engine.sessions() as s:
        vid = s.scalar(select(func.max(ModelVersion.id)))
    if vid is None:
        return out
    for key, ref in (("activity_kinds", "forms/activity.schema.json"), ("incentives", "forms/benefit_apply.schema.json")):
        try:
            schema = engine.form(vid, ref) or {}
        except Exception:   # a version without that form: nothing to check against
            continue
        enum = ((schema.get("properties") or {}).get("kind") or {}).get("enum")
        if enum:
            out[key] = set(enum)
    return out
