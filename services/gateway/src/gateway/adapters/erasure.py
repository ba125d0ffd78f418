"""Residents' requests to delete their data (My page): who asked (pseudonymous id) and when, and when the
notifications service forgot their addresses. One request per person; asking again changes nothing."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.adapters.tables import metadata
from gateway.domain.my_data import DeletionRequest
from meemaken_events import UtcDateTime

erasure_requests = sa.Table(
    "erasure_requests",
    metadata,
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("contact_erased_at", UtcDateTime(), nullable=True),
)


def record(engine: sa.Engine, person_id: str, now: datetime) -> DeletionRequest:
    """Record the request (once) with the moment the contact was erased; the request as it stands."""
    insert = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(erasure_requests)
    with engine.begin() as conn:
        conn.execute(
            insert.values(person_id=person_id, requested_at=now, contact_erased_at=now).on_conflict_do_nothing()
        )
    found = pending(engine, person_id)
    assert found is not None
    return found


def pending(engine: sa.Engine, person_id: str) -> DeletionRequest | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(erasure_requests).where(erasure_requests.c.person_id == person_id)).first()
    return DeletionRequest(row.requested_at, row.contact_erased_at) if row else None
