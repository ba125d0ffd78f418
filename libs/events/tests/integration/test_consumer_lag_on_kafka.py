"""The consumer's lag on the real broker: per partition it holds, what is written and not yet read;
it falls to 0 once read, and a member that closes stops reporting its partitions."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from kafka import KafkaProducer
from prometheus_client import REGISTRY

from meemaken_events import ConsumerLoop, EventFactory, dead_letter_topic, messaging_tables
from meemaken_events.settings import EventSettings
from meemaken_kit import make_engine

pytestmark = pytest.mark.kafka

SOURCE = "urn:meemaken:municipality:demo:system:test"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"


def lag(name, topic, partition):
    labels = {"consumer": name, "topic": topic, "partition": str(partition)}
    return REGISTRY.get_sample_value("meemaken_consumer_lag", labels)


def test_the_lag_is_what_the_group_has_not_read_yet(tmp_path, kafka_bootstrap, make_topics):
    name = f"test.lag{uuid.uuid4().hex[:8]}"
    topic = f"test.{name}"
    make_topics((topic, 2), (dead_letter_topic(name), 1))
    metadata = sa.MetaData()
    _outbox, inbox, _lease = messaging_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'consumer.sqlite'}")
    metadata.create_all(engine)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap.split(","), acks="all")
    for n in range(5):
        proposal = str(uuid.uuid4())
        data = {"proposal_id": proposal, "process_id": "p", "author_id": str(uuid.uuid4()), "title": "t"}
        key, value, headers = EventFactory(SOURCE).create(ADMITTED, proposal, data).to_kafka()
        producer.send(topic, key=key, value=value, headers=headers, partition=n % 2).get(timeout=30)
    producer.close()
    handled = []
    loop = ConsumerLoop(
        name,
        [topic],
        {ADMITTED: lambda _c, e: handled.append(e.id)},
        engine,
        inbox,
        EventSettings(kafka_bootstrap_servers=kafka_bootstrap),
        max_records=1,
    )
    try:
        while len(handled) < 1:  # joins the group, then reads one record
            loop.run_once(timeout_ms=500)
        loop.observe_lag()
        assert lag(name, topic, 0) + lag(name, topic, 1) == 4
        while len(handled) < 5:
            loop.run_once(timeout_ms=500)
        loop.observe_lag()
        assert (lag(name, topic, 0), lag(name, topic, 1)) == (0, 0)
    finally:
        loop.close()
    assert lag(name, topic, 0) is None  # another member reports it now
