"""An event's JSON is decoded once on its way: the consumer decodes a record's value once (the schema check,
the inbox and the handler all read that one decoding, also when the batch is redone event by event), and the
relay decodes an outbox row once. A spy on the events' JSON reader (`meemaken_events.jsontext.loads`) counts the
decodings."""

import json
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from meemaken_events import ConsumerLoop, EventFactory, Lease, Outbox, Relay, jsontext
from meemaken_events.settings import EventSettings

BROKERS = EventSettings(kafka_bootstrap_servers="127.0.0.1:1")  # never reached in these tests

SOURCE = "urn:meemaken:municipality:demo:system:test"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"


@pytest.fixture
def decoded(monkeypatch):
    """The texts the JSON reader was given, in order."""
    seen: list[str] = []
    loads = jsontext.loads

    def spy(text):
        seen.append(text.decode() if isinstance(text, bytes) else text)
        return loads(text)

    monkeypatch.setattr(jsontext, "loads", spy)
    return seen


def admitted(number):
    proposal_id = f"00000000-0000-4000-8000-{number:012d}"
    data = {"proposal_id": proposal_id, "process_id": "p", "author_id": proposal_id, "title": "t"}
    return EventFactory(SOURCE).create(ADMITTED, proposal_id, data)


def record(offset, envelope):
    key, value, headers = envelope.to_kafka()
    return SimpleNamespace(topic="t", partition=0, offset=offset, key=key, value=value, headers=headers)


@pytest.mark.parametrize("failing", [None, 1], ids=["one transaction", "redone event by event"])
def test_the_consumer_decodes_each_record_once(tables, decoded, failing):
    engine, _outbox, inbox, _lease = tables
    events = [admitted(n) for n in range(3)]
    handled = []

    def handler(conn, envelope):
        handled.append(envelope.data["proposal_id"])
        if failing is not None and envelope.id == events[failing].id:
            raise ValueError("poison")

    records = [record(offset, event) for offset, event in enumerate(events)]
    consumer = ConsumerLoop("test.once", ["t"], {ADMITTED: handler}, engine, inbox, BROKERS)
    dead = consumer._handle(records).dead
    assert len(dead) == (0 if failing is None else 1)
    values = [r.value.decode() for r in records]
    assert sorted(text for text in decoded if text in values) == sorted(values)  # each value once
    assert len(handled) >= len(events)  # every event reached its handler (the redo handles them again)


def test_the_relay_decodes_each_outbox_row_once(tables, decoded):
    engine, outbox, _inbox, lease_table = tables
    with engine.begin() as conn:
        Outbox(outbox).add(conn, [admitted(n) for n in range(3)])
    with engine.connect() as conn:
        stored = [row.envelope for row in conn.execute(sa.select(outbox.c.envelope))]
    sent = []
    producer = SimpleNamespace(
        send=lambda topic, key, value, headers: sent.append(value) or SimpleNamespace(get=lambda timeout: None),
        flush=lambda timeout: None,
    )
    relay = Relay(engine, outbox, Lease(engine, lease_table, "r"), producer=producer)  # type: ignore[arg-type]
    decoded.clear()
    assert relay.publish_once() == 3
    assert sorted(text for text in decoded if text in stored) == sorted(stored)
    assert [json.loads(value)["proposal_id"] for value in sent] == [admitted(n).key for n in range(3)]
