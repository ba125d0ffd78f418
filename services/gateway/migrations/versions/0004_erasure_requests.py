"""Residents' requests to delete their data (My page).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from meemaken_events import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_requests",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("contact_erased_at", UtcDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("erasure_requests")
