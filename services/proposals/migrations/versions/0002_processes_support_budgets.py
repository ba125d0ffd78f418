"""Participation processes and ladders, support and answers, budget rounds and ballots.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processes",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("municipality", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_processes_municipality_year", "processes", ["municipality", "year"])
    op.create_table(
        "ladders",
        sa.Column("municipality", sa.String(100), primary_key=True),
        sa.Column("rungs", sa.JSON(), nullable=False),
    )
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("supporters", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("answer_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("answer_overdue", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("position", sa.String(20), nullable=True))
        batch.add_column(sa.Column("answer", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("related", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("history", sa.JSON(), nullable=False, server_default="[]"))
    op.create_index("ix_proposals_answer_due", "proposals", ["answer_due_at"])
    op.create_table(
        "supports",
        sa.Column("proposal_id", sa.Uuid(), sa.ForeignKey("proposals.id"), primary_key=True),
        sa.Column("resident_id", sa.Uuid(), primary_key=True),
        sa.Column("supported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rounds",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("process_id", sa.String(100), nullable=False, index=True),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "ballots",
        sa.Column("round_id", sa.Uuid(), sa.ForeignKey("rounds.id"), primary_key=True),
        sa.Column("voter_id", sa.Uuid(), primary_key=True),
        sa.Column("projects", sa.JSON(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=True),
        sa.Column("paper", sa.Boolean(), nullable=False),
        sa.Column("entered_by", sa.Uuid(), nullable=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ballots")
    op.drop_table("rounds")
    op.drop_table("supports")
    op.drop_index("ix_proposals_answer_due", "proposals")
    with op.batch_alter_table("proposals") as batch:
        for column in ("history", "related", "answer", "position", "answer_overdue", "answer_due_at", "supporters"):
            batch.drop_column(column)
    op.drop_table("ladders")
    op.drop_table("processes")
