"""The proposals service's own tables (and its outbox, inbox and relay lease)."""

import sqlalchemy as sa

from meemaken_events import UtcDateTime, messaging_tables

metadata = sa.MetaData()

proposals = sa.Table(
    "proposals",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("process_id", sa.String(100), nullable=False),
    sa.Column("author_id", sa.Uuid(), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("title_key", sa.String(200), nullable=False),
    sa.Column("text_key", sa.String(32), nullable=False, server_default=""),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reasons", sa.JSON(), nullable=False),
    sa.Column("submitted_at", UtcDateTime(), nullable=False),
    sa.Column("supporters", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("answer_due_at", UtcDateTime(), nullable=True),
    sa.Column("answer_overdue", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("position", sa.String(20), nullable=True),
    sa.Column("answer", sa.Text(), nullable=False, server_default=""),
    sa.Column("related", sa.JSON(), nullable=False, server_default="[]"),
    sa.Column("district", sa.String(100), nullable=True),
    sa.Column("theme", sa.String(100), nullable=True),
    sa.Column("co_authors", sa.JSON(), nullable=False, server_default="[]"),
    sa.Column("co_author_invitation", sa.JSON(), nullable=True),  # {code_hash, expires_at}
    sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]"),  # what each is; bytes below
    sa.Column("history", sa.JSON(), nullable=False, server_default="[]"),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index("ix_proposals_process_title", "process_id", "title_key"),
    sa.Index("ix_proposals_process_text", "process_id", "text_key"),
    sa.Index("ix_proposals_author", "author_id"),
    sa.Index("ix_proposals_answer_due", "answer_due_at"),
    sa.Index("ix_proposals_process_district", "process_id", "district"),
)

processes = sa.Table(
    "processes",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("municipality", sa.String(100), nullable=False),
    sa.Column("year", sa.Integer(), nullable=False),
    sa.Column("state", sa.JSON(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index("ix_processes_municipality_year", "municipality", "year"),
)

ladders = sa.Table(
    "ladders",
    metadata,
    sa.Column("municipality", sa.String(100), primary_key=True),
    sa.Column("rungs", sa.JSON(), nullable=False),
)

# The bytes of a proposal's attachments (what each is lives in the proposal's row).
attachment_contents = sa.Table(
    "attachment_contents",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("proposal_id", sa.Uuid(), sa.ForeignKey("proposals.id"), nullable=False, index=True),
    sa.Column("content", sa.LargeBinary(), nullable=False),
)

# One row per supporter: the primary key is what makes a second support by the same resident a no-op.
supports = sa.Table(
    "supports",
    metadata,
    sa.Column("proposal_id", sa.Uuid(), sa.ForeignKey("proposals.id"), primary_key=True),
    sa.Column("resident_id", sa.Uuid(), primary_key=True),
    sa.Column("supported_at", UtcDateTime(), nullable=False),
    sa.Column("district", sa.String(100), nullable=True),  # the supporter's, as their login verified it
)

rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("process_id", sa.String(100), nullable=False, index=True),
    sa.Column("phase", sa.String(20), nullable=False),
    sa.Column("state", sa.JSON(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)

# Exactly one counted ballot per voter and round: the primary key, under any concurrency.
ballots = sa.Table(
    "ballots",
    metadata,
    sa.Column("round_id", sa.Uuid(), sa.ForeignKey("rounds.id"), primary_key=True),
    sa.Column("voter_id", sa.Uuid(), primary_key=True),
    sa.Column("projects", sa.JSON(), nullable=False),
    sa.Column("points", sa.JSON(), nullable=True),
    sa.Column("paper", sa.Boolean(), nullable=False),
    sa.Column("entered_by", sa.Uuid(), nullable=True),  # paper: the official who entered it
    sa.Column("entered_by_role", sa.String(40), nullable=True),  # ... and the role they acted in
    sa.Column("cast_at", UtcDateTime(), nullable=False),
    sa.Column("replaced", sa.Integer(), nullable=False),
)

outbox, inbox, relay_lease = messaging_tables(metadata)
