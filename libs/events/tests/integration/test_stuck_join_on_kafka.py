"""The stuck-member check on the real broker: it finds this member's id through kafka-python's public
`group_metadata()` among the members its group's coordinator lists. Should a kafka-python release change that
snapshot, the listed member is no longer found and this test fails (the loop would otherwise make a healthy
consumer anew every minute)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer

from meemaken_events import ConsumerLoop, EventFactory, dead_letter_topic, messaging_tables
from meemaken_events.consumer import listed_in_group
from meemaken_events.settings import EventSettings
from meemaken_kit import make_engine

pytestmark = pytest.mark.kafka

SOURCE = "urn:meemaken:municipality:demo:system:test"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"


def test_a_joined_member_is_listed_in_its_group_and_a_stranger_or_an_empty_group_is_not(
    tmp_path, kafka_bootstrap, make_topics
):
    name = f"test.join{uuid.uuid4().hex[:8]}"
    topic = f"test.{name}"
    make_topics((topic, 1), (dead_letter_topic(name), 1))
    metadata = sa.MetaData()
    _outbox, inbox, _lease = messaging_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'consumer.sqlite'}")
    metadata.create_all(engine)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap.split(","), acks="all")
    proposal = str(uuid.uuid4())
    data = {"proposal_id": proposal, "process_id": "p", "author_id": str(uuid.uuid4()), "title": "t"}
    key, value, headers = EventFactory(SOURCE).create(ADMITTED, proposal, data).to_kafka()
    producer.send(topic, key=key, value=value, headers=headers).get(timeout=30)
    producer.close()
    brokers = EventSettings(kafka_bootstrap_servers=kafka_bootstrap)
    handled: list[object] = []
    loop = ConsumerLoop(name, [topic], {ADMITTED: lambda _c, e: handled.append(e.id)}, engine, inbox, brokers)
    stranger = KafkaConsumer(bootstrap_servers=kafka_bootstrap.split(","), group_id=f"{name}.other")
    try:
        while not handled:  # joined the group: it was assigned the partition and read the record
            loop.run_once(timeout_ms=500)
        assert loop._consumer is not None
        assert loop._consumer.group_metadata().member_id  # the public snapshot names the member
        assert listed_in_group(loop._consumer, brokers, name)
        assert not listed_in_group(stranger, brokers, name)  # never joined: '' is no member's id
        loop.close()  # its only member left: the group is Empty and lists nobody
        assert not listed_in_group(stranger, brokers, name)
    finally:
        stranger.close()
        loop.close()
