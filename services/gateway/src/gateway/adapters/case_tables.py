"""The officials' case pages (gateway.casework): each case's history as the services' events told it,
the officials' internal notes, and who the case is assigned to. In the gateway's schema (``metadata``).

An event's row keeps only what the page shows (states, outcomes, grounds, officials' reasons, dates),
never an author, a representative or a respondent. Notes and assignment reasons are internal: no page
for residents, no notice and no event ever reads these tables.
"""

import sqlalchemy as sa

from gateway.adapters.tables import metadata
from meemaken_events import UtcDateTime

# One row per event a case received, keyed by the event's id: a redelivered or replayed event adds nothing.
case_events = sa.Table(
    "case_events",
    metadata,
    sa.Column("service", sa.String(20), primary_key=True),
    sa.Column("case_id", sa.String(120), primary_key=True),
    sa.Column("event_id", sa.String(80), primary_key=True),
    sa.Column("at", UtcDateTime(), nullable=False),  # the event's time: the timeline's order
    sa.Column("event", sa.String(80), nullable=False),  # e.g. "challenge.scored"
    sa.Column("actor_id", sa.String(36), nullable=True),  # pseudonymous, as the event carries it
    sa.Column("actor_role", sa.String(40), nullable=True),
    sa.Column("facts", sa.JSON(), nullable=False),
    sa.Index("ix_case_events_case", "service", "case_id", "at"),
)

case_notes = sa.Table(
    "case_notes",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("service", sa.String(20), nullable=False),
    sa.Column("case_id", sa.String(120), nullable=False),
    sa.Column("author_id", sa.String(36), nullable=False),
    sa.Column("author_role", sa.String(40), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("written_at", UtcDateTime(), nullable=False),
    sa.Index("ix_case_notes_case", "service", "case_id", "written_at"),
)

# Every assignment of a case, by an official on the case page or by a service's event (its id is then
# the event's): the latest is the case's assignee, which the work queue shows.
case_assignments = sa.Table(
    "case_assignments",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("service", sa.String(20), nullable=False),
    sa.Column("case_id", sa.String(120), nullable=False),
    sa.Column("assignee", sa.String(36), nullable=False),
    sa.Column("assigned_by", sa.String(36), nullable=True),
    sa.Column("assigned_by_role", sa.String(40), nullable=True),
    sa.Column("reason", sa.String(500), nullable=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Index("ix_case_assignments_case", "service", "case_id", "at"),
)

# Documents officials attach to a case: internal, like the notes (only the case page lists them, only
# officials download them). Residents' own documents stay in the services that keep them.
case_attachments = sa.Table(
    "case_attachments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("service", sa.String(20), nullable=False),
    sa.Column("case_id", sa.String(120), nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),  # as its content showed, never as declared
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary(), nullable=False),
    sa.Column("added_by", sa.String(36), nullable=False),  # pseudonymous
    sa.Column("added_by_role", sa.String(40), nullable=False),
    sa.Column("added_at", UtcDateTime(), nullable=False),
    sa.Index("ix_case_attachments_case", "service", "case_id", "added_at"),
)
