"""draft revision: a counter that refuses a save over changes the editor did not load

Revision ID: admin_0002
Revises: admin_0001
Create Date: 2026-11-23 21:42:11.809901
"""
from alembic import op
import sqlalchemy as sa


revision = 'admin_0002'
down_revision = 'admin_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('admin_model_drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('admin_model_drafts', schema=None) as batch_op:
        batch_op.drop_column('revision')
