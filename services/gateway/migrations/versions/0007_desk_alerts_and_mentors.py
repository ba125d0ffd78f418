"""The officials' desk: desk roles seen at login, deadline crossings announced, mentors and their guidance.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from meemaken_events import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "official_roles",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("role", sa.String(40), primary_key=True),
        sa.Column("scope", sa.String(120), primary_key=True),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_official_roles_role", "official_roles", ["role", "scope"])
    op.create_table(
        "deadline_alerts",
        sa.Column("service", sa.String(20), primary_key=True),
        sa.Column("case_id", sa.String(120), primary_key=True),
        sa.Column("level", sa.String(20), primary_key=True),
        sa.Column("due", sa.String(40), primary_key=True),
        sa.Column("department", sa.String(80), nullable=True),
        sa.Column("announced_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "mentor_assignments",
        sa.Column("service", sa.String(20), primary_key=True),
        sa.Column("case_id", sa.String(120), primary_key=True),
        sa.Column("mentor_id", sa.String(36), primary_key=True),
        sa.Column("assigned_by", sa.String(36), nullable=False),
        sa.Column("assigned_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_mentor_assignments_mentor", "mentor_assignments", ["mentor_id"])
    op.create_table(
        "mentor_guidance",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("service", sa.String(20), nullable=False),
        sa.Column("case_id", sa.String(120), nullable=False),
        sa.Column("mentor_id", sa.String(36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_mentor_guidance_case", "mentor_guidance", ["service", "case_id", "written_at"])


def downgrade() -> None:
    op.drop_index("ix_mentor_guidance_case", "mentor_guidance")
    op.drop_table("mentor_guidance")
    op.drop_index("ix_mentor_assignments_mentor", "mentor_assignments")
    op.drop_table("mentor_assignments")
    op.drop_table("deadline_alerts")
    op.drop_index("ix_official_roles_role", "official_roles")
    op.drop_table("official_roles")
