"""Which incoming events this service reads: every catalogued event of every producing service.

One consumer group per producing service, so a burst (or a poison message) from one never holds
up the others. Each handler only plans rows in the consumer's transaction (see
service_layer.planning); whether and whom an event tells is the routing table's business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import sqlalchemy as sa

from meemaken_events import Catalogue, Envelope, Handler, catalogue, reads
from notifications.domain.routing import fields_read
from notifications.service_layer.planning import note_event

PRODUCERS = {
    "notifications.proposals": "org.meemaken.proposals.",
    "notifications.challenges": "org.meemaken.challenges.",
    "notifications.panels": "org.meemaken.panels.",
    "notifications.gateway": "org.meemaken.gateway.",  # the officials' deadline alerts (the identity audit: silent)
}


def handler(clock: Callable[[], datetime], reading: Iterable[str] = ()) -> Handler:
    """The data is kept whole; what its route reads of it (``reading``: to find the people, to fill the
    templates) is declared, so a producer cannot drop a field a message needs without a new version."""

    @reads(*reading)
    def on_event(connection: sa.Connection, envelope: Envelope) -> None:
        note_event(connection, envelope.source, envelope.id, envelope.type, dict(envelope.data), clock())

    return on_event


def subscriptions(
    events: Catalogue | None = None, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> dict[str, tuple[list[str], dict[str, Handler]]]:
    """consumer name -> (its topics, its handlers by event type)."""
    events = events or catalogue()
    found: dict[str, tuple[list[str], dict[str, Handler]]] = {}
    for consumer, prefix in PRODUCERS.items():
        types = [t for t in events if t.name.startswith(prefix)]
        if types:
            found[consumer] = (
                sorted({t.topic for t in types}),
                {t.name: handler(clock, fields_read(t.name)) for t in types},
            )
    return found
