"""Login sessions, the people who logged in, attributes verified at the desk.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from meemaken_events import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=True),
        sa.Column("role_scopes", sa.JSON(), nullable=True),
        sa.Column("provider_attrs", sa.JSON(), nullable=True),
        sa.Column("desk_attrs", sa.JSON(), nullable=True),
        sa.Column("sealed_tokens", sa.Text(), nullable=True),
        sa.Column("access_expires_at", UtcDateTime(), nullable=True),
        sa.Column("refreshing_until", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_sessions_person_id", "sessions", ["person_id"])
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(10), nullable=False, unique=True),
        sa.Column("first_login_at", UtcDateTime(), nullable=False),
        sa.Column("last_login_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "verified_attributes",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("attribute", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("verified_by", sa.String(36), nullable=False),
        sa.Column("verified_role", sa.String(40), nullable=False),
        sa.Column("verified_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("verified_attributes")
    op.drop_table("people")
    op.drop_index("ix_sessions_person_id", "sessions")
    op.drop_table("sessions")
