"""A proposal's district and theme, and each supporter's verified district (for "N residents of your
district support this"); processes keep the districts and themes they offer in their JSON state.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proposals") as table:
        table.add_column(sa.Column("district", sa.String(100), nullable=True))
        table.add_column(sa.Column("theme", sa.String(100), nullable=True))
    op.create_index("ix_proposals_process_district", "proposals", ["process_id", "district"])
    with op.batch_alter_table("supports") as table:
        table.add_column(sa.Column("district", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("supports") as table:
        table.drop_column("district")
    op.drop_index("ix_proposals_process_district", "proposals")
    with op.batch_alter_table("proposals") as table:
        table.drop_column("theme")
        table.drop_column("district")
