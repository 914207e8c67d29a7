"""dry runs in the worker: queued by the web, run by the worker with progress (issue 14)

Revision ID: admin_0003
Revises: admin_0002
Create Date: 2026-11-29 13:02:30.134255
"""
from alembic import op
import sqlalchemy as sa
import engine.tables


revision = 'admin_0003'
down_revision = 'admin_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('admin_dry_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('draft_revision', sa.Integer(), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=True),
    sa.Column('scenario_json', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('phase', sa.String(length=200), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('report_json', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('started_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('heartbeat_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('finished_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['base_version_id'], ['model_versions.id'], name=op.f('fk_admin_dry_runs_base_version_id_model_versions')),
    sa.ForeignKeyConstraint(['draft_id'], ['admin_model_drafts.id'], name=op.f('fk_admin_dry_runs_draft_id_admin_model_drafts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_dry_runs'))
    )
    with op.batch_alter_table('admin_dry_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_dry_runs_draft_id'), ['draft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_dry_runs_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('admin_dry_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_dry_runs_status'))
        batch_op.drop_index(batch_op.f('ix_admin_dry_runs_draft_id'))

    op.drop_table('admin_dry_runs')
