"""The challenges service's tables: the task catalogue, challenges, documents, timers (and messaging)."""

import sqlalchemy as sa

from meemaken_events import UtcDateTime, messaging_tables

metadata = sa.MetaData()

tasks = sa.Table(
    "tasks",
    metadata,
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

challenges = sa.Table(
    "challenges",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("task_id", sa.Uuid(), sa.ForeignKey("tasks.id"), nullable=False),
    sa.Column("department", sa.String(100), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("member_ids", sa.JSON(), nullable=False),  # representative and co-initiators: who may act for the group
    sa.Column("assessor_ids", sa.JSON(), nullable=False),
    sa.Column("decision_due_at", UtcDateTime(), nullable=True),
    sa.Column("published", sa.Boolean(), nullable=False),
    sa.Column("alert", sa.String(20), nullable=True),  # the worst deadline warning, for the officials' queue
    sa.Column("state", sa.JSON(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index("ix_challenges_queue", "department", "status", "decision_due_at"),
    sa.Index("ix_challenges_task_status", "task_id", "status"),
    sa.Index("ix_challenges_alert", "alert"),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("challenge_id", sa.Uuid(), sa.ForeignKey("challenges.id"), nullable=False, index=True),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary(), nullable=False),
    sa.Column("uploaded_at", UtcDateTime(), nullable=False),
)

timers = sa.Table(
    "timers",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("challenge_id", sa.Uuid(), sa.ForeignKey("challenges.id"), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("due_at", UtcDateTime(), nullable=False),
    sa.Column("fired_at", UtcDateTime(), nullable=True),
    sa.Column("cancelled_at", UtcDateTime(), nullable=True),
    sa.Index("ix_timers_pending", "due_at", postgresql_where=sa.text("fired_at IS NULL AND cancelled_at IS NULL")),
    sa.Index("ix_timers_challenge", "challenge_id", "kind"),
    sa.Index(
        "ux_timers_live",
        "challenge_id",
        "kind",
        "due_at",
        unique=True,
        postgresql_where=sa.text("cancelled_at IS NULL"),
        sqlite_where=sa.text("cancelled_at IS NULL"),
    ),
)

outbox, inbox, relay_lease = messaging_tables(metadata)
