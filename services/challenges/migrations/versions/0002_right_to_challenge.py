"""The task catalogue, challenges, their documents and durable timers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("current_yearly_cost_cents", sa.BigInteger(), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=False),
        sa.Column("profile", sa.String(50), nullable=False),
        sa.Column("criteria_set", sa.String(50), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("blocked_by", sa.String(300), nullable=True),
        sa.Column("eligible_legal_forms", sa.JSON(), nullable=False),
        sa.Column("min_members", sa.Integer(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "challenges",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("task_id", sa.Uuid(), sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("member_ids", sa.JSON(), nullable=False),
        sa.Column("assessor_ids", sa.JSON(), nullable=False),
        sa.Column("decision_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_challenges_queue", "challenges", ["department", "status", "decision_due_at"])
    op.create_index("ix_challenges_task_status", "challenges", ["task_id", "status"])
    op.create_table(
        "documents",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("challenge_id", sa.Uuid(), sa.ForeignKey("challenges.id"), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_documents_challenge_id", "documents", ["challenge_id"])
    op.create_table(
        "timers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("challenge_id", sa.Uuid(), sa.ForeignKey("challenges.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_timers_pending", "timers", ["due_at"], postgresql_where=sa.text("fired_at IS NULL AND cancelled_at IS NULL")
    )
    op.create_index("ix_timers_challenge", "timers", ["challenge_id", "kind"])


def downgrade() -> None:
    for table in ("timers", "documents", "challenges", "tasks"):
        op.drop_table(table)
