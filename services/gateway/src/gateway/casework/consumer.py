"""The gateway's consumers of the services' events: each handled event becomes a change to the work
queue, in the consumer's transaction with its inbox row (the kit's ConsumerLoop), so a redelivery is
skipped and a replay ends where the first reading ended.

One consumer group per producing service, as notifications does: a burst or a poison message from one
service never holds up the others' items. Each handler declares the fields it needs (``@reads``); the
contract tests hold every producer to them.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.adapters import tables
from gateway.casework import case_store, queue, timeline
from gateway.casework.store import apply
from meemaken_events import Catalogue, ConsumerLoop, Envelope, Handler, catalogue, reads
from meemaken_kit import Settings

PROPOSAL, ROUND = "org.meemaken.proposals.proposal.", "org.meemaken.proposals.round."
CHALLENGE, PANEL = "org.meemaken.challenges.challenge.", "org.meemaken.panels.panel."
PROPOSAL_STEPS = (
    "admitted",
    "threshold_reached",
    "answer_overdue",
    "answered",
    "declined",
    "rejected",
    "merged",
    "split",
)
PANEL_STEPS = (*queue.PANEL_STEPS, "answered", "answer_deadline_breached")

# consumer -> {event type prefix: (the event names it handles, None for all; the fields they read)}
CONSUMERS: dict[str, dict[str, tuple[tuple[str, ...] | None, tuple[str, ...]]]] = {
    "gateway.queue.proposals": {
        PROPOSAL: (PROPOSAL_STEPS, ("proposal_id", "title")),
        ROUND: (tuple(queue.ROUND_STEPS), ("round_id", "process_id")),
        ROUND + "project_added": (("",), ("round_id", "project_id", "title", "district")),
        ROUND + "project_assessed": (("",), ("round_id", "project_id", "feasibility")),
    },
    "gateway.queue.challenges": {CHALLENGE: (None, ("challenge_id", "department", "to_status", "details"))},
    "gateway.queue.panels": {PANEL: (PANEL_STEPS, ("panel_id", "details"))},
}


def handler(*fields: str) -> Handler:
    @reads(*fields)
    def on_event(connection: sa.Connection, envelope: Envelope) -> None:
        change = queue.change_for(envelope.type, envelope.data, envelope.time)
        if change is not None:
            apply(connection, change)
        entry = timeline.entry_for(envelope.id, envelope.type, envelope.data, envelope.time)
        if entry is not None:  # the case page's history, and a service's assignment of the case
            case_store.record(connection, entry)
            given = timeline.assignment_for(entry, envelope.data)
            if given is not None:
                case_store.assign(connection, given)

    return on_event


def subscriptions(events: Catalogue | None = None) -> dict[str, tuple[list[str], dict[str, Handler]]]:
    """consumer name -> (its topics, its handlers by event type), from the catalogue."""
    events = events or catalogue()
    found: dict[str, tuple[list[str], dict[str, Handler]]] = {}
    for consumer, families in CONSUMERS.items():
        handlers: dict[str, Handler] = {}
        for prefix, (names, fields) in families.items():
            on_event = handler(*fields)
            for t in events:
                name = t.name[len(prefix) :].rsplit(".v", 1)[0] if t.name.startswith(prefix) else None
                if name is not None and (names is None or name in names):
                    handlers[t.name] = on_event
        if handlers:
            found[consumer] = (sorted({events[name].topic for name in handlers}), handlers)
    return found


def consumers(
    settings: Settings, engine: sa.Engine, events: Catalogue | None = None, group_prefix: str = ""
) -> list[ConsumerLoop]:
    """The queue's consumer loops; ``group_prefix`` gives a test its own consumer groups."""
    return [
        ConsumerLoop(
            name,
            topics,
            handlers,
            engine,
            tables.inbox,
            settings.kafka_bootstrap_servers,
            consumer_options={"group_id": group_prefix + name} if group_prefix else None,
            events=events,
        )
        for name, (topics, handlers) in subscriptions(events).items()
    ]
