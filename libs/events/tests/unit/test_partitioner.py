"""`KeyHash` puts every key on the partition kafka-python's `DefaultPartitioner` (the Java client's murmur2) does."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner import DefaultPartitioner
from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from meemaken_events.partitioner import KeyHash, murmur2


@given(st.binary(max_size=300))
def test_the_hash_is_kafka_pythons_for_any_key(key):
    assert murmur2(key) == kafka_python_murmur2(key)


def test_the_hash_of_known_keys_is_the_java_clients():
    # Kafka's own test vectors (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2),
    # as signed 32-bit numbers
    vectors = {
        b"21": -973932308,
        b"foobar": -790332482,
        b"a-little-bit-long-string": -985981536,
        b"a-little-bit-longer-string": -1486304829,
        b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
        b"abc": 479470107,
    }
    for key, signed in vectors.items():
        assert murmur2(key) == signed & 0xFFFFFFFF


class Cluster:
    """What a partitioner reads of kafka-python's ClusterMetadata: the known topics and their partitions."""

    def __init__(self, partitions: dict[str, int]) -> None:
        self.partitions = {topic: set(range(count)) for topic, count in partitions.items()}

    def topics(self) -> set[str]:
        return set(self.partitions)

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return self.partitions.get(topic)

    available_partitions_for_topic = partitions_for_topic


def cluster(partitions: dict[str, int]) -> Cluster:
    return Cluster(partitions)


@pytest.mark.parametrize("count", [1, 2, 3, 6, 12])
def test_every_key_lands_where_the_default_partitioner_puts_it(count):
    metadata = cluster({"meemaken.proposals": count})
    default, ours = DefaultPartitioner(), KeyHash()
    for key in [str(uuid.uuid4()).encode() for _ in range(500)] + [b"", b"a", b"ab", b"abc", b"abcd"]:
        expected = default.partition("meemaken.proposals", None, key, None, b"{}", metadata)
        assert ours.partition("meemaken.proposals", None, key, None, b"{}", metadata) == expected


def test_a_record_without_a_key_goes_to_one_of_the_topics_partitions():
    metadata = cluster({"meemaken.proposals": 3})
    assert KeyHash().partition("meemaken.proposals", None, None, None, b"{}", metadata) in {0, 1, 2}


def test_an_unknown_topic_is_refused_as_the_default_partitioner_refuses_it():
    metadata = cluster({"meemaken.proposals": 3})
    with pytest.raises(ValueError, match="not found"):
        KeyHash().partition("meemaken.nothing", None, b"key", None, b"{}", metadata)
