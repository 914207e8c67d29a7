"""seed the units the notice addresses

Revision ID: workflows_0002
Revises: workflows_0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = 'workflows_0002'
down_revision = 'workflows_0001'
branch_labels = None
depends_on = None

# 赤组通字〔2014〕21号, the addressee line: the twelve counties, the city departments, three colleges,
# and the talent section that receives everything (a copy of workflows/units.py as of this revision)
UNITS = [
    ("hongshan", "红山区", "county", True), ("yuanbaoshan", "元宝山区", "county", False), ("songshan", "松山区", "county", True),
    ("aluke", "阿鲁科尔沁旗", "county", False), ("balinzuo", "巴林左旗", "county", False), ("balinyou", "巴林右旗", "county", False),
    ("linxi", "林西县", "county", False), ("keshiketeng", "克什克腾旗", "county", False), ("wengniute", "翁牛特旗", "county", False),
    ("harqin", "喀喇沁旗", "county", False), ("ningcheng", "宁城县", "county", False), ("aohan", "敖汉旗", "county", False),
    ("city_education", "市教育局", "department", True), ("city_health", "市卫生健康委员会", "department", True),
    ("city_agriculture", "市农牧业局", "department", True), ("city_science", "市科学技术局", "department", True),
    ("city_hrss", "市人力资源和社会保障局", "department", True), ("city_industry", "市工业和信息化局", "department", True),
    ("cfu", "赤峰学院", "college", True), ("imvct", "内蒙古交通职业技术学院", "college", True),
    ("cfpt", "赤峰工业职业技术学院", "college", True), ("talent_section", "市委组织部人才科", "section", True),
]


def upgrade():
    units = sa.table("org_units", sa.column("id", sa.String), sa.column("name", sa.String), sa.column("kind", sa.String),
                     sa.column("urban", sa.Boolean), sa.column("active", sa.Boolean), sa.column("sort", sa.Integer))
    op.bulk_insert(units, [{"id": uid, "name": name, "kind": kind, "urban": urban, "active": True, "sort": i}
                           for i, (uid, name, kind, urban) in enumerate(UNITS)])


def downgrade():
    op.execute(sa.text("DELETE FROM org_units WHERE id IN (" + ", ".join(f"'{u[0]}'" for u in UNITS) + ")"))
