"""The units the notice addresses (赤组通字〔2014〕21号, the addressee line), seeded by ``peidai demo``
and by the tests. Ids are stable: memberships of unit roles use them as their scope."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .tables import OrgUnit

# (id, name, kind, urban)
UNITS = [
    ("hongshan", "红山区", "county", True),
    ("yuanbaoshan", "元宝山区", "county", False),
    ("songshan", "松山区", "county", True),
    ("aluke", "阿鲁科尔沁旗", "county", False),
    ("balinzuo", "巴林左旗", "county", False),
    ("balinyou", "巴林右旗", "county", False),
    ("linxi", "林西县", "county", False),
    ("keshiketeng", "克什克腾旗", "county", False),
    ("wengniute", "翁牛特旗", "county", False),
    ("harqin", "喀喇沁旗", "county", False),
    ("ningcheng", "宁城县", "county", False),
    ("aohan", "敖汉旗", "county", False),
    ("city_education", "市教育局", "department", True),
    ("city_health", "市卫生健康委员会", "department", True),
    ("city_agriculture", "市农牧业局", "department", True),
    ("city_science", "市科学技术局", "department", True),
    ("city_hrss", "市人力资源和社会保障局", "department", True),
    ("city_industry", "市工业和信息化局", "department", True),
    ("cfu", "赤峰学院", "college", True),
    ("imvct", "内蒙古交通职业技术学院", "college", True),
    ("cfpt", "赤峰工业职业技术学院", "college", True),
]
SECTION = ("talent_section", "市委组织部人才科", "section", True)


def seed_units(session: Session) -> int:
    """Insert the units that are missing; returns how many were added."""
    added = 0
    for sort, (uid, name, kind, urban) in enumerate(UNITS + [SECTION]):
        if session.get(OrgUnit, uid) is None:
            session.add(OrgUnit(id=uid, name=name, kind=kind, urban=urban, active=True, sort=sort))
            added += 1
    session.flush()
    return added
