"""Deadline warnings on the officials' queue.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("challenges") as batch:
        batch.add_column(sa.Column("alert", sa.String(20), nullable=True))
    op.create_index("ix_challenges_alert", "challenges", ["alert"])


def downgrade() -> None:
    op.drop_index("ix_challenges_alert", "challenges")
    with op.batch_alter_table("challenges") as batch:
        batch.drop_column("alert")
