"""The consumer loop's guard against kafka-python 3.0.12's stuck member, and its offset commits that do not
wait for the broker's answer, with a fake Kafka consumer (no broker needed)."""

import uuid
from types import SimpleNamespace

import pytest
from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from meemaken_events import ConsumerLoop, EventFactory
from meemaken_events import consumer as consumer_module
from meemaken_events.consumer import StuckJoin
from meemaken_events.settings import EventSettings

BROKERS = EventSettings(kafka_bootstrap_servers="127.0.0.1:1")  # never reached in these tests
SOURCE = "urn:meemaken:municipality:demo:system:test"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_member_without_partitions_is_stuck_only_after_the_wait_and_when_its_group_does_not_list_it():
    clock, asked = Clock(), []
    join = StuckJoin(after=60, clock=clock)

    def listed(answer):
        return lambda: asked.append(answer) or answer

    assert not join.stuck(False, listed(False))  # the first poll without partitions: the wait starts
    clock.now += 59
    assert not join.stuck(False, listed(False)) and asked == []  # not asked before the wait is over
    clock.now += 1
    assert not join.stuck(False, listed(True))  # listed: an idle member of a group larger than its partitions
    clock.now += 30
    assert not join.stuck(False, listed(False)) and asked == [True]  # asked again only after another wait
    clock.now += 30
    assert join.stuck(False, listed(False)) and asked == [True, False]
    clock.now += 10
    assert not join.stuck(True, listed(False))  # partitions came: the wait starts over
    clock.now += 100
    assert not join.stuck(False, listed(False)) and asked == [True, False]


class FakeKafka:
    """A Kafka consumer handing out `batches`, then nothing; it records its commits and whether it was closed."""

    def __init__(self, batches, assigned=()):
        self.batches, self.assigned = list(batches), set(assigned)
        self.async_commits, self.commits, self.closed = [], [], False

    def poll(self, timeout_ms, max_records):
        return {("t", 0): self.batches.pop(0)} if self.batches else {}

    def assignment(self):
        return self.assigned

    def commit_async(self, offsets, callback):
        self.async_commits.append({tp.partition: o.offset for tp, o in offsets.items()})

    def commit(self, offsets, timeout_ms):
        self.commits.append({tp.partition: o.offset for tp, o in offsets.items()})

    def close(self, autocommit):
        self.closed = True


@pytest.fixture
def loop(tables):
    engine, _outbox, inbox, _lease = tables
    return ConsumerLoop("test.consumer", ["t"], {ADMITTED: lambda conn, env: None}, engine, inbox, BROKERS)


def record(offset):
    proposal = str(uuid.uuid4())
    data = {"proposal_id": proposal, "process_id": "p", "author_id": str(uuid.uuid4()), "title": "t"}
    key, value, headers = EventFactory(SOURCE).create(ADMITTED, proposal, data).to_kafka()
    return SimpleNamespace(topic="t", partition=0, offset=offset, key=key, value=value, headers=headers)


def test_the_loop_makes_a_stuck_member_anew_and_leaves_a_listed_idle_member_alone(loop, monkeypatch):
    clock, listed = Clock(), [True]
    loop.join = StuckJoin(after=60, clock=clock)
    monkeypatch.setattr(consumer_module, "listed_in_group", lambda consumer, brokers, group: listed[0])
    loop._consumer = idle = FakeKafka([])
    for _ in range(2):
        assert loop.run_once() == 0
        clock.now += 60
    assert loop._consumer is idle and not idle.closed  # in its group: it stays
    listed[0] = False
    clock.now += 60
    assert loop.run_once() == 0
    assert idle.closed and loop._consumer is None  # the next round connects a new member


def test_offsets_are_committed_without_waiting_and_waited_for_when_the_consumer_closes(loop):
    loop._consumer = kafka = FakeKafka([[record(0), record(1)], [record(2)]], assigned={TopicPartition("t", 0)})
    assert loop.run_once() == 2 and loop.run_once() == 1
    assert kafka.async_commits == [{0: 2}, {0: 3}] and kafka.commits == []
    loop._answered(
        {TopicPartition("t", 0): OffsetAndMetadata(2, "", -1)}, None
    )  # the first commit's answer: the second is out
    loop.close()
    assert kafka.commits == [{0: 3}] and kafka.closed  # the last one again, waited for
