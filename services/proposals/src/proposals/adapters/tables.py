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
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reasons", sa.JSON(), nullable=False),
    sa.Column("submitted_at", UtcDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index("ix_proposals_process_title", "process_id", "title_key"),
    sa.Index("ix_proposals_author", "author_id"),
)

outbox, inbox, relay_lease = messaging_tables(metadata)
