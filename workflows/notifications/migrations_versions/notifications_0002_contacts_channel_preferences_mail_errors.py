"""contacts, channel preferences, mail errors

Mobile numbers and pending e-mail changes (contact_details), each person's channel per kind of
message (channel_preferences), and why a mail failed (mails.error, mails.attempts).

Revision ID: notifications_0002
Revises: notifications_0001
Create Date: 2026-11-29 15:55:51.418862
"""
from alembic import op
import sqlalchemy as sa
import engine.tables


revision = 'notifications_0002'
down_revision = 'notifications_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('channel_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_preferences')),
    sa.UniqueConstraint('username', 'kind', name=op.f('uq_channel_preferences_username'))
    )
    op.create_table('contact_details',
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('pending_email', sa.String(length=200), nullable=True),
    sa.Column('pending_token_hash', sa.String(length=64), nullable=True),
    sa.Column('pending_expires_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('updated_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_contact_details')),
    sa.UniqueConstraint('pending_token_hash', name=op.f('uq_contact_details_pending_token_hash'))
    )
    with op.batch_alter_table('mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('mails', schema=None) as batch_op:
        batch_op.drop_column('attempts')
        batch_op.drop_column('error')

    op.drop_table('contact_details')
    op.drop_table('channel_preferences')
