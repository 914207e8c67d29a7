"""mails.claimed_at: when a sender took the mail (a queued mail is sent by one sender only)

Revision ID: notifications_0003
Revises: notifications_0002
"""
from alembic import op
import sqlalchemy as sa
import engine.tables


revision = 'notifications_0003'
down_revision = 'notifications_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mails') as batch:
        batch.add_column(sa.Column('claimed_at', engine.tables.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('mails') as batch:
        batch.drop_column('claimed_at')
