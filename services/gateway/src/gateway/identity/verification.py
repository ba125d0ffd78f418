"""An official verifies a resident's attribute at the desk: recorded, merged into the resident's tokens,
and audited in an event that names the official by pseudonymous id and role, never a value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal, TypedDict

import sqlalchemy as sa

from gateway.adapters.tables import people, verified_attributes
from gateway.identity.attributes import VERIFIABLE, Verifiable
from gateway.identity.sessions import set_desk_attributes
from meemaken_events import EventFactory, Outbox
from meemaken_events.definitions import DateTime, Doc, EventDefinition, MinItems, UniqueItems, Uuid
from meemaken_kit.roles import Role

ATTRIBUTES_VERIFIED = "org.meemaken.gateway.attributes_verified.v1"
IDENTITY_TOPIC = "meemaken.gateway.identity"


class Verifier(TypedDict):
    """The official who verified, for the audit."""

    id: Annotated[Uuid, Doc("The official's pseudonymous id; never a name.")]
    role: Literal[Role.CASE_OFFICER]


class AttributesVerified(TypedDict):
    person_id: Annotated[
        Uuid,
        Doc("The resident's pseudonymous id (the aggregate and partition key); never a name or national number."),
    ]
    attributes: Annotated[
        list[Verifiable],
        MinItems(1),
        UniqueItems(),
        Doc(
            "Which attributes were verified; their values stay in the gateway and reach the services only in "
            "the resident's tokens."
        ),
    ]
    actor: Verifier
    verified_at: DateTime


EVENT_TYPES = (
    EventDefinition(
        ATTRIBUTES_VERIFIED,
        IDENTITY_TOPIC,
        AttributesVerified,
        "An official verified attributes of a resident at the municipality's desk (which ones, never their values).",
    ),
)


class UnknownReference(Exception):
    """Nobody with this reference code has logged in."""


class OwnVerification(Exception):
    """An official may not verify their own attributes."""


@dataclass(frozen=True)
class Official:
    person_id: str
    role: Literal[Role.CASE_OFFICER]  # only a case officer verifies at the desk


def record_verification(
    engine: sa.Engine,
    outbox: Outbox,
    events: EventFactory,
    official: Official,
    reference: str,
    values: Mapping[str, str],
    now: datetime | None = None,
) -> str:
    """Store what the official saw; the resident's live sessions carry it from their next request.
    Returns the resident's pseudonymous id."""
    now = now or datetime.now(UTC)
    values = {name: value for name, value in values.items() if name in VERIFIABLE and value}
    if not values:
        raise ValueError("nothing to record")
    with engine.begin() as conn:
        person_id = conn.execute(sa.select(people.c.person_id).where(people.c.reference == reference)).scalar()
        if person_id is None:
            raise UnknownReference(reference)
        if person_id == official.person_id:
            raise OwnVerification(reference)
        conn.execute(
            sa.delete(verified_attributes)
            .where(verified_attributes.c.person_id == person_id)
            .where(verified_attributes.c.attribute.in_(list(values)))
        )
        conn.execute(
            sa.insert(verified_attributes),
            [
                {
                    "person_id": person_id,
                    "attribute": name,
                    "value": value,
                    "verified_by": official.person_id,
                    "verified_role": official.role,
                    "verified_at": now,
                }
                for name, value in values.items()
            ],
        )
        rows = conn.execute(
            sa.select(verified_attributes.c.attribute, verified_attributes.c.value).where(
                verified_attributes.c.person_id == person_id
            )
        )
        set_desk_attributes(conn, person_id, {row.attribute: row.value for row in rows})
        data = AttributesVerified(
            person_id=person_id,
            attributes=sorted(name for name in VERIFIABLE if name in values),
            actor=Verifier(id=official.person_id, role=official.role),
            verified_at=now.isoformat(),
        )
        outbox.add(conn, [events.create(ATTRIBUTES_VERIFIED, key=person_id, data=data)])
    return str(person_id)
