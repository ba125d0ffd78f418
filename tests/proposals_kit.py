"""The proposals service's relay and admissibility consumer, assembled for cross-service tests."""

from __future__ import annotations

import uuid

from meemaken_events import ConsumerLoop, Relay
from meemaken_kit import Settings
from proposals.adapters import tables
from proposals.bootstrap import unit_of_work_within
from proposals.integration.incoming import ADMISSIBILITY_CONSUMER, admissibility_handlers

TOPIC = "meemaken.proposals.proposal"
TEXT = "Close the street in front of the school for cars at the start and end of the day."


def relay_for(settings: Settings, engine) -> Relay:  # type: ignore[no-untyped-def]
    return Relay.for_service("proposals", engine, tables.outbox, tables.relay_lease, settings.kafka_bootstrap_servers)


def admissibility_loop(settings: Settings, engine, group: str | None = None) -> ConsumerLoop:  # type: ignore[no-untyped-def]
    return ConsumerLoop(
        ADMISSIBILITY_CONSUMER,
        [TOPIC],
        admissibility_handlers(unit_of_work_within(settings)),
        engine,
        tables.inbox,
        settings.kafka_bootstrap_servers,
        consumer_options={"group_id": group or f"test-{uuid.uuid4().hex[:8]}"},
    )
