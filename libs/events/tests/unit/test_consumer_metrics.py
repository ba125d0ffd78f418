"""The consumer's metrics without a broker: counters at 0 from the start, and the lag of the partitions it
holds (a stand-in for kafka-python's consumer: its assignment, end offsets and positions)."""

import uuid

import sqlalchemy as sa
from kafka import TopicPartition
from kafka.errors import KafkaTimeoutError
from prometheus_client import REGISTRY

from meemaken_events import ConsumerLoop, messaging_tables
from meemaken_events.settings import EventSettings
from meemaken_kit import make_engine

BROKERS = EventSettings(kafka_bootstrap_servers="127.0.0.1:1")  # never reached in these tests


class Assigned:
    def __init__(self, ends: dict[TopicPartition, int], positions: dict[TopicPartition, int | None]) -> None:
        self.ends, self.positions = ends, positions

    def assignment(self) -> set[TopicPartition]:
        return set(self.positions)

    def end_offsets(self, partitions: list[TopicPartition], timeout_ms: int | None = None) -> dict[TopicPartition, int]:
        return {tp: self.ends[tp] for tp in partitions}

    def position(self, tp: TopicPartition, timeout_ms: int | None = None) -> int | None:
        return self.positions[tp]

    def close(self, autocommit: bool = False) -> None:
        pass


def loop() -> ConsumerLoop:
    metadata = sa.MetaData()
    _outbox, inbox, _lease = messaging_tables(metadata)
    name = f"test.metrics{uuid.uuid4().hex[:8]}"
    return ConsumerLoop(name, ["t"], {}, make_engine("sqlite://"), inbox, BROKERS)


def lag(consumer: ConsumerLoop, partition: int) -> float | None:
    labels = {"consumer": consumer.name, "topic": "t", "partition": str(partition)}
    return REGISTRY.get_sample_value("meemaken_consumer_lag", labels)


def test_the_dead_letter_counter_is_at_zero_before_the_first_one() -> None:
    consumer = loop()
    labels = {"consumer": consumer.name, "outcome": "dead_lettered"}
    assert REGISTRY.get_sample_value("meemaken_events_consumed_total", labels) == 0


def test_the_lag_of_each_held_partition_and_none_for_one_that_moved_away() -> None:
    consumer = loop()
    p0, p1 = TopicPartition("t", 0), TopicPartition("t", 1)
    consumer._consumer = Assigned({p0: 120, p1: 40}, {p0: 100, p1: None})
    consumer.observe_lag()
    assert (lag(consumer, 0), lag(consumer, 1)) == (20, None)  # no position yet: nothing said
    consumer._consumer = Assigned({p0: 130, p1: 45}, {p1: 45})  # p0 went to another member
    consumer.observe_lag()
    assert (lag(consumer, 0), lag(consumer, 1)) == (None, 0)
    consumer.close()
    assert lag(consumer, 1) is None


class Unanswered(Assigned):
    """A partition leader cut off from the network: the offsets request times out."""

    def end_offsets(self, partitions: list[TopicPartition], timeout_ms: int | None = None) -> dict[TopicPartition, int]:
        assert timeout_ms is not None and timeout_ms <= 5_000, "a lag reading waits briefly, not a request timeout"
        raise KafkaTimeoutError(f"Failed to get offsets by timestamps in {timeout_ms} ms")


def test_a_lag_reading_the_brokers_do_not_answer_keeps_the_last_figures_and_the_consumer_going() -> None:
    consumer = loop()
    p0 = TopicPartition("t", 0)
    consumer._consumer = Assigned({p0: 120}, {p0: 100})
    consumer.observe_lag()
    consumer._consumer = Unanswered({p0: 150}, {p0: 100})
    consumer.observe_lag()  # no exception: the loop would take it for broker trouble and reconnect
    assert lag(consumer, 0) == 20
