"""Dead letters on the real broker: the limit stops a consumer that only makes poison and loses nothing,
a key's later events wait behind its dead letter (also across a restart), and a replay after the fix
handles each event once, in order."""

from __future__ import annotations

import logging
import time
import uuid

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client import REGISTRY

from meemaken_events import ConsumerLoop, EventFactory, dead_letter_topic, messaging_tables
from meemaken_events.dead_letter_admin import opened
from meemaken_events.dead_letter_log import DeadLetterLog
from meemaken_events.dead_letters import DeadLetterLimit, Origin
from meemaken_events.settings import EventSettings
from meemaken_kit import make_engine

pytestmark = pytest.mark.kafka

SOURCE = "urn:meemaken:municipality:demo:system:test"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"


class Service:
    """A consumer's database (SQLite), its topics, and a handler that a release can break."""

    def __init__(self, tmp_path, bootstrap, make_topics, partitions=1):
        self.bootstrap, self.broken = bootstrap, set()
        self.brokers = EventSettings(kafka_bootstrap_servers=bootstrap)
        self.name = f"test.dlq{uuid.uuid4().hex[:8]}"
        self.topic = f"test.{self.name}"
        make_topics((self.topic, partitions), (dead_letter_topic(self.name), 1))
        metadata = sa.MetaData()
        _outbox, self.inbox, _lease = messaging_tables(metadata)
        self.effects = sa.Table(
            "effects",
            metadata,
            sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("key", sa.String(64)),
            sa.Column("event_id", sa.String(64)),
        )
        self.engine = make_engine(f"sqlite:///{tmp_path / 'consumer.sqlite'}")
        metadata.create_all(self.engine)
        self.producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all")

    def handle(self, conn, envelope):
        if envelope.id in self.broken or "*" in self.broken:
            raise RuntimeError("this release cannot handle it")
        conn.execute(self.effects.insert().values(key=envelope.key, event_id=envelope.id))

    def loop(self, limit=None):
        return ConsumerLoop(
            self.name,
            [self.topic],
            {ADMITTED: self.handle},
            self.engine,
            self.inbox,
            self.brokers,
            dead_letter_limit=limit or DeadLetterLimit(10, 60),
        )

    def publish(self, key):
        data = {"proposal_id": key, "process_id": "p", "author_id": str(uuid.uuid4()), "title": "t"}
        event = EventFactory(SOURCE).create(ADMITTED, key, data)
        k, value, headers = event.to_kafka()
        self.producer.send(self.topic, key=k, value=value, headers=headers).get(timeout=30)
        return event.id

    def handled(self, key=None):
        query = sa.select(self.effects.c.event_id).order_by(self.effects.c.n)
        if key is not None:
            query = query.where(self.effects.c.key == key)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def dead_letters(self):
        log = DeadLetterLog(self.brokers, dead_letter_topic(self.name), keep=True)
        log.catch_up()
        log.close()
        return log.letters

    def committed(self, partition=0):
        reader = KafkaConsumer(bootstrap_servers=self.bootstrap.split(","), group_id=self.name)
        try:
            return reader.committed(TopicPartition(self.topic, partition))
        finally:
            reader.close()

    def close(self):
        self.producer.close()
        self.engine.dispose()


@pytest.fixture
def service(tmp_path, kafka_bootstrap, make_topics):
    service = Service(tmp_path, kafka_bootstrap, make_topics)
    yield service
    service.close()


