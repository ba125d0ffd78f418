"""The officials' documents attached to a case (internal, like the notes).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from meemaken_events import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("service", sa.String(20), nullable=False),
        sa.Column("case_id", sa.String(120), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.String(36), nullable=False),
        sa.Column("added_by_role", sa.String(40), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_case_attachments_case", "case_attachments", ["service", "case_id", "added_at"])


def downgrade() -> None:
    op.drop_index("ix_case_attachments_case", "case_attachments")
    op.drop_table("case_attachments")
