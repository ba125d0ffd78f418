"""At most one live (pending or fired) timer per challenge, kind and due time.

The index lets the timer sync insert what is wanted and let the database skip what is already
there, instead of reading the challenge's timers first.

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
    op.create_index(
        "ux_timers_live",
        "timers",
        ["challenge_id", "kind", "due_at"],
        unique=True,
        postgresql_where=sa.text("cancelled_at IS NULL"),
        sqlite_where=sa.text("cancelled_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_timers_live", "timers")
