"""A key of each proposal's normalised text, to find copies under another title.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("text_key", sa.String(32), nullable=False, server_default=""))
    op.create_index("ix_proposals_process_text", "proposals", ["process_id", "text_key"])


def downgrade() -> None:
    op.drop_index("ix_proposals_process_text", "proposals")
    with op.batch_alter_table("proposals") as batch:
        batch.drop_column("text_key")
