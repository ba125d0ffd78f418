"""The proposals service's relay and admissibility consumer, assembled for cross-service tests."""

from __future__ import annotations

import uuid

from meemaken_events import ConsumerLoop, Relay
from meemaken_kit import Settings
from meemaken_testkit.tokens import bearer
from proposals.adapters import tables
from proposals.bootstrap import admissibility_consumer

TOPIC = "meemaken.proposals.proposal"
MUNICIPALITY = "gent"
TEXT = "Close the street in front of the school for cars at the start and end of the day."


def relay_for(settings: Settings, engine) -> Relay:  # type: ignore[no-untyped-def]
    return Relay.for_service("proposals", engine, tables.outbox, tables.relay_lease, settings)


def admissibility_loop(settings: Settings, engine, group: str | None = None) -> ConsumerLoop:  # type: ignore[no-untyped-def]
    return admissibility_consumer(
        settings, engine, consumer_options={"group_id": group or f"test-{uuid.uuid4().hex[:8]}"}
    )


def open_process(uow_factory, process_id: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """A proposals call open from a year ago to a year ahead, as an official defines it."""
    from datetime import UTC, datetime, timedelta

    from proposals.domain.process import Phase, ProcessKind
    from proposals.service_layer import participation
    from proposals.service_layer.actors import Actor

    process_id = process_id or f"process-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    phase = Phase("proposals", now - timedelta(days=365), now + timedelta(days=365), "adviseren")
    kind = ProcessKind.PROPOSALS_CALL
    participation.define_process(
        uow_factory(), Actor.official(), process_id, MUNICIPALITY, "Proposals call", kind, [phase], None, 90
    )
    return process_id


def process_body(process_id: str) -> dict[str, object]:
    """The same, as the API takes it (POST /api/v1/processes by a case officer)."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    phase = {"name": "proposals", "rung_promised": "adviseren"}
    phase |= {"starts_at": (now - timedelta(days=365)).isoformat(), "ends_at": (now + timedelta(days=365)).isoformat()}
    return {
        "id": process_id,
        "municipality": MUNICIPALITY,
        "title": "Proposals call",
        "kind": "proposals_call",
        "phases": [phase],
    }


def official(role: str = "case_officer", **options: object) -> dict[str, str]:
    """An official's fresh token for proposals (tokens live minutes: make one per request)."""
    return bearer("proposals", role, **options)


def resident(who: uuid.UUID | str | None = None, **attrs: object) -> dict[str, str]:
    """A resident of the processes' municipality logged in through the gateway (token for proposals)."""
    verified = {"age": 34, "municipality": MUNICIPALITY, "resident": True, "district": "centrum"} | attrs
    return bearer("proposals", "resident", sub=who or uuid.uuid4(), attrs=verified)
