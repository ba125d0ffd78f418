"""The gateway's consumers of the services' events: each handled event becomes a change to the work
queue, in the consumer's transaction with its inbox row (the kit's ConsumerLoop), so a redelivery is
skipped and a replay ends where the first reading ended. A polled batch's writes are done together at its
end (``batch_scope``: one upsert per run of like changes, the history's rows in one insert); an event the
kit redoes alone, in its savepoint, writes at once.

One consumer group per producing service, as notifications does: a burst or a poison message from one
service never holds up the others' items. Each handler declares the fields it needs (``@reads``); the
contract tests hold every producer to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa

from gateway.adapters import tables
from gateway.casework import case_store, queue, store, timeline
from gateway.casework.queue import Change
from gateway.casework.timeline import Assignment, Entry
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


PENDING = "gateway.casework.pending"  # the polled batch's writes, in its connection's info


@dataclass
class Pending:
    """A polled batch's writes, done together when its handlers are through: the items' changes in their
    order (an assignment after its case's changes), the history's rows in one statement."""

    changes: list[Change | Assignment] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    def write(self, connection: sa.Connection) -> None:
        run: list[Change] = []
        for done in [*self.changes, None]:
            if isinstance(done, Change):
                run.append(done)
                continue
            store.apply_all(connection, run)
            run = []
            if done is not None:
                case_store.assign(connection, done)
        case_store.record_all(connection, self.entries)


@contextmanager
def batch_scope(connection: sa.Connection) -> Iterator[None]:
    """Around a polled batch's handlers (the kit's consumer): their writes, done at its end."""
    pending = connection.info[PENDING] = Pending()
    try:
        yield
        pending.write(connection)
    finally:
        connection.info.pop(PENDING, None)


def handler(*fields: str) -> Handler:
    @reads(*fields)
    def on_event(connection: sa.Connection, envelope: Envelope) -> None:
        pending: Pending | None = connection.info.get(PENDING)
        change = queue.change_for(envelope.type, envelope.data, envelope.time)
        if change is not None and pending is not None:
            pending.changes.append(change)
        elif change is not None:
            store.apply(connection, change)
        entry = timeline.entry_for(envelope.id, envelope.type, envelope.data, envelope.time)
        if entry is None:
            return
        given = timeline.assignment_for(entry, envelope.data)  # a service's assignment of the case
        if pending is not None:
            pending.entries.append(entry)
            pending.changes.extend([given] if given else [])
            return
        case_store.record(connection, entry)  # the case page's history
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
            settings,
            consumer_options={"group_id": group_prefix + name} if group_prefix else None,
            events=events,
            batch_scope=batch_scope,
        )
        for name, (topics, handlers) in subscriptions(events).items()
    ]
