"""What each document shows, as plain dataclasses: renderers read these and nothing else.

The adapters (``sources.py``) fill them from the programme's tables; tests fill them by hand. A
document's ``digest()`` covers its data and the layout version, so a stored file is rendered
again only when one of them changes.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date

# bump when a template or the Excel layout changes: stored documents are then rendered again
LAYOUT_VERSION = "3"

ISSUER = "中共赤峰市委组织部"
CATEGORY_LABELS = {"professional": "专业技术人才", "skilled": "高技能人才", "rural": "农村牧区实用人才"}

# what the annual assessment checks (notice, part 二 and 三(二)): the agreement lists them
DEFAULT_INDICATORS = (
    "确定五名培带对象，签订《赤峰市人才培带联系书》，明确师徒关系",
    "指导每名培带对象制定合理的年度培养计划，并督促落实",
    "每年为培带对象开展专题讲座、技术辅导或培训授课，次数不少于培带计划约定",
    "组织培带对象参加学术、技术或经验交流活动，吸收其参与科研项目或岗位实践",
    "培带对象业务素质和工作业绩有明显提升，取得可考核的成果",
    "带动本领域学术、技术梯队和团队建设，培带期满后培带对象可列为第二梯队培带人",
)


def category_label(category: str | None) -> str:
    return CATEGORY_LABELS.get(category or "", category or "")


class DocumentData:
    kind = ""

    def digest(self) -> str:
        text = json.dumps({"layout": LAYOUT_VERSION, "kind": self.kind, "data": asdict(self)},
                          sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Nominee:
    """One row of 附件1."""

    name: str
    gender: str = ""
    birth_date: date | None = None
    ethnicity: str = ""
    political_status: str = ""
    education: str = ""
    title: str = ""          # 职称 / 技术等级
    workplace: str = ""      # 工作单位及职务
    category: str = ""       # professional / skilled / rural
    achievements: str = ""   # 主要业绩（简要）
    unit_name: str = ""      # the recommending unit (shown on a whole-round list)
    phone: str = ""

    @property
    def category_label(self) -> str:
        return category_label(self.category)


@dataclass
class NomineeList(DocumentData):
    """附件1 赤峰市人才培带人推荐人选名单, for one unit of a round or (unit_name empty) the whole round."""

    kind = "nominee_list"
    round_name: str
    unit_name: str = ""
    nominees: list[Nominee] = field(default_factory=list)
    prepared_on: date | None = None
    contact: str = ""
    phone: str = ""


@dataclass
class ReviewOpinion:
    stage: str               # 单位审核 / 专家评审 / 签批
    reviewer: str = ""
    outcome: str = ""        # 同意 / 退回修改 / 不同意 ...
    comment: str = ""
    on: date | None = None


@dataclass
class ApplicationForm(DocumentData):
    """附件2 赤峰市人才培带人推荐申报表 of one nomination (the fields of the application form)."""

    kind = "application_form"
    reference: str           # nomination number shown in the header
    round_name: str
    unit_name: str
    category: str            # the committee panel: professional / skilled / rural
    name: str
    gender: str = ""
    birth_date: date | None = None
    ethnicity: str = ""
    political_status: str = ""
    education: str = ""      # 学历 and 学位, as one label
    title: str = ""          # 专业技术职称
    skill_level: str = ""    # 职业资格等级
    workplace: str = ""      # 工作单位及职务
    phone: str = ""
    talent_type: str = ""    # 人才类型 label, with the rural kinds where given
    chifeng_since: date | None = None
    years_in_chifeng: int | None = None
    exceptional: bool = False   # 特别优秀，不受年龄限制
    exceptional_reason: str = ""
    honours: list[str] = field(default_factory=list)   # 入选人才工程、技能奖项
    approval_ref: str = ""
    awards: str = ""
    achievements: str = ""
    attachments: list[str] = field(default_factory=list)
    recommendation: str = ""   # 推荐理由 (the unit's recommendation)
    recommended_on: date | None = None
    reviews: list[ReviewOpinion] = field(default_factory=list)

    @property
    def category_label(self) -> str:
        return category_label(self.category)


@dataclass
class Person:
    name: str
    gender: str = ""
    birth_date: date | None = None
    title: str = ""
    workplace: str = ""      # 工作单位及职务
    field: str = ""          # 专业领域
    phone: str = ""


@dataclass
class Agreement(DocumentData):
    """附件3 赤峰市人才培带联系书 between a mentor and five mentees."""

    kind = "agreement"
    reference: str
    unit_name: str
    category: str
    mentor: Person
    mentees: list[Person]
    period_start: date
    period_end: date
    indicators: list[str] = field(default_factory=lambda: list(DEFAULT_INDICATORS))

    @property
    def category_label(self) -> str:
        return category_label(self.category)


@dataclass
class Certificate(DocumentData):
    """聘书 of one mentor; ``verify_code`` opens ``/verify/<code>``."""

    kind = "certificate"
    number: str              # CFPD-2014-0001
    mentor_name: str
    category: str
    issued_on: date
    verify_code: str
    verify_url: str
    issuer: str = ISSUER
    revoked_on: date | None = None   # a revoked certificate is printed with a revocation stamp

    @property
    def category_label(self) -> str:
        return category_label(self.category)
