"""What the gateway itself holds about a resident, for My page: their requests to delete their data (who asked,
by pseudonymous id, when, and when the notifications service forgot their addresses and messages; one request
per person, asking again changes nothing), and their account record (logins, facts verified at the desk) for
the download."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.adapters.tables import metadata, people, verified_attributes
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


def account_record(engine: sa.Engine, person_id: str) -> dict[str, Any]:
    """The person's first and last login here, and each fact an official verified at the desk, with when (the
    official who did is theirs, not the resident's, and stays out)."""
    with engine.connect() as conn:
        seen = conn.execute(sa.select(people).where(people.c.person_id == person_id)).first()
        facts = conn.execute(
            sa.select(verified_attributes.c.attribute, verified_attributes.c.value, verified_attributes.c.verified_at)
            .where(verified_attributes.c.person_id == person_id)
            .order_by(verified_attributes.c.attribute)
        ).all()
    return {
        "first_login_at": seen.first_login_at.isoformat() if seen else None,
        "last_login_at": seen.last_login_at.isoformat() if seen else None,
        "verified_at_the_desk": [
            {"fact": f.attribute, "value": f.value, "verified_at": f.verified_at.isoformat()} for f in facts
        ],
    }
