"""The pseudonymised register extract and its invitations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from meemaken_events import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_entries",
        sa.Column("panel_id", sa.Uuid(), sa.ForeignKey("panels.id"), primary_key=True),
        sa.Column("pseudonym", sa.String(40), primary_key=True),
        sa.Column("household", sa.String(40), nullable=False),
        sa.Column("strata", sa.JSON(), nullable=False),
        sa.Column("invited_at", UtcDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("register_entries")
