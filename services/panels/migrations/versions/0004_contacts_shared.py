"""Contacts shared with the notifications service, and the removals owed to it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.add_column(sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "contact_removals",
        sa.Column("pseudonym", sa.String(40), primary_key=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("contact_removals")
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("shared_at")
