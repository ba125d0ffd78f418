"""The work items' version index: the deadline alerts' step reads the items an event changed since its last run.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_work_items_version", "work_items", ["version"])


def downgrade() -> None:
    op.drop_index("ix_work_items_version", table_name="work_items")
