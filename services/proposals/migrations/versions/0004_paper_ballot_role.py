"""A paper ballot records the role in which the official who entered it acted (besides their id).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-14
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ballots") as batch:
        batch.add_column(sa.Column("entered_by_role", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ballots") as batch:
        batch.drop_column("entered_by_role")
