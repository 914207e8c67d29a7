"""programme rules as data: the versioned rules table and the version that applied on each record

Revision ID: workflows_0003
Revises: workflows_0002
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import engine.tables


revision = 'workflows_0003'
down_revision = 'workflows_0002'
branch_labels = None
depends_on = None

RECORDS = ("rounds", "nominations", "certificates", "mentorships", "assessments", "benefit_applications")


def upgrade():
    op.create_table('programme_rules',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('rules_json', sa.Text(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_programme_rules'))
    )
    for table in RECORDS:
        op.add_column(table, sa.Column('rules_version', sa.Integer(), nullable=True))


def downgrade():
    for table in RECORDS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('rules_version')
    op.drop_table('programme_rules')
