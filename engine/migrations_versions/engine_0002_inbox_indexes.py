"""inbox indexes: partial, covering indexes over open tasks (unclaimed queue, my tasks)

Revision ID: engine_0002
Revises: engine_0001
"""
from alembic import op
import sqlalchemy as sa


revision = 'engine_0002'
down_revision = 'engine_0001'
branch_labels = None
depends_on = None

INCLUDE = ["due_at", "category", "org_unit", "batch"]


def upgrade():
    op.create_index("ix_human_tasks_unclaimed", "human_tasks", ["role", "scope", "created_at"],
                    postgresql_where=sa.text("state = 'open' AND assignee IS NULL"),
                    sqlite_where=sa.text("state = 'open' AND assignee IS NULL"), postgresql_include=INCLUDE)
    op.create_index("ix_human_tasks_mine", "human_tasks", ["assignee", "created_at"],
                    postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"),
                    postgresql_include=INCLUDE)


def downgrade():
    op.drop_index("ix_human_tasks_mine", table_name="human_tasks")
    op.drop_index("ix_human_tasks_unclaimed", table_name="human_tasks")
