"""The notifications service's own tables (and its outbox, inbox and relay lease)."""

import sqlalchemy as sa

from meemaken_events import UtcDateTime, messaging_tables

metadata = sa.MetaData()

messages = sa.Table(  # the in-app inbox
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

notices = sa.Table(  # an event someone must hear about, kept to render its messages when they are sent
    "notices",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("event_source", sa.String(300), nullable=False),
    sa.Column("event_id", sa.String(100), nullable=False),
    sa.Column("event_type", sa.String(200), nullable=False),
    sa.Column("topic", sa.String(30), nullable=False),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("purged_at", UtcDateTime(), nullable=True),  # its data forgotten once every message is done
    sa.Column("traceparent", sa.String(55), nullable=True),  # the trace it was noticed in: its e-mails join it
    sa.Column("tracestate", sa.String(512), nullable=True),
    sa.UniqueConstraint("event_source", "event_id", name="uq_notices_event"),
)

fanouts = sa.Table(  # recipients to resolve from another service, page by page (survives restarts)
    "fanouts",
    metadata,
    sa.Column("notice_id", sa.Uuid(), sa.ForeignKey("notices.id"), primary_key=True),
    sa.Column("tell", sa.Integer(), primary_key=True),
    sa.Column("role", sa.String(30), primary_key=True),
    sa.Column("cursor", sa.String(200), nullable=True),
    sa.Column("planned", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("done_at", UtcDateTime(), nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
)

deliveries = sa.Table(  # the delivery log: one row per (event, recipient, channel)
    "deliveries",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("notice_id", sa.Uuid(), sa.ForeignKey("notices.id"), nullable=True),
    sa.Column("recipient_id", sa.String(64), nullable=True),  # nulled by the purge
    sa.Column("role", sa.String(30), nullable=False),
    sa.Column("template", sa.String(40), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("legally_required", sa.Boolean(), nullable=False),
    sa.Column("priority", sa.SmallInteger(), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("period", sa.String(30), nullable=True),  # a digest's period, e.g. daily:2026-11-28
    sa.Column("digest_id", sa.Uuid(), nullable=True),  # the digest a held message went out in
    sa.Column("purged_at", UtcDateTime(), nullable=True),
    sa.Column("printed_by", sa.String(64), nullable=True),  # a letter: the administrator who posted it
    sa.UniqueConstraint("key", name="uq_deliveries_key"),
    sa.Index("ix_deliveries_due", "status", "priority", "next_attempt_at"),
    sa.Index("ix_deliveries_recipient", "recipient_id", "created_at"),
)

contacts = sa.Table(  # how to reach a person and what they want to hear: personal data, kept here only
    "contacts",
    metadata,
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("postal_address", sa.JSON(), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("channels", sa.JSON(), nullable=False),
    sa.Column("digest", sa.String(12), nullable=False),
    sa.Column("muted_topics", sa.JSON(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

audiences = sa.Table(  # who holds a role in a case that events do not name (followers, queues, co-initiators)
    "audiences",
    metadata,
    sa.Column("scope", sa.String(150), primary_key=True),  # challenge:<id>, department:<name>, panel:<id>...
    sa.Column("role", sa.String(30), primary_key=True),
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("added_at", UtcDateTime(), nullable=False),
)

outbox, inbox, relay_lease = messaging_tables(metadata)
