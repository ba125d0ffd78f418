"""The inbox's batch statement on PostgreSQL (the batch as one JSON document of rows): each event is admitted once
per consumer, within a batch and across batches; sources, ids and types come back exactly as sent, whatever their
characters; another consumer admits the same events for itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from meemaken_events import Envelope, messaging_tables
from meemaken_events.inbox import Inbox

pytestmark = pytest.mark.postgres
metadata = sa.MetaData()
_outbox, inbox_table, _lease = messaging_tables(metadata)


@pytest.fixture
def engine(engine_with) -> sa.Engine:
    return engine_with(metadata)


def event(source: str = "urn:meemaken:municipality:demo:system:proposals", event_id: str | None = None) -> Envelope:
    return Envelope(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type="org.meemaken.proposals.proposal.submitted.v1",
        time=datetime.now(UTC),
        key="k",
        data={},
        dataschema="urn:meemaken:event-schema:x",
    )


def deliver(engine: sa.Engine, inbox: Inbox, events: list[Envelope]) -> set[tuple[str, str]]:
    with engine.begin() as conn:
        return inbox.first_deliveries(conn, events)


def test_each_event_is_admitted_once_within_a_batch_and_across_batches(engine):
    inbox = Inbox(inbox_table, "notifications.proposals")
    first = [event() for _ in range(300)]
    assert deliver(engine, inbox, first + first[:5]) == {(e.source, e.id) for e in first}  # twice in one batch
    later = [event() for _ in range(3)]
    assert deliver(engine, inbox, first[100:110] + later) == {(e.source, e.id) for e in later}
    assert deliver(engine, inbox, []) == set()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(inbox_table)).scalar_one() == 303


def test_odd_characters_come_back_as_they_were_sent(engine):
    inbox = Inbox(inbox_table, "proposals.admissibility")
    odd = [
        event('urn:x:"quoted",{braces}', 'id with "quotes" and \\ backslash'),
        event("urn:x:été", "ünïcode-✓"),
        event("urn:x:a", "line\nbreak\ttab"),
    ]
    assert deliver(engine, inbox, odd) == {(e.source, e.id) for e in odd}
    assert deliver(engine, inbox, odd) == set()


def test_another_consumer_admits_the_same_events_for_itself(engine):
    events = [event() for _ in range(4)]
    assert len(deliver(engine, Inbox(inbox_table, "one"), events)) == 4
    assert len(deliver(engine, Inbox(inbox_table, "other"), events)) == 4
    assert deliver(engine, Inbox(inbox_table, "one"), events) == set()


def test_an_id_postgresql_cannot_store_fails_as_bad_data_not_as_an_outage(engine):
    """A NUL in an id from a record's headers: a DataError, which the consumer treats as poison (dead-lettered),
    never as a database that is away."""
    with pytest.raises(sa.exc.DataError):
        deliver(engine, Inbox(inbox_table, "one"), [event(event_id="nul\x00here")])
