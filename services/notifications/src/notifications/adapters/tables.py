"""The notifications service's own tables (and its outbox, inbox and relay lease)."""

import sqlalchemy as sa

from meemaken_events import UtcDateTime, messaging_tables

metadata = sa.MetaData()

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("recipient_id", sa.Uuid(), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("event_source", sa.String(300), nullable=False),
    sa.Column("event_id", sa.String(100), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("read_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("event_source", "event_id", "recipient_id", name="uq_messages_event_recipient"),
    sa.Index("ix_messages_recipient_created", "recipient_id", "created_at"),
)

outbox, inbox, relay_lease = messaging_tables(metadata)
