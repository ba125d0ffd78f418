"""Registrations remember the invitation they answered (one registration per reply-card code), and every
official's step on a panel is kept for the audit.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from meemaken_events import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("respondents") as batch:
        batch.add_column(sa.Column("invitation", sa.String(40), nullable=True))
        batch.create_unique_constraint("uq_respondents_invitation", ["panel_id", "invitation"])
    op.create_table(
        "panel_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("panel_id", sa.Uuid(), sa.ForeignKey("panels.id"), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_panel_audit_panel_id", "panel_audit", ["panel_id"])


def downgrade() -> None:
    op.drop_index("ix_panel_audit_panel_id", "panel_audit")
    op.drop_table("panel_audit")
    with op.batch_alter_table("respondents") as batch:
        batch.drop_constraint("uq_respondents_invitation", type_="unique")
        batch.drop_column("invitation")
