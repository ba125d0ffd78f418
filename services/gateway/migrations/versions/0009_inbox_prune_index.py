"""The inbox's prune index: one consumer's rows handled before a cutoff, found without scanning them all.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from alembic import op

from meemaken_events import create_inbox_handled_index
from meemaken_events.tables import INBOX_HANDLED

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_inbox_handled_index(op)


def downgrade() -> None:
    op.drop_index(INBOX_HANDLED, table_name="inbox")
