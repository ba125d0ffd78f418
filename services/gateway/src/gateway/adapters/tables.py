"""The gateway's tables: login sessions, the people who logged in (by pseudonymous id and reference
code), attributes officials verified at the desk, and its outbox, inbox and relay lease.

No name, e-mail address or national number is stored anywhere here. The provider's refresh and ID
tokens (which may carry such claims) are kept sealed with a key derived from the session cookie,
which this database never sees: a copy of the database alone opens none of them.
"""

import sqlalchemy as sa

from meemaken_events import UtcDateTime, messaging_tables

metadata = sa.MetaData()

outbox, inbox, relay_lease = messaging_tables(metadata)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the cookie's random value
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),  # the absolute end, whatever the activity
    sa.Column("data", sa.JSON(), nullable=False),  # CSRF token, login state: small and anonymous
    sa.Column("person_id", sa.String(36), nullable=True, index=True),
    sa.Column("roles", sa.JSON(), nullable=True),
    sa.Column("role_scopes", sa.JSON(), nullable=True),
    sa.Column("provider_attrs", sa.JSON(), nullable=True),
    sa.Column("desk_attrs", sa.JSON(), nullable=True),
    sa.Column("sealed_tokens", sa.Text(), nullable=True),
    sa.Column("access_expires_at", UtcDateTime(), nullable=True),
    sa.Column("refreshing_until", UtcDateTime(), nullable=True),
)

people = sa.Table(
    "people",
    metadata,
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("reference", sa.String(10), nullable=False, unique=True),
    sa.Column("first_login_at", UtcDateTime(), nullable=False),
    sa.Column("last_login_at", UtcDateTime(), nullable=False),
)

verified_attributes = sa.Table(
    "verified_attributes",
    metadata,
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("attribute", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(100), nullable=False),
    sa.Column("verified_by", sa.String(36), nullable=False),
    sa.Column("verified_role", sa.String(40), nullable=False),
    sa.Column("verified_at", UtcDateTime(), nullable=False),
)

# The officials' work queue: one row per case, kept from the services' events (gateway.casework).
work_items = sa.Table(
    "work_items",
    metadata,
    sa.Column("service", sa.String(20), primary_key=True),
    sa.Column("case_id", sa.String(120), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("state", sa.String(40), nullable=False),
    sa.Column("open", sa.Boolean(), nullable=False),
    sa.Column("title", sa.String(200), nullable=True),  # only a title the service publishes for everyone
    sa.Column("department", sa.String(80), nullable=True),
    sa.Column("district", sa.String(80), nullable=True),
    sa.Column("assignee", sa.String(36), nullable=True),  # an official's pseudonymous id
    sa.Column("due_at", UtcDateTime(), nullable=True),
    sa.Column("alert", sa.String(20), nullable=True),  # the service's own warning: near_breach, breached
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("version", UtcDateTime(), nullable=False),  # the time of the last event applied
    sa.Index("ix_work_items_queue", "open", "due_at", "service", "case_id"),
    sa.Index("ix_work_items_department", "department"),
    sa.Index("ix_work_items_district", "district"),
    sa.Index("ix_work_items_assignee", "assignee"),
    sa.Index("ix_work_items_state", "service", "state"),
    sa.Index("ix_work_items_version", "version"),  # the items events changed since the alerts' last run
)

# An official's saved views of the queue: a name and the view's query string.
saved_views = sa.Table(
    "saved_views",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("official_id", sa.String(36), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("query", sa.String(500), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("official_id", "name", name="uq_saved_views_official_name"),
)

# Answer templates: reusable texts officials pick and edit to answer proposals (gateway.casework.answer_templates).
answer_templates = sa.Table(
    "answer_templates",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("municipality", sa.String(80), nullable=False),
    sa.Column("department", sa.String(80), nullable=False),  # "": for every department
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("position", sa.String(20), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("created_by", sa.String(36), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("municipality", "department", "name", name="uq_answer_templates_name"),
)