def run_until(loop, condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        loop.run_once(300)


def test_a_consumer_that_only_makes_poison_stops_at_the_limit_and_resumes_after_the_fix_losing_nothing(service):
    service.broken.add("*")  # a broken release: every event fails
    ids = [service.publish(str(uuid.uuid4())) for _ in range(8)]
    loop = service.loop(DeadLetterLimit(3, 60))
    run_until(loop, lambda: loop.halted)

    assert "more than 3 dead letters within 60 s" in loop.halted
    assert REGISTRY.get_sample_value("meemaken_consumer_halted", {"consumer": service.name}) == 1
    assert loop.run_once(300) == 0  # stopped: it reads nothing more
    assert [letter.origin.offset for letter in service.dead_letters()] == [0, 1, 2]
    assert service.committed() == 3  # not past the first event it did not dead-letter
    loop.close()

    service.broken.clear()  # the fix, and a restart
    loop = service.loop(DeadLetterLimit(3, 60))
    run_until(loop, lambda: len(service.handled()) == 5)
    with opened(loop, service.brokers) as letters:
        outcomes = letters.replay()
    loop.close()
    assert [outcome for _, outcome in outcomes] == ["handled"] * 3
    assert sorted(service.handled()) == sorted(ids)  # every event, each once


def test_a_keys_later_events_wait_behind_its_dead_letter_and_a_replay_handles_them_once_in_order(service):
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    a1 = service.publish(a)
    service.broken.add(a1)
    a2, b1, a3 = service.publish(a), service.publish(b), service.publish(a)
    loop = service.loop()
    run_until(loop, lambda: service.handled(b) == [b1])
    letters = service.dead_letters()
    poison = letters[0].origin
    assert [(letter.origin.offset, letter.state) for letter in letters] == [
        (0, "poison"),
        (1, f"parked behind {poison}"),
        (3, f"parked behind {poison}"),
    ]
    loop.close()

    loop = service.loop()  # a restart does not forget which key waits
    a4, b2 = service.publish(a), service.publish(b)
    run_until(loop, lambda: service.handled(b) == [b1, b2])
    assert [letter.state for letter in service.dead_letters()][-1] == f"parked behind {poison}"
    assert service.handled(a) == []

    service.broken.clear()  # the fix
    with opened(loop, service.brokers) as dead:
        with pytest.raises(ValueError, match="waits behind"):
            dead.replay(Origin(service.topic, 0, 1))
        outcomes = dead.replay(poison)
        assert [outcome for _, outcome in outcomes] == ["handled"] * 4
        assert dead.replay() == []
        [first] = [letter for letter in dead.letters(everything=True) if letter.origin == poison]
        assert loop.replay(first.key, first.value, first.headers) == "duplicate"  # a replay repeated is harmless
    a5 = service.publish(a)
    run_until(loop, lambda: len(service.handled(a)) == 5)  # the key flows again
    loop.close()
    assert service.handled(a) == [a1, a2, a3, a4, a5]
    assert len(service.dead_letters()) == 4  # a5 went straight through


def test_a_discarded_dead_letter_is_audited_and_what_waited_behind_it_is_replayed(service, caplog):
    c = str(uuid.uuid4())
    c1 = service.publish(c)
    service.broken.add(c1)
    c2 = service.publish(c)
    loop = service.loop()
    run_until(loop, lambda: len(service.dead_letters()) == 2)
    poison, parked = (letter.origin for letter in service.dead_letters())
    with opened(loop, service.brokers) as dead, caplog.at_level(logging.WARNING, "meemaken.dead_letters"):
        with pytest.raises(ValueError, match="reason"):
            dead.discard(poison, " ")
        dead.discard(poison, "the proposal was withdrawn before the event could be read")
        assert [(letter.origin, outcome) for letter, outcome in dead.replay()] == [(parked, "handled")]
    loop.close()
    assert "discarded" in caplog.text and "withdrawn" in caplog.text and str(poison) in caplog.text
    assert service.handled(c) == [c2]
    assert [letter.state for letter in service.dead_letters()] == ["discarded", "replayed"]


def test_the_service_command_lists_shows_and_replays_dead_letters(service, tmp_path, monkeypatch, capsys):
    from meemaken_kit import ServiceDefinition, main

    d = str(uuid.uuid4())
    d1 = service.publish(d)
    service.broken.add(d1)
    d2 = service.publish(d)
    loop = service.loop()
    run_until(loop, lambda: len(service.dead_letters()) == 2)
    loop.close()
    poison, parked = (letter.origin for letter in service.dead_letters())
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'consumer.sqlite'}")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", service.bootstrap)
    definition = ServiceDefinition("sample", tmp_path, lambda *_: None, lambda *_: [service.loop()])  # type: ignore[arg-type,return-value]
    capsys.readouterr()

    assert main(definition, ["dead-letters", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[1:3] for line in listed] == [[str(poison), "poison"], [str(parked), "parked"]]
    assert main(definition, ["dead-letters", "show", str(poison)]) == 0
    shown = capsys.readouterr().out
    assert ADMITTED in shown and "RuntimeError" in shown and '"title"' not in shown  # never the event's data
    assert main(definition, ["dead-letters", "replay", str(parked)]) == 1
    assert "waits behind" in capsys.readouterr().err
    service.broken.clear()
    assert main(definition, ["dead-letters", "replay", "--all"]) == 0
    assert capsys.readouterr().out.count(": handled") == 2
    assert main(definition, ["dead-letters", "list"]) == 0
    assert capsys.readouterr().out == ""
    assert service.handled(d) == [d1, d2]
