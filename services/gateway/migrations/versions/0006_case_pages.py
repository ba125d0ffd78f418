"""The officials' case pages: each case's history from the services' events, internal notes and
assignments.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from meemaken_events import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_events",
        sa.Column("service", sa.String(20), primary_key=True),
        sa.Column("case_id", sa.String(120), primary_key=True),
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("event", sa.String(80), nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("actor_role", sa.String(40), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
    )
    op.create_index("ix_case_events_case", "case_events", ["service", "case_id", "at"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("service", sa.String(20), nullable=False),
        sa.Column("case_id", sa.String(120), nullable=False),
        sa.Column("author_id", sa.String(36), nullable=False),
        sa.Column("author_role", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_case_notes_case", "case_notes", ["service", "case_id", "written_at"])
    op.create_table(
        "case_assignments",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("service", sa.String(20), nullable=False),
        sa.Column("case_id", sa.String(120), nullable=False),
        sa.Column("assignee", sa.String(36), nullable=False),
        sa.Column("assigned_by", sa.String(36), nullable=True),
        sa.Column("assigned_by_role", sa.String(40), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_case_assignments_case", "case_assignments", ["service", "case_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_case_assignments_case", "case_assignments")
    op.drop_table("case_assignments")
    op.drop_index("ix_case_notes_case", "case_notes")
    op.drop_table("case_notes")
    op.drop_index("ix_case_events_case", "case_events")
    op.drop_table("case_events")
