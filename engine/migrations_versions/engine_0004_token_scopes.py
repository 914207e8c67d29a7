"""token scopes: what an API token may do (issue 15 point 2), words of webapp.api.scopes

A NULL ``scopes`` (every token made before this revision, and those made on the account page)
keeps its user's full rights, as before.

Revision ID: engine_0004
Revises: engine_0003
"""
from alembic import op
import sqlalchemy as sa


revision = 'engine_0004'
down_revision = 'engine_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('api_tokens', sa.Column('scopes', sa.String(length=40), nullable=True))


def downgrade():
    op.drop_column('api_tokens', 'scopes')   # in place (SQLite >= 3.35), as engine_0003 does
