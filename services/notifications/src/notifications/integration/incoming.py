"""Which incoming events this service reads: every catalogued event of every producing service.

One consumer group per producing service, so a burst (or a poison message) from one never holds
up the others. Each handler only plans rows in the consumer's transaction (see
service_layer.planning); whether and whom an event tells is the routing table's business.

The events of a polled batch are planned together at its end (``PLANS``, the consumer loop's ``batch_scope``):
the handler notes each event, and ``note_events`` writes the batch's notices, messages and deliveries in a few
statements, in the batch's transaction (with its inbox rows: all or nothing), each event's log line within its
correlation and the loop's CONSUMER span for it (``deferred.resumable``). An event handled alone (a batch redone
event by event after a failure, a dead letter replayed, a handler called outside a consumer) is planned at once.
At 200/s of bench/latency.py the worker's one plan per event (notice, audiences, contacts, messages, deliveries:
a statement each) was its bottleneck (bench/profiles/latency-s9-after-notifications-worker.svg).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa

from meemaken_events import Catalogue, Envelope, Handler, catalogue, deferred, reads
from notifications.domain.routing import fields_read
from notifications.service_layer.planning import Incoming, note_events

PRODUCERS = {
    "notifications.proposals": "org.meemaken.proposals.",
    "notifications.challenges": "org.meemaken.challenges.",
    "notifications.panels": "org.meemaken.panels.",
    "notifications.gateway": "org.meemaken.gateway.",  # the officials' deadline alerts (the identity audit: silent)
}
PLANS: deferred.PerBatch[Incoming] = deferred.PerBatch(
    "notifications.plans", note_events, lambda connection, event: note_events(connection, [event])
)


def handler(clock: Callable[[], datetime], reading: Iterable[str] = ()) -> Handler:
    """The data is kept whole; what its route reads of it (``reading``: to find the people, to fill the
    templates) is declared, so a producer cannot drop a field a message needs without a new version."""

    @reads(*reading)
    def on_event(connection: sa.Connection, envelope: Envelope) -> None:
        event = Incoming(envelope.source, envelope.id, envelope.type, dict(envelope.data), clock())
        PLANS.add(connection, replace(event, context=deferred.resumable()))

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
