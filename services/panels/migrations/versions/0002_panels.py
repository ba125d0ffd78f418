"""Panels, the respondent pool and the identity store.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
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
        "panels",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("referred_challenge_id", sa.Uuid(), nullable=True, unique=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("artefacts", sa.JSON(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "respondents",
        sa.Column("panel_id", sa.Uuid(), sa.ForeignKey("panels.id"), primary_key=True),
        sa.Column("pseudonym", sa.String(40), primary_key=True),
        sa.Column("household", sa.String(40), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("strata", sa.JSON(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("resident", sa.Boolean(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("refusal", sa.String(40), nullable=True),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_respondents_status", "respondents", ["panel_id", "status"])
    op.create_table(
        "identities",
        sa.Column("panel_id", sa.Uuid(), primary_key=True),
        sa.Column("pseudonym", sa.String(40), primary_key=True),
        sa.Column("contact", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("identities")
    op.drop_index("ix_respondents_status", "respondents")
    op.drop_table("respondents")
    op.drop_table("panels")
