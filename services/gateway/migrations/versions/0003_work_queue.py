"""The officials' work queue (one row per case, from the services' events) and their saved views.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
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
        "work_items",
        sa.Column("service", sa.String(20), primary_key=True),
        sa.Column("case_id", sa.String(120), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("department", sa.String(80), nullable=True),
        sa.Column("district", sa.String(80), nullable=True),
        sa.Column("assignee", sa.String(36), nullable=True),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("alert", sa.String(20), nullable=True),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("version", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_work_items_queue", "work_items", ["open", "due_at", "service", "case_id"])
    op.create_index("ix_work_items_department", "work_items", ["department"])
    op.create_index("ix_work_items_district", "work_items", ["district"])
    op.create_index("ix_work_items_assignee", "work_items", ["assignee"])
    op.create_index("ix_work_items_state", "work_items", ["service", "state"])
    op.create_table(
        "saved_views",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("official_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("query", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("official_id", "name", name="uq_saved_views_official_name"),
    )


def downgrade() -> None:
    op.drop_table("saved_views")
    for name in ("ix_work_items_state", "ix_work_items_assignee", "ix_work_items_district"):
        op.drop_index(name, "work_items")
    op.drop_index("ix_work_items_department", "work_items")
    op.drop_index("ix_work_items_queue", "work_items")
    op.drop_table("work_items")
