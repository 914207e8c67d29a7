"""webapp tables: task drafts (暂存)

Revision ID: webapp_0001
Revises:
Create Date: 2026-11-29 13:30:00
"""
from alembic import op
import sqlalchemy as sa
import engine.tables


revision = 'webapp_0001'
down_revision = None
branch_labels = ('webapp',)
depends_on = 'engine_0001'


def upgrade():
    op.create_table('task_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('values_json', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('saved_at', engine.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_drafts')),
    sa.UniqueConstraint('task_id', 'username', name=op.f('uq_task_drafts_task_id'))
    )
    with op.batch_alter_table('task_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_drafts_task_id'), ['task_id'], unique=False)


def downgrade():
    with op.batch_alter_table('task_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_drafts_task_id'))
    op.drop_table('task_drafts')
